"""Round robin fairness (SPEC 2.6) under concurrency, weights, pauses, restarts and two
server processes on one database. This module has its own database; every test first
deactivates the reps already in the segment it uses and creates fresh ones."""

import collections

import harness
from harness import LRTestCase, lead_event, seg_values, unique

ENV = None


def setUpModule():
    global ENV
    ENV = harness.start_env("fairness", servers=2)


def tearDownModule():
    ENV.close()


class FairnessTest(LRTestCase):

    def fresh_reps(self, segment, weights):
        ENV.deactivate_segment(segment)
        prefix = unique("rr")
        ids = ["%s-%d" % (prefix, i) for i in range(len(weights))]
        for rid, w in zip(ids, weights):
            r = ENV.put_rep(rid, segment, weight=w)
            self.assertStatus(r, 201)
        return ids

    def post(self, segment, server=None):
        lead_id = unique("fair")
        r = ENV.post_event(lead_event(lead_id, **seg_values(segment)), server=server)
        return lead_id, r

    def post_many(self, segment, n, servers=None, workers=32):
        servers = servers or [ENV.servers[0]]

        def one(i):
            return self.post(segment, servers[i % len(servers)])
        results = harness.run_parallel(one, range(n), workers=workers, timeout=150)
        reps = []
        for lead_id, r in results:
            self.assertStatus(r, 201, lead_id)
            d = r.json()
            self.assertEqual((d["queue"], d["reason"], d["composite_queue"]),
                             (segment, "composite", segment), d)
            reps.append(d["rep_id"])
        return reps

    def post_sequential(self, segment, n, server=None):
        reps = []
        for _ in range(n):
            lead_id, r = self.post(segment, server)
            self.assertStatus(r, 201, lead_id)
            reps.append(r.json()["rep_id"])
        return reps

    def server_counts(self, rep_ids):
        """Assignments per rep as GET /v1/assignments?rep_id= reports them."""
        return {rid: len(ENV.all_assignments(query="&rep_id=" + rid)) for rid in rep_ids}

    def test_equal_weights_300_concurrent(self):
        ids = self.fresh_reps("smb", [1, 1, 1])
        reps = self.post_many("smb", 300)
        want = {rid: 100 for rid in ids}
        self.assertEqual(dict(collections.Counter(reps)), want)
        self.assertEqual(self.server_counts(ids), want)

    def test_weights_1_2_3_over_600(self):
        ids = self.fresh_reps("mid_market", [1, 2, 3])
        reps = self.post_many("mid_market", 600)
        want = {ids[0]: 100, ids[1]: 200, ids[2]: 300}
        self.assertEqual(dict(collections.Counter(reps)), want)
        self.assertEqual(self.server_counts(ids), want)

    def test_weighted_turns_are_spread(self):
        ids = self.fresh_reps("strategic", [1, 2, 3])
        seq = self.post_sequential("strategic", 18)
        # Any 6 consecutive turns form one full cycle: 1, 2 and 3 turns.
        for i in range(len(seq) - 5):
            c = collections.Counter(seq[i:i + 6])
            self.assertEqual((c[ids[0]], c[ids[1]], c[ids[2]]), (1, 2, 3),
                             "turns %d..%d: %s" % (i, i + 5, seq))
        # Smooth: the weight-3 rep never takes three turns in a row.
        for i in range(len(seq) - 2):
            self.assertFalse(seq[i] == seq[i + 1] == seq[i + 2], "burst in %s" % seq)

    def test_paused_rep_gets_none_and_no_catch_up(self):
        a, b, c = self.fresh_reps("strategic", [1, 1, 1])
        reps = self.post_many("strategic", 30, workers=16)
        self.assertEqual(dict(collections.Counter(reps)), {a: 10, b: 10, c: 10})

        ENV.put_rep(c, "strategic", active=False)
        reps = self.post_many("strategic", 30, workers=16)
        self.assertEqual(dict(collections.Counter(reps)), {a: 15, b: 15})

        ENV.put_rep(c, "strategic", active=True)
        seq = self.post_sequential("strategic", 30)
        self.assertEqual(dict(collections.Counter(seq)), {a: 10, b: 10, c: 10}, seq)
        # No burst for the returning rep: every 3 consecutive turns go to 3 different reps.
        for i in range(len(seq) - 2):
            self.assertEqual(len(set(seq[i:i + 3])), 3, "turns after return: %s" % seq)

    def test_turn_state_survives_restart(self):
        ids = self.fresh_reps("smb", [1, 1, 1])
        srv = ENV.servers[0]
        before = self.post_sequential("smb", 4, srv)
        srv.restart()
        after = self.post_sequential("smb", 5, srv)
        seq = before + after
        self.assertEqual(dict(collections.Counter(seq)), {rid: 3 for rid in ids}, seq)
        for i in range(len(seq) - 2):
            self.assertEqual(len(set(seq[i:i + 3])), 3, "turns across the restart: %s" % seq)

    def test_two_servers_300_concurrent(self):
        ids = self.fresh_reps("smb", [1, 1, 1])
        self.assertTrue(all(s.alive() for s in ENV.servers))
        reps = self.post_many("smb", 300, servers=ENV.servers)
        want = {rid: 100 for rid in ids}
        self.assertEqual(dict(collections.Counter(reps)), want)
        self.assertEqual(self.server_counts(ids), want)

    def test_two_servers_weighted_600(self):
        ids = self.fresh_reps("mid_market", [1, 2, 3])
        reps = self.post_many("mid_market", 600, servers=ENV.servers)
        self.assertEqual(dict(collections.Counter(reps)), {ids[0]: 100, ids[1]: 200, ids[2]: 300})


if __name__ == "__main__":
    import unittest
    unittest.main()
