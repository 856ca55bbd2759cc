"""Deadlines on every wait for PostgreSQL (docs/operations.md, "Limits and timeouts").

A frozen PostgreSQL (every process SIGSTOPped) accepts TCP connections and, on
loopback, has its packets acknowledged by the kernel, but never answers: only the
server's own deadlines end the wait. /readyz must answer 503 within readyz_timeout_ms,
database requests 503 within their statement deadline (or connect timeout), /healthz
200 throughout, and everything recovers after SIGCONT without a restart. A saturated
pool answers 503 after db_acquire_timeout_ms, and a statement canceled by
statement_timeout (SQLSTATE 57014) is a 503, not a 500."""

import os
import signal
import socket
import subprocess
import threading
import time

import harness
from harness import LRTestCase, lead_event, seg_values, unique

STATEMENT_TIMEOUT_MS = 1000
DEADLINE_MARGIN_MS = 500  # LR_DB_DEADLINE_MARGIN_MS in include/db/limits.h
ACQUIRE_TIMEOUT_MS = 500
CONNECT_TIMEOUT_S = 2
READYZ_TIMEOUT_MS = 1500
SHORT = {
    "LEADROUTER_DB_STATEMENT_TIMEOUT_MS": str(STATEMENT_TIMEOUT_MS),
    "LEADROUTER_DB_ACQUIRE_TIMEOUT_MS": str(ACQUIRE_TIMEOUT_MS),
    "LEADROUTER_DB_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT_S),
    "LEADROUTER_READYZ_TIMEOUT_MS": str(READYZ_TIMEOUT_MS),
    "LEADROUTER_RETRY_AFTER_SECONDS": "3",
}
# A database request during the freeze waits for one statement deadline (a connection
# that was open) or one connect timeout (a connection dropped by an earlier deadline).
DB_BOUND = max(STATEMENT_TIMEOUT_MS + DEADLINE_MARGIN_MS, CONNECT_TIMEOUT_S * 1000) / 1000 + 1.0
# The margins absorb scheduling on a loaded test machine; a hang is many times these.
READYZ_BOUND = READYZ_TIMEOUT_MS / 1000 + 0.75
REP = "dl-smb-1"

ENV = None
_frozen = []  # pids stopped right now: SIGCONT'ed by the test, and at exit whatever happens


def setUpModule():
    global ENV
    ENV = harness.start_env("db_deadlines", extra_env=SHORT)
    with harness.closed_on_failure(ENV):
        ENV.put_rep(REP, "smb")


def tearDownModule():
    thaw()
    ENV.close()


def thaw():
    while _frozen:
        pid = _frozen.pop()
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


def freeze():
    """SIGSTOPs the postmaster, then every child it has (it forks no more once stopped)."""
    with open(os.path.join(ENV.cluster.dir, "data", "postmaster.pid")) as f:
        postmaster = int(f.readline())
    os.kill(postmaster, signal.SIGSTOP)
    _frozen.append(postmaster)
    kids = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True,
                          timeout=10).stdout.split()
    for k in kids:
        os.kill(int(k), signal.SIGSTOP)
        _frozen.append(int(k))
    return len(_frozen)


def timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


def log_text(server):
    with open(server.log_path, encoding="utf-8", errors="replace") as f:
        return f.read()


