//! The `hosts` option: name overrides resolved before DNS, as k6 supports them: keys `host`,
//! `host:port` or `*.domain`, values an address or name with an optional port.

use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub host: String,
    pub port: Option<u16>,
}

#[derive(Clone, Debug, Default)]
pub struct Hosts {
    exact: HashMap<String, Override>,
    /// `(".domain", target)`, longest suffix first.
    wildcard: Vec<(String, Override)>,
}

/// `1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `::1`, `name`, `name:80`.
fn parse_target(v: &str) -> Option<Override> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(sa) = v.parse::<std::net::SocketAddr>() {
        return Some(Override {
            host: sa.ip().to_string(),
            port: Some(sa.port()),
        });
    }
    let unbracketed = v.trim_start_matches('[').trim_end_matches(']');
    if unbracketed.parse::<std::net::IpAddr>().is_ok() {
        return Some(Override {
            host: unbracketed.to_string(),
            port: None,
        });
    }
    match v.rsplit_once(':') {
        Some((h, p)) => Some(Override {
            host: h.to_string(),
            port: Some(p.parse().ok()?),
        }),
        None => Some(Override {
            host: v.to_string(),
            port: None,
        }),
    }
}

impl Hosts {
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Hosts {
        let mut h = Hosts::default();
        for (k, v) in entries {
            let Some(target) = parse_target(v) else {
                continue;
            };
            let key = k.trim().to_ascii_lowercase();
            match key.strip_prefix('*') {
                Some(suffix) => h.wildcard.push((suffix.to_string(), target)),
                None => {
                    h.exact.insert(key, target);
                }
            }
        }
        h.wildcard.sort_by_key(|w| std::cmp::Reverse(w.0.len()));
        h
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.wildcard.is_empty()
    }

    /// Where to connect instead of `host:port`, if anywhere.
    pub fn lookup(&self, host: &str, port: u16) -> Option<(&str, u16)> {
        if self.is_empty() {
            return None;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let with_port = format!("{host}:{port}");
        let found = self
            .exact
            .get(&with_port)
            .or_else(|| self.exact.get(host))
            .or_else(|| {
                self.wildcard
                    .iter()
                    .find(|(suffix, _)| host.ends_with(suffix.as_str()))
                    .map(|(_, t)| t)
            })?;
        Some((found.host.as_str(), found.port.unwrap_or(port)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Confirmed on k6 v1.1.0 with hosts {'myhost.test': '127.0.0.1', 'other.test:80':
    // '127.0.0.1:18080', '*.wild.test': '127.0.0.1'}: all three reach the target.
    #[test]
    fn lookups() {
        let h = Hosts::new([
            ("myhost.test", "127.0.0.1"),
            ("other.test:80", "127.0.0.1:18080"),
            ("*.wild.test", "127.0.0.1"),
            ("v6.test", "[::1]:81"),
        ]);
        assert_eq!(h.lookup("myhost.test", 18080), Some(("127.0.0.1", 18080)));
        assert_eq!(h.lookup("other.test", 80), Some(("127.0.0.1", 18080)));
        assert_eq!(h.lookup("other.test", 81), None);
        assert_eq!(h.lookup("a.wild.test", 5), Some(("127.0.0.1", 5)));
        assert_eq!(h.lookup("v6.test", 1), Some(("::1", 81)));
        assert_eq!(h.lookup("nope.test", 1), None);
    }
}
