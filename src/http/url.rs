//! Request URLs the way k6 sees them: parsed with Go's rules for what is an error (and which
//! error), and printed like Go's `url.URL.String()` for `res.url` and the `url`/`name` tags.

use url::{ParseError, Position, Url};

use super::errors::{self, HttpError};

/// A URL a request can be sent to (http or https, with a host).
#[derive(Clone, Debug)]
pub struct RequestUrl {
    pub url: Url,
    /// Go's rendering: credentials kept, no `/` added to an empty path.
    pub shown: String,
}

/// What a script's URL string turns into.
#[derive(Clone, Debug)]
pub enum ParsedUrl {
    Sendable(RequestUrl),
    /// Parses, but Go's transport refuses it (unsupported scheme, no host, bad port): k6
    /// still emits the request's samples, with status 0 and this error.
    Unsendable {
        shown: String,
        error: HttpError,
    },
}

/// Parses a script's URL. `Err` is k6's "invalid URL" (code 1020), raised before any
/// request exists, so no samples are emitted for it.
pub fn parse(raw: &str) -> Result<ParsedUrl, HttpError> {
    match Url::parse(raw) {
        Ok(url) if url.scheme() == "http" || url.scheme() == "https" => {
            let shown = go_string(raw, &url);
            Ok(ParsedUrl::Sendable(RequestUrl { url, shown }))
        }
        Ok(url) => Ok(ParsedUrl::Unsendable {
            shown: url.as_str().to_string(),
            error: HttpError::new(
                errors::GENERIC,
                format!("unsupported protocol scheme \"{}\"", url.scheme()),
            ),
        }),
        Err(ParseError::RelativeUrlWithoutBase) => Ok(ParsedUrl::Unsendable {
            shown: escape_relative(raw),
            error: HttpError::new(errors::GENERIC, "unsupported protocol scheme \"\""),
        }),
        Err(ParseError::EmptyHost) if http_scheme(raw).is_some() => {
            let scheme = http_scheme(raw).unwrap_or("http");
            Ok(ParsedUrl::Unsendable {
                shown: format!("{scheme}:"),
                error: HttpError::new(errors::GENERIC, "http: no Host in request URL"),
            })
        }
        Err(ParseError::InvalidPort) if http_scheme(raw).is_some() => {
            let port = port_text(raw);
            let msg = format!("dial tcp: address {port}: invalid port");
            Ok(ParsedUrl::Unsendable {
                shown: raw.to_string(),
                error: HttpError::new(errors::DIAL_GENERIC, msg),
            })
        }
        Err(e) => {
            let msg = format!(
                "invalid URL: parse {}: {}",
                crate::go_strconv::go_quote(raw),
                go_reason(raw, e)
            );
            Err(HttpError::new(errors::INVALID_URL, msg))
        }
    }
}

/// Go's `url.String()` for a URL the url crate normalised: the raw text when it was already
/// canonical, else the normalised form without the `/` the url crate adds to empty paths.
pub fn go_string(raw: &str, url: &Url) -> String {
    if raw == url.as_str() {
        return raw.to_string();
    }
    let before_path = if path_was_empty(raw) && url.path() == "/" {
        &url[..Position::BeforePath]
    } else {
        &url[..Position::AfterPath]
    };
    // Go keeps the query exactly as written (`RawQuery`: spaces and non-ASCII included),
    // where the url crate percent-encodes it.
    let query = match (raw.find('?'), raw.find('#')) {
        (Some(q), Some(h)) if q < h => Some(&raw[q..h]),
        (Some(q), None) => Some(&raw[q..]),
        _ => None,
    };
    match query {
        Some(q) => format!("{before_path}{q}{}", &url[Position::AfterQuery..]),
        None => format!("{before_path}{}", &url[Position::AfterPath..]),
    }
}

/// The URL with its credentials replaced by `****:****`, as k6 tags it.
pub fn masked(shown: &str, url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return shown.to_string();
    }
    match (shown.find("://"), shown.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}****:****{}", &shown[..s + 3], &shown[at..]),
        _ => shown.to_string(),
    }
}

/// The URL as Go's HTTP client names it in errors (`stripPassword`): a password becomes
/// `***` (`http://user:***@host/`); a user name alone stays.
pub fn password_redacted(shown: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = shown.find("://").map(|i| i + 3) else {
        return shown.into();
    };
    let authority_end = shown[start..]
        .find(['/', '?', '#'])
        .map_or(shown.len(), |i| start + i);
    let Some(at) = shown[start..authority_end].rfind('@').map(|i| start + i) else {
        return shown.into();
    };
    match shown[start..at].find(':').map(|i| start + i) {
        Some(colon) => format!("{}***{}", &shown[..=colon], &shown[at..]).into(),
        None => shown.into(),
    }
}

/// The URL without credentials (digest auth strips them before sending, as k6 does).
pub fn without_credentials(u: &RequestUrl) -> RequestUrl {
    if u.url.username().is_empty() && u.url.password().is_none() {
        return u.clone();
    }
    let mut url = u.url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let shown = match (u.shown.find("://"), u.shown.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}{}", &u.shown[..s + 3], &u.shown[at + 1..]),
        _ => url.as_str().to_string(),
    };
    RequestUrl { url, shown }
}

fn http_scheme(raw: &str) -> Option<&'static str> {
    let lower = raw.get(..8).unwrap_or(raw).to_ascii_lowercase();
    if lower.starts_with("https://") {
        Some("https")
    } else if lower.starts_with("http://") {
        Some("http")
    } else {
        None
    }
}

fn path_was_empty(raw: &str) -> bool {
    let Some(i) = raw.find("://") else {
        return false;
    };
    let rest = &raw[i + 3..];
    match rest.find(['/', '?', '#']) {
        Some(j) => !rest[j..].starts_with('/'),
        None => true,
    }
}

