//! When a VU collects its JS garbage.
//!
//! Boa collects a thread's heap when its own GC allocations pass 1 MB (`boa_gc`, not
//! configurable in 0.22), and counts only the size of each GC box: a Response object is
//! ~0.2 KB there but holds its body, headers and request outside it. Left to Boa, each VU kept
//! ~1000 dead responses between collections, tens of MB across 50 VUs, rising and falling out
//! of step, so a longer test saw a higher peak (bench/PROFILE.md). Native objects that hold
//! memory outside the GC heap therefore count their bytes here ([`note_native_bytes`]), and
//! the VU collects at the end of an iteration once they pass [`NATIVE_GC_BUDGET`].

use std::time::{Duration, Instant};

use boa_engine::Context;

use super::runtime::VuRef;

/// Native bytes a VU's objects may have made since its last collection before the next
/// iteration end collects. Chosen by measurement (50 VUs × GET + check against nginx, ~1 KB
/// counted per request; bench/PROFILE.md): 64 KB held 60 MB peak RSS but cost 3.5% more
/// instructions per request, 128 KB 69 MB at +1.4%, 256 KB 87–90 MB at +0.7%; without it,
/// 177 MB after 50k requests and 200+ MB after 500k. A collection marks the VU's whole live
/// heap (~0.3 MB of realm and script objects: ~60 µs), so collecting much more often costs
/// CPU for little memory.
pub const NATIVE_GC_BUDGET: usize = 128 * 1024;

/// A VU whose objects hold at least [`AGED_BYTES`] and that has not collected for
/// [`MAX_GARBAGE_AGE`] collects too: a VU that mostly sleeps (1000 VUs doing GET + sleep(1))
/// takes minutes to reach the budget, and its garbage would wait for Boa's own 1 MB trigger.
/// At most one such collection per VU every 10 s: ~0.6% of a core for 1000 VUs.
const MAX_GARBAGE_AGE: Duration = Duration::from_secs(10);
const AGED_BYTES: usize = 4 * 1024;

/// A collection waits until the VU has run at least this many times as long as the last
/// collection took, so a VU with a large live heap (a big data set parsed at init) spends at
/// most ~2% of its time collecting and lets its garbage grow instead.
const GC_TIME_RATIO: u32 = 50;

/// Counts the native bytes (outside Boa's GC heap) that objects made by a VU hold, so the VU
/// can collect its garbage when they add up. An estimate: objects still alive are counted
/// too, and a collection Boa runs on its own does not reset it, so at worst a VU collects
/// somewhat early.
#[derive(Debug)]
pub struct NativeBytes {
    since_collection: usize,
    budget: usize,
    last_end: Instant,
    last_cost: Duration,
}

impl Default for NativeBytes {
    fn default() -> Self {
        NativeBytes::with_budget(NATIVE_GC_BUDGET)
    }
}

impl NativeBytes {
    pub fn with_budget(budget: usize) -> NativeBytes {
        NativeBytes {
            since_collection: 0,
            budget,
            last_end: Instant::now(),
            last_cost: Duration::ZERO,
        }
    }

    /// A JS object holding `bytes` of native memory was made.
    pub fn add(&mut self, bytes: usize) {
        self.since_collection = self.since_collection.saturating_add(bytes);
    }

    pub fn since_collection(&self) -> usize {
        self.since_collection
    }

    /// Whether the VU should collect its garbage at this iteration end: past the budget,
    /// and long enough after the last collection for its cost.
    pub fn collection_due(&self, now: Instant) -> bool {
        let since = now.saturating_duration_since(self.last_end);
        let garbage = self.since_collection >= self.budget
            || (self.since_collection >= AGED_BYTES && since >= MAX_GARBAGE_AGE);
        garbage && since >= self.last_cost * GC_TIME_RATIO
    }

    /// A collection ran from `start` to `end`: the count starts again.
    pub fn collected(&mut self, start: Instant, end: Instant) {
        self.since_collection = 0;
        self.last_cost = end.saturating_duration_since(start);
        self.last_end = end;
    }
}

/// Notes that a JS object made on this context's VU holds `bytes` of native memory.
pub fn note_native_bytes(ctx: &Context, bytes: usize) {
    // Never borrowed across a call into JS, but a missed count is better than a panic.
    if let Some(Ok(mut vu)) = ctx.get_data::<VuRef>().map(|v| v.try_borrow_mut()) {
        vu.native.add(bytes);
    }
}

/// Called at an iteration end, the one regular point where no native call holds a borrow of
/// a GC object: collects the VU's garbage when [`NativeBytes::collection_due`].
pub fn collect_if_due(vu: &VuRef) {
    let start = {
        let st = vu.borrow();
        // The clock is read only once garbage may be due: most iteration ends cost one
        // comparison.
        if st.native.since_collection < st.native.budget.min(AGED_BYTES) {
            return;
        }
        let now = Instant::now();
        if !st.native.collection_due(now) {
            return;
        }
        now
    };
    // No borrow of the VU state is held while objects are finalised and dropped.
    boa_gc::force_collect();
    vu.borrow_mut().native.collected(start, Instant::now());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collection_is_due_past_the_budget_and_the_count_starts_again() {
        let t0 = Instant::now();
        let mut n = NativeBytes::with_budget(1000);
        assert!(!n.collection_due(t0), "nothing counted yet");
        n.add(600);
        assert!(!n.collection_due(t0), "under the budget");
        n.add(400);
        assert!(n.collection_due(t0), "at the budget");
        n.collected(t0, t0);
        assert_eq!(n.since_collection(), 0);
        assert!(!n.collection_due(t0), "a collection starts the count again");
        n.add(usize::MAX);
        n.add(10);
        assert!(n.collection_due(t0), "saturates instead of wrapping");
    }

    #[test]
    fn garbage_left_for_long_is_collected_under_the_budget() {
        let t0 = Instant::now();
        let mut n = NativeBytes::with_budget(1 << 20);
        n.collected(t0, t0);
        n.add(AGED_BYTES);
        assert!(
            !n.collection_due(t0 + MAX_GARBAGE_AGE / 2),
            "not old enough"
        );
        assert!(n.collection_due(t0 + MAX_GARBAGE_AGE), "old enough");
        let mut little = NativeBytes::with_budget(1 << 20);
        little.collected(t0, t0);
        little.add(AGED_BYTES - 1);
        assert!(
            !little.collection_due(t0 + MAX_GARBAGE_AGE * 10),
            "too little to be worth a collection"
        );
    }

    #[test]
    fn a_costly_collection_spaces_out_the_next_one() {
        let t0 = Instant::now();
        let mut n = NativeBytes::with_budget(1000);
        // The last collection took 10 ms: the next one waits GC_TIME_RATIO × 10 ms.
        let end = t0 + Duration::from_millis(10);
        n.collected(t0, end);
        n.add(5000);
        assert!(!n.collection_due(end + Duration::from_millis(100)));
        assert!(n.collection_due(end + Duration::from_millis(10) * GC_TIME_RATIO));
    }
}
