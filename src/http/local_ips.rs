//! `--local-ips` (`K6_LOCAL_IPS`): the source addresses VUs make their requests from, as
//! k6's `IPPool`: comma-separated IPs, ranges (`a-b`) and CIDRs (IPv4 networks larger than
//! /31 without their network and broadcast addresses); VU n dials from entry (n-1) mod size.

use std::net::IpAddr;

#[derive(Clone, Debug)]
struct Block {
    first: u128,
    count: u128,
    v6: bool,
}

#[derive(Clone, Debug)]
pub struct LocalIpPool {
    blocks: Vec<Block>,
    total: u128,
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u32::from(v4) as u128,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn from_u128(n: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(n.into())
    } else {
        IpAddr::V4((n as u32).into())
    }
}

fn parse_block(s: &str) -> Result<Block, String> {
    if let Some((a, b)) = s.split_once('-') {
        let (Ok(a), Ok(b)) = (a.parse::<IpAddr>(), b.parse::<IpAddr>()) else {
            return Err(format!("wrong IP range format: {s}"));
        };
        if a.is_ipv6() != b.is_ipv6() {
            return Err(format!("mixed IP range format: {s}"));
        }
        let (first, last) = (to_u128(a), to_u128(b));
        if last < first {
            return Err(format!("negative IP range: {s}"));
        }
        return Ok(Block {
            first,
            count: last - first + 1,
            v6: a.is_ipv6(),
        });
    }
    if s.contains('/') {
        let net: ipnet::IpNet = s.parse().map_err(|e| {
            format!("parseCIDR() failed parsing {s}: invalid CIDR address: {s} ({e})")
        })?;
        let net = net.trunc();
        let v6 = matches!(net, ipnet::IpNet::V6(_));
        let first = to_u128(net.network());
        let count = to_u128(net.broadcast()) - first + 1;
        // Go's k6: an IPv4 network of more than 2 addresses loses its first and last.
        if !v6 && count > 2 {
            return Ok(Block {
                first: first + 1,
                count: count - 2,
                v6,
            });
        }
        return Ok(Block { first, count, v6 });
    }
    let ip: IpAddr = s
        .parse()
        .map_err(|_| format!("{s} is not a valid IP, IP range or CIDR"))?;
    Ok(Block {
        first: to_u128(ip),
        count: 1,
        v6: ip.is_ipv6(),
    })
}

impl LocalIpPool {
    pub fn parse(s: &str) -> Result<LocalIpPool, String> {
        let blocks = s
            .split(',')
            .map(|b| parse_block(b.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        let total = blocks.iter().map(|b| b.count).sum();
        Ok(LocalIpPool { blocks, total })
    }

    /// The address of VU `vu_id` (1-based, as `exec.vu.idInTest`).
    pub fn for_vu(&self, vu_id: u64) -> Option<IpAddr> {
        if self.total == 0 {
            return None;
        }
        let mut i = (vu_id.saturating_sub(1) as u128) % self.total;
        for b in &self.blocks {
            if i < b.count {
                return Some(from_u128(b.first + i, b.v6));
            }
            i -= b.count;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Addresses k6 v1.1.0 gave VUs 1..3 (the embedded target's /ip echoed them).
    #[test]
    fn vus_get_addresses_like_k6() {
        let p = LocalIpPool::parse("127.0.0.5-127.0.0.6").unwrap();
        let ips: Vec<String> = (1..=3).map(|v| p.for_vu(v).unwrap().to_string()).collect();
        assert_eq!(ips, ["127.0.0.5", "127.0.0.6", "127.0.0.5"]);
        let p = LocalIpPool::parse("127.0.1.0/30,127.0.0.9").unwrap();
        let ips: Vec<String> = (1..=4).map(|v| p.for_vu(v).unwrap().to_string()).collect();
        assert_eq!(ips, ["127.0.1.1", "127.0.1.2", "127.0.0.9", "127.0.1.1"]);
        let p = LocalIpPool::parse("fd00::1/127").unwrap();
        assert_eq!(p.for_vu(2).unwrap().to_string(), "fd00::1");
        assert_eq!(
            LocalIpPool::parse("127.0.0.9-127.0.0.1").unwrap_err(),
            "negative IP range: 127.0.0.9-127.0.0.1"
        );
        assert!(LocalIpPool::parse("nope").is_err());
        assert!(LocalIpPool::parse("127.0.0.1-::1").is_err());
    }
}
