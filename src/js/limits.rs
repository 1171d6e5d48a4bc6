//! How deep a script may recurse before a catchable `RangeError` ("Maximum call stack size
//! exceeded"), the error V8 throws and that scripts can catch.
//!
//! k6's engine has no limit: its call stack lives on the heap and grows until memory runs out.
//! Boa's defaults (512 calls, 10 240 stack values) stop ordinary recursive code (a recursive
//! walk of a few thousand nodes), so a VU gets V8's order of magnitude instead. Calls between
//! script functions use the VM's heap stack; native code that re-enters scripts (getters,
//! `toString`, `forEach` callbacks, `JSON.stringify`) continues on heap-allocated stack
//! segments when the VU thread's stack runs low (see `boa_engine::vm::native_stack` in
//! vendor/), so these limits, not the thread's stack size, bound the depth.

use boa_engine::Context;

/// Nested calls (script and native) before the `RangeError`.
pub const RECURSION_LIMIT: usize = 10_000;

/// Values on the VM's stack (arguments, locals, temporaries of every active call) before the
/// `RangeError`: room for the recursion limit at ~100 values per call, 16 MiB at most.
pub const STACK_VALUES_LIMIT: usize = 1 << 20;

pub fn apply(ctx: &mut Context) {
    let limits = ctx.runtime_limits_mut();
    limits.set_recursion_limit(RECURSION_LIMIT);
    limits.set_stack_size_limit(STACK_VALUES_LIMIT);
}
