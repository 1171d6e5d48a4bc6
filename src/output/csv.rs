//! `--out csv=FILE`: one row per sample, in k6's CSV layout (checked against k6 v1.1.0):
//!
//! `metric_name,timestamp,metric_value,<system tags, sorted>,extra_tags,metadata`
//!
//! The system-tag columns are the enabled system tags (k6's default set unless the caller sets
//! them with [`CsvOutput::with_system_tags`]) without `vu` and `iter`, which are metadata in
//! k6 v1. Other tags go to `extra_tags` and metadata to `metadata`, both as `k=v` pairs joined
//! by `&` without escaping (as k6 writes them; k6's order is random, rk6's is sorted). Values
//! are written with 6 decimals; quoting follows Go's `encoding/csv`.
//!
//! Settings (defaults < `{"collectors": {"csv": {...}}}` < environment < argument):
//!
//! | JSON key | environment | argument | default |
//! |---|---|---|---|
//! | `fileName` | `K6_CSV_FILENAME` | `FILE` or `fileName=FILE` | `file.csv` |
//! | `saveInterval` | `K6_CSV_SAVE_INTERVAL` | `saveInterval=1s` | 1s |
//! | `timeFormat` | `K6_CSV_TIME_FORMAT` | `timeFormat=unix` | `unix` |
//!
//! Time formats: `unix`, `unix_milli`, `unix_micro`, `unix_nano`, `rfc3339`, `rfc3339_nano`
//! (local time zone, as Go formats `time.Now()`). A file name ending in `.gz` is gzipped.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::metrics::sample::{Sample, SampleBatch};
use crate::options::DEFAULT_SYSTEM_TAGS;
use crate::output::writer_pool::{Settings, parse_duration};
use crate::output::{Output, OutputContext, OutputReport};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    Unix,
    UnixMilli,
    UnixMicro,
    UnixNano,
    Rfc3339,
    Rfc3339Nano,
}

impl TimeFormat {
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        Ok(match s.trim() {
            "unix" => TimeFormat::Unix,
            "unix_milli" => TimeFormat::UnixMilli,
            "unix_micro" => TimeFormat::UnixMicro,
            "unix_nano" => TimeFormat::UnixNano,
            "rfc3339" => TimeFormat::Rfc3339,
            "rfc3339_nano" => TimeFormat::Rfc3339Nano,
            other => anyhow::bail!("{other} does not belong to TimeFormat values"),
        })
    }

    fn write(self, out: &mut String, ns: i64) {
        use std::fmt::Write as _;
        let _ = match self {
            TimeFormat::Unix => write!(out, "{}", ns.div_euclid(1_000_000_000)),
            TimeFormat::UnixMilli => write!(out, "{}", ns.div_euclid(1_000_000)),
            TimeFormat::UnixMicro => write!(out, "{}", ns.div_euclid(1_000)),
            TimeFormat::UnixNano => write!(out, "{ns}"),
            TimeFormat::Rfc3339 | TimeFormat::Rfc3339Nano => {
                use chrono::TimeZone;
                let dt = chrono::Local.timestamp_nanos(ns);
                let _ = write!(out, "{}", dt.format("%Y-%m-%dT%H:%M:%S"));
                if self == TimeFormat::Rfc3339Nano {
                    // Go's ".999999999": trailing zeros (and a bare dot) are dropped.
                    let frac = format!("{:09}", ns.rem_euclid(1_000_000_000));
                    let frac = frac.trim_end_matches('0');
                    if !frac.is_empty() {
                        out.push('.');
                        out.push_str(frac);
                    }
                }
                if dt.offset().local_minus_utc() == 0 {
                    out.push('Z');
                    Ok(())
                } else {
                    write!(out, "{}", dt.format("%:z"))
                }
            }
        };
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct CsvConfig {
    pub file_name: String,
    pub save_interval: Duration,
    pub time_format: TimeFormat,
}

impl CsvConfig {
    pub fn load(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let s = Settings::new(ctx, "csv");
        let mut file_name = s.get("fileName", "K6_CSV_FILENAME");
        let mut interval = s.get("saveInterval", "K6_CSV_SAVE_INTERVAL");
        let mut format = s.get("timeFormat", "K6_CSV_TIME_FORMAT");
        if let Some(arg) = arg.filter(|a| !a.is_empty()) {
            if arg.contains('=') {
                for part in arg.split(',') {
                    let (k, v) = part.split_once('=').ok_or_else(|| {
                        anyhow::anyhow!("couldn't parse {part:?} as argument for csv output")
                    })?;
                    match k {
                        "fileName" => file_name = Some(v.to_string()),
                        "saveInterval" => interval = Some(v.to_string()),
                        "timeFormat" => format = Some(v.to_string()),
                        other => anyhow::bail!("unknown key {other:?} as argument for csv output"),
                    }
                }
            } else {
                file_name = Some(arg.to_string());
            }
        }
        Ok(CsvConfig {
            file_name: file_name
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| "file.csv".into()),
            save_interval: match interval {
                Some(i) => parse_duration(&i)
                    .map_err(|e| anyhow::anyhow!("invalid K6_CSV_SAVE_INTERVAL: {e}"))?,
                None => Duration::from_secs(1),
            },
            time_format: match format {
                Some(f) => TimeFormat::parse(&f)?,
                None => TimeFormat::Unix,
            },
        })
    }
}

