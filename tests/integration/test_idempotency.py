"""Idempotency of POST /v1/events (SPEC 3.1): webhook-id replays, concurrent
duplicates, conflicting bodies, and a lead routed once."""

import time

import harness
from harness import LRTestCase, lead_event, seg_values, unique

ENV = None
REPS = {"smb": "id-smb-1", "mid_market": "id-mm-1", "strategic": "id-st-1"}


def setUpModule():
    global ENV
    ENV = harness.start_env("idempotency")
    with harness.closed_on_failure(ENV):
        for seg, rid in REPS.items():
            ENV.put_rep(rid, seg)


def tearDownModule():
    ENV.close()


def lead_assignments(lead_id):
    return int(ENV.psql("SELECT count(*) FROM assignments WHERE subject = 'lead' AND subject_id = '%s'"
                        % lead_id))


def concurrent_posts(requests, timeout=60):
    """Posts every (body, headers) at the same moment."""
    return harness.post_events_at_once(ENV.srv.port, requests, timeout)


class IdempotencyTest(LRTestCase):

    def test_replay_same_id_same_body(self):
        lead_id = unique("lead")
        wid = unique("msg")
        payload = lead_event(lead_id, **seg_values("mid_market"))
        body = harness.dumps(payload)
        r1 = ENV.post_event(body=body, webhook_id=wid)
        self.assertStatus(r1, 201)
        self.assertEqual(r1.json()["rep_id"], REPS["mid_market"])
        before = ENV.counts()
        r2 = ENV.post_event(body=body, webhook_id=wid)
        self.assertStatus(r2, 200)
        self.assertEqual(r2.body, r1.body, "a replay answers the byte-identical body")
        # A retry a little later, with a new timestamp and signature, is still a replay.
        r3 = ENV.post_event(body=body, webhook_id=wid, ts=int(time.time()) - 30)
        self.assertStatus(r3, 200)
        self.assertEqual(r3.body, r1.body)
        self.assertEqual(ENV.counts(), before, "a replay changes nothing")
        self.assertEqual(lead_assignments(lead_id), 1)
        r = ENV.api("GET", "/v1/leads/" + lead_id, role="reader")
        self.assertStatus(r, 200)
        self.assertEqual(len(r.json()["history"]), 1)

    def test_twenty_identical_copies_at_once(self):
        lead_id = unique("lead")
        wid = unique("msg")
        body = harness.dumps(lead_event(lead_id, **seg_values("smb")))
        before = ENV.counts()
        reqs = [ENV.event_request(body=body, webhook_id=wid) for _ in range(20)]
        results = concurrent_posts(reqs)
        for r in results:
            self.assertIsInstance(r, harness.Response, "a request failed: %r" % r)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] * 19 + [201], [r for r in results])
        bodies = {r.body for r in results}
        self.assertEqual(len(bodies), 1, "all 20 bodies must be identical: %r" % bodies)
        self.assertEqual(results[0].json()["rep_id"], REPS["smb"])
        self.assertEqual(lead_assignments(lead_id), 1)
        after = ENV.counts()
        self.assertEqual(after["webhook_events"], before["webhook_events"] + 1)
        self.assertEqual(after["leads"], before["leads"] + 1)
        self.assertEqual(after["assignments"], before["assignments"] + 1)

    def test_same_id_other_body_is_409(self):
        lead_id = unique("lead")
        wid = unique("msg")
        body1 = harness.dumps(lead_event(lead_id, **seg_values("smb")))
        r1 = ENV.post_event(body=body1, webhook_id=wid)
        self.assertStatus(r1, 201)
        before = ENV.counts()
        other = lead_event(lead_id, **seg_values("strategic"))
        r2 = ENV.post_event(other, webhook_id=wid)
        self.assertProblem(r2, 409)
        # another lead under a used webhook-id: also another body
        r3 = ENV.post_event(lead_event(unique("lead"), **seg_values("smb")), webhook_id=wid)
        self.assertProblem(r3, 409)
        self.assertEqual(ENV.counts(), before)
        r = ENV.api("GET", "/v1/leads/" + lead_id, role="reader")
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["queue"], r.json()["rep_id"]), ("smb", REPS["smb"]))
        # and the original still replays
        r4 = ENV.post_event(body=body1, webhook_id=wid)
        self.assertStatus(r4, 200)
        self.assertEqual(r4.body, r1.body)

    def test_second_lead_created_new_webhook_id(self):
        lead_id = unique("lead")
        r1 = ENV.post_event(lead_event(lead_id, **seg_values("smb")))
        self.assertStatus(r1, 201)
        d1 = r1.json()
        before = ENV.counts()
        wid2 = unique("msg")
        body2 = harness.dumps(lead_event(lead_id, **seg_values("strategic")))
        r2 = ENV.post_event(body=body2, webhook_id=wid2)
        self.assertStatus(r2, 200)
        d2 = r2.json()
        for k in ("subject", "subject_id", "queue", "rep_id", "reason", "composite_queue",
                  "review_id", "signals", "rules_version", "decided_at"):
            self.assertEqual(d2.get(k), d1.get(k), "key %s: %r vs %r" % (k, d2, d1))
        after = ENV.counts()
        self.assertEqual(after["assignments"], before["assignments"], "no new assignment")
        self.assertEqual(after["leads"], before["leads"])
        self.assertEqual(after["reviews"], before["reviews"])
        self.assertEqual(lead_assignments(lead_id), 1)
        # the second delivery is itself idempotent
        r3 = ENV.post_event(body=body2, webhook_id=wid2)
        self.assertStatus(r3, 200)
        self.assertEqual(r3.body, r2.body)

    def test_review_lead_routed_once(self):
        lead_id = unique("lead")
        r1 = ENV.post_event(lead_event(lead_id, employee_count=10, fit_score=95))
        self.assertStatus(r1, 201)
        d1 = r1.json()
        self.assertEqual((d1["queue"], d1["reason"]), ("review", "conflict"))
        before = ENV.counts()
        r2 = ENV.post_event(lead_event(lead_id, **seg_values("mid_market")))
        self.assertStatus(r2, 200)
        d2 = r2.json()
        self.assertEqual((d2["queue"], d2["rep_id"], d2["review_id"]),
                         ("review", None, d1["review_id"]))
        after = ENV.counts()
        self.assertEqual((after["assignments"], after["reviews"]),
                         (before["assignments"], before["reviews"]))

    def test_same_lead_ten_webhook_ids_at_once(self):
        lead_id = unique("lead")
        reqs = [ENV.event_request(lead_event(lead_id, **seg_values("mid_market"), source="s%d" % i))
                for i in range(10)]
        results = concurrent_posts(reqs)
        for r in results:
            self.assertIsInstance(r, harness.Response, "a request failed: %r" % r)
        self.assertEqual(sorted(r.status for r in results), [200] * 9 + [201], results)
        decided = {(r.json()["queue"], r.json()["rep_id"], r.json()["decided_at"]) for r in results}
        self.assertEqual(len(decided), 1, decided)
        self.assertEqual(lead_assignments(lead_id), 1)


if __name__ == "__main__":
    import unittest
    unittest.main()
