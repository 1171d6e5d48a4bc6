//! k6 v1.1.0's own tables from `lib/execution_segment_test.go`, ported.

use super::*;

fn es(s: &str) -> ExecutionSegment {
    ExecutionSegment::parse(s).unwrap()
}

fn seq(s: &str) -> ExecutionSegmentSequence {
    ExecutionSegmentSequence::parse(s).unwrap()
}

fn tuple(seg: &str, sequence: &str) -> ExecutionTuple {
    let seg = (!seg.is_empty()).then(|| es(seg));
    ExecutionTuple::new(seg.as_ref(), &seq(sequence)).unwrap()
}

#[test]
fn new_validates_bounds() {
    assert!(ExecutionSegment::new(rat(-1, 1), rat(1, 1)).is_err());
    assert!(ExecutionSegment::new(rat(0, 1), rat(2, 1)).is_err());
    assert!(ExecutionSegment::new(rat(1, 2), rat(1, 3)).is_err());
    assert!(ExecutionSegment::new(rat(1, 2), rat(1, 2)).is_err());
    assert!(ExecutionSegment::new(rat(0, 1), rat(1, 1)).is_ok());
    assert_eq!(
        ExecutionSegment::parse("55%:50%").unwrap_err(),
        "segment start(0.55) must be less than its end(0.50)"
    );
}

