#!/usr/bin/env python3
"""Write-back latency: from a lead's commit (its 201) to the CRM call (SPEC 3.6: the
first try comes within a second of the commit, also under load).

    LEADROUTER_BIN=build/leadrouter python3 bench/writeback_latency.py [--leads 300]
        [--concurrency 8] [--destination hubspot|salesforce|pipedrive|webhook]
        [--crm-delay 0.0] [--timeout 60] [--keep]

Starts a throwaway PostgreSQL and one `leadrouter serve` with the integration-test
harness (tests/integration/harness.py), and the fake CRM of tests/integration/fakecrm.py
on 127.0.0.1; posts N smb leads with C concurrent clients; for each lead takes the time
its 201 arrived and the time the fake CRM received its call (one clock: both are
time.monotonic() in this process). Prints the count, p50, p90, p99 and max, and a JSON
line. Exits 1 if a delivery is missing or arrived twice, 2 on a set-up error.
Everything is stopped at exit; every wait is bounded by --timeout.
"""

import argparse
import base64
import json
import os
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))

import harness  # noqa: E402
from fakecrm import FakeCRM, ok  # noqa: E402

PATHS = {
    "hubspot": "/crm/v3/objects/contacts/",
    "salesforce": "/services/data/v60.0/sobjects/Lead/",
    "pipedrive": "/v1/leads/",
}


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leads", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--destination", default="hubspot",
                    choices=["hubspot", "salesforce", "pipedrive", "webhook"])
    ap.add_argument("--crm-delay", type=float, default=0.0,
                    help="seconds the fake CRM takes to answer each call")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="bound on posting, and then on waiting for the deliveries")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = ap.parse_args()
    if args.keep:
        os.environ["LR_IT_KEEP"] = "1"
    if args.leads < 1 or args.concurrency < 1:
        ap.error("--leads and --concurrency must be at least 1")

    crm = FakeCRM(default=ok(delay=args.crm_delay)).start()
    env = None
    try:
        settings = {"LEADROUTER_WRITEBACK": args.destination,
                    "LEADROUTER_WRITEBACK_TIMEOUT_SECONDS": "10"}
        if args.destination == "webhook":
            key = secrets.token_bytes(24)
            settings["LEADROUTER_WRITEBACK_URL"] = crm.url + "/hook"
            settings["LEADROUTER_WRITEBACK_SECRET"] = "whsec_" + base64.b64encode(key).decode()
        else:
            settings["LEADROUTER_WRITEBACK_URL"] = crm.url
            settings["LEADROUTER_WRITEBACK_TOKEN"] = "bench-" + secrets.token_hex(8)
        try:
            env = harness.start_env("wb_latency", extra_env=settings)
            for i, owner in enumerate(("1001", "1002", "1003")):
                r = env.api("PUT", "/v1/reps/bench-smb-%d" % i,
                            {"name": "bench %d" % i, "segment": "smb", "active": True,
                             "weight": 1, "crm_owner_id": owner})
                if r.status not in (200, 201):
                    raise RuntimeError("PUT /v1/reps -> %r" % r)
        except Exception as e:  # noqa: BLE001
            harness.dump_logs()
            print("writeback_latency: set-up failed: %s" % e, file=sys.stderr)
            return 2

        ids = [harness.unique("wbl") for _ in range(args.leads)]
        committed = {}
        failures = []
        lock = threading.Lock()

        def post(lid):
            try:
                r = env.post_event(harness.lead_event(lid, **harness.seg_values("smb")),
                                   timeout=min(30.0, args.timeout))
                t = time.monotonic()
                with lock:
                    if r.status == 201:
                        committed[lid] = t
                    else:
                        failures.append((lid, r.status, r.text[:200]))
            except Exception as e:  # noqa: BLE001
                with lock:
                    failures.append((lid, None, str(e)))

        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.concurrency) as ex:
            futs = [ex.submit(post, lid) for lid in ids]
            deadline = t0 + args.timeout
            for f in futs:
                f.result(timeout=max(0.1, deadline - time.monotonic()))
        post_secs = time.monotonic() - t0
        if failures:
            print("writeback_latency: %d lead(s) not committed, e.g. %r" % (len(failures), failures[:3]),
                  file=sys.stderr)

        # One call per committed lead, identified by the path (CRMs) or data.subject_id.
        def subject_of(call):
            if args.destination == "webhook":
                try:
                    return call.json()["data"]["subject_id"]
                except (ValueError, KeyError, TypeError):
                    return None
            prefix = PATHS[args.destination]
            return call.path[len(prefix):] if call.path.startswith(prefix) else None

        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            seen = {subject_of(c) for c in crm.calls()}
            if all(lid in seen for lid in committed):
                break
            time.sleep(0.05)
        crm.wait_quiet(1.0, timeout=10)

        first_call = {}
        extra = 0
        for c in crm.calls():
            sid = subject_of(c)
            if sid in first_call:
                extra += 1
            elif sid is not None:
                first_call[sid] = c.arrived
        missing = [lid for lid in committed if lid not in first_call]
        lat = sorted(first_call[lid] - committed[lid] for lid in committed if lid in first_call)
        ms = [x * 1000.0 for x in lat]
        res = {
            "destination": args.destination, "leads": args.leads,
            "committed": len(committed), "delivered": len(lat), "missing": len(missing),
            "duplicate_calls": extra, "concurrency": args.concurrency,
            "post_seconds": round(post_secs, 3),
            "p50_ms": round(percentile(ms, 50), 1) if ms else None,
            "p90_ms": round(percentile(ms, 90), 1) if ms else None,
            "p99_ms": round(percentile(ms, 99), 1) if ms else None,
            "max_ms": round(ms[-1], 1) if ms else None,
            "min_ms": round(ms[0], 1) if ms else None,
        }
        print("write-back latency, commit (201 received) -> CRM call received, %s:" % args.destination)
        print("  leads %d (committed %d) posted in %.2fs with %d clients" % (
            args.leads, len(committed), post_secs, args.concurrency))
        if ms:
            print("  count %d  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  (min %.1f ms)" % (
                len(ms), res["p50_ms"], res["p90_ms"], res["p99_ms"], res["max_ms"], res["min_ms"]))
        print("  missing %d, duplicate calls %d" % (len(missing), extra))
        print(json.dumps(res))
        if missing:
            print("writeback_latency: %d deliveries missing, e.g. %s" % (len(missing), missing[:5]),
                  file=sys.stderr)
        if missing or extra or failures:
            return 1
        return 0
    finally:
        if env is not None:
            env.close()
        crm.stop()


if __name__ == "__main__":
    sys.exit(main())
