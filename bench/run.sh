#!/bin/sh
# `make bench`: throughput of the lead path against its own database baseline
# (docs/performance.md).
#   LEADROUTER_BIN=build/leadrouter sh bench/run.sh
# Starts a throwaway durable PostgreSQL (fsync and synchronous_commit on), loads 30 reps,
# 100,000 accounts (the cold PUT /v1/accounts is timed) and 300 named accounts, starts
# the server, then measures in the same run, at each connection count:
#   - the baseline, one lead per transaction: pgbench running the server's per-lead SQL
#     (bench/baseline.sql), and the first design's (bench/baseline_0001.sql);
#   - the service: wrk posting distinct, validly signed lead.created events
#     (bench/gen.py makes them, bench/events.lua sends each once), after an unmeasured
#     warm-up;
# then prints the table, also written to bench/results/latest.json (bench/report.py).
# Everything it starts is stopped and its temporary folder removed on exit.
# Knobs: BENCH_SECONDS (wrk run, default 15), BENCH_WARMUP_SECONDS (default 3),
# BENCH_BASELINE_SECONDS (default 10), BENCH_CONNECTIONS (default "32 128"),
# BENCH_EVENTS (requests generated per run, default 300000), BENCH_ACCOUNTS (default
# 100000), BENCH_WAL_PREWARM_MB (default 1536), BENCH_PG_SETTINGS ("name=value ..." for PostgreSQL, for experiments),
# BENCH_KEEP=1 (keep the temporary folder: logs, PostgreSQL data), LEADROUTER_* for the
# server (LEADROUTER_BATCH_MAX=1 turns group commit off).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=${LEADROUTER_BIN:-build/leadrouter}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
SECONDS_RUN=${BENCH_SECONDS:-15}
SECONDS_BASE=${BENCH_BASELINE_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-"32 128"}
EVENTS=${BENCH_EVENTS:-300000}
ACCOUNTS=${BENCH_ACCOUNTS:-100000}
WARMUP=${BENCH_WARMUP_SECONDS:-3}
WARMUP_EVENTS=60000
WAL_PREWARM_MB=${BENCH_WAL_PREWARM_MB:-1536}
NAMED=300
PYTHON=${PYTHON:-python3}

for tool in wrk pgbench psql "$PYTHON"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench: $BIN is missing: build it first" >&2; exit 1; }

started=$(date +%s)
tmp=$(mktemp -d /tmp/lr-bench.XXXXXX)
chmod 755 "$tmp" # the cluster runs as postgres under it when we are root
srv_pid=""
cleanup() {
    if [ -n "$srv_pid" ] && kill -0 "$srv_pid" 2>/dev/null; then
        kill -TERM "$srv_pid" 2>/dev/null || true
        wait "$srv_pid" 2>/dev/null || true
    fi
    bash scripts/pgtmp.sh stop "$tmp/pg" >/dev/null 2>&1 || true
    if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

say() { printf 'bench: %s\n' "$*" >&2; }

say "starting PostgreSQL (durable: fsync=on, synchronous_commit=on)"
DB_URL=$(bash scripts/pgtmp.sh start "$tmp/pg" durable)
export LEADROUTER_DATABASE_URL="$DB_URL"
LEADROUTER_WEBHOOK_SECRET="whsec_$("$PYTHON" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
export LEADROUTER_WEBHOOK_SECRET
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LEADROUTER_LISTEN="127.0.0.1:$PORT"
export LEADROUTER_LOG_LEVEL=${LEADROUTER_LOG_LEVEL:-warn}
URL="http://127.0.0.1:$PORT"
sql() { psql "$DB_URL" -X -q -v ON_ERROR_STOP=1 -Atc "$1"; }

# BENCH_PG_SETTINGS="name=value ...": extra PostgreSQL settings, for experiments.
for kv in ${BENCH_PG_SETTINGS:-}; do
    sql "ALTER SYSTEM SET ${kv%%=*} = '${kv#*=}'" >/dev/null
done
[ -z "${BENCH_PG_SETTINGS:-}" ] || sql "SELECT pg_reload_conf()" >/dev/null
"$BIN" migrate >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log" >&2; exit 1; }
TOKEN=$("$BIN" token create --role admin --name bench)
"$BIN" serve >"$tmp/server.log" 2>&1 &
srv_pid=$!
if ! "$PYTHON" bench/client.py wait "$URL/healthz"; then
    echo "bench: the server did not start:" >&2
    tail -n 20 "$tmp/server.log" >&2
    exit 1
fi

api() { # METHOD PATH CONTENT-TYPE DATA -> prints "status seconds"
    BENCH_TOKEN="$TOKEN" "$PYTHON" bench/client.py "$1" "$URL$2" "$3" "$4" "$tmp/api.out"
}
expect_2xx() { # WHAT "status seconds"
    case "$2" in 2*) ;; *) echo "bench: $1 answered $2: $(head -c 600 "$tmp/api.out")" >&2; exit 1 ;; esac
}

