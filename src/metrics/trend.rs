//! Constant-memory trend digest.
//!
//! k6 keeps every value of a trend and sorts them for percentiles, which grows without bound
//! in long tests. This digest keeps k6's exact algorithm while the number of values is small
//! (up to [`EXACT_CAP`]) and then folds everything into HDR histograms, so memory stays
//! bounded whatever the test length. Count, sum, min, max (and so avg) are always exact.
//!
//! After the switch percentiles carry at most ~1% relative error: the histograms use 2
//! significant digits (bucket width ≤ 1/128 of the value, reported at the bucket's median)
//! and values are scaled by a power of two chosen from the values seen so far, so the
//! integer rounding is negligible for every value at least as large (in magnitude) as the
//! smallest non-zero value seen before the switch.

use hdrhistogram::Histogram;

/// Values kept exactly before switching to histograms.
pub const EXACT_CAP: usize = 4096;

/// Significant digits of the histograms (see the module docs for the error bound).
const SIGFIG: u8 = 2;

/// Scaled integer the smallest non-zero magnitude is mapped to (keeps rounding ≤ 0.05%).
const MIN_SCALED: f64 = 1024.0;

/// Headroom kept above the largest magnitude seen at the switch, for later larger values.
const MAX_HEADROOM: f64 = 1e6;

/// Largest value an auto-resizing histogram can track.
const HIST_LIMIT: f64 = (i64::MAX / 2) as f64;

#[derive(Clone, Debug)]
pub struct TrendDigest {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    exact: Vec<f64>,
    sorted: bool,
    hist: Option<Box<Folded>>,
}

/// The bounded representation: magnitudes of non-negative and negative values, scaled.
#[derive(Clone, Debug)]
struct Folded {
    scale: f64,
    pos: Histogram<u64>,
    neg: Histogram<u64>,
    /// Non-finite values cannot be scaled; they still count and sort like k6 would
    /// (NaN and -inf first, +inf last).
    low_nonfinite: u64,
    high_nonfinite: u64,
}

impl Default for TrendDigest {
    fn default() -> Self {
        Self::new()
    }
}

impl TrendDigest {
    pub fn new() -> Self {
        TrendDigest {
            count: 0,
            sum: 0.0,
            min: 0.0,
            max: 0.0,
            exact: Vec::new(),
            sorted: true,
            hist: None,
        }
    }

    #[inline]
    pub fn add(&mut self, v: f64) {
        if self.count == 0 {
            self.min = v;
            self.max = v;
        } else {
            if v > self.max {
                self.max = v;
            }
            if v < self.min {
                self.min = v;
            }
        }
        self.count += 1;
        self.sum += v;
        match &mut self.hist {
            Some(h) => h.record(v),
            None => {
                if self.exact.len() < EXACT_CAP {
                    self.exact.push(v);
                    self.sorted = false;
                } else {
                    self.fold();
                    if let Some(h) = &mut self.hist {
                        h.record(v);
                    }
                }
            }
        }
    }

