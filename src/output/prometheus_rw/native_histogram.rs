//! A Prometheus native histogram as k6 builds it for trends
//! (`K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM`): client_golang's sparse histogram with
//! `NativeHistogramBucketFactor: 1.1`, i.e. schema 3 (8 buckets per power of two, each bucket
//! `(2^((i-1)/8), 2^(i/8)]`), the default zero threshold 2^-128 and no bucket limit; buckets
//! are laid out in spans the way client_golang does (gaps of up to two empty buckets stay in
//! one span).

use std::collections::BTreeMap;

use super::proto::{self, BucketSpan};

/// Schema 3: the largest schema whose bucket growth factor 2^(2^-schema) is ≤ 1.1.
pub const SCHEMA: i32 = 3;
/// client_golang's `DefNativeHistogramZeroThreshold` (2^-128).
pub const ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;

/// client_golang's `nativeHistogramBounds[3]`: 2^(i/8)/2 for i in 0..8, the fraction (in
/// frexp's `[0.5, 1)` form) at which each of the 8 buckets of a power of two ends.
const BOUNDS: [f64; 8] = [
    0.5,
    0.545_253_866_332_628_8,
    0.594_603_557_501_360_5,
    0.648_419_777_325_504_8,
    0.707_106_781_186_547_5,
    0.771_105_412_703_970_4,
    0.840_896_415_253_714_4,
    0.917_004_043_204_671_1,
];

#[derive(Clone, Debug, Default)]
pub struct NativeHistogram {
    count: u64,
    sum: f64,
    zero_count: u64,
    positive: BTreeMap<i32, u64>,
    negative: BTreeMap<i32, u64>,
}

/// `math.Frexp`: `v = frac * 2^exp` with `frac` in `[0.5, 1)`, for finite non-zero `v`.
fn frexp(v: f64) -> (f64, i32) {
    let (v, adjust) = if v.abs() < f64::MIN_POSITIVE {
        // Subnormal: scale into the normal range first.
        (v * 2f64.powi(54), -54)
    } else {
        (v, 0)
    };
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1022;
    let frac = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (frac.abs(), exp + adjust)
}

/// The bucket index of `|v|` (finite, above the zero threshold).
fn bucket_key(v: f64) -> i32 {
    if v.is_infinite() {
        return i32::MAX;
    }
    let (frac, exp) = frexp(v.abs());
    let within = BOUNDS.partition_point(|&b| b < frac) as i32;
    within + (exp - 1) * BOUNDS.len() as i32
}

impl NativeHistogram {
    pub fn observe(&mut self, v: f64) {
        if v.is_nan() {
            // client_golang counts a NaN and adds it to the sum, in no bucket.
            self.count += 1;
            self.sum += v;
            return;
        }
        self.count += 1;
        self.sum += v;
        if v > ZERO_THRESHOLD {
            *self.positive.entry(bucket_key(v)).or_insert(0) += 1;
        } else if v < -ZERO_THRESHOLD {
            *self.negative.entry(bucket_key(v)).or_insert(0) += 1;
        } else {
            self.zero_count += 1;
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn to_proto(&self, timestamp_ms: i64) -> proto::Histogram {
        let (positive_spans, positive_deltas) = spans(&self.positive);
        let (negative_spans, negative_deltas) = spans(&self.negative);
        proto::Histogram {
            count: Some(proto::histogram::Count::CountInt(self.count)),
            sum: self.sum,
            schema: SCHEMA,
            zero_threshold: ZERO_THRESHOLD,
            zero_count: Some(proto::histogram::ZeroCount::ZeroCountInt(self.zero_count)),
            negative_spans,
            negative_deltas,
            positive_spans,
            positive_deltas,
            timestamp: timestamp_ms,
        }
    }
}

/// client_golang's `makeBuckets`: spans over the sorted bucket indexes, gaps of one or two
/// empty buckets filled with zero counts, and counts as deltas from the previous bucket.
fn spans(buckets: &BTreeMap<i32, u64>) -> (Vec<BucketSpan>, Vec<i64>) {
    let mut spans: Vec<BucketSpan> = Vec::new();
    let mut deltas = Vec::with_capacity(buckets.len());
    let mut prev_count = 0i64;
    let mut next_index = 0i32;
    let mut push = |spans: &mut Vec<BucketSpan>, deltas: &mut Vec<i64>, count: i64| {
        if let Some(last) = spans.last_mut() {
            last.length += 1;
        }
        deltas.push(count - prev_count);
        prev_count = count;
    };
    for (n, (&index, &count)) in buckets.iter().enumerate() {
        let gap = index.wrapping_sub(next_index);
        if n == 0 || gap > 2 {
            spans.push(BucketSpan {
                offset: gap,
                length: 0,
            });
        } else {
            for _ in 0..gap {
                push(&mut spans, &mut deltas, 0);
            }
        }
        push(&mut spans, &mut deltas, count as i64);
        next_index = index.wrapping_add(1);
    }
    (spans, deltas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_matches_go() {
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(-3.0), (0.75, 2));
        let (f, e) = frexp(5e-324);
        assert_eq!((f, e), (0.5, -1073));
    }

    #[test]
    fn buckets_are_upper_inclusive_powers_of_two_to_the_eighth() {
        // 1 = 2^(0/8): bucket 0; just above 1: bucket 1; 2 = 2^(8/8): bucket 8.
        assert_eq!(bucket_key(1.0), 0);
        assert_eq!(bucket_key(1.0001), 1);
        assert_eq!(bucket_key(2.0), 8);
        assert_eq!(bucket_key(0.5), -8);
        assert_eq!(bucket_key(1.09), 1, "2^(1/8) = 1.0905");
        assert_eq!(bucket_key(1.091), 2);
        for i in -40..40 {
            let upper = 2f64.powf(i as f64 / 8.0);
            // The bound itself belongs to bucket i (rounding aside, check just inside).
            assert_eq!(bucket_key(upper * (1.0 - 1e-12)), i, "i={i}");
            assert_eq!(bucket_key(upper * (1.0 + 1e-12)), i + 1, "i={i}");
        }
    }

    #[test]
    fn spans_merge_small_gaps_like_client_golang() {
        let mut h = NativeHistogram::default();
        // Buckets 0, 1, 4 (gap of 2: same span), 10 (gap of 5: new span); one zero.
        for v in [1.0, 1.05, 1.05, 1.4, 2.3, 0.0] {
            h.observe(v);
        }
        assert_eq!(bucket_key(1.4), 4);
        assert_eq!(bucket_key(2.3), 10);
        let p = h.to_proto(1000);
        assert_eq!(
            p.positive_spans,
            vec![
                BucketSpan {
                    offset: 0,
                    length: 5
                },
                BucketSpan {
                    offset: 5,
                    length: 1
                }
            ]
        );
        // Counts 1,2,0,0,1 | 1 as deltas.
        assert_eq!(p.positive_deltas, vec![1, 1, -2, 0, 1, 0]);
        assert_eq!(
            p.zero_count,
            Some(proto::histogram::ZeroCount::ZeroCountInt(1))
        );
        assert_eq!(p.count, Some(proto::histogram::Count::CountInt(6)));
        assert!((p.sum - 6.8).abs() < 1e-9);
        assert_eq!(p.schema, 3);
    }

    #[test]
    fn negative_first_bucket_offset_is_its_index() {
        let mut h = NativeHistogram::default();
        h.observe(-0.5);
        let p = h.to_proto(0);
        assert_eq!(
            p.negative_spans,
            vec![BucketSpan {
                offset: -8,
                length: 1
            }]
        );
        assert_eq!(p.negative_deltas, vec![1]);
    }
}
