#!/usr/bin/env python3
"""Maximal lookup bodies for scripts/bench/serve-memory: each just under --max-body (8 MiB).

Writes into --out:
  numbers.json   {"features": [...], "entities": {"driver_id": [1,1,1,...]}}: ~4.2M small
                 numbers in one entity column (refused: more rows than --max-entities)
  padded.json    a valid lookup of 10,000 entities (the default --max-entities) x 3 features, with
                 an unknown member "padding": [0,0,...] filling the rest (answered)
  objects.json   a valid one-entity lookup with "padding": [{"a":0},{"a":0},...] (~1M small
                 objects, each checked for repeated members, then passed over; answered)
  strings.json   a valid one-entity lookup with "padding": ["\\u00e9...", ...]: escaped strings
                 (answered)
"""
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--max-body", type=int, default=8 * 1024 * 1024)
args = parser.parse_args()
limit = args.max_body - 64  # room for the closing brackets
features = '["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips"]'


def fill(head, item, tail):
    count = (limit - len(head) - len(tail)) // (len(item) + 1)
    return head + ",".join([item] * count) + tail


bodies = {
    "numbers": fill('{"features": ' + features + ', "entities": {"driver_id": [', "1", "]}}"),
    "padded": fill(
        '{"features": ' + features + ', "entities": {"driver_id": ['
        + ",".join(str(1001 + i % 2000) for i in range(10_000)) + ']}, "padding": [',
        "0",
        "]}",
    ),
    "objects": fill(
        '{"features": ' + features + ', "entities": {"driver_id": [1001]}, "padding": [', '{"a":0}', "]}"
    ),
    "strings": fill(
        '{"features": ' + features + ', "entities": {"driver_id": [1001]}, "padding": [',
        '"\\u00e9t\\u00e9 \\"x\\""',
        "]}",
    ),
}
for name, body in bodies.items():
    assert len(body) <= args.max_body, name
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        f.write(body)
