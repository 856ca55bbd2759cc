"""The SQL functions of sql/functions/ at the SQL level, through psql against a migrated
throwaway database and without a server: lr_commit_leads (copies of one webhook-id in
one batch, a queue with no active rep, a busy queue), lr_take_turns (one turn and many)
and lr_write_assignments (rows and audit rows; the write-back outbox rows its session's
leadrouter.writeback asks for, supersession, NOTIFY, the hand-off to the replica's own
worker), lr_claim_outbox (order, one row per
subject at a time, lease, attempts, SKIP LOCKED), the plans the delivery worker keeps from
a young outbox once it has grown (lr_outbox_delivered, outbox_retry, outbox_dead) and the
opportunity path's look-up of an open review (opp_context), and
`leadrouter migrate` (it re-creates
every function, a second run changes nothing, each file of sql/functions/ is what the
database holds, a database newer than the binary keeps its functions)."""

import json
import os
import re
import select
import subprocess

import harness
from harness import LRTestCase, unique

ENV = None
SQL_DIR = harness.REPO / "sql"
DECIDED_AT = "2026-01-02T03:04:05.000Z"


def setUpModule():
    global ENV
    ENV = harness.start_env("sql_functions", servers=0)


def tearDownModule():
    ENV.close()


# ------------------------------------------------------------------------- helpers

class Money:
    """A JSON number written as given ("60000.50"), as the service writes money."""

    def __init__(self, text):
        self.text = text


def _dumps(v):
    return re.sub(r'"@money:([0-9.]+)"', r"\1",
                  json.dumps(v, default=lambda m: "@money:" + m.text))


def q(v):
    """A SQL literal (NULL for None)."""
    if v is None:
        return "NULL"
    if isinstance(v, (dict, list)):
        v = _dumps(v)
    return "'%s'" % str(v).replace("'", "''")


def arr(values, typ):
    return "ARRAY[%s]::%s[]" % (", ".join(q(v) for v in values), typ)


def psql_script(script, check=True, timeout=60):
    """Runs a script on stdin (every statement's rows are printed, unaligned, tuples
    only; errors with their SQLSTATE). Returns the CompletedProcess."""
    p = subprocess.run(["psql", ENV.cluster.url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                        "-v", "VERBOSITY=verbose", "-f", "-"],
                       input=script, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("psql failed (%d): %s\nSQL: %s" % (p.returncode, p.stderr, script))
    return p


def set_cycle(queue, reps):
    """The queue's round-robin cycle is reps in this order (empty: no active rep), turn 0,
    as reps_store writes it when a rep changes."""
    script = ["BEGIN;"]
    for r in reps:
        script.append("INSERT INTO reps (id, name, segment, active, weight) VALUES (%s, %s, %s,"
                      " true, 1) ON CONFLICT (id) DO NOTHING;" % (q(r), q(r), q(queue)))
    script.append("DELETE FROM rr_schedule WHERE segment = %s;" % q(queue))
    for i, r in enumerate(reps):
        script.append("INSERT INTO rr_schedule (segment, slot, rep_id) VALUES (%s, %d, %s);"
                      % (q(queue), i, q(r)))
    script.append("UPDATE rr_state SET turn = 0, cycle_len = %d WHERE segment = %s;"
                  % (len(reps), q(queue)))
    script.append("COMMIT;")
    psql_script("\n".join(script))


def turn(queue):
    return int(ENV.psql("SELECT turn FROM rr_state WHERE segment = %s" % q(queue)))


def lead(queue, mode="round_robin", wid=None, lid=None, sha=None, rep=None, reason="composite"):
    lid = lid or unique("sl")
    wid = wid or unique("msg")
    # The whole decision without rep_id and review_id, as earlier releases send it (money
    # with two decimals, as lr_json_money writes it: the JSON text is made below); the
    # batch reads only what inputs_only keeps, which is what the service sends now.
    vote = None if queue == "review" else queue
    decision = {"event_id": wid, "subject": "lead", "subject_id": lid, "queue": queue,
                "reason": reason, "composite_queue": queue, "rules_version": 1,
                "decided_at": DECIDED_AT,
                "account": {"domain": lid + ".example", "matched": True, "named_owner": None},
                "signals": {"employee_count": {"value": 120, "source": "event", "vote": vote},
                            "expected_acv": {"value": Money("60000.50"), "source": "enrichment",
                                             "vote": vote},
                            "fit_score": {"value": None, "source": "missing", "vote": None}}}
    return {"wid": wid, "sha": sha or unique("sha"), "lid": lid,
            "domain": lid + ".example", "ets": DECIDED_AT, "data": {"n": 1}, "queue": queue,
            "mode": mode, "rep": rep, "reason": reason, "composite": queue, "rv": 1,
            "decision": decision, "actor": "webhook"}


def inputs_only(x):
    """The lead with only its decision's inputs, as the service sends them
    (lr_lead_decision_inputs)."""
    d = x["decision"]
    return dict(x, decision={"decided_at": d["decided_at"], "account": {
        "matched": d["account"]["matched"], "named_owner": d["account"]["named_owner"]},
        "signals": d["signals"]})


def commit_leads_sql(leads, wait=True):
    col = lambda k: [x[k] for x in leads]  # noqa: E731
    return ("SELECT json_agg(json_build_object('ord', c.ord, 'status', c.status, 'body', c.body)"
            " ORDER BY c.ord) FROM lr_commit_leads(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s) AS c" % (
                arr(col("wid"), "text"), arr(col("sha"), "text"), arr(col("lid"), "text"),
                arr(col("domain"), "text"), arr(col("ets"), "timestamptz"),
                arr(col("data"), "jsonb"), arr(col("queue"), "text"), arr(col("mode"), "text"),
                arr(col("rep"), "text"), arr(col("reason"), "text"),
                arr(col("composite"), "text"), arr(col("rv"), "bigint"),
                arr(col("decision"), "jsonb"), arr(col("actor"), "text"),
                "true" if wait else "false"))


def commit_leads(leads, wait=True):
    """lr_commit_leads in a transaction of its own: [(status, body or None)] in order."""
    out = json.loads(ENV.psql(commit_leads_sql(leads, wait)))
    return [(x["status"], x["body"]) for x in out]


def rows(sql):
    """The rows of a query as a list of dicts (the query's SELECT list is a json object)."""
    return json.loads(ENV.psql("SELECT coalesce(json_agg(x), '[]') FROM (%s) AS x" % sql))


def assignments_of(subject_id):
    return rows("SELECT subject, subject_id, queue, rep_id, previous_rep_id, reason,"
                " rules_version, id IS NULL AS unpublished FROM assignments"
                " WHERE subject_id = %s ORDER BY seq" % q(subject_id))


def audit_of(subject_id):
    return rows("SELECT actor, action, subject_type, subject_id, before, after FROM audit_log"
                " WHERE subject_id = %s ORDER BY id" % q(subject_id))


def written(lid, wid):
    """Counts of what exists for a lead id and a webhook-id."""
    return json.loads(ENV.psql(
        "SELECT json_build_object("
        " 'leads', (SELECT count(*) FROM leads WHERE id = %(l)s),"
        " 'webhook_events', (SELECT count(*) FROM webhook_events WHERE webhook_id = %(w)s),"
        " 'assignments', (SELECT count(*) FROM assignments WHERE subject_id = %(l)s),"
        " 'reviews', (SELECT count(*) FROM reviews WHERE subject_id = %(l)s),"
        " 'audit_log', (SELECT count(*) FROM audit_log WHERE subject_id = %(l)s))"
        % {"l": q(lid), "w": q(wid)}))


def write_one(subject, sid, rep, dest, listen=False):
    """One lr_write_assignments in a session whose leadrouter.writeback is dest (None:
    never set); with listen, the session LISTENs first. Returns psql's output."""
    script = "LISTEN leadrouter_outbox;\n" if listen else ""
    if dest is not None:
        script += "SET leadrouter.writeback = %s;\n" % q(dest)
    script += ("SELECT lr_write_assignments(ARRAY[%s], ARRAY[%s], '{smb}', ARRAY[%s]::text[],"
               " '{NULL}', '{composite}', '{1}', '{webhook}', '{NULL}', '{NULL}', '{NULL}');\n"
               "SELECT 'done';\n" % (q(subject), q(sid), q(rep)))
    p = psql_script(script)
    return p.stdout + p.stderr


def outbox_of(sid):
    return rows("SELECT o.destination, o.status, o.attempts, a.rep_id FROM outbox o"
                " JOIN assignments a ON a.seq = o.assignment_seq"
                " WHERE o.subject_id = %s ORDER BY o.id" % q(sid))


def outbox_ids(sid, dest):
    return [r["id"] for r in rows("SELECT id FROM outbox WHERE subject_id = %s AND"
                                  " destination = %s ORDER BY id" % (q(sid), q(dest)))]


def statuses(sid, dest):
    return [r["status"] for r in rows("SELECT status FROM outbox WHERE subject_id = %s AND"
                                      " destination = %s ORDER BY id" % (q(sid), q(dest)))]


def claim(dest, n):
    """lr_claim_outbox in a transaction of its own: the ids taken."""
    out = ENV.psql("SELECT coalesce(json_agg(c ORDER BY c), '[]') FROM"
                   " lr_claim_outbox(%s, %d, 60) AS c" % (q(dest), n))
    return json.loads(out)


def c_statement(name, source="outbox_store.c"):
    """The SQL text of the statement called name in src/db/<source> (its C string
    literals joined), so that a test prepares exactly what the service sends."""
    src = (harness.REPO / "src" / "db" / source).read_text()
    body = src[src.index('"%s",' % name) + len(name) + 3:]
    body = body[:re.search(r",\s*\d+\};", body).start()]
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body))


