#!/usr/bin/env python3
"""Splits a `perf record -g` profile into kernel work (by the syscall or page fault each kernel
sample is under; kernel call chains are exact) and user work (by the component of the leaf
symbol: user call chains of a build without frame pointers are not reliable).

    perf record -F 10000 -g -o startup.data -- taskset -c 0 target/profiling/rk6 run -q \
        --address= -e VUS=1000 bench/scripts/startup.js
    python3 bench/perf_split.py startup.data

bench/PROFILE.md (round 5) shows what it printed for start-up.
"""
import sys, subprocess, collections, re


data = sys.argv[1]
out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso", "--no-inline"], capture_output=True, text=True).stdout
cats = collections.Counter()
total = 0
for block in out.split("\n\n"):
    lines = [l.strip() for l in block.strip().split("\n") if l.strip()]
    if len(lines) < 2: continue
    total += 1
    frames = lines[1:]
    leaf = frames[0]
    if "kernel.kallsyms" in leaf:
        cat = "kernel: other"
        for f in frames:
            if "kernel" not in f: break
            m = re.search(r"__(?:x64|do)_sys_(\w+)", f)
            if m: cat = "kernel: syscall " + m.group(1); break
            if "exc_page_fault" in f: cat = "kernel: page fault"; break
            if "schedule" in f and cat == "kernel: other": cat = "kernel: scheduling"
        cats[cat] += 1
        continue
    s = leaf
    if "_rjem" in s or "jemalloc" in s or "tcache" in s or "arena_" in s: c = "user: jemalloc"
    elif "boa_parser" in s: c = "user: boa parser/lexer"
    elif "bytecompiler" in s: c = "user: boa bytecompiler"
    elif "boa_gc" in s: c = "user: boa gc"
    elif "boa_engine" in s or "boa_string" in s or "boa_interner" in s or "boa_ast" in s: c = "user: boa engine (realm, objects, vm)"
    elif "hashbrown" in s: c = "user: hash maps"
    elif "libc.so" in s or "mem" in s.split()[0]: c = "user: libc (memcpy/memset/pthread)"
    elif "rk6" in s: c = "user: rk6/other Rust"
    else: c = "user: other"
    cats[c] += 1
for k, v in cats.most_common():
    print(f"{100*v/total:5.1f}%  {k}")
print("samples", total)
