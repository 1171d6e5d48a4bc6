//! The memory allocator: jemalloc with small per-thread caches.
//!
//! rk6 runs one OS thread per VU. With glibc's malloc, 50 VU threads doing requests spread
//! their short-lived allocations over glibc's per-thread arenas and fragmented them: 476 MB
//! peak RSS after 50 000 requests where the live heap was ~70 MB; jemalloc holds the same run
//! at ~180 MB (bench/PROFILE.md). jemalloc's default thread caches are large, though, and with
//! 1000 threads they alone cost ~100 MB, so they are kept small here, and a VU thread hands
//! its cache back after initialisation (the one moment it allocates a lot at once).
//!
//! `_RJEM_MALLOC_CONF` (jemalloc's option syntax) overrides the settings below at run time.
//! The `system-alloc` feature leaves the system allocator in place, for heap profilers.

#[cfg(all(
    target_os = "linux",
    not(target_env = "musl"),
    not(feature = "system-alloc")
))]
mod imp {
    #[global_allocator]
    static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

    /// Read by jemalloc before `main`: at most 8 cached objects per small size class and 2 per
    /// large one, nothing above 4 KiB cached per thread.
    #[allow(non_upper_case_globals)]
    #[unsafe(export_name = "_rjem_malloc_conf")]
    pub static malloc_conf: Option<&'static u8> =
        Some(&b"tcache_nslots_small_max:8,tcache_nslots_large:2,tcache_max:4096\0"[0]);

    pub fn flush_thread_cache() {
        // SAFETY: "thread.tcache.flush" takes no input or output; null pointers with zero
        // lengths are how jemalloc's mallctl is called for such commands.
        unsafe {
            tikv_jemalloc_sys::mallctl(
                c"thread.tcache.flush".as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
    }
}

/// Returns what the calling thread's allocator cache holds to the shared arenas: called by a
/// VU thread once its context is built, so 1000 idle VUs do not each keep a cache full of
/// freed initialisation memory.
pub fn flush_thread_cache() {
    #[cfg(all(
        target_os = "linux",
        not(target_env = "musl"),
        not(feature = "system-alloc")
    ))]
    imp::flush_thread_cache();
}

#[cfg(test)]
mod tests {
    #[test]
    fn flushing_the_thread_cache_keeps_allocations_valid() {
        let v: Vec<Vec<u8>> = (0..100).map(|i| vec![i as u8; 100 + i]).collect();
        super::flush_thread_cache();
        assert!(
            v.iter()
                .enumerate()
                .all(|(i, x)| x.len() == 100 + i && x[0] == i as u8)
        );
        drop(v);
        super::flush_thread_cache();
    }
}