pub struct CsvOutput {
    cfg: CsvConfig,
    columns: Vec<String>,
    out: Option<Box<dyn CsvSink>>,
    row: String,
    /// Rows buffered since the last successful flush.
    pending: u64,
    last_flush: Instant,
    report: OutputReport,
}

/// A file, plain or gzipped, that can be finished.
trait CsvSink: Write + Send {
    fn finish(self: Box<Self>) -> std::io::Result<()>;
}

impl CsvSink for BufWriter<File> {
    fn finish(mut self: Box<Self>) -> std::io::Result<()> {
        self.flush()?;
        self.get_ref().sync_all()
    }
}

impl CsvSink for flate2::write::GzEncoder<BufWriter<File>> {
    fn finish(self: Box<Self>) -> std::io::Result<()> {
        let mut inner = (*self).finish()?;
        inner.flush()?;
        inner.get_ref().sync_all()
    }
}

/// Appends `field` quoted as Go's `encoding/csv` would.
fn push_field(out: &mut String, field: &str) {
    let needs_quotes = !field.is_empty()
        && (field == "\\."
            || field
                .bytes()
                .any(|c| matches!(c, b'\n' | b'\r' | b'"' | b','))
            || field.chars().next().is_some_and(char::is_whitespace));
    if !needs_quotes {
        out.push_str(field);
        return;
    }
    out.push('"');
    for c in field.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// Go's `%f` for the value column (`NaN`, `+Inf`, `-Inf` for the non-finite ones).
fn push_value(out: &mut String, v: f64) {
    use std::fmt::Write;
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{v:.6}");
    }
}

impl CsvOutput {
    pub fn new(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let cfg = CsvConfig::load(arg, ctx)?;
        Ok(CsvOutput {
            cfg,
            columns: DEFAULT_SYSTEM_TAGS.iter().map(|s| s.to_string()).collect(),
            out: None,
            row: String::with_capacity(512),
            pending: 0,
            last_flush: Instant::now(),
            report: OutputReport {
                name: "csv".into(),
                ..OutputReport::default()
            },
        })
    }

    /// Uses the run's enabled system tags (k6's `systemTags` option) as columns instead of
    /// k6's default set. Call before [`Output::start`].
    pub fn with_system_tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cols: Vec<String> = tags
            .into_iter()
            .map(Into::into)
            .filter(|t| t != "vu" && t != "iter")
            .collect();
        cols.sort();
        cols.dedup();
        self.columns = cols;
        self
    }

    pub fn config(&self) -> &CsvConfig {
        &self.cfg
    }

    fn write_row(&mut self, s: &Sample) {
        let row = &mut self.row;
        row.clear();
        push_field(row, &s.metric.name);
        row.push(',');
        self.cfg.time_format.write(row, s.time_ns);
        row.push(',');
        push_value(row, s.value);
        for col in &self.columns {
            row.push(',');
            push_field(row, s.tags.get(col).unwrap_or(""));
        }
        row.push(',');
        let mut extra = String::new();
        for (k, v) in s
            .tags
            .iter()
            .filter(|(k, _)| !self.columns.iter().any(|c| c == k))
        {
            if !extra.is_empty() {
                extra.push('&');
            }
            extra.push_str(k);
            extra.push('=');
            extra.push_str(v);
        }
        push_field(row, &extra);
        row.push(',');
        let mut meta = String::new();
        if let Some(m) = &s.metadata {
            for (k, v) in m.iter() {
                if !meta.is_empty() {
                    meta.push('&');
                }
                meta.push_str(k);
                meta.push('=');
                meta.push_str(v);
            }
        }
        push_field(row, &meta);
        row.push('\n');
        let Some(out) = self.out.as_mut() else {
            self.report.produced += 1;
            self.report.dropped += 1;
            return;
        };
        self.report.produced += 1;
        match out.write_all(self.row.as_bytes()) {
            Ok(()) => self.pending += 1,
            Err(e) => self.fail(&e),
        }
    }

    fn fail(&mut self, e: &std::io::Error) {
        // Buffered rows are lost with the failed write; count them, stop writing.
        let lost = self.pending + 1;
        self.report.dropped += lost;
        self.report.notes.push(format!(
            "dropped {lost}: cannot write {}: {e}",
            self.cfg.file_name
        ));
        tracing::error!("csv output: cannot write {}: {e}", self.cfg.file_name);
        self.pending = 0;
        self.out = None;
    }

    fn flush(&mut self) {
        self.last_flush = Instant::now();
        let Some(out) = self.out.as_mut() else { return };
        match out.flush() {
            Ok(()) => {
                self.report.written += self.pending;
                self.pending = 0;
            }
            Err(e) => {
                self.pending = self.pending.saturating_sub(1);
                self.fail(&e);
            }
        }
    }
}

