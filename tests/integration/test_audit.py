"""Audit (SPEC 2.10): decisions and assignments land in the append-only audit_log,
which cannot be updated, deleted or truncated."""

import json

import harness
from harness import LRTestCase, lead_event, seg_values, unique

ENV = None
REP = "au-smb-1"


def setUpModule():
    global ENV
    ENV = harness.start_env("audit")
    with harness.closed_on_failure(ENV):
        ENV.put_rep(REP, "smb")


def tearDownModule():
    ENV.close()


def audit_rows(subject_id, loose=False):
    """Audit rows about subject_id (loose: also rows whose before/after mention it)."""
    cond = "subject_id = '%s'" % subject_id
    if loose:
        cond += " OR before::text LIKE '%%%s%%' OR after::text LIKE '%%%s%%'" % (subject_id, subject_id)
    out = ENV.psql("SELECT coalesce(json_agg(json_build_object('action', action, 'actor', actor,"
                   " 'subject_type', subject_type, 'subject_id', subject_id, 'at', at,"
                   " 'before', before, 'after', after) ORDER BY id), '[]') FROM audit_log"
                   " WHERE " + cond)
    return json.loads(out)


def table_digest():
    return ENV.psql("SELECT count(*) || ':' || coalesce(md5(string_agg(row_to_json(a)::text, ','"
                    " ORDER BY id)), '') FROM audit_log a")


def sql_quote(text):
    return "'" + text.replace("'", "''") + "'"


