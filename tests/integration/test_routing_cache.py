"""The routing cache (docs/performance.md, migrations/0015): a replica decides leads from
its copy of the accounts, named accounts, reps and rules, and the lead batch's own
transaction refuses a decision made on a copy that is no longer current. Every change,
through another replica's API or straight in SQL, must show in the very next lead."""

import json
import re
import threading

import harness
from harness import LRTestCase, lead_event, unique

ENV = None
A = None  # routes the leads (its cache is warm)
B = None  # changes accounts, named accounts and reps
PERIOD = harness.current_period()
R_SMB = "rc-smb"
R_MM = "rc-mm"
R_ST = "rc-st"
R_OWNER = "rc-owner"
SMB_FACTS = {"employee_count": 10, "expected_acv": 1000, "fit_score": 10}
STRATEGIC_FACTS = {"employee_count": 5000, "expected_acv": 1000000, "fit_score": 95}


def setUpModule():
    global ENV, A, B
    ENV = harness.start_env("routing_cache", servers=2)
    A, B = ENV.servers
    with harness.closed_on_failure(ENV):
        for rid, seg in ((R_SMB, "smb"), (R_MM, "mid_market"), (R_ST, "strategic"),
                         (R_OWNER, "mid_market")):
            ENV.put_rep(rid, seg)


def tearDownModule():
    ENV.close()


def put_account(domain, facts, server=None):
    r = ENV.api("PUT", "/v1/accounts", [dict(facts, domain=domain)], server=server or B)
    if r.status != 200:
        raise AssertionError("PUT /v1/accounts -> %r" % r)


def gauge(server, name):
    r = server.request("GET", "/metrics")
    if r.status != 200:
        raise AssertionError("GET /metrics -> %r" % r)
    m = re.search(r"(?m)^%s ([0-9.]+)$" % re.escape(name), r.text)
    if m is None:
        raise AssertionError("%s not in /metrics" % name)
    return float(m.group(1))


def routing_version():
    return json.loads(ENV.psql("SELECT row_to_json(r) FROM routing_version r"))


