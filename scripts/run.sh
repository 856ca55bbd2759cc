#!/bin/sh
# `make run`: leadrouter on 127.0.0.1:8080, with demo data when the database is empty. Without
# LEADROUTER_DATABASE_URL it starts a throwaway PostgreSQL in .data/pg (kept between
# runs, stopped on exit).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BIN=${LEADROUTER_BIN:-build/leadrouter}
LISTEN=${LEADROUTER_LISTEN:-127.0.0.1:8080}
export LEADROUTER_LISTEN="$LISTEN"
pgdir=""

if [ -z "${LEADROUTER_DATABASE_URL:-}" ]; then
    pgdir="$top/.data/pg"
    mkdir -p "$top/.data"
    # The cluster runs as `postgres` when we are root; it must be able to reach the folder.
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$top/.data"; then
        pgdir="${TMPDIR:-/tmp}/leadrouter-run-pg"
        echo "note: postgres cannot enter $top; using $pgdir for the local database"
    fi
    LEADROUTER_DATABASE_URL=$(bash scripts/pgtmp.sh start "$pgdir" durable)
    export LEADROUTER_DATABASE_URL
fi

server=""
cleanup() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
    [ -n "$pgdir" ] && bash scripts/pgtmp.sh stop "$pgdir"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

"$BIN" migrate
token=$("$BIN" token create --role admin --name "make-run-$(date +%s)")
"$BIN" serve &
server=$!
base="http://$LISTEN"
for _ in $(seq 1 50); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

# Demo data goes into an empty database only: a rerun must not reset what someone
# changed since (scripts/demo-data.sh says which it did).
demo=$(sh scripts/demo-data.sh "$base" "$token")
echo "$demo"
cat <<MSG

leadrouter is serving on $base ($demo).
Admin token for this run:
  export TOKEN=$token
Post a lead (README.md shows it step by step):
  body='{"type":"lead.created","timestamp":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","data":{"id":"00Q-demo-1","email":"jane@acme.io","employee_count":120,"expected_acv":60000,"fit_score":72,"source":"webinar"}}'
  id=msg_\$(date +%s%N); ts=\$(date +%s)
  sig=\$(printf '%s' "\$body" | $BIN sign --id "\$id" --timestamp "\$ts")
  curl -s $base/v1/events -H 'Content-Type: application/json' -H "webhook-id: \$id" \\
       -H "webhook-timestamp: \$ts" -H "webhook-signature: \$sig" -d "\$body"
Ctrl-C stops the server (and the local database).
MSG
wait "$server"