class AuditTest(LRTestCase):

    def test_lead_decision_and_assignment_audited(self):
        lead_id = unique("au")
        r = ENV.post_event(lead_event(lead_id, **seg_values("smb")))
        self.assertStatus(r, 201)
        d = r.json()
        rows = audit_rows(lead_id)
        # One row records the decision and the assignment it made; the decision's inputs
        # are the lead's stored decision, which can never change.
        self.assertEqual([x["action"] for x in rows], ["decision.made"])
        row = rows[0]
        self.assertEqual((row["subject_type"], row["before"]), ("lead", None))
        self.assertTrue(row["actor"].startswith("webhook:"), row)
        self.assertEqual(row["after"], {"queue": "smb", "rep_id": REP, "reason": d["reason"],
                                        "review_id": None, "composite_queue": "smb",
                                        "rules_version": d["rules_version"]})
        # Stored as columns of the lead, rebuilt from them (migrations/0012).
        self.assertEqual(ENV.psql("SELECT (lr_lead_decision(l) = %s::jsonb)::text || ' '"
                                  " || (decision IS NULL)::text || ' ' || employee_count_source"
                                  " FROM leads l WHERE id = %s"
                                  % (sql_quote(harness.dumps(d).decode()), sql_quote(lead_id))),
                         "true true " + d["signals"]["employee_count"]["source"])
        # Neither the decision nor a column it is rebuilt from can change.
        for change in ("decision = '{}'", "employee_count_source = 'x'",
                       "named_owner = 'x'", "domain = 'x'", "queue = 'strategic'",
                       "rep_id = NULL", "reason = 'review_resolution'", "composite_queue = 'review'",
                       "decided_at = now()", "rules_version = NULL", "webhook_id = 'other'",
                       "review_id = 1", "data = '{}'", "created_at = now()"):
            p = ENV.cluster.psql("UPDATE leads SET %s WHERE id = %s" % (change, sql_quote(lead_id)),
                                 check=False)
            self.assertNotEqual(p.returncode, 0, "a lead's decision must never change: " + change)
            self.assertIn("a lead's decision is never changed", p.stderr)
        self.assertEqual(ENV.psql("SELECT lr_lead_decision(l) = %s::jsonb FROM leads l WHERE id = %s"
                                  % (sql_quote(harness.dumps(d).decode()), sql_quote(lead_id))),
                         "t")

    def test_resolved_review_lead_keeps_its_decision(self):
        """A lead that went to review is answered, after its resolution changed its queue,
        rep and reason, with the decision it got: a retry of its delivery gets the same
        bytes, GET /v1/leads/{id} the same decision; its review item's reason cannot
        change."""
        # The only active mid-market rep: another test of this module adds one, and the
        # turn's order between two reps depends on their random ids.
        ENV.deactivate_segment("mid_market")
        ENV.put_rep("au-mm-1", "mid_market")
        lead_id = unique("au")
        body = harness.dumps(lead_event(lead_id, employee_count=3))
        wid = unique("msg")
        first = ENV.post_event(body=body, webhook_id=wid)
        self.assertStatus(first, 201)
        d = first.json()
        self.assertEqual((d["queue"], d["rep_id"], d["reason"]), ("review", None, "insufficient_data"))
        r = ENV.api("POST", "/v1/reviews/%s/resolve" % d["review_id"], {"queue": "mid_market"},
                    role="ops")
        self.assertStatus(r, 200)
        lead = ENV.api("GET", "/v1/leads/" + lead_id, role="reader").json()
        self.assertEqual((lead["queue"], lead["rep_id"], lead["reason"]),
                         ("mid_market", "au-mm-1", "review_resolution"))
        self.assertEqual(lead["decision"], d)
        again = ENV.post_event(body=body, webhook_id=wid)
        self.assertStatus(again, 200)
        self.assertEqual(again.body, first.body)
        other = ENV.post_event(body=body, webhook_id=unique("msg"))
        self.assertStatus(other, 200)
        self.assertEqual(other.body, first.body)
        # The whole trail through the indexes (migrations/0014): the same rows as a scan.
        trail = ("SELECT coalesce(json_agg(json_build_object('id', id, 'action', action)"
                 " ORDER BY id), '[]') FROM %s")
        by_index = json.loads(ENV.psql(trail % ("lr_audit_of('lead', %s)" % sql_quote(lead_id))))
        self.assertEqual(by_index, json.loads(ENV.psql(
            trail % ("audit_log WHERE subject_type = 'lead' AND subject_id = %s"
                     % sql_quote(lead_id)))))
        self.assertEqual([x["action"] for x in by_index][0], "decision.made")
        self.assertGreater(len(by_index), 1)
        plan = ENV.psql("SET enable_seqscan = off; EXPLAIN SELECT * FROM lr_audit_of('lead', %s)"
                        % sql_quote(lead_id))
        self.assertIn("audit_log_subject_trail", plan)
        self.assertIn("Bitmap Index Scan on audit_log_at", plan)
        self.assertNotIn("Seq Scan on audit_log", plan)
        p = ENV.cluster.psql("UPDATE reviews SET reason = 'conflict' WHERE id = %d" % d["review_id"],
                             check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("a lead's decision is never changed", p.stderr)

    def test_what_other_rows_rely_on_is_never_deleted(self):
        """Leads refer to their rep and review item without a foreign key (migrations/0013),
        outbox rows to their assignment (0017), a new lead's outbox row is written without
        looking for older ones (0018): reps, reviews, assignments and leads refuse DELETE
        and TRUNCATE, as rules versions refuse change."""
        lead_id = unique("au")
        r = ENV.post_event(lead_event(lead_id, employee_count=3))
        self.assertStatus(r, 201)
        review_id = r.json()["review_id"]
        for sql in ("DELETE FROM reps WHERE id = '%s'" % REP, "TRUNCATE reps CASCADE",
                    "DELETE FROM reviews WHERE id = %d" % review_id, "TRUNCATE reviews CASCADE"):
            p = ENV.cluster.psql(sql, check=False)
            self.assertNotEqual(p.returncode, 0, sql)
            self.assertRegex(p.stderr, r"(reps|reviews) rows are never deleted: leads refer to them")
        for sql in ("DELETE FROM assignments WHERE subject_id = '%s'" % lead_id,
                    "TRUNCATE assignments CASCADE"):
            p = ENV.cluster.psql(sql, check=False)
            self.assertNotEqual(p.returncode, 0, sql)
            self.assertIn("assignments rows are never deleted: outbox rows refer to them",
                          p.stderr)
        for sql in ("DELETE FROM leads WHERE id = '%s'" % lead_id, "TRUNCATE leads CASCADE"):
            p = ENV.cluster.psql(sql, check=False)
            self.assertNotEqual(p.returncode, 0, sql)
            self.assertIn("leads rows are never deleted: assignments and outbox rows refer to"
                          " them", p.stderr)
        self.assertEqual(ENV.psql("SELECT count(*) FROM leads WHERE id = '%s'" % lead_id), "1")
        self.assertEqual(ENV.psql("SELECT count(*) FROM assignments WHERE subject_id = '%s'"
                                  % lead_id), "1")
        self.assertEqual(ENV.psql("SELECT count(*) FROM reps WHERE id = '%s'" % REP), "1")
        self.assertEqual(ENV.psql("SELECT count(*) FROM reviews WHERE id = %d" % review_id), "1")

    def test_review_lead_audited(self):
        lead_id = unique("au")
        r = ENV.post_event(lead_event(lead_id, employee_count=3))
        self.assertStatus(r, 201)
        rows = audit_rows(lead_id)
        self.assertEqual([(x["action"], x["after"]["queue"], x["after"]["rep_id"],
                           x["after"]["reason"]) for x in rows],
                         [("decision.made", "review", None, "insufficient_data")])
        self.assertEqual(rows[0]["after"]["review_id"], r.json()["review_id"])

    def test_replay_adds_no_audit_rows(self):
        lead_id = unique("au")
        body = harness.dumps(lead_event(lead_id, **seg_values("smb")))
        wid = unique("msg")
        self.assertStatus(ENV.post_event(body=body, webhook_id=wid), 201)
        n = len(audit_rows(lead_id))
        self.assertStatus(ENV.post_event(body=body, webhook_id=wid), 200)
        self.assertEqual(len(audit_rows(lead_id)), n)

    def test_update_delete_truncate_refused(self):
        self.assertStatus(ENV.post_event(lead_event(unique("au"), **seg_values("smb"))), 201)
        before = table_digest()
        for sql in ("UPDATE audit_log SET actor = 'mallory'",
                    "UPDATE audit_log SET after = NULL WHERE id = (SELECT max(id) FROM audit_log)",
                    "DELETE FROM audit_log",
                    "DELETE FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)",
                    "TRUNCATE audit_log"):
            with self.subTest(sql=sql):
                p = ENV.psql(sql, check=False)
                self.assertNotEqual(p.returncode, 0, "%s succeeded: %s" % (sql, p.stdout))
                self.assertEqual(table_digest(), before)

    def test_rep_change_and_list_replacement_audited(self):
        rid = unique("au-mm")
        ENV.put_rep(rid, "mid_market")
        ENV.put_rep(rid, "mid_market", weight=3)
        self.assertGreaterEqual(len(audit_rows(rid, loose=True)), 2, "each rep change is audited")
        period = "2032-Q1"
        self.assertEqual(audit_rows(period, loose=True), [])
        r = ENV.api("PUT", "/v1/named-accounts/" + period,
                    [{"domain": unique("au") + ".test", "owner_rep_id": rid}], role="ops")
        self.assertStatus(r, 200)
        rows = audit_rows(period, loose=True)
        self.assertGreaterEqual(len(rows), 1, "the list replacement is audited")
        self.assertTrue(any("added" in json.dumps(x) for x in rows),
                        "the audit says how many rows were added: %r" % rows)


if __name__ == "__main__":
    import unittest
    unittest.main()
