"""Sales-ops (SPEC 2.9, 2.10, 3.2, 3.3): the review queue and its resolution, versioned
rules (validation, audit, in force at once on every replica), no_poaching, simulation
of proposed rules over stored leads (100,000 of them in seconds) and the per-segment
figures of GET /v1/stats."""

import copy
import json
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import harness
from harness import LRTestCase, current_period, dec, lead_event, seg_values, unique

ENV = None
DEFAULT_RULES = None
REPS = {
    "smb": ["so-smb-1", "so-smb-2"],
    "mid_market": ["so-mm-1", "so-mm-2"],
    "strategic": ["so-st-1", "so-st-2"],
}
CONFLICT = {"employee_count": 10, "expected_acv": 100000, "fit_score": 90}  # smb, mm, strategic
THIN = {"employee_count": 10}


def setUpModule():
    global ENV, DEFAULT_RULES
    ENV = harness.start_env("sales_ops", servers=2)
    with harness.closed_on_failure(ENV):
        for seg, ids in REPS.items():
            for rid in ids:
                ENV.put_rep(rid, seg)
        r = ENV.api("GET", "/v1/rules", role="reader")
        if r.status != 200:
            raise AssertionError("GET /v1/rules -> %r" % r)
        DEFAULT_RULES = r.json()["document"]


def tearDownModule():
    ENV.close()


# ------------------------------------------------------------------------ helpers

def now_ts(delta=0.0):
    t = datetime.now(timezone.utc) + timedelta(seconds=delta)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def post_lead(server=None, **data):
    lead_id = unique("so")
    r = ENV.post_event(lead_event(lead_id, **data), server=server)
    if r.status != 201:
        raise AssertionError("lead.created -> %r" % r)
    return lead_id, r.json()


def review_lead(**extra):
    data = dict(CONFLICT)
    data.update(extra)
    lead_id, d = post_lead(**data)
    assert d["queue"] == "review" and d["review_id"], d
    return lead_id, d


def resolve(review_id, queue, note="checked by hand", role="ops", server=None):
    body = {"queue": queue}
    if note is not None:
        body["note"] = note
    return ENV.api("POST", "/v1/reviews/%s/resolve" % review_id, body, role=role, server=server)


def reviews(status="open", after=0, limit=1000, role="ops"):
    r = ENV.api("GET", "/v1/reviews?status=%s&after=%d&limit=%d" % (status, after, limit), role=role)
    if r.status != 200:
        raise AssertionError("GET /v1/reviews -> %r" % r)
    return r.json()


def put_rules(doc, role="admin", server=None):
    return ENV.api("PUT", "/v1/rules", doc, role=role, server=server)


def rules_version():
    return ENV.api("GET", "/v1/rules", role="reader").json()["version"]


def restore_rules():
    r = put_rules(DEFAULT_RULES)
    if r.status != 201:
        raise AssertionError("restoring the default rules -> %r" % r)


def changed_rules(**changes):
    """A copy of the default document with dotted paths replaced."""
    doc = copy.deepcopy(DEFAULT_RULES)
    for path, value in changes.items():
        node = doc
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return doc


def audit(action, subject_id):
    out = ENV.psql("SELECT coalesce(json_agg(json_build_object('actor', actor, 'before', before,"
                   " 'after', after) ORDER BY id), '[]') FROM audit_log"
                   " WHERE action = '%s' AND subject_id = '%s'" % (action, subject_id))
    return json.loads(out, parse_float=Decimal)


def lead(lead_id):
    r = ENV.api("GET", "/v1/leads/" + lead_id, role="reader")
    if r.status != 200:
        raise AssertionError("GET /v1/leads/%s -> %r" % (lead_id, r))
    return r.json()


def stats(since, until, server=None, role="reader"):
    r = ENV.api("GET", "/v1/stats?since=%s&until=%s" % (since, until), role=role, server=server)
    if r.status != 200:
        raise AssertionError("GET /v1/stats -> %r" % r)
    return r.json()


def opp_event(opp_id, etype="opportunity.created", ts=None, **data):
    d = {"id": opp_id}
    d.update(data)
    return {"type": etype, "timestamp": ts or now_ts(), "data": d}


def post_opp(opp_id, etype="opportunity.created", **data):
    r = ENV.post_event(opp_event(opp_id, etype, **data))
    if r.status not in (200, 201):
        raise AssertionError("%s %s -> %r" % (etype, opp_id, r))
    return r.json()


# ------------------------------------------------------------------ 1. the listing

