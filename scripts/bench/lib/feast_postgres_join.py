#!/usr/bin/env python3
"""The reference of the PostgreSQL training-set benchmark: Feast's PostgreSQL offline store.

Loads FEATURES.csv into an indexed table on the benchmark cluster (not timed: the data sits in
PostgreSQL before the join, as it would in production), registers the same view as fs's demo
(driver_hourly_stats, ttl TTL_SECONDS, created time as the tie-breaker) in a throwaway Feast repo,
and times `get_historical_features(spine).to_df()` for SPINE.csv's rows with three features. Feast
uploads the spine into a table and runs its point-in-time SQL in PostgreSQL. The result goes to
OUT.csv with the spine's columns and the features, in the spine's order, for comparison.

Usage: feast_postgres_join.py FEATURES.csv SPINE.csv OUT.csv TTL_SECONDS  (PG_PORT, PG_USER,
PG_PASSWORD, PG_DATABASE in the environment). Prints the wall seconds of the join.
"""
import os
import sys
import tempfile
import time
from datetime import timedelta

import pandas as pd
import psycopg

features_csv, spine_csv, out_csv, ttl = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pg = dict(
    host="127.0.0.1", port=int(os.environ["PG_PORT"]), user=os.environ["PG_USER"],
    password=os.environ["PG_PASSWORD"], dbname=os.environ["PG_DATABASE"],
)

with psycopg.connect(**pg, autocommit=True) as conn:
    conn.execute("DROP TABLE IF EXISTS feast_driver_hourly_stats")
    conn.execute(
        "CREATE TABLE feast_driver_hourly_stats (driver_id BIGINT, event_timestamp TIMESTAMPTZ,"
        " created TIMESTAMPTZ, conv_rate DOUBLE PRECISION, acc_rate DOUBLE PRECISION, avg_daily_trips BIGINT)"
    )
    with conn.cursor() as cur, open(features_csv, "rb") as f:
        with cur.copy("COPY feast_driver_hourly_stats FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
    conn.execute("CREATE INDEX ON feast_driver_hourly_stats (driver_id, event_timestamp)")
    conn.execute("ANALYZE feast_driver_hourly_stats")

repo = tempfile.mkdtemp(prefix="feast-pg-")
with open(f"{repo}/feature_store.yaml", "w") as f:
    f.write(
        f"""project: bench
provider: local
registry: {repo}/registry.db
online_store: {{type: sqlite, path: {repo}/online.db}}
offline_store:
  type: postgres
  host: 127.0.0.1
  port: {pg['port']}
  database: {pg['dbname']}
  db_schema: public
  user: {pg['user']}
  password: {pg["password"]}
  sslmode: disable
entity_key_serialization_version: 3
"""
    )

from feast import Entity, FeatureStore, FeatureView, Field  # noqa: E402
from feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source import (  # noqa: E402
    PostgreSQLSource,
)
from feast.types import Float64, Int64  # noqa: E402
from feast.value_type import ValueType  # noqa: E402

driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
source = PostgreSQLSource(
    name="driver_hourly_stats_source", table="feast_driver_hourly_stats",
    timestamp_field="event_timestamp", created_timestamp_column="created",
)
view = FeatureView(
    name="driver_hourly_stats", entities=[driver], ttl=timedelta(seconds=ttl), source=source,
    schema=[Field(name="conv_rate", dtype=Float64), Field(name="acc_rate", dtype=Float64),
            Field(name="avg_daily_trips", dtype=Int64)],
)
store = FeatureStore(repo_path=repo)
store.apply([driver, view])

spine = pd.read_csv(spine_csv)
spine["event_timestamp"] = pd.to_datetime(spine["event_timestamp"], utc=True)
spine["spine_row"] = range(len(spine))
started = time.perf_counter()
result = store.get_historical_features(
    entity_df=spine,
    features=["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips"],
).to_df()
seconds = time.perf_counter() - started
result = result.sort_values("spine_row").drop(columns=["spine_row"])
result["event_timestamp"] = result["event_timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
result["avg_daily_trips"] = result["avg_daily_trips"].astype("Int64")
result[["driver_id", "event_timestamp", "label", "conv_rate", "acc_rate", "avg_daily_trips"]].to_csv(
    out_csv, index=False)
print(f"{seconds:.3f}")
