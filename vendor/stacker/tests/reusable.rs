//! `Stack`: one stack allocated once and reused by many runs.

extern crate stacker;

use stacker::Stack;

const SIZE: usize = 8 * 1024 * 1024;

/// The address of a local of the running frame (where on which stack the code runs).
#[inline(never)]
fn frame_address() -> usize {
    let x = 0u8;
    std::hint::black_box(&x) as *const u8 as usize
}

/// Recursion `n` levels deep, 4 KiB of stack per level: returns `n`.
#[inline(never)]
fn recurse(n: usize) -> usize {
    let x = [1u8; 4096];
    if n == 0 {
        0
    } else {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || recurse(n - 1))
            + std::hint::black_box(&x)[n % 4096] as usize
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn runs_see_the_stack_bounds_and_reuse_the_same_memory() {
    let mut stack = Stack::new(SIZE);
    let outside = stacker::remaining_stack();
    let first = stack.run(|| (frame_address(), stacker::remaining_stack()));
    let second = stack.run(|| (frame_address(), stacker::remaining_stack()));
    if cfg!(any(windows, target_arch = "wasm32")) {
        return;
    }
    // The same frame at the same address: the second run used the first one's memory.
    assert_eq!(first.0, second.0);
    // Bounded by this stack's size, not the thread's.
    let left = first.1.expect("known bounds");
    assert!(left > SIZE - 64 * 1024 && left <= SIZE + 4096, "{left}");
    // The thread's own bounds are back after a run.
    assert_eq!(outside.is_some(), stacker::remaining_stack().is_some());
    let after = stacker::remaining_stack().unwrap();
    let before = outside.unwrap();
    assert!(before.abs_diff(after) < 64 * 1024, "{before} {after}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn deep_recursion_and_growth_inside_a_run() {
    let mut stack = Stack::new(256 * 1024);
    // 2000 levels of 4 KiB: far deeper than the stack, continued on grown segments.
    assert_eq!(stack.run(|| recurse(2000)), 2000);
    assert_eq!(stack.run(|| recurse(10)), 10);
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_panic_unwinds_to_the_caller_and_the_stack_stays_usable() {
    let mut stack = Stack::new(SIZE);
    let before = stacker::remaining_stack();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        stack.run(|| -> u8 { panic!("inside") })
    }));
    let message = caught.expect_err("the panic reaches the caller");
    assert_eq!(message.downcast_ref::<&str>(), Some(&"inside"));
    let after = stacker::remaining_stack();
    assert_eq!(before.is_some(), after.is_some());
    assert!(before.unwrap_or(0).abs_diff(after.unwrap_or(0)) < 64 * 1024);
    assert_eq!(stack.run(|| 7), 7);
}

#[test]
#[cfg_attr(miri, ignore)]
fn a_stack_moves_between_threads_and_survives_release() {
    let mut stack = Stack::new(SIZE);
    stack.run(|| {
        let v = [3u8; 64 * 1024];
        std::hint::black_box(&v);
    });
    stack.release_below(16 * 1024);
    let here = stack.run(frame_address);
    let (stack, there) = std::thread::spawn(move || {
        let mut stack = stack;
        let a = stack.run(|| recurse(100));
        let addr = stack.run(frame_address);
        assert_eq!(a, 100);
        (stack, addr)
    })
    .join()
    .unwrap();
    if !cfg!(any(windows, target_arch = "wasm32")) {
        assert_eq!(here, there);
    }
    drop(stack);
}
