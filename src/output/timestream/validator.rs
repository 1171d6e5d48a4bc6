//! Client-side checks of Timestream's WriteRecords rules, including those emulators such as
//! moto do not enforce (record count, dimensions, byte limits, reserved names, time window),
//! and the sanitising that keeps rk6's records inside them.
//!
//! Sources: the Timestream developer guide's quotas page and the WriteRecords, Record,
//! Dimension and MeasureValue API references (see `shared/notes/timestream.md`).

use std::borrow::Cow;
use std::time::Duration;

pub const MAX_RECORDS: usize = 100;
pub const MAX_DIMENSIONS: usize = 128;
pub const MAX_DIMENSION_NAME_BYTES: usize = 60;
pub const MAX_DIMENSION_VALUE_BYTES: usize = 2048;
pub const MAX_MEASURE_NAME_BYTES: usize = 256;
pub const MAX_MEASURE_VALUE_BYTES: usize = 2048;
pub const MAX_MULTI_MEASURES: usize = 256;
pub const MAX_RECORD_BYTES: usize = 2048;
/// Records may be at most this far in the future.
pub const MAX_FUTURE: Duration = Duration::from_secs(15 * 60);

const RESERVED_NAMES: [&str; 4] = [
    "measure_name",
    "measure_value",
    "time",
    "ts_non_existent_col",
];
const RESERVED_PREFIXES: [&str; 3] = ["ts_", "measure_name", "measure_value"];

/// Why `name` cannot be a dimension or measure name, if it cannot.
pub fn name_problem(name: &str, max_bytes: usize) -> Option<String> {
    if name.is_empty() {
        return Some("empty name".into());
    }
    if name.len() > max_bytes {
        return Some(format!("name {name:?} is longer than {max_bytes} bytes"));
    }
    if name.contains(':') {
        return Some(format!("name {name:?} contains ':'"));
    }
    if RESERVED_NAMES.contains(&name) || RESERVED_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return Some(format!("name {name:?} is reserved"));
    }
    None
}

/// Truncates `s` to at most `max` bytes on a character boundary.
pub fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

/// Makes `name` a valid dimension or measure name: ':' becomes '_', a reserved name gets a
/// `k6_` prefix, and it is truncated to `max_bytes`. `None` for an empty name.
pub fn sanitize_name(name: &str, max_bytes: usize) -> Option<Cow<'_, str>> {
    if name.is_empty() {
        return None;
    }
    let mut out: Cow<'_, str> = if name.contains(':') {
        Cow::Owned(name.replace(':', "_"))
    } else {
        Cow::Borrowed(name)
    };
    if RESERVED_NAMES.contains(&&*out) || RESERVED_PREFIXES.iter().any(|p| out.starts_with(p)) {
        out = Cow::Owned(format!("k6_{out}"));
    }
    if out.len() > max_bytes {
        out = Cow::Owned(truncate_bytes(&out, max_bytes).to_string());
    }
    Some(out)
}

/// The memory-store window records must fall in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    pub memory_retention: Duration,
}

impl TimeWindow {
    pub fn hours(h: i64) -> Self {
        TimeWindow {
            memory_retention: Duration::from_secs(h.max(1) as u64 * 3600),
        }
    }
}

/// A measure's value as sent: its text and Timestream type name (`DOUBLE`, `BIGINT`, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct ValueView<'a> {
    pub value: &'a str,
    pub kind: &'a str,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MeasureView<'a> {
    Single(ValueView<'a>),
    /// (measure name, value)
    Multi(Vec<(&'a str, ValueView<'a>)>),
}

/// A record as sent, independent of the SDK types, so the same checks apply to what rk6
/// builds and to request bodies captured in tests.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordView<'a> {
    pub dims: Vec<(&'a str, &'a str)>,
    pub measure_name: &'a str,
    pub measure: MeasureView<'a>,
    /// Nanoseconds since the epoch; `None` if missing or unparsable.
    pub time_ns: Option<i64>,
}