fn authority(raw: &str) -> &str {
    let rest = raw.find("://").map(|i| &raw[i + 3..]).unwrap_or(raw);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    match auth.rfind('@') {
        Some(at) => &auth[at + 1..],
        None => auth,
    }
}

fn port_text(raw: &str) -> &str {
    let host = authority(raw);
    match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[i + 1..],
        _ => "",
    }
}

/// Go's `url.Parse` reason for the common malformed URLs.
fn go_reason(raw: &str, e: ParseError) -> String {
    let host = authority(raw);
    match e {
        ParseError::InvalidIpv6Address if host.starts_with('[') && !host.contains(']') => {
            "missing ']' in host".to_string()
        }
        ParseError::InvalidDomainCharacter | ParseError::IdnaError => {
            match host.chars().find(|c| {
                c.is_ascii_whitespace() || c.is_ascii_control() || "<>\"`{}|^%".contains(*c)
            }) {
                Some(c) => format!(
                    "invalid character {} in host name",
                    crate::go_strconv::go_quote(&c.to_string())
                ),
                None => e.to_string(),
            }
        }
        other => other.to_string(),
    }
}

/// Go prints a relative URL with its path escaped (`not a url` → `not%20a%20url`).
fn escape_relative(raw: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}');
    percent_encoding::utf8_percent_encode(raw, SET).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(raw: &str) -> String {
        match parse(raw) {
            Ok(ParsedUrl::Sendable(u)) => u.shown,
            Ok(ParsedUrl::Unsendable { shown, .. }) => shown,
            Err(e) => e.message,
        }
    }

    // Confirmed on k6 v1.1.0: the url tag of `http.get('http://127.0.0.1:18080')` is
    // "http://127.0.0.1:18080" and of `HTTP://127.0.0.1:18080/get` "http://127.0.0.1:18080/get".
    #[test]
    fn prints_like_go() {
        assert_eq!(shown("http://127.0.0.1:18080"), "http://127.0.0.1:18080");
        assert_eq!(shown("http://h:1?a=b"), "http://h:1?a=b");
        assert_eq!(
            shown("HTTP://127.0.0.1:18080/get"),
            "http://127.0.0.1:18080/get"
        );
        assert_eq!(shown("http://h/get#frag"), "http://h/get#frag");
        // Confirmed on k6 v1.1.0 (`res.url` and the url tag): the query stays as written, the
        // path is escaped.
        assert_eq!(
            shown("http://h/get?a=b c&d=é&e=x%20y"),
            "http://h/get?a=b c&d=é&e=x%20y"
        );
        assert_eq!(
            shown("http://h/a b/ü?q=[1]|{x}"),
            "http://h/a%20b/%C3%BC?q=[1]|{x}"
        );
        assert_eq!(shown("HTTP://h?a=é#f"), "http://h?a=é#f");
    }

    // Confirmed on k6 v1.1.0: these are request errors (status 0, samples emitted) with
    // code 1000 or 1210, not invalid-URL errors.
    #[test]
    fn unsendable_urls_carry_go_errors() {
        let cases = [
            (
                "foo://bar",
                "foo://bar",
                1000,
                "unsupported protocol scheme \"foo\"",
            ),
            (
                "not a url",
                "not%20a%20url",
                1000,
                "unsupported protocol scheme \"\"",
            ),
            ("", "", 1000, "unsupported protocol scheme \"\""),
            ("http://", "http:", 1000, "http: no Host in request URL"),
            (
                "http://127.0.0.1:99999/",
                "http://127.0.0.1:99999/",
                1210,
                "dial tcp: address 99999: invalid port",
            ),
        ];
        for (raw, want_shown, code, msg) in cases {
            match parse(raw) {
                Ok(ParsedUrl::Unsendable { shown, error }) => {
                    assert_eq!(shown, want_shown, "{raw}");
                    assert_eq!((error.code, error.message.as_str()), (code, msg), "{raw}");
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
    }

    // Confirmed on k6 v1.1.0: `invalid URL: parse "http://[::1": missing ']' in host` (1020).
    #[test]
    fn invalid_urls_are_1020() {
        let e = parse("http://[::1").unwrap_err();
        assert_eq!(e.code, 1020);
        assert_eq!(
            e.message,
            "invalid URL: parse \"http://[::1\": missing ']' in host"
        );
        let e = parse("http://exa mple.com/").unwrap_err();
        assert_eq!(
            e.message,
            "invalid URL: parse \"http://exa mple.com/\": invalid character \" \" in host name"
        );
    }

    // Confirmed on k6 v1.1.0: `Get "https://user:***@host/api/basic-auth/user/passwd": ...`.
    #[test]
    fn errors_redact_only_the_password() {
        assert_eq!(
            password_redacted("http://u:p@h:1/x@y"),
            "http://u:***@h:1/x@y"
        );
        assert_eq!(password_redacted("http://u@h/"), "http://u@h/");
        assert_eq!(password_redacted("http://h/a:b@c"), "http://h/a:b@c");
        assert_eq!(password_redacted("not a url"), "not a url");
    }

    // Confirmed on k6 v1.1.0: tags show `http://****:****@127.0.0.1:18080/basic-auth/u/p`.
    #[test]
    fn credentials_are_masked_in_tags() {
        let Ok(ParsedUrl::Sendable(u)) = parse("http://u:p@h:1/x") else {
            panic!()
        };
        assert_eq!(u.shown, "http://u:p@h:1/x");
        assert_eq!(masked(&u.shown, &u.url), "http://****:****@h:1/x");
        assert_eq!(without_credentials(&u).shown, "http://h:1/x");
    }
}
