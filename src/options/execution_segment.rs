//! Execution segments, a port of k6 v1.1.0's `lib/execution_segment.go`: how one instance of a
//! test split over N instances (`--execution-segment 1/3:2/3` with
//! `--execution-segment-sequence 0,1/3,2/3,1`) computes its own share of every VU count,
//! iteration count and arrival, without talking to the others.
//!
//! The arithmetic is k6's, step for step (rationals, the lowest common denominator, the
//! striping that deals out elements of each LCD-sized cycle to the segments, biggest first), so
//! that an rk6 instance takes exactly the VUs, iterations and iteration numbers a k6 instance
//! with the same segment would take: rk6 and k6 instances can share one test.

use std::fmt;
use std::sync::Arc;

use num_rational::Ratio;

/// A rational number; k6 uses Go's `big.Rat`, rk6 128-bit fractions (denominators beyond 64
/// bits are refused, as k6's sequence arithmetic works in `int64` anyway).
pub type Rat = Ratio<i128>;

fn rat(n: i128, d: i128) -> Rat {
    Rat::new(n, d)
}

/// Go's `Rat.RatString`: `a/b`, or `a` for whole numbers.
/// `1/3`, `0`, `1`: how k6 prints a segment's bounds.
pub fn rat_string(r: &Rat) -> String {
    if *r.denom() == 1 {
        r.numer().to_string()
    } else {
        format!("{}/{}", r.numer(), r.denom())
    }
}

/// Go's `Rat.FloatString(2)`: two decimals, rounded half away from zero.
fn float_string2(r: &Rat) -> String {
    let scaled = r * Rat::from_integer(100);
    let rounded = scaled.round().to_integer();
    let sign = if rounded < 0 { "-" } else { "" };
    let abs = rounded.abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Go's `big.Rat.SetString` for the forms k6's users write: `a/b`, decimals (`0.25`, `.5`,
/// `-1`) and exponents (`25e-2`).
fn parse_go_rat(s: &str) -> Option<Rat> {
    if let Some((n, d)) = s.split_once('/') {
        let n: i128 = n.parse().ok()?;
        if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d: i128 = d.parse().ok()?;
        return (d != 0).then(|| rat(n, d));
    }
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (negative, digits) = match mantissa.as_bytes().first() {
        Some(b'-') => (true, &mantissa[1..]),
        Some(b'+') => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut n: i128 = format!("{int}{frac}").parse().ok()?;
    if negative {
        n = -n;
    }
    let exp = exp.checked_sub(i32::try_from(frac.len()).ok()?)?;
    let pow = 10i128.checked_pow(exp.unsigned_abs())?;
    Some(if exp >= 0 {
        Rat::from_integer(n.checked_mul(pow)?)
    } else {
        rat(n, pow)
    })
}

/// k6's `stringToRat`: percentages (whole numbers only), decimals and fractions.
fn string_to_rat(s: &str) -> Result<Rat, String> {
    if let Some(pct) = s.strip_suffix('%') {
        return pct
            .parse::<i128>()
            .map(|n| rat(n, 100))
            .map_err(|_| format!("'{s}' is not a valid percentage"));
    }
    parse_go_rat(s).ok_or_else(|| {
        format!("'{s}' is not a valid percentage, decimal, fraction or interval value")
    })
}

/// A `(from, to]` share of the whole test, `0 <= from < to <= 1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionSegment {
    from: Rat,
    to: Rat,
}

impl ExecutionSegment {
    /// k6's `NewExecutionSegment`, with its validation messages.
    pub fn new(from: Rat, to: Rat) -> Result<ExecutionSegment, String> {
        if from < Rat::from_integer(0) {
            return Err(format!(
                "segment start value must be at least 0 but was {}",
                float_string2(&from)
            ));
        }
        if from >= to {
            return Err(format!(
                "segment start({}) must be less than its end({})",
                float_string2(&from),
                float_string2(&to)
            ));
        }
        if to > Rat::from_integer(1) {
            return Err(format!(
                "segment end value can't be more than 1 but was {}",
                float_string2(&to)
            ));
        }
        Ok(ExecutionSegment { from, to })
    }

    pub fn full() -> ExecutionSegment {
        ExecutionSegment {
            from: Rat::from_integer(0),
            to: Rat::from_integer(1),
        }
    }

    /// k6's `NewExecutionSegmentFromString`: `from:to`, or just `to` for `0:to`; empty is
    /// the whole test.
    pub fn parse(s: &str) -> Result<ExecutionSegment, String> {
        let s = if s.is_empty() { "1" } else { s };
        let (from, to) = match s.split_once(':') {
            Some((from, to)) => (string_to_rat(from)?, to),
            None => (Rat::from_integer(0), s),
        };
        ExecutionSegment::new(from, string_to_rat(to)?)
    }

    pub fn from(&self) -> Rat {
        self.from
    }

    pub fn to(&self) -> Rat {
        self.to
    }

    pub fn length(&self) -> Rat {
        self.to - self.from
    }

    /// The share as a float (k6's `FloatLength`, the banner's percentage).
    pub fn float_length(&self) -> f64 {
        let l = self.length();
        *l.numer() as f64 / *l.denom() as f64
    }

    pub fn is_full(&self) -> bool {
        *self == ExecutionSegment::full()
    }

    /// k6's `ExecutionSegment.Scale`: `round(value·to − round(value·from))`, rounding halves up.
    pub fn scale(&self, value: i64) -> i64 {
        let round_up = |r: Rat| -> i128 {
            let q = r.numer().div_euclid(*r.denom());
            let rem = r.numer().rem_euclid(*r.denom());
            if rem * 2 >= *r.denom() { q + 1 } else { q }
        };
        let v = Rat::from_integer(value as i128);
        let from = round_up(v * self.from);
        round_up(v * self.to - Rat::from_integer(from)) as i64
    }

    /// k6's `Split`: `n` equal consecutive sub-segments.
    pub fn split(&self, n: i64) -> Result<Vec<ExecutionSegment>, String> {
        if n < 1 {
            return Err(format!(
                "the number of parts must be at least 1, {n} received"
            ));
        }
        let step = self.length() / Rat::from_integer(n as i128);
        let mut from = self.from;
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let to = from + step;
            out.push(ExecutionSegment::new(from, to)?);
            from = to;
        }
        Ok(out)
    }

    /// k6's `SubSegment`: `child` taken as a share of this segment.
    pub fn sub_segment(&self, child: &ExecutionSegment) -> ExecutionSegment {
        let from = self.from + self.length() * child.from;
        ExecutionSegment {
            from,
            to: from + self.length() * child.length(),
        }
    }
}

impl fmt::Display for ExecutionSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", rat_string(&self.from), rat_string(&self.to))
    }
}

