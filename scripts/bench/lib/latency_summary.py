#!/usr/bin/env python3
"""Summarizes latency_probe.py files over one phase of a run.

Usage: latency_summary.py LABEL PHASE FILE...
Each FILE's directory holds `spans`: three wall-clock times, "IDLE_FROM BUSY_FROM BUSY_TO"; PHASE
is `idle` (IDLE_FROM to BUSY_FROM) or `busy` (BUSY_FROM to BUSY_TO). The files are pooled.
Prints: LABEL requests=N p50_us=... p99_us=... max_us=... non2xx=N
"""
import os
import sys

label, phase, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
latencies, failures = [], 0
for path in paths:
    idle_from, busy_from, busy_to = map(float, open(os.path.join(os.path.dirname(path), "spans")).read().split())
    start, end = (idle_from, busy_from) if phase == "idle" else (busy_from, busy_to)
    for line in open(path):
        sent, latency, status = line.split()
        if start <= float(sent) <= end:
            latencies.append(int(latency))
            failures += not status.startswith("2")
latencies.sort()


def percentile(p):
    return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] if latencies else 0


print(
    f"{label:14} requests={len(latencies)} p50_us={percentile(50)} p99_us={percentile(99)} "
    f"max_us={latencies[-1] if latencies else 0} non2xx={failures}"
)