class A1ReviewListTest(LRTestCase):

    def test_open_items_oldest_first_with_signals(self):
        start = reviews()["next_after"]
        conflict_id, d1 = review_lead()
        thin_id, d2 = post_lead(**THIN)
        self.assertEqual((d2["queue"], d2["reason"]), ("review", "insufficient_data"))
        page = reviews(after=start)
        self.assertEqual(page["status"], "open")
        items = page["items"]
        self.assertEqual([i["subject_id"] for i in items], [conflict_id, thin_id])
        self.assertEqual([i["id"] for i in items], [d1["review_id"], d2["review_id"]])
        self.assertEqual(page["next_after"], d2["review_id"])
        first = items[0]
        self.assertEqual((first["subject"], first["reason"], first["status"]),
                         ("lead", "conflict", "open"))
        self.assertSignal(first, "employee_count", 10, "event", "smb")
        self.assertSignal(first, "expected_acv", 100000, "event", "mid_market")
        self.assertSignal(first, "fit_score", 90, "event", "strategic")
        self.assertEqual(first["signals"], d1["signals"])
        self.assertRegex(first["opened_at"], harness.RFC3339_RE)
        self.assertIsInstance(first["waited_seconds"], int)
        self.assertGreaterEqual(first["waited_seconds"], 0)
        for k in ("resolved_at", "resolved_by", "resolved_queue", "resolved_rep_id", "note"):
            self.assertIsNone(first[k], k)
        self.assertEqual(items[1]["reason"], "insufficient_data")
        self.assertSignal(items[1], "fit_score", None, "missing", None)
        self.assertGreaterEqual(page["total"], 2)

    def test_waited_seconds_grows(self):
        lead_id, d = review_lead()
        time.sleep(1.1)
        items = [i for i in reviews(after=d["review_id"] - 1)["items"] if i["id"] == d["review_id"]]
        self.assertEqual(len(items), 1)
        self.assertGreaterEqual(items[0]["waited_seconds"], 1)

    def test_paging_and_bad_parameters(self):
        start = reviews()["next_after"]
        ids = [review_lead()[1]["review_id"] for _ in range(3)]
        p1 = reviews(after=start, limit=2)
        self.assertEqual([i["id"] for i in p1["items"]], ids[:2])
        p2 = reviews(after=p1["next_after"], limit=2)
        self.assertEqual([i["id"] for i in p2["items"]], ids[2:])
        for q, field in (("status=closed", "status"), ("limit=0", "limit"), ("after=-1", "after")):
            with self.subTest(q=q):
                self.assertProblem(ENV.api("GET", "/v1/reviews?" + q, role="ops"), 422, fields=[field])

    def test_roles(self):
        # SPEC 3.3: reading the queue is for reader and up; working it is for ops.
        self.assertStatus(ENV.api("GET", "/v1/reviews", role="reader"), 200)
        self.assertProblem(ENV.api("POST", "/v1/reviews/1/resolve", {"queue": "smb"},
                                   role="reader"), 403)
        self.assertProblem(ENV.api("GET", "/v1/reviews", role=None), 401)
        self.assertStatus(ENV.api("GET", "/v1/reviews", role="admin"), 200)


# --------------------------------------------------------------- 2. resolution

