"""Group commit of leads (docs/performance.md): leads that arrive together are read and
committed in shared transactions, and each must still get exactly the answer it would
get alone: one 201 per webhook-id, one decision per lead id, 409 for a reused id,
exact round robin, no_active_rep without disturbing the rest of the batch, a busy
queue that does not hold up the others, one refused lead that does not fail its batch,
and the same answers with batching turned off (LEADROUTER_BATCH_MAX=1)."""

import collections
import subprocess
import threading
import time

import harness
from harness import LRTestCase, lead_event, seg_values, unique

ENV = None
UNBATCHED = None  # a second server on the same database, one lead per transaction


def setUpModule():
    global ENV, UNBATCHED
    ENV = harness.start_env("batching")
    with harness.closed_on_failure(ENV):
        UNBATCHED = ENV.add_server(extra_env={"LEADROUTER_BATCH_MAX": "1"}, name="unbatched")


def tearDownModule():
    ENV.close()


def at_once(requests, server=None, timeout=60):
    """Posts every (body, headers) at the same moment, so that the server sees them
    together and batches them."""
    return harness.post_events_at_once((server or ENV.srv).port, requests, timeout)


def fresh_reps(segment, n):
    ENV.deactivate_segment(segment)
    prefix = unique("b-" + segment[:3])
    ids = ["%s-%d" % (prefix, i) for i in range(n)]
    for rid in ids:
        ENV.put_rep(rid, segment)
    return ids


def lead_rows(lead_id):
    return int(ENV.psql("SELECT count(*) FROM leads WHERE id = '%s'" % lead_id))


def assignments_of(lead_id):
    return int(ENV.psql("SELECT count(*) FROM assignments WHERE subject = 'lead'"
                        " AND subject_id = '%s'" % lead_id))


