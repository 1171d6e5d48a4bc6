//! A library to help grow the stack when it runs out of space.
//!
//! This is an implementation of manually instrumented segmented stacks where points in a program's
//! control flow are annotated with "maybe grow the stack here". Each point of annotation indicates
//! how far away from the end of the stack it's allowed to be, plus the amount of stack to allocate
//! if it does reach the end.
//!
//! Once a program has reached the end of its stack, a temporary stack on the heap is allocated and
//! is switched to for the duration of a closure.
//!
//! For a set of lower-level primitives, consider the `psm` crate.
//!
//! # Examples
//!
//! ```
//! // Grow the stack if we are within the "red zone" of 32K, and if we allocate
//! // a new stack allocate 1MB of stack space.
//! //
//! // If we're already in bounds, just run the provided closure on current stack.
//! stacker::maybe_grow(32 * 1024, 1024 * 1024, || {
//!     // guaranteed to have at least 32K of stack
//! });
//! ```

#![allow(improper_ctypes)]

#[macro_use]
extern crate cfg_if;
extern crate libc;
#[cfg(windows)]
extern crate windows_sys;
#[macro_use]
extern crate psm;

mod backends;

use std::cell::Cell;

/// Grows the call stack if necessary.
///
/// This function is intended to be called at manually instrumented points in a program where
/// recursion is known to happen quite a bit. This function will check to see if we're within
/// `red_zone` bytes of the end of the stack, and if so it will allocate a new stack of at least
/// `stack_size` bytes.
///
/// The closure `f` is guaranteed to run on a stack with at least `red_zone` bytes, and it will be
/// run on the current stack if there's space available.
#[inline(always)]
pub fn maybe_grow<R, F: FnOnce() -> R>(red_zone: usize, stack_size: usize, callback: F) -> R {
    // if we can't guess the remaining stack (unsupported on some platforms) we immediately grow
    // the stack and then cache the new stack size (which we do know now because we allocated it.
    let enough_space = match remaining_stack() {
        Some(remaining) => remaining >= red_zone,
        None => false,
    };
    if enough_space {
        callback()
    } else {
        grow(stack_size, callback)
    }
}

/// Always creates a new stack for the passed closure to run on.
/// The closure will still be on the same thread as the caller of `grow`.
/// This will allocate a new stack with at least `stack_size` bytes.
pub fn grow<R, F: FnOnce() -> R>(stack_size: usize, callback: F) -> R {
    // To avoid monomorphizing `_grow()` and everything it calls,
    // we convert the generic callback to a dynamic one.
    let mut opt_callback = Some(callback);
    let mut ret = None;
    let ret_ref = &mut ret;

    // This wrapper around `callback` achieves two things:
    // * It converts the `impl FnOnce` to a `dyn FnMut`.
    //   `dyn` because we want it to not be generic, and
    //   `FnMut` because we can't pass a `dyn FnOnce` around without boxing it.
    // * It eliminates the generic return value, by writing it to the stack of this function.
    //   Otherwise the closure would have to return an unsized value, which isn't possible.
    let dyn_callback: &mut dyn FnMut() = &mut || {
        let taken_callback = opt_callback.take().unwrap();
        *ret_ref = Some(taken_callback());
    };

    _grow(stack_size, dyn_callback);
    ret.unwrap()
}

/// Queries the amount of remaining stack as interpreted by this library.
///
/// This function will return the amount of stack space left which will be used
/// to determine whether a stack switch should be made or not.
pub fn remaining_stack() -> Option<usize> {
    let current_ptr = current_stack_ptr();
    get_stack_limit().map(|limit| current_ptr.saturating_sub(limit))
}

psm_stack_information!(
    yes {
        fn current_stack_ptr() -> usize {
            psm::stack_pointer() as usize
        }
    }
    no {
        #[inline(always)]
        fn current_stack_ptr() -> usize {
            unsafe {
                let mut x = std::mem::MaybeUninit::<u8>::uninit();
                // Unlikely to be ever exercised. As a fallback we execute a volatile read to a
                // local (to hopefully defeat the optimisations that would make this local a static
                // global) and take its address. This way we get a very approximate address of the
                // current frame.
                x.as_mut_ptr().write_volatile(42);
                x.as_ptr() as usize
            }
        }
    }
);

thread_local! {
    static STACK_LIMIT: Cell<Option<usize>> = Cell::new(unsafe {
        backends::guess_os_stack_limit()
    })
}

#[inline(always)]
fn get_stack_limit() -> Option<usize> {
    STACK_LIMIT.with(|s| s.get())
}

#[inline(always)]
#[allow(unused)]
fn set_stack_limit(l: Option<usize>) {
    STACK_LIMIT.with(|s| s.set(l))
}