class A2ResolveTest(LRTestCase):

    def test_resolve_assigns_in_queue_and_records_who_and_why(self):
        lead_id, d = review_lead()
        r = resolve(d["review_id"], "mid_market", note="fit score is stale; MM per call notes")
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual((j["id"], j["status"], j["resolved_queue"], j["resolved_by"], j["note"]),
                         (d["review_id"], "resolved", "mid_market", "token:it-ops",
                          "fit score is stale; MM per call notes"))
        self.assertIn(j["resolved_rep_id"], REPS["mid_market"])
        self.assertRegex(j["resolved_at"], harness.RFC3339_RE)
        self.assertEqual(j["assignment"], {"subject": "lead", "subject_id": lead_id,
                                           "queue": "mid_market", "rep_id": j["resolved_rep_id"],
                                           "reason": "review_resolution"})
        got = lead(lead_id)
        self.assertEqual((got["queue"], got["rep_id"], got["reason"]),
                         ("mid_market", j["resolved_rep_id"], "review_resolution"))
        self.assertEqual(got["decision"]["queue"], "review", "the decision as made is kept")
        self.assertEqual([(h["queue"], h["reason"], h["previous_rep_id"]) for h in got["history"]],
                         [("review", "conflict", None), ("mid_market", "review_resolution", None)])
        # Audited: the resolution with before/after, and the assignment.
        rows = audit("review.resolved", str(d["review_id"]))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["actor"], "token:it-ops")
        self.assertEqual((rows[0]["before"]["status"], rows[0]["after"]["status"]), ("open", "resolved"))
        self.assertEqual(rows[0]["after"]["note"], "fit score is stale; MM per call notes")
        # The lead's first assignment (to review) is audited with its decision.
        assigned = audit("decision.made", lead_id) + audit("assignment.created", lead_id)
        self.assertEqual([a["after"]["reason"] for a in assigned], ["conflict", "review_resolution"])
        # Listed as resolved with who, when and why; no longer open.
        res = [i for i in reviews("resolved", after=d["review_id"] - 1)["items"] if i["id"] == d["review_id"]]
        self.assertEqual(len(res), 1)
        self.assertEqual((res[0]["resolved_by"], res[0]["resolved_at"], res[0]["note"]),
                         ("token:it-ops", j["resolved_at"], j["note"]))
        self.assertNotIn(d["review_id"], [i["id"] for i in reviews(after=d["review_id"] - 1)["items"]])

    def test_second_resolve_is_409_and_changes_nothing(self):
        lead_id, d = review_lead()
        self.assertStatus(resolve(d["review_id"], "smb"), 200)
        before = ENV.counts()
        body = self.assertProblem(resolve(d["review_id"], "strategic"), 409)
        self.assertIn("already resolved", body["detail"])
        self.assertEqual(ENV.counts(), before)
        self.assertEqual(lead(lead_id)["queue"], "smb")

    def test_queue_must_be_a_segment(self):
        lead_id, d = review_lead()
        before = ENV.counts()
        for q in ("review", "enterprise", None, 3):
            with self.subTest(queue=q):
                r = ENV.api("POST", "/v1/reviews/%d/resolve" % d["review_id"], {"queue": q, "note": "x"},
                            role="ops")
                self.assertProblem(r, 422, fields=["queue"])
        self.assertProblem(ENV.api("POST", "/v1/reviews/%d/resolve" % d["review_id"],
                                   {"queue": "smb", "note": 5}, role="ops"), 422, fields=["note"])
        self.assertProblem(ENV.api("POST", "/v1/reviews/%d/resolve" % d["review_id"], "{nope",
                                   role="ops"), 400)
        self.assertEqual(ENV.counts(), before)
        self.assertEqual(reviews(after=d["review_id"] - 1)["items"][0]["status"], "open")

    def test_unknown_item_and_roles(self):
        self.assertProblem(resolve(987654321, "smb"), 404)
        self.assertProblem(resolve("abc", "smb"), 404)
        lead_id, d = review_lead()
        self.assertProblem(resolve(d["review_id"], "smb", role="reader"), 403)
        self.assertStatus(resolve(d["review_id"], "smb", note=None, role="admin"), 200)

    def test_named_owner_in_that_queue_gets_it(self):
        domain = unique("named") + ".example"
        owner = unique("so-owner")
        ENV.put_rep(owner, "strategic")
        lead_a, da = review_lead(domain=domain)
        lead_b, db = review_lead(domain=domain)
        lead_c, dc = review_lead(domain=domain)
        # The list is loaded after the leads went to review.
        r = ENV.api("PUT", "/v1/named-accounts/" + current_period(),
                    [{"domain": domain, "owner_rep_id": owner}], role="ops")
        self.assertStatus(r, 200)
        try:
            ra = resolve(da["review_id"], "strategic")
            self.assertStatus(ra, 200)
            self.assertEqual(ra.json()["resolved_rep_id"], owner)
            self.assertEqual(lead(lead_a)["reason"], "review_resolution")
            # Another queue: the owner does not follow the account there.
            rb = resolve(db["review_id"], "mid_market")
            self.assertStatus(rb, 200)
            self.assertIn(rb.json()["resolved_rep_id"], REPS["mid_market"])
            # A paused owner gives way to the queue's round robin.
            ENV.put_rep(owner, "strategic", active=False)
            rc = resolve(dc["review_id"], "strategic")
            self.assertStatus(rc, 200)
            self.assertIn(rc.json()["resolved_rep_id"], REPS["strategic"])
        finally:
            ENV.api("PUT", "/v1/named-accounts/" + current_period(), [], role="ops")

    def test_queue_without_active_rep_is_409_and_writes_nothing(self):
        seg = "strategic"
        lead_id, d = review_lead()
        ENV.deactivate_segment(seg)
        try:
            before = ENV.counts()
            body = self.assertProblem(resolve(d["review_id"], seg), 409)
            self.assertEqual(body["type"], "urn:leadrouter:problem:no-active-rep")
            self.assertIn("no active rep", body["detail"])
            self.assertEqual(ENV.counts(), before)
            self.assertEqual(lead(lead_id)["queue"], "review")
        finally:
            for rid in REPS[seg]:
                ENV.put_rep(rid, seg)
        self.assertStatus(resolve(d["review_id"], seg), 200)

    def test_racing_resolves_assign_once(self):
        items = [review_lead() for _ in range(6)]
        for lead_id, d in items:
            barrier = threading.Barrier(2)
            out = [None, None]

            def go(i, rid=d["review_id"]):
                barrier.wait(timeout=10)
                out[i] = resolve(rid, ("smb", "mid_market")[i], server=ENV.servers[i])

            threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            self.assertEqual(sorted(r.status for r in out), [200, 409], out)
            winner = [r for r in out if r.status == 200][0].json()
            n = ENV.psql("SELECT count(*) FROM assignments WHERE subject = 'lead' AND subject_id = '%s'"
                         " AND reason = 'review_resolution'" % lead_id)
            self.assertEqual(n, "1")
            got = lead(lead_id)
            self.assertEqual((got["queue"], got["rep_id"]),
                             (winner["resolved_queue"], winner["resolved_rep_id"]))
            self.assertEqual(len(audit("review.resolved", str(d["review_id"]))), 1)

    def test_opportunity_review_resolved_through_the_opportunity_rules(self):
        opp_id = unique("so-opp")
        d = post_opp(opp_id, domain=unique("oppr") + ".example", acv=100000, employee_count=10,
                     stage="discovery")
        self.assertEqual(d["queue"], "review", d)
        r = resolve(d["review_id"], "mid_market", note="MM deal")
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual(j["subject"], "opportunity")
        self.assertIn(j["resolved_rep_id"], REPS["mid_market"])
        g = ENV.api("GET", "/v1/opportunities/" + opp_id, role="reader")
        self.assertStatus(g, 200)
        self.assertEqual((g.json()["queue"], g.json()["rep_id"], g.json()["reason"]),
                         ("mid_market", j["resolved_rep_id"], "review_resolution"))
        self.assertProblem(resolve(d["review_id"], "smb"), 409)


