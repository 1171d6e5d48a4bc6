#!/usr/bin/env python3
"""The table of issue 15: String/RegExp/JSON built-ins on N lines, rk6 beside k6.

Runs bench/scripts/engine_ops.js (one setup() that times each operation once) with N = 4000,
16 000 and 64 000 lines on both tools, RUNS times (alternating tools and sizes), and prints a
Markdown table of the median milliseconds, with the growth from 16 000 to 64 000 lines (linear
work grows about 4x). No target server is needed.

Environment: RK6 (default target/release/rk6), K6 (default /opt/k6/bin/k6),
LINES (comma list, default 4000,16000,64000), RUNS (default 3),
SCRIPT (default engine_ops.js; engine_json_regexp.js for the JSON and UTF-16 follow-ups),
OUT (JSON results file, every run).
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "scripts", os.environ.get("SCRIPT", "engine_ops.js"))
RK6 = os.environ.get("RK6", os.path.join(HERE, "..", "target", "release", "rk6"))
K6 = os.environ.get("K6", "/opt/k6/bin/k6")
LINES = [int(n) for n in os.environ.get("LINES", "4000,16000,64000").split(",")]
RUNS = int(os.environ.get("RUNS", "3"))


def run(tool, n):
    cmd = [tool, "run", "-q", "--no-usage-report", "-e", f"LINES={n}", SCRIPT]
    if tool == RK6:
        cmd.remove("--no-usage-report")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    print(f"{tool} LINES={n}: no result (exit {p.returncode})\n{p.stderr[-2000:]}", file=sys.stderr)
    return None


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2


def main():
    runs = {}
    for i in range(RUNS):
        for n in LINES:
            for name, tool in (("rk6", RK6), ("k6", K6)):
                print(f"run {i + 1}/{RUNS}: {name} LINES={n}...", file=sys.stderr, flush=True)
                r = run(tool, n)
                if r:
                    runs.setdefault((name, n), []).append(r)
    # Median of each operation over the runs that produced a result.
    results = {
        key: {op: median([r[op] for r in rs]) for op in rs[0]} for key, rs in runs.items()
    }
    ops = [k for k in (results.get(("rk6", LINES[0])) or results.get(("k6", LINES[0])) or {})
           if k not in ("lines", "bytes")]
    head = "| operation | " + " | ".join(f"rk6 {n} | k6 {n}" for n in LINES)
    if len(LINES) > 1:
        head += f" | rk6 {LINES[-1]}/{LINES[-2]} | k6 {LINES[-1]}/{LINES[-2]} |"
    else:
        head += " |"
    print(head)
    print("|---" * (1 + 2 * len(LINES) + 2 * (len(LINES) > 1)) + "|")
    for op in ops:
        cells = []
        for n in LINES:
            for name in ("rk6", "k6"):
                r = results.get((name, n))
                cells.append(f"{r[op]:g} ms" if r and op in r else "-")
        row = f"| `{op}` | " + " | ".join(cells)
        if len(LINES) > 1:
            for name in ("rk6", "k6"):
                a, b = results.get((name, LINES[-2])), results.get((name, LINES[-1]))
                growth = f"{b[op] / a[op]:.1f}x" if a and b and a.get(op) and op in b else "-"
                row += f" | {growth}"
            row += " |"
        else:
            row += " |"
        print(row)
    out = os.environ.get("OUT")
    if out:
        with open(out, "w") as f:
            json.dump({f"{k[0]}-{k[1]}": v for k, v in runs.items()}, f, indent=1)


if __name__ == "__main__":
    main()
