//! Execution segments end to end: `tests/fixtures/execution_segments.js` (every executor)
//! split in thirds and in quarters, each instance run alone as k6-operator runs one pod.
//! Each iteration logs its scenario, `__VU`, `exec.vu.idInTest` and
//! `exec.scenario.iterationInTest`; per segment the test compares with k6 v1.1.0:
//!
//! ```sh
//! k6 run -q --address 127.0.0.1:0 --log-format raw --summary-export k6.json \
//!   --execution-segment 1/3:2/3 --execution-segment-sequence 0,1/3,2/3,1 execution_segments.js
//! ```
//!
//! (the same for each segment of `0,1/3,2/3,1` and `0,1/4,2/4,3/4,1`; the numbers below are
//! k6's). Exact where k6 is deterministic: the iterations of shared-iterations,
//! per-vu-iterations and both arrival rates (their numbers in the whole test, hence their
//! counts), dropped iterations, and which whole-test VU number (`idInTest`) each local VU
//! has. The looping executors' iteration counts depend on timing; for them the test checks
//! the VUs each segment gets and that their iteration numbers are the segment's stripe.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::Value;

#[derive(Default, Debug)]
struct Seen {
    iterations: BTreeMap<String, Vec<u64>>,
    vus: BTreeMap<String, BTreeSet<u64>>,
    /// (`__VU`, `idInTest`)
    ids: BTreeSet<(u64, u64)>,
}

