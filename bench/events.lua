-- wrk script for `make bench`: posts pre-signed, distinct lead.created events.
--   wrk -s bench/events.lua URL -- FILE NTHREADS
-- FILE holds one request a line (webhook-id TAB timestamp TAB signature TAB body), from
-- bench/gen.py. Thread k sends lines k, k+n, k+2n, ... once each, so that no webhook-id
-- or lead id repeats; if a thread runs out it starts over (replays, answered 200) and
-- counts them in "exhausted", which the report flags.

local threads = {}
local next_tid = 0

function setup(thread)
    thread:set("tid", next_tid)
    next_tid = next_tid + 1
    table.insert(threads, thread)
end

local ids, stamps, sigs, bodies = {}, {}, {}, {}
local n, i, sent = 0, 0, 0
exhausted = 0

function init(args)
    local path, nthreads = args[1], tonumber(args[2])
    local k = 0
    for line in io.lines(path) do
        if k % nthreads == tid then
            local id, ts, sig, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
            n = n + 1
            ids[n], stamps[n], sigs[n], bodies[n] = id, ts, sig, body
        end
        k = k + 1
    end
end

local headers = {["Content-Type"] = "application/json"}

function request()
    sent = sent + 1
    i = i + 1
    if i > n then
        i = 1
    end
    if sent > n then
        exhausted = exhausted + 1
    end
    headers["webhook-id"] = ids[i]
    headers["webhook-timestamp"] = stamps[i]
    headers["webhook-signature"] = sigs[i]
    return wrk.format("POST", "/v1/events", headers, bodies[i])
end

function done(summary, latency, requests)
    local exh = 0
    for _, t in ipairs(threads) do
        exh = exh + (t:get("exhausted") or 0)
    end
    local e = summary.errors
    io.write(string.format(
        'WRKJSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
        '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, ' ..
        '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "exhausted": %d}\n',
        summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        latency.mean, exh))
end
