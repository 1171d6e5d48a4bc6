//! By-hand throughput benchmark; prints numbers, asserts nothing about speed.
//!
//! `cargo test --release --lib kv::bench -- --ignored --nocapture`

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Backend, KvOptions, KvStore, Value};

const KEYS: usize = 10_000;
const RUN_FOR: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
enum Op {
    Get,
    Set,
    IncrementBy,
}

/// Runs `op` from `threads` threads for [`RUN_FOR`]; returns operations per second.
fn run(kv: &KvStore, op: Op, threads: usize, keys: &[String]) -> f64 {
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let start = Barrier::new(threads + 1);
    let value = Value::from_static(b"{\"user\":\"someone\",\"n\":12345}");
    let elapsed = std::thread::scope(|scope| {
        for t in 0..threads {
            let (stop, done, start, value) = (&stop, &done, &start, &value);
            scope.spawn(move || {
                start.wait();
                let mut i = t.wrapping_mul(7919);
                let mut count = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let key = &keys[i % keys.len()];
                    match op {
                        Op::Get => drop(kv.get(key).expect("get")),
                        Op::Set => kv.set(key, value.clone()).expect("set"),
                        Op::IncrementBy => drop(kv.increment_by("counter", 1).expect("increment")),
                    }
                    i = i.wrapping_add(1);
                    count += 1;
                }
                done.fetch_add(count, Ordering::Relaxed);
            });
        }
        start.wait();
        let began = Instant::now();
        std::thread::sleep(RUN_FOR);
        stop.store(true, Ordering::Relaxed);
        began.elapsed()
    });
    done.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

#[test]
#[ignore = "benchmark: run by hand with --ignored --nocapture"]
fn kv_throughput() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys: Vec<String> = (0..KEYS).map(|i| format!("bench:key:{i:06}")).collect();
    println!("backend | op          | threads | ops/s");
    for backend in [Backend::Memory, Backend::Disk] {
        let options = KvOptions {
            backend,
            path: dir.path().join("bench.kv"),
            ..KvOptions::default()
        };
        let kv = KvStore::open(&options).expect("open");
        let preload = keys
            .iter()
            .map(|k| (k.clone(), Value::from_static(b"\"preloaded\"")))
            .collect();
        kv.set_many(preload).expect("preload");
        for (name, op) in [
            ("get", Op::Get),
            ("set", Op::Set),
            ("incrementBy", Op::IncrementBy),
        ] {
            for threads in [1, 10, 100] {
                let rate = run(&kv, op, threads, &keys);
                println!(
                    "{:<7} | {name:<11} | {threads:>7} | {rate:>12.0}",
                    backend.as_str()
                );
            }
        }
    }
}