class DeadlinesTest(LRTestCase):

    def assertRetryAfter(self, r):
        self.assertEqual(r.header("retry-after"), "3", "503 without Retry-After: %r %r" % (r, r.headers))

    def test_frozen_postgres(self):
        srv = ENV.srv
        pid = srv.proc.pid
        self.assertStatus(srv.request("GET", "/readyz"), 200)
        self.assertStatus(ENV.api("GET", "/v1/reps", role="reader"), 200)
        self.assertStatus(ENV.post_event(lead_event(unique("dl"), **seg_values("smb"))), 201)

        health = []
        stop = threading.Event()

        def poll_health():
            while not stop.is_set():
                try:
                    r, t = timed(lambda: srv.request("GET", "/healthz", timeout=5))
                    health.append((r.status, t))
                except OSError as e:
                    health.append((repr(e), 5.0))
                time.sleep(0.2)

        measured = {}
        poller = threading.Thread(target=poll_health)
        try:
            self.assertGreaterEqual(freeze(), 2, "postmaster and at least one backend")
            poller.start()

            r, t = timed(lambda: srv.request("GET", "/readyz", timeout=15))
            measured["readyz"] = t
            self.assertProblem(r, 503)
            self.assertRetryAfter(r)
            self.assertIn("PostgreSQL is unreachable", r.json()["detail"])
            self.assertLess(t, READYZ_BOUND, "/readyz took %.2fs with PostgreSQL frozen" % t)

            # twice each: the first on a connection opened before the freeze (statement
            # deadline), the second on one that must reconnect (connect timeout)
            for round_ in (1, 2):
                r, t = timed(lambda: ENV.api("GET", "/v1/reps", role="reader", timeout=15))
                measured["GET /v1/reps #%d" % round_] = t
                self.assertProblem(r, 503)
                self.assertRetryAfter(r)
                self.assertLess(t, DB_BOUND, "GET /v1/reps took %.2fs" % t)

                r, t = timed(lambda: ENV.post_event(
                    lead_event(unique("dl-frozen"), **seg_values("smb")), timeout=15))
                measured["POST /v1/events #%d" % round_] = t
                self.assertProblem(r, 503)
                self.assertRetryAfter(r)
                self.assertLess(t, DB_BOUND, "POST /v1/events took %.2fs" % t)

            r, t = timed(lambda: srv.request("GET", "/readyz", timeout=15))
            measured["readyz again"] = t
            self.assertStatus(r, 503)
            self.assertLess(t, READYZ_BOUND)
        finally:
            thaw()
            stop.set()
            if poller.is_alive():
                poller.join(10)
        harness.log("measured with PostgreSQL frozen: %s" % ", ".join(
            "%s %.2fs" % kv for kv in measured.items()))
        self.assertGreater(len(health), 10, health)
        self.assertEqual([h for h in health if h[0] != 200 or h[1] > 1.0], [],
                         "/healthz must answer 200 at once throughout")
        self.assertIn('"postgresql deadline passed; connection dropped"', log_text(srv))
        self.assertIn('"deadline_ms":%d' % (STATEMENT_TIMEOUT_MS + DEADLINE_MARGIN_MS),
                      log_text(srv))

        # Recovery, without a restart: the dropped connections reconnect on next use.
        harness.wait_until(lambda: srv.request("GET", "/readyz", timeout=5).status == 200, 10,
                           interval=0.1, what="/readyz 200 after SIGCONT")
        self.assertStatus(ENV.api("GET", "/v1/reps", role="reader"), 200)
        r = ENV.post_event(lead_event(unique("dl-after"), **seg_values("smb")))
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["rep_id"], REP)
        self.assertEqual(srv.proc.pid, pid)
        self.assertTrue(srv.alive())

    def test_bulk_load_with_postgres_frozen(self):
        """A bulk load streams into COPY under the same deadlines: PostgreSQL frozen while
        a 40 MB load is on its way in is a 503, not a hang."""
        rows = "".join("dl-bulk-%07d.test,%d,,\n" % (i, i % 5000) for i in range(1100000))
        body = ("domain,employee_count,expected_acv\n" + rows).encode()
        head, _ = harness.raw_request_bytes("PUT", "/v1/accounts", b"", {
            "Authorization": "Bearer " + ENV.tokens["ops"], "Content-Type": "text/csv"})
        head = head.replace(b"Content-Length: 0", b"Content-Length: %d" % len(body))
        sock = socket.create_connection((harness.HOST, ENV.srv.port), timeout=30)
        try:
            sock.sendall(head + body)
            time.sleep(0.05)
            freeze()
            t0 = time.monotonic()
            r = harness.read_response(sock, timeout=30)
            waited = time.monotonic() - t0
        finally:
            thaw()
            sock.close()
        harness.log("bulk load with PostgreSQL frozen: %d after %.2f s" % (r.status, waited))
        self.assertProblem(r, 503)
        self.assertRetryAfter(r)
        self.assertLess(waited, DB_BOUND + 1.0)
        # nothing of it was written, and the next load goes through
        g = ENV.api("GET", "/v1/accounts/dl-bulk-0000001.test", role="reader")
        self.assertProblem(g, 404)
        r = ENV.api("PUT", "/v1/accounts", "domain,fit_score\ndl-after.test,7\n", role="ops",
                    content_type="text/csv")
        self.assertStatus(r, 200)

    def test_pool_exhausted_and_statement_timeout(self):
        """Pool of one: a request blocked on a lock holds the only connection; another
        request answers 503 after db_acquire_timeout_ms, and the blocked one 503 when
        statement_timeout cancels it (57014), not 500. /readyz, on its own connection,
        stays 200."""
        s = ENV.add_server(name="pool1", extra_env=dict(SHORT, LEADROUTER_DB_POOL_SIZE="1"))
        try:
            self.assertStatus(ENV.api("GET", "/v1/reps", role="reader", server=s), 200)
            holder = subprocess.Popen(
                ["psql", ENV.cluster.url, "-X", "-v", "ON_ERROR_STOP=1", "-qc",
                 "BEGIN; LOCK TABLE reps IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                harness.wait_until(lambda: ENV.psql(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    " WHERE c.relname = 'reps' AND l.mode = 'AccessExclusiveLock'"
                    " AND l.granted") == "1", timeout=5, what="the reps lock held")
                blocked = {}

                def blocked_get():
                    r, t = timed(lambda: ENV.api("GET", "/v1/reps", role="reader", server=s,
                                                 timeout=15))
                    blocked["r"], blocked["t"], blocked["end"] = r, t, time.monotonic()

                t = threading.Thread(target=blocked_get)
                t.start()
                # the blocked request has passed its token check and waits on the lock
                harness.wait_until(lambda: ENV.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND application_name = 'leadrouter'") == "1", timeout=5,
                    what="the request waiting on the lock")
                r, took = timed(lambda: ENV.api("GET", "/v1/reps", role="reader", server=s,
                                                timeout=15))
                self.assertProblem(r, 503)
                self.assertRetryAfter(r)
                waited_end = time.monotonic()
                self.assertGreaterEqual(took, ACQUIRE_TIMEOUT_MS / 1000 - 0.05)
                self.assertLess(took, ACQUIRE_TIMEOUT_MS / 1000 + 1.5,
                                "waited %.2fs for a pooled connection" % took)

                r, took = timed(lambda: s.request("GET", "/readyz", timeout=15))
                self.assertStatus(r, 200)
                self.assertLess(took, READYZ_BOUND)

                t.join(15)
                self.assertFalse(t.is_alive())
                self.assertProblem(blocked["r"], 503)
                self.assertRetryAfter(blocked["r"])
                self.assertGreaterEqual(blocked["t"], STATEMENT_TIMEOUT_MS / 1000 - 0.05)
                self.assertLess(blocked["t"], 3.0)
                # It gave up before the connection it waited for came free, not after.
                self.assertLess(waited_end, blocked["end"])
            finally:
                holder.wait(30)
            log = log_text(s)
            self.assertIn('"no free postgresql connection"', log)
            self.assertIn('"statement canceled"', log)
            self.assertIn('"sqlstate":"57014"', log)
            # The canceled statement left its connection usable: no reconnect needed.
            self.assertNotIn('"postgresql deadline passed', log)
            self.assertStatus(ENV.api("GET", "/v1/reps", role="reader", server=s), 200)
        finally:
            s.stop()

    def test_readyz_503_at_once_when_draining(self):
        s = ENV.add_server(name="drain", extra_env=dict(SHORT, LEADROUTER_SHUTDOWN_DELAY_SECONDS="3"))
        try:
            self.assertStatus(s.request("GET", "/readyz"), 200)
            s.signal(signal.SIGTERM)
            def not_ready():
                r = s.request("GET", "/readyz", timeout=2)
                return r if r.status == 503 else None
            r = harness.wait_until(not_ready, 0.5, interval=0.02,
                                   what="/readyz 503 right after SIGTERM")
            body = self.assertProblem(r, 503)
            self.assertEqual(body["type"], "urn:leadrouter:problem:draining")
            self.assertRetryAfter(r)
            # still serving while the load balancer takes note
            self.assertStatus(s.request("GET", "/healthz", timeout=2), 200)
            self.assertEqual(s.proc.wait(15), 0)
        finally:
            s.stop()
