"""Bulk loads (SPEC 3.3, hardening items 1 and 6): a column or key left out keeps the
stored value, spreadsheet CSV, header errors naming the column, every bad row in one
answer, named lists under the same rules, bounded server memory for the largest body
accepted, and `make run` loading demo data into an empty database only."""

import json
import os
import subprocess
import time

import harness
from harness import LRTestCase, dec, unique

ENV = None
CSV = "text/csv"


def setUpModule():
    global ENV
    ENV = harness.start_env("bulk")


def tearDownModule():
    ENV.close()


def put_accounts(body, content_type=CSV, timeout=harness.HTTP_TIMEOUT, server=None):
    if isinstance(body, str):
        body = body.encode("utf-8")
    return ENV.api("PUT", "/v1/accounts", body, role="ops", content_type=content_type,
                   timeout=timeout, server=server)


def account(domain):
    r = ENV.api("GET", "/v1/accounts/" + domain, role="reader")
    if r.status != 200:
        return None
    j = r.json()
    return (j["employee_count"], dec(j["expected_acv"]), j["fit_score"])


def load_full(p, *rows):
    """Loads (suffix, employees, acv, fit) rows with every column."""
    body = "domain,employee_count,expected_acv,fit_score\n" + "".join(
        "%s-%s.test,%s,%s,%s\n" % (p, s, e, a, f) for s, e, a, f in rows)
    r = put_accounts(body)
    if r.status != 200:
        raise AssertionError("setup load failed: %r" % r)


class LeftOutColumnsTest(LRTestCase):

    def test_csv_left_out_columns_keep_stored_values(self):
        p = unique("keep")
        load_full(p, ("a", 120, "60000.50", 72), ("b", 8, 6000, 22))
        r = put_accounts("domain,fit_score\n%s-a.test,90\n%s-new.test,15\n" % (p, p))
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"count": 2})
        self.assertEqual(account(p + "-a.test"), (120, dec("60000.50"), 90))
        self.assertEqual(account(p + "-b.test"), (8, dec(6000), 22), "a row not in the load")
        self.assertEqual(account(p + "-new.test"), (None, None, 15), "a new row has only what it gives")

    def test_csv_empty_cell_in_present_column_clears(self):
        p = unique("keep")
        load_full(p, ("a", 120, 60000, 72))
        r = put_accounts("domain,employee_count,fit_score\n%s-a.test,,  \n" % p)
        self.assertStatus(r, 200)
        self.assertEqual(account(p + "-a.test"), (None, dec(60000), None))

    def test_json_left_out_key_keeps_and_null_clears_per_row(self):
        p = unique("keep")
        load_full(p, ("a", 120, 60000, 72), ("b", 8, 6000, 22), ("c", 300, 100000, 50))
        rows = [{"domain": p + "-a.test", "fit_score": 91},
                {"domain": p + "-b.test", "employee_count": None, "expected_acv": 7000.25},
                {"domain": p + "-c.test"}]
        r = put_accounts(json.dumps(rows), content_type="application/json")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"count": 3})
        self.assertEqual(account(p + "-a.test"), (120, dec(60000), 91))
        self.assertEqual(account(p + "-b.test"), (None, dec("7000.25"), 22))
        self.assertEqual(account(p + "-c.test"), (300, dec(100000), 50))


