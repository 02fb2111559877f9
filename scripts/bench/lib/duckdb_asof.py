#!/usr/bin/env python3
"""The training-set benchmark's reference: the same point-in-time join in DuckDB.

For each spine row (driver_id, event_timestamp): the features row of the same driver with the
greatest event time <= the spine time and >= spine time - ttl, ties on event time going to the
greatest created time; null when none. That is fs's (and Feast's SQL stores') semantics. DuckDB's
ASOF JOIN matches on the greatest event time; ties on created time are resolved first (arg_max per
driver and event time), and the ttl bound is a filter on the matched row.

Usage: duckdb_asof.py FEATURES.csv SPINE.csv OUT.csv TTL_SECONDS
Prints the wall time of the query (reading both CSVs, joining, writing the CSV).
"""
import sys
import time

import duckdb

features, spine, out, ttl = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
con = duckdb.connect()
started = time.perf_counter()
con.execute(
    f"""
    COPY (
      WITH f AS (
        SELECT driver_id, event_timestamp,
               arg_max(conv_rate, created) AS conv_rate, arg_max(acc_rate, created) AS acc_rate,
               arg_max(avg_daily_trips, created) AS avg_daily_trips
        FROM read_csv('{features}', timestampformat = '%Y-%m-%dT%H:%M:%SZ')
        GROUP BY driver_id, event_timestamp
      ),
      s AS (
        SELECT row_number() OVER () AS row, * FROM read_csv('{spine}', timestampformat = '%Y-%m-%dT%H:%M:%SZ')
      )
      SELECT s.driver_id, strftime(s.event_timestamp, '%Y-%m-%dT%H:%M:%SZ') AS event_timestamp, s.label,
             CASE WHEN f.event_timestamp >= s.event_timestamp - INTERVAL {ttl} SECOND THEN f.conv_rate END AS conv_rate,
             CASE WHEN f.event_timestamp >= s.event_timestamp - INTERVAL {ttl} SECOND THEN f.acc_rate END AS acc_rate,
             CASE WHEN f.event_timestamp >= s.event_timestamp - INTERVAL {ttl} SECOND THEN f.avg_daily_trips END AS avg_daily_trips
      FROM s ASOF LEFT JOIN f ON s.driver_id = f.driver_id AND s.event_timestamp >= f.event_timestamp
      ORDER BY s.row
    ) TO '{out}' (HEADER, DELIMITER ',')
    """
)
print(f"{time.perf_counter() - started:.3f}")