/// Timestream's metered size of a record: 8 bytes of time, the dimension names and values,
/// the measure name(s) and the values (8 bytes for DOUBLE/BIGINT, 1 for BOOLEAN, the text
/// otherwise).
pub fn metered_size(common_dims: &[(&str, &str)], r: &RecordView<'_>) -> usize {
    let dims: usize = common_dims
        .iter()
        .chain(r.dims.iter())
        .map(|(n, v)| n.len() + v.len())
        .sum();
    let value_size = |v: &ValueView<'_>| match v.kind {
        "DOUBLE" | "BIGINT" | "TIMESTAMP" => 8,
        "BOOLEAN" => 1,
        _ => v.value.len(),
    };
    let measures = match &r.measure {
        MeasureView::Single(v) => value_size(v),
        MeasureView::Multi(ms) => ms.iter().map(|(n, v)| n.len() + value_size(v)).sum(),
    };
    8 + dims + r.measure_name.len() + measures
}

fn check_value(v: &ValueView<'_>) -> Result<(), String> {
    if v.value.len() > MAX_MEASURE_VALUE_BYTES {
        return Err(format!(
            "measure value longer than {MAX_MEASURE_VALUE_BYTES} bytes"
        ));
    }
    let ok = match v.kind {
        "DOUBLE" => v.value.parse::<f64>().is_ok_and(f64::is_finite),
        "BIGINT" | "TIMESTAMP" => v.value.parse::<i64>().is_ok(),
        "BOOLEAN" => matches!(v.value, "true" | "false"),
        "VARCHAR" => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "measure value {:?} is not a valid {}",
            v.value, v.kind
        ))
    }
}

/// Checks one record (with the request's common dimensions merged in) against the rules.
pub fn check_record(
    common_dims: &[(&str, &str)],
    r: &RecordView<'_>,
    now_ns: i64,
    window: TimeWindow,
) -> Result<(), String> {
    let ndims = common_dims.len() + r.dims.len();
    if ndims == 0 {
        return Err("record has no dimension".into());
    }
    if ndims > MAX_DIMENSIONS {
        return Err(format!("record has more than {MAX_DIMENSIONS} dimensions"));
    }
    let mut names: Vec<&str> = Vec::with_capacity(ndims);
    for (name, value) in common_dims.iter().chain(r.dims.iter()) {
        if let Some(p) = name_problem(name, MAX_DIMENSION_NAME_BYTES) {
            return Err(format!("dimension {p}"));
        }
        if value.is_empty() || value.len() > MAX_DIMENSION_VALUE_BYTES {
            return Err(format!(
                "dimension {name:?} value must be 1-{MAX_DIMENSION_VALUE_BYTES} bytes"
            ));
        }
        if names.contains(name) {
            return Err(format!("dimension {name:?} appears twice"));
        }
        names.push(name);
    }
    if let Some(p) = name_problem(r.measure_name, MAX_MEASURE_NAME_BYTES) {
        return Err(format!("measure {p}"));
    }
    if names.contains(&r.measure_name) {
        return Err(format!(
            "dimension name {:?} equals the measure name",
            r.measure_name
        ));
    }
    match &r.measure {
        MeasureView::Single(v) => check_value(v)?,
        MeasureView::Multi(ms) => {
            if ms.is_empty() || ms.len() > MAX_MULTI_MEASURES {
                return Err(format!(
                    "a multi-measure record needs 1-{MAX_MULTI_MEASURES} measures"
                ));
            }
            let total: usize = ms.iter().map(|(_, v)| v.value.len()).sum();
            if total > MAX_MEASURE_VALUE_BYTES {
                return Err(format!(
                    "multi-measure values exceed {MAX_MEASURE_VALUE_BYTES} bytes"
                ));
            }
            for (i, (name, v)) in ms.iter().enumerate() {
                if let Some(p) = name_problem(name, MAX_MEASURE_NAME_BYTES) {
                    return Err(format!("measure {p}"));
                }
                if names.contains(name) {
                    return Err(format!("dimension name {name:?} equals a measure name"));
                }
                if ms[..i].iter().any(|(n, _)| n == name) {
                    return Err(format!("measure {name:?} appears twice"));
                }
                check_value(v)?;
            }
        }
    }
    let size = metered_size(common_dims, r);
    if size > MAX_RECORD_BYTES {
        return Err(format!(
            "record is {size} bytes, more than {MAX_RECORD_BYTES}"
        ));
    }
    let Some(t) = r.time_ns else {
        return Err("record has no valid time".into());
    };
    let oldest = now_ns.saturating_sub(window.memory_retention.as_nanos() as i64);
    let newest = now_ns.saturating_add(MAX_FUTURE.as_nanos() as i64);
    if t <= oldest {
        return Err("record time is older than the memory store retention".into());
    }
    if t > newest {
        return Err("record time is more than 15 minutes in the future".into());
    }
    Ok(())
}