/// Consecutive segments without gaps (`0,1/3,2/3,1`), possibly not covering all of 0..1.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ExecutionSegmentSequence(pub Vec<ExecutionSegment>);

impl ExecutionSegmentSequence {
    /// k6's `NewExecutionSegmentSequenceFromString`; empty is no sequence.
    pub fn parse(s: &str) -> Result<ExecutionSegmentSequence, String> {
        if s.is_empty() {
            return Ok(ExecutionSegmentSequence::default());
        }
        let points: Vec<&str> = s.split(',').collect();
        if points.len() < 2 {
            return Err(format!(
                "at least 2 points are needed for an execution segment sequence, {} given",
                points.len()
            ));
        }
        let mut start = string_to_rat(points[0])?;
        let mut segments = Vec::with_capacity(points.len() - 1);
        for p in &points[1..] {
            let to = string_to_rat(p)?;
            segments.push(ExecutionSegment::new(start, to)?);
            start = to;
        }
        Ok(ExecutionSegmentSequence(segments))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// k6's `LCD`: the lowest common denominator of the segments' lengths.
    pub fn lcd(&self) -> Result<i64, String> {
        let denom = |s: &ExecutionSegment| {
            i64::try_from(*s.length().denom())
                .map_err(|_| format!("execution segment {s} has too fine a denominator"))
        };
        let mut acc = denom(&self.0[0])?;
        for s in &self.0[1..] {
            let n = denom(s)?;
            if acc == n || acc % n == 0 {
                continue;
            }
            acc = acc
                .checked_mul(n / gcd(acc, n))
                .ok_or_else(|| format!("execution segment sequence {self} is too fine-grained"))?;
        }
        Ok(acc)
    }

    fn is_full(&self) -> bool {
        match (self.0.first(), self.0.last()) {
            (Some(first), Some(last)) => {
                first.from == Rat::from_integer(0) && last.to == Rat::from_integer(1)
            }
            _ => false,
        }
    }

    /// k6's `GetFilledExecutionSegmentSequence`: the sequence (or the lone segment) with the
    /// gaps before and after it filled, so that it covers 0..1.
    fn filled(
        sequence: &ExecutionSegmentSequence,
        fallback: Option<&ExecutionSegment>,
    ) -> ExecutionSegmentSequence {
        let mut result = if sequence.is_empty() {
            match fallback {
                Some(seg) if seg.length() != Rat::from_integer(1) => vec![seg.clone()],
                _ => return ExecutionSegmentSequence(vec![ExecutionSegment::full()]),
            }
        } else {
            sequence.0.clone()
        };
        let zero = Rat::from_integer(0);
        let one = Rat::from_integer(1);
        if result[0].from != zero {
            result.insert(
                0,
                ExecutionSegment {
                    from: zero,
                    to: result[0].from,
                },
            );
        }
        if let Some(last) = result.last()
            && last.to != one
        {
            let from = last.to;
            result.push(ExecutionSegment { from, to: one });
        }
        ExecutionSegmentSequence(result)
    }

    /// k6's `FindSegmentPosition`.
    fn position(&self, segment: &ExecutionSegment) -> Result<usize, String> {
        let index = self.0.partition_point(|s| s.from < segment.from);
        match self.0.get(index) {
            Some(s) if s == segment => Ok(index),
            _ => Err(format!(
                "couldn't find segment {segment} in sequence {self}"
            )),
        }
    }
}

impl fmt::Display for ExecutionSegmentSequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::with_capacity(self.0.len() + 1);
        for (i, s) in self.0.iter().enumerate() {
            if i == 0 {
                parts.push(rat_string(&s.from));
            }
            parts.push(rat_string(&s.to));
        }
        f.write_str(&parts.join(","))
    }
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// k6's `ExecutionSegmentSequenceWrapper`: a full sequence with its LCD and, per segment, the
/// striped offsets (`[start, d1, d2, …]`: the first element of each LCD-sized cycle that
/// belongs to the segment, then the distances to the next ones, wrapping into the next cycle).
#[derive(Debug, PartialEq, Eq)]
struct SequenceWrapper {
    sequence: ExecutionSegmentSequence,
    lcd: i64,
    offsets: Vec<Vec<i64>>,
}

