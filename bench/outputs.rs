//! Network output throughput: feeds an output (through its public API, as the metrics thread
//! does) with batches shaped like an HTTP request's (9 samples sharing a tag set, a check, an
//! iteration; 13 samples each, 20 distinct URLs), as fast as the output takes them, then stops
//! it and waits for everything to be written. Run against a local server (`bench/outputs.sh`
//! starts them):
//!
//!   cargo run --release --example outputs -- OUTPUT ARG [SAMPLES]
//!   e.g. outputs timescaledb postgresql://rk6@127.0.0.1:5432/bench 2000000
//!
//! Prints one JSON line: samples produced/written, seconds from the first batch until every
//! sample was confirmed, samples per second, and the output's own notes (requests, bytes per
//! request).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rk6::metrics::registry::{BuiltinMetrics, Registry, ThresholdIndex};
use rk6::metrics::sample::{Sample, TagSet, now_ns};
use rk6::output::{Output, OutputContext};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: outputs OUTPUT ARG [SAMPLES]");
        std::process::exit(2);
    }
    let (name, arg) = (args[1].as_str(), args[2].as_str());
    let total: usize = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let registry = Arc::new(Registry::new(ThresholdIndex::default()));
    let b = BuiltinMetrics::register(&registry).unwrap_or_else(|e| {
        eprintln!("registering metrics: {e:?}");
        std::process::exit(1)
    });
    let env: HashMap<String, String> = std::env::vars().collect();
    let ctx = OutputContext {
        registry,
        test_run_id: format!("bench-{}", std::process::id()),
        config_file: None,
        env: Arc::new(env),
        thresholds: Arc::default(),
        instance_id: None,
    };
    let arg = (!arg.is_empty()).then_some(arg);
    let made: anyhow::Result<Box<dyn Output>> = match name {
        "timescaledb" => {
            rk6::output::timescaledb::TimescaleDbOutput::new(arg, &ctx).map(|o| Box::new(o) as _)
        }
        "clickhouse" => {
            rk6::output::clickhouse::ClickHouseOutput::new(arg, &ctx).map(|o| Box::new(o) as _)
        }
        "experimental-prometheus-rw" => {
            rk6::output::prometheus_rw::PrometheusRwOutput::new(arg, &ctx).map(|o| Box::new(o) as _)
        }
        "influxdb" => {
            rk6::output::influxdb::InfluxDbOutput::new(arg, &ctx).map(|o| Box::new(o) as _)
        }
        other => {
            eprintln!("unknown output {other}");
            std::process::exit(2)
        }
    };
    let mut out = made.unwrap_or_else(|e| {
        eprintln!("{e:#}");
        std::process::exit(1)
    });
    if let Err(e) = out.start() {
        eprintln!("{e:#}");
        std::process::exit(1);
    }
    let per_batch = 13;
    let started = Instant::now();
    let mut produced = 0usize;
    let mut i = 0usize;
    while produced < total {
        let t = now_ns();
        let url = format!("http://127.0.0.1:18081/items/{}", i % 20);
        let tags = TagSet::from_pairs([
            ("expected_response", "true"),
            ("group", ""),
            ("method", "GET"),
            ("name", url.as_str()),
            ("proto", "HTTP/1.1"),
            ("scenario", "default"),
            ("status", "200"),
            ("url", url.as_str()),
        ]);
        let checks = TagSet::from_pairs([("check", "status is 200"), ("scenario", "default")]);
        let plain = TagSet::from_pairs([("scenario", "default")]);
        let meta = Some(TagSet::from_pairs([
            ("vu", "1".to_string()),
            ("iter", i.to_string()),
        ]));
        let s = |m: &rk6::metrics::sample::MetricRef, v: f64, tags: &TagSet| Sample {
            metric: m.clone(),
            time_ns: t,
            value: v,
            tags: tags.clone(),
            metadata: meta.clone(),
        };
        let batch = Arc::new(vec![
            s(&b.http_reqs, 1.0, &tags),
            s(&b.http_req_duration, 1.5 + (i % 100) as f64, &tags),
            s(&b.http_req_blocked, 0.01, &tags),
            s(&b.http_req_connecting, 0.0, &tags),
            s(&b.http_req_tls_handshaking, 0.0, &tags),
            s(&b.http_req_sending, 0.02, &tags),
            s(&b.http_req_waiting, 1.4, &tags),
            s(&b.http_req_receiving, 0.08, &tags),
            s(&b.http_req_failed, 0.0, &tags),
            s(&b.checks, 1.0, &checks),
            s(&b.iterations, 1.0, &plain),
            s(&b.iteration_duration, 2.0, &plain),
            s(&b.data_received, 512.0, &plain),
        ]);
        debug_assert_eq!(batch.len(), per_batch);
        out.add_batch(&batch);
        produced += batch.len();
        i += 1;
    }
    let fed = started.elapsed();
    let report = match out.stop(Duration::from_secs(600)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e:#}");
            std::process::exit(1)
        }
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "output": name,
            "produced": report.produced,
            "written": report.written,
            "rejected": report.rejected,
            "dropped": report.dropped,
            "fed_s": fed.as_secs_f64(),
            "total_s": secs,
            "samples_per_s": (report.written as f64 / secs).round(),
            "notes": report.notes,
        })
    );
}
