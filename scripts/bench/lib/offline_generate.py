#!/usr/bin/env python3
"""Generates the offline-store benchmark data: hourly driver statistics and a training spine.

features.csv: one row per driver and hour (driver_id, event_timestamp, created, conv_rate,
acc_rate, avg_daily_trips), about 1% delivered again with a later created time.
spine.csv: driver_id, event_timestamp, label; ~5% unknown drivers, ~5% of times outside the data.
Deterministic for a given seed.
"""
import argparse
import datetime as dt
import random

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--drivers", type=int, default=2000)
parser.add_argument("--days", type=int, default=24)
parser.add_argument("--spine", type=int, default=500_000)
parser.add_argument("--end", default="2026-11-20T00:00:00")
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()

rng = random.Random(args.seed)
end = dt.datetime.fromisoformat(args.end)
hours = args.days * 24
start = end - dt.timedelta(hours=hours - 1)
first_driver = 1001
fmt = "%Y-%m-%dT%H:%M:%SZ"

rows = 0
with open(f"{args.out}/features.csv", "w") as f:
    f.write("driver_id,event_timestamp,created,conv_rate,acc_rate,avg_daily_trips\n")
    for h in range(hours):
        event = start + dt.timedelta(hours=h)
        event_text = event.strftime(fmt)
        lines = []
        for d in range(args.drivers):
            driver = first_driver + d
            created = event + dt.timedelta(seconds=rng.randrange(300))
            conv = rng.randrange(1_000_000) / 1_000_000
            acc = rng.randrange(1_000_000) / 1_000_000
            trips = rng.randrange(40)
            lines.append(f"{driver},{event_text},{created.strftime(fmt)},{conv},{acc},{trips}\n")
            rows += 1
            if rng.randrange(100) == 0:
                later = (created + dt.timedelta(hours=1)).strftime(fmt)
                lines.append(f"{driver},{event_text},{later},{min(1.0, conv + 0.01)},{acc},{trips + 1}\n")
                rows += 1
        f.write("".join(lines))

span = int((end - start).total_seconds()) + 3600
with open(f"{args.out}/spine.csv", "w") as f:
    f.write("driver_id,event_timestamp,label\n")
    lines = []
    for _ in range(args.spine):
        r = rng.random()
        driver = first_driver + rng.randrange(args.drivers) if r > 0.05 else 900_000 + rng.randrange(10_000)
        offset = rng.randrange(span)
        if rng.random() < 0.05:  # outside the data: before it, or days after it
            offset = -rng.randrange(1, 5 * 86_400) if rng.random() < 0.5 else span + rng.randrange(5 * 86_400)
        t = start + dt.timedelta(seconds=offset)
        lines.append(f"{driver},{t.strftime(fmt)},{rng.randrange(2)}\n")
    f.write("".join(lines))

print(f"features.csv: {rows} rows; spine.csv: {args.spine} rows")