#[test]
fn unmarshal_text() {
    let ok = [
        ("0:1", rat(0, 1), rat(1, 1)),
        ("0.5:0.75", rat(1, 2), rat(3, 4)),
        ("1/2:3/4", rat(1, 2), rat(3, 4)),
        ("50%:75%", rat(1, 2), rat(3, 4)),
        ("2/4:75%", rat(1, 2), rat(3, 4)),
        ("75%", rat(0, 1), rat(3, 4)),
        ("", rat(0, 1), rat(1, 1)),
    ];
    for (input, from, to) in ok {
        let s = es(input);
        assert_eq!(s, ExecutionSegment::new(from, to).unwrap(), "{input}");
        // A stringified segment parses back to itself.
        assert_eq!(es(&s.to_string()), s);
    }
    for bad in ["125%", "1a5%", "1a5", "1a5%:2/3", "125%:250%", "55%:50%"] {
        assert!(ExecutionSegment::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(ExecutionSegment::full().to_string(), "0:1");
}

#[test]
fn split() {
    let full = ExecutionSegment::full();
    assert!(full.split(-1).is_err());
    assert!(full.split(0).is_err());
    let names = |v: Vec<ExecutionSegment>| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(names(full.split(1).unwrap()), ["0:1"]);
    assert_eq!(names(full.split(2).unwrap()), ["0:1/2", "1/2:1"]);
    assert_eq!(names(full.split(3).unwrap()), ["0:1/3", "1/3:2/3", "2/3:1"]);
    let q = ExecutionSegment::new(rat(1, 4), rat(2, 4)).unwrap();
    assert_eq!(names(q.split(1).unwrap()), ["1/4:1/2"]);
    assert_eq!(names(q.split(2).unwrap()), ["1/4:3/8", "3/8:1/2"]);
    assert_eq!(
        names(q.split(3).unwrap()),
        ["1/4:1/3", "1/3:5/12", "5/12:1/2"]
    );
    assert_eq!(
        names(q.split(4).unwrap()),
        ["1/4:5/16", "5/16:3/8", "3/8:7/16", "7/16:1/2"]
    );
}

#[test]
fn segment_scale() {
    let cases = [
        ("0:0.25", 1, 1),
        ("0.25:0.5", 0, 1),
        ("0.5:0.75", 1, 0),
        ("0.75:1", 0, 1),
    ];
    for (s, of2, of3) in cases {
        assert_eq!(es(s).scale(2), of2, "{s}");
        assert_eq!(es(s).scale(3), of3, "{s}");
    }
}

#[test]
fn tuple_scale() {
    assert_eq!(tuple("0.5", "").scale(2), 1);
    assert_eq!(tuple("0.5", "").scale(3), 2);
    assert_eq!(tuple("0.5:1.0", "").scale(2), 1);
    assert_eq!(tuple("0.5:1.0", "").scale(3), 1);
    assert_eq!(tuple("0.5", "0,0.5,1").scale(2), 1);
    assert_eq!(tuple("0.5", "0,0.5,1").scale(3), 2);
    assert_eq!(tuple("0.5:1.0", "0,0.5,1").scale(2), 1);
    assert_eq!(tuple("0.5:1.0", "0,0.5,1").scale(3), 1);
    // TestBigScale
    assert_eq!(tuple("0:7/20", "0,7/20,7/10,1").scale(50), 18);
}

#[test]
fn sub_segment_and_float_length() {
    assert_eq!(
        ExecutionSegment::full().sub_segment(&es("0.2:0.3")),
        es("0.2:0.3")
    );
    assert_eq!(
        es("0.2:0.3").sub_segment(&ExecutionSegment::full()),
        es("0.2:0.3")
    );
    assert_eq!(es("1/2:1").sub_segment(&es("0:1/2")), es("1/2:3/4"));
    assert_eq!(es("1/2:1").float_length(), 0.5);
    assert!((es("1/3:1").float_length() - 0.66666).abs() < 0.001);
    assert_eq!(ExecutionSegment::full().float_length(), 1.0);
}

#[test]
fn string_sequences() {
    for bad in ["0.5", "1,1", "-0.5,1", "1/2,1/2", "1/2,1/3", "0,1,1/2"] {
        assert!(ExecutionSegmentSequence::parse(bad).is_err(), "{bad}");
    }
    assert!(seq("").is_empty());
    let cases: &[(&str, &[&str], bool)] = &[
        ("0.5,1", &["1/2:1"], false),
        ("1/2,1", &["1/2:1"], true),
        ("1/3,2/3", &["1/3:2/3"], true),
        ("0,1/3,2/3", &["0:1/3", "1/3:2/3"], true),
        ("0,1/3,2/3,1", &["0:1/3", "1/3:2/3", "2/3:1"], true),
        ("0.5,0.7", &["1/2:7/10"], false),
        ("0.5,0.7,1", &["1/2:7/10", "7/10:1"], false),
        (
            "0,1/13,2/13,1/3,1/2,3/4,1",
            &[
                "0:1/13",
                "1/13:2/13",
                "2/13:1/3",
                "1/3:1/2",
                "1/2:3/4",
                "3/4:1",
            ],
            true,
        ),
    ];
    for (s, segments, reversible) in cases {
        let parsed = seq(s);
        let names: Vec<String> = parsed.0.iter().map(|x| x.to_string()).collect();
        assert_eq!(&names, segments, "{s}");
        if *reversible {
            assert_eq!(parsed.to_string(), *s);
        }
    }
}

/// Deterministic stand-in for k6's randomly generated sequences: `n` segments whose
/// numerators are drawn from a fixed linear congruential sequence.
fn generated_sequence(n: i64, m: i64, seed: &mut u64) -> ExecutionSegmentSequence {
    let mut numerators = Vec::new();
    for _ in 0..n {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        numerators.push(1 + ((*seed >> 33) as i64 % m));
    }
    let denominator: i64 = numerators.iter().sum();
    let mut from = rat(0, 1);
    let mut out = Vec::new();
    for num in numerators {
        let to = from + rat(num as i128, denominator as i128);
        out.push(ExecutionSegment::new(from, to).unwrap());
        from = to;
    }
    ExecutionSegmentSequence(out)
}

#[test]
fn scale_consistency_and_no_wobble() {
    let mut seed = 777u64;
    for round in 0..40 {
        let n = 2 + round % 9;
        let sequence = generated_sequence(n, 200, &mut seed);
        let tuples: Vec<ExecutionTuple> = sequence
            .0
            .iter()
            .map(|s| ExecutionTuple::new(Some(s), &sequence).unwrap())
            .collect();
        for value in [2u64, 3, 17, 50, 99, 100, 1001] {
            // Every instance's share adds up to the whole (k6's ScaleConsistency tests).
            let total: u64 = tuples.iter().map(|t| t.scale(value)).sum();
            assert_eq!(total, value, "{sequence} of {value}");
            let total: i64 = sequence.0.iter().map(|s| s.scale(value as i64)).sum();
            assert_eq!(total, value as i64, "{sequence} of {value}");
        }
        // Shares never shrink as the value grows (ScaleNoWobble).
        for t in &tuples {
            let mut last = 0;
            for v in 1..1000 {
                let s = t.scale(v);
                assert!(s >= last);
                last = s;
            }
        }
        // The stripes deal out every element exactly once.
        let stripes: Vec<Stripe> = tuples.iter().map(|t| t.stripe()).collect();
        for g in 0..500u64 {
            assert_eq!(stripes.iter().filter(|s| s.contains(g)).count(), 1);
        }
        for (t, s) in tuples.iter().zip(&stripes) {
            for k in 0..t.scale(500) {
                assert!(s.nth(k) < 500 && s.contains(s.nth(k)));
            }
        }
    }
}

#[test]
fn striped_offsets() {
    let cases: &[(&str, &str, i64, &[i64], i64)] = &[
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 0, &[4, 3, 3], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.3:0.5", 1, &[4, 6], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.5:0.6", 2, &[10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, &[10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.8:0.9", 8, &[10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, &[10], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, &[10], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0:0.2", 1, &[4, 6], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, &[10], 10),
        ("0,0.2,0.5", "0:0.2", 3, &[6, 4], 10),
        ("0,0.2,0.5", "0.2:0.5", 1, &[4, 2, 4], 10),
        ("0,2/5,4/5", "0:2/5", 0, &[3, 2], 5),
        ("0,2/5,4/5", "2/5:4/5", 1, &[3, 2], 5),
        ("", "0:0.2", 1, &[5], 5),
        ("", "0:1/5", 1, &[5], 5),
        ("", "0:2/10", 1, &[5], 5),
        ("", "0:0.4", 1, &[2, 3], 5),
        ("", "0:2/5", 1, &[2, 3], 5),
        ("", "2/5:4/5", 1, &[3, 2], 5),
        ("", "0:4/10", 1, &[2, 3], 5),
        ("", "1/10:5/10", 1, &[2, 2, 4, 2], 10),
    ];
    for (sequence, segment, start, offsets, lcd) in cases {
        let t = tuple(segment, sequence);
        assert_eq!(
            t.stripe().offsets(),
            (*start, offsets.to_vec(), *lcd),
            "{sequence} {segment}"
        );
    }
}

#[test]
fn sequence_lcd() {
    for (s, lcd) in [
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,0.1,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,1/3,5/6", 6),
        ("0,1/3,4/7", 21),
    ] {
        assert_eq!(seq(s).lcd().unwrap(), lcd, "{s}");
    }
}

#[test]
fn new_tuple_from_value() {
    let t = tuple("0:1/3", "0,1/3,2/3,1");
    assert_eq!(
        t.for_value(20).unwrap().sequence().to_string(),
        "0,7/20,7/10,1"
    );
}

#[test]
fn new_execution_tuple_table() {
    type Scale = &'static [(u64, u64)];
    let full_new: &[(u64, Option<Scale>)] = &[
        (50, Some(&[(50, 50), (1, 1), (0, 0)])),
        (1, Some(&[(50, 50), (1, 1), (0, 0)])),
        (0, None),
    ];
    #[allow(clippy::type_complexity)] // a table, read row by row
    let cases: &[(&str, &str, Scale, &[(u64, Option<Scale>)])] = &[
        ("", "", &[(50, 50), (1, 1), (0, 0)], full_new),
        ("0:1", "", &[(50, 50), (1, 1), (0, 0)], full_new),
        ("0:1", "0,1", &[(50, 50), (1, 1), (0, 0)], full_new),
        (
            "0:1/3",
            "0,1/3,2/3,1",
            &[(50, 17), (3, 1), (2, 1), (1, 1), (0, 0)],
            &[
                (50, Some(&[(50, 17), (1, 1), (0, 0)])),
                (20, Some(&[(50, 18), (1, 1), (0, 0)])),
                (3, Some(&[(50, 17), (1, 1), (0, 0)])),
                (2, Some(&[(50, 25), (1, 1), (0, 0)])),
                (1, Some(&[(50, 50), (1, 1), (0, 0)])),
                (0, None),
            ],
        ),
        (
            "1/3:2/3",
            "0,1/3,2/3,1",
            &[(50, 17), (3, 1), (2, 1), (1, 0), (0, 0)],
            &[
                (50, Some(&[(50, 17), (1, 0), (0, 0)])),
                (20, Some(&[(50, 17), (1, 0), (0, 0)])),
                (3, Some(&[(50, 17), (1, 0), (0, 0)])),
                (2, Some(&[(50, 25), (1, 0), (0, 0)])),
                (1, None),
                (0, None),
            ],
        ),
        (
            "2/3:1",
            "0,1/3,2/3,1",
            &[(50, 16), (3, 1), (2, 0), (1, 0), (0, 0)],
            &[
                (50, Some(&[(50, 16), (1, 0), (0, 0)])),
                (20, Some(&[(50, 15), (1, 0), (0, 0)])),
                (3, Some(&[(50, 16), (1, 0), (0, 0)])),
                (2, None),
                (1, None),
                (0, None),
            ],
        ),
    ];
    for (segment, sequence, scale, new_scale) in cases {
        let t = tuple(segment, sequence);
        for (v, want) in *scale {
            assert_eq!(t.scale(*v), *want, "{segment} in {sequence}: {v}");
        }
        for (value, want) in *new_scale {
            match (t.for_value(*value), want) {
                (Err(_), None) => {}
                (Ok(nt), Some(table)) => {
                    for (v, w) in *table {
                        assert_eq!(nt.scale(*v), *w, "{segment} for {value}: {v}");
                    }
                }
                (r, w) => panic!("{segment} for {value}: {:?} vs {w:?}", r.is_ok()),
            }
        }
    }
    // A segment the sequence does not have.
    let missing = ExecutionTuple::new(Some(&es("0:1/2")), &seq("0,1/3,2/3,1"));
    assert_eq!(
        missing.unwrap_err(),
        "couldn't find segment 0:1/2 in sequence 0,1/3,2/3,1"
    );
}

#[test]
fn segmented_index() {
    let index = |start: i64, offsets: &[i64], lcd: i64| SegmentedIndex {
        start,
        offsets: offsets.to_vec(),
        lcd,
        scaled: 0,
        unscaled: 0,
    };
    // (operation, unscaled, scaled) as in k6's table.
    let walk = |s: &mut SegmentedIndex, steps: &[(char, i64, i64)]| {
        for (op, unscaled, scaled) in steps {
            match op {
                'n' => s.next(),
                _ => s.prev(),
            };
            assert_eq!((s.unscaled, s.scaled), (*unscaled, *scaled), "{op}");
        }
    };
    let mut s = index(0, &[1], 1);
    walk(
        &mut s,
        &[
            ('n', 1, 1),
            ('p', 0, 0),
            ('n', 1, 1),
            ('n', 2, 2),
            ('n', 3, 3),
            ('p', 2, 2),
            ('p', 1, 1),
            ('n', 2, 2),
        ],
    );
    let mut s = index(0, &[2], 2);
    walk(
        &mut s,
        &[
            ('n', 1, 1),
            ('p', 0, 0),
            ('n', 1, 1),
            ('n', 3, 2),
            ('n', 5, 3),
            ('p', 3, 2),
            ('p', 1, 1),
            ('p', 0, 0),
            ('n', 1, 1),
        ],
    );
    let mut s = index(1, &[2], 2);
    walk(
        &mut s,
        &[
            ('n', 2, 1),
            ('p', 0, 0),
            ('n', 2, 1),
            ('n', 4, 2),
            ('n', 6, 3),
            ('p', 4, 2),
            ('p', 2, 1),
            ('p', 0, 0),
            ('n', 2, 1),
        ],
    );
    let mut s = index(1, &[4, 3], 7);
    walk(
        &mut s,
        &[
            ('n', 2, 1),
            ('p', 0, 0),
            ('n', 2, 1),
            ('n', 6, 2),
            ('n', 9, 3),
            ('p', 6, 2),
            ('p', 2, 1),
            ('p', 0, 0),
            ('n', 2, 1),
        ],
    );
    for (to, unscaled, scaled) in [(6, 6, 2), (5, 2, 1), (7, 6, 2), (8, 6, 2), (9, 9, 3)] {
        s.go_to(to);
        assert_eq!((s.unscaled, s.scaled), (unscaled, scaled), "goto {to}");
    }
}
