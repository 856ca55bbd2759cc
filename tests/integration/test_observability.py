"""What an operator sees: one JSON log line per request with its request id, route
template, status, duration and who (token name or webhook-id, never the token), the
X-Request-Id header, and GET /metrics in the Prometheus text format."""

import json
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import LRTestCase, lead_event, seg_values, unique

ENV = None


def setUpModule():
    global ENV
    ENV = harness.start_env("observability")
    ENV.put_rep(unique("obs-smb"), "smb")


def tearDownModule():
    if ENV is not None:
        ENV.close()


def log_lines(since):
    with open(ENV.srv.log_path, encoding="utf-8") as f:
        f.seek(since)
        return [json.loads(l) for l in f if l.startswith("{")]


def log_size():
    with open(ENV.srv.log_path, "rb") as f:
        f.seek(0, 2)
        return f.tell()


def request_lines(since, request_id):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [l for l in log_lines(since)
                 if l.get("msg") == "request" and l.get("request_id") == request_id]
        if found:
            return found
        time.sleep(0.05)
    return []


class RequestLogTest(LRTestCase):

    def test_one_line_per_request_with_its_id(self):
        since = log_size()
        r = ENV.api("GET", "/v1/reps", role="reader", headers={"X-Request-Id": "obs-abc.1"})
        self.assertStatus(r, 200)
        self.assertEqual(r.header("x-request-id"), "obs-abc.1")
        lines = request_lines(since, "obs-abc.1")
        self.assertEqual(len(lines), 1, lines)
        line = lines[0]
        self.assertEqual(line["level"], "info")
        self.assertEqual((line["method"], line["route"], line["status"], line["token"]),
                         ("GET", "/v1/reps", 200, "it-reader"))
        self.assertGreaterEqual(line["ms"], 0)
        self.assertNotIn("problem", line)

    def test_errors_name_their_problem_and_leave_no_secret(self):
        since = log_size()
        r = ENV.api("GET", "/v1/leads/x", token="lr_not_a_token",
                    headers={"X-Request-Id": "obs-401"})
        self.assertProblem(r, 401)
        line = request_lines(since, "obs-401")[0]
        self.assertEqual((line["status"], line["problem"], line["route"]),
                         (401, "unauthorized", "/v1/leads/{}"))
        b, h = ENV.event_request(lead_event(unique("obs"), **seg_values("smb")))
        h["X-Request-Id"] = "obs-ev"
        r = ENV.srv.request("POST", "/v1/events", b, h)
        self.assertStatus(r, 201)
        line = request_lines(since, "obs-ev")[0]
        self.assertEqual(line["webhook_id"], h["webhook-id"])
        with open(ENV.srv.log_path, encoding="utf-8") as f:
            text = f.read()
        for secret in (ENV.tokens["reader"], ENV.tokens["admin"], ENV.tokens["ops"], ENV.secret,
                       "lr_not_a_token"):
            self.assertNotIn(secret, text)

    def test_a_request_id_that_is_not_plain_is_replaced(self):
        r = ENV.api("GET", "/healthz", role=None, headers={"X-Request-Id": "has space"})
        self.assertStatus(r, 200)
        self.assertRegex(r.header("x-request-id"), r"^req_[0-9a-f]{16}$")
        r2 = ENV.api("GET", "/healthz", role=None)
        self.assertRegex(r2.header("x-request-id"), r"^req_[0-9a-f]{16}$")
        self.assertNotEqual(r.header("x-request-id"), r2.header("x-request-id"))

    def test_unmatched_paths_have_a_bounded_route(self):
        since = log_size()
        r = ENV.api("GET", "/v1/nothing/" + unique("x"), role=None,
                    headers={"X-Request-Id": "obs-404"})
        self.assertProblem(r, 404)
        self.assertEqual(request_lines(since, "obs-404")[0]["route"], "unmatched")


