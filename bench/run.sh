#!/bin/sh
# `make bench`: the lead path against an honest baseline (docs/performance.md).
#   LEADROUTER_BIN=build/leadrouter sh bench/run.sh
# Starts a throwaway durable PostgreSQL (fsync and synchronous_commit on), loads 30 reps,
# 100,000 accounts (the cold PUT /v1/accounts is timed) and 300 named accounts, and does
# NOT analyse anything: the service meets its first burst on a freshly migrated database,
# as a new deployment does. Then, in the same run:
#   - the baseline before: pgbench, 8 clients, bench/baseline_min.sql, the minimal
#     durable one-transaction-per-lead design (lookup, sequence-backed turn, assignment
#     with its decision as jsonb, audit row; one round trip);
#   - at each connection count, the service: wrk posting distinct, validly signed
#     lead.created events with random ids (bench/gen.py makes them: named accounts, free
#     mail, unknown domains and about a fifth conflicting or missing signals that go to
#     review; bench/events.lua sends each once), after an unmeasured warm-up; with the
#     WAL bytes, rows written, the busiest backend's CPU (the write lane) and leadrouter's
#     CPU (the server process and its backends) per lead;
#   - the baseline after;
# then prints the table, also written to bench/results/latest.json (bench/report.py).
# Everything it starts is stopped and its temporary folder removed on exit.
# Knobs: BENCH_SECONDS (wrk run, default 15), BENCH_WARMUP_SECONDS (default 3),
# BENCH_BASELINE_SECONDS (default 10), BENCH_CONNECTIONS (default "32 128"),
# BENCH_EVENTS (requests generated per run, default 300000), BENCH_ACCOUNTS (default
# 100000), BENCH_WAL_PREWARM_MB (default 1536), BENCH_PG_SETTINGS ("name=value ..." for
# PostgreSQL, for experiments), BENCH_WALDUMP=1 (pg_waldump --stats of each run, and WAL
# per lead by relation),
# BENCH_KEEP=1 (keep the temporary folder: logs, PostgreSQL data), LEADROUTER_* for the server (LEADROUTER_BATCH_MAX=1 turns group commit off).
# BENCH_RATE=N: the measured runs offer about N requests a second (each connection
# pauses connections/N seconds before each request; the real rate is a little lower and
# is what the table shows): latency at a fixed load below saturation, for comparing two
# configurations that saturate at different rates (write-back on and off).
# BENCH_WRITEBACK=1 (or webhook; hubspot or salesforce for a CRM destination, which gets
# the assignments that have a rep, unsigned, without publication of their ids): write-back
# on (SPEC 3.6), to a local healthy CRM (bench/sink.c,
# BENCH_SINK_BIN, built by `make bench`) that answers every request 200; after each run
# the bench waits for the outbox to drain and the costs per lead include the deliveries.
# BENCH_CRM=silent (with BENCH_WRITEBACK): the CRM accepts connections and never answers
# (bench/silent_crm.py), so no delivery succeeds (requests wait for the timeout): the lead
# path with its outbox rows apart from the deliveries' own CPU; the rows stay pending.
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
sink_pid=""
cleanup() {
    if [ -n "$sink_pid" ] && kill -0 "$sink_pid" 2>/dev/null; then
        kill -TERM "$sink_pid" 2>/dev/null || true
        wait "$sink_pid" 2>/dev/null || true
    fi
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
if [ -n "${BENCH_WRITEBACK:-}" ]; then
    SINK=${BENCH_SINK_BIN:-build/bench-sink}
    case "$SINK" in /*) ;; *) SINK="$ROOT/$SINK" ;; esac
    [ -x "$SINK" ] || { echo "bench: $SINK is missing: make build/bench-sink" >&2; exit 1; }
    SINK_PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if [ "${BENCH_CRM:-}" = silent ]; then
        "$PYTHON" bench/silent_crm.py "$SINK_PORT" >"$tmp/sink.out" 2>&1 &
    else
        "$SINK" "$SINK_PORT" >"$tmp/sink.out" 2>&1 &
    fi
    sink_pid=$!
    case "$BENCH_WRITEBACK" in
    hubspot | salesforce) # a CRM: the owner of every assignment that has a rep
        export LEADROUTER_WRITEBACK="$BENCH_WRITEBACK"
        export LEADROUTER_WRITEBACK_URL="http://127.0.0.1:$SINK_PORT"
        export LEADROUTER_WRITEBACK_TOKEN=bench-token
        ;;
    *) # 1 or webhook: every assignment, signed
        export LEADROUTER_WRITEBACK=webhook
        export LEADROUTER_WRITEBACK_URL="http://127.0.0.1:$SINK_PORT/leadrouter/assignments"
        LEADROUTER_WRITEBACK_SECRET="whsec_$("$PYTHON" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
        export LEADROUTER_WRITEBACK_SECRET
        ;;
    esac
fi
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
# The baseline's own tables, beside the service's (it reads accounts and named_accounts).
sql "CREATE TABLE bench_min_assignments (id bigserial PRIMARY KEY, lead_id text NOT NULL UNIQUE,
       queue text NOT NULL, rep_id text, decision jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now());
     CREATE TABLE bench_min_audit (id bigserial PRIMARY KEY, assignment_id bigint NOT NULL,
       action text NOT NULL, after jsonb, at timestamptz NOT NULL DEFAULT now());
     CREATE SEQUENCE bench_min_turn_1; CREATE SEQUENCE bench_min_turn_2;
     CREATE SEQUENCE bench_min_turn_3;
     CREATE TABLE bench_min_schedule AS
       SELECT segment::text AS segment, (row_number() OVER (PARTITION BY segment ORDER BY id) - 1)::int AS slot,
              id AS rep_id FROM reps WHERE active;
     ALTER TABLE bench_min_schedule ADD PRIMARY KEY (segment, slot)" >/dev/null
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

pgbench_run() { # NAME SCRIPT CLIENTS
    say "baseline $1: pgbench, one lead per transaction, $3 clients, ${SECONDS_BASE}s"
    pgbench -n -M prepared -c "$3" -j 2 -T "$SECONDS_BASE" -f "$2" \
        -D period="$PERIOD" "$DB_URL" \
        >"$tmp/pgbench-$1-$3.txt" 2>&1 || { cat "$tmp/pgbench-$1-$3.txt" >&2; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$tmp/pgbench-$1-$3.txt" | tail -n 1)
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$tmp/pgbench-$1-$3.txt")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$tmp/pgbench-$1-$3.txt")
    record "baseline $1 $3 ${tps:-0} ${lat:-0} ${failed:-0}"
}
# CPU ticks since it started of each leadrouter backend and of the server process (all
# its threads, the delivery worker's too): "pid ticks" per line, the server's pid as
# "srv". The sink and wrk stand for the CRM and the senders, and are left out.
backend_cpu() {
    for pid in $(sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'leadrouter'"); do
        [ -r "/proc/$pid/stat" ] && awk -v p="$pid" '{print p, $14 + $15}' "/proc/$pid/stat"
    done
    awk '{print "srv", $14 + $15}' "/proc/$srv_pid/stat"
}
written_rows() {
    sql "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables
          WHERE relname NOT LIKE 'bench\_%'"
}
CLK_TCK=$(getconf CLK_TCK)

pgbench_run min_before bench/baseline_min.sql 8
# At each connection count, the service.
for c in $CONNECTIONS; do
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
    wal_before=$(sql "SELECT pg_current_wal_lsn()")
    rows_before=$(written_rows)
    backend_cpu >"$tmp/cpu-before"
    say "service: wrk, $c connections, ${SECONDS_RUN}s${BENCH_RATE:+, about $BENCH_RATE requests/s offered}"
    [ -z "${BENCH_RATE:-}" ] || export BENCH_PAUSE_MS=$((c * 1000 / BENCH_RATE))
    wrk -t2 -c"$c" -d"${SECONDS_RUN}s" --timeout 10s -s bench/events.lua "$URL" -- \
        "$tmp/events-$tag.txt" 2 >"$tmp/wrk-$tag.txt" 2>&1 || { cat "$tmp/wrk-$tag.txt" >&2; exit 1; }
    unset BENCH_PAUSE_MS
    rm -f "$tmp/events-$tag.txt"
    # Requests still in the server when wrk stopped commit a moment later.
    after=-1
    now=$(sql "SELECT count(*) FROM leads")
    while [ "$now" != "$after" ]; do
        after=$now
        sleep 0.5
        now=$(sql "SELECT count(*) FROM leads")
    done
    if [ -n "${BENCH_WRITEBACK:-}" ]; then # every owner of the run written back first
        t0=$(date +%s)
        while [ "${BENCH_CRM:-}" != silent ] &&
            [ "$(sql "SELECT count(*) FROM outbox WHERE status = 'pending'")" != 0 ] &&
            [ $(($(date +%s) - t0)) -lt 60 ]; do
            sleep 0.5
        done
        record "writeback $c $(($(date +%s) - t0)) $(sql "SELECT count(*) FILTER (WHERE status = 'pending'),
            count(*) FILTER (WHERE status = 'dead'), count(*) FILTER (WHERE status = 'delivered')
            FROM outbox" | tr '|' ' ')"
    fi
    created=$(sql "SELECT count(*) FROM webhook_events WHERE webhook_id LIKE 'msg\\_${tag}\\_%' AND response_status = 201")
    record "service $c $((after - before)) $created $(sed -n 's/^WRKJSON //p' "$tmp/wrk-$tag.txt")"
    wal=$(sql "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal_before')")
    if [ -n "${BENCH_WALDUMP:-}" ]; then # what the WAL of the run is made of, by record
        "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_waldump" \
            --stats=record -p "$tmp/pg/data/pg_wal" -s "$wal_before" \
            -e "$(sql "SELECT pg_current_wal_lsn()")" >"$tmp/waldump-$c.txt" 2>&1 || true
        say "WAL of the $c-connection run by record:"
        head -n 40 "$tmp/waldump-$c.txt" >&2
        # and by relation: bytes and records per lead of each table and index
        "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_waldump" \
            -p "$tmp/pg/data/pg_wal" -s "$wal_before" -e "$(sql "SELECT pg_current_wal_lsn()")" 2>/dev/null |
            awk '{ n = split($0, f, "rel "); split(f[2], r, "[ /]"); t = $0; sub(/.*len \(rec\/tot\): *[0-9]+\/ */, "", t)
                   sub(/,.*/, "", t); k = (n > 1) ? r[3] : $2; b[k] += t; c[k]++ }
                 END { for (k in b) print k, b[k], c[k] }' >"$tmp/walrel-$c.txt" || true
        sql "SELECT coalesce(c.relname, w.k), round(w.b / $created), round(w.n / $created::numeric, 2)
             FROM (VALUES $(awk '{ printf "%s(\x27%s\x27, %s, %s)", (NR > 1 ? "," : ""), $1, $2, $3 }' "$tmp/walrel-$c.txt")) AS w(k, b, n)
             LEFT JOIN pg_class c ON c.relfilenode::text = w.k ORDER BY 2 DESC" | head -n 30 >&2 || true
    fi
    backend_cpu >"$tmp/cpu-after"
    sleep 1.5 # table statistics reach pg_stat_user_tables within a second of a commit
    rows=$(($(written_rows) - rows_before))
    # The busiest backend (the write lane), and leadrouter as a whole: the server and
    # every backend that served it throughout the run.
    cpu_ticks=$(awk 'NR == FNR {b[$1] = $2; next} ($1 in b) {d = $2 - b[$1]; t += d}
                     ($1 in b) && $1 != "srv" && d > m {m = d} END {print m + 0, t + 0}' \
        "$tmp/cpu-before" "$tmp/cpu-after")
    record "cost $c $((after - before)) ${wal%.*} $rows $cpu_ticks $CLK_TCK"
done
pgbench_run min_after bench/baseline_min.sql 8
record "review_share $(sql "SELECT round(100.0 * count(*) FILTER (WHERE queue = 'review') / greatest(count(*), 1), 1) FROM leads")"
record "named_share $(sql "SELECT round(100.0 * count(*) FILTER (WHERE reason = 'named_account') / greatest(count(*), 1), 1) FROM leads")"

rss_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$srv_pid/status")
threads=$(sed -n 's/^Threads:[[:space:]]*\([0-9]*\)/\1/p' "/proc/$srv_pid/status")
record "server_peak_rss_kb $rss_kb"
record "server_threads $threads"
# Round robin after everything (the baseline has sequences of its own): with equal
# weights every rep of a segment has floor(N/k) or ceil(N/k) turns.
sql "SELECT r.segment, count(a.seq) FROM reps r LEFT JOIN assignments a ON a.rep_id = r.id
       AND a.subject = 'lead' AND a.reason = 'composite' GROUP BY r.id, r.segment" |
    while IFS='|' read -r seg n; do record "rr $seg $n"; done
if [ -n "$sink_pid" ]; then
    kill -TERM "$sink_pid" 2>/dev/null || true
    wait "$sink_pid" || true
    sink_pid=""
    record "sink $(sed -n 's/^requests \([0-9]*\) .*/\1/p' "$tmp/sink.out")"
    record "outbox_assignments $(sql "SELECT count(*) FROM outbox")"
    record "writeback_destination $LEADROUTER_WRITEBACK"
    record "writeback_crm ${BENCH_CRM:-answering}"
fi
record "server_warnings $(grep -cE '"level": ?"(warn|error)"' "$tmp/server.log" || true)"
record "elapsed_seconds $(($(date +%s) - started))"

mkdir -p bench/results
"$PYTHON" bench/report.py "$tmp/results.txt" bench/results/latest.json