impl Output for CsvOutput {
    fn description(&self) -> String {
        format!("csv ({})", self.cfg.file_name)
    }

    fn start(&mut self) -> anyhow::Result<()> {
        // k6 v1.1.0: "could not create the 'csv' output: open /no/dir/x.csv: no such file or
        // directory" (exit 255).
        let file = File::create(&self.cfg.file_name).map_err(|e| {
            anyhow::anyhow!(
                "could not create the 'csv' output: open {}: {}",
                self.cfg.file_name,
                crate::go_strconv::os_error_text(&e)
            )
        })?;
        let buf = BufWriter::with_capacity(256 * 1024, file);
        let mut out: Box<dyn CsvSink> = if self.cfg.file_name.ends_with(".gz") {
            Box::new(flate2::write::GzEncoder::new(
                buf,
                flate2::Compression::default(),
            ))
        } else {
            Box::new(buf)
        };
        let mut header = String::from("metric_name,timestamp,metric_value");
        for c in &self.columns {
            header.push(',');
            push_field(&mut header, c);
        }
        header.push_str(",extra_tags,metadata\n");
        out.write_all(header.as_bytes()).map_err(|e| {
            anyhow::anyhow!(
                "cannot write the csv output file {}: {e}",
                self.cfg.file_name
            )
        })?;
        self.out = Some(out);
        self.last_flush = Instant::now();
        Ok(())
    }

    fn add_batch(&mut self, batch: &Arc<SampleBatch>) {
        for s in batch.iter() {
            self.write_row(s);
        }
        if self.last_flush.elapsed() >= self.cfg.save_interval {
            self.flush();
        }
    }

