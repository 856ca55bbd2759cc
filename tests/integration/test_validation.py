"""POST /v1/events validation (SPEC 3.1, docs/api-contract.md): 400, 401, 413, 415, 422
with the bad fields named, nothing written for any of them; garbage on the socket
never takes the server down."""

import os
import socket
import time

import harness
from harness import LRTestCase, lead_event, seg_values, unique

ENV = None
SMALL = None  # a server with LEADROUTER_MAX_BODY_BYTES=2048


def setUpModule():
    global ENV, SMALL
    ENV = harness.start_env("validation")
    with harness.closed_on_failure(ENV):
        ENV.put_rep("va-smb-1", "smb")
        SMALL = ENV.add_server(extra_env={"LEADROUTER_MAX_BODY_BYTES": "2048"}, name="small")


def tearDownModule():
    ENV.close()


def padded_lead(lead_id, size):
    """A valid lead.created body of exactly size bytes (an ignored `notes` field pads it)."""
    p = lead_event(lead_id, notes="", **seg_values("smb"))
    base = len(harness.dumps(p))
    p["data"]["notes"] = "x" * (size - base)
    body = harness.dumps(p)
    assert len(body) == size, (len(body), size)
    return body


class ValidationTest(LRTestCase):

    def setUp(self):
        self.before = ENV.counts()

    def assertNothingWritten(self, wid=None):
        self.assertEqual(ENV.counts(), self.before, "a rejected event must write nothing")
        if wid is not None:
            # The webhook-id was not claimed: a valid delivery under it is a first delivery.
            r = ENV.post_event(lead_event(unique("lead"), **seg_values("smb")), webhook_id=wid)
            self.assertStatus(r, 201, "valid event under the webhook-id of a rejected one")

    def assertServerUp(self, server=None):
        server = server or ENV.srv
        self.assertTrue(server.alive(), "server process died: %s" % server.describe())
        r = server.request("GET", "/healthz", timeout=10)
        self.assertStatus(r, 200)

    # -- 400 --

    def test_400_malformed_json(self):
        wid = unique("msg")
        for body in (b'{"type": "lead.created", "data": {', b"not json", b"",
                     b'{"type": "lead.created"} trailing'):
            with self.subTest(body=body):
                r = ENV.post_event(body=body, webhook_id=wid)
                self.assertProblem(r, 400)
        self.assertNothingWritten(wid)

    def test_400_missing_webhook_id(self):
        body = harness.dumps(lead_event(unique("lead"), **seg_values("smb")))
        r = ENV.post_event(body=body, webhook_id="", omit=("webhook-id",))
        self.assertProblem(r, 400)
        self.assertNothingWritten()

    # -- 401 --

    def test_401_bad_signature(self):
        wid = unique("msg")
        payload = lead_event(unique("lead"), **seg_values("smb"))
        r = ENV.post_event(payload, webhook_id=wid, key=os.urandom(32))
        self.assertProblem(r, 401)
        body = harness.dumps(payload)
        ts = int(time.time())
        wrong = harness.sign(ENV.key, wid, ts, body + b" ")
        r = ENV.post_event(body=body, webhook_id=wid, ts=ts, signature=wrong)
        self.assertProblem(r, 401)
        r = ENV.post_event(body=body, webhook_id=wid, ts=ts, signature="v1,bm90IGEgc2lnbmF0dXJl")
        self.assertProblem(r, 401)
        # signed for another webhook-id
        other = harness.sign(ENV.key, "msg_other", ts, body)
        r = ENV.post_event(body=body, webhook_id=wid, ts=ts, signature=other)
        self.assertProblem(r, 401)
        self.assertNothingWritten(wid)

    def test_401_stale_or_future_timestamp(self):
        wid = unique("msg")
        payload = lead_event(unique("lead"), **seg_values("smb"))
        for ts in (int(time.time()) - 301 - 60, int(time.time()) + 301 + 60, 0):
            with self.subTest(ts=ts):
                r = ENV.post_event(payload, webhook_id=wid, ts=ts)
                self.assertProblem(r, 401)
        self.assertNothingWritten(wid)

    def test_timestamp_within_tolerance_accepted(self):
        r = ENV.post_event(lead_event(unique("lead"), **seg_values("smb")), ts=int(time.time()) - 240)
        self.assertStatus(r, 201)

    def test_401_missing_signature_or_timestamp(self):
        wid = unique("msg")
        payload = lead_event(unique("lead"), **seg_values("smb"))
        r = ENV.post_event(payload, webhook_id=wid, omit=("webhook-signature",))
        self.assertProblem(r, 401)
        r = ENV.post_event(payload, webhook_id=wid, omit=("webhook-timestamp",))
        self.assertProblem(r, 401)
        self.assertNothingWritten(wid)

    def test_bearer_token_does_not_replace_signature(self):
        payload = lead_event(unique("lead"), **seg_values("smb"))
        r = ENV.post_event(payload, omit=("webhook-signature",),
                           extra={"Authorization": "Bearer " + ENV.tokens["admin"]})
        self.assertProblem(r, 401)
        self.assertNothingWritten()

    # -- 413 --

    def test_413_over_default_limit(self):
        wid = unique("msg")
        body = padded_lead(unique("lead"), 64 * 1024 + 200)
        r = ENV.post_event(body=body, webhook_id=wid)
        self.assertProblem(r, 413)
        self.assertNothingWritten(wid)
        self.assertServerUp()

    def test_body_under_default_limit_accepted(self):
        r = ENV.post_event(body=padded_lead(unique("lead"), 60 * 1024))
        self.assertStatus(r, 201)

    def test_413_configured_limit(self):
        wid = unique("msg")
        r = ENV.post_event(body=padded_lead(unique("lead"), 4096), webhook_id=wid, server=SMALL)
        self.assertProblem(r, 413)
        r = ENV.post_event(body=padded_lead(unique("lead"), 2049), webhook_id=wid, server=SMALL)
        self.assertProblem(r, 413)
        self.assertEqual(ENV.counts(), self.before)
        r = ENV.post_event(body=padded_lead(unique("lead"), 1500), webhook_id=wid, server=SMALL)
        self.assertStatus(r, 201)
        self.assertServerUp(SMALL)

    # -- 415 --

    def test_415_wrong_content_type(self):
        wid = unique("msg")
        payload = lead_event(unique("lead"), **seg_values("smb"))
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "text/csv", None):
            with self.subTest(content_type=ctype):
                r = ENV.post_event(payload, webhook_id=wid, content_type=ctype)
                self.assertProblem(r, 415)
        self.assertNothingWritten(wid)

    def test_json_content_type_with_charset_accepted(self):
        r = ENV.post_event(lead_event(unique("lead"), **seg_values("smb")),
                           content_type="application/json; charset=utf-8")
        self.assertStatus(r, 201)

    # -- 422 --

    def check_422(self, fields, payload=None, **data):
        wid = unique("msg")
        if payload is None:
            payload = lead_event(unique("lead"), **data)
        r = ENV.post_event(payload, webhook_id=wid)
        self.assertProblem(r, 422, fields=fields)
        self.assertNothingWritten(wid)

    def test_422_employee_count(self):
        for bad in ("abc", -1, 10000001, 12.5, True, "120"):
            with self.subTest(employee_count=bad):
                self.setUp()
                self.check_422(["data.employee_count"], employee_count=bad, expected_acv=1000)

    def test_422_fit_score(self):
        for bad in (101, -1, "50", 50.5):
            with self.subTest(fit_score=bad):
                self.setUp()
                self.check_422(["data.fit_score"], fit_score=bad, employee_count=10)

    def test_422_expected_acv(self):
        for bad in (1.234, -1, 1e12, "60000", 0.001):
            with self.subTest(expected_acv=bad):
                self.setUp()
                self.check_422(["data.expected_acv"], expected_acv=bad, employee_count=10)

    def test_422_id_too_long(self):
        self.check_422(["data.id"], payload=lead_event("L" * 129, **seg_values("smb")))
        r = ENV.post_event(lead_event("L" * 128, **seg_values("smb")))
        self.assertStatus(r, 201, "a 128-character id is valid")

    def test_422_bad_ids(self):
        for bad in ("", 12345, None, "bad\u0001id"):
            with self.subTest(id=bad):
                self.setUp()
                p = lead_event("x", **seg_values("smb"))
                p["data"]["id"] = bad
                self.check_422(["data.id"], payload=p)

    def test_422_missing_data_id(self):
        p = lead_event("x", **seg_values("smb"))
        del p["data"]["id"]
        self.check_422(["data.id"], payload=p)

    def test_422_unknown_event_type(self):
        self.check_422(["type"], payload=lead_event(unique("lead"), etype="lead.deleted",
                                                    **seg_values("smb")))

    def test_422_missing_type(self):
        p = lead_event(unique("lead"), **seg_values("smb"))
        del p["type"]
        self.check_422(["type"], payload=p)

    def test_422_bad_timestamp(self):
        self.check_422(["timestamp"], payload=lead_event(unique("lead"), timestamp="yesterday",
                                                         **seg_values("smb")))

    def test_422_email_domain_too_long(self):
        self.check_422(["data.email"], email="a@" + "d" * 250 + ".com", employee_count=10)
        self.setUp()
        self.check_422(["data.domain"], domain="d" * 251 + ".com", employee_count=10)

    def test_422_every_bad_field_named(self):
        self.check_422(["data.employee_count", "data.fit_score", "data.expected_acv"],
                       employee_count="abc", fit_score=101, expected_acv=1.234)

    def test_money_with_two_decimals_and_unknown_fields_accepted(self):
        lead_id = unique("lead")
        r = ENV.post_event(lead_event(lead_id, employee_count=10, expected_acv=49999.99, fit_score=0,
                                      custom={"nested": [1, 2]}, hs_score="7"))
        self.assertStatus(r, 201)
        self.assertEqual(harness.dec(r.json()["signals"]["expected_acv"]["value"]),
                         harness.dec("49999.99"))

    # -- garbage on the socket --

    def raw(self, data, read=True, close_early=False, timeout=5):
        s = socket.create_connection((harness.HOST, ENV.srv.port), timeout=timeout)
        try:
            s.sendall(data)
            if close_early:
                return b""
            s.shutdown(socket.SHUT_WR)
            out = b""
            while read:
                try:
                    chunk = s.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            return out
        except OSError:  # the server may drop such a connection at any point
            return b""
        finally:
            s.close()

    def test_garbage_on_socket(self):
        cases = {
            "random bytes": os.urandom(8192),
            "nul bytes": b"\x00" * 4096,
            "not http": b"HELLO WORLD\r\n\r\n",
            "bad request line": b"GET\r\n\r\n",
            "truncated headers": b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",
            "truncated body": (b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                               b"application/json\r\nContent-Length: 1000\r\n\r\n{\"type\":"),
            "huge header": (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 200000
                            + b"\r\n\r\n"),
            "many headers": (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             + b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n"),
            "negative length": (b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                b"Content-Length: -5\r\n\r\nabc"),
            "huge length": (b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            b"Content-Length: 99999999999999999999\r\n\r\nabc"),
            "bad chunked": (b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: "
                            b"chunked\r\nContent-Type: application/json\r\n\r\nZZZ\r\nabc\r\n"),
            "bad method": b"BREW /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "http/0.9": b"GET /\r\n",
        }
        for name, data in cases.items():
            with self.subTest(case=name):
                self.raw(data)
                self.assertServerUp()
        for name in ("truncated body", "truncated headers"):
            self.raw(cases[name], close_early=True)
        # Connections opened and dropped mid-request, many at once.
        socks = []
        for _ in range(50):
            s = socket.create_connection((harness.HOST, ENV.srv.port), timeout=5)
            s.sendall(b"POST /v1/events HTTP/1.1\r\nContent-Length: 10\r\n")
            socks.append(s)
        for s in socks:
            s.close()
        self.assertServerUp()
        self.assertEqual(ENV.counts(), self.before)

    def test_deep_json_and_odd_bodies(self):
        for body in (b"[" * 60000, b'{"a":' * 12000, b'"\\u0000"', b"\xff\xfe\xfd",
                     b'{"type":"lead.created","data":{"id":"\\ud800"}}', b"null", b"[]", b"42"):
            with self.subTest(body=body[:20]):
                r = ENV.post_event(body=body)
                self.assertIn(r.status, (400, 422), r)
                self.assertServerUp()
        self.assertEqual(ENV.counts(), self.before)


if __name__ == "__main__":
    import unittest
    unittest.main()