class RoutingCacheTest(LRTestCase):

    def route(self, server=None, **data):
        r = ENV.post_event(lead_event(unique("rc-lead"), **data), server=server or A)
        self.assertStatus(r, 201)
        return r.json()

    def test_account_changed_through_another_replica(self):
        domain = unique("rc-acct") + ".test"
        put_account(domain, SMB_FACTS)
        d = self.route(domain=domain)
        self.assertDecision(d, "smb", R_SMB, "composite", "smb")
        self.assertSignal(d, "employee_count", 10, "enrichment", "smb")
        put_account(domain, STRATEGIC_FACTS)
        d = self.route(domain=domain)
        self.assertDecision(d, "strategic", R_ST, "composite", "strategic")
        self.assertSignal(d, "employee_count", 5000, "enrichment", "strategic")
        self.assertSignal(d, "fit_score", 95, "enrichment", "strategic")
        self.assertEqual(d["account"], {"domain": domain, "matched": True, "named_owner": None})

    def test_account_written_in_sql_and_deleted(self):
        domain = unique("rc-sql") + ".test"
        d = self.route(domain=domain, **SMB_FACTS)
        self.assertEqual(d["account"]["matched"], False)
        ENV.psql("INSERT INTO accounts (domain, employee_count, expected_acv_cents, fit_score)"
                 " VALUES ('%s', 5000, 100000000, 95)" % domain)
        d = self.route(domain=domain, **SMB_FACTS)
        self.assertDecision(d, "strategic", R_ST, "composite", "strategic")
        self.assertEqual(d["account"]["matched"], True)
        before = routing_version()
        ENV.psql("DELETE FROM accounts WHERE domain = '%s'" % domain)
        after = routing_version()
        # A delete makes every cache read all accounts again.
        self.assertEqual(after["accounts_reset"], after["v"])
        self.assertGreater(after["v"], before["v"])
        d = self.route(domain=domain, **SMB_FACTS)
        self.assertDecision(d, "smb", R_SMB, "composite", "smb")
        self.assertEqual(d["account"]["matched"], False)

    def test_account_renamed_in_sql(self):
        old, new = unique("rc-old") + ".test", unique("rc-new") + ".test"
        put_account(old, STRATEGIC_FACTS)
        d = self.route(domain=old, **SMB_FACTS)
        self.assertDecision(d, "strategic", R_ST, "composite", "strategic")
        ENV.psql("UPDATE accounts SET domain = '%s' WHERE domain = '%s'" % (new, old))
        after = routing_version()
        self.assertEqual(after["accounts_reset"], after["v"])
        d = self.route(domain=old, **SMB_FACTS)
        self.assertDecision(d, "smb", R_SMB, "composite", "smb")
        self.assertEqual(d["account"]["matched"], False)
        d = self.route(domain=new, **SMB_FACTS)
        self.assertDecision(d, "strategic", R_ST, "composite", "strategic")

    def test_a_lead_refused_again_and_again_is_decided_from_a_read(self):
        """While the routing version moves on faster than a batch goes round, every batch
        decided from the cache is refused; after two refusals the lead is decided from a
        read and committed without the check, and is answered."""
        domain = unique("rc-spin") + ".test"
        put_account(domain, STRATEGIC_FACTS)
        stale = gauge(A, "leadrouter_routing_cache_stale_batches_total")
        bumper = threading.Thread(target=ENV.psql, args=(
            "DO $$ BEGIN FOR i IN 1..1500 LOOP UPDATE routing_version SET v = v + 1;"
            " COMMIT; PERFORM pg_sleep(0.001); END LOOP; END $$",))
        v = routing_version()["v"]
        bumper.start()
        try:
            harness.wait_until(lambda: routing_version()["v"] > v + 10, 10,
                               what="the version moving on")
            r = ENV.post_event(lead_event(unique("rc-spin-lead"), domain=domain, **SMB_FACTS),
                               server=A, timeout=20)
        finally:
            bumper.join()
        self.assertStatus(r, 201)
        self.assertDecision(r.json(), "strategic", R_ST, "composite", "strategic")
        self.assertGreaterEqual(gauge(A, "leadrouter_routing_cache_stale_batches_total"),
                                stale + 1)
        # And the cache is used again afterwards.
        d = self.route(domain=domain, **SMB_FACTS)
        self.assertDecision(d, "strategic", R_ST, "composite", "strategic")

    def test_named_account_added_and_owner_deactivated_elsewhere(self):
        domain = unique("rc-named") + ".test"
        d = self.route(domain=domain, **SMB_FACTS)
        self.assertDecision(d, "smb", R_SMB, "composite", "smb")
        r = ENV.api("PUT", "/v1/named-accounts/" + PERIOD,
                    [{"domain": domain, "owner_rep_id": R_OWNER}], server=B)
        self.assertStatus(r, 200)
        try:
            d = self.route(domain=domain, **SMB_FACTS)
            self.assertDecision(d, "mid_market", R_OWNER, "named_account", "smb")
            self.assertEqual(d["account"]["named_owner"], R_OWNER)
            r = ENV.api("PUT", "/v1/reps/" + R_OWNER, {"name": R_OWNER, "segment": "mid_market",
                                                      "active": False, "weight": 1}, server=B)
            self.assertStatus(r, 200)
            d = self.route(domain=domain, **SMB_FACTS)
            # The inactive owner's queue takes the lead, by round robin (SPEC 2.5).
            self.assertDecision(d, "mid_market", R_MM, "named_owner_inactive", "smb")
            self.assertEqual(d["account"]["named_owner"], R_OWNER)
        finally:
            ENV.put_rep(R_OWNER, "mid_market")
            ENV.api("PUT", "/v1/named-accounts/" + PERIOD, [], server=B)

    def test_rules_published_elsewhere(self):
        self.route(**SMB_FACTS)
        r = ENV.api("GET", "/v1/rules", role="reader", server=B)
        self.assertStatus(r, 200)
        version = r.json()["version"]
        r = ENV.api("PUT", "/v1/rules", r.json()["document"], server=B)
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["version"], version + 1)
        d = self.route(**SMB_FACTS)
        self.assertEqual(d["rules_version"], version + 1)

    def test_metrics_count_reads_and_refused_batches(self):
        domain = unique("rc-metrics") + ".test"
        put_account(domain, SMB_FACTS)
        self.route(domain=domain)
        accounts = int(ENV.psql("SELECT count(*) FROM accounts"))
        self.assertEqual(gauge(A, "leadrouter_routing_cache_accounts"), accounts)
        self.assertEqual(gauge(A, "leadrouter_routing_cache_off"), 0)
        reads = gauge(A, "leadrouter_routing_cache_reads_total")
        stale = gauge(A, "leadrouter_routing_cache_stale_batches_total")
        put_account(domain, STRATEGIC_FACTS)
        d = self.route(domain=domain)
        self.assertDecision(d, "strategic", R_ST, "composite", "strategic")
        # Decided on the old row, refused, read again, decided again.
        self.assertEqual(gauge(A, "leadrouter_routing_cache_stale_batches_total"), stale + 1)
        self.assertEqual(gauge(A, "leadrouter_routing_cache_reads_total"), reads + 1)
        self.assertEqual(gauge(A, "leadrouter_routing_cache_accounts"), accounts)

    def test_triggers_stamp_each_written_account(self):
        domain = unique("rc-stamp") + ".test"
        put_account(domain, SMB_FACTS)
        v = routing_version()["v"]
        self.assertEqual(int(ENV.psql("SELECT routing_v FROM accounts WHERE domain = '%s'"
                                      % domain)), v)
        ENV.psql("UPDATE accounts SET fit_score = 11 WHERE domain = '%s'" % domain)
        self.assertEqual(routing_version()["v"], v + 1)
        self.assertEqual(int(ENV.psql("SELECT routing_v FROM accounts WHERE domain = '%s'"
                                      % domain)), v + 1)
        # A statement on rr_state or leads is not routing data: the version stays.
        ENV.psql("UPDATE rr_state SET turn = turn WHERE false")
        self.assertEqual(routing_version()["v"], v + 1)

    def test_leads_go_through_while_accounts_keep_changing(self):
        """Batches refused as stale are decided again; after two refusals a lead is
        decided from a read, so a steady stream of account writes never holds leads."""
        domain = unique("rc-churn") + ".test"
        put_account(domain, STRATEGIC_FACTS)
        stop = threading.Event()
        writes = []

        def churn():
            while not stop.is_set():
                ENV.psql("UPDATE accounts SET fit_score = 95 WHERE domain = '%s'" % domain)
                writes.append(1)

        t = threading.Thread(target=churn)
        t.start()
        try:
            reqs = [ENV.event_request(lead_event(unique("rc-churn-lead"), domain=domain,
                                                 **SMB_FACTS)) for _ in range(60)]
            answers = harness.post_events_at_once(A.port, reqs, timeout=60)
        finally:
            stop.set()
            t.join()
        self.assertGreater(len(writes), 0)
        self.assertEqual([a.status for a in answers], [201] * 60)
        for a in answers:
            self.assertDecision(a.json(), "strategic", R_ST, "composite", "strategic")