# -------------------------------------------------------------------- 3. rules

class A3RulesTest(LRTestCase):

    def tearDown(self):
        restore_rules()

    def test_get_current(self):
        r = ENV.api("GET", "/v1/rules", role="reader")
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual(set(j), {"version", "created_at", "created_by", "document"})
        self.assertIsInstance(j["version"], int)
        self.assertRegex(j["created_at"], harness.RFC3339_RE)
        doc = j["document"]
        self.assertEqual(doc["bands"]["employee_count"], {"mid_market_min": 51, "strategic_min": 1001})
        self.assertEqual(dec(doc["bands"]["expected_acv"]["strategic_min"]), Decimal("500000"))
        self.assertEqual(dec(doc["finder_credit_cap"]), Decimal("5000"))
        self.assertIs(doc["no_poaching"], True)
        self.assertIn("gmail.com", doc["free_mail_domains"])
        old = ENV.api("GET", "/v1/rules?version=1", role="reader")
        self.assertStatus(old, 200)
        self.assertEqual(old.json()["created_by"], "migration")
        self.assertProblem(ENV.api("GET", "/v1/rules?version=99999", role="reader"), 404)
        self.assertProblem(ENV.api("GET", "/v1/rules?version=x", role="reader"), 422, fields=["version"])

    def test_invalid_documents_name_each_field(self):
        v = rules_version()
        before = ENV.counts()
        bad = changed_rules(bands__employee_count={"mid_market_min": 500, "strategic_min": 400},
                            bands__fit_score={"mid_market_min": 40, "strategic_min": 101},
                            mid_market_commission_rate_bp=10001, finder_credit_rate_bp=-1,
                            finder_credit_cap=-5, free_mail_domains=["gmail.com", "not a domain"],
                            handoff__employee_count_min=0)
        del bad["no_poaching"]
        body = self.assertProblem(put_rules(bad), 422, fields=[
            "bands.employee_count.strategic_min", "bands.fit_score.strategic_min",
            "mid_market_commission_rate_bp", "finder_credit_rate_bp", "finder_credit_cap",
            "free_mail_domains[1]", "handoff.employee_count_min", "no_poaching"])
        self.assertEqual(len(body["errors"]), 8, body["errors"])
        # Amounts are exact: three decimals are refused, not rounded.
        text = json.dumps(DEFAULT_RULES, default=float).replace('"finder_credit_cap": 5000.0',
                                                                 '"finder_credit_cap": 5000.001')
        self.assertIn("5000.001", text)
        self.assertProblem(ENV.api("PUT", "/v1/rules", text, role="admin"), 422,
                           fields=["finder_credit_cap"])
        self.assertProblem(ENV.api("PUT", "/v1/rules", "[1,2]", role="admin"), 422)
        self.assertProblem(ENV.api("PUT", "/v1/rules", "{oops", role="admin"), 400)
        self.assertEqual(rules_version(), v)
        self.assertEqual(ENV.counts(), before)

    def test_roles(self):
        self.assertProblem(put_rules(DEFAULT_RULES, role="ops"), 403)
        self.assertProblem(put_rules(DEFAULT_RULES, role="reader"), 403)

    def test_put_stores_next_version_audited_and_in_force_on_every_replica(self):
        v = rules_version()
        doc = changed_rules(bands__employee_count={"mid_market_min": 21, "strategic_min": 1001})
        r = put_rules(doc, server=ENV.servers[0])
        self.assertStatus(r, 201)
        j = r.json()
        self.assertEqual(j["version"], v + 1)
        self.assertEqual(j["created_by"], "token:it-admin")
        self.assertEqual(j["document"]["bands"]["employee_count"]["mid_market_min"], 21)
        self.assertEqual(r.header("location"), "/v1/rules?version=%d" % (v + 1))
        self.assertEqual(ENV.api("GET", "/v1/rules", role="reader", server=ENV.servers[1]).json(), j)
        rows = audit("rules.changed", str(v + 1))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["actor"], "token:it-admin")
        self.assertEqual(rows[0]["before"]["version"], v)
        self.assertEqual(rows[0]["before"]["document"]["bands"]["employee_count"]["mid_market_min"], 51)
        self.assertEqual(rows[0]["after"]["document"]["bands"]["employee_count"]["mid_market_min"], 21)
        # The other process decides with the new version at once: 30 employees is now MM.
        lead_id, d = post_lead(server=ENV.servers[1], employee_count=30, expected_acv=100000, fit_score=10)
        self.assertEqual(d["rules_version"], v + 1)
        self.assertSignal(d, "employee_count", 30, "event", "mid_market")
        self.assertEqual(d["queue"], "mid_market")
        # Back to the defaults: a new version again, and the same event values go to SMB.
        restore_rules()
        lead_id, d = post_lead(server=ENV.servers[1], employee_count=30, expected_acv=100000, fit_score=10)
        self.assertEqual(d["rules_version"], v + 2)
        self.assertEqual(d["queue"], "smb")
        # Old versions stay as they were.
        self.assertEqual(ENV.api("GET", "/v1/rules?version=%d" % (v + 1), role="reader").json(), j)
        self.assertEqual(ENV.psql("UPDATE rules SET created_by = 'x' WHERE version = 1", check=False)
                         .returncode != 0, True)

    def test_concurrent_puts_get_distinct_versions(self):
        v = rules_version()
        out = harness.run_parallel(lambda i: put_rules(DEFAULT_RULES, server=ENV.servers[i % 2]),
                                   range(6), workers=6)
        self.assertEqual(sorted(r.status for r in out), [201] * 6)
        self.assertEqual(sorted(r.json()["version"] for r in out), list(range(v + 1, v + 7)))