class BatchingTest(LRTestCase):

    def assertAllResponses(self, results):
        for r in results:
            self.assertIsInstance(r, harness.Response, "a request failed: %r" % r)

    def test_mixed_batch_each_lead_answered_as_alone(self):
        smb = fresh_reps("smb", 4)
        fresh_reps("mid_market", 2)
        reqs, groups = [], collections.defaultdict(list)

        def add(group, req):
            groups[group].append(len(reqs))
            reqs.append(req)

        # 12 copies of one delivery
        lead_a, wid_a = unique("ba"), unique("msg")
        body_a = harness.dumps(lead_event(lead_a, **seg_values("smb")))
        for _ in range(12):
            add("a", ENV.event_request(body=body_a, webhook_id=wid_a))
        # one lead under 8 webhook-ids
        lead_b = unique("bb")
        for i in range(8):
            add("b", ENV.event_request(lead_event(lead_b, source="s%d" % i,
                                                  **seg_values("mid_market"))))
        # one webhook-id with 3 different bodies, 2 copies each
        wid_c = unique("msg")
        for i in range(3):
            body = harness.dumps(lead_event(unique("bc"), **seg_values("smb")))
            for _ in range(2):
                add("c%d" % i, ENV.event_request(body=body, webhook_id=wid_c))
        # 24 ordinary smb leads and 4 that go to review
        for _ in range(24):
            add("smb", ENV.event_request(lead_event(unique("bs"), **seg_values("smb"))))
        for _ in range(4):
            add("review", ENV.event_request(lead_event(unique("br"), employee_count=10,
                                                       fit_score=95)))
        before = ENV.counts()
        results = at_once(reqs)
        self.assertAllResponses(results)

        a = [results[i] for i in groups["a"]]
        self.assertEqual(sorted(r.status for r in a), [200] * 11 + [201], a)
        self.assertEqual(len({r.body for r in a}), 1, "copies must answer the same body")
        self.assertEqual(assignments_of(lead_a), 1)

        b = [results[i] for i in groups["b"]]
        self.assertEqual(sorted(r.status for r in b), [200] * 7 + [201], b)
        self.assertEqual(len({(r.json()["rep_id"], r.json()["decided_at"]) for r in b}), 1, b)
        self.assertEqual(assignments_of(lead_b), 1)

        # exactly one body wins the webhook-id; its copy replays, the others are 409
        c = {g: [results[i] for i in groups[g]] for g in ("c0", "c1", "c2")}
        winners = [g for g, rs in c.items() if any(r.status == 201 for r in rs)]
        self.assertEqual(len(winners), 1, c)
        for g, rs in c.items():
            want = [200, 201] if g == winners[0] else [409, 409]
            self.assertEqual(sorted(r.status for r in rs), want, rs)

        routed = [results[i] for i in groups["smb"]]
        for r in routed:
            self.assertStatus(r, 201)
        reps = collections.Counter(r.json()["rep_id"] for r in routed)
        reps.update([a[0].json()["rep_id"]] + [r.json()["rep_id"] for r in c[winners[0]]
                                               if r.status == 201])
        self.assertTrue(set(reps) <= set(smb), reps)
        self.assertLessEqual(max(reps.values()) - min(reps.get(x, 0) for x in smb), 1,
                             "round robin must stay exact within a batch: %r" % reps)

        for i in groups["review"]:
            self.assertStatus(results[i], 201)
            d = results[i].json()
            self.assertEqual((d["queue"], d["reason"]), ("review", "conflict"))
            self.assertIsInstance(d["review_id"], int)

        after = ENV.counts()
        self.assertEqual(after["leads"], before["leads"] + 1 + 1 + 1 + 24 + 4)
        self.assertEqual(after["assignments"], before["assignments"] + 31)
        self.assertEqual(after["reviews"], before["reviews"] + 4)
        # every first delivery is stored once, with the answer it got
        self.assertEqual(after["webhook_events"], before["webhook_events"] + 1 + 8 + 1 + 28)

    def test_no_active_rep_in_a_batch(self):
        ENV.deactivate_segment("strategic")
        fresh_reps("mid_market", 3)
        reqs = [ENV.event_request(lead_event(unique("bn"), **seg_values("strategic")))
                for _ in range(10)]
        reqs += [ENV.event_request(lead_event(unique("bm"), **seg_values("mid_market")))
                 for _ in range(10)]
        results = at_once(reqs)
        self.assertAllResponses(results)
        for r in results[:10]:
            self.assertStatus(r, 201)
            d = r.json()
            self.assertDecision(d, "review", None, "no_active_rep", "strategic")
        for r in results[10:]:
            self.assertStatus(r, 201)
            self.assertEqual((r.json()["queue"], r.json()["reason"]), ("mid_market", "composite"))
        # the re-decided leads are stored as answered, and replay
        body, headers = reqs[0]
        again = ENV.srv.request("POST", "/v1/events", body, headers)
        self.assertStatus(again, 200)
        self.assertEqual(again.body, results[0].body)

    def test_busy_queue_does_not_hold_up_the_others(self):
        smb = fresh_reps("smb", 3)
        fresh_reps("mid_market", 2)
        holder = subprocess.Popen(
            ["psql", ENV.cluster.url, "-X", "-v", "ON_ERROR_STOP=1", "-qc",
             "BEGIN; SELECT 1 FROM rr_state WHERE segment = 'smb' FOR UPDATE;"
             " SELECT pg_sleep(3); COMMIT;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            harness.wait_until(lambda: ENV.psql(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'rr_state' AND l.mode = 'RowShareLock' AND l.granted") != "0",
                timeout=5, what="the turn lock held")
            t0 = time.monotonic()
            smb_results = []
            smb_reqs = [ENV.event_request(lead_event(unique("bw"), **seg_values("smb")))
                        for _ in range(9)]
            t = threading.Thread(target=lambda: smb_results.extend(at_once(smb_reqs)))
            t.start()
            time.sleep(0.3)
            mm = at_once([ENV.event_request(lead_event(unique("bx"), **seg_values("mid_market")))
                          for _ in range(9)])
            self.assertAllResponses(mm)
            self.assertLess(time.monotonic() - t0, 2.0, "mid-market leads waited behind smb")
            for r in mm:
                self.assertStatus(r, 201)
            t.join(30)
            self.assertGreater(time.monotonic() - t0, 2.0, "the smb leads should have waited")
            self.assertAllResponses(smb_results)
            got = collections.Counter()
            for r in smb_results:
                self.assertStatus(r, 201)
                got[r.json()["rep_id"]] += 1
            self.assertEqual(got, {rid: 3 for rid in smb})
        finally:
            holder.wait(30)

    def test_a_lead_the_database_refuses_fails_alone(self):
        # No event the server accepts is one PostgreSQL refuses any more (timestamps,
        # numbers and webhook-ids are checked before a lead reaches a batch:
        # test_input_hardening), so the database is made to refuse one lead itself, by a
        # constraint on that lead's id, as a constraint or trigger added outside the
        # service would. That lead's write fails, and the batch it shared is written
        # again without it.
        fresh_reps("smb", 2)
        bad = lead_event(unique("bf"), **seg_values("smb"))
        ENV.psql("ALTER TABLE leads ADD CONSTRAINT it_refuse_one_lead CHECK (id <> '%s')"
                 " NOT VALID" % bad["data"]["id"])
        try:
            reqs = [ENV.event_request(bad)]
            reqs += [ENV.event_request(lead_event(unique("bg"), **seg_values("smb")))
                     for _ in range(15)]
            before = ENV.counts()
            results = at_once(reqs)
        finally:
            ENV.psql("ALTER TABLE leads DROP CONSTRAINT it_refuse_one_lead")
        self.assertAllResponses(results)
        self.assertGreaterEqual(results[0].status, 500, results[0])
        for r in results[1:]:
            self.assertStatus(r, 201)
        self.assertEqual(lead_rows(bad["data"]["id"]), 0, "nothing half-written")
        self.assertEqual(ENV.counts()["leads"], before["leads"] + 15)

    def test_unbatched_server_gives_the_same_answers(self):
        smb = fresh_reps("smb", 2)
        lead_id = unique("bu")
        body = harness.dumps(lead_event(lead_id, **seg_values("smb")))
        wid = unique("msg")
        r1 = ENV.post_event(body=body, webhook_id=wid, server=UNBATCHED)
        self.assertStatus(r1, 201)
        self.assertIn(r1.json()["rep_id"], smb)
        # replays agree across the batched and the unbatched server
        for srv in (UNBATCHED, ENV.srv):
            r = ENV.post_event(body=body, webhook_id=wid, server=srv)
            self.assertStatus(r, 200)
            self.assertEqual(r.body, r1.body)
        r = ENV.post_event(lead_event(unique("bu"), **seg_values("smb")), webhook_id=wid,
                           server=UNBATCHED)
        self.assertProblem(r, 409)
        r = ENV.post_event(lead_event(lead_id, **seg_values("strategic")), server=UNBATCHED)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["rep_id"], r1.json()["rep_id"])
        # twenty copies at once, one lead per transaction
        lead2, wid2 = unique("bu"), unique("msg")
        body2 = harness.dumps(lead_event(lead2, **seg_values("smb")))
        results = at_once([ENV.event_request(body=body2, webhook_id=wid2) for _ in range(20)],
                          server=UNBATCHED)
        self.assertAllResponses(results)
        self.assertEqual(sorted(r.status for r in results), [200] * 19 + [201])
        self.assertEqual(len({r.body for r in results}), 1)
        self.assertEqual(assignments_of(lead2), 1)
        # a queue without reps, one lead per transaction
        ENV.deactivate_segment("strategic")
        r = ENV.post_event(lead_event(unique("bu"), **seg_values("strategic")), server=UNBATCHED)
        self.assertStatus(r, 201)
        self.assertEqual((r.json()["queue"], r.json()["reason"]), ("review", "no_active_rep"))


if __name__ == "__main__":
    import unittest
    unittest.main()