impl SequenceWrapper {
    fn new(sequence: ExecutionSegmentSequence) -> Result<SequenceWrapper, String> {
        debug_assert!(sequence.is_full());
        let lcd = sequence.lcd()?;
        let len = sequence.0.len();
        // (normalised numerator, index), biggest segments first; a stable sort as k6's.
        let mut sorted: Vec<(i64, usize)> = sequence
            .0
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let l = s.length();
                ((*l.numer() as i64) * (lcd / *l.denom() as i64), i)
            })
            .collect();
        sorted.sort_by_key(|&(num, _)| std::cmp::Reverse(num));
        let mut offsets: Vec<Vec<i64>> = sorted.iter().map(|_| Vec::new()).collect::<Vec<_>>();
        for &(num, i) in &sorted {
            offsets[i].reserve(num as usize + 1);
        }
        let mut prev = vec![0i64; len];
        let mut chosen = vec![0i64; len];
        for i in 0..lcd {
            for (sorted_index, count) in chosen.iter_mut().enumerate() {
                let num = *count * lcd;
                let (denom, original) = sorted[sorted_index];
                if i > num / denom || (i == num / denom && num % denom == 0) {
                    *count += 1;
                    let o = &mut offsets[original];
                    o.push(i - prev[original]);
                    prev[original] = i;
                    if o.len() as i64 == denom {
                        let wrap = o[0] + lcd - i;
                        o.push(wrap);
                    }
                    break;
                }
            }
        }
        Ok(SequenceWrapper {
            sequence,
            lcd,
            offsets,
        })
    }

    /// k6's `ScaleInt64` for segment `index`.
    fn scale(&self, index: usize, value: i64) -> i64 {
        let start = self.offsets[index][0];
        let offsets = &self.offsets[index][1..];
        let mut result = (value / self.lcd) * offsets.len() as i64;
        let (mut gi, mut i) = (0usize, start);
        while i < value % self.lcd {
            result += 1;
            i += offsets[gi];
            gi += 1;
        }
        result
    }

    /// k6's `GetNewExecutionSegmentSequenceFromValue`: the sequence re-cut so that every
    /// segment's length is its share of `value`, dropping empty ones; with the new position of
    /// segment `tracked`.
    fn from_value(
        self: &Arc<Self>,
        value: i64,
        tracked: usize,
    ) -> Result<(Arc<SequenceWrapper>, usize), String> {
        if value < 1 {
            return Err(format!("cannot generate new sequence for value {value}"));
        }
        if value % self.lcd == 0 {
            return Ok((self.clone(), tracked));
        }
        let mut new_index = None;
        let mut segments = Vec::with_capacity(self.sequence.0.len());
        let mut prev = 0i64;
        for i in 0..self.sequence.0.len() {
            let share = self.scale(i, value);
            if share == 0 {
                continue;
            }
            let from = rat(prev as i128, value as i128);
            prev += share;
            if i == tracked {
                new_index = Some(segments.len());
            }
            segments.push(ExecutionSegment {
                from,
                to: rat(prev as i128, value as i128),
            });
        }
        let Some(index) = new_index else {
            return Err(format!(
                "segment {tracked} ({}) isn't present in the new sequence",
                self.sequence.0[tracked]
            ));
        };
        Ok((
            Arc::new(SequenceWrapper::new(ExecutionSegmentSequence(segments))?),
            index,
        ))
    }
}

