//! The `blockHostnames` and `blacklistIPs` options: hosts a test must never reach. As in k6's
//! dialer, a host name is checked against the patterns before `hosts` overrides and DNS
//! (an IP literal is not a host name), and every resolved address against the ranges.

use std::net::IpAddr;

use ipnet::IpNet;

use super::errors::{self, HttpError};

/// Host name patterns: an exact name, or `*` followed by a suffix (`*.example.com` blocks
/// every subdomain but not `example.com`; `*example.com` blocks both; `*` blocks all).
/// Matching is case-insensitive.
#[derive(Clone, Debug, Default)]
pub struct BlockedHostnames {
    patterns: Vec<String>,
}

/// k6's `validHostnamePattern`: an optional `*` or `*.`, then dot-separated labels of ASCII
/// letters, digits and inner hyphens, no trailing dot.
fn is_valid_pattern(p: &str) -> bool {
    let rest = p
        .strip_prefix("*.")
        .or_else(|| p.strip_prefix('*'))
        .unwrap_or(p);
    if rest.is_empty() {
        return true;
    }
    rest.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    })
}

impl BlockedHostnames {
    /// Fails with k6's message for the first invalid pattern.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<BlockedHostnames, String> {
        let mut out = Vec::with_capacity(patterns.len());
        for p in patterns {
            let p = p.as_ref().to_lowercase();
            if !is_valid_pattern(&p) {
                return Err(format!("invalid hostname pattern '{p}'"));
            }
            if !p.is_empty() {
                out.push(p);
            }
        }
        Ok(BlockedHostnames { patterns: out })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The pattern that blocks `host`: an exact pattern first, else the longest wildcard one
    /// (the pattern k6's trie reports).
    pub fn matching(&self, host: &str) -> Option<&str> {
        let host = host.to_lowercase();
        let mut best: Option<&str> = None;
        for p in &self.patterns {
            if *p == host {
                return Some(p);
            }
            if let Some(suffix) = p.strip_prefix('*')
                && host.ends_with(suffix)
                && best.is_none_or(|b| b.len() < p.len())
            {
                best = Some(p);
            }
        }
        best
    }

    /// k6's error for a request to a blocked host name (IP literals are never blocked here).
    pub fn check(&self, host: &str) -> Result<(), HttpError> {
        if self.patterns.is_empty() || host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return Ok(());
        }
        match self.matching(host) {
            None => Ok(()),
            Some(pattern) => Err(HttpError::with_detail(
                errors::BLOCKED_HOSTNAME,
                "hostname is blocked",
                format!("hostname ({host}) is in a blocked pattern ({pattern})"),
            )),
        }
    }
}

/// Parses `blacklistIPs` entries (CIDR notation, as Go's `net.ParseCIDR`).
pub fn parse_blacklist<S: AsRef<str>>(entries: &[S]) -> Result<Vec<IpNet>, String> {
    entries
        .iter()
        .map(|e| {
            let e = e.as_ref();
            e.parse::<IpNet>()
                .map(|n| n.trunc())
                .map_err(|_| format!("failed to parse CIDR '{e}': invalid CIDR address: {e}"))
        })
        .collect()
}

/// k6's error when a resolved address lies in a blacklisted range.
pub fn check_blacklist(ranges: &[IpNet], ip: IpAddr) -> Result<(), HttpError> {
    // An IPv4-mapped IPv6 address is the IPv4 address to Go's `IPNet.Contains`.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ranges.iter().find(|net| net.contains(&ip)) {
        None => Ok(()),
        Some(net) => Err(HttpError::with_detail(
            errors::BLACKLISTED_IP,
            "ip is blacklisted",
            format!("IP ({ip}) is in a blacklisted range ({net})"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expectations from k6 v1.1.0 (`blockHostnames` in options, requests logged with their
    // error): which names it blocks, which pattern it names, which patterns it refuses.
    #[test]
    fn patterns_validate_like_k6() {
        for ok in [
            "*.example.com",
            "*example.com",
            "*",
            "exact.host",
            "UPPER.test",
            "x-y.com",
            "xn--bcher-kva.com",
            "a",
        ] {
            assert!(BlockedHostnames::new(&[ok]).is_ok(), "{ok}");
        }
        for bad in [
            "a.*.com", "a_b.com", "-a.com", "ex.com.", "a-.com", "**.com",
        ] {
            assert_eq!(
                BlockedHostnames::new(&[bad]).unwrap_err(),
                format!("invalid hostname pattern '{}'", bad.to_lowercase()),
            );
        }
    }

    #[test]
    fn matching_follows_k6s_trie() {
        let b = BlockedHostnames::new(&["*.example.com", "exact.host", "UPPER.test"]).unwrap();
        assert_eq!(b.matching("a.example.com"), Some("*.example.com"));
        assert_eq!(b.matching("b.c.example.com"), Some("*.example.com"));
        assert_eq!(b.matching("example.com"), None);
        assert_eq!(b.matching("exact.host"), Some("exact.host"));
        assert_eq!(b.matching("sub.exact.host"), None);
        assert_eq!(b.matching("upper.TEST"), Some("upper.test"));
        let b = BlockedHostnames::new(&["*example.com", "*.example.com", "a.example.com"]).unwrap();
        assert_eq!(b.matching("example.com"), Some("*example.com"));
        assert_eq!(b.matching("b.example.com"), Some("*.example.com"));
        assert_eq!(b.matching("a.example.com"), Some("a.example.com"));
        assert_eq!(
            BlockedHostnames::new(&["*"]).unwrap().matching("x"),
            Some("*")
        );
        let e = b.check("b.example.com").unwrap_err();
        assert_eq!(e.code, 1111);
        assert_eq!(e.message, "hostname is blocked");
        assert_eq!(
            e.detail,
            "hostname (b.example.com) is in a blocked pattern (*.example.com)"
        );
        assert!(
            BlockedHostnames::new(&["*"])
                .unwrap()
                .check("127.0.0.1")
                .is_ok()
        );
        assert!(
            BlockedHostnames::new(&["*"])
                .unwrap()
                .check("[::1]")
                .is_ok()
        );
    }

    #[test]
    fn blacklist_like_k6() {
        let nets = parse_blacklist(&["127.0.0.0/30", "::1/128", "10.1.2.3/8"]).unwrap();
        assert_eq!(nets[2].to_string(), "10.0.0.0/8");
        let e = check_blacklist(&nets, "127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(e.code, 1110);
        assert_eq!(e.message, "ip is blacklisted");
        assert_eq!(
            e.detail,
            "IP (127.0.0.1) is in a blacklisted range (127.0.0.0/30)"
        );
        assert!(check_blacklist(&nets, "127.0.0.5".parse().unwrap()).is_ok());
        assert!(check_blacklist(&nets, "::1".parse().unwrap()).is_err());
        assert!(check_blacklist(&nets, "::ffff:127.0.0.2".parse().unwrap()).is_err());
        assert_eq!(
            parse_blacklist(&["10.0.0/8"]).unwrap_err(),
            "failed to parse CIDR '10.0.0/8': invalid CIDR address: 10.0.0/8"
        );
    }
}
