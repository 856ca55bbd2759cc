"""The command line (SPEC 4): help that does nothing else, errors that name what is
wrong (exit 2), token list and revoke, `leadrouter check`, the schema check of `serve`
and the readiness answers and log lines that say why."""

import json
import os
import subprocess
import tempfile

import harness
from harness import LRTestCase

ENV = None

COMMANDS = ["serve", "migrate", "check", "token", "token create", "token list",
            "token revoke", "sign", "settings", "version"]


def setUpModule():
    global ENV
    ENV = harness.Env("cli")
    # The cluster alone, unmigrated: the first tests need a database nobody migrated.
    ENV.cluster.start()


def tearDownModule():
    ENV.close()


def schema_version():
    p = ENV.cluster.psql("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if p != "t":
        return 0
    return int(ENV.cluster.psql("SELECT coalesce(max(version), 0) FROM schema_migrations"))


def log_lines(text):
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


class CommandLineTest(LRTestCase):
    """In the order a first set-up meets them: the tests share one cluster."""

    def cli(self, *args, env=None, cwd=None):
        e = ENV.base_env()
        e["LEADROUTER_WEBHOOK_SECRET"] = ENV.secret
        e.update(env or {})
        return subprocess.run([str(harness.BIN)] + list(args), cwd=cwd or str(harness.REPO),
                              env=e, capture_output=True, text=True, timeout=60)

    def test_1_help_does_nothing_else(self):
        port = harness.free_port()
        for cmd in COMMANDS:
            p = self.cli(*cmd.split(), "--help", env={"LEADROUTER_LISTEN": "127.0.0.1:%d" % port})
            self.assertEqual(p.returncode, 0, "%s --help: %r" % (cmd, p))
            self.assertTrue(p.stdout.startswith("usage: leadrouter " + cmd.split()[0]),
                            "%s --help printed %r" % (cmd, p.stdout))
            self.assertEqual(p.stderr, "", cmd)
        for args in (["--help"], ["help"], ["help", "token"]):
            p = self.cli(*args)
            self.assertEqual(p.returncode, 0, args)
            self.assertIn("usage: leadrouter", p.stdout)
        # migrate --help migrated nothing, token create --help created no token.
        self.assertEqual(schema_version(), 0)
        p = self.cli("token", "create", "--role", "admin", "--name", "x", "--help")
        self.assertEqual((p.returncode, p.stdout.count("lr_")), (0, 0))
        p = self.cli("token", "create", "--role", "--help")  # --help wins over a value
        self.assertEqual((p.returncode, p.stdout.count("lr_")), (0, 0))
        self.assertTrue(p.stdout.startswith("usage: leadrouter token create"))

    def test_2_wrong_command_lines_name_the_error(self):
        cases = [
            (["bogus"], "unknown command 'bogus'"),
            (["--bogus", "serve"], "unknown option '--bogus'"),
            (["serve", "--port", "1"], "leadrouter serve: unknown option '--port'"),
            (["serve", "--help=x"], "leadrouter serve: '--help' takes no value"),
            (["-xV"], "leadrouter: unknown option '-x'"),
            (["migrate", "now"], "leadrouter migrate: unexpected argument 'now'"),
            (["token", "create", "--role", "boss", "--name", "x"], "unknown role 'boss'"),
            (["token", "create", "--role", "admin"], "--role and --name are required"),
            (["token", "create", "--role"], "missing a value for '--role'"),
            (["token", "frob"], "unknown action 'frob'"),
            (["token", "revoke"], "leadrouter token revoke: missing argument"),
            (["token", "revoke", "--id", "7"], "leadrouter token revoke: unknown option '--id'"),
            (["token", "revoke", "1234567890123456789"], "is not a token id"),
            (["settings", "--json"], "leadrouter settings: unknown option '--json'"),
            (["--config"], "missing a value for '--config'"),
            ([], "usage: leadrouter"),
        ]
        for args, message in cases:
            p = self.cli(*args)
            self.assertEqual(p.returncode, 2, "%r: %r" % (args, p))
            self.assertIn(message, p.stderr, args)
            self.assertEqual(p.stdout, "", args)
        p = self.cli("--config", "/nonexistent/leadrouter.conf", "migrate")
        self.assertEqual(p.returncode, 2)
        self.assertIn("/nonexistent/leadrouter.conf", p.stderr)
        self.assertEqual(schema_version(), 0)

    def test_3_version(self):
        for args in (["--version"], ["version"]):
            p = self.cli(*args)
            self.assertEqual(p.returncode, 0)
            self.assertRegex(p.stdout, r"^leadrouter \d+\.\d+\.\d+ \(schema \d+\)\n$")

    def test_4_unmigrated_database(self):
        p = self.cli("check")
        self.assertEqual(p.returncode, 1, p)
        self.assertRegex(p.stdout, r"(?m)^database +ok +PostgreSQL 1\d")
        self.assertRegex(p.stdout, r"(?m)^schema +FAIL +behind: version 0, this binary needs "
                                   r"\d+: run `leadrouter migrate`$")
        server = ENV.add_server(start=False, name="unmigrated")
        server.start(wait=False)
        self.assertEqual(server.proc.wait(timeout=30), 1)
        with open(server.log_path) as f:
            lines = log_lines(f.read())
        self.assertEqual([l["msg"] for l in lines if l["level"] == "error"],
                         ["schema behind: run leadrouter migrate, then serve"])
        ENV.servers.remove(server)

    def test_5_migrated_database_and_tokens(self):
        self.assertEqual(self.cli("migrate").returncode, 0)
        p = self.cli("check")
        self.assertEqual(p.returncode, 0, p)
        self.assertRegex(p.stdout, r"(?m)^admin tokens +warn +none live")
        admin = ENV.create_token("admin", "cli-admin")
        reader = ENV.create_token("reader", "cli-dash")
        ENV.create_token("reader", "cli-dash")
        p = self.cli("token", "list")
        self.assertEqual(p.returncode, 0, p)
        rows = [l.split() for l in p.stdout.splitlines()]
        self.assertEqual(rows[0], ["ID", "NAME", "ROLE", "CREATED", "REVOKED"])
        self.assertEqual([(r[1], r[2], r[4]) for r in rows[1:]],
                         [("cli-admin", "admin", "live"), ("cli-dash", "reader", "live"),
                          ("cli-dash", "reader", "live")])
        self.assertNotIn("lr_", p.stdout)  # the tokens themselves are never shown again
        self.assertRegex(self.cli("check").stdout, r"(?m)^admin tokens +ok +1 live$")

        ENV.add_server()
        self.assertStatus(ENV.api("GET", "/v1/reps", token=reader), 200)
        p = self.cli("token", "revoke", "cli-dash")
        self.assertEqual((p.returncode, p.stdout),
                         (0, "revoked token %s (cli-dash, reader)\nrevoked token %s (cli-dash, "
                             "reader)\n" % (rows[2][0], rows[3][0])), p)
        self.assertStatus(ENV.api("GET", "/v1/reps", token=reader), 401)
        admin_id = rows[1][0]
        # An all-digit argument is an id (SPEC 4: NAME|ID), so a name may not be all
        # digits: no token can be mistaken for another.
        p = self.cli("token", "create", "--role", "reader", "--name", admin_id)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not all digits", p.stderr)
        p = self.cli("token", "revoke", admin_id)
        self.assertEqual((p.returncode, p.stdout),
                         (0, "revoked token %s (cli-admin, admin)\n" % admin_id), p)
        self.assertStatus(ENV.api("GET", "/v1/reps", token=admin), 401)
        p = self.cli("token", "revoke", admin_id)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no live token with id '%s'" % admin_id, p.stderr)
        p = self.cli("token", "revoke", "--name", "cli-dash")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no live token named 'cli-dash'", p.stderr)
        p = self.cli("token", "list")
        self.assertEqual([l.split()[4] != "live" for l in p.stdout.splitlines()[1:]],
                         [True, True, True])
        # check names where write-back goes without what a URL may hide.
        p = self.cli("check", env={"LEADROUTER_WRITEBACK": "webhook",
                                   "LEADROUTER_WRITEBACK_URL":
                                       "https://user:pw-s3cret@hooks.example.com:8443/t/tok-s3cret?k=s3cret",
                                   "LEADROUTER_WRITEBACK_SECRET": "whsec_" + "QUJD" * 8})
        self.assertRegex(p.stdout, r"(?m)^writeback +ok +webhook to https://hooks.example.com:8443$")
        self.assertNotIn("s3cret", p.stdout + p.stderr)

    def test_6_readiness_says_why(self):
        if not ENV.servers:
            ENV.add_server()
        srv = ENV.srv
        self.assertStatus(srv.request("GET", "/readyz"), 200)
        target = schema_version()
        # A schema behind this binary (a restored backup, say): a different answer and
        # a different log line from an unreachable PostgreSQL.
        ENV.cluster.psql("CREATE TABLE held AS SELECT * FROM schema_migrations "
                         "WHERE version = %d; DELETE FROM schema_migrations WHERE version = %d"
                         % (target, target))
        try:
            r = srv.request("GET", "/readyz")
            self.assertProblem(r, 503)
            self.assertEqual(r.json()["type"], "urn:leadrouter:problem:schema-behind")
            self.assertEqual(r.json()["detail"],
                             "schema behind: the database is at version %d, this binary needs "
                             "%d: run `leadrouter migrate`" % (target - 1, target))
            srv.request("GET", "/readyz")  # the same state again: no second line
        finally:
            ENV.cluster.psql("INSERT INTO schema_migrations SELECT * FROM held; DROP TABLE held")
        self.assertStatus(srv.request("GET", "/readyz"), 200)
        ENV.cluster.stop()
        try:
            r = srv.request("GET", "/readyz")
            self.assertProblem(r, 503)
            self.assertEqual(r.json()["type"], "urn:leadrouter:problem:not-ready")
        finally:
            ENV.cluster.restart()
        harness.wait_until(lambda: srv.request("GET", "/readyz").status == 200, 20,
                           what="ready again")
        with open(srv.log_path) as f:
            msgs = [l["msg"] for l in log_lines(f.read()) if l["msg"].startswith(("not ready",
                                                                                 "ready"))]
        self.assertEqual(msgs, ["ready", "not ready: schema behind, run leadrouter migrate",
                                "ready", "not ready: PostgreSQL unreachable", "ready"])

    def test_7_schema_newer_than_the_binary(self):
        if not ENV.servers:
            ENV.add_server()
        ENV.cluster.psql("INSERT INTO schema_migrations (version, name) VALUES (9999, 'newer')")
        try:
            # A running replica keeps serving through a rolling update...
            self.assertStatus(ENV.srv.request("GET", "/readyz"), 200)
            # ...but a new one of this (older) binary does not start.
            server = ENV.add_server(start=False, name="older")
            server.start(wait=False)
            self.assertEqual(server.proc.wait(timeout=30), 1)
            ENV.servers.remove(server)
            with open(server.log_path) as f:
                errors = [l["msg"] for l in log_lines(f.read()) if l["level"] == "error"]
            self.assertEqual(errors, ["schema newer than this binary knows: deploy the "
                                      "release that migrated it"])
            p = self.cli("check")
            self.assertEqual(p.returncode, 1)
            self.assertRegex(p.stdout, r"(?m)^schema +FAIL +version 9999 is newer")
        finally:
            ENV.cluster.psql("DELETE FROM schema_migrations WHERE version = 9999")

    def test_8_missing_configuration_file_said_once(self):
        with tempfile.TemporaryDirectory() as d:
            p = self.cli("token", "list", cwd=d, env={"LEADROUTER_LOG_LEVEL": "info"})
        self.assertEqual(p.returncode, 0, p)
        self.assertEqual(p.stderr, "leadrouter: no configuration file: looked for "
                         "config/leadrouter.conf in %s (or give --config FILE or "
                         "LEADROUTER_CONFIG); defaults and LEADROUTER_* variables only\n"
                         % os.path.realpath(d))
        self.assertEqual(p.stdout.splitlines()[0].split()[0], "ID")
        p = self.cli("token", "list")  # from the checkout, whose config/leadrouter.conf exists
        self.assertNotIn("no configuration file", p.stderr)
        p = self.cli("check", "--config", "/dev/null")
        self.assertEqual(p.returncode, 2)  # --config is a global option, before the command
        p = self.cli("--config", "/dev/null", "check")
        self.assertRegex(p.stdout, r"(?m)^configuration +ok +/dev/null$")