psm_stack_manipulation! {
    yes {
        #[cfg(not(any(target_arch = "wasm32",target_os = "hermit", target_os = "motor")))]
        #[path = "mmap_stack_restore_guard.rs"]
        mod stack_restore_guard;

        #[cfg(any(target_arch = "wasm32",target_os = "hermit", target_os = "motor"))]
        #[path = "alloc_stack_restore_guard.rs"]
        mod stack_restore_guard;

        use stack_restore_guard::{StackAllocation, StackRestoreGuard};

        /// A stack allocated once and reused by every [`Stack::run`]: unlike [`grow`], which
        /// maps a new stack and unmaps it on return each time, the pages one run touched are
        /// already there for the next (no page faults, no `mmap`/`munmap`), also when the
        /// next run is on another thread.
        ///
        /// Code inside [`Stack::run`] sees this stack's bounds: [`remaining_stack`] and
        /// [`maybe_grow`] measure against it.
        pub struct Stack {
            allocation: StackAllocation,
        }

        // SAFETY: a `Stack` is a memory area with no thread affinity; `run` takes `&mut self`,
        // so one thread at a time runs on it, and nothing borrowed from a run outlives it.
        unsafe impl Send for Stack {}

        impl Stack {
            /// Allocates a stack of at least `stack_size` bytes (only the pages used are
            /// backed by memory). Panics, as [`grow`] does, if the system refuses the mapping.
            pub fn new(stack_size: usize) -> Stack {
                Stack {
                    allocation: StackAllocation::new(stack_size),
                }
            }

            /// Runs `callback` on this stack, on the calling thread, and returns its result
            /// (a panic in `callback` continues unwinding in the caller).
            pub fn run<R, F: FnOnce() -> R>(&mut self, callback: F) -> R {
                let mut opt_callback = Some(callback);
                let mut ret = None;
                let ret_ref = &mut ret;
                let dyn_callback: &mut dyn FnMut() = &mut || {
                    let taken_callback = opt_callback.take().unwrap();
                    *ret_ref = Some(taken_callback());
                };
                self.run_dyn(dyn_callback);
                ret.unwrap()
            }

            fn run_dyn(&mut self, callback: &mut dyn FnMut()) {
                let (stack_base, stack_size) = self.allocation.stack_area();
                let old_stack_limit = get_stack_limit();
                set_stack_limit(Some(stack_base as usize));
                // SAFETY: the area is mapped, writable and used by no one else (`&mut self`);
                // the callback does not unwind out of `on_stack` (the panic is caught and
                // resumed once back on the caller's stack).
                let panic = unsafe {
                    psm::on_stack(stack_base, stack_size, move || {
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback)).err()
                    })
                };
                set_stack_limit(old_stack_limit);
                if let Some(p) = panic {
                    std::panic::resume_unwind(p);
                }
            }

            /// Gives the pages more than `keep` bytes below the top of the stack back to the
            /// system (they read as zeroes when a later run touches them again), so that one
            /// unusually deep run does not keep its memory for the stack's lifetime.
            pub fn release_below(&mut self, keep: usize) {
                self.allocation.release_below(keep);
            }
        }

        fn _grow(requested_stack_size: usize, callback: &mut dyn FnMut()) {
            // Other than that this code has no meaningful gotchas.
            unsafe {
                // We use a guard pattern to ensure we deallocate the allocated stack when we leave
                // this function and also try to uphold various safety invariants required by `psm`
                // (such as not unwinding from the callback we pass to it).
                // `StackRestoreGuard` allocates a memory area with suitable size and alignment.
                // It also sets up stack guards if supported on target.
                let guard = StackRestoreGuard::new(requested_stack_size);
                let (stack_base, allocated_stack_size) = guard.stack_area();
                debug_assert!(allocated_stack_size >= requested_stack_size);
                set_stack_limit(Some(stack_base as usize));
                let panic = psm::on_stack(stack_base, allocated_stack_size, move || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback)).err()
                });
                drop(guard);
                if let Some(p) = panic {
                    std::panic::resume_unwind(p);
                }
            }
        }
    }

    no {
        /// A stack of a given size for [`Stack::run`]. Where the stack cannot be switched
        /// directly (this platform), each run goes through [`grow`].
        pub struct Stack {
            stack_size: usize,
        }

        impl Stack {
            /// A stack of at least `stack_size` bytes.
            pub fn new(stack_size: usize) -> Stack {
                Stack { stack_size }
            }

            /// Runs `callback` with at least this stack's size of stack.
            pub fn run<R, F: FnOnce() -> R>(&mut self, callback: F) -> R {
                grow(self.stack_size, callback)
            }

            /// Nothing is kept between runs here.
            pub fn release_below(&mut self, _keep: usize) {}
        }

        #[cfg(not(all(windows, not(miri))))]
        fn _grow(stack_size: usize, callback: &mut dyn FnMut()) {
            let _ = stack_size;
            callback();
        }
        #[cfg(all(windows, not(miri)))]
        use backends::windows::_grow;
    }
}
