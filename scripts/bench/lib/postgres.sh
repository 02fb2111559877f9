# A throwaway PostgreSQL cluster for the benchmarks (sourced): initdb into DIR, postgres on a free
# loopback port with password authentication, as `nobody` when run as root (postgres refuses root).
# Settings are PostgreSQL's defaults except durability (fsync, synchronous_commit and
# full_page_writes off: a benchmark cluster is thrown away, and both fs and Feast run against the
# same one) and shared_buffers/work_mem sized for this machine's data (set below).
#   start_postgres DIR   sets PG_PORT, PG_USER (fs), PG_PASSWORD, PG_DATABASE (postgres), PG_DSN
#   stop_postgres        fast shutdown
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
PG_PID=""

start_postgres() {
    local dir="$1"
    rm -rf "$dir" && mkdir -p "$dir"
    PG_USER=fs
    PG_DATABASE=postgres
    PG_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf '%s\n' "$PG_PASSWORD" > "$dir/pwfile"
    local run=()
    if [ "$(id -u)" -eq 0 ]; then
        chown -R nobody:nogroup "$dir"
        chmod 755 "$dir"
        run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    fi
    "${run[@]}" "$PG_BIN/initdb" -D "$dir/data" -U "$PG_USER" --pwfile="$dir/pwfile" -A scram-sha-256 \
        -E UTF8 --locale=C >/dev/null
    "${run[@]}" "$PG_BIN/postgres" -D "$dir/data" -p "$PG_PORT" -k "$dir" -c listen_addresses=127.0.0.1 \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB \
        -c work_mem=256MB -c maintenance_work_mem=512MB -c jit=${PG_JIT:-on} -c max_wal_size=4GB \
        -c logging_collector=on -c log_directory="$dir/log" >/dev/null 2>&1 &
    PG_PID=$!
    for _ in $(seq 200); do
        PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DATABASE" -qAtc 'SELECT 1' \
            >/dev/null 2>&1 && break
        sleep 0.1
    done
    PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DATABASE" -qAtc 'SELECT 1' \
        >/dev/null || { echo "postgres on $PG_PORT did not start"; return 1; }
    PG_DSN="postgresql://$PG_USER@127.0.0.1:$PG_PORT/$PG_DATABASE?statement_timeout=0"
    export PG_PORT PG_USER PG_PASSWORD PG_DATABASE PG_DSN
}

stop_postgres() {
    [ -n "$PG_PID" ] && kill -INT "$PG_PID" 2>/dev/null && wait "$PG_PID" 2>/dev/null || true
    PG_PID=""
}

# psql_run SQL: runs SQL in the benchmark database.
psql_run() {
    PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DATABASE" -v ON_ERROR_STOP=1 -qAt "$@"
}