/// A segment within its (filled) sequence: what an instance needs to compute its share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionTuple {
    sequence: Arc<SequenceWrapper>,
    index: usize,
}

impl Default for ExecutionTuple {
    fn default() -> Self {
        ExecutionTuple::full()
    }
}

impl ExecutionTuple {
    /// The whole test on one instance.
    pub fn full() -> ExecutionTuple {
        ExecutionTuple {
            sequence: Arc::new(SequenceWrapper {
                sequence: ExecutionSegmentSequence(vec![ExecutionSegment::full()]),
                lcd: 1,
                offsets: vec![vec![0, 1]],
            }),
            index: 0,
        }
    }

    /// k6's `NewExecutionTuple`: the segment (the whole test when `None`) in the sequence
    /// (just the segment and the gaps around it when empty).
    pub fn new(
        segment: Option<&ExecutionSegment>,
        sequence: &ExecutionSegmentSequence,
    ) -> Result<ExecutionTuple, String> {
        let filled = ExecutionSegmentSequence::filled(sequence, segment);
        let full = ExecutionSegment::full();
        let index = filled.position(segment.unwrap_or(&full))?;
        Ok(ExecutionTuple {
            sequence: Arc::new(SequenceWrapper::new(filled)?),
            index,
        })
    }

    pub fn segment(&self) -> &ExecutionSegment {
        &self.sequence.sequence.0[self.index]
    }

    /// The filled sequence, as k6 prints it (`0,1/3,2/3,1`).
    pub fn sequence(&self) -> &ExecutionSegmentSequence {
        &self.sequence.sequence
    }

    /// This instance runs the whole test.
    pub fn is_full(&self) -> bool {
        self.sequence.sequence.0.len() == 1
    }

    /// k6's `ExecutionTuple.ScaleInt64`: this segment's share of `value`. The shares of all
    /// segments add up to `value`, and grow with it.
    pub fn scale(&self, value: u64) -> u64 {
        if self.is_full() {
            return value;
        }
        self.sequence.scale(self.index, value as i64).max(0) as u64
    }

    /// k6's `GetNewExecutionTupleFromValue`: the tuple of the sequence re-cut by `value`
    /// (shared-iterations by its VUs, arrival rates by their `maxVUs`); an error when this
    /// segment's share of `value` is empty.
    pub fn for_value(&self, value: u64) -> Result<ExecutionTuple, String> {
        let value = i64::try_from(value).map_err(|_| format!("value {value} is too large"))?;
        let (sequence, index) = self.sequence.from_value(value, self.index)?;
        Ok(ExecutionTuple { sequence, index })
    }

    /// Which elements of the whole test (VUs, iterations, arrivals) are this segment's.
    pub fn stripe(&self) -> Stripe {
        Stripe::new(&self.sequence.offsets[self.index], self.sequence.lcd)
    }
}

/// k6's striped offsets of one segment as a lookup: the n-th element of this segment is the
/// `nth(n)`-th element of the whole test (both from 0). k6's `SegmentedIndex` walks the same
/// numbers one step at a time; `nth` gets any of them at once, without a lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stripe {
    start: i64,
    /// Distance from the first element of a cycle to each of its elements.
    within_cycle: Vec<i64>,
    lcd: i64,
}