    fn fold(&mut self) {
        let mut min_nonzero = f64::INFINITY;
        let mut max_abs: f64 = 0.0;
        for &v in &self.exact {
            let a = v.abs();
            if a.is_finite() && a > 0.0 {
                min_nonzero = min_nonzero.min(a);
                max_abs = max_abs.max(a);
            }
        }
        let scale = choose_scale(min_nonzero, max_abs);
        let mut folded = Folded {
            scale,
            pos: new_histogram(),
            neg: new_histogram(),
            low_nonfinite: 0,
            high_nonfinite: 0,
        };
        for &v in &self.exact {
            folded.record(v);
        }
        self.exact = Vec::new();
        self.sorted = true;
        self.hist = Some(Box::new(folded));
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn sum(&self) -> f64 {
        self.sum
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// k6 reports 0 for an empty trend.
    pub fn min(&self) -> f64 {
        self.min
    }

    pub fn max(&self) -> f64 {
        self.max
    }

    pub fn avg(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    /// Whether percentiles are still exact (no switch to histograms yet).
    pub fn is_exact(&self) -> bool {
        self.hist.is_none()
    }

    /// Percentile `pct` in `0.0..=1.0` (`med` is `percentile(0.5)`), k6's algorithm:
    /// sorted values, rank `pct * (n - 1)`, linear interpolation between the neighbours.
    pub fn percentile(&mut self, pct: f64) -> f64 {
        match self.count {
            0 => return 0.0,
            // k6 returns the only value as is (also for out-of-range pct).
            1 => return self.min,
            _ => {}
        }
        let n = self.count;
        let rank = pct * (n as f64 - 1.0);
        if self.hist.is_none() {
            if !self.sorted {
                // Go's sort.Float64s order: NaN first, then ascending.
                self.exact.sort_unstable_by(go_float_order);
                self.sorted = true;
            }
            let lo = self.exact[index_for(rank.floor(), n)];
            let hi = self.exact[index_for(rank.ceil(), n)];
            return lo + (hi - lo) * (rank - rank.floor());
        }
        let Some(h) = &self.hist else { return 0.0 };
        let lo = h.value_at_rank(index_for(rank.floor(), n) as u64);
        let hi = h.value_at_rank(index_for(rank.ceil(), n) as u64);
        let v = lo + (hi - lo) * (rank - rank.floor());
        // Bucket midpoints can stray past the true extremes; those are known exactly.
        v.clamp(self.min, self.max)
    }
}

/// A digest as a snapshot carries it between instances (`rk6 run --snapshot-out`): the exact
/// values while there are few, else the histograms' recorded buckets (each bucket's highest
/// equivalent value and its count, which land in the same bucket again when read back).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TrendState {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    exact: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    folded: Option<FoldedState>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct FoldedState {
    scale: f64,
    pos: Vec<(u64, u64)>,
    neg: Vec<(u64, u64)>,
    low_nonfinite: u64,
    high_nonfinite: u64,
}

impl TrendDigest {
    pub fn to_state(&self) -> TrendState {
        TrendState {
            count: self.count,
            sum: self.sum,
            min: self.min,
            max: self.max,
            exact: self.exact.clone(),
            folded: self.hist.as_ref().map(|h| FoldedState {
                scale: h.scale,
                pos: buckets(&h.pos),
                neg: buckets(&h.neg),
                low_nonfinite: h.low_nonfinite,
                high_nonfinite: h.high_nonfinite,
            }),
        }
    }

    pub fn from_state(state: &TrendState) -> Result<TrendDigest, String> {
        let hist = match &state.folded {
            None => None,
            Some(f) => {
                if !(f.scale.is_finite() && f.scale > 0.0) {
                    return Err(format!("trend histogram scale {} is not valid", f.scale));
                }
                let mut folded = Folded {
                    scale: f.scale,
                    pos: new_histogram(),
                    neg: new_histogram(),
                    low_nonfinite: f.low_nonfinite,
                    high_nonfinite: f.high_nonfinite,
                };
                for (hist, list) in [(&mut folded.pos, &f.pos), (&mut folded.neg, &f.neg)] {
                    for &(value, n) in list {
                        if hist.record_n(value, n).is_err() {
                            hist.saturating_record_n(value, n);
                        }
                    }
                }
                Some(Box::new(folded))
            }
        };
        let held = match &hist {
            Some(h) => h.pos.len() + h.neg.len() + h.low_nonfinite + h.high_nonfinite,
            None => state.exact.len() as u64,
        };
        if held != state.count {
            return Err(format!(
                "trend holds {held} values but counts {}",
                state.count
            ));
        }
        Ok(TrendDigest {
            count: state.count,
            sum: state.sum,
            min: state.min,
            max: state.max,
            exact: state.exact.clone(),
            sorted: false,
            hist,
        })
    }

    /// Adds every value of `other`, as if they had been added here: exact while the two
    /// together stay within [`EXACT_CAP`]; past that both are folded into histograms. Buckets
    /// of the same scale add up exactly (instances of one test normally pick the same
    /// scale); a bucket of another scale is re-recorded at its median value, which stays
    /// within the histograms' error bound.
    pub fn merge(&mut self, other: &TrendDigest) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            self.min = other.min;
            self.max = other.max;
        } else {
            self.min = self.min.min(other.min);
            self.max = self.max.max(other.max);
        }
        self.count += other.count;
        self.sum += other.sum;
        if self.hist.is_none() && other.hist.is_none() {
            if self.exact.len() + other.exact.len() <= EXACT_CAP {
                self.exact.extend_from_slice(&other.exact);
                self.sorted = false;
                return;
            }
            // Both sides' values choose the scale, as one digest fed all of them would.
            self.exact.extend_from_slice(&other.exact);
            self.fold();
            return;
        }
        if self.hist.is_none() {
            self.fold();
        }
        let Some(h) = &mut self.hist else { return };
        match &other.hist {
            None => other.exact.iter().for_each(|&v| h.record(v)),
            Some(o) => h.absorb(o),
        }
    }
}