class HeaderTest(LRTestCase):

    def test_unknown_column_names_it_with_received_and_expected_header(self):
        p = unique("hdr")
        load_full(p, ("a", 1, 2, 3))
        r = put_accounts("domain,emplyee_count\n%s-a.test,5\n" % p)
        body = self.assertProblem(r, 422, fields=["header"])
        err = [e for e in body["errors"] if e.get("field") == "header"]
        self.assertEqual(len(err), 1, body)
        self.assertEqual(err[0]["column"], "emplyee_count")
        self.assertEqual(err[0]["message"], 'unknown column "emplyee_count"')
        self.assertEqual(err[0]["received"], "domain,emplyee_count")
        self.assertEqual(err[0]["expected"], "domain,employee_count,expected_acv,fit_score")
        for text in ('"emplyee_count"', '"domain,emplyee_count"',
                     '"domain,employee_count,expected_acv,fit_score"'):
            self.assertIn(text, body["detail"])
        self.assertEqual(account(p + "-a.test"), (1, dec(2), 3), "nothing written")

    def test_duplicate_and_missing_columns(self):
        r = put_accounts("domain,fit_score,FIT_SCORE\nx.test,1,2\n")
        body = self.assertProblem(r, 422, fields=["header"])
        self.assertEqual([e["message"] for e in body["errors"]],
                         ['the column "fit_score" appears twice'])
        r = put_accounts("employee_count,fit_score\n5,1\n")
        body = self.assertProblem(r, 422, fields=["header"])
        self.assertEqual([e["message"] for e in body["errors"]],
                         ['the required column "domain" is missing'])
        r = put_accounts("")
        self.assertProblem(r, 422, fields=["header"])

    def test_spreadsheet_csv(self):
        p = unique("xls")
        load_full(p, ("d", 1, 1, 1))
        body = ("\ufeff Fit_Score ,\"DOMAIN\",  Expected_ACV\t,employee_COUNT\r\n"
                "\r\n"
                " 72 ,%s-a.test,\" 60,000\",120\r\n" % p).encode("utf-8")
        # "60,000" is not a number: swap in a good quoted cell after checking the refusal
        r = put_accounts(body)
        self.assertProblem(r, 422, rows=[(1, "expected_acv")])
        body = ("\ufeff Fit_Score ,\"DOMAIN\",  Expected_ACV\t,employee_COUNT\r\n"
                "\r\n"
                " 72 ,%s-a.test,\" 60000.5 \",120\r\n"
                "\r\n"
                "\"5\",\"  %s-B.TEST \",,\" 9 \"\r\n"
                "\r\n"
                "100,%s-c.test,\"1\r\n\",7\r\n"
                "\r\n\r\n"
                "0,\"%s-d.test\",\"\",\r\n" % (p, p.upper(), p, p)).encode("utf-8")
        r = put_accounts(body)
        # a quoted line break inside a number cell is not a number
        self.assertProblem(r, 422, rows=[(3, "expected_acv")])
        body = body.replace(b'"1\r\n"', b'" 1 "')
        r = put_accounts(body)
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"count": 4})
        self.assertEqual(account(p + "-a.test"), (120, dec("60000.5"), 72))
        self.assertEqual(account(p + "-b.test"), (9, None, 5))
        self.assertEqual(account(p + "-c.test"), (7, dec(1), 100))
        self.assertEqual(account(p + "-d.test"), (None, None, 0))


class BytesTest(LRTestCase):
    """Bytes a spreadsheet or a careless export can put in a file: each is a 422 that
    names it, never a silent success or a 500 (found by review)."""

    def test_header_that_is_not_utf8_is_still_refused(self):
        r = ENV.api("PUT", "/v1/accounts", b"domain,employee_count,caf\xe9\nacme.io,5,x\n",
                    role="ops", content_type=CSV)
        body = self.assertProblem(r, 422, fields=["header"])
        self.assertEqual([e["message"] for e in body["errors"]], ['unknown column "caf?"'])
        long_name = ("x" + "\u00e9" * 200).encode()
        r = ENV.api("PUT", "/v1/accounts", b"domain," + long_name + b"\na.io,1\n", role="ops",
                    content_type=CSV)
        self.assertProblem(r, 422, fields=["header"])

    def test_nul_byte_in_a_cell_is_a_row_error(self):
        p = unique("nul")
        r = ENV.api("PUT", "/v1/accounts",
                    ("domain,employee_count\n%s.test,5\0 000\n" % p).encode(), role="ops",
                    content_type=CSV)
        body = self.assertProblem(r, 422, rows=[(1, None)])
        self.assertIn("NUL", json.dumps(body["errors"]))
        self.assertProblem(ENV.api("GET", "/v1/accounts/%s.test" % p, role="reader"), 404)

    def test_owner_id_that_is_not_utf8_is_a_row_error(self):
        rep = unique("nul-mm")
        ENV.put_rep(rep, "mid_market")
        r = ENV.api("PUT", "/v1/named-accounts/2033-Q1",
                    b"domain,owner_rep_id\nacme.io," + rep.encode() + b"\xff\n", role="ops",
                    content_type=CSV)
        body = self.assertProblem(r, 422, rows=[(1, "owner_rep_id")])
        self.assertEqual([e["field"] for e in body["errors"]], ["owner_rep_id"])


