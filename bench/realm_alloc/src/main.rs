//! What a Boa context costs, eager and with built-ins created on first use, and what the first
//! use of each deferred built-in costs (vendor/PATCHES.md, boa_engine 8). Run by hand:
//!     cd bench/realm_alloc && CARGO_TARGET_DIR=../../target/realm_alloc cargo run -- 2000
//! Bytes are counted as allocated (never decremented): Boa frees earlier contexts at
//! collections whose timing is not ours.
use boa_engine::{Context, Module, Source, builtins::promise::PromiseState};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
// bytes allocated, never decremented: the GC frees earlier contexts at unpredictable times
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 { LIVE.fetch_add(l.size() as isize, Relaxed); ALLOCS.fetch_add(1, Relaxed); unsafe { System.alloc(l) } }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) { unsafe { System.dealloc(p, l) } }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 { LIVE.fetch_add((n as isize - l.size() as isize).max(0), Relaxed); ALLOCS.fetch_add(1, Relaxed); unsafe { System.realloc(p, l, n) } }
}
#[global_allocator]
static A: Counting = Counting;

fn contexts(n: usize, eager: bool) -> (f64, f64, f64) {
    let (l0, a0) = (LIVE.load(Relaxed), ALLOCS.load(Relaxed));
    let t = Instant::now();
    let mut v = Vec::with_capacity(n);
    for _ in 0..n { let mut c = Context::default(); if eager { c.realize_builtins(); } v.push(c); }
    let el = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
    let live = (LIVE.load(Relaxed) - l0) as f64 / n as f64 / 1024.0;
    let allocs = (ALLOCS.load(Relaxed) - a0) as f64 / n as f64;
    drop(v);
    (el, live, allocs)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(2000);
    // `realm_alloc N lazy`: only build N lazy contexts and keep them, for a heap profiler
    // (heaptrack sees this binary's allocations by call site: bench/PROFILE.md, round 5).
    // `realm_alloc N module`: the same, each context having evaluated a small test-script-like
    // module (what a VU keeps of its script: code blocks, environments, the namespace).
    if std::env::args().nth(2).as_deref() == Some("module") {
        let src = "export const options = { vus: 10, duration: '1s' };\n\
                   function work(n) { let s = 0; for (let i = 0; i < n; i++) { s += i; } return s; }\n\
                   export default function () { work(10); }";
        let v: Vec<(Context, Module)> = (0..n)
            .map(|_| {
                let mut c = Context::default();
                let m = Module::parse(Source::from_bytes(src), None, &mut c).unwrap();
                let p = m.load_link_evaluate(&mut c);
                c.run_jobs().unwrap();
                assert!(matches!(p.state(), PromiseState::Fulfilled(_)));
                (c, m)
            })
            .collect();
        let (kb, allocs) = (LIVE.load(Relaxed) as f64 / n as f64 / 1024.0, ALLOCS.load(Relaxed) as f64 / n as f64);
        println!("contexts with a module x{n}: {kb:.1} KiB allocated/context, {allocs:.0} allocations/context (whole process)");
        drop(v);
        return;
    }
    if std::env::args().nth(2).as_deref() == Some("lazy") {
        let v: Vec<Context> = (0..n).map(|_| Context::default()).collect();
        let (kb, allocs) = (LIVE.load(Relaxed) as f64 / n as f64 / 1024.0, ALLOCS.load(Relaxed) as f64 / n as f64);
        println!("lazy contexts x{n}: {kb:.1} KiB allocated/context, {allocs:.0} allocations/context (whole process)");
        drop(v);
        return;
    }
    for _ in 0..2 {
        for eager in [true, false] {
            let (ms, kb, allocs) = contexts(n, eager);
            println!("{} contexts x{n}: {ms:.3} ms/context, {kb:.1} KiB allocated/context, {allocs:.0} allocations/context", if eager { "eager" } else { "lazy " });
        }
    }
    // What touching each lazy built-in first costs (live bytes, allocations), in a fresh context.
    let exprs = [
        ("(baseline: evaluating `void 0`)", "0"),
        ("%TypedArray% + Uint8Array", "Uint8Array.prototype.set"), ("Int8Array", "Int8Array.prototype"), ("Float64Array", "Float64Array.prototype"),
        ("ArrayBuffer", "ArrayBuffer.prototype"), ("SharedArrayBuffer", "SharedArrayBuffer.prototype"), ("DataView", "DataView.prototype"),
        ("Atomics", "Atomics.add"), ("Reflect", "Reflect.ownKeys"), ("Proxy", "Proxy.revocable"),
        ("WeakRef", "WeakRef.prototype"), ("WeakMap", "WeakMap.prototype"), ("WeakSet", "WeakSet.prototype"), ("FinalizationRegistry", "FinalizationRegistry.prototype"),
        ("Iterator (constructor)", "Iterator.from"), ("Map", "Map.prototype"), ("Set", "Set.prototype"),
        ("Date", "Date.prototype"), ("RegExp", "RegExp.prototype"), ("Symbol", "Symbol.prototype"), ("BigInt", "BigInt.prototype"), ("Promise", "Promise.prototype"),
        ("GeneratorFunction + %GeneratorPrototype%", "(function*(){})().next"), ("AsyncGeneratorFunction + %AsyncGeneratorPrototype%", "(async function*(){})().next"),
    ];
    // What evaluating a small module costs, and which built-ins it fills (rk6 evaluates the
    // test script as a module in every VU's context).
    {
        let mut c = Context::default();
        let before_pending = c.pending_builtins();
        let (l0, a0) = (LIVE.load(Relaxed), ALLOCS.load(Relaxed));
        let src = "const xs = [1, 2]; export const options = { vus: xs.length }; export default function () {}";
        let module = Module::parse(Source::from_bytes(src), None, &mut c).unwrap();
        let promise = module.load_link_evaluate(&mut c);
        c.run_jobs().unwrap();
        assert!(matches!(promise.state(), PromiseState::Fulfilled(_)));
        let bytes = LIVE.load(Relaxed) - l0; let allocs = ALLOCS.load(Relaxed) - a0;
        println!("| (module parse + load_link_evaluate) | {:.1} | {allocs} | {} |", bytes as f64 / 1024.0, before_pending - c.pending_builtins());
    }
    for (name, e) in exprs {
        let mut c = Context::default();
        let before_pending = c.pending_builtins();
        let (l0, a0) = (LIVE.load(Relaxed), ALLOCS.load(Relaxed));
        c.eval(Source::from_bytes(&format!("void {e}"))).unwrap();
        let bytes = LIVE.load(Relaxed) - l0; let allocs = ALLOCS.load(Relaxed) - a0;
        println!("| {name} | {:.1} | {allocs} | {} |", bytes as f64 / 1024.0, before_pending - c.pending_builtins());
    }
}
