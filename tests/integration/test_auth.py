"""Auth (SPEC 3.4): bearer tokens with roles reader < ops < admin; 401 without a valid
token, 403 when the role is too low; health endpoints need none; tokens stored hashed."""

import harness
from harness import LRTestCase, unique

ENV = None


def setUpModule():
    global ENV
    ENV = harness.start_env("auth")


def tearDownModule():
    ENV.close()


def rep_body(segment="mid_market"):
    return {"name": "Auth Rep", "segment": segment, "active": True, "weight": 1}


class AuthTest(LRTestCase):

    def test_401_without_valid_token(self):
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer nope"},
                        {"Authorization": "Basic YWRtaW46YWRtaW4="},
                        {"Authorization": "Bearer " + ENV.tokens["admin"] + "x"},
                        {"Authorization": ENV.tokens["admin"]}):
            for method, path, body in (("GET", "/v1/reps", None), ("PUT", "/v1/reps/" + unique("a"),
                                                                    rep_body()),
                                       ("GET", "/v1/assignments", None)):
                with self.subTest(headers=headers, path=path):
                    r = ENV.api(method, path, body, role=None, headers=headers)
                    self.assertProblem(r, 401)
        self.assertFalse(any(i["id"].startswith("a-") for i in ENV.reps()))

    def test_reader_reads_but_cannot_write(self):
        self.assertStatus(ENV.api("GET", "/v1/reps", role="reader"), 200)
        self.assertStatus(ENV.api("GET", "/v1/assignments", role="reader"), 200)
        self.assertStatus(ENV.api("GET", "/v1/named-accounts/2030-Q1", role="reader"), 200)
        rid = unique("rdr")
        r = ENV.api("PUT", "/v1/reps/" + rid, rep_body(), role="reader")
        self.assertProblem(r, 403)
        self.assertNotIn(rid, [i["id"] for i in ENV.reps()])
        r = ENV.api("PUT", "/v1/accounts", [{"domain": rid + ".test", "employee_count": 1}], role="reader")
        self.assertProblem(r, 403)
        self.assertProblem(ENV.api("GET", "/v1/accounts/" + rid + ".test", role="reader"), 404)
        r = ENV.api("PUT", "/v1/named-accounts/2030-Q1", [], role="reader")
        self.assertProblem(r, 403)

    def test_ops_manages_reps_accounts_and_lists(self):
        rid = unique("ops")
        self.assertStatus(ENV.api("PUT", "/v1/reps/" + rid, rep_body(), role="ops"), 201)
        r = ENV.api("PUT", "/v1/accounts", [{"domain": rid + ".test", "employee_count": 1,
                                             "expected_acv": None, "fit_score": None}], role="ops")
        self.assertStatus(r, 200)
        r = ENV.api("PUT", "/v1/named-accounts/2030-Q2", [{"domain": rid + ".test", "owner_rep_id": rid}],
                    role="ops")
        self.assertStatus(r, 200)

    def test_admin_does_everything(self):
        rid = unique("adm")
        self.assertStatus(ENV.api("PUT", "/v1/reps/" + rid, rep_body(), role="admin"), 201)
        self.assertStatus(ENV.api("PUT", "/v1/reps/" + rid, rep_body("strategic"), role="admin"), 200)
        r = ENV.api("PUT", "/v1/accounts", [{"domain": rid + ".test", "employee_count": 1,
                                             "expected_acv": None, "fit_score": None}], role="admin")
        self.assertStatus(r, 200)

    def test_new_token_works_immediately(self):
        tok = ENV.create_token("reader", name=unique("late"))
        self.assertStatus(ENV.api("GET", "/v1/reps", token=tok), 200)
        self.assertProblem(ENV.api("PUT", "/v1/reps/" + unique("x"), rep_body(), token=tok), 403)

    def test_health_needs_no_token(self):
        self.assertStatus(ENV.srv.request("GET", "/healthz"), 200)
        self.assertStatus(ENV.srv.request("GET", "/readyz"), 200)

    def test_tokens_stored_hashed(self):
        for role, tok in ENV.tokens.items():
            n = ENV.psql("SELECT count(*) FROM api_tokens t WHERE position('%s' IN row_to_json(t)::text) > 0"
                         % tok.replace("'", "''"))
            self.assertEqual(n, "0", "the plain %s token is stored" % role)


if __name__ == "__main__":
    import unittest
    unittest.main()
