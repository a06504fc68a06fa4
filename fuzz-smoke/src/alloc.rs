//! A counting global allocator: bytes allocated and the peak of live bytes,
//! measured per input.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator with counters (the harness is single-threaded, so
/// relaxed atomics are exact).
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    TOTAL.fetch_add(n, Relaxed);
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded to `System` with the same arguments; the
// counters do not affect the returned memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grow(new_size);
        }
        p
    }
}

/// What one input cost in memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllocCost {
    /// Highest live heap during the input, above what was live before it.
    pub peak: usize,
    /// Bytes allocated in total (reallocations count their new size).
    pub total: usize,
}

/// Starts measuring one input: returns the baseline to pass to [`finish`].
pub fn start() -> usize {
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    TOTAL.store(0, Relaxed);
    live
}

/// The cost since [`start`] returned `baseline`.
pub fn finish(baseline: usize) -> AllocCost {
    AllocCost {
        peak: PEAK.load(Relaxed).saturating_sub(baseline),
        total: TOTAL.load(Relaxed),
    }
}
