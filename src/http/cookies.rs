//! A cookie jar with Go's `net/http/cookiejar` behaviour on top of `cookie_store` (which does
//! the RFC 6265 domain, path and expiry rules): cookies come out longest path first, then
//! oldest first, and `Secure` cookies only go to https URLs (cookie_store also sends them to
//! loopback over plain http; Go and k6 do not).

use std::collections::HashMap;

use cookie_store::CookieStore;
use url::Url;

/// (domain, path, name): a cookie's identity in the jar.
type CookieKey = (String, String, String);

#[derive(Default)]
pub struct Jar {
    store: CookieStore,
    /// Creation order, which Go uses to order cookies of equal path length.
    created: HashMap<CookieKey, u64>,
    next: u64,
}

fn key_of(c: &cookie_store::Cookie<'_>) -> CookieKey {
    (
        c.domain
            .as_cow()
            .map(|d| d.into_owned())
            .unwrap_or_default(),
        String::from(&c.path),
        c.name().to_string(),
    )
}

impl Jar {
    pub fn new() -> Jar {
        Jar::default()
    }

    /// Empties the jar (k6 does this at the start of every iteration).
    pub fn clear_all(&mut self) {
        if !self.created.is_empty() {
            self.store.clear();
            self.created.clear();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.created.is_empty()
    }

    /// Records creation order for cookies just stored and forgets removed ones.
    fn sync(&mut self) {
        let mut present: Vec<CookieKey> = Vec::new();
        for c in self.store.iter_any() {
            present.push(key_of(c));
        }
        self.created.retain(|k, _| present.contains(k));
        for k in present {
            if !self.created.contains_key(&k) {
                self.created.insert(k, self.next);
                self.next += 1;
            }
        }
    }

    /// Stores one cookie as if `url` had sent it in a Set-Cookie header.
    pub fn store(&mut self, cookie: &cookie::Cookie<'_>, url: &Url) {
        // An expired cookie is refused but deletes the one it replaces, so sync either way.
        let _ = self.store.insert_raw(cookie, url);
        self.sync();
    }

    /// Stores every `Set-Cookie` of a response, in header order.
    pub fn store_response(&mut self, headers: &http::HeaderMap, url: &Url) {
        for v in headers.get_all(http::header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            if let Ok(c) = cookie::Cookie::parse(s) {
                self.store(&c, url);
            }
        }
    }

    /// The cookies a request to `url` carries, in Go's order.
    pub fn for_url(&self, url: &Url) -> Vec<(String, String)> {
        if self.created.is_empty() {
            return Vec::new();
        }
        let https = url.scheme() == "https";
        let mut found: Vec<(usize, u64, &str, &str)> = self
            .store
            .matches(url)
            .into_iter()
            .filter(|c| https || !c.secure().unwrap_or(false))
            .map(|c| {
                let seq = self.created.get(&key_of(c)).copied().unwrap_or(u64::MAX);
                (String::from(&c.path).len(), seq, c.name(), c.value())
            })
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        found
            .into_iter()
            .map(|(_, _, n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// Removes the cookies `url` would get, or only those named `name`.
    pub fn remove_for_url(&mut self, url: &Url, name: Option<&str>) {
        let https = url.scheme() == "https";
        let victims: Vec<CookieKey> = self
            .store
            .matches(url)
            .into_iter()
            .filter(|c| https || !c.secure().unwrap_or(false))
            .filter(|c| name.is_none_or(|n| c.name() == n))
            .map(key_of)
            .collect();
        for (d, p, n) in &victims {
            self.store.remove(d, p, n);
        }
        if !victims.is_empty() {
            self.sync();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn names(j: &Jar, u: &str) -> Vec<String> {
        j.for_url(&url(u)).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn orders_by_path_length_then_creation() {
        let mut j = Jar::new();
        let u = url("http://h/a/b");
        for s in ["b=1; Path=/", "a=2; Path=/", "c=3; Path=/a"] {
            j.store(&cookie::Cookie::parse(s).unwrap(), &u);
        }
        assert_eq!(names(&j, "http://h/a/b"), ["c", "b", "a"]);
        // Replacing a cookie keeps its creation time, as in Go.
        j.store(&cookie::Cookie::parse("b=9; Path=/").unwrap(), &u);
        assert_eq!(
            j.for_url(&url("http://h/")),
            [("b".into(), "9".into()), ("a".into(), "2".into())]
        );
    }

    // Confirmed on k6 v1.1.0: a cookie set with `secure: true` for http://127.0.0.1 is not
    // returned by cookiesForURL('http://127.0.0.1:18080/').
    #[test]
    fn secure_cookies_only_go_to_https() {
        let mut j = Jar::new();
        let mut c = cookie::Cookie::new("s", "1");
        c.set_secure(true);
        j.store(&c, &url("https://127.0.0.1/"));
        assert!(names(&j, "http://127.0.0.1/").is_empty());
        assert_eq!(names(&j, "https://127.0.0.1/"), ["s"]);
    }

    // Confirmed on k6 v1.1.0: jar.clear(url) removes the cookies cookiesForURL(url) returns
    // and keeps a cookie whose path does not match.
    #[test]
    fn removal_follows_matching() {
        let mut j = Jar::new();
        let u = url("http://h/");
        j.store(&cookie::Cookie::parse("a=1; Path=/").unwrap(), &u);
        j.store(&cookie::Cookie::parse("e=5; Path=/cookies").unwrap(), &u);
        j.store(&cookie::Cookie::parse("b=2; Path=/").unwrap(), &u);
        j.remove_for_url(&u, Some("a"));
        assert_eq!(names(&j, "http://h/cookies"), ["e", "b"]);
        j.remove_for_url(&u, None);
        assert_eq!(names(&j, "http://h/cookies"), ["e"]);
        j.clear_all();
        assert!(j.is_empty());
    }

    #[test]
    fn expired_cookies_are_dropped() {
        let mut j = Jar::new();
        let u = url("http://h/");
        j.store(&cookie::Cookie::parse("a=1; Path=/").unwrap(), &u);
        j.store(&cookie::Cookie::parse("a=; Path=/; Max-Age=0").unwrap(), &u);
        assert!(names(&j, "http://h/").is_empty());
    }
}
