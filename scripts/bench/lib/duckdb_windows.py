#!/usr/bin/env python3
"""The windowed-aggregate benchmark's reference: the same backfill with DuckDB's window functions.

For each spine row (driver_id, t): over the trips of the same driver with t - w <= event time < t
(fs's window, half-open at the end), count(fare) over 1h, sum(fare) over 1d, avg(fare) over 7d,
max(distance_km) over 1d, count(fare) over 7d; count 0 and null sum/avg/max for an empty window
(fs gives sum 0, so sums are coalesced to 0). Spine rows and trips are one relation ordered by time
in microseconds, each aggregate a RANGE frame from w to 1 microsecond before the row.

Usage: duckdb_windows.py TRIPS.csv SPINE.csv OUT.csv
Prints the wall time of the query (reading both CSVs, the window functions, writing the CSV).
"""
import sys
import time

import duckdb

trips, spine, out = sys.argv[1], sys.argv[2], sys.argv[3]
HOUR = 3_600_000_000
DAY = 24 * HOUR
WEEK = 7 * DAY


def frame(width):
    return f"OVER (PARTITION BY driver_id ORDER BY t RANGE BETWEEN {width} PRECEDING AND 1 PRECEDING)"


con = duckdb.connect()
started = time.perf_counter()
con.execute(
    f"""
    COPY (
      WITH s AS (
        SELECT row_number() OVER () AS row, driver_id, event_timestamp
        FROM read_csv('{spine}', header = true, columns = {{'driver_id': 'BIGINT', 'event_timestamp': 'VARCHAR'}})
      ),
      events AS (
        SELECT driver_id, epoch_us(strptime(event_timestamp, '%Y-%m-%dT%H:%M:%S.%fZ')) AS t, fare, distance_km,
               NULL::BIGINT AS row, NULL::VARCHAR AS spine_time
        FROM read_csv('{trips}', header = true,
                      columns = {{'driver_id': 'BIGINT', 'event_timestamp': 'VARCHAR', 'fare': 'DOUBLE',
                                  'distance_km': 'DOUBLE'}})
        UNION ALL
        SELECT driver_id, epoch_us(strptime(event_timestamp, '%Y-%m-%dT%H:%M:%S.%fZ')), NULL, NULL, row,
               event_timestamp
        FROM s
      ),
      w AS (
        SELECT row, driver_id, spine_time,
               count(fare) {frame(HOUR)} AS trips_1h,
               coalesce(sum(fare) {frame(DAY)}, 0) AS fare_sum_1d,
               avg(fare) {frame(WEEK)} AS fare_avg_7d,
               max(distance_km) {frame(DAY)} AS distance_max_1d,
               count(fare) {frame(WEEK)} AS trips_7d
        FROM events
      )
      SELECT driver_id, spine_time AS event_timestamp, trips_1h, fare_sum_1d, fare_avg_7d, distance_max_1d, trips_7d
      FROM w WHERE row IS NOT NULL ORDER BY row
    ) TO '{out}' (HEADER, DELIMITER ',')
    """
)
print(f"{time.perf_counter() - started:.3f}")
