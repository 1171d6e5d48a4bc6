//! InfluxDB line protocol, written the way k6's InfluxDB output lays data out: one
//! measurement per metric, a float field `value`, the sample's tags as tags, and the
//! "tags as fields" (default `vu:int,iter:int,url`) as typed fields instead of tags.
//!
//! Escaping (verified against InfluxDB 1.6's parser, which stores backslashes in names and
//! tags verbatim and has no escape for a backslash itself):
//! - measurement: `,` and space are backslash-escaped;
//! - tag keys, tag values and field keys: `,`, `=` and space are backslash-escaped;
//! - string field values: `"` and `\` are backslash-escaped; newlines are kept as they are;
//! - a newline or carriage return in a name or tag cannot appear in a line and is written as
//!   the two characters `\n` / `\r`;
//! - a backslash that ends a name or tag, or precedes a character that must be escaped, would
//!   escape the separator after it and break the line; it is written as `⧵` (U+29F5);
//! - empty tag values are left out (InfluxDB rejects them), as the Go client does;
//! - every other character, unicode included, is written as is.
//!
//! Times are made unique per series (see [`LineEncoder`]).
//!
//! Values that are not finite cannot be stored and are rejected by the encoder.

use std::collections::HashMap;
use std::sync::Arc;

use crate::metrics::sample::{Sample, TagSet};
use crate::output::writer_pool::{PoolRecord, UniqueTimes};

/// How a tag is converted when written as a field (k6's `tagsAsFields` `name:type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    String,
    Int,
    Float,
    Bool,
}

/// Parses k6's `tagsAsFields` entries (`url`, `vu:int`, ...).
pub fn parse_tags_as_fields(entries: &[String]) -> anyhow::Result<Vec<(String, FieldKind)>> {
    let mut out: Vec<(String, FieldKind)> = Vec::new();
    for e in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let (name, kind) = match e.split_once(':') {
            Some((n, k)) => (n, k),
            None => (e, "string"),
        };
        let kind = match kind {
            "string" => FieldKind::String,
            "int" => FieldKind::Int,
            "float" => FieldKind::Float,
            "bool" => FieldKind::Bool,
            other => anyhow::bail!(
                "an invalid type ({other}) is specified for an InfluxDB field ({name})"
            ),
        };
        if out.iter().any(|(n, _)| n == name) {
            anyhow::bail!(
                "a tag name ({name}) shows up more than once in InfluxDB field type configurations"
            );
        }
        out.push((name.to_string(), kind));
    }
    Ok(out)
}

const UNREPRESENTABLE_BACKSLASH: char = '\u{29F5}';

/// Escapes a measurement (`names_only == false`: also `=`) into `out`.
fn escape_into(out: &mut String, s: &str, escape_equals: bool) {
    let special = |c: char| c == ',' || c == ' ' || (escape_equals && c == '=');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => {
                let next = chars.peek().copied();
                if next.is_none_or(|n| special(n) || n == '\n' || n == '\r') {
                    out.push(UNREPRESENTABLE_BACKSLASH);
                } else {
                    out.push('\\');
                }
            }
            c if special(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

pub fn escape_measurement(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, false);
    out
}

/// Escapes a tag key, tag value or field key.
pub fn escape_tag(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, true);
    out
}

/// Writes a string field value, quoted.
pub fn push_string_field(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// A float field value (shortest text that reads back to the same value; never an exponent).
pub fn push_float(out: &mut String, v: f64) {
    use std::fmt::Write;
    let _ = write!(out, "{v}");
}

/// Timestamp precision of the written lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
}

