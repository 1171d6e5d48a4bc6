//! k6 durations: Go `time.ParseDuration` strings (`"1m30s"`, `"500ms"`, `"1.5h"`) or plain
//! numbers of milliseconds, formatted back the way Go prints them (`10m0s`).

use std::time::Duration;

use crate::go_strconv::go_quote;

/// Parses a Go-style duration string. A bare number is milliseconds (k6 accepts `"500"`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(ms) = s.parse::<f64>() {
        return duration_from_ms(ms).ok_or_else(|| format!("invalid duration {s:?}"));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let neg = match bytes.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut total_ns: f64 = 0.0;
    if i >= bytes.len() {
        return Err(format!("invalid duration {s:?}"));
    }
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        if start == i {
            return Err(format!("invalid duration {s:?}"));
        }
        let num: f64 = s[start..i]
            .parse()
            .map_err(|_| format!("invalid duration {s:?}"))?;
        let ustart = i;
        while i < bytes.len() && !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let unit_ns = match &s[ustart..i] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("missing unit in duration {s:?}")),
            u => return Err(format!("unknown unit {u:?} in duration {s:?}")),
        };
        total_ns += num * unit_ns;
    }
    if neg && total_ns > 0.0 {
        return Err(format!("negative duration {s:?}"));
    }
    Ok(Duration::from_nanos(total_ns.round() as u64))
}

/// Go's `time.ParseDuration`, which k6's duration flags (`-d`, `-s`) use: no bare numbers
/// (but `0`), a sign allowed, and Go's error texts (`time: missing unit in duration "5"`).
/// Returns signed nanoseconds.
pub fn parse_go_duration(orig: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(orig));
    let (neg, mut s) = match orig.as_bytes().first() {
        Some(b'-') => (true, &orig[1..]),
        Some(b'+') => (false, &orig[1..]),
        _ => (false, orig),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: i128 = 0;
    while !s.is_empty() {
        let digits = |t: &str| t.bytes().take_while(u8::is_ascii_digit).count();
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = digits(s);
        let whole: i128 = if int_len > 0 {
            s[..int_len].parse().map_err(|_| invalid())?
        } else {
            0
        };
        s = &s[int_len..];
        let mut fraction = "";
        if let Some(rest) = s.strip_prefix('.') {
            let n = digits(rest);
            fraction = &rest[..n];
            s = &rest[n..];
            if int_len == 0 && n == 0 {
                return Err(invalid());
            }
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", go_quote(orig)));
        }
        let unit: i128 = match &s[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            u => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(u),
                    go_quote(orig)
                ));
            }
        };
        s = &s[unit_len..];
        let mut part = whole * unit;
        // The fraction's digits beyond nanosecond precision are dropped, as in Go.
        let mut scale = unit;
        for d in fraction.bytes() {
            scale /= 10;
            part += i128::from(d - b'0') * scale;
        }
        total += part;
        if total > i128::from(i64::MAX) {
            return Err(invalid());
        }
    }
    Ok(if neg { -total } else { total })
}

fn duration_from_ms(ms: f64) -> Option<Duration> {
    if ms.is_finite() && ms >= 0.0 {
        Some(Duration::from_nanos((ms * 1e6).round() as u64))
    } else {
        None
    }
}

/// Parses a JSON option value that is either a duration string or a number of milliseconds.
pub fn duration_from_json(v: &serde_json::Value) -> Result<Duration, String> {
    match v {
        serde_json::Value::String(s) => parse_duration(s),
        serde_json::Value::Number(n) => n
            .as_f64()
            .and_then(duration_from_ms)
            .ok_or_else(|| format!("invalid duration {n}")),
        other => Err(format!(
            "invalid duration {other}: expected a string like \"30s\""
        )),
    }
}

/// Formats like Go's `time.Duration.String()`: `0s`, `500ms`, `1.5s`, `10m0s`, `1h0m0s`.
pub fn format_go(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{}µs", trim_float(ns as f64 / 1e3));
    }
    if ns < 1_000_000_000 {
        return format!("{}ms", trim_float(ns as f64 / 1e6));
    }
    let total_s = ns as f64 / 1e9;
    let h = (ns / 3_600_000_000_000) as u64;
    let m = ((ns / 60_000_000_000) % 60) as u64;
    let s = total_s - (h * 3600 + m * 60) as f64;
    let s_str = trim_float(s);
    if h > 0 {
        format!("{h}h{m}m{s_str}s")
    } else if m > 0 {
        format!("{m}m{s_str}s")
    } else {
        format!("{s_str}s")
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("250").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn go_parse_duration_and_its_errors() {
        assert_eq!(parse_go_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_go_duration("-1.5s"), Ok(-1_500_000_000));
        assert_eq!(parse_go_duration(".5ms"), Ok(500_000));
        assert_eq!(parse_go_duration("1h2m3.25s"), Ok(3_723_250_000_000));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("+2µs"), Ok(2_000));
        // k6 v1.1.0's messages for `-d abc`, `-d 5`, `-d 1d`.
        assert_eq!(
            parse_go_duration("abc"),
            Err(r#"time: invalid duration "abc""#.into())
        );
        assert_eq!(
            parse_go_duration("5"),
            Err(r#"time: missing unit in duration "5""#.into())
        );
        assert_eq!(
            parse_go_duration("1d"),
            Err(r#"time: unknown unit "d" in duration "1d""#.into())
        );
        for bad in ["", "-", ".s", "1s.", "s", "9999999999999h"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format_go(Duration::from_secs(600)), "10m0s");
        assert_eq!(format_go(Duration::from_secs(630)), "10m30s");
        assert_eq!(format_go(Duration::from_secs(30)), "30s");
        assert_eq!(format_go(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_go(Duration::from_millis(500)), "500ms");
        assert_eq!(format_go(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(format_go(Duration::ZERO), "0s");
    }
}
