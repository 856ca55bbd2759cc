-- wrk script for `make bench`: posts pre-signed, distinct lead.created events.
--   wrk -s bench/events.lua URL -- FILE NTHREADS
-- FILE holds one request a line (webhook-id TAB timestamp TAB signature TAB body), from
-- bench/gen.py. Thread k sends lines k, k+n, k+2n, ... once each, so that no webhook-id
-- or lead id repeats; if a thread runs out it starts over (replays, answered 200) and
-- counts them in "exhausted", which the report flags.

-- BENCH_PAUSE_MS (bench/run.sh sets it from BENCH_RATE): each connection waits this long
-- before each request, which holds the offered load near a fixed rate below saturation.
-- wrk looks for delay() when it loads the script, so it is defined here or not at all.
local pause = tonumber(os.getenv("BENCH_PAUSE_MS") or "")
if pause and pause > 0 then
    function delay()
        return pause
    end
end

local threads = {}
local next_tid = 0

function setup(thread)
    thread:set("tid", next_tid)
    next_tid = next_tid + 1
    table.insert(threads, thread)
end

-- Requests are formatted once, here: request() then allocates nothing, so LuaJIT's
-- garbage collector never pauses a thread (and skews latency) during the run.
local reqs = {}
local n, i, sent = 0, 0, 0
exhausted = 0

function init(args)
    local path, nthreads = args[1], tonumber(args[2])
    local headers = {["Content-Type"] = "application/json"}
    local k = 0
    for line in io.lines(path) do
        if k % nthreads == tid then
            local id, ts, sig, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
            headers["webhook-id"] = id
            headers["webhook-timestamp"] = ts
            headers["webhook-signature"] = sig
            n = n + 1
            reqs[n] = wrk.format("POST", "/v1/events", headers, body)
        end
        k = k + 1
    end
    collectgarbage()
end

function request()
    sent = sent + 1
    i = i + 1
    if i > n then
        i = 1
    end
    if sent > n then
        exhausted = exhausted + 1
    end
    return reqs[i]
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
