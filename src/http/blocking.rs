//! The `blockHostnames` and `blacklistIPs` options, as k6's dialer applies them: a blocked
//! name fails before any lookup (error code 1111), a resolved address in a blacklisted range
//! fails before connecting (1110).

use std::net::IpAddr;

use super::errors::HttpError;

pub const BLACKLISTED_IP: u32 = 1110;
pub const BLOCKED_HOSTNAME: u32 = 1111;

/// A CIDR range of `blacklistIPs`, kept with its text for the error message.
#[derive(Clone, Debug)]
struct Range {
    text: String,
    net: IpAddr,
    prefix: u8,
}

impl Range {
    fn parse(s: &str) -> Option<Range> {
        let (ip, prefix) = s.trim().split_once('/')?;
        let net: IpAddr = ip.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then(|| Range {
            text: s.trim().to_string(),
            net,
            prefix,
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Blocking {
    /// Lower-cased patterns: `name` or `*.suffix`/`*suffix`.
    hostnames: Vec<String>,
    ranges: Vec<Range>,
}

impl Blocking {
    pub fn new<'a>(
        hostnames: impl IntoIterator<Item = &'a str>,
        ranges: impl IntoIterator<Item = &'a str>,
    ) -> Blocking {
        Blocking {
            hostnames: hostnames
                .into_iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            ranges: ranges.into_iter().filter_map(Range::parse).collect(),
        }
    }

    /// The pattern blocking `host` (a name, not an IP literal), as k6's HostnameTrie matches:
    /// exactly, or a `*` prefix standing for any characters.
    pub fn check_hostname(&self, host: &str) -> Result<(), HttpError> {
        if self.hostnames.is_empty() || host.parse::<IpAddr>().is_ok() {
            return Ok(());
        }
        let host = host.to_ascii_lowercase();
        let hit = self.hostnames.iter().find(|p| match p.strip_prefix('*') {
            Some(suffix) => host.ends_with(suffix),
            None => **p == host,
        });
        match hit {
            Some(p) => Err(HttpError::with_detail(
                BLOCKED_HOSTNAME,
                "hostname is blocked",
                format!("hostname ({host}) is in a blocked pattern ({p})"),
            )),
            None => Ok(()),
        }
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), HttpError> {
        match self.ranges.iter().find(|r| r.contains(ip)) {
            Some(r) => Err(HttpError::with_detail(
                BLACKLISTED_IP,
                "ip is blacklisted",
                format!("IP ({ip}) is in a blacklisted range ({})", r.text),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Messages and codes as k6 v1.1.0 reports them ("Request Failed" warnings, error tags).
    #[test]
    fn hostnames_match_exactly_or_by_wildcard_suffix() {
        let b = Blocking::new(["*.blocked.test", "exact.test"], []);
        let e = b.check_hostname("x.Blocked.test").unwrap_err();
        assert_eq!(e.code, BLOCKED_HOSTNAME);
        assert_eq!(e.message, "hostname is blocked");
        assert_eq!(
            e.detail,
            "hostname (x.blocked.test) is in a blocked pattern (*.blocked.test)"
        );
        assert!(b.check_hostname("a.b.blocked.test").is_err());
        assert!(b.check_hostname("exact.test").is_err());
        assert!(b.check_hostname("sub.exact.test").is_ok());
        assert!(b.check_hostname("blocked.test").is_ok());
        assert!(b.check_hostname("127.0.0.1").is_ok());
    }

    #[test]
    fn ranges_contain_their_addresses() {
        let b = Blocking::new([], ["10.0.0.0/8", "::1/128", "bogus"]);
        let e = b.check_ip("10.1.2.3".parse().unwrap()).unwrap_err();
        assert_eq!(e.code, BLACKLISTED_IP);
        assert_eq!(
            e.detail,
            "IP (10.1.2.3) is in a blacklisted range (10.0.0.0/8)"
        );
        assert!(b.check_ip("11.0.0.1".parse().unwrap()).is_ok());
        assert!(b.check_ip("::1".parse().unwrap()).is_err());
        assert!(
            Blocking::new([], ["0.0.0.0/0"])
                .check_ip("1.2.3.4".parse().unwrap())
                .is_err()
        );
    }
}
