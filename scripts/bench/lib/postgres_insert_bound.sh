#!/usr/bin/env bash
# What PostgreSQL itself needs to store the offline benchmark's rows (no fs involved): 1,164,000
# rows of the driver_hourly_stats history layout (7 BIGINT/DOUBLE columns, in event-time order),
# held as 20,000-row arrays in a table first, then inserted by `INSERT ... SELECT FROM unnest(...)`
# (fs's ingest statement) into a table with no index, with the clustering key only, and with both
# of fs's indexes (the key and the unique arrival number); then binary `COPY` into the last.
# Usage: scripts/bench/lib/postgres_insert_bound.sh   (a throwaway cluster, as offline-postgres's)
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/bench/lib/postgres.sh
WORK="$PWD/bench-work/postgres-insert-bound"
rm -rf "$WORK" && mkdir -p "$WORK"
trap stop_postgres EXIT
start_postgres "$WORK/pg"
psql_run <<SQL
CREATE TABLE arrays AS
SELECT b, array_agg(1767225600000000::bigint + (g / 2000) * 3600000000 ORDER BY g) e, array_agg(g::bigint ORDER BY g) s,
       array_agg(1767225600000000::bigint + g ORDER BY g) c, array_agg((1001 + g % 2000)::bigint ORDER BY g) d,
       array_agg(random() ORDER BY g) r1, array_agg(random() ORDER BY g) r2, array_agg((g * 7 % 1000)::bigint ORDER BY g) t
FROM (SELECT g, g / 20000 AS b FROM generate_series(0, 1163999) g) x GROUP BY b;
CREATE TABLE heap_only (__event_ts BIGINT NOT NULL, __seq BIGINT NOT NULL, __created_ts BIGINT NOT NULL,
    driver_id BIGINT, conv_rate DOUBLE PRECISION, acc_rate DOUBLE PRECISION, avg_daily_trips BIGINT);
CREATE TABLE key_only (LIKE heap_only, PRIMARY KEY (__event_ts, __seq));
CREATE TABLE fs_layout (LIKE heap_only, PRIMARY KEY (__event_ts, __seq));
CREATE UNIQUE INDEX fs_layout__seq ON fs_layout (__seq);
SQL
for table in heap_only key_only fs_layout; do
    echo "INSERT ... SELECT FROM unnest into $table:"
    psql_run -c '\timing on' -c "INSERT INTO $table SELECT u.* FROM arrays, LATERAL unnest(e, s, c, d, r1, r2, t) AS u" | grep Time
done
psql_run -c "COPY heap_only TO '$WORK/pg/rows.bin' WITH (FORMAT binary)" -c "TRUNCATE fs_layout"
echo "binary COPY into fs_layout:"
psql_run -c '\timing on' -c "COPY fs_layout FROM '$WORK/pg/rows.bin' WITH (FORMAT binary)" | grep Time