    fn stop(&mut self, _deadline: Duration) -> anyhow::Result<OutputReport> {
        self.flush();
        if let Some(out) = self.out.take()
            && let Err(e) = out.finish()
        {
            // A gzip stream that cannot be completed loses its tail: the rows already counted
            // as written may be unreadable, so fail loudly.
            return Err(anyhow::anyhow!(
                "cannot finish the csv output file {}: {e}",
                self.cfg.file_name
            ));
        }
        let r = &self.report;
        if r.dropped > 0 {
            tracing::warn!(
                produced = r.produced,
                written = r.written,
                dropped = r.dropped,
                "csv output did not write every sample"
            );
        }
        Ok(self.report.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::registry::{BuiltinMetrics, Registry, ThresholdIndex};
    use crate::metrics::sample::TagSet;
    use crate::output::writer_pool::test_context as ctx;
    use std::io::Read;

    fn samples() -> Vec<Sample> {
        let reg = Registry::new(ThresholdIndex::default());
        let b = BuiltinMetrics::register(&reg).unwrap();
        let tags = TagSet::from_pairs([
            ("group", "::g1"),
            ("method", "GET"),
            ("name", "http://127.0.0.1:18999/a?x=1,2"),
            ("url", "http://127.0.0.1:18999/a?x=1,2"),
            ("status", "404"),
            ("scenario", "default"),
            ("my", "a b,c=d\"e"),
            ("expected_response", "false"),
            ("error_code", "1404"),
            ("proto", "HTTP/1.0"),
        ]);
        vec![
            Sample {
                metric: b.http_req_duration.clone(),
                time_ns: 1_795_424_564_123_456_789,
                value: 7.244888,
                tags,
                metadata: None,
            },
            Sample {
                metric: b.checks.clone(),
                time_ns: 1_795_424_564_000_000_000,
                value: 0.0,
                tags: TagSet::from_pairs([
                    ("check", "st 200"),
                    ("group", "::g1"),
                    ("scenario", "default"),
                ]),
                metadata: Some(TagSet::from_pairs([("vu", "1"), ("iter", "0")])),
            },
        ]
    }

    fn run(arg: &str, env: &[(&str, &str)]) -> (OutputReport, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(arg);
        let mut out = CsvOutput::new(Some(path.to_str().unwrap()), &ctx(env, None)).unwrap();
        out.start().unwrap();
        out.add_batch(&Arc::new(samples()));
        let r = out.stop(Duration::from_secs(1)).unwrap();
        let mut text = String::new();
        let f = File::open(&path).unwrap();
        if arg.ends_with(".gz") {
            flate2::read::GzDecoder::new(f)
                .read_to_string(&mut text)
                .unwrap();
        } else {
            std::io::BufReader::new(f)
                .read_to_string(&mut text)
                .unwrap();
        }
        (r, text)
    }

    #[test]
    fn k6_layout() {
        let (r, text) = run("out.csv", &[]);
        let lines: Vec<&str> = text.lines().collect();
        // Header and rows as k6 v1.1.0 writes them for the same samples.
        assert_eq!(
            lines[0],
            "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata"
        );
        assert_eq!(
            lines[1],
            "http_req_duration,1795424564,7.244888,,,1404,false,::g1,GET,\"http://127.0.0.1:18999/a?x=1,2\",HTTP/1.0,default,,404,,,\"http://127.0.0.1:18999/a?x=1,2\",\"my=a b,c=d\"\"e\","
        );
        assert_eq!(
            lines[2],
            "checks,1795424564,0.000000,st 200,,,,::g1,,,,default,,,,,,,iter=0&vu=1"
        );
        assert_eq!((r.produced, r.written, r.dropped), (2, 2, 0));
    }

    #[test]
    fn gzip_and_time_formats() {
        let (_, text) = run("out.csv.gz", &[("K6_CSV_TIME_FORMAT", "unix_nano")]);
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .starts_with("http_req_duration,1795424564123456789,")
        );
        for (fmt, want) in [
            ("unix_milli", "1795424564123"),
            ("unix_micro", "1795424564123456"),
        ] {
            let (_, text) = run("o.csv", &[("K6_CSV_TIME_FORMAT", fmt)]);
            assert!(text.contains(&format!(",{want},")), "{fmt}");
        }
        let mut s = String::new();
        TimeFormat::Rfc3339Nano.write(&mut s, 1_795_424_564_120_000_000);
        // The machine's zone decides the offset; the fraction is Go-trimmed either way.
        assert!(s.contains(":44.12") && !s.contains(".120"), "{s}");
        s.clear();
        TimeFormat::Rfc3339Nano.write(&mut s, 1_795_424_564_000_000_000);
        assert!(!s.contains('.'), "{s}");
    }

    #[test]
    fn settings() {
        let c = CsvConfig::load(
            Some("fileName=a.csv,timeFormat=rfc3339,saveInterval=5s"),
            &ctx(&[], None),
        )
        .unwrap();
        assert_eq!(c.file_name, "a.csv");
        assert_eq!(c.time_format, TimeFormat::Rfc3339);
        assert_eq!(c.save_interval, Duration::from_secs(5));
        let e = CsvConfig::load(None, &ctx(&[("K6_CSV_TIME_FORMAT", "bogus")], None)).unwrap_err();
        assert_eq!(e.to_string(), "bogus does not belong to TimeFormat values");
        assert!(CsvConfig::load(None, &ctx(&[("K6_CSV_SAVE_INTERVAL", "bogus")], None)).is_err());
        assert!(CsvConfig::load(Some("nope=1"), &ctx(&[], None)).is_err());
        assert_eq!(
            CsvConfig::load(None, &ctx(&[], None)).unwrap().file_name,
            "file.csv"
        );
    }

    #[test]
    fn go_csv_quoting() {
        let cases = [
            ("", ""),
            ("a", "a"),
            (" a", "\" a\""),
            ("a b", "a b"),
            ("\\.", "\"\\.\""),
            ("x\ny", "\"x\ny\""),
            ("q\"", "\"q\"\"\""),
        ];
        for (input, want) in cases {
            let mut s = String::new();
            push_field(&mut s, input);
            assert_eq!(s, want);
        }
        let mut s = String::new();
        push_value(&mut s, f64::NAN);
        push_value(&mut s, f64::NEG_INFINITY);
        assert_eq!(s, "NaN-Inf");
    }
}