class AllErrorsTest(LRTestCase):

    def test_every_bad_row_in_one_answer(self):
        p = unique("bad")
        rows = ["%s-1.test,10,100,5" % p,      # 1 ok
                "%s-2.test,x,100,5" % p,       # 2 employee_count
                "%s-1.test,10,100,5" % p,      # 3 duplicate of 1
                "not a domain,10,100,5",       # 4 domain
                "WWW.%s-2.TEST,1,1,1" % p,     # 5 duplicate of 2 (normalised)
                "%s-6.test,10,100,101" % p]    # 6 fit_score
        r = put_accounts("domain,employee_count,expected_acv,fit_score\n" + "\n".join(rows) + "\n")
        body = self.assertProblem(r, 422)
        got = [(e["row"], e["field"]) for e in body["errors"]]
        self.assertEqual(got, [(2, "employee_count"), (3, "domain"), (4, "domain"),
                               (5, "domain"), (6, "fit_score")])
        self.assertEqual(body["errors"][1]["message"], "appears more than once in this load (first in row 1)")
        self.assertEqual(body["errors"][3]["message"], "appears more than once in this load (first in row 2)")
        self.assertEqual(body["detail"], "5 problems in 6 rows; nothing was loaded")
        self.assertIsNone(account(p + "-1.test"))

    def test_cap_with_total(self):
        p = unique("cap")
        rows = ["%s-%d.test,x,,\n%s-%d.test,,," % (p, i, p, i) for i in range(150)]
        r = put_accounts("domain,employee_count,expected_acv,fit_score\n" + "\n".join(rows) + "\n")
        body = self.assertProblem(r, 422)
        self.assertEqual(len(body["errors"]), 100)
        self.assertEqual(body["detail"],
                         "300 problems in 300 rows (the first 100 are listed); nothing was loaded")
        rows_listed = [e["row"] for e in body["errors"]]
        self.assertEqual(rows_listed, list(range(1, 101)), "bad cells and duplicates interleave by row")

    def test_unknown_json_key_is_422_naming_it(self):
        p = unique("key")
        load_full(p, ("a", 1, 2, 3))
        rows = [{"domain": p + "-a.test", "fit_scor": 90},
                {"domain": p + "-b.test", "Fit_Score": 1, "fit_score": 2}]
        r = put_accounts(json.dumps(rows), content_type="application/json")
        body = self.assertProblem(r, 422, rows=[(1, "fit_scor"), (2, "Fit_Score")])
        self.assertEqual(len(body["errors"]), 2, body)
        self.assertIn("domain,employee_count,expected_acv,fit_score", body["errors"][0]["message"])
        self.assertEqual(account(p + "-a.test"), (1, dec(2), 3))
        self.assertIsNone(account(p + "-b.test"))

    def test_json_framing_errors(self):
        p = unique("frame")
        good = '{"domain": "%s.test", "fit_score": 1}' % p
        for text, status in (("[%s" % good, 400), ("[%s,]" % good, 400), ("[%s] []" % good, 400),
                             ('{"domain": "%s.test"}' % p, 422), ("", 400),
                             ('[{"domain": "%s.test", "domain": "x.test"}]' % p, 400)):
            with self.subTest(text=text):
                r = put_accounts(text, content_type="application/json")
                self.assertProblem(r, status)
                self.assertIsNone(account(p + ".test"))
        r = put_accounts('[ \n]', content_type="application/json")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"count": 0})


