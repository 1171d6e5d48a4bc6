//! The ClickHouse tables rk6 writes, in two layouts:
//!
//! - **current** (ClickHouse 22 and later): `ts DateTime64(6, 'UTC')`, `LowCardinality`
//!   strings, tags and metadata as `Map(LowCardinality(String), String)`;
//! - **legacy** (older servers, such as Debian bookworm's 18.16, which has neither
//!   `DateTime64` nor `Map` nor, without an experimental setting, `LowCardinality`):
//!   `ts DateTime('UTC')` plus `ts_us UInt32` (the microseconds within the second), plain
//!   strings, tags and metadata as `Nested(key String, value String)`.
//!
//! Both are MergeTree tables partitioned by day and ordered by `(metric, test_run_id, ts)`,
//! the dashboards' filters. The layout of an existing table is read from its columns; a new
//! table gets the layout the server's version supports. Thresholds go to a
//! `ReplacingMergeTree` keyed by run, instance, metric and threshold, one row per change of
//! state, the latest (`argMax(..., ts)` or `FINAL`) being the current state.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Current,
    Legacy,
}

/// Quotes an identifier with backquotes.
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
}

/// Quotes a string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `major.minor` of `SELECT version()`.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut it = v.trim().split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

pub fn layout_for_version(version: (u32, u32)) -> Layout {
    if version.0 >= 22 {
        Layout::Current
    } else {
        Layout::Legacy
    }
}

/// The layout of an existing samples table from its `(name, type)` columns, if it is one of
/// rk6's.
pub fn layout_of_columns(columns: &[(String, String)]) -> Option<Layout> {
    let type_of = |name: &str| {
        columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    };
    if type_of("tags").is_some_and(|t| t.starts_with("Map(")) {
        return Some(Layout::Current);
    }
    if type_of("tags.key").is_some() && type_of("ts_us").is_some() {
        return Some(Layout::Legacy);
    }
    None
}

pub fn create_database(db: &str) -> String {
    format!("CREATE DATABASE IF NOT EXISTS {}", ident(db))
}

pub fn create_samples(layout: Layout, db: &str, table: &str) -> String {
    let name = format!("{}.{}", ident(db), ident(table));
    match layout {
        Layout::Current => format!(
            "CREATE TABLE IF NOT EXISTS {name} (
    ts DateTime64(6, 'UTC') CODEC(Delta, ZSTD),
    test_run_id LowCardinality(String),
    instance_id LowCardinality(String),
    metric LowCardinality(String),
    value Float64,
    tags Map(LowCardinality(String), String),
    metadata Map(LowCardinality(String), String)
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (metric, test_run_id, ts)"
        ),
        Layout::Legacy => format!(
            "CREATE TABLE IF NOT EXISTS {name} (
    ts DateTime('UTC'),
    ts_us UInt32,
    test_run_id String,
    instance_id String,
    metric String,
    value Float64,
    tags Nested(key String, value String),
    metadata Nested(key String, value String)
) ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (metric, test_run_id, ts)"
        ),
    }
}

pub fn create_thresholds(layout: Layout, db: &str, table: &str) -> String {
    let name = format!("{}.{}", ident(db), ident(table));
    let (ts, us, s) = match layout {
        Layout::Current => ("DateTime64(6, 'UTC')", "", "LowCardinality(String)"),
        Layout::Legacy => ("DateTime('UTC')", "\n    ts_us UInt32,", "String"),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {name} (
    ts {ts},{us}
    test_run_id {s},
    instance_id {s},
    metric String,
    threshold String,
    abort_on_fail UInt8,
    delay_abort_eval String,
    last_failed UInt8
) ENGINE = ReplacingMergeTree(ts)
ORDER BY (test_run_id, instance_id, metric, threshold)"
    )
}

/// The columns an insert names, in the order rows are encoded.
pub fn sample_columns(layout: Layout) -> &'static str {
    match layout {
        Layout::Current => "ts, test_run_id, instance_id, metric, value, tags, metadata",
        Layout::Legacy => {
            "ts, ts_us, test_run_id, instance_id, metric, value, tags.key, tags.value, metadata.key, metadata.value"
        }
    }
}

pub fn threshold_columns(layout: Layout) -> &'static str {
    match layout {
        Layout::Current => {
            "ts, test_run_id, instance_id, metric, threshold, abort_on_fail, delay_abort_eval, last_failed"
        }
        Layout::Legacy => {
            "ts, ts_us, test_run_id, instance_id, metric, threshold, abort_on_fail, delay_abort_eval, last_failed"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_layouts() {
        assert_eq!(parse_version("18.16.1"), Some((18, 16)));
        assert_eq!(parse_version("24.3.2.23"), Some((24, 3)));
        assert_eq!(layout_for_version((18, 16)), Layout::Legacy);
        assert_eq!(layout_for_version((24, 3)), Layout::Current);
        let cols = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            layout_of_columns(&cols(&[("tags", "Map(LowCardinality(String), String)")])),
            Some(Layout::Current)
        );
        assert_eq!(
            layout_of_columns(&cols(&[("ts_us", "UInt32"), ("tags.key", "Array(String)")])),
            Some(Layout::Legacy)
        );
        assert_eq!(layout_of_columns(&cols(&[("x", "String")])), None);
        assert_eq!(ident("we`ird"), "`we\\`ird`");
        assert_eq!(literal("it's"), "'it\\'s'");
        assert!(
            create_samples(Layout::Current, "k6", "samples").contains("PARTITION BY toDate(ts)")
        );
    }
}