class MetricsTest(LRTestCase):

    def test_text_format(self):
        r = ENV.srv.request("GET", "/metrics")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8")
        text = r.body.decode()
        self.assertRegex(text, r'(?m)^leadrouter_build_info\{version="[0-9.]+"\} 1$')
        self.assertRegex(text, r"(?m)^leadrouter_db_up 1$")
        self.assertRegex(text, r"(?m)^leadrouter_outbox_pending 0$")
        self.assertRegex(text, r"(?m)^# TYPE leadrouter_deliveries_total counter$")
        for name in re.findall(r"(?m)^([a-z_]+)[{ ]", text):
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            self.assertTrue(re.search(r"(?m)^# TYPE %s " % re.escape(name), text) or
                            re.search(r"(?m)^# TYPE %s histogram$" % re.escape(family), text),
                            name)
        self.assertRegex(text, r"(?m)^leadrouter_review_open [0-9]+$")
        self.assertRegex(text, r"(?m)^leadrouter_review_oldest_age_seconds [0-9.]+$")

    def test_metrics_token_when_set(self):
        srv = ENV.add_server(extra_env={"LEADROUTER_METRICS_TOKEN": "scrape-secret-0123"},
                             name="metrics-token")
        try:
            self.assertProblem(srv.request("GET", "/metrics"), 401)
            self.assertProblem(srv.request("GET", "/metrics", headers={
                "Authorization": "Bearer scrape-secret-0124"}), 401)
            # An API token is not the scrape token.
            self.assertProblem(srv.request("GET", "/metrics", headers={
                "Authorization": "Bearer " + ENV.tokens["admin"]}), 401)
            r = srv.request("GET", "/metrics", headers={
                "Authorization": "Bearer scrape-secret-0123"})
            self.assertStatus(r, 200)
            self.assertIn("leadrouter_build_info", r.body.decode())
            with open(srv.log_path, encoding="utf-8") as f:
                self.assertNotIn("scrape-secret", f.read())
        finally:
            srv.stop()
            ENV.servers.remove(srv)

    def test_promtool_accepts_the_exposition(self):
        # Traffic first, so labelled series and histogram buckets are present
        # when Prometheus's own linter reads the page.
        self.assertStatus(ENV.post_event(lead_event(unique("obs-p"), **seg_values("smb"))), 201)
        self.assertStatus(ENV.api("GET", "/v1/reps", role="reader"), 200)
        r = ENV.srv.request("GET", "/metrics")
        self.assertStatus(r, 200)
        self.assertIn(b"leadrouter_lead_batch_size_bucket", r.body)
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool missing: scripts/install-deps.sh installs it")
        p = subprocess.run([promtool, "check", "metrics"], input=r.body,
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout + p.stderr, b"", "promtool lint findings")

    def test_counters_move(self):
        def value(pattern):
            text = ENV.srv.request("GET", "/metrics").body.decode()
            m = re.search(r"(?m)^%s ([0-9.]+)$" % pattern, text)
            return float(m.group(1)) if m else 0.0

        reps = r'leadrouter_http_requests_total\{route="/v1/reps",method="GET",code="200"\}'
        decided = (r'leadrouter_decisions_total\{subject="lead",queue="smb",'
                   r'reason="composite"\}')
        before_reps, before_decided = value(reps), value(decided)
        before_batches = value("leadrouter_lead_batch_size_count")
        for _ in range(3):
            self.assertStatus(ENV.api("GET", "/v1/reps", role="reader"), 200)
        for _ in range(2):
            self.assertStatus(ENV.post_event(lead_event(unique("obs-m"), **seg_values("smb"))), 201)
        self.assertEqual(value(reps), before_reps + 3)
        self.assertEqual(value(decided), before_decided + 2)
        self.assertGreaterEqual(value("leadrouter_lead_batch_size_count"), before_batches + 1)


if __name__ == "__main__":
    unittest.main()