class NamedListTest(LRTestCase):

    @classmethod
    def setUpClass(cls):
        cls.mm = unique("nl-mm")
        cls.st = unique("nl-st")
        cls.smb = unique("nl-smb")
        ENV.put_rep(cls.mm, "mid_market")
        ENV.put_rep(cls.st, "strategic")
        ENV.put_rep(cls.smb, "smb")

    def put_list(self, period, body, content_type=CSV):
        return ENV.api("PUT", "/v1/named-accounts/" + period, body.encode("utf-8"), role="ops",
                       content_type=content_type)

    def get_list(self, period):
        r = ENV.api("GET", "/v1/named-accounts/" + period, role="reader")
        self.assertStatus(r, 200)
        return [(i["domain"], i["owner_rep_id"]) for i in r.json()["items"]]

    def test_same_header_rules_and_trimmed_owner_ids(self):
        period = "2032-Q1"
        p = unique("nl")
        body = ("\ufeff Owner_Rep_ID ,DOMAIN\r\n\r\n"
                "  %s  ,%s-a.test\r\n"
                "\"%s\t\",\" WWW.%s-B.TEST \"\r\n" % (self.mm, p, self.st, p.upper()))
        r = self.put_list(period, body)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["added"], 2)
        self.assertEqual(self.get_list(period), [(p + "-a.test", self.mm), (p + "-b.test", self.st)])
        r = self.put_list(period, json.dumps([{"domain": p + "-a.test", "owner_rep_id": " %s " % self.st}]),
                          content_type="application/json")
        self.assertStatus(r, 200)
        self.assertEqual(self.get_list(period), [(p + "-a.test", self.st)])

    def test_header_errors(self):
        period = "2032-Q2"
        r = self.put_list(period, "domain,owner\nx.test,%s\n" % self.mm)
        body = self.assertProblem(r, 422, fields=["header"])
        self.assertEqual([e["message"] for e in body["errors"]],
                         ['unknown column "owner"', 'the required column "owner_rep_id" is missing'])
        self.assertEqual(body["errors"][0]["expected"], "domain,owner_rep_id")
        self.assertIn('"domain,owner"', body["detail"])
        r = self.put_list(period, json.dumps([{"domain": "x.test", "owner_rep_id": self.mm, "note": "hi"}]),
                          content_type="application/json")
        self.assertProblem(r, 422, rows=[(1, "note")])
        self.assertEqual(self.get_list(period), [])

    def test_every_bad_row_in_one_answer(self):
        period = "2032-Q3"
        p = unique("nl")
        keep = "%s-keep.test" % p
        self.assertStatus(self.put_list(period, "domain,owner_rep_id\n%s,%s\n" % (keep, self.mm)), 200)
        ghost = unique("ghost")
        rows = ["%s-1.test,%s" % (p, self.mm),     # 1 ok
                "%s-2.test,%s" % (p, self.smb),    # 2 smb owner (SQL)
                "gmail.com,%s" % self.mm,          # 3 free mail (C)
                "%s-1.test,%s" % (p, self.st),     # 4 duplicate (SQL)
                "bad domain,%s" % ghost,           # 5 domain (C) and unknown owner (SQL)
                "%s-6.test," % p]                  # 6 empty owner (C)
        r = self.put_list(period, "domain,owner_rep_id\n" + "\n".join(rows) + "\n")
        body = self.assertProblem(r, 422)
        self.assertEqual([(e["row"], e["field"]) for e in body["errors"]],
                         [(2, "owner_rep_id"), (3, "domain"), (4, "domain"), (5, "domain"),
                          (5, "owner_rep_id"), (6, "owner_rep_id")])
        self.assertEqual(body["errors"][4]["message"], "no rep with id %s" % ghost)
        self.assertEqual(body["detail"], "6 problems in 6 rows; the list was not replaced")
        self.assertEqual(self.get_list(period), [(keep, self.mm)])


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if v.strip().endswith("kB"):
                out[k] = int(v.split()[0]) * 1024
    return out


MIB = 1 << 20
MAX_BULK = 64 * MIB  # the default max_bulk_bytes
# Peak RSS may rise by this much over the idle server during the largest load: a
# chunk, one row, COPY buffers and libpq's; the body itself must not be in memory.
PEAK_BOUND = 96 * MIB
AFTER_BOUND = 16 * MIB


