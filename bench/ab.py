#!/usr/bin/env python3
"""A/B runs of variants of one workload, for measuring one change at a time.

    python3 bench/ab.py REPS SCRIPT 'K=V;K=V' NAME:TOOL[:ENV=V,ENV=V] ...

Runs every variant REPS times, the order rotating between repetitions (so drift on a shared
machine hits all of them), each pinned to CPU $PIN (default 0; empty: unpinned) under
/usr/bin/time; prints the median wall time, CPU time (user + sys) and peak RSS per variant.
TOOL is rk6 ($RK6, default target/release/rk6), rk6=PATH (another rk6 binary, e.g. an A/B of
two builds: before:rk6=target/rk6-before after:rk6) or k6 (/opt/k6/bin/k6); the 'K=V;K=V' pairs
are the script's -e variables; ENV=V pairs are set in the variant's environment (e.g.
_RJEM_MALLOC_CONF=dirty_decay_ms:0). Example (docs/performance.md, round 3):

    python3 bench/ab.py 3 bench/scripts/startup.js 'VUS=1000' rk6:rk6 k6:k6
"""
import os, re, subprocess, statistics, sys, json
reps = int(sys.argv[1]); script = sys.argv[2]; senv = sys.argv[3]; variants = sys.argv[4:]
PIN = os.environ.get("PIN", "0")
RK6 = os.environ.get("RK6", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "rk6"))
WORK = os.environ.get("WORK", "/tmp/rk6-bench")
os.makedirs(WORK, exist_ok=True)
res = {v: [] for v in variants}
for i in range(reps):
    order = variants[i % len(variants):] + variants[:i % len(variants)]
    for v in order:
        name, tool, extra = (v.split(":", 2) + [""])[:3]
        exe = RK6 if tool == "rk6" else tool[4:] if tool.startswith("rk6=") else "/opt/k6/bin/k6"
        env = dict(os.environ, K6_NO_USAGE_REPORT="true")
        for kv in filter(None, extra.split(",")):
            k, val = kv.split("=", 1); env[k] = val
        cmd = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", os.path.join(WORK, "ab.time")]
        if PIN: cmd += ["taskset", "-c", PIN]
        cmd += [exe, "run", "-q", "--address="]
        for kv in filter(None, senv.split(";")): cmd += ["-e", kv]
        cmd.append(script)
        rc = subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, "ab.err"), "w"), env=env)
        w, u, s, m = open(os.path.join(WORK, "ab.time")).read().split()[-4:]
        r = (float(w), float(u) + float(s), int(m) / 1024)
        res[v].append(r)
        print(f"  {name}: rc={rc} wall={r[0]:.2f} cpu={r[1]:.2f} rss={r[2]:.1f}", file=sys.stderr, flush=True)
for v, rs in res.items():
    name = v.split(":")[0]
    print(f"{name:24s} wall {statistics.median(x[0] for x in rs):.2f}s  cpu {statistics.median(x[1] for x in rs):.2f}s  rss {statistics.median(x[2] for x in rs):.1f}MB   (n={len(rs)}; rss {sorted(round(x[2]) for x in rs)}, wall {sorted(x[0] for x in rs)})")