NOTHING = {"leads": 0, "webhook_events": 0, "assignments": 0, "reviews": 0, "audit_log": 0}


def function_files():
    """[(file name, text)] in the load order of sql/functions.list."""
    names = []
    with open(SQL_DIR / "functions.list") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return [(n, (SQL_DIR / "functions" / n).read_text()) for n in names]


def declared(text):
    """The functions a file creates: [(name, body between the $$)]."""
    return [(m.group(1), m.group(2)) for m in re.finditer(
        r"CREATE OR REPLACE FUNCTION\s+(\w+)\s*\(.*?\$\$(.*?)\$\$", text, re.S)]


# The functions of the service in the database: oid, name, full definition.
DEFS_SQL = ("SELECT coalesce(jsonb_agg(jsonb_build_object('oid', p.oid::bigint, 'name', p.proname,"
            " 'def', pg_get_functiondef(p.oid)) ORDER BY p.proname, p.oid), '[]')"
            " FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace"
            " AND p.proname LIKE 'lr\\_%'")


def defs():
    return json.loads(ENV.psql(DEFS_SQL))


class SqlFunctionsTest(LRTestCase):

    # -- lr_commit_leads --

    def test_copies_of_one_webhook_id_in_one_batch(self):
        """Copies of one webhook-id in one batch: the first copy routes the lead (201), a
        copy with the same body gets that answer (200), a copy with another body 409; a
        second webhook-id for the same lead gets the lead's decision (200); one lead row,
        one assignment, one turn; the webhook rows store the answers."""
        reps = [unique("sf-a"), unique("sf-b")]
        set_cycle("smb", reps)
        first = lead("smb")
        same = dict(first)
        other_body = dict(first, sha=unique("sha"))
        wid2 = unique("msg")
        second_wid = dict(first, wid=wid2, sha=unique("sha"),
                          decision=dict(first["decision"], event_id=wid2))
        review = lead("review", mode="none", reason="conflict")
        res = commit_leads([first, same, other_body, second_wid, review])

        routed = json.loads(_dumps(dict(first["decision"], rep_id=reps[0], review_id=None)))
        self.assertEqual([s for s, _ in res], [201, 200, 409, 200, 201], res)
        self.assertEqual(json.loads(res[0][1]), routed)
        self.assertEqual(res[1][1], res[0][1])
        self.assertIsNone(res[2][1])
        self.assertEqual(res[3][1], res[0][1])
        review_id = int(ENV.psql("SELECT id FROM reviews WHERE subject_id = %s" % q(review["lid"])))
        self.assertEqual(json.loads(res[4][1]), json.loads(_dumps(dict(review["decision"], rep_id=None,
                                                                       review_id=review_id))))
        self.assertEqual(turn("smb"), 1, "one turn for one lead")

        self.assertEqual(rows("SELECT webhook_id, body_sha256, subject_id, response_status,"
                              " response_body FROM webhook_events WHERE webhook_id IN (%s, %s)"
                              " ORDER BY response_status DESC"
                              % (q(first["wid"]), q(second_wid["wid"]))),
                         # The stored answer of a lead's delivery is the lead's decision,
                         # which is not copied (response_body NULL).
                         [{"webhook_id": first["wid"], "body_sha256": first["sha"],
                           "subject_id": first["lid"], "response_status": 201,
                           "response_body": None},
                          {"webhook_id": second_wid["wid"], "body_sha256": second_wid["sha"],
                           "subject_id": first["lid"], "response_status": 200,
                           "response_body": None}])
        # The decision is stored as columns of the lead and rebuilt from them and the
        # lead's other columns (migrations/0012), byte for byte the answer.
        signal_cols = ("account_matched, named_owner, employee_count, employee_count_source,"
                       " employee_count_vote, expected_acv_cents, expected_acv_source,"
                       " expected_acv_vote, fit_score, fit_score_source, fit_score_vote")
        stored = {"account_matched": True, "named_owner": None, "employee_count": 120,
                  "employee_count_source": "event", "expected_acv_cents": 6000050,
                  "expected_acv_source": "enrichment", "fit_score": None,
                  "fit_score_source": "missing", "fit_score_vote": None}
        self.assertEqual(rows("SELECT id, webhook_id, queue, rep_id, reason, review_id,"
                              " rules_version, decision, %s, lr_lead_decision(l)::text AS rebuilt"
                              " FROM leads l WHERE id IN (%s, %s) ORDER BY review_id NULLS FIRST"
                              % (signal_cols, q(first["lid"]), q(review["lid"]))),
                         [dict(stored, id=first["lid"], webhook_id=first["wid"], queue="smb",
                               rep_id=reps[0], reason="composite", review_id=None,
                               rules_version=1, decision=None, employee_count_vote="smb",
                               expected_acv_vote="smb", rebuilt=res[0][1]),
                          dict(stored, id=review["lid"], webhook_id=review["wid"],
                               queue="review", rep_id=None, reason="conflict",
                               review_id=review_id, rules_version=1, decision=None,
                               employee_count_vote=None, expected_acv_vote=None,
                               rebuilt=res[4][1])])
        self.assertEqual(assignments_of(first["lid"]),
                         [{"subject": "lead", "subject_id": first["lid"],
                           "queue": "smb", "rep_id": reps[0], "previous_rep_id": None,
                           "reason": "composite", "rules_version": 1, "unpublished": True}])
        # One audit row per lead: the decision's outcome; its inputs are the lead's columns.
        self.assertEqual(audit_of(first["lid"]), [
            {"actor": "webhook", "action": "decision.made", "subject_type": "lead",
             "subject_id": first["lid"], "before": None,
             "after": {"queue": "smb", "rep_id": reps[0], "reason": "composite",
                       "review_id": None, "composite_queue": "smb", "rules_version": 1}}])
        self.assertEqual(audit_of(review["lid"]),
                         [{"actor": "webhook", "action": "decision.made", "subject_type": "lead",
                           "subject_id": review["lid"], "before": None,
                           "after": {"queue": "review", "rep_id": None, "reason": "conflict",
                                     "review_id": review_id, "composite_queue": "review",
                                     "rules_version": 1}}])

        # The same delivery again, in a later batch: the stored answers.
        again = commit_leads([first, other_body, second_wid])
        self.assertEqual(again, [(200, res[0][1]), (409, None), (200, res[0][1])])
        self.assertEqual(turn("smb"), 1)
        self.assertEqual(written(first["lid"], first["wid"]),
                         {"leads": 1, "webhook_events": 1, "assignments": 1, "reviews": 0,
                          "audit_log": 1})

    def test_common_and_general_batches_write_alike(self):
        """A batch whose every id is new and single (the common way: every entry goes to
        lr_route_leads, no answer to settle) and a batch with a replay in it (the general
        way) answer and write each shape of lead alike: round robin, a named owner, review,
        and a queue with no active rep (-1, nothing written). Two lead ids that share a
        lock key (hashtext) in one batch are both routed."""
        rep = unique("sf-g")
        set_cycle("smb", [rep])
        set_cycle("strategic", [])

        def shapes():
            return [lead("smb"), lead("mid_market", mode="rep", rep=rep, reason="named_account"),
                    lead("review", mode="none", reason="conflict"), lead("strategic")]

        def snapshot(x, answer):
            """What the batch answered and wrote for lead x, its own ids replaced."""
            got = {"answer": answer, "written": written(x["lid"], x["wid"]), "rows": rows(
                "SELECT l.queue, l.rep_id, l.reason, l.composite_queue,"
                " l.review_id IS NOT NULL AS in_review, l.rules_version, l.data,"
                " lr_lead_decision(l)::text AS decision, w.response_status, w.response_body,"
                " (SELECT json_agg(json_build_object('queue', a.queue, 'rep', a.rep_id,"
                "  'reason', a.reason, 'unpublished', a.id IS NULL) ORDER BY a.seq)"
                "  FROM assignments a WHERE a.subject_id = l.id) AS assignments,"
                " (SELECT json_agg(json_build_object('actor', g.actor, 'action', g.action,"
                "  'after', g.after - 'review_id') ORDER BY g.id)"
                "  FROM audit_log g WHERE g.subject_id = l.id) AS audit,"
                " (SELECT json_agg(json_build_object('reason', r.reason, 'signals', r.signals))"
                "  FROM reviews r WHERE r.subject_id = l.id) AS reviews"
                " FROM leads l JOIN webhook_events w ON w.subject_id = l.id"
                " WHERE l.id = %s" % q(x["lid"]))}
            text = json.dumps(got, sort_keys=True)
            review = ENV.psql("SELECT review_id FROM leads WHERE id = %s" % q(x["lid"]))
            if review:
                text = text.replace('\\"review_id\\": %s' % review, '\\"review_id\\": \\"R\\"')
            for k in ("wid", "lid", "domain"):
                text = text.replace(x[k], k.upper())
            return json.loads(text)

        common = shapes()
        res_common = commit_leads(common)
        self.assertEqual([s for s, _ in res_common], [201, 201, 201, -1], res_common)
        general = shapes()
        res_general = commit_leads([common[0]] + general)
        self.assertEqual(res_general[0], (200, res_common[0][1]))
        self.assertEqual([s for s, _ in res_general[1:]], [201, 201, 201, -1], res_general)
        for a, ra, b, rb in zip(common, res_common, general, res_general[1:]):
            want = snapshot(a, ra[1])
            self.assertEqual(len(want["rows"]), 0 if a is common[3] else 1, want)
            self.assertEqual(snapshot(b, rb[1]), want, a["queue"])
        self.assertEqual(written(general[3]["lid"], general[3]["wid"]), NOTHING)
        self.assertEqual(json.loads(res_general[1][1])["rep_id"], rep)
        self.assertEqual(turn("smb"), 2)

        twins = ENV.psql("SELECT array_to_json(array_agg(s)) FROM (SELECT 'lr-hc-' || i AS s,"
                         " hashtext('lr-hc-' || i) AS h FROM generate_series(1, 400000) AS i)"
                         " AS x GROUP BY h HAVING count(*) > 1 LIMIT 1")
        pair = json.loads(twins)[:2]
        self.assertEqual(len(set(pair)), 2, twins)
        res = commit_leads([lead("smb", lid=pair[0]), lead("smb", lid=pair[1])])
        self.assertEqual([s for s, _ in res], [201, 201], res)
        self.assertEqual([json.loads(b)["subject_id"] for _, b in res], pair)
        self.assertEqual(turn("smb"), 4)

    def test_owner_answers_for_leads_routed_now(self):
        """In a session whose leadrouter.answer is 'owner' (the service's lanes), a lead
        routed now is answered with only what the database decided, '<review_id>/<rep_id>'
        (the service builds the text); every other answer is the whole decision as before:
        a copy of the webhook-id in the same batch, a second webhook-id for the lead, a
        replay in a later batch."""
        reps = [unique("sf-o")]
        set_cycle("smb", reps)
        full = lead("smb")
        first = inputs_only(full)
        same = dict(first)
        second_wid = dict(first, wid=unique("msg"), sha=unique("sha"))
        review = inputs_only(lead("review", mode="none", reason="conflict"))
        named = inputs_only(lead("mid_market", mode="rep", rep=reps[0], reason="named_account"))

        def owner_commit(leads):
            out = json.loads(psql_script("SET leadrouter.answer = 'owner';\n"
                                         + commit_leads_sql(leads) + ";\n").stdout)
            return [(x["status"], x["body"]) for x in out]

        res = owner_commit([first, same, second_wid, review, named])
        review_id = int(ENV.psql("SELECT id FROM reviews WHERE subject_id = %s" % q(review["lid"])))
        rebuilt = ENV.psql("SELECT lr_lead_decision(l)::text FROM leads l WHERE id = %s"
                           % q(first["lid"]))
        self.assertEqual(res, [(201, "/" + reps[0]), (200, rebuilt), (200, rebuilt),
                               (201, "%d/" % review_id), (201, "/" + reps[0])])
        self.assertEqual(json.loads(rebuilt),
                         json.loads(_dumps(dict(full["decision"], rep_id=reps[0],
                                                review_id=None))))
        self.assertEqual(owner_commit([first, second_wid]), [(200, rebuilt), (200, rebuilt)])
        self.assertEqual(turn("smb"), 1)

    def test_answers_built_from_the_columns(self):
        """p_decision carries only what no other column does (decided_at, account.matched
        and named_owner, signals): any other key of it (earlier releases send the whole
        decision) is ignored, and every answer is built from the columns and those fields,
        as the lead row is written, so it is what lr_lead_decision rebuilds for replays."""
        set_cycle("smb", [unique("sf-d")])
        for key, value in (("event_id", "other"), ("subject", "opportunity"),
                           ("subject_id", "other"), ("queue", "strategic"),
                           ("reason", "named_account"), ("composite_queue", "strategic"),
                           ("rules_version", 2), ("account", {"domain": "other.example",
                                                              "matched": True,
                                                              "named_owner": None})):
            odd = lead("smb")
            odd["decision"] = dict(odd["decision"], **{key: value})
            (status, body), = commit_leads([odd])
            self.assertEqual(status, 201, key)
            self.assertEqual(body, ENV.psql("SELECT lr_lead_decision(l)::text FROM leads l"
                                            " WHERE id = %s" % q(odd["lid"])), key)
            self.assertEqual(json.loads(body)["event_id"], odd["wid"], key)
            self.assertEqual(json.loads(body)["account"]["domain"], odd["domain"], key)
        # What the service sends: only the inputs; and inputs in another form than the
        # service writes (more precision, one decimal) answer as the lead row stores them.
        full = lead("smb")
        slim = inputs_only(full)
        odd = inputs_only(lead("smb"))
        odd["decision"] = dict(odd["decision"], decided_at="2026-03-04T05:06:07.123456+00:00")
        odd["decision"]["signals"] = dict(odd["decision"]["signals"],
                                          expected_acv={"value": 60000.5, "source": "event",
                                                        "vote": "smb"})
        res = commit_leads([slim, odd])
        self.assertEqual([s for s, _ in res], [201, 201])
        self.assertEqual(json.loads(res[0][1]),
                         json.loads(_dumps(dict(full["decision"], rep_id=json.loads(res[0][1])
                                                ["rep_id"], review_id=None))))
        for x, (_, body) in zip((slim, odd), res):
            self.assertEqual(body, ENV.psql("SELECT lr_lead_decision(l)::text FROM leads l"
                                            " WHERE id = %s" % q(x["lid"])))
        self.assertIn('"decided_at": "2026-03-04T05:06:07.123Z"', res[1][1])
        self.assertIn('"value": 60000.50', res[1][1])
        # Every lead needs its inputs.
        p = psql_script(commit_leads_sql([dict(lead("smb"), decision=None)]) + ";",
                        check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("every lead needs its decision's inputs", p.stderr)

    def test_batch_decided_on_a_stale_routing_cache(self):
        """A batch decided by a routing cache (the session's
        leadrouter.decided_at_routing_v) is refused whole, SQLSTATE LR002 and nothing
        written, once the routing version has moved on; at the current version, or with
        no version (decided from a read), it is written."""
        smb = [unique("sf-rc")]
        set_cycle("smb", smb)
        v = int(ENV.psql("SELECT v FROM routing_version"))
        old, cur, unset = lead("smb"), lead("smb"), lead("smb")
        p = psql_script("BEGIN;\nSELECT set_config('leadrouter.decided_at_routing_v', '%d', true);"
                        "\n%s;\nCOMMIT;" % (v - 1, commit_leads_sql([old])), check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("LR002", p.stderr)
        self.assertIn("decided at routing version %d, no longer current" % (v - 1), p.stderr)
        self.assertEqual(written(old["lid"], old["wid"]), NOTHING)
        self.assertEqual(turn("smb"), 0)
        p = psql_script("BEGIN;\nSELECT set_config('leadrouter.decided_at_routing_v', '%d', true);"
                        "\n%s;\nCOMMIT;" % (v, commit_leads_sql([cur])))
        self.assertEqual(json.loads(p.stdout.splitlines()[-1])[0]["status"], 201)
        self.assertEqual(commit_leads([unset])[0][0], 201)
        self.assertEqual(written(cur["lid"], cur["wid"])["assignments"], 1)

    def test_queue_with_no_active_rep(self):
        """A round-robin lead whose queue has no active rep gets -1 and nothing is written
        for it (the server decides it again: review, no_active_rep); the other leads of the
        batch go through. lr_take_turns raises SQLSTATE LR001 for that queue."""
        set_cycle("strategic", [])
        smb = [unique("sf-s")]
        set_cycle("smb", smb)
        empty, fine = lead("strategic"), lead("smb")
        res = commit_leads([empty, fine])
        self.assertEqual(res[0], (-1, None))
        self.assertEqual(res[1][0], 201)
        self.assertEqual(json.loads(res[1][1])["rep_id"], smb[0])
        self.assertEqual(written(empty["lid"], empty["wid"]), NOTHING)
        self.assertEqual(turn("strategic"), 0)
        self.assertEqual(written(fine["lid"], fine["wid"])["assignments"], 1)

        p = psql_script("SELECT * FROM lr_take_turns('strategic', 1);", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("LR001", p.stderr)
        self.assertIn("no active rep in strategic", p.stderr)
        self.assertEqual(turn("strategic"), 0)

        # A named-account lead (mode rep) in that queue takes no turn and is routed.
        named = lead("strategic", mode="rep", rep=smb[0], reason="named_account")
        self.assertEqual(commit_leads([named])[0][0], 201)
        self.assertEqual(assignments_of(named["lid"])[0]["rep_id"], smb[0])

    def test_busy_queue(self):
        """While another transaction holds a queue's turn (its rr_state row lock), a batch
        sent without waiting answers -2 for that queue's leads and writes nothing for them
        (no turn taken) while the other queues' leads go through; a batch sent with p_wait
        waits for the lock (here until lock_timeout); once the lock is gone the lead
        goes through with the next turn."""
        smb, mm = [unique("sf-s")], [unique("sf-m")]
        set_cycle("smb", smb)
        set_cycle("mid_market", mm)
        holder = subprocess.Popen(["psql", ENV.cluster.url, "-X", "-q", "-At",
                                   "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            holder.stdin.write("BEGIN;\nSELECT 'locked' FROM rr_state WHERE segment = 'smb'"
                               " FOR UPDATE;\n")
            holder.stdin.flush()
            ready, _, _ = select.select([holder.stdout], [], [], 20)
            self.assertTrue(ready, "the lock holder did not answer")
            self.assertEqual(holder.stdout.readline().strip(), "locked")

            busy, other = lead("smb"), lead("mid_market")
            res = commit_leads([busy, other], wait=False)
            self.assertEqual(res[0], (-2, None))
            self.assertEqual(res[1][0], 201)
            self.assertEqual(json.loads(res[1][1])["rep_id"], mm[0])
            self.assertEqual(written(busy["lid"], busy["wid"]), NOTHING)

            p = psql_script("SET lock_timeout = '300ms';\n%s;" % commit_leads_sql([busy], True),
                            check=False)
            self.assertNotEqual(p.returncode, 0, "p_wait must wait for the turn")
            self.assertIn("55P03", p.stderr)
            self.assertEqual(written(busy["lid"], busy["wid"]), NOTHING)
        finally:
            if holder.poll() is None:
                try:
                    holder.stdin.write("ROLLBACK;\n")
                    holder.stdin.close()
                    holder.wait(timeout=20)
                except Exception:  # noqa: BLE001
                    holder.kill()
                    holder.wait(timeout=20)
        self.assertEqual(turn("smb"), 0, "a busy queue's turn is not taken")
        res = commit_leads([busy], wait=False)
        self.assertEqual(res[0][0], 201)
        self.assertEqual(json.loads(res[0][1])["rep_id"], smb[0])
        self.assertEqual(turn("smb"), 1)

    # -- lr_take_turns --

    def test_take_turns_one_and_many(self):
        """lr_take_turns(queue, n): the next n turns in cycle order, k = 1..n; one turn at
        a time continues where many left off, and so does a batch of leads; n = 0 takes
        none."""
        reps = [unique("sf-t%d" % i) for i in range(3)]
        set_cycle("mid_market", reps)
        four = ENV.psql("SELECT k || ':' || rep_id FROM lr_take_turns('mid_market', 4)")
        self.assertEqual(four.splitlines(),
                         ["1:" + reps[0], "2:" + reps[1], "3:" + reps[2], "4:" + reps[0]])
        self.assertEqual(turn("mid_market"), 4)
        self.assertEqual(ENV.psql("SELECT rep_id FROM lr_take_turns('mid_market', 1)"), reps[1])
        self.assertEqual(ENV.psql("SELECT count(*) FROM lr_take_turns('mid_market', 0)"), "0")
        self.assertEqual(turn("mid_market"), 5)
        leads = [lead("mid_market") for _ in range(4)]
        res = commit_leads(leads)
        self.assertEqual([json.loads(b)["rep_id"] for _, b in res],
                         [reps[2], reps[0], reps[1], reps[2]])
        self.assertEqual(turn("mid_market"), 9)
        # A rolled-back transaction gives its turns back.
        psql_script("BEGIN;\nSELECT * FROM lr_take_turns('mid_market', 2);\nROLLBACK;")
        self.assertEqual(turn("mid_market"), 9)

    # -- lr_write_assignments --

    def test_write_assignments_rows_and_audit(self):
        """lr_write_assignments writes the rows in array order, unpublished, each with one
        audit row: assignment.created (after = queue, rep_id, reason and the extra keys;
        before as given), or decision.made with the decision's keys added when a decision
        is given; publication numbers them in that order."""
        rep = unique("sf-w")
        set_cycle("smb", [rep])
        lid, oid = unique("sw-l"), unique("sw-o")
        n = ENV.psql(
            "SELECT lr_write_assignments('{lead,opportunity}', %s, '{smb,mid_market}', %s, %s,"
            " '{composite,handoff}', '{1,1}', '{webhook,ops}', %s, %s, %s)" % (
                arr([lid, oid], "text"), arr([rep, None], "text"), arr([None, rep], "text"),
                arr([{"d": 1}, None], "jsonb"),
                arr([None, {"queue": "smb", "rep_id": rep}], "jsonb"),
                arr([{"review_id": None}, None], "jsonb")))
        self.assertEqual(n, "2")
        self.assertEqual(assignments_of(lid) + assignments_of(oid), [
            {"subject": "lead", "subject_id": lid, "queue": "smb", "rep_id": rep,
             "previous_rep_id": None, "reason": "composite", "rules_version": 1,
             "unpublished": True},
            {"subject": "opportunity", "subject_id": oid, "queue": "mid_market",
             "rep_id": None, "previous_rep_id": rep, "reason": "handoff", "rules_version": 1,
             "unpublished": True}])
        self.assertEqual(rows("SELECT actor, action, subject_type, subject_id, before, after"
                              " FROM audit_log WHERE subject_id IN (%s, %s) ORDER BY id"
                              % (q(lid), q(oid))), [
            {"actor": "webhook", "action": "decision.made", "subject_type": "lead",
             "subject_id": lid, "before": None,
             "after": {"queue": "smb", "rep_id": rep, "reason": "composite", "review_id": None,
                       "d": 1}},
            {"actor": "ops", "action": "assignment.created", "subject_type": "opportunity",
             "subject_id": oid, "before": {"queue": "smb", "rep_id": rep},
             "after": {"queue": "mid_market", "rep_id": None, "reason": "handoff"}}])
        self.assertEqual(ENV.psql("SELECT lr_write_assignments('{}', '{}', '{}', '{}', '{}',"
                                  " '{}', '{}', '{}', '{}', '{}', '{}')"), "0")
        ENV.psql("SELECT lr_publish_assignments()")
        ids = [int(ENV.psql("SELECT id FROM assignments WHERE subject_id = %s" % q(x)))
               for x in (lid, oid)]
        self.assertEqual(ids[1], ids[0] + 1, "published in array order")

    # -- the write-back outbox (SPEC 3.6) --

    def test_outbox_rows_follow_the_session_setting(self):
        """lr_write_assignments queues one outbox row per assignment only when the
        session's leadrouter.writeback names a destination: a CRM gets only assignments
        with a rep, the webhook every one; unset, '' or 'none' queue nothing and notify
        nobody; a queued row NOTIFYs leadrouter_outbox at commit."""
        rep = unique("sf-ob")
        set_cycle("smb", [rep])
        cases = [(None, None, []), ("", None, []), ("none", None, []),
                 ("hubspot", rep, ["hubspot"]), ("hubspot", None, []),
                 ("webhook", rep, ["webhook"]), ("webhook", None, ["webhook"])]
        for dest, who, want in cases:
            lid = unique("ob-l")
            out = write_one("lead", lid, who, dest, listen=True)
            self.assertEqual([(o["destination"], o["status"], o["attempts"], o["rep_id"])
                              for o in outbox_of(lid)],
                             [(d, "pending", 0, who) for d in want], (dest, who))
            self.assertEqual("leadrouter_outbox" in out, bool(want), (dest, who, out))

    def test_outbox_supersedes_only_what_is_not_on_the_wire(self):
        """A newer assignment of a subject supersedes its older pending rows of the same
        destination that are not leased (or whose lease passed); a leased row stays
        pending and the newer row waits for it (the claim does not take it)."""
        r1, r2 = unique("sf-sa"), unique("sf-sb")
        set_cycle("smb", [r1, r2])
        lid = unique("ob-s")
        write_one("lead", lid, r1, "webhook")   # another destination: never touched
        write_one("lead", lid, r1, "pipedrive")
        write_one("lead", lid, r2, "pipedrive")
        self.assertEqual(statuses(lid, "pipedrive"), ["superseded", "pending"])
        claimed = claim("pipedrive", 10)
        self.assertEqual(claimed, [outbox_ids(lid, "pipedrive")[1]])
        write_one("lead", lid, r1, "pipedrive")   # the second row is on the wire
        self.assertEqual(statuses(lid, "pipedrive"), ["superseded", "pending", "pending"])
        self.assertEqual(claim("pipedrive", 10), [], "the newest waits for the one on the wire")
        ENV.psql("UPDATE outbox SET lease_until = now() - interval '1 second'"
                 " WHERE id = %d" % claimed[0])
        write_one("lead", lid, r2, "pipedrive")   # that lease passed: not on the wire
        self.assertEqual(statuses(lid, "pipedrive"),
                         ["superseded", "superseded", "superseded", "pending"])
        self.assertEqual(statuses(lid, "webhook"), ["pending"])

    def test_handoff_leases_new_subjects_and_hands_them_back(self):
        """A session whose leadrouter.writeback_handoff holds a lease (the lead lanes of a
        replica whose worker runs) writes the outbox row of a subject that has no
        pending row and no other entry in the call leased for that long, its first
        attempt counted in the same transaction, and appends its id to the transaction's
        leadrouter.handoff; a subject with a pending row (here on the wire) or two entries
        waits for a claim, and only such rows NOTIFY. lr_commit_leads hands the ids back
        as an extra row (ord 0, status 0); a session without the setting gets none."""
        rep = unique("sf-h")
        set_cycle("smb", [rep])
        a, b, c, d = (unique("ho-" + x) for x in "abcd")
        write_one("opportunity", d, rep, "hubspot")
        self.assertEqual(claim("hubspot", 100)[-1:], outbox_ids(d, "hubspot"))  # on the wire
        call = ("SELECT lr_write_assignments(%s, %s, %s, %s, %s, '{composite,composite}',"
                " '{1,1}', '{webhook,webhook}', '{NULL,NULL}', '{NULL,NULL}', '{NULL,NULL}');\n")
        two = lambda x, y: call % (arr(["opportunity"] * 2, "text"), arr([x, y], "text"),  # noqa
                                   arr(["smb"] * 2, "text"), arr([rep] * 2, "text"),
                                   arr([None] * 2, "text"))
        p = psql_script("LISTEN leadrouter_outbox;\n"
                        "SET leadrouter.writeback = 'hubspot';\n"
                        "SET leadrouter.writeback_handoff = '30';\n"
                        "BEGIN;\n" + two(a, d)
                        + "SELECT current_setting('leadrouter.handoff');\n" + two(b, b)
                        + two(c, "x-" + c) + "SELECT current_setting('leadrouter.handoff');\n"
                        "COMMIT;\nSELECT 'after:' || current_setting('leadrouter.handoff', true);\n")
        a1, b1, c1 = (outbox_ids(x, "hubspot")[0] for x in (a, b, c))
        cx = outbox_ids("x-" + c, "hubspot")[0]
        lines = [x for x in p.stdout.splitlines() if x.startswith("{") or x.startswith("after:")]
        self.assertEqual(lines, ["{%d}" % a1, "{%d,%d,%d}" % (a1, c1, cx), "after:"], p.stdout)
        self.assertIn("leadrouter_outbox", p.stdout + p.stderr, "d and b wait for a claim")
        got = rows("SELECT subject_id, attempts, status,"
                   " lease_until BETWEEN created_at + interval '29 seconds'"
                   "                 AND created_at + interval '31 seconds' AS leased,"
                   " first_attempt_at IS NOT DISTINCT FROM created_at AS started_at_insert,"
                   " next_attempt_at = coalesce(lease_until, created_at) AS due_after_lease"
                   # (a row not taken is due at once, a row taken once its lease passed)
                   " FROM outbox WHERE subject_id IN (%s, %s, %s, %s) ORDER BY id"
                   % (q(a), q(b), q(c), q(d)))
        self.assertEqual(got, [
            # d's first: the claim's lease (60 s), its due time left as it was
            {"subject_id": d, "attempts": 1, "status": "pending", "leased": False,
             "started_at_insert": False, "due_after_lease": False},
            {"subject_id": a, "attempts": 1, "status": "pending", "leased": True,
             "started_at_insert": True, "due_after_lease": True},
            {"subject_id": d, "attempts": 0, "status": "pending", "leased": None,
             "started_at_insert": False, "due_after_lease": True},
            {"subject_id": b, "attempts": 0, "status": "pending", "leased": None,
             "started_at_insert": False, "due_after_lease": True},
            {"subject_id": b, "attempts": 0, "status": "pending", "leased": None,
             "started_at_insert": False, "due_after_lease": True},
            {"subject_id": c, "attempts": 1, "status": "pending", "leased": True,
             "started_at_insert": True, "due_after_lease": True}])
        self.assertEqual(claim("hubspot", 100), [b1], "b's second and d's wait for their first")

        # Every row taken: nobody to wake.
        e = unique("ho-e")
        p = psql_script("LISTEN leadrouter_outbox;\nSET leadrouter.writeback = 'hubspot';\n"
                        "SET leadrouter.writeback_handoff = '30';\n"
                        + two(e, "y-" + e) + "SELECT 'done';\n")
        self.assertNotIn("leadrouter_outbox", p.stdout + p.stderr)

        # lr_commit_leads: the answers, then the hand-off.
        one, review = lead("smb"), lead("review", mode="none", reason="conflict")
        script = ("SET leadrouter.writeback = 'webhook';\n"
                  "SET leadrouter.writeback_handoff = '30';\n" + commit_leads_sql([one, review])
                  + ";\n")
        out = json.loads(psql_script(script).stdout)
        ids = [outbox_ids(one["lid"], "webhook")[0], outbox_ids(review["lid"], "webhook")[0]]
        self.assertEqual([(x["ord"], x["status"]) for x in out], [(0, 0), (1, 201), (2, 201)])
        self.assertEqual(out[0]["body"], "{%d,%d}" % tuple(ids))
        plain = lead("smb")
        self.assertEqual([s for s, _ in commit_leads([plain])], [201], "no hand-off row")

    def test_lead_batch_pays_one_outbox_insert_per_lead(self):
        """With write-back on, the lead batch's outbox work is one insert per lead that gets
        a row, and nothing more: a new lead has no older row to look for or supersede, so
        the batch reads no index of the outbox and updates no row of it (issue 10: "the
        outbox row costs the lead batch one more insert per lead"), nor any of assignments
        (an outbox row's assignment is no foreign key, migrations/0017). A review resolution
        of the same lead (no decision: an existing subject) still looks for older rows."""
        rep = unique("sf-one")
        set_cycle("smb", [rep])
        leads = [lead("smb"), lead("smb"), lead("review", mode="none", reason="conflict")]
        stats = ("SELECT json_build_object("
                 " 'inserted', pg_stat_get_xact_tuples_inserted('outbox'::regclass),"
                 " 'updated', pg_stat_get_xact_tuples_updated('outbox'::regclass),"
                 " 'scans', (SELECT json_object_agg(c.relname, pg_stat_get_xact_numscans(c.oid)"
                 "                                  ORDER BY c.relname)"
                 "           FROM pg_class c WHERE c.relname = 'outbox' OR c.oid IN"
                 "             (SELECT indexrelid FROM pg_index"
                 "              WHERE indrelid IN ('outbox'::regclass,"
                 "                                 'assignments'::regclass))));\n")
        p = psql_script("SET leadrouter.writeback = 'hubspot';\n"
                        "SET leadrouter.writeback_handoff = '30';\n"
                        "BEGIN;\n" + commit_leads_sql(leads) + ";\n" + stats + "COMMIT;\n")
        out = [json.loads(x) for x in p.stdout.splitlines() if x.startswith(("[", "{"))]
        self.assertEqual([(x["ord"], x["status"]) for x in out[0]], [(0, 0), (1, 201), (2, 201),
                                                                     (3, 201)])
        self.assertEqual(out[1]["inserted"], 2, "the two leads with a rep; review has none")
        self.assertEqual(out[1]["updated"], 0)
        self.assertEqual(set(out[1]["scans"].values()), {0}, out[1]["scans"])
        self.assertEqual(statuses(leads[0]["lid"], "hubspot"), ["pending"])

        # The lead's next owner (a review resolution's write: no decision) does look.
        p = psql_script("SET leadrouter.writeback = 'hubspot';\n"
                        "BEGIN;\n"
                        "SELECT lr_write_assignments('{lead}', ARRAY[%s], '{smb}', ARRAY[%s],"
                        " '{NULL}', '{review_resolution}', '{1}', '{ops}', '{NULL}', '{NULL}',"
                        " '{NULL}');\n" % (q(leads[0]["lid"]), q(rep)) + stats + "COMMIT;\n")
        after = [json.loads(x) for x in p.stdout.splitlines() if x.startswith("{")][0]
        self.assertEqual(after["inserted"], 1)
        self.assertGreater(after["scans"]["outbox_pending_seq"], 0, after["scans"])
        self.assertGreater(after["scans"]["assignments_subject"], 0, after["scans"])
        self.assertEqual(statuses(leads[0]["lid"], "hubspot"), ["pending", "pending"],
                         "the first is handed to a worker (leased): not superseded")

    def test_claim_order_lease_and_attempts(self):
        """lr_claim_outbox takes due rows oldest first, at most p_max, one per subject at a
        time and in assignment order; it leases them, counts the attempt and starts the
        schedule on the first claim only; a row under a lease, not yet due, or held by
        another transaction is not taken."""
        rep = unique("sf-c")
        set_cycle("smb", [rep])
        x, y, z = unique("ob-x"), unique("ob-y"), unique("ob-z")
        for sid in (x, y, x, z):
            write_one("opportunity", sid, rep, "salesforce")
        x1, x2 = outbox_ids(x, "salesforce")
        y1, z1 = outbox_ids(y, "salesforce")[0], outbox_ids(z, "salesforce")[0]
        # x1 was superseded by x2; made pending again, it stands for a row that was on
        # the wire when x2 was written
        ENV.psql("UPDATE outbox SET status = 'pending' WHERE id = %d" % x1)
        self.assertEqual(claim("salesforce", 1), [x1])
        ENV.psql("UPDATE outbox SET next_attempt_at = now() + interval '1 hour'"
                 " WHERE id = %d" % z1)
        self.assertEqual(claim("salesforce", 10), [y1], "x2 waits for x1; z1 is not due")
        got = rows("SELECT id, attempts, lease_until > now() + interval '50 seconds' AS leased,"
                   " first_attempt_at IS NOT NULL AS started FROM outbox"
                   " WHERE id IN (%d, %d) ORDER BY id" % (x1, y1))
        self.assertEqual(got, [{"id": x1, "attempts": 1, "leased": True, "started": True},
                               {"id": y1, "attempts": 1, "leased": True, "started": True}])
        self.assertEqual(claim("salesforce", 10), [], "leased rows are nobody else's")
        ENV.psql("UPDATE outbox SET status = 'delivered' WHERE id = %d" % x1)
        # y1's lease passed (a replica died): it is taken again, its schedule kept
        first = ENV.psql("WITH u AS (UPDATE outbox SET lease_until = now() - interval '1 second'"
                         " WHERE id = %d RETURNING first_attempt_at) SELECT * FROM u" % y1)
        # another transaction holds x2: skipped, not waited for
        holder = subprocess.Popen(
            ["psql", ENV.cluster.url, "-X", "-q", "-c", "BEGIN", "-c",
             "SELECT 1 FROM outbox WHERE id = %d FOR UPDATE" % x2, "-c", "SELECT pg_sleep(3)"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            harness.wait_until(lambda: ENV.psql(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                " WHERE a.query LIKE 'SELECT pg_sleep%%' AND l.locktype = 'transactionid'")
                != "0", 5, what="the row lock held")
            self.assertEqual(claim("salesforce", 10), [y1])
        finally:
            holder.wait(10)
        self.assertEqual(ENV.psql("SELECT attempts || ' ' || (first_attempt_at = %s)"
                                  " FROM outbox WHERE id = %d" % (q(first), y1)), "2 true")
        self.assertEqual(claim("salesforce", 10), [x2])

    def test_outbox_delivered_records_only_the_claimed_attempt(self):
        """lr_outbox_delivered marks a round of deliveries at once: each row whose claimed
        attempt is still the row's and that is still pending becomes delivered with its
        status (NULL kept), lease cleared; a row claimed again since (another attempt
        number) or no longer pending is left as it is; the ids recorded come back."""
        rep = unique("sf-d")
        set_cycle("smb", [rep])
        sids = [unique("ob-d") for _ in range(4)]
        for sid in sids:
            write_one("lead", sid, rep, "hubspot")
        ids = [outbox_ids(sid, "hubspot")[0] for sid in sids]
        self.assertEqual(sorted(claim("hubspot", 10)), sorted(ids))
        ENV.psql("UPDATE outbox SET attempts = 2 WHERE id = %d" % ids[2])   # claimed again
        ENV.psql("UPDATE outbox SET status = 'dead' WHERE id = %d" % ids[3])
        got = ENV.psql("SELECT coalesce(json_agg(d ORDER BY d), '[]') FROM"
                       " lr_outbox_delivered(%s, '{1,1,1,1}', %s) AS d"
                       % (arr(ids, "bigint"), arr([200, None, 204, 200], "integer")))
        self.assertEqual(json.loads(got), ids[:2])
        self.assertEqual(rows("SELECT status, last_status, lease_until IS NULL AS free,"
                              " delivered_at IS NOT NULL AS at FROM outbox WHERE id IN (%s)"
                              " ORDER BY id" % ", ".join(str(i) for i in ids)), [
            {"status": "delivered", "last_status": 200, "free": True, "at": True},
            {"status": "delivered", "last_status": None, "free": True, "at": True},
            {"status": "pending", "last_status": None, "free": False, "at": False},
            {"status": "dead", "last_status": None, "free": False, "at": False}])
        self.assertEqual(ENV.psql("SELECT count(*) FROM lr_outbox_delivered('{}', '{}', '{}')"),
                         "0")

    def test_outbox_delivered_reads_only_its_rows_once_the_outbox_grows(self):
        """The plan lr_outbox_delivered keeps for its session, made while the outbox was
        empty and never analysed, still reads only the round's rows through outbox_pkey
        once 5,000 pending rows have come: auto_explain's plan of its UPDATE, after eight
        calls on the empty table, finds the outbox by id and through no partial index of
        pending rows. (The session's outbox is a temporary copy that stands in for the
        table by name. The plan that read every pending row at every round fails here.)"""
        script = ("CREATE TEMP TABLE outbox (LIKE public.outbox INCLUDING ALL);\n"
                  "LOAD 'auto_explain';\n"
                  "SET auto_explain.log_min_duration = 0;\n"
                  "SET auto_explain.log_nested_statements = on;\n"
                  + "SELECT count(*) FROM lr_outbox_delivered(array(SELECT"
                  " generate_series(1, 64)::bigint), array_fill(1, '{64}'),"
                  " array_fill(200, '{64}'));\n" * 8
                  + "INSERT INTO outbox (id, assignment_seq, subject, subject_id, destination,"
                  " attempts) SELECT g, g, 'lead', 'l' || g, 'hubspot', 1"
                  " FROM generate_series(1, 5000) AS g;\n"
                  "SET client_min_messages = log;\n"
                  "SELECT count(*), min(d), max(d) FROM lr_outbox_delivered("
                  "array(SELECT generate_series(4001, 4064)::bigint), array_fill(1, '{64}'),"
                  " array_fill(200, '{64}')) AS d;\n")
        p = psql_script(script)
        self.assertEqual(p.stdout.split(), ["0"] * 8 + ["64|4001|4064"])
        plan = p.stderr[p.stderr.index("UPDATE outbox o"):]
        plan = plan[:plan.index("LOCATION:")]
        self.assertRegex(plan, r"Index Cond: \(id = ")
        self.assertEqual(set(re.findall(r"Index Scan (?:using|on) (\S+)", plan)), {"outbox_pkey"})

    def test_outcome_statements_read_only_their_row_once_the_outbox_grows(self):
        """The delivery worker's single-row outcomes (outbox_retry, outbox_dead of
        db/outbox_store.c, taken from the source), prepared while the outbox was empty
        and run eight times, still find their row through outbox_pkey once 5,000
        pending rows have come, and through no full walk of a partial index of pending
        rows (the plans that walked such an index for every outcome failed here)."""
        retry, dead = c_statement("outbox_retry"), c_statement("outbox_dead")
        script = ("CREATE TEMP TABLE outbox (LIKE public.outbox INCLUDING ALL);\n"
                  "LOAD 'auto_explain';\n"
                  "SET auto_explain.log_min_duration = 0;\n"
                  "PREPARE retry(bigint, int, int, text, float8, float8) AS %s;\n"
                  "PREPARE dead(bigint, int, int, text) AS %s;\n" % (retry, dead))
        script += ("EXECUTE retry(1, 1, 503, 'x', 1, 1);\n"
                   "EXECUTE dead(1, 1, 400, 'x');\n") * 8
        script += ("INSERT INTO outbox (id, assignment_seq, subject, subject_id, destination,"
                   " attempts) SELECT g, g, 'lead', 'l' || g, 'hubspot', 1"
                   " FROM generate_series(1, 5000) AS g;\n"
                   "SET client_min_messages = log;\n"
                   "EXECUTE retry(4000, 1, 503, 'x', 1, 1);\n"
                   "EXECUTE dead(4001, 1, 400, 'x');\n"
                   "SET client_min_messages = warning;\n"
                   "SELECT id, status FROM outbox WHERE id IN (4000, 4001) ORDER BY id;\n")
        p = psql_script(script)
        self.assertEqual(p.stdout.split(), ["4000|pending", "4001|dead"])
        plans = p.stderr.split("LOCATION:")
        # Each finds its row (outbox o, or outbox unaliased) through outbox_pkey, and
        # nothing scans the outbox whole (the retry's probe for a newer row of the
        # subject, outbox n, goes through the subject's assignments: the test below).
        for name, alias in (("PREPARE retry", "o"), ("PREPARE dead", "")):
            plan = next(x for x in plans if name in x)
            scans = re.findall(r"(\w+(?: Only)? Scan)(?: using (\S+))? on outbox ?(\w*)", plan)
            self.assertIn(("Index Scan", "outbox_pkey", alias), scans, name)
            self.assertEqual([x for x in scans if x[2] == alias],
                             [("Index Scan", "outbox_pkey", alias)], name)
            self.assertNotIn("Seq Scan", plan, name)

    def test_subject_probes_stay_probes_once_the_outbox_grows(self):
        """The three look-ups of a subject's other pending rows (the claim's older row,
        the supersession of lr_write_assignments, the retry's newer row), planned as the
        write lanes plan them (generic plans) while the outbox and assignments were empty
        and run eight times, still read a handful of entries once 5,000 subjects have a
        pending row: the subject's assignments by (subject, subject_id), then each one's
        pending row by assignment_seq (migrations/0019); every scan of either table in
        them has an index condition. The outcomes are exact: the supersession takes the
        subject's older row, a row whose older row is on the wire waits, an older row of
        another destination does not hold one back, and the retry of the row on the wire
        supersedes it once a newer one has come. (Temporary copies of both tables stand
        in for them by name.)"""
        retry = c_statement("outbox_retry")
        write = ("SELECT lr_write_assignments('{lead}', ARRAY[%s], '{smb}', '{r1}', '{NULL}',"
                 " '{review_resolution}', '{1}', '{ops}', '{NULL}', '{NULL}', '{NULL}');\n")
        script = ("CREATE TEMP TABLE assignments (LIKE public.assignments INCLUDING ALL);\n"
                  "CREATE TEMP TABLE outbox (LIKE public.outbox INCLUDING ALL);\n"
                  "SET leadrouter.writeback = 'hubspot';\n"
                  "SET plan_cache_mode = force_generic_plan;\n"
                  "LOAD 'auto_explain';\n"
                  "SET auto_explain.log_min_duration = 0;\n"
                  "SET auto_explain.log_nested_statements = on;\n"
                  "PREPARE retry(bigint, int, int, text, float8, float8) AS %s;\n" % retry)
        script += "SELECT count(*) FROM lr_claim_outbox('hubspot', 10, 60);\n" * 8
        script += "EXECUTE retry(1, 1, 503, 'x', 1, 1);\n" * 8
        script += "".join(write % q("warm-%d" % i) for i in range(8))
        script += ("UPDATE outbox SET status = 'delivered';\n"
                   "INSERT INTO assignments (subject, subject_id, queue, rep_id, reason,"
                   " rules_version) SELECT 'lead', 'l' || g, 'smb', 'r1', 'composite', 1"
                   " FROM generate_series(1, 5000) AS g;\n"
                   "INSERT INTO outbox (assignment_seq, subject, subject_id, destination)"
                   " SELECT seq, subject, subject_id, 'hubspot' FROM assignments"
                   " WHERE subject_id LIKE 'l%' ORDER BY seq;\n"
                   # an older row of l4002 for another destination
                   "INSERT INTO outbox (id, assignment_seq, subject, subject_id, destination)"
                   " SELECT 0, seq, subject, subject_id, 'pipedrive' FROM assignments"
                   " WHERE subject_id = 'l4002';\n"
                   "SELECT id AS wire FROM outbox WHERE subject_id = 'l4001' \\gset\n"
                   "UPDATE outbox SET attempts = 1, lease_until = now() + interval '1 minute'"
                   " WHERE id = :wire;\n"
                   "SET client_min_messages = log;\n"
                   + write % q("l4000") + write % q("l4001") +
                   "SELECT max(id) AS waits FROM outbox WHERE subject_id = 'l4001' \\gset\n"
                   "SELECT count(*), count(*) FILTER (WHERE c = :waits),"
                   " count(*) FILTER (WHERE c = 0) FROM lr_claim_outbox('hubspot', 10000, 60)"
                   " AS c;\n"
                   "EXECUTE retry(:wire, 1, 503, 'x', 1, 1);\n"
                   "SET client_min_messages = warning;\n"
                   "SELECT subject_id, json_agg(status || ':' || attempts ORDER BY id)"
                   " FROM outbox WHERE subject_id IN ('l4000', 'l4001', 'l4002')"
                   " GROUP BY 1 ORDER BY 1;\n")
        p = psql_script(script)
        self.assertEqual(p.stdout.strip().splitlines(), ["0"] * 8 + ["1"] * 10 + ["4999|0|0"] + [
            'l4000|["superseded:0", "pending:1"]',
            'l4001|["superseded:1", "pending:0"]',
            'l4002|["pending:0", "pending:1"]'])
        plans = [x for x in p.stderr.split("LOCATION:") if "Query Text:" in x]
        probes = {"claim": next(x for x in plans if "FOR UPDATE OF o SKIP LOCKED" in x),
                  "supersession": next(x for x in plans if "superseded AS" in x),
                  "retry": next(x for x in plans if "PREPARE retry" in x)}
        for name, plan in probes.items():
            self.assertNotIn("Seq Scan", plan, name)
            self.assertRegex(plan, r"Index (Only )?Scan using \S+ on assignments a\s+[^\n]*\n"
                             r"\s+Index Cond: \(\(subject = \S+\) AND \(subject_id = ", name)
            self.assertRegex(plan, r"Index Scan using \S+ on outbox \w+\s+[^\n]*\n"
                             r"\s+Index Cond: \(assignment_seq = a\.seq\)", name)
            lines = plan.splitlines()
            for k, line in enumerate(lines):
                if re.search(r"Scan (using \S+ )?on (assignments a|outbox [pn])\b", line):
                    self.assertIn("Index Cond", lines[k + 1], (name, line))

    def test_opportunity_context_finds_open_reviews_by_subject(self):
        """An opportunity event's context (opp_context of db/opportunities_store.c,
        prepared while reviews was empty and run eight times) asks whether its
        opportunity has an open review through reviews_open_opportunity once 5,000 open
        lead reviews have come: no read of every open review (the statement before
        migrations/0016 read them all, and failed here)."""
        ctx = c_statement("opp_context", "opportunities_store.c")
        script = ("CREATE TEMP TABLE reviews (LIKE public.reviews INCLUDING ALL);\n"
                  "LOAD 'auto_explain';\n"
                  "SET auto_explain.log_min_duration = 0;\n"
                  "PREPARE ctx(text, text) AS %s;\n" % ctx)
        script += "EXECUTE ctx('opp-none', 'lead-none');\n" * 8
        script += ("INSERT INTO reviews (subject, subject_id, reason, signals, rules_version)"
                   " SELECT 'lead', 'l' || g, 'conflict', '{}', 1"
                   " FROM generate_series(1, 5000) AS g;\n"
                   "INSERT INTO reviews (subject, subject_id, reason, signals, rules_version)"
                   " VALUES ('opportunity', 'opp-open', 'conflict', '{}', 1);\n"
                   "SET client_min_messages = log;\n"
                   "EXECUTE ctx('opp-open', 'lead-none');\n")
        p = psql_script(script)
        self.assertEqual(p.stdout.strip().split("\n")[-1].split("|")[1], "t", p.stdout)
        plan = [x for x in p.stderr.split("LOCATION:") if "PREPARE ctx" in x][-1]
        self.assertRegex(plan, r"Index (Only )?Scan using reviews_subject_id_idx on reviews v")
        self.assertNotIn("Seq Scan on reviews", plan)
        self.assertNotIn("reviews_opened_at_id_idx", plan)

    # -- migrate --

    def test_migration_0019_refuses_an_invalid_index(self):
        """migrations/0019 keeps an outbox_pending_seq built beforehand by hand, but one
        left invalid by a failed CREATE INDEX CONCURRENTLY would turn every look-up of a
        subject's rows into a walk of the outbox: its check refuses it with a hint, and
        accepts the valid one that migrating built. (The check, taken from the file, runs
        in a transaction that marks the index invalid and is rolled back.)"""
        text = (harness.REPO / "migrations" / "0019_outbox_pending_by_assignment.sql").read_text()
        check = text[text.index("DO $$"):text.index("$$;", text.index("DO $$") + 5) + 3]
        self.assertIn("indisvalid", check)
        ok = psql_script(check + "\nSELECT 'ok';\n")
        self.assertEqual(ok.stdout.split(), ["ok"])
        bad = psql_script("BEGIN;\nUPDATE pg_index SET indisvalid = false"
                          " WHERE indexrelid = 'outbox_pending_seq'::regclass;\n"
                          + check + "\nROLLBACK;\n", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("index outbox_pending_seq is invalid", bad.stderr)
        self.assertIn("DROP INDEX outbox_pending_seq, then migrate again", bad.stderr)
        self.assertEqual(ENV.psql("SELECT indisvalid FROM pg_index"
                                  " WHERE indexrelid = 'outbox_pending_seq'::regclass"), "t")

    def test_migrate_twice_changes_nothing(self):
        """A second `leadrouter migrate` leaves every function as it was (same oid, same
        definition), applies nothing and keeps the schema version; the dropped functions
        are gone and every function in the database comes from a file."""
        before = defs()
        versions = ENV.psql("SELECT string_agg(version::text, ',' ORDER BY version)"
                            " FROM schema_migrations")
        p = ENV.cli("migrate")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('"applied":0', p.stdout + p.stderr)
        self.assertEqual(defs(), before)
        self.assertEqual(ENV.psql("SELECT string_agg(version::text, ',' ORDER BY version)"
                                  " FROM schema_migrations"), versions)
        names = sorted(d["name"] for d in before)
        from_files = sorted(n for _, text in function_files() for n, _ in declared(text))
        self.assertEqual(names, from_files)
        self.assertNotIn("lr_commit_lead", names)
        # kept for the previous release's replicas during a rolling update
        self.assertIn("lr_take_turn", names)

    def test_each_file_is_what_the_database_holds(self):
        """Every file of sql/functions/ is listed once in sql/functions.list; for each,
        the database holds its body, and running the file again (in a transaction rolled
        back) changes no definition."""
        files = function_files()
        on_disk = sorted(f for f in os.listdir(SQL_DIR / "functions") if f.endswith(".sql"))
        self.assertEqual(sorted(n for n, _ in files), on_disk)
        for name, text in files:
            fns = declared(text)
            self.assertTrue(fns, "%s creates no function" % name)
            for fn, body in fns:
                self.assertEqual(name, fn + ".sql", "one function per file, named after it")
                held = ENV.psql("SELECT prosrc FROM pg_proc WHERE proname = %s"
                                " AND pronamespace = current_schema()::regnamespace" % q(fn))
                self.assertEqual(held, body.strip(),
                                 "%s: the database holds another body" % fn)
            out = psql_script("BEGIN;\n%s;\n%s\n%s;\nROLLBACK;\n" % (DEFS_SQL, text, DEFS_SQL))
            before, after = out.stdout.strip().splitlines()
            self.assertEqual(json.loads(after), json.loads(before),
                             "%s: running it again changes a definition" % name)

    def test_a_newer_schema_keeps_its_functions(self):
        """When the database is migrated past this binary (a rollback, a straggling
        replica), `migrate` leaves the functions alone; at the binary's version it
        re-creates them from its files."""
        newer = ("CREATE OR REPLACE FUNCTION lr_money(cents bigint) RETURNS numeric"
                 " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round(cents::numeric / 100, 2)"
                 " /* newer */ $$")
        body = lambda: ENV.psql("SELECT prosrc FROM pg_proc WHERE proname = 'lr_money'")  # noqa: E731
        original = body()
        psql_script("BEGIN;\nINSERT INTO schema_migrations (version, name) VALUES (999999,"
                    " '999999_newer');\n%s;\nCOMMIT;" % newer)
        try:
            p = ENV.cli("migrate")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("/* newer */", body())
        finally:
            ENV.psql("DELETE FROM schema_migrations WHERE version = 999999")
        p = ENV.cli("migrate")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(body(), original)
