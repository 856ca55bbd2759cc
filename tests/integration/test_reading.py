"""Reading (SPEC 3.2): GET /v1/leads/{id}, GET /v1/assignments keyset paging, filters,
limits, and a poller that sees every assignment exactly once while two server
processes write concurrently."""

import threading
import time

import harness
from harness import LRTestCase, lead_event, seg_values, unique

ENV = None
REPS = {"smb": "rd-smb-1", "mid_market": "rd-mm-1", "strategic": "rd-st-1"}
ITEM_KEYS = {"id", "subject", "subject_id", "queue", "rep_id", "previous_rep_id", "reason", "at"}


def setUpModule():
    global ENV
    ENV = harness.start_env("reading", servers=2)
    with harness.closed_on_failure(ENV):
        for seg, rid in REPS.items():
            ENV.put_rep(rid, seg)


def tearDownModule():
    ENV.close()


def post_lead(segment=None, server=None, **data):
    lead_id = unique("rd")
    if segment:
        data = dict(seg_values(segment), **data)
    r = ENV.post_event(lead_event(lead_id, **data), server=server)
    return lead_id, r


def max_assignment_id():
    items = ENV.all_assignments()
    return items[-1]["id"] if items else 0


class LeadReadTest(LRTestCase):

    def test_get_lead_with_history(self):
        lead_id, r = post_lead("mid_market", domain="Read-Me.test", source="webinar")
        self.assertStatus(r, 201)
        decision = r.json()
        g = ENV.api("GET", "/v1/leads/" + lead_id, role="reader")
        self.assertStatus(g, 200)
        j = g.json()
        self.assertEqual(j["id"], lead_id)
        self.assertEqual((j["queue"], j["rep_id"], j["reason"], j["composite_queue"], j["review_id"]),
                         ("mid_market", REPS["mid_market"], "composite", "mid_market", None))
        self.assertEqual(j["domain"], "read-me.test")
        self.assertEqual(j["data"]["source"], "webinar")
        self.assertEqual(j["data"]["id"], lead_id)
        self.assertEqual(j["decision"], decision)
        self.assertRegex(j["created_at"], harness.RFC3339_RE)
        self.assertEqual(len(j["history"]), 1, j["history"])
        h = j["history"][0]
        self.assertTrue(ITEM_KEYS <= set(h), h)
        self.assertEqual((h["subject"], h["subject_id"], h["queue"], h["rep_id"], h["previous_rep_id"],
                          h["reason"]),
                         ("lead", lead_id, "mid_market", REPS["mid_market"], None, "composite"))
        listed = ENV.api("GET", "/v1/assignments?after=%d&limit=1" % (h["id"] - 1), role="reader")
        self.assertEqual(listed.json()["items"], [h], "history items are the assignments items")
        # the other process reads the same
        g2 = ENV.api("GET", "/v1/leads/" + lead_id, role="reader", server=ENV.servers[1])
        self.assertStatus(g2, 200)
        self.assertEqual(g2.json(), j)

    def test_get_review_lead(self):
        lead_id, r = post_lead(employee_count=10, expected_acv=100000, fit_score=90)
        self.assertStatus(r, 201)
        j = ENV.api("GET", "/v1/leads/" + lead_id, role="reader").json()
        self.assertEqual((j["queue"], j["rep_id"], j["reason"], j["composite_queue"]),
                         ("review", None, "conflict", "review"))
        self.assertEqual(j["review_id"], r.json()["review_id"])
        self.assertIsInstance(j["review_id"], int)
        self.assertEqual([(h["queue"], h["rep_id"], h["reason"]) for h in j["history"]],
                         [("review", None, "conflict")])

    def test_unknown_lead_404(self):
        r = ENV.api("GET", "/v1/leads/" + unique("nope"), role="reader")
        self.assertProblem(r, 404)


