//! `--out json=FILE`: k6's JSON lines, exactly: one `Metric` line the first time a metric is
//! seen, then one `Point` line per sample. `FILE.gz` is gzip-compressed; `-` is stdout.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::time::Duration;

use super::{Output, OutputContext, OutputReport};
use crate::metrics::registry::Registry;
use crate::metrics::sample::{Sample, SampleBatch};

pub struct JsonOutput {
    path: String,
    writer: Option<Box<dyn Write + Send>>,
    registry: Arc<Registry>,
    described: HashSet<u32>,
    line: String,
    written: u64,
    failed: Option<String>,
}

impl JsonOutput {
    pub fn new(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<JsonOutput> {
        let path = arg
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| ctx.env.get("K6_JSON_FILENAME").cloned())
            .ok_or_else(|| {
                anyhow::anyhow!("the json output needs a file name: --out json=results.json")
            })?;
        Ok(JsonOutput {
            path,
            writer: None,
            registry: ctx.registry.clone(),
            described: HashSet::new(),
            line: String::with_capacity(512),
            written: 0,
            failed: None,
        })
    }
}

/// Formats a float the way Go's encoding/json does (shortest repr, integers without ".0").
pub fn go_float(v: f64, out: &mut String) {
    use std::fmt::Write;
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    let abs = v.abs();
    if v.fract() == 0.0 && abs < 1e21 {
        let _ = write!(out, "{}", v as i64);
    } else if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{v:e}");
        // Go writes e-07, Rust e-7.
        match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = match e.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', e),
                };
                let _ = write!(out, "{m}e{sign}{digits:0>2}");
            }
            None => out.push_str(&s),
        }
    } else {
        let mut buf = ryu_like(v);
        if buf.ends_with(".0") {
            buf.truncate(buf.len() - 2);
        }
        out.push_str(&buf);
    }
}

fn ryu_like(v: f64) -> String {
    // serde_json uses ryu's shortest round-trip representation, as Go does.
    serde_json::Number::from_f64(v)
        .map(|n| n.to_string())
        .unwrap_or_else(|| v.to_string())
}

/// Go's RFC3339Nano in UTC: fractional seconds without trailing zeros.
pub fn rfc3339_nano(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000) as u32;
    let dt = chrono::DateTime::from_timestamp(secs, nanos).unwrap_or_default();
    let mut s = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

fn json_str(s: &str, out: &mut String) {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    push_html_safe(&quoted, out);
}

/// Appends JSON text from serde_json as Go's `encoding/json` writes it: serde_json escapes
/// like Go except that Go also escapes <, > and & (HTML-safe). Those characters only occur
/// inside strings in JSON text, so escaping them anywhere is right.
pub fn push_html_safe(json: &str, out: &mut String) {
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
}

impl JsonOutput {
    fn describe(&mut self, s: &Sample) {
        let m = &s.metric;
        let d = self.registry.describe(&m.name);
        let line = &mut self.line;
        line.push_str("{\"type\":\"Metric\",\"data\":{\"name\":");
        json_str(&m.name, line);
        line.push_str(",\"type\":\"");
        line.push_str(m.mtype.as_str());
        line.push_str("\",\"contains\":\"");
        line.push_str(m.contains.as_str());
        line.push_str("\",\"thresholds\":[");
        for (i, t) in d.thresholds.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            // Already JSON; k6 writes these without HTML escaping.
            line.push_str(t);
        }
        line.push_str("],\"submetrics\":");
        if d.submetrics.is_empty() {
            line.push_str("null");
        } else {
            line.push('[');
            for (i, sm) in d.submetrics.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                line.push_str("{\"name\":");
                json_str(&sm.name, line);
                line.push_str(",\"suffix\":");
                json_str(&sm.suffix, line);
                line.push_str(",\"tags\":{");
                for (j, (k, v)) in sm.tags.iter().enumerate() {
                    if j > 0 {
                        line.push(',');
                    }
                    json_str(k, line);
                    line.push(':');
                    json_str(v, line);
                }
                line.push_str("}}");
            }
            line.push(']');
        }
        line.push_str("},\"metric\":");
        json_str(&m.name, line);
        line.push_str("}\n");
    }

    fn point(&mut self, s: &Sample) {
        let line = &mut self.line;
        line.push_str("{\"metric\":");
        json_str(&s.metric.name, line);
        line.push_str(",\"type\":\"Point\",\"data\":{\"time\":\"");
        line.push_str(&rfc3339_nano(s.time_ns));
        line.push_str("\",\"value\":");
        go_float(s.value, line);
        line.push_str(",\"tags\":{");
        for (i, (k, v)) in s.tags.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            json_str(k, line);
            line.push(':');
            json_str(v, line);
        }
        line.push('}');
        if let Some(md) = s.metadata.as_ref().filter(|m| !m.is_empty()) {
            line.push_str(",\"metadata\":{");
            for (i, (k, v)) in md.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                json_str(k, line);
                line.push(':');
                json_str(v, line);
            }
            line.push('}');
        }
        line.push_str("}}\n");
    }
}

impl Output for JsonOutput {
    fn description(&self) -> String {
        format!("json ({})", self.path)
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let w: Box<dyn Write + Send> = if self.path == "-" {
            Box::new(BufWriter::new(std::io::stdout()))
        } else {
            // k6's wording (exit 255): "open /no/such/dir/x.json: no such file or directory".
            let f = File::create(&self.path).map_err(|e| {
                anyhow::anyhow!(
                    "open {}: {}",
                    self.path,
                    crate::go_strconv::os_error_text(&e)
                )
            })?;
            if self.path.ends_with(".gz") {
                Box::new(flate2::write::GzEncoder::new(
                    BufWriter::new(f),
                    flate2::Compression::default(),
                ))
            } else {
                Box::new(BufWriter::with_capacity(256 * 1024, f))
            }
        };
        self.writer = Some(w);
        Ok(())
    }

    fn add_batch(&mut self, batch: &Arc<SampleBatch>) {
        self.line.clear();
        for s in batch.iter() {
            if self.described.insert(s.metric.id) {
                self.describe(s);
            }
            self.point(s);
        }
        if let Some(w) = self.writer.as_mut()
            && let Err(e) = w.write_all(self.line.as_bytes())
            && self.failed.is_none()
        {
            self.failed = Some(e.to_string());
        }
        self.written += batch.len() as u64;
    }

    fn stop(&mut self, _deadline: Duration) -> anyhow::Result<OutputReport> {
        if let Some(mut w) = self.writer.take() {
            w.flush()?;
            drop(w);
        }
        if let Some(e) = &self.failed {
            anyhow::bail!("writing {} failed: {e}", self.path);
        }
        Ok(OutputReport {
            name: self.description(),
            produced: self.written,
            written: self.written,
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_go() {
        let f = |v| {
            let mut s = String::new();
            go_float(v, &mut s);
            s
        };
        assert_eq!(f(1.0), "1");
        assert_eq!(f(0.0), "0");
        assert_eq!(f(4.37877), "4.37877");
        assert_eq!(f(0.45011249999999997), "0.45011249999999997");
        assert_eq!(f(1e-7), "1e-07");
    }

    #[test]
    fn times_like_go_rfc3339nano() {
        assert_eq!(
            rfc3339_nano(1_795_388_254_078_169_075),
            "2026-11-22T22:57:34.078169075Z"
        );
        assert_eq!(
            rfc3339_nano(1_795_388_254_000_000_000),
            "2026-11-22T22:57:34Z"
        );
        assert_eq!(
            rfc3339_nano(1_795_388_254_100_000_000),
            "2026-11-22T22:57:34.1Z"
        );
    }
}
