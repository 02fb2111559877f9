"""Feast's side of scripts/redis-interop: reads what fs wrote to Redis, then writes rows for fs.

Usage: redis_interop.py REPO_DIR read|write
"""
import sys
from datetime import datetime, timezone

import pandas as pd
from feast import FeatureStore

repo, step = sys.argv[1], sys.argv[2]
store = FeatureStore(repo_path=repo)
features = ["driver_stats:conv_rate", "driver_stats:trips", "driver_stats:name"]

if step == "read":
    got = store.get_online_features(features=features, entity_rows=[{"driver_id": 1001}, {"driver_id": 1002},
                                                                     {"driver_id": 999}]).to_dict()
    expected = {"driver_id": [1001, 1002, 999], "conv_rate": [0.75, 0.5, None], "trips": [3, -7, None],
                "name": ["alice", "bob é", None]}
    if got != expected:
        sys.exit(f"Feast read {got}, expected {expected}")
    print("Feast read what fs wrote:", got)
elif step == "write":
    rows = pd.DataFrame({
        "driver_id": [2001, 1001],
        "event_timestamp": [datetime(2026, 1, 3, tzinfo=timezone.utc), datetime(2026, 1, 3, tzinfo=timezone.utc)],
        "conv_rate": [0.25, 0.125], "trips": [42, 5], "name": ["carol", "alice 2"],
    })
    store.write_to_online_store("driver_stats", rows)
    print("Feast wrote rows for fs")
else:
    sys.exit(f"unknown step {step}")