class AssignmentsTest(LRTestCase):

    def test_shape_paging_and_next_after(self):
        start = max_assignment_id()
        ids = []
        for seg in ("smb", "mid_market", "strategic", "smb", "mid_market"):
            lead_id, r = post_lead(seg)
            self.assertStatus(r, 201)
            ids.append(lead_id)
        r = ENV.api("GET", "/v1/assignments?after=%d&limit=2" % start, role="reader")
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual(len(j["items"]), 2)
        self.assertEqual(j["next_after"], j["items"][-1]["id"])
        for it in j["items"]:
            self.assertEqual(set(it), ITEM_KEYS, it)
            self.assertRegex(it["at"], harness.RFC3339_RE)
        items = ENV.all_assignments(after=start, limit=2)
        self.assertEqual([i["subject_id"] for i in items], ids)
        got_ids = [i["id"] for i in items]
        self.assertEqual(got_ids, sorted(set(got_ids)), "ascending and unique")
        self.assertTrue(all(i > start for i in got_ids))
        # past the end: empty, next_after echoes after
        last = got_ids[-1]
        r = ENV.api("GET", "/v1/assignments?after=%d" % last, role="reader")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"items": [], "next_after": last})
        r = ENV.api("GET", "/v1/assignments?after=%d" % (last + 10**9), role="reader")
        self.assertEqual(r.json(), {"items": [], "next_after": last + 10**9})

    def test_default_limit_and_bounds(self):
        have = len(ENV.all_assignments())
        if have < 101:
            harness.run_parallel(lambda _: post_lead("smb"), range(101 - have), workers=16)
        r = ENV.api("GET", "/v1/assignments", role="reader")
        self.assertStatus(r, 200)
        self.assertEqual(len(r.json()["items"]), 100, "default limit is 100")
        r = ENV.api("GET", "/v1/assignments?limit=1000", role="reader")
        self.assertStatus(r, 200)
        r = ENV.api("GET", "/v1/assignments?limit=1", role="reader")
        self.assertStatus(r, 200)
        self.assertEqual(len(r.json()["items"]), 1)
        for q in ("limit=0", "limit=1001", "limit=-1", "limit=abc", "after=abc",
                  "queue=nowhere", "subject=account"):
            with self.subTest(query=q):
                r = ENV.api("GET", "/v1/assignments?" + q, role="reader")
                self.assertProblem(r, 422)
        r = ENV.api("GET", "/v1/assignments?limit=0", role="reader")
        self.assertProblem(r, 422, fields=["limit"])
        r = ENV.api("GET", "/v1/assignments?limit=1001", role="reader")
        self.assertProblem(r, 422, fields=["limit"])

    def test_filters(self):
        start = max_assignment_id()
        mine = {}
        for seg in ("smb", "smb", "mid_market", "strategic"):
            lead_id, r = post_lead(seg)
            self.assertStatus(r, 201)
            mine[lead_id] = seg
        review_id, r = post_lead(employee_count=3)
        self.assertStatus(r, 201)
        mine[review_id] = "review"

        def ours(items):
            return sorted(i["subject_id"] for i in items if i["subject_id"] in mine)

        for q in ("smb", "mid_market", "strategic", "review"):
            with self.subTest(queue=q):
                items = ENV.all_assignments(after=start, query="&queue=" + q)
                self.assertTrue(all(i["queue"] == q for i in items), items)
                self.assertEqual(ours(items), sorted(k for k, v in mine.items() if v == q))
        items = ENV.all_assignments(after=start, query="&rep_id=" + REPS["smb"])
        self.assertTrue(all(i["rep_id"] == REPS["smb"] for i in items), items)
        self.assertEqual(ours(items), sorted(k for k, v in mine.items() if v == "smb"))
        items = ENV.all_assignments(after=start, query="&subject=lead")
        self.assertTrue(all(i["subject"] == "lead" for i in items))
        self.assertEqual(ours(items), sorted(mine))
        items = ENV.all_assignments(after=start, query="&subject=opportunity")
        self.assertTrue(all(i["subject"] == "opportunity" for i in items))
        self.assertEqual(ours(items), [])
        items = ENV.all_assignments(after=start, query="&queue=smb&rep_id=" + REPS["mid_market"])
        self.assertEqual(items, [])
        # a filtered page: next_after is the last id returned
        r = ENV.api("GET", "/v1/assignments?after=%d&limit=1&queue=smb" % start, role="reader")
        j = r.json()
        self.assertEqual(j["next_after"], j["items"][0]["id"])

    def test_poller_sees_every_assignment_once_under_concurrent_writes(self):
        start = max_assignment_id()
        stop = threading.Event()
        errors = []
        written = []   # lead ids that got 201
        lock = threading.Lock()
        segs = ["smb", "mid_market", "strategic", None]

        def writer(w):
            for i in range(40):
                seg = segs[(w + i) % len(segs)]
                extra = {} if seg else {"employee_count": 5, "fit_score": 95}
                try:
                    lead_id, r = post_lead(seg, server=ENV.servers[(w + i) % 2], **extra)
                except Exception as e:  # noqa: BLE001
                    errors.append("writer: %r" % e)
                    continue
                if r.status != 201:
                    errors.append("writer: %r" % r)
                else:
                    with lock:
                        written.append(lead_id)

        seen = {0: [], 1: []}

        def poller(p):
            after = start
            server = ENV.servers[p]
            idle_after_stop = 0
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    r = ENV.api("GET", "/v1/assignments?after=%d&limit=7" % after, role="reader",
                                server=server)
                except Exception as e:  # noqa: BLE001
                    errors.append("poller: %r" % e)
                    return
                if r.status != 200:
                    errors.append("poller: %r" % r)
                    return
                j = r.json()
                for it in j["items"]:
                    if it["id"] <= after:
                        errors.append("poller %d: id %d not after %d" % (p, it["id"], after))
                seen[p].extend(j["items"])
                after = j["next_after"]
                if not j["items"]:
                    if stop.is_set():
                        idle_after_stop += 1
                        if idle_after_stop >= 3:
                            return
                    time.sleep(0.005)
            errors.append("poller %d did not finish" % p)

        writers = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
        pollers = [threading.Thread(target=poller, args=(p,)) for p in (0, 1)]
        for t in pollers + writers:
            t.start()
        for t in writers:
            t.join(150)
        stop.set()
        for t in pollers:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(written), 240)
        full = ENV.all_assignments(after=start)
        full_ids = [i["id"] for i in full]
        self.assertEqual(len(full_ids), len(set(full_ids)))
        self.assertEqual(sorted(i["subject_id"] for i in full), sorted(written))
        for p in (0, 1):
            ids = [i["id"] for i in seen[p]]
            self.assertEqual(len(ids), len(set(ids)), "poller %d saw duplicates" % p)
            self.assertEqual(ids, full_ids, "poller %d missed or reordered assignments" % p)
            self.assertEqual([i["subject_id"] for i in seen[p]], [i["subject_id"] for i in full])
            self.assertEqual(seen[p], full, "poller %d saw items that changed later" % p)


if __name__ == "__main__":
    import unittest
    unittest.main()