class MemoryTest(LRTestCase):
    """The largest body accepted (64 MiB, CSV and JSON) with the server's RSS sampled.
    Rows have long domains so that PostgreSQL's share of the time stays a few seconds;
    the server's memory does not depend on the row count (one row at a time)."""

    @classmethod
    def setUpClass(cls):
        cls.srv = ENV.add_server(name="memory")
        cls.pid = cls.srv.proc.pid
        # a small load first, so that the baseline includes a connection and prepared SQL
        put_accounts("domain,fit_score\n%s.test,1\n" % unique("warm"), server=cls.srv)

    def body(self, fmt, p):
        label = "x" * 60
        if fmt == "csv":
            head = b"domain,employee_count,expected_acv,fit_score\n"
            row = "%s.%s.%s-%%d.test,%%d,%%d.%%02d,%%d\n" % (label, label, p)
        else:
            head = b"["
            row = ('{"domain":"%s.%s.%s-%%d.test","employee_count":%%d,'
                   '"expected_acv":%%d.%%02d,"fit_score":%%d},\n' % (label, label, p))
        parts, size, i = [head], len(head), 0
        while True:
            line = (row % (i, i % 5000, i % 900000, i % 100, i % 101)).encode()
            if size + len(line) + 2 > MAX_BULK:
                break
            parts.append(line)
            size += len(line)
            i += 1
        if fmt == "json":
            parts[-1] = parts[-1].rstrip(b",\n")
            parts.append(b"]")
        else:
            parts.append(b"\n")
        return b"".join(parts), i

    def measure(self, fmt):
        p = unique("mem")
        body, rows = self.body(fmt, p)
        self.assertLessEqual(len(body), MAX_BULK)
        self.assertGreater(len(body), MAX_BULK - 1024)
        # reset the peak (VmHWM) to the current RSS, when the kernel lets us
        try:
            with open("/proc/%d/clear_refs" % self.pid, "w") as f:
                f.write("5")
        except OSError:
            pass
        before = proc_status(self.pid)
        t0 = time.monotonic()
        r = put_accounts(body, content_type=CSV if fmt == "csv" else "application/json",
                         timeout=120, server=self.srv)
        elapsed = time.monotonic() - t0
        after = proc_status(self.pid)
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"count": rows})
        peak = after["VmHWM"]
        harness.log("%s load of %d bytes, %d rows: %.1f s; server RSS before %.1f MiB, peak %.1f MiB"
                    " (+%.1f), after %.1f MiB" % (fmt, len(body), rows, elapsed, before["VmRSS"] / MIB,
                                                  peak / MIB, (peak - before["VmRSS"]) / MIB,
                                                  after["VmRSS"] / MIB))
        self.assertLess(peak - before["VmRSS"], PEAK_BOUND)
        self.assertLess(after["VmRSS"] - before["VmRSS"], AFTER_BOUND)
        got = account("%s.%s.%s-%d.test" % ("x" * 60, "x" * 60, p, rows - 1))
        i = rows - 1
        self.assertEqual(got, (i % 5000, dec("%d.%02d" % (i % 900000, i % 100)), i % 101))

    def test_64mib_csv(self):
        self.measure("csv")

    def test_64mib_json(self):
        self.measure("json")


class DemoDataTest(LRTestCase):
    """scripts/demo-data.sh is what `make run` uses: it loads into an empty database only."""

    def run_demo(self, env):
        base = "http://127.0.0.1:%d" % env.srv.port
        p = subprocess.run(["sh", "scripts/demo-data.sh", base, env.tokens["admin"]],
                           cwd=str(harness.REPO), env=env.base_env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout.strip().splitlines()[-1]

    def test_loads_once_and_never_over_changes(self):
        env = harness.start_env("demo")
        try:
            self.assertEqual(self.run_demo(env), "demo data loaded")
            reps = {r["id"]: r for r in env.reps()}
            self.assertIn("rep-mm-dana", reps)
            self.assertTrue(reps["rep-mm-dana"]["active"])
            period = harness.current_period()
            self.assertEqual(int(env.psql("SELECT count(*) FROM named_accounts WHERE period = '%s'"
                                          % period)), 3)
            # an operator pauses a rep, edits an account and empties the named list
            env.put_rep("rep-mm-dana", "mid_market", active=False, weight=3, name="Dana")
            r = env.api("PUT", "/v1/accounts", b"domain,fit_score\nacme.io,5\n", role="ops",
                        content_type=CSV)
            self.assertStatus(r, 200)
            r = env.api("PUT", "/v1/named-accounts/" + period, [], role="ops")
            self.assertStatus(r, 200)
            self.assertEqual(self.run_demo(env), "database has data: demo data not loaded")
            dana = [r for r in env.reps() if r["id"] == "rep-mm-dana"][0]
            self.assertEqual((dana["active"], dana["weight"]), (False, 3))
            j = env.api("GET", "/v1/accounts/acme.io", role="reader").json()
            self.assertEqual((j["employee_count"], j["fit_score"]), (120, 5))
            self.assertEqual(int(env.psql("SELECT count(*) FROM named_accounts WHERE period = '%s'"
                                          % period)), 0)
        finally:
            env.close()

    def test_a_lead_alone_makes_the_database_non_empty(self):
        env = harness.start_env("demo2")
        try:
            r = env.post_event(harness.lead_event(unique("lead"), email="a@b-" + unique("x") + ".test"))
            self.assertIn(r.status, (200, 201, 202), r)
            self.assertEqual(self.run_demo(env), "database has data: demo data not loaded")
            self.assertEqual(env.reps(), [])
        finally:
            env.close()


if __name__ == "__main__":
    import unittest
    unittest.main()
