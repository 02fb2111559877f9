#!/usr/bin/env python3
"""Data and request bodies for scripts/bench/serve.

Writes, into --out:
  repo/bench.yaml    a push-free bench source with 10 float features, and 3 snapshot views over it
                     (bench_a: f0..f3, bench_b: f4..f6, bench_c: f7..f9), ttl 1d
  stats.csv          --drivers drivers x --hours hourly rows ending at --end
  one.jsonl          1000 lookup bodies: 1 entity x 10 features from the 3 views
  hundred.jsonl      200 lookup bodies: 100 entities x 10 features from the 3 views
"""
import argparse, datetime, json, os, random

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--drivers", type=int, default=10000)
p.add_argument("--hours", type=int, default=6)
p.add_argument("--end", required=True, help="RFC 3339 hour, e.g. 2026-11-24T03:00:00Z")
a = p.parse_args()

yaml = """sources:
  - name: bench_source
    kind: csv
    path: data/bench.csv
    timestamp_field: event_timestamp
    schema:
      driver_id: int64
      event_timestamp: timestamp
""" + "".join(f"      f{i}: float64\n" for i in range(10)) + """
feature_views:
"""
groups = {"bench_a": range(0, 4), "bench_b": range(4, 7), "bench_c": range(7, 10)}
for name, features in groups.items():
    yaml += f"""  - name: {name}
    entities: [driver]
    source: bench_source
    ttl: 1d
    features:
""" + "".join(f"      - name: f{i}\n        type: float64\n" for i in features)
with open(os.path.join(a.out, "repo", "bench.yaml"), "w") as f:
    f.write(yaml)

end = datetime.datetime.strptime(a.end, "%Y-%m-%dT%H:%M:%SZ")
rng = random.Random(7)
with open(os.path.join(a.out, "stats.csv"), "w") as f:
    f.write("driver_id,event_timestamp," + ",".join(f"f{i}" for i in range(10)) + "\n")
    for h in range(a.hours - 1, -1, -1):
        ts = (end - datetime.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for d in range(a.drivers):
            f.write(f"{1000 + d},{ts}," + ",".join(f"{rng.random():.6f}" for _ in range(10)) + "\n")

features = [f"{view}:f{i}" for view, fs in groups.items() for i in fs]
with open(os.path.join(a.out, "one.jsonl"), "w") as f:
    for _ in range(1000):
        f.write(json.dumps({"features": features, "entities": {"driver_id": [1000 + rng.randrange(a.drivers)]}}) + "\n")
with open(os.path.join(a.out, "hundred.jsonl"), "w") as f:
    for _ in range(200):
        ids = [1000 + rng.randrange(a.drivers) for _ in range(100)]
        f.write(json.dumps({"features": features, "entities": {"driver_id": ids}}) + "\n")