fn buckets(h: &Histogram<u64>) -> Vec<(u64, u64)> {
    h.iter_recorded()
        .map(|it| (it.value_iterated_to(), it.count_at_value()))
        .collect()
}

/// Converts a fractional rank to a valid index, as Go's int() conversion does for in-range
/// values; out-of-range percentiles (rejected by option validation) are clamped instead of
/// panicking.
fn index_for(r: f64, n: u64) -> usize {
    if r.is_nan() || r < 0.0 {
        0
    } else if r >= (n - 1) as f64 {
        (n - 1) as usize
    } else {
        r as usize
    }
}

fn go_float_order(a: &f64, b: &f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        _ => a.total_cmp(b),
    }
}

fn new_histogram() -> Histogram<u64> {
    // A constant, valid configuration (sigfig ≤ 5): creation cannot fail.
    Histogram::new(SIGFIG).expect("hdrhistogram accepts 2 significant digits")
}

/// A power of two so the smallest non-zero magnitude maps to at least [`MIN_SCALED`],
/// lowered if needed so the largest magnitude (with headroom) still fits the histogram.
fn choose_scale(min_nonzero: f64, max_abs: f64) -> f64 {
    if !min_nonzero.is_finite() {
        return MIN_SCALED;
    }
    let mut exp = (MIN_SCALED / min_nonzero).log2().ceil();
    let max_exp = (HIST_LIMIT / (max_abs * MAX_HEADROOM).max(1.0))
        .log2()
        .floor();
    if exp > max_exp {
        exp = max_exp;
    }
    exp = exp.clamp(-1000.0, 1000.0);
    2f64.powi(exp as i32)
}

impl Folded {
    #[inline]
    fn record(&mut self, v: f64) {
        self.record_n(v, 1);
    }

    #[inline]
    fn record_n(&mut self, v: f64, n: u64) {
        if v.is_nan() || v == f64::NEG_INFINITY {
            self.low_nonfinite += n;
            return;
        }
        if v == f64::INFINITY {
            self.high_nonfinite += n;
            return;
        }
        let scaled = (v.abs() * self.scale).round();
        let scaled = if scaled >= HIST_LIMIT {
            HIST_LIMIT as u64
        } else {
            scaled as u64
        };
        let hist = if v < 0.0 {
            &mut self.neg
        } else {
            &mut self.pos
        };
        if hist.record_n(scaled, n).is_err() {
            hist.saturating_record_n(scaled, n);
        }
    }

    /// Adds another digest's histograms (see [`TrendDigest::merge`]).
    fn absorb(&mut self, other: &Folded) {
        self.low_nonfinite += other.low_nonfinite;
        self.high_nonfinite += other.high_nonfinite;
        if other.scale == self.scale {
            for (mine, theirs) in [(&mut self.pos, &other.pos), (&mut self.neg, &other.neg)] {
                if mine.add(theirs).is_err() {
                    for it in theirs.iter_recorded() {
                        mine.saturating_record_n(it.value_iterated_to(), it.count_at_value());
                    }
                }
            }
            return;
        }
        for (theirs, sign) in [(&other.pos, 1.0), (&other.neg, -1.0)] {
            for it in theirs.iter_recorded() {
                let v =
                    sign * theirs.median_equivalent(it.value_iterated_to()) as f64 / other.scale;
                self.record_n(v, it.count_at_value());
            }
        }
    }

    /// Value at 0-based `rank` in ascending order of all recorded values.
    fn value_at_rank(&self, rank: u64) -> f64 {
        if rank < self.low_nonfinite {
            return f64::NEG_INFINITY;
        }
        let rank = rank - self.low_nonfinite;
        let neg_n = self.neg.len();
        if rank < neg_n {
            // Negatives ascend as their magnitudes descend.
            let m = magnitude_at_rank(&self.neg, neg_n - 1 - rank);
            return -(m / self.scale);
        }
        let rank = rank - neg_n;
        if rank < self.pos.len() {
            return magnitude_at_rank(&self.pos, rank) / self.scale;
        }
        f64::INFINITY
    }
}