say "loading 30 reps, $ACCOUNTS accounts (cold, timed) and $NAMED named accounts"
owners=""
for seg_n in smb:12 mid_market:10 strategic:8; do
    seg=${seg_n%%:*}
    n=${seg_n#*:}
    k=1
    while [ "$k" -le "$n" ]; do
        id=$(printf '%s-%02d' "$seg" "$k")
        expect_2xx "PUT /v1/reps/$id" "$(api PUT "/v1/reps/$id" application/json \
            "{\"name\": \"Rep $id\", \"segment\": \"$seg\", \"active\": true, \"weight\": 1}")"
        [ "$seg" = smb ] || owners="$owners $id"
        k=$((k + 1))
    done
done
"$PYTHON" bench/gen.py accounts "$ACCOUNTS" >"$tmp/accounts.csv"
out=$(api PUT /v1/accounts text/csv "@$tmp/accounts.csv")
expect_2xx "PUT /v1/accounts" "$out"
accounts_seconds=${out#* }
PERIOD=$("$PYTHON" -c 'import datetime as d; t = d.datetime.now(d.timezone.utc); print("%d-Q%d" % (t.year, (t.month - 1) // 3 + 1))')
# shellcheck disable=SC2086
"$PYTHON" bench/gen.py named "$NAMED" $owners >"$tmp/named.csv"
expect_2xx "PUT /v1/named-accounts/$PERIOD" "$(api PUT "/v1/named-accounts/$PERIOD" text/csv "@$tmp/named.csv")"
sql "VACUUM ANALYZE"
# A database that has been running writes into recycled WAL segments; a fresh cluster
# creates and zero-fills a new 16 MB segment about every second of this load, and each
# creation stalls the commits behind it. So the bench fills and recycles WAL first (and
# lets it grow to 4 GB without a checkpoint in the middle of a run): both the baseline
# and the service then run in the steady state. BENCH_WAL_PREWARM_MB=0 skips this.
if [ "$WAL_PREWARM_MB" -gt 0 ]; then
    say "pre-allocating ${WAL_PREWARM_MB} MB of WAL segments"
    sql "ALTER SYSTEM SET max_wal_size = '4GB'" >/dev/null
    sql "SELECT pg_reload_conf()" >/dev/null
    sql "CREATE TABLE bench_wal_warm AS
           SELECT g, repeat('x', 900) AS pad FROM generate_series(1, $((WAL_PREWARM_MB * 1100))) g"
    sql "DROP TABLE bench_wal_warm"
    sql "CHECKPOINT"
fi

: >"$tmp/results.txt"
record() { printf '%s\n' "$*" >>"$tmp/results.txt"; }
record "accounts_rows $ACCOUNTS"
record "accounts_seconds $accounts_seconds"
record "period $PERIOD"
record "pool_size ${LEADROUTER_DB_POOL_SIZE:-default}"
record "batch_max ${LEADROUTER_BATCH_MAX:-default}"

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
BODY='{"type":"lead.created","timestamp":"'$NOW'","data":{"id":"pgb","email":"lead@d1.bench.test","domain":"d1.bench.test","company":"Company","employee_count":20,"expected_acv":12000,"fit_score":30,"source":"webinar"}}'
DECISION='{"event_id":"pgb","subject":"lead","subject_id":"pgb","queue":"smb","reason":"composite","composite_queue":"smb","signals":{"employee_count":{"value":20,"source":"enrichment","vote":"smb"},"expected_acv":{"value":12000.00,"source":"enrichment","vote":"smb"},"fit_score":{"value":30,"source":"enrichment","vote":"smb"}},"account":{"domain":"d1.bench.test","matched":true,"named_owner":null},"rules_version":1,"decided_at":"'$NOW'"}'

# The first design's per-lead function, under another name (0004 replaced it).
awk '/^CREATE FUNCTION lr_commit_lead\(/{p=1} p{print} p&&/^\$\$;/{exit}' migrations/0001_core.sql |
    sed 's/^CREATE FUNCTION lr_commit_lead(/CREATE FUNCTION bench_commit_lead_0001(/' >"$tmp/f0001.sql"
psql "$DB_URL" -X -q -v ON_ERROR_STOP=1 -f "$tmp/f0001.sql"

pgbench_run() { # NAME SCRIPT CLIENTS
    say "baseline $1: pgbench, one lead per transaction, $3 clients, ${SECONDS_BASE}s"
    pgbench -n -M prepared -c "$3" -j 2 -T "$SECONDS_BASE" -f "$2" \
        -D period="$PERIOD" -D body="$BODY" -D decision="$DECISION" "$DB_URL" \
        >"$tmp/pgbench-$1-$3.txt" 2>&1 || { cat "$tmp/pgbench-$1-$3.txt" >&2; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$tmp/pgbench-$1-$3.txt" | tail -n 1)
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$tmp/pgbench-$1-$3.txt")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$tmp/pgbench-$1-$3.txt")
    record "baseline $1 $3 ${tps:-0} ${lat:-0} ${failed:-0}"
}
# At each connection count: the baselines, then the service.
for c in $CONNECTIONS; do
    pgbench_run service bench/baseline.sql "$c"
    pgbench_run first_design bench/baseline_0001.sql "$c"
    # What the baselines wrote would otherwise call autovacuum into the service's run.
    sql "VACUUM ANALYZE"

    tag="c$c"
    # A short unmeasured run first: connections, prepared statements and plans warm.
    say "service: warm-up, $c connections, ${WARMUP}s"
    "$PYTHON" bench/gen.py events "w$c" "$WARMUP_EVENTS" "$ACCOUNTS" "$tmp/events-w$c.txt"
    wrk -t2 -c"$c" -d"${WARMUP}s" --timeout 10s -s bench/events.lua "$URL" -- \
        "$tmp/events-w$c.txt" 2 >"$tmp/wrk-w$c.txt" 2>&1 || { cat "$tmp/wrk-w$c.txt" >&2; exit 1; }
    rm -f "$tmp/events-w$c.txt"
    say "service: generating $EVENTS signed events"
    "$PYTHON" bench/gen.py events "$tag" "$EVENTS" "$ACCOUNTS" "$tmp/events-$tag.txt"
    before=$(sql "SELECT count(*) FROM leads")
    say "service: wrk, $c connections, ${SECONDS_RUN}s"
    wrk -t2 -c"$c" -d"${SECONDS_RUN}s" --timeout 10s -s bench/events.lua "$URL" -- \
        "$tmp/events-$tag.txt" 2 >"$tmp/wrk-$tag.txt" 2>&1 || { cat "$tmp/wrk-$tag.txt" >&2; exit 1; }
    rm -f "$tmp/events-$tag.txt"
    # Requests still in the server when wrk stopped commit a moment later.
    after=-1
    now=$(sql "SELECT count(*) FROM leads")
    while [ "$now" != "$after" ]; do
        after=$now
        sleep 0.5
        now=$(sql "SELECT count(*) FROM leads")
    done
    created=$(sql "SELECT count(*) FROM webhook_events WHERE webhook_id LIKE 'msg\\_${tag}\\_%' AND response_status = 201")
    record "service $c $((after - before)) $created $(sed -n 's/^WRKJSON //p' "$tmp/wrk-$tag.txt")"
done

rss_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$srv_pid/status")
threads=$(sed -n 's/^Threads:[[:space:]]*\([0-9]*\)/\1/p' "/proc/$srv_pid/status")
record "server_peak_rss_kb $rss_kb"
record "server_threads $threads"
# Round robin after everything (pgbench and the service share the turn counters): with
# equal weights every rep of a segment has floor(N/k) or ceil(N/k) turns.
sql "SELECT r.segment, count(a.seq) FROM reps r LEFT JOIN assignments a ON a.rep_id = r.id
       AND a.subject = 'lead' AND a.reason = 'composite' GROUP BY r.id, r.segment" |
    while IFS='|' read -r seg n; do record "rr $seg $n"; done
record "server_warnings $(grep -cE '"level": ?"(warn|error)"' "$tmp/server.log" || true)"
record "elapsed_seconds $(($(date +%s) - started))"

mkdir -p bench/results
"$PYTHON" bench/report.py "$tmp/results.txt" bench/results/latest.json