# --------------------------------------------------------------- 4. no_poaching

class A4NoPoachingTest(LRTestCase):

    def tearDown(self):
        restore_rules()

    def test_smb_rep_cannot_move_while_on(self):
        rid = unique("so-np")
        ENV.put_rep(rid, "smb")
        before = ENV.counts()
        r = ENV.api("PUT", "/v1/reps/" + rid, {"name": rid, "segment": "mid_market", "active": True,
                                                "weight": 1}, role="ops")
        body = self.assertProblem(r, 409)
        self.assertEqual(body["type"], "urn:leadrouter:problem:no-poaching")
        self.assertIn("no_poaching", body["title"])
        self.assertIn("no_poaching", body["detail"])
        self.assertEqual([x["segment"] for x in ENV.reps() if x["id"] == rid], ["smb"])
        self.assertEqual(ENV.counts(), before)
        # Other changes of an smb rep are fine.
        self.assertStatus(ENV.put_rep(rid, "smb", weight=3), 200)

    def test_switch_off_allows_the_move_audited(self):
        rid = unique("so-np")
        ENV.put_rep(rid, "smb")
        self.assertStatus(put_rules(changed_rules(no_poaching=False)), 201)
        r = ENV.api("PUT", "/v1/reps/" + rid, {"name": rid, "segment": "mid_market", "active": True,
                                                "weight": 1}, role="ops")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["segment"], "mid_market")
        rows = audit("rep.updated", rid)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["actor"], "token:it-ops")
        self.assertEqual((rows[0]["before"]["segment"], rows[0]["after"]["segment"]), ("smb", "mid_market"))
        ENV.put_rep(rid, "mid_market", active=False)  # keep the MM round robin as it was


# ----------------------------------------------------------------- 5. simulate

