//! Metrics pipeline throughput, without JS or HTTP: one producer thread builds batches shaped
//! like an HTTP request's (8 http_req_* samples sharing one tag set, plus one `checks` sample)
//! and sends them over the same kind of channel the VUs use; the consumer thread ingests them
//! into a `MetricsEngine` (thresholds off, k6's default `expected_response` sub-metric on) with
//! no output. CPU time is per thread (getrusage RUSAGE_THREAD), so other load on the machine
//! does not count.
//!
//!   cargo run --release --example pipeline -- [SAMPLES]   (default 5 000 000)
//!
//! Prints one JSON line: samples, consumer/producer CPU seconds, samples per CPU second.

use std::sync::Arc;
use std::time::Instant;

use rk6::metrics::engine::MetricsEngine;
use rk6::metrics::registry::{BuiltinMetrics, Registry};
use rk6::metrics::sample::{Sample, SampleBatch, TagSet, now_ns};
use rk6::metrics::thresholds::ThresholdsConfig;

fn thread_cpu_s() -> f64 {
    // SAFETY: getrusage only writes the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000_000);
    let cfg = ThresholdsConfig::default();
    let registry = Arc::new(Registry::new(cfg.index()));
    let b = match BuiltinMetrics::register(&registry) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("registering metrics: {e:?}");
            std::process::exit(1);
        }
    };
    let mut engine = MetricsEngine::new(registry.clone(), cfg);
    // Same channel type as RunShared.samples.
    let (tx, rx) = crossbeam_channel::unbounded::<SampleBatch>();

    let per_batch = 9;
    let batches = total.div_ceil(per_batch);
    let producer = std::thread::spawn(move || {
        let req_tags = TagSet::from_pairs([
            ("expected_response", "true"),
            ("group", ""),
            ("method", "GET"),
            ("name", "http://127.0.0.1:18081/"),
            ("proto", "HTTP/1.1"),
            ("scenario", "default"),
            ("status", "200"),
            ("url", "http://127.0.0.1:18081/"),
        ]);
        let check_tags = TagSet::from_pairs([
            ("check", "status is 200"),
            ("group", ""),
            ("scenario", "default"),
        ]);
        let http = [
            &b.http_reqs,
            &b.http_req_duration,
            &b.http_req_blocked,
            &b.http_req_connecting,
            &b.http_req_tls_handshaking,
            &b.http_req_sending,
            &b.http_req_waiting,
            &b.http_req_receiving,
        ];
        let cpu0 = thread_cpu_s();
        for i in 0..batches {
            let t = now_ns();
            let mut batch: SampleBatch = Vec::with_capacity(per_batch);
            for (k, m) in http.iter().enumerate() {
                batch.push(Sample {
                    metric: (*m).clone(),
                    time_ns: t,
                    value: (i % 97) as f64 * 0.01 + k as f64,
                    tags: req_tags.clone(),
                    metadata: None,
                });
            }
            batch.push(Sample {
                metric: b.checks.clone(),
                time_ns: t,
                value: 1.0,
                tags: check_tags.clone(),
                metadata: None,
            });
            if tx.send(batch).is_err() {
                break;
            }
        }
        thread_cpu_s() - cpu0
    });

    let wall = Instant::now();
    let cpu0 = thread_cpu_s();
    let mut n = 0usize;
    while let Ok(batch) = rx.recv() {
        n += batch.len();
        engine.ingest(&batch);
    }
    let consumer_cpu = thread_cpu_s() - cpu0;
    let wall_s = wall.elapsed().as_secs_f64();
    let producer_cpu = producer.join().unwrap_or(f64::NAN);
    println!(
        "{{\"samples\":{n},\"wall_s\":{wall_s:.3},\"consumer_cpu_s\":{consumer_cpu:.3},\"producer_cpu_s\":{producer_cpu:.3},\"ingest_samples_per_cpu_s\":{:.0},\"end_to_end_samples_per_cpu_s\":{:.0}}}",
        n as f64 / consumer_cpu,
        n as f64 / (consumer_cpu + producer_cpu)
    );
}
