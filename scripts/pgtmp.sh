#!/bin/bash
# A throwaway PostgreSQL cluster on a free loopback port.
#   pgtmp.sh start DIR [durable]  -> prints the database URL; DIR is created if needed
#   pgtmp.sh stop DIR             -> stops it (DIR is kept; remove it yourself)
# initdb and pg_ctl refuse to run as root, so as root the cluster runs as `postgres`.
# fsync is off unless "durable" is given (tests only need a throwaway copy).
# PGTMP_OPTS: more server options, e.g. "-c shared_preload_libraries=pg_stat_statements"
# to see what each statement of a bench run cost (docs/performance.md).
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
cmd=${1:?start or stop}
dir=${2:?data directory}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

case "$cmd" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # The port is free when checked but another process may take it before the
    # server binds: try a few ports.
    started=""
    for _ in $(seq 1 8); do
        port=""
        for _ in $(seq 1 50); do
            p=$((20000 + RANDOM % 40000))
            if port_free "$p"; then port=$p; break; fi
        done
        [ -n "$port" ] || { echo "no free port" >&2; exit 1; }
        opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200"
        if [ "${3:-}" = durable ]; then
            opts="$opts -c synchronous_commit=on -c fsync=on"
        else
            opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        fi
        opts="$opts ${PGTMP_OPTS:-}"
        if as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null; then
            started=1
            break
        fi
    done
    [ -n "$started" ] || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc \
        "SELECT 1 FROM pg_database WHERE datname = 'leadrouter'" | grep -q 1 ||
        as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres leadrouter
    echo "postgresql://postgres@127.0.0.1:$port/leadrouter"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    ;;
*)
    echo "usage: pgtmp.sh start|stop DIR" >&2
    exit 2
    ;;
esac
