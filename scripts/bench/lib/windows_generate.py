#!/usr/bin/env python3
"""Generates the windowed-aggregate benchmark data.

trips.csv: driver_id, event_timestamp (unique per driver, microsecond precision), fare, distance_km:
EVENTS trips spread uniformly over DAYS days for DRIVERS drivers.
spine.csv: driver_id, event_timestamp: SPINE rows, ~5% unknown drivers, times over the same days.
Deterministic for a given seed.
"""
import argparse
import random

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--drivers", type=int, default=2000)
parser.add_argument("--days", type=int, default=30)
parser.add_argument("--events", type=int, default=5_000_000)
parser.add_argument("--spine", type=int, default=500_000)
parser.add_argument("--end", type=int, default=1_763_596_800, help="end of the data, epoch seconds")
parser.add_argument("--seed", type=int, default=11)
args = parser.parse_args()

rng = random.Random(args.seed)
span = args.days * 86_400 * 1_000_000
end = args.end * 1_000_000
start = end - span


def rfc3339(micros):
    seconds, fraction = divmod(micros, 1_000_000)
    import time
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{text}.{fraction:06d}Z"


with open(f"{args.out}/trips.csv", "w") as f:
    f.write("driver_id,event_timestamp,fare,distance_km\n")
    batch = []
    for i in range(args.events):
        driver = 1001 + rng.randrange(args.drivers)
        t = start + rng.randrange(span)
        distance = rng.randrange(30_000) / 1000 + 0.5
        fare = round(2.5 + distance * 1.2 + rng.randrange(500) / 100, 2)
        batch.append(f"{driver},{rfc3339(t)},{fare},{distance}\n")
        if len(batch) >= 100_000:
            f.write("".join(batch))
            batch = []
    f.write("".join(batch))

with open(f"{args.out}/spine.csv", "w") as f:
    f.write("driver_id,event_timestamp\n")
    batch = []
    for _ in range(args.spine):
        driver = 1001 + rng.randrange(args.drivers) if rng.random() > 0.05 else 900_000 + rng.randrange(1000)
        batch.append(f"{driver},{rfc3339(start + rng.randrange(span))}\n")
    f.write("".join(batch))
