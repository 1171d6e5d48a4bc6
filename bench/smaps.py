#!/usr/bin/env python3
"""Resident memory of a running process by kind of mapping: `bench/smaps.py PID`.

VU thread stacks are the 2 MiB anonymous mappings (one per VU, plus a few); the allocator's
arenas are the other anonymous mappings. Used for bench/PROFILE.md.
"""
import collections
import re
import sys

pid = sys.argv[1]
cur = None
rss = collections.Counter()
count = collections.Counter()
for line in open(f"/proc/{pid}/smaps"):
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)", line)
    if m:
        size = int(m.group(2), 16) - int(m.group(1), 16)
        name = m.group(4) or ("thread stacks (2 MiB)" if size == 2 << 20 else "anonymous (heap arenas)")
        cur = name
        continue
    if line.startswith("Rss:"):
        rss[cur] += int(line.split()[1])
        count[cur] += 1
print(f"total RSS {sum(rss.values()) / 1024:.1f} MB")
for k, v in rss.most_common(6):
    print(f"  {v / 1024:8.1f} MB  {count[k]:5d} mappings  {k}")