/// Request-level rules: 1-100 records, valid common dimensions that no record repeats.
pub fn check_request(
    common_dims: &[(&str, &str)],
    records: &[RecordView<'_>],
) -> Result<(), String> {
    if records.is_empty() || records.len() > MAX_RECORDS {
        return Err(format!(
            "a WriteRecords request carries 1-{MAX_RECORDS} records, not {}",
            records.len()
        ));
    }
    for r in records {
        if let Some((n, _)) = r
            .dims
            .iter()
            .find(|(n, _)| common_dims.iter().any(|(c, _)| c == n))
        {
            return Err(format!("dimension {n:?} is both common and in a record"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000_000_000;
    const W: TimeWindow = TimeWindow {
        memory_retention: Duration::from_secs(24 * 3600),
    };

    fn rec<'a>(dims: Vec<(&'a str, &'a str)>, name: &'a str, value: &'a str) -> RecordView<'a> {
        RecordView {
            dims,
            measure_name: name,
            measure: MeasureView::Single(ValueView {
                value,
                kind: "DOUBLE",
            }),
            time_ns: Some(NOW),
        }
    }

    #[test]
    fn valid_record_passes() {
        let r = rec(vec![("method", "GET")], "http_req_duration", "12.5");
        assert_eq!(check_record(&[], &r, NOW, W), Ok(()));
        assert_eq!(
            check_record(&[("test_run_id", "x")], &rec(vec![], "vus", "1"), NOW, W),
            Ok(())
        );
    }

    #[test]
    fn each_rule_is_enforced() {
        let bad: Vec<(RecordView<'_>, &str)> = vec![
            (rec(vec![], "vus", "1"), "no dimension"),
            (rec(vec![("measure_name", "x")], "vus", "1"), "reserved"),
            (rec(vec![("ts_foo", "x")], "vus", "1"), "reserved"),
            (rec(vec![("time", "x")], "vus", "1"), "reserved"),
            (rec(vec![("a:b", "x")], "vus", "1"), "contains ':'"),
            (rec(vec![("a", "")], "vus", "1"), "value must be"),
            (rec(vec![("a", "1"), ("a", "2")], "vus", "1"), "twice"),
            (
                rec(vec![("vus", "1")], "vus", "1"),
                "equals the measure name",
            ),
            (
                rec(vec![("a", "1")], "measure_value::double", "1"),
                "contains ':'",
            ),
            (rec(vec![("a", "1")], "measure_value_x", "1"), "reserved"),
            (rec(vec![("a", "1")], "vus", "abc"), "not a valid DOUBLE"),
            (rec(vec![("a", "1")], "vus", "NaN"), "not a valid DOUBLE"),
        ];
        for (r, why) in bad {
            let err = check_record(&[], &r, NOW, W).unwrap_err();
            assert!(err.contains(why), "{err} should mention {why}");
        }
        let long_name = "n".repeat(61);
        let r = rec(vec![(&long_name, "1")], "vus", "1");
        assert!(
            check_record(&[], &r, NOW, W)
                .unwrap_err()
                .contains("longer than 60")
        );
        let long_value = "v".repeat(2049);
        let r = rec(vec![("a", &long_value)], "vus", "1");
        assert!(check_record(&[], &r, NOW, W).is_err());
        let many: Vec<String> = (0..129).map(|i| format!("d{i}")).collect();
        let r = rec(many.iter().map(|n| (n.as_str(), "1")).collect(), "vus", "1");
        assert!(
            check_record(&[], &r, NOW, W)
                .unwrap_err()
                .contains("more than 128")
        );
        // Too big a record overall.
        let big = "v".repeat(1500);
        let r = rec(vec![("a", &big), ("b", &big)], "vus", "1");
        assert!(
            check_record(&[], &r, NOW, W)
                .unwrap_err()
                .contains("bytes, more than")
        );
    }

    #[test]
    fn time_window() {
        let mut r = rec(vec![("a", "1")], "vus", "1");
        r.time_ns = Some(NOW - 25 * 3600 * 1_000_000_000);
        assert!(check_record(&[], &r, NOW, W).unwrap_err().contains("older"));
        r.time_ns = Some(NOW + 16 * 60 * 1_000_000_000);
        assert!(
            check_record(&[], &r, NOW, W)
                .unwrap_err()
                .contains("future")
        );
        r.time_ns = Some(NOW + 14 * 60 * 1_000_000_000);
        assert_eq!(check_record(&[], &r, NOW, W), Ok(()));
        r.time_ns = None;
        assert!(check_record(&[], &r, NOW, W).is_err());
    }

    #[test]
    fn multi_measure_rules() {
        let v = |value| ValueView {
            value,
            kind: "DOUBLE",
        };
        let mut r = RecordView {
            dims: vec![("method", "GET")],
            measure_name: "http_req",
            measure: MeasureView::Multi(vec![
                ("http_req_duration", v("1.5")),
                ("http_req_waiting", v("1")),
            ]),
            time_ns: Some(NOW),
        };
        assert_eq!(check_record(&[], &r, NOW, W), Ok(()));
        r.measure = MeasureView::Multi(vec![("a", v("1")), ("a", v("2"))]);
        assert!(check_record(&[], &r, NOW, W).unwrap_err().contains("twice"));
        r.measure = MeasureView::Multi(vec![("method", v("1"))]);
        assert!(
            check_record(&[], &r, NOW, W)
                .unwrap_err()
                .contains("equals a measure")
        );
        r.measure = MeasureView::Multi(vec![]);
        assert!(check_record(&[], &r, NOW, W).is_err());
    }

    #[test]
    fn request_rules() {
        let recs: Vec<RecordView<'_>> = (0..101)
            .map(|_| rec(vec![("a", "1")], "vus", "1"))
            .collect();
        assert!(check_request(&[], &recs).is_err());
        assert!(check_request(&[], &recs[..100]).is_ok());
        assert!(check_request(&[], &[]).is_err());
        assert!(
            check_request(&[("a", "1")], &recs[..1])
                .unwrap_err()
                .contains("both common")
        );
    }

    #[test]
    fn sanitizing_yields_valid_names() {
        for name in [
            "time",
            "measure_name",
            "ts_x",
            "a:b",
            "measure_value::double",
            "ok",
            "é".repeat(40).as_str(),
        ] {
            let s = sanitize_name(name, MAX_DIMENSION_NAME_BYTES).unwrap();
            assert_eq!(
                name_problem(&s, MAX_DIMENSION_NAME_BYTES),
                None,
                "{name} -> {s}"
            );
        }
        assert_eq!(sanitize_name("time", 60).unwrap(), "k6_time");
        assert_eq!(sanitize_name("ok", 60).unwrap(), "ok");
        assert!(sanitize_name("", 60).is_none());
        assert_eq!(truncate_bytes("aé", 2), "a");
    }

    #[test]
    fn metered_size_follows_the_pricing_formula() {
        // 8 (time) + "method"+"GET" (9) + "http_req_duration" (17) + 8 (double) = 42
        let r = rec(vec![("method", "GET")], "http_req_duration", "12.5");
        assert_eq!(metered_size(&[], &r), 42);
        assert_eq!(metered_size(&[("x", "yz")], &r), 45);
    }
}