class A5SimulateTest(LRTestCase):

    def simulate(self, rules, since=None, until=None, role="admin"):
        body = {"rules": rules}
        if since:
            body["since"] = since
        if until:
            body["until"] = until
        return ENV.api("POST", "/v1/simulate", body, role=role, timeout=60)

    def test_re_decides_the_window_under_proposed_rules_and_changes_nothing(self):
        t0 = now_ts(-0.001)
        smb_id, d = post_lead(employee_count=30, expected_acv=1000, fit_score=10)
        self.assertEqual(d["queue"], "smb")
        mm_id, d = post_lead(**seg_values("mid_market"))
        conflict_id, d = post_lead(**CONFLICT)
        self.assertEqual(d["queue"], "review")
        # Enrichment recorded with the decision is what counts, not today's accounts row.
        enr_domain = unique("enr") + ".example"
        self.assertStatus(ENV.api("PUT", "/v1/accounts", [{"domain": enr_domain, "employee_count": 30,
                                                             "expected_acv": 1000, "fit_score": 10}],
                                  role="ops"), 200)
        enr_id, d = post_lead(domain=enr_domain)
        self.assertEqual((d["queue"], d["signals"]["employee_count"]["source"]), ("smb", "enrichment"))
        self.assertStatus(ENV.api("PUT", "/v1/accounts", [{"domain": enr_domain, "employee_count": 5000,
                                                             "expected_acv": 1000000, "fit_score": 90}],
                                  role="ops"), 200)
        # A domain the proposed rules call free mail loses its enrichment: the event decides.
        fm_domain = unique("fm") + ".example"
        self.assertStatus(ENV.api("PUT", "/v1/accounts", [{"domain": fm_domain, "employee_count": 10,
                                                             "expected_acv": 1000, "fit_score": 10}],
                                  role="ops"), 200)
        fm_id, d = post_lead(domain=fm_domain, **seg_values("strategic"))
        self.assertEqual(d["queue"], "smb")
        # A named-account decision stays one, whatever the bands say.
        named_domain = unique("nm") + ".example"
        owner = unique("so-owner")
        ENV.put_rep(owner, "strategic")
        self.assertStatus(ENV.api("PUT", "/v1/named-accounts/" + current_period(),
                                  [{"domain": named_domain, "owner_rep_id": owner}], role="ops"), 200)
        named_id, d = post_lead(domain=named_domain, employee_count=30, expected_acv=1000, fit_score=10)
        ENV.api("PUT", "/v1/named-accounts/" + current_period(), [], role="ops")
        ENV.put_rep(owner, "strategic", active=False)
        self.assertEqual((d["queue"], d["reason"], d["composite_queue"]), ("strategic", "named_account", "smb"))
        t1 = now_ts(0.001)

        before, version = ENV.counts(), rules_version()
        # The same rules: nothing moves.
        r = self.simulate(DEFAULT_RULES, t0, t1)
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual((j["total"], j["changed"], j["unchanged"]), (6, 0, 6))
        self.assertEqual(j["matrix"]["smb"]["smb"], 3)
        self.assertEqual(j["rules_version_current"], version)

        proposed = changed_rules(bands__employee_count={"mid_market_min": 21, "strategic_min": 1001},
                                 bands__fit_score={"mid_market_min": 5, "strategic_min": 80},
                                 free_mail_domains=DEFAULT_RULES["free_mail_domains"] + [fm_domain])
        r = self.simulate(proposed, t0, t1)
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual((j["total"], j["changed"], j["unchanged"]), (6, 3, 3), j)
        m = j["matrix"]
        self.assertEqual(set(m), {"smb", "mid_market", "strategic", "review"})
        self.assertEqual(m["smb"], {"smb": 0, "mid_market": 2, "strategic": 1, "review": 0})
        self.assertEqual(m["mid_market"]["mid_market"], 1)
        self.assertEqual(m["review"]["review"], 1)
        self.assertEqual(m["strategic"]["strategic"], 1)
        sample = {s["id"]: s for s in j["sample"]}
        self.assertEqual(set(sample), {smb_id, enr_id, fm_id})
        self.assertEqual((sample[smb_id]["current"], sample[smb_id]["proposed"], sample[smb_id]["reason"]),
                         ("smb", "mid_market", "composite"))
        self.assertEqual(sample[enr_id]["proposed"], "mid_market")
        self.assertEqual(sample[fm_id]["proposed"], "strategic")
        self.assertEqual(ENV.counts(), before, "a simulation writes nothing")
        self.assertEqual(rules_version(), version)
        # An empty window.
        r = self.simulate(proposed, "2001-01-01T00:00:00Z", "2001-01-02T00:00:00Z")
        self.assertEqual((r.json()["total"], r.json()["changed"]), (0, 0))

    def test_invalid_requests(self):
        bad = changed_rules(bands__fit_score={"mid_market_min": 90, "strategic_min": 80})
        self.assertProblem(self.simulate(bad), 422, fields=["rules.bands.fit_score.strategic_min"])
        self.assertProblem(ENV.api("POST", "/v1/simulate", {"since": "2026-01-01T00:00:00Z"}), 422,
                           fields=["rules"])
        self.assertProblem(self.simulate(DEFAULT_RULES, since="yesterday"), 422, fields=["since"])
        self.assertProblem(self.simulate(DEFAULT_RULES, "2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z"),
                           422, fields=["until"])
        text = json.dumps({"rules": DEFAULT_RULES}, default=float).replace(
            '"pricing_floor_acv": 50000.0', '"pricing_floor_acv": 50000.125')
        self.assertProblem(ENV.api("POST", "/v1/simulate", text), 422, fields=["rules.pricing_floor_acv"])
        self.assertProblem(self.simulate(DEFAULT_RULES, role="ops"), 403)

    def test_100k_stored_leads_in_seconds(self):
        # Leads decided in 2020 under the default rules, written straight to the table:
        # the SQL below computes the two-of-three decision independently of the service.
        # Half are stored as leads are since migrations/0012 (the decision as columns),
        # half as before it (the decision as a document).
        n = 100000
        t = time.monotonic()
        ENV.psql("""
            INSERT INTO leads (id, webhook_id, domain, data, queue, reason, composite_queue,
                               rules_version, account_matched, employee_count,
                               employee_count_source, expected_acv_cents, expected_acv_source,
                               fit_score, fit_score_source, decision, decided_at)
            SELECT 'bulk-' || g, 'bulk-' || g, NULL,
                   jsonb_build_object('id', 'bulk-' || g, 'employee_count', e, 'expected_acv', a,
                                      'fit_score', f),
                   q, CASE WHEN q = 'review' THEN 'conflict' ELSE 'composite' END, q, 1,
                   false, e, 'event', (a * 100)::bigint, 'event', f, 'event',
                   CASE WHEN g % 2 = 1 THEN
                   jsonb_build_object('queue', q, 'reason',
                                      CASE WHEN q = 'review' THEN 'conflict' ELSE 'composite' END,
                                      'composite_queue', q,
                                      'signals', jsonb_build_object(
                                          'employee_count', jsonb_build_object('value', e, 'source', 'event'),
                                          'expected_acv', jsonb_build_object('value', a, 'source', 'event'),
                                          'fit_score', jsonb_build_object('value', f, 'source', 'event')),
                                      'account', jsonb_build_object('domain', NULL, 'matched', false,
                                                                    'named_owner', NULL)) END,
                   '2020-01-01T00:00:00Z'::timestamptz + g * interval '1 second'
            FROM (SELECT g, e, a, f,
                         CASE WHEN (ve = vf OR ve = va) THEN ve WHEN va = vf THEN va ELSE 'review' END AS q
                  FROM (SELECT g, e, a, f,
                               CASE WHEN e < 51 THEN 'smb' WHEN e < 1001 THEN 'mid_market' ELSE 'strategic' END AS ve,
                               CASE WHEN a < 50000 THEN 'smb' WHEN a < 500000 THEN 'mid_market' ELSE 'strategic' END AS va,
                               CASE WHEN f < 40 THEN 'smb' WHEN f < 80 THEN 'mid_market' ELSE 'strategic' END AS vf
                        FROM (SELECT g, (g * 37) % 2000 AS e, ((g * 7919) % 1000000)::numeric(14,2) AS a,
                                     g % 101 AS f
                              FROM generate_series(1, {n}) g) s1) s2) s3
        """.replace("{n}", str(n)))
        seeded = time.monotonic() - t
        window = ("2020-01-01T00:00:00Z", "2020-02-01T00:00:00Z")
        before = ENV.counts()
        t = time.monotonic()
        r = self.simulate(DEFAULT_RULES, *window)
        same_rules = time.monotonic() - t
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["total"], r.json()["changed"]), (n, 0),
                         "the service and the SQL above agree on every lead")
        proposed = changed_rules(bands__employee_count={"mid_market_min": 101, "strategic_min": 1001},
                                 bands__fit_score={"mid_market_min": 30, "strategic_min": 70})
        t = time.monotonic()
        r = self.simulate(proposed, *window)
        elapsed = time.monotonic() - t
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual(j["total"], n)
        self.assertGreater(j["changed"], 0)
        self.assertEqual(sum(sum(row.values()) for row in j["matrix"].values()), n)
        self.assertEqual(len(j["sample"]), 20)
        self.assertEqual(ENV.counts(), before)
        sys.stderr.write("\n[sales_ops] simulate over %d stored leads: %.2fs (same rules %.2fs; "
                         "server-side %d ms; seeding %.1fs)\n" % (n, elapsed, same_rules,
                                                                  j["elapsed_ms"], seeded))
        self.assertLess(elapsed, 15.0)