impl Default for Stripe {
    fn default() -> Self {
        Stripe::full()
    }
}

impl Stripe {
    fn new(offsets: &[i64], lcd: i64) -> Stripe {
        let mut within_cycle = Vec::with_capacity(offsets.len().saturating_sub(1));
        let mut at = 0i64;
        for d in &offsets[1..] {
            within_cycle.push(at);
            at += d;
        }
        Stripe {
            start: offsets[0],
            within_cycle,
            lcd,
        }
    }

    /// The whole test: every element is this instance's.
    pub fn full() -> Stripe {
        Stripe {
            start: 0,
            within_cycle: vec![0],
            lcd: 1,
        }
    }

    /// k6's `GetStripedOffsets`: `(start, offsets, lcd)`.
    pub fn offsets(&self) -> (i64, Vec<i64>, i64) {
        let n = self.within_cycle.len();
        let offsets = (0..n)
            .map(|i| {
                let next = self.within_cycle.get(i + 1).copied().unwrap_or(self.lcd);
                next - self.within_cycle[i]
            })
            .collect();
        (self.start, offsets, self.lcd)
    }

    /// Every element is this segment's.
    pub fn is_full(&self) -> bool {
        self.lcd == 1
    }

    /// The whole test's index of this segment's `n`-th element.
    pub fn nth(&self, n: u64) -> u64 {
        let per_cycle = self.within_cycle.len() as u64;
        let cycle = n / per_cycle;
        let r = (n % per_cycle) as usize;
        cycle * self.lcd as u64 + self.start as u64 + self.within_cycle[r] as u64
    }

    /// Whether the whole test's element `global` is this segment's.
    pub fn contains(&self, global: u64) -> bool {
        let pos = global as i64 % self.lcd - self.start;
        let pos = if pos < 0 { pos + self.lcd } else { pos };
        // Elements of a cycle are at start + within_cycle (mod lcd).
        self.within_cycle.binary_search(&pos).is_ok()
    }
}

/// k6's `SegmentedIndex`: walks a segment's elements, giving each one's number in this
/// instance (`scaled`) and in the whole test (`unscaled`), both from 1.
#[derive(Clone, Debug)]
pub struct SegmentedIndex {
    start: i64,
    offsets: Vec<i64>,
    lcd: i64,
    pub scaled: i64,
    pub unscaled: i64,
}

impl SegmentedIndex {
    pub fn new(stripe: &Stripe) -> SegmentedIndex {
        let (start, offsets, lcd) = stripe.offsets();
        SegmentedIndex {
            start,
            offsets,
            lcd,
            scaled: 0,
            unscaled: 0,
        }
    }

    // k6's SegmentedIndex.Next: it never ends, so it is not an Iterator.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> (i64, i64) {
        if self.scaled == 0 {
            self.unscaled += self.start + 1;
        } else {
            self.unscaled += self.offsets[(self.scaled - 1) as usize % self.offsets.len()];
        }
        self.scaled += 1;
        (self.scaled, self.unscaled)
    }

    pub fn prev(&mut self) -> (i64, i64) {
        if self.scaled == 1 {
            self.unscaled -= self.start + 1;
        } else {
            self.unscaled -= self.offsets[(self.scaled - 2) as usize % self.offsets.len()];
        }
        self.scaled -= 1;
        (self.scaled, self.unscaled)
    }

    /// The biggest scaled index whose unscaled index is at most `value`.
    pub fn go_to(&mut self, value: i64) -> (i64, i64) {
        let whole_cycles = value / self.lcd;
        self.scaled = whole_cycles * self.offsets.len() as i64;
        self.unscaled = whole_cycles * self.lcd + self.start + 1;
        let mut gi = 0usize;
        let mut i = self.start;
        while i < value % self.lcd {
            self.scaled += 1;
            self.unscaled += self.offsets[gi];
            i += self.offsets[gi];
            gi += 1;
        }
        if gi > 0 {
            self.unscaled -= self.offsets[gi - 1];
        } else if self.scaled > 0 {
            self.unscaled -= self.offsets[self.offsets.len() - 1];
        }
        if self.scaled == 0 {
            self.unscaled = 0;
        }
        (self.scaled, self.unscaled)
    }
}

#[cfg(test)]
mod tests;
