//! The native (machine) stack under recursion that script data controls.
//!
//! Calls between JavaScript functions run on the VM's own heap-allocated stack, but native code
//! recurses on the thread's stack: a getter, `toString`, a callback of `forEach` or a proxy trap
//! re-enter the VM from native code, and `JSON.stringify` or `join` recurse through nested
//! values. On a small thread stack a few hundred such levels overflowed it, and Rust aborts the
//! whole process on stack overflow.
//!
//! The re-entry points run their callee through [`grow`], which continues on a new stack segment
//! (heap-allocated, freed on return) when the current one runs low, so the depth is bounded by
//! the [`RuntimeLimits`](super::RuntimeLimits) recursion limit instead of the thread's stack
//! size. [`is_low`] is the last line of defence, checked with the runtime limits: native code
//! that recursed without going through [`grow`] gets a catchable `RangeError` instead of an
//! abort.

use crate::{JsError, JsNativeError};

/// The stack that must be left before a re-entry point continues on a new segment: enough for
/// the native frames between two re-entry points.
const RED_ZONE: usize = 256 * 1024;

/// The size of each new stack segment.
const SEGMENT: usize = 4 * 1024 * 1024;

/// Below this much remaining stack, calls throw instead of going deeper.
const LAST_RESORT: usize = 64 * 1024;

/// Parsing and compiling take tens of kilobytes of stack per nesting level of the source: they
/// run with at least this much stack left...
const COMPILER_RED_ZONE: usize = 16 * 1024 * 1024;

/// ...on a new segment of this size when needed. Its pages are only touched as deep as the
/// source needs, and are returned to the system when the segment is freed; a source nested
/// deeper than it fits is a `SyntaxError` (the parser checks the stack it has left).
const COMPILER_SEGMENT: usize = 256 * 1024 * 1024;

/// Runs the parser or the bytecode compiler (`f`) on a stack large enough for deeply nested
/// sources.
#[inline]
pub(crate) fn grow_for_compiler<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(COMPILER_RED_ZONE, COMPILER_SEGMENT, f)
}

/// Runs `f`, on a new stack segment if less than [`RED_ZONE`] of the current one is left.
#[inline]
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// Whether the native stack is nearly exhausted (unknown stack bounds count as plenty).
#[inline]
pub(crate) fn is_low() -> bool {
    stacker::remaining_stack().is_some_and(|left| left < LAST_RESORT)
}

/// The error a too deep recursion throws: a `RangeError`, as in other engines, that scripts can
/// catch.
pub(crate) fn overflow_error() -> JsError {
    JsNativeError::range()
        .with_message("Maximum call stack size exceeded")
        .into()
}
