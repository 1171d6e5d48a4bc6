//! Giving a VU thread's deep, one-off stack use back to the OS.
//!
//! Touched stack pages stay resident for the thread's life. A VU's initialisation (parser,
//! bytecode compiler, realm set-up), the deepest use, runs on its init slot's reused stack
//! (`executor::init_slot`), not on the VU thread's; what an iteration touches (a request
//! through hyper, the response object, a check: ~40 KB) is released when the VU sleeps.
//! An iteration that goes deeper again just gets fresh zeroed pages.

/// Stack kept below a sleeping VU's frame: `sleep` only waits on a condition variable.
pub const KEEP_BELOW_WHILE_SLEEPING: usize = 8 * 1024;

/// Releases the pages of the calling thread's stack that lie more than `keep` bytes under the
/// current frame. A VU that sleeps between requests calls it: the ~40 KB a request touched
/// (hyper, the response object, the check) would otherwise stay resident in every sleeping
/// VU.
#[cfg(target_os = "linux")]
pub fn release_stack_below(keep: usize) {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread, which is destroyed
    // after use. The range given to madvise lies strictly between the guard page and the
    // current stack pointer minus `keep`: no live frame is there (the stack grows down),
    // and MADV_DONTNEED on private anonymous memory only makes those pages read back as
    // zeroes, which is what unused stack may hold.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return;
        }
        let mut base: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let mut guard: libc::size_t = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut base, &mut size) == 0
            && libc::pthread_attr_getguardsize(&attr, &mut guard) == 0;
        libc::pthread_attr_destroy(&mut attr);
        if !ok || base.is_null() {
            return;
        }
        let page = match libc::sysconf(libc::_SC_PAGESIZE) {
            p if p > 0 => p as usize,
            _ => return,
        };
        let marker = 0u8;
        let sp = std::ptr::addr_of!(marker) as usize;
        let low = (base as usize + guard).next_multiple_of(page);
        let high = sp.saturating_sub(keep) & !(page - 1);
        // Only when the current frame is inside this stack (it always is, unless the thread
        // runs on an alternate stack).
        if high > low && sp < base as usize + size {
            libc::madvise(low as *mut libc::c_void, high - low, libc::MADV_DONTNEED);
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn release_stack_below(_keep: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deep stack use, then release: the thread keeps working and its stack reads as zeroes
    /// where released (the function must never touch live frames).
    #[test]
    fn releasing_keeps_the_thread_working() {
        fn deep(n: u32) -> u64 {
            let buf = [n as u8; 512];
            if n == 0 {
                buf.iter().map(|&b| b as u64).sum()
            } else {
                deep(n - 1) + std::hint::black_box(buf)[7] as u64
            }
        }
        let t = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(|| {
                let before = deep(400);
                release_stack_below(32 * 1024);
                let after = deep(400);
                release_stack_below(KEEP_BELOW_WHILE_SLEEPING);
                let again = deep(400);
                assert_eq!(after, again);
                (before, after)
            })
            .unwrap();
        let (before, after) = t.join().unwrap();
        assert_eq!(before, after);
    }
}