fn magnitude_at_rank(h: &Histogram<u64>, rank: u64) -> f64 {
    let mut seen = 0u64;
    for it in h.iter_recorded() {
        seen += it.count_at_value();
        if seen > rank {
            return h.median_equivalent(it.value_iterated_to()) as f64;
        }
    }
    h.max() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// k6 v1.1.0's TrendSink.P, transcribed: sort, i = pct*(n-1), interpolate.
    fn k6_percentile(values: &[f64], pct: f64) -> f64 {
        match values.len() {
            0 => 0.0,
            1 => values[0],
            n => {
                let mut v = values.to_vec();
                v.sort_by(|a, b| a.partial_cmp(b).unwrap());
                let i = pct * (n as f64 - 1.0);
                let j = v[i.floor() as usize];
                let k = v[i.ceil() as usize];
                j + (k - j) * (i - i.floor())
            }
        }
    }

    const PCTS: [f64; 9] = [0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0];

    #[test]
    fn empty_and_single() {
        let mut t = TrendDigest::new();
        assert_eq!(
            (t.min(), t.max(), t.avg(), t.percentile(0.5)),
            (0.0, 0.0, 0.0, 0.0)
        );
        t.add(-3.5);
        assert_eq!((t.min(), t.max(), t.avg()), (-3.5, -3.5, -3.5));
        assert_eq!(t.percentile(0.9), -3.5);
    }

    #[test]
    fn exact_percentiles_match_k6_algorithm_on_random_data() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in [2usize, 3, 10, 97, 1000, EXACT_CAP] {
            let values: Vec<f64> = (0..n).map(|_| rng.random_range(-50.0..1000.0)).collect();
            let mut t = TrendDigest::new();
            for &v in &values {
                t.add(v);
            }
            assert!(t.is_exact());
            for p in PCTS {
                assert_eq!(t.percentile(p), k6_percentile(&values, p), "n={n} p={p}");
            }
        }
    }

    #[test]
    fn probe_values_confirmed_on_k6() {
        // confirmed on k6 v1.1.0: my_trend fed 1,2,3,4 gives med 2.5, p(90) 3.7,
        // p(95) 3.8499999999999996.
        let mut t = TrendDigest::new();
        for v in [3.0, 1.0, 4.0, 2.0] {
            t.add(v);
        }
        assert_eq!(t.percentile(0.5), 2.5);
        assert_eq!(t.percentile(0.9), 3.7);
        assert_eq!(t.percentile(0.95), 3.8499999999999996);
        assert_eq!(t.avg(), 2.5);
    }

    fn assert_within_1pct(t: &mut TrendDigest, values: &[f64], what: &str) {
        let span = values.iter().fold(0f64, |m, v| m.max(v.abs()));
        for p in PCTS {
            let want = k6_percentile(values, p);
            let got = t.percentile(p);
            let err = (got - want).abs();
            // Relative to the value; near zero (mixed signs) relative to the data's span.
            let tol = 0.01 * want.abs().max(span * 1e-6);
            assert!(err <= tol, "{what} p={p}: got {got}, want {want}");
        }
    }

    #[test]
    fn bounded_error_after_switch() {
        let mut rng = StdRng::seed_from_u64(42);
        let n = 200_000;
        // Latency-like: lognormal-ish spread over several orders of magnitude, in ms.
        let latency: Vec<f64> = (0..n)
            .map(|_| (rng.random_range(-3.0f64..4.0)).exp() * rng.random_range(0.5..1.5))
            .collect();
        let uniform: Vec<f64> = (0..n).map(|_| rng.random_range(0.001..0.002)).collect();
        let negative: Vec<f64> = (0..n).map(|_| -rng.random_range(1.0..5000.0)).collect();
        let mixed: Vec<f64> = (0..n).map(|_| rng.random_range(-1000.0..1000.0)).collect();
        for (name, values) in [
            ("latency", &latency),
            ("tiny", &uniform),
            ("negative", &negative),
            ("mixed", &mixed),
        ] {
            let mut t = TrendDigest::new();
            for &v in values.iter() {
                t.add(v);
            }
            assert!(!t.is_exact(), "{name} should have switched");
            assert_eq!(t.count(), n as u64);
            let sum: f64 = values.iter().sum();
            assert!((t.sum() - sum).abs() <= sum.abs() * 1e-9, "{name} sum");
            let min = values.iter().cloned().fold(f64::INFINITY, f64::min);
            let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!((t.min(), t.max()), (min, max), "{name} extremes exact");
            assert_within_1pct(&mut t, values, name);
        }
    }

    #[test]
    fn values_far_above_switch_range_stay_bounded() {
        let mut t = TrendDigest::new();
        let mut values = Vec::new();
        for i in 0..EXACT_CAP + 10 {
            let v = 1.0 + (i % 10) as f64;
            t.add(v);
            values.push(v);
        }
        for i in 0..5000 {
            let v = 1e9 + i as f64;
            t.add(v);
            values.push(v);
        }
        assert_within_1pct(&mut t, &values, "wide");
    }

    fn digest(values: &[f64]) -> TrendDigest {
        let mut t = TrendDigest::new();
        values.iter().for_each(|&v| t.add(v));
        t
    }

    /// Through a snapshot's JSON, as `rk6 merge` reads it.
    fn round_trip(t: &TrendDigest) -> TrendDigest {
        let json = serde_json::to_string(&t.to_state()).unwrap();
        TrendDigest::from_state(&serde_json::from_str(&json).unwrap()).unwrap()
    }

    #[test]
    fn merged_exact_digests_equal_one_fed_everything() {
        let mut rng = StdRng::seed_from_u64(3);
        let values: Vec<f64> = (0..3000).map(|_| rng.random_range(0.1..900.0)).collect();
        let mut merged = TrendDigest::new();
        for part in values.chunks(1000) {
            merged.merge(&round_trip(&digest(part)));
        }
        let mut whole = digest(&values);
        assert!(merged.is_exact());
        assert_eq!(merged.count(), whole.count());
        assert_eq!((merged.min(), merged.max()), (whole.min(), whole.max()));
        for p in PCTS {
            assert_eq!(merged.percentile(p), whole.percentile(p), "p={p}");
        }
    }

    #[test]
    fn merged_folded_digests_stay_within_the_error_bound() {
        let mut rng = StdRng::seed_from_u64(5);
        let values: Vec<f64> = (0..60_000)
            .map(|_| rng.random_range(-2.0f64..5.0).exp())
            .collect();
        // Three folded parts, one exact part that tips the merge over the cap, and a part
        // of much smaller values (another histogram scale).
        let tiny: Vec<f64> = (0..5000).map(|_| rng.random_range(1e-4..2e-4)).collect();
        let mut merged = TrendDigest::new();
        for part in values.chunks(19_000).chain([&tiny[..]]) {
            merged.merge(&round_trip(&digest(part)));
        }
        let all: Vec<f64> = values.iter().chain(&tiny).copied().collect();
        assert!(!merged.is_exact());
        assert_eq!(merged.count(), all.len() as u64);
        // The parts of one scale stay within the digest's 1% bound.
        let mut folded = TrendDigest::new();
        for part in values.chunks(19_000) {
            folded.merge(&round_trip(&digest(part)));
        }
        assert_within_1pct(&mut folded, &values, "merged");
        // Values far below the scale chosen so far lose resolution in a merge as they do in one
        // digest that saw them last.
        let mut single = TrendDigest::new();
        all.iter().for_each(|&v| single.add(v));
        for p in PCTS {
            let want = k6_percentile(&all, p);
            let (m, s) = (merged.percentile(p), single.percentile(p));
            // A value is recorded as a whole number of the scale's units: far below the scale,
            // the absolute error is bounded by one unit (1/8192 ms for millisecond latencies).
            let unit = 1.0 / merged.hist.as_ref().map_or(f64::INFINITY, |h| h.scale);
            let bound = (s - want).abs().max(0.01 * want.abs()).max(unit);
            assert!(
                (m - want).abs() <= bound,
                "p={p}: merged {m}, single run {s}, exact {want}"
            );
        }
    }

    #[test]
    fn same_scale_histograms_merge_exactly() {
        let mut rng = StdRng::seed_from_u64(9);
        let values: Vec<f64> = (0..20_000).map(|_| rng.random_range(1.0..2.0)).collect();
        let (a, b) = values.split_at(10_000);
        let mut merged = round_trip(&digest(a));
        let other = round_trip(&digest(b));
        assert_eq!(
            merged.hist.as_ref().unwrap().scale,
            other.hist.as_ref().unwrap().scale
        );
        merged.merge(&other);
        // Same buckets as one digest that saw every value at that scale.
        let mut whole = digest(a);
        b.iter().for_each(|&v| whole.add(v));
        for p in PCTS {
            assert_eq!(merged.percentile(p), whole.percentile(p), "p={p}");
        }
    }

    #[test]
    fn a_state_that_does_not_add_up_is_refused() {
        let mut state = digest(&[1.0, 2.0]).to_state();
        state.count = 3;
        assert!(TrendDigest::from_state(&state).is_err());
    }

    #[test]
    fn memory_stays_bounded() {
        let mut t = TrendDigest::new();
        for i in 0..1_000_000u64 {
            t.add((i % 5000) as f64 * 0.37);
        }
        assert!(t.exact.capacity() == 0);
        let h = t.hist.as_ref().unwrap();
        // Counts arrays only, independent of the number of samples.
        assert!(h.pos.distinct_values() < 5000);
    }
}