impl Precision {
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        Ok(match s.trim() {
            "" | "n" | "ns" | "1ns" => Precision::Nanoseconds,
            "u" | "us" | "µs" | "1us" | "1µs" => Precision::Microseconds,
            "ms" | "1ms" => Precision::Milliseconds,
            "s" | "1s" => Precision::Seconds,
            other => {
                anyhow::bail!("invalid InfluxDB precision {other:?}: expected ns, us, ms or s")
            }
        })
    }

    /// The `precision` query parameter of the v1 `/write` API.
    pub fn v1_param(self) -> &'static str {
        match self {
            Precision::Nanoseconds => "n",
            Precision::Microseconds => "u",
            Precision::Milliseconds => "ms",
            Precision::Seconds => "s",
        }
    }

    /// The `precision` query parameter of the v2 `/api/v2/write` API.
    pub fn v2_param(self) -> &'static str {
        match self {
            Precision::Nanoseconds => "ns",
            Precision::Microseconds => "us",
            Precision::Milliseconds => "ms",
            Precision::Seconds => "s",
        }
    }

    /// Nanoseconds per unit.
    pub fn unit_ns(self) -> i64 {
        match self {
            Precision::Nanoseconds => 1,
            Precision::Microseconds => 1_000,
            Precision::Milliseconds => 1_000_000,
            Precision::Seconds => 1_000_000_000,
        }
    }

    pub fn scale(self, ns: i64) -> i64 {
        match self {
            Precision::Nanoseconds => ns,
            Precision::Microseconds => ns.div_euclid(1_000),
            Precision::Milliseconds => ns.div_euclid(1_000_000),
            Precision::Seconds => ns.div_euclid(1_000_000_000),
        }
    }
}

/// One point: the escaped `measurement,tags ` head and tag fields are shared per series.
#[derive(Clone, Debug, PartialEq)]
pub struct InfluxLine {
    /// `measurement[,tag=value...] ` (with the trailing space).
    pub head: Arc<str>,
    /// `,field=value...` built from the tags written as fields (may be empty).
    pub tag_fields: Arc<str>,
    pub value: f64,
    pub time_ns: i64,
}

impl PoolRecord for InfluxLine {
    fn weight(&self) -> u64 {
        1
    }
}

impl InfluxLine {
    /// Appends the line (with its newline) to `out`.
    pub fn render(&self, precision: Precision, out: &mut String) {
        use std::fmt::Write;
        out.push_str(&self.head);
        out.push_str("value=");
        push_float(out, self.value);
        out.push_str(&self.tag_fields);
        let _ = writeln!(out, " {}", precision.scale(self.time_ns));
    }
}

const MAX_CACHED_SERIES: usize = 50_000;

/// The escaped head, the tag fields and the series id of one (metric, tag set).
type SeriesHead = (Arc<str>, Arc<str>, u64);

/// Samples to lines; caches the escaped head per (metric, tag set).
///
/// InfluxDB keeps one point per (measurement, tag set, time): a second sample of the same
/// series at the same instant (at the written precision) would overwrite the first, so times
/// are made unique per series with [`UniqueTimes`] (a step of one precision unit).
pub struct LineEncoder {
    fields: Vec<(String, FieldKind)>,
    precision: Precision,
    cache: HashMap<(u32, TagSet), SeriesHead>,
    next_series: u64,
    times: UniqueTimes,
}

impl LineEncoder {
    pub fn new(tags_as_fields: Vec<(String, FieldKind)>, precision: Precision) -> Self {
        LineEncoder {
            fields: tags_as_fields,
            precision,
            cache: HashMap::new(),
            next_series: 0,
            times: UniqueTimes::default(),
        }
    }

    fn build(&self, s: &Sample) -> (Arc<str>, Arc<str>) {
        let mut head = escape_measurement(&s.metric.name);
        let mut fields = String::new();
        for (k, v) in s.tags.iter() {
            if k.is_empty() {
                continue;
            }
            if let Some((_, kind)) = self.fields.iter().find(|(n, _)| n == k) {
                fields.push(',');
                fields.push_str(&escape_tag(k));
                fields.push('=');
                push_field_value(&mut fields, v, *kind);
                continue;
            }
            if v.is_empty() {
                continue;
            }
            head.push(',');
            head.push_str(&escape_tag(k));
            head.push('=');
            head.push_str(&escape_tag(v));
        }
        head.push(' ');
        (Arc::from(head), Arc::from(fields))
    }

