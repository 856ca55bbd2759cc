"""Operations (SPEC 3.4, 4): /healthz, /readyz, PostgreSQL outage and recovery without a
server restart, SIGTERM draining requests in flight and exiting 0."""

import os
import re
import signal
import socket
import subprocess
import threading
import time

import harness
from harness import LRTestCase, lead_event, seg_values, unique

ENV = None
REP = "op-smb-1"


def setUpModule():
    global ENV
    ENV = harness.start_env("operations")
    with harness.closed_on_failure(ENV):
        ENV.put_rep(REP, "smb")


def tearDownModule():
    ENV.close()


def schema_target():
    vers = [int(m.group(1)) for f in os.listdir(harness.REPO / "migrations")
            for m in [re.match(r"^(\d+)_.*\.sql$", f)] if m]
    return max(vers)


class OperationsTest(LRTestCase):

    def assertRetryAfter(self, r):
        ra = r.header("retry-after")
        self.assertIsNotNone(ra, "503 without Retry-After: %r %r" % (r, r.headers))
        self.assertRegex(ra.strip(), r"^[1-9][0-9]*$")

    def test_healthz(self):
        r = ENV.srv.request("GET", "/healthz")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"status": "ok"})

    def test_readyz(self):
        r = ENV.srv.request("GET", "/readyz")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"status": "ready", "schema_version": schema_target()})

    def test_request_waiting_on_postgres_stalls_no_other(self):
        """A lead whose queue's turn is locked waits; health, reads and leads for other
        queues are answered meanwhile (one thread per connection)."""
        ENV.put_rep("op-mm-1", "mid_market")
        holder = subprocess.Popen(
            ["psql", ENV.cluster.url, "-X", "-v", "ON_ERROR_STOP=1", "-qc",
             "BEGIN; SELECT 1 FROM rr_state WHERE segment = 'smb' FOR UPDATE;"
             " SELECT pg_sleep(4); COMMIT;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            harness.wait_until(lambda: ENV.psql(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'rr_state' AND l.mode = 'RowShareLock' AND l.granted") != "0",
                timeout=5, what="the turn lock held")
            blocked = {}

            def post_smb():
                t0 = time.monotonic()
                r = ENV.post_event(lead_event(unique("op-blk"), **seg_values("smb")), timeout=30)
                blocked["status"], blocked["seconds"] = r.status, time.monotonic() - t0

            t = threading.Thread(target=post_smb)
            t.start()
            time.sleep(0.3)
            for method, path, role in (("GET", "/healthz", None), ("GET", "/v1/reps", "reader")):
                t0 = time.monotonic()
                r = ENV.srv.request(method, path) if role is None else ENV.api(method, path, role=role)
                self.assertStatus(r, 200)
                self.assertLess(time.monotonic() - t0, 1.0, "%s waited behind the locked lead" % path)
            t0 = time.monotonic()
            r = ENV.post_event(lead_event(unique("op-mm"), **seg_values("mid_market")))
            self.assertStatus(r, 201)
            self.assertEqual(r.json()["queue"], "mid_market")
            self.assertLess(time.monotonic() - t0, 1.0, "a mid-market lead waited behind smb")
            t.join(30)
            self.assertEqual(blocked.get("status"), 201)
            self.assertGreater(blocked["seconds"], 1.5, "the smb lead should have waited")
        finally:
            holder.wait(30)
            ENV.put_rep("op-mm-1", "mid_market", active=False)

    def test_postgres_outage_and_recovery(self):
        srv = ENV.srv
        pid = srv.proc.pid
        # warm the pool: several connections in use before the outage
        harness.run_parallel(lambda _: ENV.api("GET", "/v1/reps", role="reader"), range(16), workers=16)
        self.assertStatus(ENV.post_event(lead_event(unique("op"), **seg_values("smb"))), 201)
        wid = unique("msg")
        body = harness.dumps(lead_event(unique("op"), **seg_values("smb")))
        ENV.cluster.stop()
        try:
            self.assertFalse(ENV.cluster.running())
            r = srv.request("GET", "/healthz", timeout=10)
            self.assertStatus(r, 200)
            r = srv.request("GET", "/readyz", timeout=15)
            self.assertStatus(r, 503)
            self.assertRetryAfter(r)
            for _ in range(3):
                r = ENV.post_event(body=body, webhook_id=wid, timeout=15)
                self.assertProblem(r, 503)
                self.assertRetryAfter(r)
            r = ENV.api("GET", "/v1/reps", role="reader", timeout=15)
            self.assertProblem(r, 503)
            self.assertRetryAfter(r)
            self.assertStatus(srv.request("GET", "/healthz", timeout=10), 200)
        finally:
            ENV.cluster.restart()
        restarted = time.monotonic()
        harness.wait_until(lambda: srv.request("GET", "/readyz", timeout=5).status == 200, 10,
                           interval=0.1, what="/readyz 200 after PostgreSQL restart")

        def posted():
            r = ENV.post_event(body=body, webhook_id=wid, timeout=5)
            if r.status == 503:
                return False
            return r
        r = harness.wait_until(posted, max(0.5, 10 - (time.monotonic() - restarted)), interval=0.1,
                               what="POST /v1/events accepted after PostgreSQL restart")
        self.assertStatus(r, 201, "the event refused during the outage was not half-written")
        self.assertEqual(srv.proc.pid, pid)
        self.assertTrue(srv.alive())
        # 10 s after the restart every request succeeds, on every pooled connection.
        time.sleep(max(0, 10 - (time.monotonic() - restarted)))

        def one(i):
            if i % 2:
                return ENV.api("GET", "/v1/reps", role="reader")
            return ENV.post_event(lead_event(unique("op"), **seg_values("smb")))
        results = harness.run_parallel(one, range(40), workers=20)
        self.assertEqual([r.status for r in results if r.status not in (200, 201)], [], results)

    def test_sigterm_drains_requests_in_flight(self):
        s = ENV.add_server(name="drain")
        p = unique("drain")
        csv = ("domain,employee_count,expected_acv,fit_score\n" + "".join(
            "%s-%d.test,%d,%d,%d\n" % (p, i, i % 3000, i % 700000, i % 101) for i in range(100000))).encode()
        head, body = harness.raw_request_bytes("PUT", "/v1/accounts", csv, {
            "Authorization": "Bearer " + ENV.tokens["ops"], "Content-Type": "text/csv"})
        upload = socket.create_connection((harness.HOST, s.port), timeout=60)
        upload.sendall(head + body[:len(body) // 2])
        leads = []
        for i in range(5):
            lead_id = unique("drain")
            b, h = ENV.event_request(lead_event(lead_id, **seg_values("smb")))
            lh, lb = harness.raw_request_bytes("POST", "/v1/events", b, h)
            sock = socket.create_connection((harness.HOST, s.port), timeout=60)
            sock.sendall(lh + lb[:-5])
            leads.append((lead_id, sock, lb[-5:]))
        time.sleep(0.5)
        t_term = time.monotonic()
        s.signal(signal.SIGTERM)
        time.sleep(0.5)
        self.assertTrue(s.alive(), "the server exited with requests in flight:\n%s"
                        % harness.tail(s.log_path, 20))
        upload.sendall(body[len(body) // 2:])
        for _, sock, rest in leads:
            sock.sendall(rest)
        r = harness.read_response(upload, timeout=60)
        upload.close()
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"count": 100000})
        for lead_id, sock, _ in leads:
            r = harness.read_response(sock, timeout=30)
            sock.close()
            self.assertStatus(r, 201, lead_id)
            self.assertEqual(r.json()["subject_id"], lead_id)
        try:
            rc = s.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            self.fail("the server did not exit within 30 s of SIGTERM")
        harness.log("drain: exited %.2fs after SIGTERM" % (time.monotonic() - t_term))
        self.assertEqual(rc, 0, "exit status after SIGTERM")
        # what the draining process answered is committed
        g = ENV.api("GET", "/v1/accounts/%s-99999.test" % p, role="reader")
        self.assertStatus(g, 200)
        for lead_id, _, _ in leads:
            self.assertStatus(ENV.api("GET", "/v1/leads/" + lead_id, role="reader"), 200)

    def test_sigterm_idle_exits_0(self):
        s = ENV.add_server(name="idle")
        self.assertStatus(ENV.post_event(lead_event(unique("op"), **seg_values("smb")), server=s), 201)
        t0 = time.monotonic()
        s.signal(signal.SIGTERM)
        try:
            rc = s.proc.wait(timeout=15)
        except Exception:  # noqa: BLE001
            self.fail("an idle server did not exit within 15 s of SIGTERM")
        self.assertEqual(rc, 0)
        harness.log("idle server exited %.2fs after SIGTERM" % (time.monotonic() - t0))

    def test_restart_server_keeps_serving(self):
        srv = ENV.add_server(name="restart")
        lead_id = unique("op")
        self.assertStatus(ENV.post_event(lead_event(lead_id, **seg_values("smb")), server=srv), 201)
        self.assertEqual(srv.stop(), 0)
        srv.start()
        r = ENV.api("GET", "/v1/leads/" + lead_id, role="reader", server=srv)
        self.assertStatus(r, 200)
        srv.stop()


if __name__ == "__main__":
    import unittest
    unittest.main()
