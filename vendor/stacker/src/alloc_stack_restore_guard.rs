use crate::{get_stack_limit, set_stack_limit};

/// A stack allocated for [`crate::grow`], which restores the stack limit when it is dropped.
pub struct StackRestoreGuard {
    allocation: StackAllocation,
    old_stack_limit: Option<usize>,
}

const ALIGNMENT: usize = 16;

impl StackRestoreGuard {
    pub fn new(stack_bytes: usize) -> StackRestoreGuard {
        StackRestoreGuard {
            allocation: StackAllocation::new(stack_bytes),
            old_stack_limit: get_stack_limit(),
        }
    }

    pub fn stack_area(&self) -> (*mut u8, usize) {
        self.allocation.stack_area()
    }
}

impl Drop for StackRestoreGuard {
    fn drop(&mut self) {
        set_stack_limit(self.old_stack_limit);
    }
}

/// A memory area usable as a stack; freed when dropped.
pub struct StackAllocation {
    new_stack: *mut u8,
    stack_bytes: usize,
}

impl StackAllocation {
    pub fn new(stack_bytes: usize) -> StackAllocation {
        // On these platforms we do not use stack guards. this is very unfortunate,
        // but there is not much we can do about it without OS support.
        // We simply allocate the requested size from the global allocator with a suitable
        // alignment.
        let stack_bytes = stack_bytes
            .checked_add(ALIGNMENT - 1)
            .expect("unreasonably large stack requested")
            / ALIGNMENT
            * ALIGNMENT;
        let layout = std::alloc::Layout::from_size_align(stack_bytes, ALIGNMENT).unwrap();
        let ptr = unsafe { std::alloc::alloc(layout) };
        assert!(!ptr.is_null(), "unable to allocate stack");
        StackAllocation {
            new_stack: ptr,
            stack_bytes,
        }
    }

    pub fn stack_area(&self) -> (*mut u8, usize) {
        (self.new_stack, self.stack_bytes)
    }

    /// Memory from the global allocator cannot be given back in part: nothing to do.
    pub fn release_below(&mut self, _keep: usize) {}
}

impl Drop for StackAllocation {
    fn drop(&mut self) {
        unsafe {
            std::alloc::dealloc(
                self.new_stack,
                std::alloc::Layout::from_size_align_unchecked(self.stack_bytes, ALIGNMENT),
            );
        }
    }
}