    /// Encodes `samples` into `out`; non-finite values go to `reject`.
    pub fn encode(
        &mut self,
        samples: &[Sample],
        out: &mut Vec<InfluxLine>,
        reject: &mut impl FnMut(u64, &str),
    ) {
        if self.cache.len() > MAX_CACHED_SERIES {
            self.cache.clear();
        }
        for s in samples {
            if !s.value.is_finite() {
                reject(
                    1,
                    "non-finite value (NaN or infinity) cannot be stored in InfluxDB",
                );
                continue;
            }
            let key = (s.metric.id, s.tags.clone());
            let (head, tag_fields, series) = match self.cache.get(&key) {
                Some(v) => v.clone(),
                None => {
                    let (head, fields) = self.build(s);
                    self.next_series += 1;
                    let v = (head, fields, self.next_series);
                    self.cache.insert(key, v.clone());
                    v
                }
            };
            let unit = self.precision.unit_ns();
            let time_ns = self
                .times
                .take(series, s.time_ns.div_euclid(unit) * unit, unit);
            out.push(InfluxLine {
                head,
                tag_fields,
                value: s.value,
                time_ns,
            });
        }
    }
}

/// A tag written as a field of `kind`; a value that does not parse as that kind is written as
/// a string, as k6 does.
fn push_field_value(out: &mut String, v: &str, kind: FieldKind) {
    match kind {
        FieldKind::Int => {
            if let Ok(i) = v.trim().parse::<i64>() {
                use std::fmt::Write;
                let _ = write!(out, "{i}i");
                return;
            }
        }
        FieldKind::Float => {
            if let Ok(f) = v.trim().parse::<f64>()
                && f.is_finite()
            {
                push_float(out, f);
                return;
            }
        }
        FieldKind::Bool => {
            // Go's strconv.ParseBool spellings.
            match v {
                "1" | "t" | "T" | "TRUE" | "true" | "True" => {
                    out.push_str("true");
                    return;
                }
                "0" | "f" | "F" | "FALSE" | "false" | "False" => {
                    out.push_str("false");
                    return;
                }
                _ => {}
            }
        }
        FieldKind::String => {}
    }
    push_string_field(out, v);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::registry::{BuiltinMetrics, Registry, ThresholdIndex};

    #[test]
    fn escaping_table() {
        let cases: &[(&str, &str, &str)] = &[
            // input, as tag, as measurement
            ("plain", "plain", "plain"),
            ("a b", "a\\ b", "a\\ b"),
            ("a,b", "a\\,b", "a\\,b"),
            ("a=b", "a\\=b", "a=b"),
            ("a\"b", "a\"b", "a\"b"),
            ("a\\b", "a\\b", "a\\b"),
            ("end\\", "end\u{29F5}", "end\u{29F5}"),
            ("x\\,y", "x\u{29F5}\\,y", "x\u{29F5}\\,y"),
            ("x\\=y", "x\u{29F5}\\=y", "x\\=y"),
            ("line1\nline2\r", "line1\\nline2\\r", "line1\\nline2\\r"),
            ("ünï ☃", "ünï\\ ☃", "ünï\\ ☃"),
            ("", "", ""),
        ];
        for (input, tag, meas) in cases {
            assert_eq!(escape_tag(input), *tag, "tag {input:?}");
            assert_eq!(escape_measurement(input), *meas, "measurement {input:?}");
        }
        let mut s = String::new();
        push_string_field(&mut s, "q\"b\\s\nn");
        assert_eq!(s, "\"q\\\"b\\\\s\nn\"");
    }

    /// Every escaped token is one token: no unescaped separator, no raw newline, and it never
    /// ends with a lone backslash; unescaping gives the input back (except the documented
    /// replacements).
    #[test]
    fn escaped_tokens_never_break_a_line() {
        let alphabet = ['a', ' ', ',', '=', '"', '\\', '\n', '\r', 'é', '☃', '\t'];
        // Every string of length <= 4 over the alphabet.
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &strings {
                for c in alphabet {
                    let mut t = s.clone();
                    t.push(c);
                    next.push(t);
                }
            }
            strings.extend(next);
            strings.dedup();
        }
        for s in &strings {
            let e = escape_tag(s);
            assert!(!e.contains('\n') && !e.contains('\r'), "{s:?} -> {e:?}");
            // Scan like InfluxDB: a backslash escapes the next character.
            let mut chars = e.chars();
            let mut unescaped = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some(n @ (',' | '=' | ' ')) => unescaped.push(n),
                        Some(n) => {
                            unescaped.push('\\');
                            unescaped.push(n);
                        }
                        None => panic!("{s:?} -> {e:?} ends with a backslash"),
                    },
                    ',' | '=' | ' ' => panic!("{s:?} -> {e:?} has an unescaped separator"),
                    c => unescaped.push(c),
                }
            }
            let expected: String = {
                let mut out = String::new();
                let cs: Vec<char> = s.chars().collect();
                for (i, &c) in cs.iter().enumerate() {
                    match c {
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\\' if cs
                            .get(i + 1)
                            .is_none_or(|n| matches!(n, ',' | '=' | ' ' | '\n' | '\r')) =>
                        {
                            out.push('\u{29F5}')
                        }
                        c => out.push(c),
                    }
                }
                out
            };
            assert_eq!(unescaped, expected, "{s:?}");
        }
    }

    #[test]
    fn k6_layout_with_tags_as_fields() {
        let reg = Registry::new(ThresholdIndex::default());
        let b = BuiltinMetrics::register(&reg).unwrap();
        let fields =
            parse_tags_as_fields(&["vu:int".into(), "iter:int".into(), "url".into()]).unwrap();
        let mut enc = LineEncoder::new(fields, Precision::Nanoseconds);
        let tags = TagSet::from_pairs([
            ("group", ""),
            ("method", "GET"),
            ("status", "200"),
            ("url", "http://x/a b?c=\"d\""),
            ("vu", "3"),
            ("iter", "x"),
        ]);
        let s = Sample {
            metric: b.http_req_duration.clone(),
            time_ns: 1_700_000_000_123_456_789,
            value: 12.5,
            tags,
            metadata: None,
        };
        let mut out = Vec::new();
        enc.encode(&[s.clone(), s], &mut out, &mut |_, _| panic!("no reject"));
        let mut text = String::new();
        out[0].render(Precision::Nanoseconds, &mut text);
        assert_eq!(
            text,
            "http_req_duration,method=GET,status=200 value=12.5,iter=\"x\",url=\"http://x/a b?c=\\\"d\\\"\",vu=3i 1700000000123456789\n"
        );
        assert!(Arc::ptr_eq(&out[0].head, &out[1].head), "heads are cached");
        assert_eq!(
            out[1].time_ns,
            out[0].time_ns + 1,
            "same series, same time: made unique"
        );
        let mut ms = String::new();
        out[0].render(Precision::Milliseconds, &mut ms);
        assert!(ms.ends_with(" 1700000000123\n"));
    }

    #[test]
    fn tags_as_fields_parsing() {
        assert!(parse_tags_as_fields(&["a:bogus".into()]).is_err());
        assert!(parse_tags_as_fields(&["a".into(), "a:int".into()]).is_err());
        let f = parse_tags_as_fields(&["a:float".into(), "b:bool".into(), " ".into()]).unwrap();
        assert_eq!(
            f,
            vec![
                ("a".into(), FieldKind::Float),
                ("b".into(), FieldKind::Bool)
            ]
        );
        let mut s = String::new();
        push_field_value(&mut s, "1.5", FieldKind::Float);
        push_field_value(&mut s, "T", FieldKind::Bool);
        push_field_value(&mut s, "nope", FieldKind::Bool);
        assert_eq!(s, "1.5true\"nope\"");
    }

    #[test]
    fn floats_and_precision() {
        let mut s = String::new();
        push_float(&mut s, 1.0);
        s.push(' ');
        push_float(&mut s, 1e21);
        s.push(' ');
        push_float(&mut s, 0.1 + 0.2);
        assert_eq!(s, "1 1000000000000000000000 0.30000000000000004");
        assert_eq!(Precision::parse("u").unwrap().scale(1_999), 1);
        assert_eq!(Precision::parse("s").unwrap().scale(-1), -1);
        assert!(Precision::parse("x").is_err());
    }
}