# -------------------------------------------------------------------- 6. stats

class A6StatsTest(LRTestCase):

    def test_per_segment_figures(self):
        t0 = now_ts(-0.001)
        for seg, count in (("smb", 2), ("mid_market", 1), ("strategic", 1)):
            for _ in range(count):
                post_lead(**seg_values(seg))
        c_id, cd = review_lead()
        t_id, td = post_lead(**THIN)
        self.assertStatus(resolve(cd["review_id"], "mid_market"), 200)
        # A named override that took an SMB lead to a strategic owner (the leakage).
        domain = unique("leak") + ".example"
        owner = unique("so-owner")
        ENV.put_rep(owner, "strategic")
        ENV.api("PUT", "/v1/named-accounts/" + current_period(),
                [{"domain": domain, "owner_rep_id": owner}], role="ops")
        n_id, nd = post_lead(domain=domain, **seg_values("smb"))
        ENV.api("PUT", "/v1/named-accounts/" + current_period(), [], role="ops")
        ENV.put_rep(owner, "strategic", active=False)
        self.assertEqual((nd["reason"], nd["composite_queue"]), ("named_account", "smb"))
        # Opportunities: a handoff won (credit 1,800.00), a floor reassignment, open pipeline.
        ho = unique("so-ho")
        post_opp(ho, domain=unique("ho") + ".example", acv=1000, employee_count=10, stage="new")
        d = post_opp(ho, "opportunity.updated", acv=60000, employee_count=10, stage="demo")
        self.assertEqual(d["reason"], "mid_deal_handoff", d)
        post_opp(ho, "opportunity.updated", acv=90000, employee_count=10, stage="closed_won")
        fl = unique("so-fl")
        post_opp(fl, domain=unique("fl") + ".example", acv=100000, employee_count=200, stage="new")
        d = post_opp(fl, "opportunity.updated", acv=40000, employee_count=200, stage="demo")
        self.assertEqual((d["queue"], d["reason"]), ("smb", "below_floor"), d)
        lost = unique("so-lost")
        post_opp(lost, domain=unique("lo") + ".example", acv=100000, employee_count=200, stage="new")
        post_opp(lost, "opportunity.updated", acv=100000, employee_count=200, stage="closed_lost")
        t1 = now_ts(0.001)

        s = stats(t0, t1)
        other = stats(t0, t1, server=ENV.servers[1])
        self.assertEqual({k: v for k, v in s.items() if k != "review_backlog"},
                         {k: v for k, v in other.items() if k != "review_backlog"},
                         "computed from the database alone: any replica answers the same")
        smb, mm, st = (s["segments"][k] for k in ("smb", "mid_market", "strategic"))
        self.assertEqual((smb["leads_routed"], mm["leads_routed"], st["leads_routed"]), (2, 1, 2))
        self.assertEqual((st["named_overrides"], st["named_overrides_from_smb"]), (1, 1))
        self.assertEqual(s["named_override_leakage"], 1)
        self.assertEqual((smb["named_overrides"], mm["named_overrides"]), (0, 0))
        self.assertEqual(s["review"]["leads_routed"], 2)
        self.assertEqual(s["review"]["items_opened"], 2)
        self.assertEqual(s["review"]["opened_by_reason"], {"conflict": 1, "insufficient_data": 1})
        self.assertEqual(mm["review_items_resolved"], 1)
        self.assertEqual(s["review"]["items_resolved"], 1)
        self.assertEqual((mm["handoffs"], smb["handoffs_out"]), (1, 1))
        self.assertEqual(smb["finder_credits"]["count"], 1)
        self.assertEqual(dec(smb["finder_credits"]["sum"]), Decimal("1800.00"))
        self.assertEqual(smb["floor_reassignments"], 1)
        self.assertEqual((mm["won"], mm["lost"]), (1, 1))
        self.assertEqual(mm["win_rate"], "0.5000")
        self.assertIsNone(st["win_rate"])
        self.assertGreaterEqual(dec(smb["open_pipeline"]), Decimal("40000"))
        backlog = s["review_backlog"]
        self.assertGreaterEqual(backlog["size"], 1)
        self.assertGreaterEqual(backlog["oldest_age_seconds"], 0)
        n_open = reviews()["total"]
        self.assertEqual(backlog["size"], n_open)
        # The same figures straight from SQL: leads routed to smb in the window.
        self.assertEqual(int(ENV.psql("SELECT count(*) FROM leads l WHERE decided_at >= '%s' AND decided_at < '%s'"
                                      " AND lr_lead_decision(l)->>'queue' = 'smb'" % (t0, t1))), smb["leads_routed"])

    def test_window_and_parameters(self):
        s = stats("2001-01-01T00:00:00Z", "2001-01-02T00:00:00Z")
        self.assertEqual(s["since"], "2001-01-01T00:00:00.000Z")
        for seg in ("smb", "mid_market", "strategic"):
            self.assertEqual(s["segments"][seg]["leads_routed"], 0)
            self.assertEqual(dec(s["segments"][seg]["finder_credits"]["sum"]), 0)
        self.assertStatus(ENV.api("GET", "/v1/stats", role="reader"), 200)
        self.assertProblem(ENV.api("GET", "/v1/stats?since=yesterday", role="reader"), 422, fields=["since"])
        self.assertProblem(ENV.api("GET", "/v1/stats?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
                                   role="reader"), 422, fields=["until"])
        self.assertProblem(ENV.api("GET", "/v1/stats", role=None), 401)
