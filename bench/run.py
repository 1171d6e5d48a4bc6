#!/usr/bin/env python3
"""Runs the rk6 benchmark workloads on rk6 and k6 side by side and prints the ratios table.

Workloads: rps, rps500k, vus, startup, startup5000, sharedcsv, delay, arrival, grpc, pipeline.

Called by bench/run.sh (which builds rk6 and starts the targets). Every load-generator run is
pinned to CPU 0 under /usr/bin/time -v (CPU seconds = user + sys, peak RSS); the targets run on
CPU 1. rk6 and k6 runs alternate, and the first tool alternates between repetitions, so slow
drift on a shared machine hits both; each figure is the median of the repetitions.

Environment: RK6 (binary), K6 (default /opt/k6/bin/k6), PIPELINE (pipeline example binary),
REPS (default 3), REPS_BIG (500k-request run, default 1), ONLY (comma list of workloads),
OUT (JSON results file).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")
WORK = os.environ.get("WORK", "/tmp/rk6-bench")
RK6 = os.environ.get("RK6", os.path.join(HERE, "..", "target", "release", "rk6"))
K6 = os.environ.get("K6", "/opt/k6/bin/k6")
PIPELINE = os.environ.get("PIPELINE", os.path.join(HERE, "..", "target", "release", "examples", "pipeline"))
REPS = int(os.environ.get("REPS", "3"))
REPS_BIG = int(os.environ.get("REPS_BIG", "1"))
ONLY = [w for w in os.environ.get("ONLY", "").split(",") if w]
NGINX = "http://127.0.0.1:18081/"
DELAY_TARGET = "http://127.0.0.1:18082"
WS_TARGET = "ws://127.0.0.1:18082"

os.makedirs(WORK, exist_ok=True)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def timed(label, cmd, env=None):
    """Runs cmd pinned to CPU 0 under /usr/bin/time -v; returns wall/cpu/rss and the output."""
    tfile = os.path.join(WORK, label + ".time")
    lfile = os.path.join(WORK, label + ".log")
    full_env = dict(os.environ, K6_NO_USAGE_REPORT="true", **(env or {}))
    with open(lfile, "wb") as out:
        rc = subprocess.call(["/usr/bin/time", "-v", "-o", tfile, "taskset", "-c", "0"] + cmd,
                             stdout=out, stderr=subprocess.STDOUT, env=full_env)
    t = open(tfile).read()

    def field(name):
        m = re.search(re.escape(name) + r".*?: (\S+)\s*$", t, re.M)
        return m.group(1) if m else "0"

    wall = field("Elapsed (wall clock) time")
    parts = [float(p) for p in wall.split(":")]
    wall_s = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    user, sys_ = float(field("User time (seconds)")), float(field("System time (seconds)"))
    r = {"rc": rc, "wall_s": wall_s, "cpu_s": user + sys_, "user_s": user, "sys_s": sys_,
         "rss_mb": int(field("Maximum resident set size (kbytes)")) / 1024.0,
         "log": open(lfile, errors="replace").read()}
    log(f"  {label}: rc={rc} wall={wall_s:.2f}s cpu={r['cpu_s']:.2f}s rss={r['rss_mb']:.1f}MB")
    if rc != 0:
        log(r["log"][-2000:])
    return r


def k6ish(tool, label, script, env):
    """Runs a script on rk6 or k6 with a summary export; returns timed() plus the summary."""
    summary = os.path.join(WORK, label + ".summary.json")
    if os.path.exists(summary):
        os.remove(summary)
    exe = RK6 if tool == "rk6" else K6
    cmd = [exe, "run", "-q", "--address=", "--summary-export", summary]
    for k, v in env.items():
        cmd += ["-e", f"{k}={v}"]
    cmd.append(os.path.join(SCRIPTS, script))
    r = timed(label, cmd)
    try:
        r["summary"] = json.load(open(summary))
    except (OSError, ValueError):
        r["summary"] = {}
    return r


def metric(r, name, stat):
    return r["summary"].get("metrics", {}).get(name, {}).get(stat)


def both(name, script, env, reps):
    """Alternates rk6 and k6 `reps` times; returns {tool: [runs]}."""
    runs = {"rk6": [], "k6": []}
    for i in range(reps):
        order = ["rk6", "k6"] if i % 2 == 0 else ["k6", "rk6"]
        for tool in order:
            runs[tool].append(k6ish(tool, f"{name}-{tool}-{i}", script, env))
    return runs


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def wrk_run(i):
    r = timed(f"wrk-{i}", ["wrk", "-t1", "-c50", "-d10s", NGINX])
    m = re.search(r"(\d+) requests in", r["log"])
    r["requests"] = int(m.group(1)) if m else 0
    return r


results = {"date": time.strftime("%Y-%m-%d"), "reps": REPS, "reps_big": REPS_BIG}


def want(w):
    return not ONLY or w in ONLY


if want("rps"):
    log("rps: shared-iterations 50 VUs x 50 000 GET + check")
    runs = both("rps50k", "rps.js", {"VUS": 50, "ITERS": 50000}, REPS)
    wrk = [wrk_run(i) for i in range(REPS)] if want("wrk") or not ONLY else []
    res = {}
    for tool, rs in runs.items():
        us = [r["cpu_s"] / metric(r, "http_reqs", "count") * 1e6
              for r in rs if r["rc"] == 0 and metric(r, "http_reqs", "count")]
        res[tool] = {"us_per_req": med(us), "rss_mb": med([r["rss_mb"] for r in rs]),
                     "cpu_s": med([r["cpu_s"] for r in rs]), "wall_s": med([r["wall_s"] for r in rs]),
                     "reqs_per_s": med([metric(r, "http_reqs", "rate") for r in rs])}
    if wrk:
        res["wrk"] = {"us_per_req": med([r["cpu_s"] / r["requests"] * 1e6 for r in wrk if r["requests"]])}
    results["rps50k"] = res

if want("rps500k"):
    log("rps500k: shared-iterations 50 VUs x 500 000 GET + check")
    runs = both("rps500k", "rps.js", {"VUS": 50, "ITERS": 500000}, REPS_BIG)
    results["rps500k"] = {
        tool: {"rss_mb": med([r["rss_mb"] for r in rs]), "cpu_s": med([r["cpu_s"] for r in rs]),
               "us_per_req": med([r["cpu_s"] / metric(r, "http_reqs", "count") * 1e6
                                  for r in rs if metric(r, "http_reqs", "count")])}
        for tool, rs in runs.items()}

if want("vus"):
    log("vus: constant-vus 1000 VUs, GET + sleep(1), 20 s")
    runs = both("vus1000", "vus_mem.js", {"VUS": 1000, "DURATION": "20s"}, REPS)
    results["vus1000"] = {tool: {"rss_mb": med([r["rss_mb"] for r in rs]),
                                 "cpu_s": med([r["cpu_s"] for r in rs]),
                                 "iterations": med([metric(r, "iterations", "count") for r in rs])}
                          for tool, rs in runs.items()}

if want("startup"):
    log("startup: per-vu-iterations 1000 VUs x 1 empty iteration")
    runs = both("startup", "startup.js", {"VUS": 1000}, REPS)
    results["startup"] = {tool: {"wall_s": med([r["wall_s"] for r in rs]),
                                 "cpu_s": med([r["cpu_s"] for r in rs]),
                                 "rss_mb": med([r["rss_mb"] for r in rs])}
                          for tool, rs in runs.items()}

if want("startup5000"):
    log("startup5000: per-vu-iterations 5000 VUs x 1 empty iteration")
    runs = both("startup5000", "startup.js", {"VUS": 5000}, REPS)
    results["startup5000"] = {tool: {"wall_s": med([r["wall_s"] for r in rs]),
                                     "cpu_s": med([r["cpu_s"] for r in rs]),
                                     "rss_mb": med([r["rss_mb"] for r in rs])}
                              for tool, rs in runs.items()}

if want("sharedcsv"):
    csv = os.path.join(WORK, "users-10k.csv")
    with open(csv, "w") as f:
        f.write("id,user,email,score\n")
        for i in range(10000):
            f.write(f"{i},user{i:05d},user{i:05d}@example.com,{(i * 37) % 1000}\n")
    log("sharedcsv: per-vu-iterations 1000 VUs x 1 iteration, a SharedArray from a 10k-line CSV")
    runs = both("sharedcsv", "shared_csv.js", {"VUS": 1000, "CSV": csv}, REPS)
    results["sharedcsv"] = {tool: {"wall_s": med([r["wall_s"] for r in rs]),
                                   "cpu_s": med([r["cpu_s"] for r in rs]),
                                   "rss_mb": med([r["rss_mb"] for r in rs])}
                            for tool, rs in runs.items()}

if want("delay"):
    log("delay: constant-vus 10 VUs, GET /delay/0.05 (rk6 target), 10 s")
    runs = both("delay", "delay.js", {"VUS": 10, "DURATION": "10s", "TARGET": DELAY_TARGET}, REPS)
    results["delay"] = {tool: {"med_ms": med([metric(r, "http_req_duration", "med") for r in rs]),
                               "p95_ms": med([metric(r, "http_req_duration", "p(95)") for r in rs])}
                        for tool, rs in runs.items()}

if want("arrival"):
    log("arrival: constant-arrival-rate 2000/s for 10 s, 50 VUs, GET + check")
    runs = both("arrival", "arrival.js", {"RATE": 2000, "DURATION": "10s", "VUS": 50}, REPS)
    results["arrival"] = {tool: {"iterations": med([metric(r, "iterations", "count") for r in rs]),
                                 "dropped": med([metric(r, "dropped_iterations", "count") or 0 for r in rs]),
                                 "cpu_s": med([r["cpu_s"] for r in rs])}
                          for tool, rs in runs.items()}

if want("ws"):
    for name, script in (("ws", "ws_hold.js"), ("wsapi", "ws_api_hold.js")):
        log(f"{name}: 200 VUs each holding a WebSocket 30 s, a message every 100 ms echoed ({script})")
        runs = both(name, script, {"VUS": 200, "HOLD_S": 30, "INTERVAL_MS": 100, "TARGET": WS_TARGET}, REPS)

        def per_msg(r):
            n = (metric(r, "ws_msgs_sent", "count") or 0) + (metric(r, "ws_msgs_received", "count") or 0)
            return r["cpu_s"] / n * 1e6 if r["rc"] == 0 and n else None
        results[name] = {tool: {"rss_mb": med([r["rss_mb"] for r in rs]), "cpu_s": med([r["cpu_s"] for r in rs]),
                                "us_per_msg": med([per_msg(r) for r in rs]),
                                "msgs": med([metric(r, "ws_msgs_received", "count") for r in rs])}
                         for tool, rs in runs.items()}
if want("grpc"):
    log("grpc: constant-vus 200 VUs, each a bidirectional stream to the rk6 target, a message every 100 ms, 30 s")
    protos = os.path.join(HERE, "..", "src", "target", "protos")
    runs = both("grpc", "grpc_streams.js", {"VUS": 200, "DURATION": "30s", "TARGET": DELAY_TARGET.split("//")[1],
                                            "PROTOS": protos}, REPS)
    res = {}
    for tool, rs in runs.items():
        msgs = [(metric(r, "grpc_streams_msgs_sent", "count") or 0) + (metric(r, "grpc_streams_msgs_received", "count") or 0)
                for r in rs]
        res[tool] = {"us_per_msg": med([r["cpu_s"] / m * 1e6 for r, m in zip(rs, msgs) if r["rc"] == 0 and m]),
                     "messages": med(msgs), "rss_mb": med([r["rss_mb"] for r in rs]),
                     "cpu_s": med([r["cpu_s"] for r in rs])}
    results["grpc"] = res

if want("pipeline"):
    log("pipeline: MetricsEngine ingest, no output")
    outs = []
    for i in range(REPS):
        p = subprocess.run(["taskset", "-c", "0", PIPELINE, "5000000"], capture_output=True, text=True)
        try:
            outs.append(json.loads(p.stdout.strip().splitlines()[-1]))
            log(f"  pipeline-{i}: {outs[-1]}")
        except (ValueError, IndexError):
            log(p.stdout + p.stderr)
    results["pipeline"] = {k: med([o[k] for o in outs]) for k in
                           ("ingest_samples_per_cpu_s", "end_to_end_samples_per_cpu_s")} if outs else {}

out = os.environ.get("OUT", os.path.join(WORK, "results.json"))
with open(out, "w") as f:
    json.dump(results, f, indent=1)


# ---- table ----
def fmt(v, spec=".1f"):
    return "–" if v is None else format(v, spec)


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def verdict(ok):
    return "–" if ok is None else ("met" if ok else "NOT met")


rows = []
if "rps50k" in results:
    r = results["rps50k"]
    a, b = r["rk6"]["us_per_req"], r["k6"]["us_per_req"]
    w = r.get("wrk", {}).get("us_per_req")
    q = ratio(a, b)
    rows.append(("CPU per request, 50 VUs × 50k GET+check (µs)", fmt(a), fmt(b), fmt(w),
                 f"{fmt(q, '.2f')}× k6, {fmt(ratio(a, w), '.1f')}× wrk", "≤ 0.33× k6",
                 verdict(None if q is None else q <= 0.33)))
    rows.append(("Requests/s on one core (50k run)", fmt(r["rk6"]["reqs_per_s"], ".0f"),
                 fmt(r["k6"]["reqs_per_s"], ".0f"), "", fmt(ratio(r["rk6"]["reqs_per_s"], r["k6"]["reqs_per_s"]), ".2f") + "×", "", ""))
    rows.append(("Peak RSS after 50k requests (MB)", fmt(r["rk6"]["rss_mb"]), fmt(r["k6"]["rss_mb"]), "",
                 fmt(ratio(r["rk6"]["rss_mb"], r["k6"]["rss_mb"]), ".2f") + "×", "", ""))
    if "rps500k" in results:
        r5 = results["rps500k"]
        g_rk6 = None if r5["rk6"]["rss_mb"] is None else r5["rk6"]["rss_mb"] - r["rk6"]["rss_mb"]
        g_k6 = None if r5["k6"]["rss_mb"] is None else r5["k6"]["rss_mb"] - r["k6"]["rss_mb"]
        rows.append(("Peak RSS after 500k requests (MB)", fmt(r5["rk6"]["rss_mb"]), fmt(r5["k6"]["rss_mb"]), "", "", "", ""))
        rows.append(("RSS growth 50k → 500k requests (MB)", fmt(g_rk6), fmt(g_k6), "", "", "≤ 5 MB",
                     verdict(None if g_rk6 is None else g_rk6 <= 5)))
if "vus1000" in results:
    r = results["vus1000"]
    q = ratio(r["rk6"]["rss_mb"], r["k6"]["rss_mb"])
    rows.append(("Peak RSS, 1000 VUs GET+sleep(1) 20 s (MB)", fmt(r["rk6"]["rss_mb"]), fmt(r["k6"]["rss_mb"]), "",
                 fmt(q, ".2f") + "×", "≤ 1.0× k6", verdict(None if q is None else q <= 1.0)))
    rows.append(("  = MB per VU", fmt(r["rk6"]["rss_mb"] and r["rk6"]["rss_mb"] / 1000, ".3f"),
                 fmt(r["k6"]["rss_mb"] and r["k6"]["rss_mb"] / 1000, ".3f"), "", "", "", ""))
if "startup" in results:
    r = results["startup"]
    q = ratio(r["rk6"]["wall_s"], r["k6"]["wall_s"])
    rows.append(("Start-up, 1000 VUs × 1 empty iteration, wall (s)", fmt(r["rk6"]["wall_s"], ".2f"),
                 fmt(r["k6"]["wall_s"], ".2f"), "", fmt(q, ".2f") + "×", "≤ 1.0× k6",
                 verdict(None if q is None else q <= 1.0)))
    rows.append(("  CPU (s) / peak RSS (MB)", f"{fmt(r['rk6']['cpu_s'], '.2f')} / {fmt(r['rk6']['rss_mb'], '.0f')}",
                 f"{fmt(r['k6']['cpu_s'], '.2f')} / {fmt(r['k6']['rss_mb'], '.0f')}", "", "", "", ""))
for key, what in (("startup5000", "Start-up, 5000 VUs × 1 empty iteration, wall (s)"),
                  ("sharedcsv", "Start-up, 1000 VUs, SharedArray from a 10k-line CSV, wall (s)")):
    if key in results:
        r = results[key]
        q = ratio(r["rk6"]["wall_s"], r["k6"]["wall_s"])
        rows.append((what, fmt(r["rk6"]["wall_s"], ".2f"), fmt(r["k6"]["wall_s"], ".2f"), "", fmt(q, ".2f") + "×",
                     "≤ 1.0× k6", verdict(None if q is None else q <= 1.0)))
        n = 5000 if key == "startup5000" else 1000
        rows.append(("  CPU (s) / peak RSS (MB) / MB per VU",
                     f"{fmt(r['rk6']['cpu_s'], '.2f')} / {fmt(r['rk6']['rss_mb'], '.0f')} / {fmt(r['rk6']['rss_mb'] and r['rk6']['rss_mb'] / n, '.3f')}",
                     f"{fmt(r['k6']['cpu_s'], '.2f')} / {fmt(r['k6']['rss_mb'], '.0f')} / {fmt(r['k6']['rss_mb'] and r['k6']['rss_mb'] / n, '.3f')}",
                     "", fmt(ratio(r["rk6"]["rss_mb"], r["k6"]["rss_mb"]), ".2f") + "× RSS", "", ""))
if "grpc" in results:
    r = results["grpc"]
    rows.append(("CPU per gRPC stream message, 200 VUs (µs)", fmt(r["rk6"]["us_per_msg"]), fmt(r["k6"]["us_per_msg"]), "",
                 fmt(ratio(r["rk6"]["us_per_msg"], r["k6"]["us_per_msg"]), ".2f") + "×", "", ""))
    rows.append(("  messages sent + received", fmt(r["rk6"]["messages"], ".0f"), fmt(r["k6"]["messages"], ".0f"), "", "", "", ""))
    rows.append(("  peak RSS (MB) / MB per VU", f"{fmt(r['rk6']['rss_mb'], '.0f')} / {fmt(r['rk6']['rss_mb'] and r['rk6']['rss_mb'] / 200, '.2f')}",
                 f"{fmt(r['k6']['rss_mb'], '.0f')} / {fmt(r['k6']['rss_mb'] and r['k6']['rss_mb'] / 200, '.2f')}", "",
                 fmt(ratio(r["rk6"]["rss_mb"], r["k6"]["rss_mb"]), ".2f") + "×", "", ""))
if "pipeline" in results and results["pipeline"]:
    p = results["pipeline"]
    v = p["ingest_samples_per_cpu_s"]
    rows.append(("Metrics ingest, no output (M samples/s/core)", fmt(v / 1e6, ".2f"), "", "", "", "≥ 1 M",
                 verdict(v >= 1e6)))
    rows.append(("  incl. building+sending the samples", fmt(p["end_to_end_samples_per_cpu_s"] / 1e6, ".2f"),
                 "", "", "", "", ""))
if "delay" in results:
    r = results["delay"]
    d = None if None in (r["rk6"]["med_ms"], r["k6"]["med_ms"]) else r["rk6"]["med_ms"] - r["k6"]["med_ms"]
    rows.append(("Median http_req_duration, 50 ms delay target (ms)", fmt(r["rk6"]["med_ms"], ".2f"),
                 fmt(r["k6"]["med_ms"], ".2f"), "", f"{fmt(d, '+.2f')} ms", "within 0.5 ms",
                 verdict(None if d is None else abs(d) <= 0.5)))

if "arrival" in results:
    r = results["arrival"]
    rows.append(("Arrival rate 2000/s × 10 s: iterations / dropped",
                 f"{fmt(r['rk6']['iterations'], '.0f')} / {fmt(r['rk6']['dropped'], '.0f')}",
                 f"{fmt(r['k6']['iterations'], '.0f')} / {fmt(r['k6']['dropped'], '.0f')}", "", "",
                 "on schedule (20 000)", verdict(None if r["rk6"]["iterations"] is None
                                                 else r["rk6"]["iterations"] >= 0.99 * 20000)))
    rows.append(("  CPU (s) at 2000 requests/s", fmt(r["rk6"]["cpu_s"], ".2f"), fmt(r["k6"]["cpu_s"], ".2f"), "",
                 fmt(ratio(r["rk6"]["cpu_s"], r["k6"]["cpu_s"]), ".2f") + "×", "", ""))

for name, api in (("ws", "k6/ws"), ("wsapi", "experimental/websockets")):
    if name in results:
        r = results[name]
        rows.append((f"WebSockets ({api}), 200 VUs × 30 s: MB per VU (peak RSS / 200)",
                     fmt(r["rk6"]["rss_mb"] and r["rk6"]["rss_mb"] / 200, ".3f"),
                     fmt(r["k6"]["rss_mb"] and r["k6"]["rss_mb"] / 200, ".3f"), "",
                     fmt(ratio(r["rk6"]["rss_mb"], r["k6"]["rss_mb"]), ".2f") + "×", "", ""))
        rows.append(("  CPU per message sent or received (µs)", fmt(r["rk6"]["us_per_msg"]), fmt(r["k6"]["us_per_msg"]),
                     "", fmt(ratio(r["rk6"]["us_per_msg"], r["k6"]["us_per_msg"]), ".2f") + "×", "", ""))

print(f"\nrk6 benchmark, {results['date']}, median of {REPS} (500k run: {REPS_BIG}); results in {out}\n")
print("| Measure | rk6 | k6 v1.1.0 | wrk | rk6 ratio | Target | |")
print("|---|---|---|---|---|---|---|")
for row in rows:
    print("| " + " | ".join(row) + " |")
