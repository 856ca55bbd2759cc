"""Sales-ops endpoints (SPEC 3.3): reps, accounts (CSV and JSON, all or none, 100k rows),
named-account lists (replacement counts, validation)."""

import time

import harness
from harness import LRTestCase, dec, unique

ENV = None


def setUpModule():
    global ENV
    ENV = harness.start_env("admin")


def tearDownModule():
    ENV.close()


def csv_body(rows, header="domain,employee_count,expected_acv,fit_score"):
    return (header + "\n" + "\n".join(rows) + "\n").encode("utf-8")


def get_account(domain):
    return ENV.api("GET", "/v1/accounts/" + domain, role="reader")


class RepsTest(LRTestCase):

    def test_put_new_then_changed_then_listed(self):
        rid = unique("rep")
        r = ENV.api("PUT", "/v1/reps/" + rid, {"name": "Ada", "segment": "mid_market",
                                                "active": True, "weight": 2})
        self.assertStatus(r, 201)
        b = r.json()
        self.assertEqual({k: b.get(k) for k in ("id", "name", "segment", "active", "weight")},
                         {"id": rid, "name": "Ada", "segment": "mid_market", "active": True, "weight": 2})
        self.assertRegex(b["created_at"], harness.RFC3339_RE)
        self.assertRegex(b["updated_at"], harness.RFC3339_RE)
        r = ENV.api("PUT", "/v1/reps/" + rid, {"name": "Ada L.", "segment": "mid_market",
                                                "active": False, "weight": 5})
        self.assertStatus(r, 200)
        b2 = r.json()
        self.assertEqual({k: b2.get(k) for k in ("id", "name", "segment", "active", "weight")},
                         {"id": rid, "name": "Ada L.", "segment": "mid_market", "active": False, "weight": 5})
        self.assertEqual(b2["created_at"], b["created_at"])
        items = ENV.reps()
        mine = [i for i in items if i["id"] == rid]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["name"], mine[0]["active"], mine[0]["weight"]), ("Ada L.", False, 5))
        ids = [i["id"] for i in items]
        self.assertEqual(ids, sorted(ids), "GET /v1/reps is ordered by id")

    def test_put_same_again_is_200(self):
        rid = unique("rep")
        body = {"name": "Bo", "segment": "strategic", "active": True, "weight": 1}
        self.assertStatus(ENV.api("PUT", "/v1/reps/" + rid, body), 201)
        self.assertStatus(ENV.api("PUT", "/v1/reps/" + rid, body), 200)

    def test_weight_defaults_to_1(self):
        rid = unique("rep")
        r = ENV.api("PUT", "/v1/reps/" + rid, {"name": "Cy", "segment": "smb", "active": True})
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["weight"], 1)

    def test_422_bad_rep(self):
        rid = unique("rep")
        cases = [
            ({"name": "X", "segment": "enterprise", "active": True, "weight": 1}, "segment"),
            ({"name": "X", "segment": "review", "active": True, "weight": 1}, "segment"),
            ({"name": "X", "active": True, "weight": 1}, "segment"),
            ({"name": "X", "segment": "smb", "active": True, "weight": 0}, "weight"),
            ({"name": "X", "segment": "smb", "active": True, "weight": 101}, "weight"),
            ({"name": "X", "segment": "smb", "active": True, "weight": "2"}, "weight"),
            ({"name": "X", "segment": "smb", "active": True, "weight": 1.5}, "weight"),
            ({"name": "X", "segment": "smb", "active": "yes", "weight": 1}, "active"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                r = ENV.api("PUT", "/v1/reps/" + rid, body)
                self.assertProblem(r, 422, fields=[field])
        self.assertNotIn(rid, [i["id"] for i in ENV.reps()], "a refused rep is not created")
        r = ENV.api("PUT", "/v1/reps/" + "r" * 129, {"name": "X", "segment": "smb", "active": True})
        self.assertEqual(r.status, 422, r)

    def test_422_leaves_existing_rep_unchanged(self):
        rid = unique("rep")
        ENV.put_rep(rid, "mid_market", weight=3)
        r = ENV.api("PUT", "/v1/reps/" + rid, {"name": rid, "segment": "mid_market", "active": True,
                                                "weight": 500})
        self.assertProblem(r, 422, fields=["weight"])
        mine = [i for i in ENV.reps() if i["id"] == rid][0]
        self.assertEqual(mine["weight"], 3)

    def test_no_poaching_smb_rep_cannot_move(self):
        rid = unique("rep")
        ENV.put_rep(rid, "smb")
        r = ENV.api("PUT", "/v1/reps/" + rid, {"name": rid, "segment": "mid_market", "active": True})
        self.assertProblem(r, 409)
        self.assertIn("no_poaching", r.text)
        mine = [i for i in ENV.reps() if i["id"] == rid][0]
        self.assertEqual(mine["segment"], "smb")


class AccountsTest(LRTestCase):

    def test_csv_load_and_get(self):
        p = unique("acct")
        rows = ["%s-a.test,120,60000,72" % p,
                "  WWW.%s-B.TEST  ,,49999.99," % p.upper(),
                "%s-c.test,5000,,100" % p]
        r = ENV.api("PUT", "/v1/accounts", csv_body(rows), role="ops", content_type="text/csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["count"], 3)
        a = get_account("%s-a.test" % p)
        self.assertStatus(a, 200)
        j = a.json()
        self.assertEqual((j["domain"], j["employee_count"], dec(j["expected_acv"]), j["fit_score"]),
                         ("%s-a.test" % p, 120, dec(60000), 72))
        self.assertRegex(j["updated_at"], harness.RFC3339_RE)
        j = get_account("%s-b.test" % p).json()
        self.assertEqual((j["domain"], j["employee_count"], dec(j["expected_acv"]), j["fit_score"]),
                         ("%s-b.test" % p, None, dec("49999.99"), None))
        j = get_account("%s-c.test" % p).json()
        self.assertEqual((j["employee_count"], j["expected_acv"], j["fit_score"]), (5000, None, 100))

    def test_csv_with_crlf_line_endings(self):
        p = unique("acct")
        body = ("domain,employee_count,expected_acv,fit_score\r\n%s.test,7,100,5\r\n" % p).encode()
        r = ENV.api("PUT", "/v1/accounts", body, role="ops", content_type="text/csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["count"], 1)
        self.assertEqual(get_account(p + ".test").json()["fit_score"], 5)

    def test_json_load_and_upsert(self):
        p = unique("acct")
        rows = [{"domain": p + "-a.test", "employee_count": 10, "expected_acv": 1234.5, "fit_score": 3},
                {"domain": p + "-b.test", "employee_count": None, "expected_acv": None, "fit_score": 90}]
        r = ENV.api("PUT", "/v1/accounts", rows, role="ops")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["count"], 2)
        j = get_account(p + "-a.test").json()
        self.assertEqual((j["employee_count"], dec(j["expected_acv"]), j["fit_score"]), (10, dec("1234.5"), 3))
        r = ENV.api("PUT", "/v1/accounts", [{"domain": p + "-a.test", "employee_count": 20,
                                             "expected_acv": 99, "fit_score": 4}], role="ops")
        self.assertStatus(r, 200)
        j = get_account(p + "-a.test").json()
        self.assertEqual((j["employee_count"], dec(j["expected_acv"]), j["fit_score"]), (20, dec(99), 4))

    def test_unknown_account_404(self):
        self.assertProblem(get_account(unique("nope") + ".test"), 404)

    def test_csv_bad_rows_all_or_none(self):
        p = unique("acct")
        rows = ["%s-1.test,10,100,5" % p,
                "%s-2.test,x,100,5" % p,
                "%s-3.test,10,100,5" % p,
                "%s-4.test,10,100,101" % p,
                "%s-5.test,10,1.234,5" % p,
                "%s-6.test,-3,100,5" % p]
        r = ENV.api("PUT", "/v1/accounts", csv_body(rows), role="ops", content_type="text/csv")
        body = self.assertProblem(r, 422, rows=[(2, "employee_count"), (4, "fit_score"),
                                                (5, "expected_acv"), (6, "employee_count")])
        named_rows = {e.get("row") for e in body["errors"]}
        self.assertFalse(named_rows & {1, 3}, "good rows are not reported: %r" % body["errors"])
        for i in (1, 3):
            self.assertProblem(get_account("%s-%d.test" % (p, i)), 404)

    def test_csv_bad_domain(self):
        p = unique("acct")
        rows = ["%s-1.test,10,100,5" % p, ",10,100,5", "%s-3.test,10,100,5" % p]
        r = ENV.api("PUT", "/v1/accounts", csv_body(rows), role="ops", content_type="text/csv")
        self.assertProblem(r, 422, rows=[(2, "domain")])
        self.assertProblem(get_account("%s-1.test" % p), 404)

    def test_csv_row_with_missing_columns_refused(self):
        # "empty cell = missing" (SPEC 3.3); a row that lacks the cell altogether is a
        # malformed record (RFC 4180: every record has the same number of fields).
        p = unique("acct")
        rows = ["%s-1.test,10,100,5" % p, "%s-2.test,10,100" % p]
        r = ENV.api("PUT", "/v1/accounts", csv_body(rows), role="ops", content_type="text/csv")
        self.assertProblem(r, 422, rows=[(2, None)])
        self.assertProblem(get_account("%s-1.test" % p), 404)

    def test_json_bad_rows_all_or_none(self):
        p = unique("acct")
        rows = [{"domain": p + "-1.test", "employee_count": 10, "expected_acv": 1, "fit_score": 1},
                {"domain": p + "-2.test", "employee_count": -5, "expected_acv": 1, "fit_score": 1},
                {"domain": p + "-3.test", "employee_count": 1, "expected_acv": "lots", "fit_score": 1}]
        r = ENV.api("PUT", "/v1/accounts", rows, role="ops")
        self.assertProblem(r, 422, rows=[(2, "employee_count"), (3, "expected_acv")])
        self.assertProblem(get_account(p + "-1.test"), 404)

    def test_csv_100k_rows(self):
        p = unique("bulk")
        lines = ["domain,employee_count,expected_acv,fit_score"]
        for i in range(100000):
            lines.append("%s-%d.test,%d,%d.%02d,%s" % (p, i, i % 5000, i * 7 % 900000, i % 100,
                                                      "" if i % 10 == 0 else str(i % 101)))
        body = ("\n".join(lines) + "\n").encode()
        t0 = time.monotonic()
        r = ENV.api("PUT", "/v1/accounts", body, role="ops", content_type="text/csv", timeout=60)
        elapsed = time.monotonic() - t0
        harness.log("PUT /v1/accounts with 100,000 CSV rows (%d bytes): %.2f s" % (len(body), elapsed))
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["count"], 100000)
        self.assertLess(elapsed, 20.0, "sanity bound for a 100k-row load")
        for i in (0, 1, 54321, 99999):
            j = get_account("%s-%d.test" % (p, i)).json()
            self.assertEqual((j["employee_count"], dec(j["expected_acv"]), j["fit_score"]),
                             (i % 5000, dec("%d.%02d" % (i * 7 % 900000, i % 100)),
                              None if i % 10 == 0 else i % 101))
        self.assertEqual(int(ENV.psql("SELECT count(*) FROM accounts WHERE domain LIKE '%s-%%'" % p)),
                         100000)

    def test_415_other_content_type(self):
        r = ENV.api("PUT", "/v1/accounts", b"domain\nx.test\n", role="ops", content_type="text/plain")
        self.assertProblem(r, 415)


class NamedAccountsTest(LRTestCase):

    @classmethod
    def setUpClass(cls):
        cls.mm = unique("nm-mm")
        cls.st = unique("nm-st")
        cls.st2 = unique("nm-st2")
        cls.off = unique("nm-off")
        cls.smb = unique("nm-smb")
        ENV.put_rep(cls.mm, "mid_market")
        ENV.put_rep(cls.st, "strategic")
        ENV.put_rep(cls.st2, "strategic")
        ENV.put_rep(cls.off, "mid_market", active=False)
        ENV.put_rep(cls.smb, "smb")

    def put_list(self, period, rows=None, csv=None, role="ops"):
        if csv is not None:
            return ENV.api("PUT", "/v1/named-accounts/" + period,
                           ("domain,owner_rep_id\n" + "\n".join(csv) + "\n").encode(),
                           role=role, content_type="text/csv")
        return ENV.api("PUT", "/v1/named-accounts/" + period, rows, role=role)

    def get_list(self, period):
        r = ENV.api("GET", "/v1/named-accounts/" + period, role="reader")
        self.assertStatus(r, 200)
        j = r.json()
        self.assertEqual(j["period"], period)
        return [(i["domain"], i["owner_rep_id"]) for i in j["items"]]

    def test_csv_then_json_replacement_counts(self):
        period = "2031-Q2"
        p = unique("na")
        a, b, c, d = ("%s-%s.test" % (p, x) for x in "abcd")
        r = self.put_list(period, csv=["%s,%s" % (a, self.mm), "%s,%s" % (c, self.st),
                                       "WWW.%s,%s" % (b.upper(), self.mm)])
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"period": period, "added": 3, "removed": 0,
                                    "changed_owner": 0, "unchanged": 0})
        self.assertEqual(self.get_list(period), [(a, self.mm), (b, self.mm), (c, self.st)])
        r = self.put_list(period, rows=[{"domain": a, "owner_rep_id": self.mm},
                                        {"domain": b, "owner_rep_id": self.st},
                                        {"domain": d, "owner_rep_id": self.st2}])
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"period": period, "added": 1, "removed": 1,
                                    "changed_owner": 1, "unchanged": 1})
        self.assertEqual(self.get_list(period), [(a, self.mm), (b, self.st), (d, self.st2)])
        # an empty list removes everything
        r = self.put_list(period, rows=[])
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"period": period, "added": 0, "removed": 3,
                                    "changed_owner": 0, "unchanged": 0})
        self.assertEqual(self.get_list(period), [])

    def test_inactive_owner_allowed(self):
        period = "2031-Q3"
        dom = unique("na") + ".test"
        r = self.put_list(period, rows=[{"domain": dom, "owner_rep_id": self.off}])
        self.assertStatus(r, 200)
        self.assertEqual(self.get_list(period), [(dom, self.off)])

    def test_422_cases_change_nothing(self):
        period = "2031-Q4"
        p = unique("na")
        good = [{"domain": p + "-keep.test", "owner_rep_id": self.st}]
        self.assertStatus(self.put_list(period, rows=good), 200)
        cases = [
            ("smb owner", [{"domain": p + "-1.test", "owner_rep_id": self.mm},
                           {"domain": p + "-2.test", "owner_rep_id": self.smb}], [(2, "owner_rep_id")]),
            ("unknown owner", [{"domain": p + "-1.test", "owner_rep_id": unique("ghost")}],
             [(1, "owner_rep_id")]),
            ("duplicate domain", [{"domain": p + "-1.test", "owner_rep_id": self.mm},
                                  {"domain": p + "-2.test", "owner_rep_id": self.mm},
                                  {"domain": "www." + p + "-1.TEST", "owner_rep_id": self.st}],
             [(3, "domain")]),
            ("free-mail domain", [{"domain": "gmail.com", "owner_rep_id": self.mm}], [(1, "domain")]),
            ("empty domain", [{"domain": "", "owner_rep_id": self.mm}], [(1, "domain")]),
        ]
        for name, rows, want in cases:
            with self.subTest(case=name):
                r = self.put_list(period, rows=rows)
                self.assertProblem(r, 422, rows=want)
                self.assertEqual(self.get_list(period), [(p + "-keep.test", self.st)])
        r = self.put_list(period, csv=["%s-1.test,%s" % (p, self.smb)])
        self.assertProblem(r, 422, rows=[(1, "owner_rep_id")])
        self.assertEqual(self.get_list(period), [(p + "-keep.test", self.st)])

    def test_422_bad_period(self):
        rows = [{"domain": unique("na") + ".test", "owner_rep_id": self.mm}]
        for period in ("2026-Q5", "2026-Q0", "2026Q1", "26-Q1", "2026-q1"):
            with self.subTest(period=period):
                self.assertProblem(self.put_list(period, rows=rows), 422, fields=["period"])


if __name__ == "__main__":
    import unittest
    unittest.main()