fn run_segment(segment: &str, sequence: &str) -> (Seen, u64) {
    let ws = Workspace::new();
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/execution_segments.js"
    ))
    .expect("fixture");
    let r = run_script(
        &ws,
        &script,
        &[
            "--log-format=raw",
            &format!("--execution-segment={segment}"),
            &format!("--execution-segment-sequence={sequence}"),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{segment}: {}", r.stderr);
    let mut seen = Seen::default();
    for line in r.stderr.lines().filter(|l| l.starts_with('{')) {
        let v: Value = serde_json::from_str(line).expect("a logged iteration");
        let s = v["s"].as_str().expect("scenario").to_string();
        let n = |k: &str| v[k].as_u64().expect("a number");
        seen.iterations.entry(s.clone()).or_default().push(n("t"));
        seen.vus.entry(s).or_default().insert(n("vu"));
        seen.ids.insert((n("vu"), n("id")));
    }
    for list in seen.iterations.values_mut() {
        list.sort_unstable();
    }
    let dropped = summary(&ws)["metrics"]["dropped_iterations"]["count"]
        .as_u64()
        .unwrap_or(0);
    (seen, dropped)
}

/// What k6 gave for one segment.
struct K6 {
    segment: &'static str,
    /// Iteration numbers (in the whole test) of the deterministic scenarios.
    iterations: &'static [(&'static str, &'static [u64])],
    dropped: u64,
    /// VUs of the looping scenarios (constant-vus 5 VUs, ramping-vus up to 7).
    constant_vus: usize,
    ramping_vus: usize,
}

fn check(sequence: &str, parts: u64, k6: &[K6]) {
    for (index, want) in k6.iter().enumerate() {
        let (seen, dropped) = run_segment(want.segment, sequence);
        let at = want.segment;
        for (scenario, iterations) in want.iterations {
            assert_eq!(
                seen.iterations
                    .get(*scenario)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                *iterations,
                "{at}: iterationInTest of {scenario}"
            );
        }
        // A scenario without work for the segment does not run at all (k6's HasWork).
        let listed: BTreeSet<&str> = want.iterations.iter().map(|(s, _)| *s).collect();
        for s in ["shared", "pervu", "car", "rar", "dropping"] {
            assert_eq!(
                seen.iterations.contains_key(s),
                listed.contains(s),
                "{at}: {s}"
            );
        }
        assert_eq!(dropped, want.dropped, "{at}: dropped_iterations");
        // VU n of this instance is VU `parts·(n−1) + index + 1` of the whole test for an
        // even split (k6's striped offsets).
        for (vu, id) in &seen.ids {
            assert_eq!(
                *id,
                parts * (vu - 1) + index as u64 + 1,
                "{at}: idInTest of VU {vu}"
            );
        }
        for (scenario, vus) in [
            ("constant", want.constant_vus),
            ("ramping", want.ramping_vus),
        ] {
            assert_eq!(seen.vus[scenario].len(), vus, "{at}: VUs of {scenario}");
            // Looping executors number iterations with the segment's own stripe.
            for t in &seen.iterations[scenario] {
                assert_eq!(t % parts, index as u64, "{at}: {scenario} iteration {t}");
            }
        }
    }
}

#[test]
fn thirds_split_every_executor_as_k6() {
    check(
        "0,1/3,2/3,1",
        3,
        &[
            K6 {
                segment: "0:1/3",
                iterations: &[
                    ("shared", &[0, 3, 5, 8, 10, 13, 15]),
                    ("pervu", &[0, 3, 6, 9]),
                    ("car", &[0, 3, 5, 7, 10, 12, 14, 17, 19]),
                    ("rar", &[0, 3, 5, 8]),
                    ("dropping", &[0]),
                ],
                dropped: 1,
                constant_vus: 2,
                ramping_vus: 3,
            },
            K6 {
                segment: "1/3:2/3",
                iterations: &[
                    ("shared", &[1, 4, 6, 9, 11, 14, 16]),
                    ("pervu", &[1, 4, 7, 10]),
                    ("car", &[1, 4, 8, 11, 15, 18]),
                    ("rar", &[1, 4, 6, 9]),
                    ("dropping", &[1]),
                ],
                dropped: 1,
                constant_vus: 2,
                ramping_vus: 2,
            },
            K6 {
                segment: "2/3:1",
                iterations: &[
                    ("shared", &[2, 7, 12]),
                    ("pervu", &[2, 5]),
                    ("car", &[2, 6, 9, 13, 16, 20]),
                    ("rar", &[2, 7]),
                    ("dropping", &[2]),
                ],
                dropped: 0,
                constant_vus: 1,
                ramping_vus: 2,
            },
        ],
    );
}

#[test]
fn quarters_split_every_executor_as_k6() {
    check(
        "0,1/4,2/4,3/4,1",
        4,
        &[
            K6 {
                segment: "0:1/4",
                iterations: &[
                    ("shared", &[0, 3, 5, 8, 10, 13, 15]),
                    ("pervu", &[0, 4, 8, 12]),
                    ("car", &[0, 4, 7, 11, 14, 18]),
                    ("rar", &[0, 3, 5, 8]),
                    ("dropping", &[0]),
                ],
                dropped: 1,
                constant_vus: 2,
                ramping_vus: 2,
            },
            K6 {
                segment: "1/4:2/4",
                iterations: &[
                    ("shared", &[1, 6, 11, 16]),
                    ("pervu", &[1, 5]),
                    ("car", &[1, 5, 8, 12, 15, 19]),
                    ("rar", &[1, 6]),
                    ("dropping", &[1]),
                ],
                dropped: 1,
                constant_vus: 1,
                ramping_vus: 2,
            },
            K6 {
                segment: "2/4:3/4",
                iterations: &[
                    ("shared", &[2, 7, 12]),
                    ("pervu", &[2, 6]),
                    ("car", &[2, 6, 9, 13, 16, 20]),
                    ("rar", &[2, 7]),
                    ("dropping", &[2]),
                ],
                dropped: 0,
                constant_vus: 1,
                ramping_vus: 2,
            },
            K6 {
                segment: "3/4:1",
                // maxVUs 3 gives this quarter no VU: k6 leaves `dropping` out.
                iterations: &[
                    ("shared", &[4, 9, 14]),
                    ("pervu", &[3, 7]),
                    ("car", &[3, 10, 17]),
                    ("rar", &[4, 9]),
                ],
                dropped: 0,
                constant_vus: 1,
                ramping_vus: 1,
            },
        ],
    );
}
