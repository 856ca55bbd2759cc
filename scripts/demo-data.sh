#!/bin/sh
# Loads the demo data set (config/demo: reps, accounts, this quarter's named list) into
# an EMPTY database only, so that `make run` never resets what someone changed (a
# paused rep, an edited account, a named list), also on a database of their own.
#   demo-data.sh BASE_URL ADMIN_TOKEN     (LEADROUTER_DATABASE_URL names the database)
# Empty means no reps, accounts, named lists, leads or opportunities. The last line of
# output says what was done.
set -eu
base=${1:?base URL}
token=${2:?admin token}
: "${LEADROUTER_DATABASE_URL:?LEADROUTER_DATABASE_URL is not set}"
cd "$(dirname "$0")/.."

has_data=$(psql "$LEADROUTER_DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -c \
    "SELECT EXISTS (SELECT 1 FROM reps) OR EXISTS (SELECT 1 FROM accounts)
         OR EXISTS (SELECT 1 FROM named_accounts) OR EXISTS (SELECT 1 FROM leads)
         OR EXISTS (SELECT 1 FROM opportunities)")
if [ "$has_data" != f ]; then
    echo "database has data: demo data not loaded"
    exit 0
fi

period=$(date -u +%Y)-Q$(( ($(date -u +%-m) - 1) / 3 + 1 ))
python3 - "$base" "$token" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
for rep in json.load(open("config/demo/reps.json")):
    body = json.dumps({k: rep[k] for k in ("name", "segment", "active", "weight")}).encode()
    req = urllib.request.Request(f"{base}/v1/reps/{rep['id']}", data=body, method="PUT",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
auth="Authorization: Bearer $token"
curl -fsS -X PUT -H "$auth" -H 'Content-Type: text/csv' --data-binary @config/demo/accounts.csv \
    "$base/v1/accounts" >/dev/null
curl -fsS -X PUT -H "$auth" -H 'Content-Type: text/csv' \
    --data-binary @config/demo/named-accounts.csv "$base/v1/named-accounts/$period" >/dev/null
echo "demo data loaded"
