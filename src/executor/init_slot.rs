//! Turns to initialise a VU, each with a warm stack to do it on.
//!
//! At most one VU per core builds its context and runs the init code at a time, as k6
//! initialises VUs with `GOMAXPROCS` workers (`initVUsConcurrently`). Every VU still gets its
//! thread at once; the others wait for a slot instead of time-slicing against each other on
//! the same cores, where they only evicted each other's caches and contended for the
//! allocator's arenas.
//!
//! Initialisation (realm set-up, parser, bytecode compiler) is the deepest a VU's native stack
//! ever goes, and on a new thread every page of it is fresh: the kernel faults in and zeroes
//! each one. Boa's parser and compiler also ask for 16 MiB of headroom, more than a VU thread
//! has, so each of them mapped a stack segment of its own and unmapped it on return: two
//! segments of fresh pages per VU, plus `mmap`/`mprotect`/`munmap` each time
//! (bench/PROFILE.md, round 5: about a third of rk6's page faults at start-up). Each slot
//! instead owns one stack, large enough that the parser and compiler never switch again,
//! and the VU holding the slot initialises on it: the pages the previous VU touched are
//! already there. A VU's context holds nothing on that stack once initialisation returns,
//! so the next VU can reuse it.

use parking_lot::{Condvar, Mutex};

/// The size of a slot's stack: as much as Boa gives the parser and compiler when it switches
/// stacks itself (`COMPILER_SEGMENT` in vendor/boa_engine's `vm/native_stack.rs`), so a
/// deeply nested script gets the same room as before. Only touched pages use memory.
const INIT_STACK: usize = 256 * 1024 * 1024;

/// What a slot's stack keeps touched between two VUs: more than an ordinary script's init
/// needs (~100-200 KB), so the next VU faults nothing in; below it, one unusually deep init
/// (a deeply nested script) does not keep its pages for the rest of the run.
const INIT_STACK_KEEP: usize = 1024 * 1024;

struct InitSlots {
    /// Slots not in use: `None` is a slot whose stack is not allocated yet.
    free: Mutex<Vec<Option<stacker::Stack>>>,
    freed: Condvar,
}

static INIT_SLOTS: std::sync::LazyLock<InitSlots> = std::sync::LazyLock::new(|| {
    let n = std::thread::available_parallelism().map_or(2, |n| n.get());
    InitSlots {
        free: Mutex::new((0..n).map(|_| None).collect()),
        freed: Condvar::new(),
    }
});

/// A VU's turn to initialise; the slot is freed when it is dropped.
pub struct InitSlot {
    /// `Some` until the slot goes back.
    stack: Option<stacker::Stack>,
}

impl InitSlot {
    /// Waits for a free slot.
    pub fn acquire() -> InitSlot {
        let mut free = INIT_SLOTS.free.lock();
        loop {
            if let Some(stack) = free.pop() {
                return InitSlot {
                    stack: Some(stack.unwrap_or_else(|| stacker::Stack::new(INIT_STACK))),
                };
            }
            INIT_SLOTS.freed.wait(&mut free);
        }
    }

    /// Runs `f` (the VU's initialisation) on the slot's stack.
    pub fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        match &mut self.stack {
            Some(stack) => stack.run(f),
            None => f(),
        }
    }
}

impl Drop for InitSlot {
    fn drop(&mut self) {
        if let Some(stack) = &mut self.stack {
            stack.release_below(INIT_STACK_KEEP);
        }
        INIT_SLOTS.free.lock().push(self.stack.take());
        INIT_SLOTS.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The address of a local in the running frame: which stack the code runs on.
    #[inline(never)]
    fn frame_address() -> usize {
        let x = 0u8;
        std::hint::black_box(&x) as *const u8 as usize
    }

    #[test]
    fn initialisations_run_on_reused_stacks_with_the_parsers_headroom() {
        let slots = INIT_SLOTS.free.lock().len().max(1);
        let addresses = Arc::new(Mutex::new(std::collections::HashSet::new()));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4 * slots)
            .map(|_| {
                let (addresses, running, most) = (addresses.clone(), running.clone(), most.clone());
                std::thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn(move || {
                        let own = frame_address();
                        let mut slot = InitSlot::acquire();
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        let (on_slot, left) =
                            slot.run(|| (frame_address(), stacker::remaining_stack()));
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        running.fetch_sub(1, Ordering::SeqCst);
                        drop(slot);
                        // Not the thread's own (256 KiB) stack, and more than the 16 MiB Boa's
                        // parser wants, so it does not switch stacks again.
                        assert!(own.abs_diff(on_slot) > 1024 * 1024);
                        assert!(left.is_some_and(|l| l > 16 * 1024 * 1024), "{left:?}");
                        addresses.lock().insert(on_slot);
                    })
                    .unwrap()
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // Other tests may hold slots meanwhile, never more than there are.
        assert!(most.load(Ordering::SeqCst) <= slots);
        // 4 rounds per slot ran on at most one stack per slot: the same memory, reused.
        let distinct = addresses.lock().len();
        assert!(distinct <= slots, "{distinct} stacks for {slots} slots");
    }
}