class RoutingCacheLimitTest(LRTestCase):

    def test_over_the_limit_the_cache_turns_off(self):
        put_account(unique("rc-lim1") + ".test", SMB_FACTS)
        domain = unique("rc-lim2") + ".test"
        put_account(domain, STRATEGIC_FACTS)
        small = ENV.add_server(extra_env={"LEADROUTER_ROUTING_CACHE_ACCOUNTS": "1"},
                               name="small-cache")
        try:
            r = ENV.post_event(lead_event(unique("rc-lim-lead"), domain=domain, **SMB_FACTS),
                               server=small)
            self.assertStatus(r, 201)
            self.assertDecision(r.json(), "strategic", R_ST, "composite", "strategic")
            with open(small.log_path) as f:
                msgs = [json.loads(l)["msg"] for l in f if l.startswith("{")]
            self.assertIn("routing cache off: more accounts than routing_cache_accounts", msgs)
            self.assertEqual(gauge(small, "leadrouter_routing_cache_off"), 1)
            self.assertEqual(gauge(small, "leadrouter_routing_cache_accounts"), 0)
            # Still decided from a read, with what changed since.
            put_account(domain, SMB_FACTS)
            r = ENV.post_event(lead_event(unique("rc-lim-lead"), domain=domain,
                                          **STRATEGIC_FACTS), server=small)
            self.assertStatus(r, 201)
            self.assertDecision(r.json(), "smb", R_SMB, "composite", "smb")
        finally:
            small.stop()
