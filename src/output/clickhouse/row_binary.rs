//! ClickHouse's `RowBinary` input format for the columns rk6 writes: strings (LEB128 length,
//! bytes), `Float64`/`Int64`/`UInt32`/`UInt8` little-endian, `DateTime64(6)` as microseconds
//! and `DateTime` as seconds, `Map(String, String)` as a count and key-value pairs, and the
//! `Nested(key, value)` of old servers as two arrays. A dozen lines per type; no crate speaks
//! both the current and the 2018 (Debian) server.

use crate::metrics::sample::TagSet;

use super::schema::Layout;

pub fn leb128(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub fn string(out: &mut Vec<u8>, s: &str) {
    leb128(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

pub fn f64_le(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn u8_le(out: &mut Vec<u8>, v: u8) {
    out.push(v);
}

/// The time columns of a row: `DateTime64(6)` (current) or `DateTime` + `UInt32`
/// microseconds (legacy).
pub fn time(out: &mut Vec<u8>, layout: Layout, ns: i64) {
    let us = ns.div_euclid(1_000);
    match layout {
        Layout::Current => out.extend_from_slice(&us.to_le_bytes()),
        Layout::Legacy => {
            let secs = us.div_euclid(1_000_000).clamp(0, u32::MAX as i64) as u32;
            let frac = us.rem_euclid(1_000_000) as u32;
            out.extend_from_slice(&secs.to_le_bytes());
            out.extend_from_slice(&frac.to_le_bytes());
        }
    }
}

/// A tag set as `Map(String, String)` (current) or `Nested(key String, value String)`.
pub fn tags(out: &mut Vec<u8>, layout: Layout, tags: Option<&TagSet>) {
    let Some(tags) = tags else {
        match layout {
            Layout::Current => leb128(out, 0),
            Layout::Legacy => {
                leb128(out, 0);
                leb128(out, 0);
            }
        }
        return;
    };
    leb128(out, tags.len() as u64);
    match layout {
        Layout::Current => {
            for (k, v) in tags.iter() {
                string(out, k);
                string(out, v);
            }
        }
        Layout::Legacy => {
            for (k, _) in tags.iter() {
                string(out, k);
            }
            leb128(out, tags.len() as u64);
            for (_, v) in tags.iter() {
                string(out, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_clickhouse_row_binary() {
        let mut b = Vec::new();
        leb128(&mut b, 300);
        assert_eq!(b, [0xac, 0x02]);
        b.clear();
        string(&mut b, "ab");
        assert_eq!(b, [2, b'a', b'b']);
        b.clear();
        time(&mut b, Layout::Current, 1_700_000_000_123_456_789);
        assert_eq!(b, 1_700_000_000_123_456i64.to_le_bytes());
        b.clear();
        time(&mut b, Layout::Legacy, 1_700_000_000_123_456_789);
        assert_eq!(&b[..4], &1_700_000_000u32.to_le_bytes());
        assert_eq!(&b[4..], &123_456u32.to_le_bytes());
        let t = TagSet::from_pairs([("a", "1"), ("b", "")]);
        b.clear();
        tags(&mut b, Layout::Current, Some(&t));
        assert_eq!(b, [2, 1, b'a', 1, b'1', 1, b'b', 0]);
        b.clear();
        tags(&mut b, Layout::Legacy, Some(&t));
        assert_eq!(b, [2, 1, b'a', 1, b'b', 2, 1, b'1', 0]);
        b.clear();
        tags(&mut b, Layout::Legacy, None);
        assert_eq!(b, [0, 0]);
    }
}
