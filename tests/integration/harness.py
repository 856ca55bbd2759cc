"""Integration-test harness for leadrouter (Python 3 standard library only).

One `Env` is a throwaway PostgreSQL cluster (scripts/pgtmp.sh), migrated with
`build/leadrouter migrate`, with admin/ops/reader tokens and one or more
`build/leadrouter serve` processes on 127.0.0.1.  Every network call goes to
127.0.0.1 with a timeout; every process and temporary directory is cleaned up by
Env.close() and, as a safety net, at interpreter exit.

Environment knobs:
  LR_IT_KEEP=1     keep the temporary directories (logs, PostgreSQL data)
  LR_IT_PRISM=1    send Server.request (Env.api, Env.post_event) through Prism's
                   validating proxy and fail on anything that breaks docs/openapi.yaml
                   (contract.py)
"""

import atexit
import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import contract

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / os.environ.get("LEADROUTER_BIN", "build/leadrouter")
PGTMP = REPO / "scripts" / "pgtmp.sh"
HOST = "127.0.0.1"
HTTP_TIMEOUT = 30.0
START_TIMEOUT = 20.0

_lock = threading.Lock()
_envs = []      # every Env created in this process (for log tails and cleanup)
_servers = []   # every Server started in this process


def log(msg):
    sys.stderr.write("[harness] %s\n" % msg)
    sys.stderr.flush()


def _registry(kind, path):
    """Tells the runner's parent process what to clean if this process dies hard."""
    reg = os.environ.get("LR_IT_REGISTRY")
    if reg:
        with _lock, open(reg, "a") as f:
            f.write("%s %s\n" % (kind, path))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def unique(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def current_period(now=None):
    now = now or datetime.now(timezone.utc)
    return "%04d-Q%d" % (now.year, (now.month - 1) // 3 + 1)


def next_period(now=None):
    now = now or datetime.now(timezone.utc)
    q = (now.month - 1) // 3 + 1
    return "%04d-Q%d" % (now.year + (q == 4), 1 if q == 4 else q + 1)


def rfc3339_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tail(path, lines=60):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 200_000))
            data = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(data[-lines:])
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)


def dump_logs(lines=40):
    """Prints the tail of every server log (and PostgreSQL log) of this process."""
    out = []
    with _lock:
        servers = list(_servers)
        envs = list(_envs)
    for s in servers:
        if s.log_path and os.path.exists(s.log_path):
            out.append("----- tail of %s (%s) -----\n%s" % (s.log_path, s.describe(), tail(s.log_path, lines)))
    for e in envs:
        if e.cluster and e.cluster.dir:
            p = os.path.join(e.cluster.dir, "server.log")
            if os.path.exists(p):
                out.append("----- tail of %s -----\n%s" % (p, tail(p, 15)))
    if contract.ENABLED and contract.PRISM.log_path:
        out.append("----- tail of %s (Prism) -----\n%s" % (contract.PRISM.log_path,
                                                          contract.PRISM.log_tail(15)))
    if out:
        sys.stderr.write("\n".join(out) + "\n")
        sys.stderr.flush()


# --------------------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body        # bytes

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"), parse_float=Decimal)

    def __repr__(self):
        b = self.text
        if len(b) > 800:
            b = b[:800] + "...(%d bytes)" % len(self.body)
        return "<HTTP %s %s>" % (self.status, b)


def http_request(port, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT):
    """One request on a new connection to 127.0.0.1:port; returns a Response."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


def read_response(sock, timeout=HTTP_TIMEOUT):
    """Reads one HTTP response from a connected socket."""
    sock.settimeout(timeout)
    r = http.client.HTTPResponse(sock, method="GET")
    r.begin()
    data = r.read()
    return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)


def raw_request_bytes(method, path, body=b"", headers=None):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % HOST, "Connection: close"]
    for k, v in (headers or {}).items():
        lines.append("%s: %s" % (k, v))
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), body


def wait_until(pred, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - polling tolerates failures
            last = e
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" % (timeout, what, last))


# ----------------------------------------------------------------- Standard Webhooks

def post_events_at_once(port, requests, timeout=60):
    """Posts every (body, headers) at the same moment: each thread connects and sends
    all but the last byte, waits on a barrier, then sends the last byte. Returns one
    Response (or the exception) per request, in order."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def worker(i):
        body, headers = requests[i]
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            conn.connect()
            head, _ = raw_request_bytes("POST", "/v1/events", body, headers)
            data = head + body
            conn.sock.sendall(data[:-1])
            barrier.wait(timeout=timeout)
            conn.sock.sendall(data[-1:])
            results[i] = read_response(conn.sock, timeout)
            conn.close()
        except Exception as e:  # noqa: BLE001
            results[i] = e
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    return results


def sign(key, webhook_id, ts, body):
    mac = hmac.new(key, ("%s.%s." % (webhook_id, ts)).encode("utf-8") + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), default=_json_default).encode("utf-8")


def _json_default(o):
    if isinstance(o, Decimal):
        return float(o)  # only used for test payloads that are exact in binary anyway
    raise TypeError(repr(o))


def lead_event(lead_id, timestamp=None, etype="lead.created", **data):
    d = {"id": lead_id}
    d.update(data)
    return {"type": etype, "timestamp": timestamp or rfc3339_now(), "data": d}


# --------------------------------------------------------------------- PostgreSQL

def _pgbin():
    if os.environ.get("PGBIN"):
        return os.environ["PGBIN"]
    base = "/usr/lib/postgresql"
    vers = sorted((v for v in os.listdir(base) if v.isdigit()), key=int)
    return os.path.join(base, vers[-1], "bin")


class Cluster:
    def __init__(self, root):
        self.dir = os.path.join(root, "pg")
        self.url = None
        self.port = None

    def start(self):
        _registry("pg", self.dir)
        p = subprocess.run(["bash", str(PGTMP), "start", self.dir], capture_output=True,
                           text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("pgtmp.sh start failed: %s %s" % (p.stdout, p.stderr))
        self.url = p.stdout.strip().splitlines()[-1]
        with open(os.path.join(self.dir, "port")) as f:
            self.port = int(f.read().strip())
        return self.url

    def stop(self):
        subprocess.run(["bash", str(PGTMP), "stop", self.dir], capture_output=True, timeout=90)

    def restart(self):
        """Starts the stopped cluster again on the same port (so URLs stay valid)."""
        opts = ("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s "
                "-c max_connections=200 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off" % (self.port, self.dir))
        cmd = [os.path.join(_pgbin(), "pg_ctl"), "-D", os.path.join(self.dir, "data"), "-l",
               os.path.join(self.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start"]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
        if p.returncode != 0:
            raise RuntimeError("pg_ctl start failed: %s %s\n%s" % (
                p.stdout, p.stderr, tail(os.path.join(self.dir, "server.log"), 20)))

    def running(self):
        return os.path.exists(os.path.join(self.dir, "data", "postmaster.pid"))

    def psql(self, sql, check=True, timeout=60):
        """Runs SQL with psql; returns stdout (unaligned, tuples only)."""
        p = subprocess.run(["psql", self.url, "-X", "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("psql failed (%d): %s\nSQL: %s" % (p.returncode, p.stderr, sql))
        return p if not check else p.stdout.strip()


# ------------------------------------------------------------------------ servers

class Server:
    def __init__(self, env, name, extra_env=None):
        self.env = env
        self.name = name
        self.extra_env = dict(extra_env or {})
        self.proc = None
        self.port = None
        self.log_path = None
        self.starts = 0
        self.signalled = False  # the harness sent a signal to the current process

    def describe(self):
        st = "not started" if self.proc is None else (
            "running pid %d" % self.proc.pid if self.proc.poll() is None
            else "exited %s%s" % (self.proc.returncode, "" if self.signalled else
                                  " WITHOUT the harness stopping it (a crash, or a signal from"
                                  " outside the harness, e.g. the runner time limit)"))
        return "%s port %s, %s" % (self.name, self.port, st)

    def start(self, wait=True):
        if BIN.exists() is False:
            raise RuntimeError("%s does not exist: build it with make all" % BIN)
        self.starts += 1
        self.signalled = False
        self.port = free_port()
        self.log_path = os.path.join(self.env.logdir, "%s-%d.log" % (self.name, self.starts))
        env = self.env.base_env()
        env["LEADROUTER_LISTEN"] = "%s:%d" % (HOST, self.port)
        env["LEADROUTER_WEBHOOK_SECRET"] = self.env.secret
        # Every test client is 127.0.0.1, and a test that stops a server should not
        # wait out the load-balancer delay; the modules that test those limits set them.
        env["LEADROUTER_MAX_CONNECTIONS_PER_IP"] = "0"
        env["LEADROUTER_SHUTDOWN_DELAY_SECONDS"] = "0"
        env.update(self.extra_env)
        logf = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen([str(BIN), "serve"], cwd=str(REPO), env=env,
                                         stdin=subprocess.DEVNULL, stdout=logf,
                                         stderr=subprocess.STDOUT)
        finally:
            logf.close()
        _registry("pid", str(self.proc.pid))
        with _lock:
            if self not in _servers:
                _servers.append(self)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server %s exited with %s during start:\n%s" % (
                    self.name, self.proc.returncode, tail(self.log_path, 40)))
            try:
                r = http_request(self.port, "GET", "/healthz", timeout=2)
                if r.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server %s not healthy after %ss:\n%s" % (
            self.name, timeout, tail(self.log_path, 40)))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.signalled = True
            self.proc.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM, wait; SIGKILL if it does not exit. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.signalled = True
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log("server %s ignored SIGTERM for %ss; killing" % (self.name, timeout))
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.signalled = True
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self):
        self.stop()
        return self.start()

    # -- requests against this server --

    def request(self, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT):
        """One request; with LR_IT_PRISM=1 through Prism, judged against the contract."""
        if contract.ENABLED:
            status, hdrs, data = contract.PRISM.request(self.port, method, path, body, headers,
                                                        timeout, _direct)
            return Response(status, {k.lower(): v for k, v in hdrs}, data)
        return http_request(self.port, method, path, body, headers, timeout)


def _direct(port, method, path, body, headers, timeout):
    r = http_request(port, method, path, body, headers, timeout)
    return r.status, list(r.headers.items()), r.body


class Env:
    """A PostgreSQL cluster, tokens and server processes for one test module."""

    def __init__(self, name):
        self.name = name
        self.root = tempfile.mkdtemp(prefix="lr-it-%s-" % name)
        os.chmod(self.root, 0o755)  # the cluster runs as `postgres` under this dir
        _registry("root", self.root)
        self.logdir = os.path.join(self.root, "logs")
        os.makedirs(self.logdir)
        self.key = secrets.token_bytes(32)
        self.secret = "whsec_" + base64.b64encode(self.key).decode("ascii")
        self.cluster = Cluster(self.root)
        self.servers = []
        self.tokens = {}
        self.closed = False
        with _lock:
            _envs.append(self)

    # -- set-up --

    def base_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEADROUTER_")}
        env["LEADROUTER_DATABASE_URL"] = self.cluster.url
        return env

    def cli(self, *args, timeout=60):
        p = subprocess.run([str(BIN)] + list(args), cwd=str(REPO), env=self.base_env(),
                           capture_output=True, text=True, timeout=timeout)
        return p

    def start(self, servers=1, extra_env=None):
        if not BIN.exists():
            raise RuntimeError("%s does not exist: build it with make all" % BIN)
        self.cluster.start()
        p = self.cli("migrate")
        if p.returncode != 0:
            raise RuntimeError("leadrouter migrate failed (%d): %s %s" % (p.returncode, p.stdout, p.stderr))
        for role in ("admin", "ops", "reader"):
            self.tokens[role] = self.create_token(role)
        for _ in range(servers):
            self.add_server(extra_env=extra_env)
        return self

    def create_token(self, role, name=None):
        p = self.cli("token", "create", "--role", role, "--name", name or ("it-" + role))
        if p.returncode != 0:
            raise RuntimeError("token create failed (%d): %s %s" % (p.returncode, p.stdout, p.stderr))
        lines = [l.strip() for l in p.stdout.splitlines() if l.strip()]
        if len(lines) != 1:
            raise RuntimeError("token create should print the token alone, got %r" % p.stdout)
        return lines[0]

    def add_server(self, extra_env=None, start=True, name=None):
        s = Server(self, name or "server%d" % (len(self.servers) + 1), extra_env)
        self.servers.append(s)
        if start:
            s.start()
        return s

    @property
    def srv(self):
        return self.servers[0]

    def close(self):
        if self.closed:
            return
        self.closed = True
        for s in self.servers:
            try:
                s.stop(timeout=15)
            except Exception as e:  # noqa: BLE001
                log("stopping %s: %s" % (s.name, e))
                s.kill()
        try:
            self.cluster.stop()
        except Exception as e:  # noqa: BLE001
            log("stopping PostgreSQL: %s" % e)
        if os.environ.get("LR_IT_KEEP"):
            log("kept %s" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- API helpers --

    def api(self, method, path, body=None, role="admin", token=None, content_type=None,
            server=None, headers=None, timeout=HTTP_TIMEOUT):
        h = {}
        tok = token if token is not None else (self.tokens.get(role) if role else None)
        if tok:
            h["Authorization"] = "Bearer " + tok
        if body is not None and not isinstance(body, (bytes, str)):
            body = dumps(body)
            h["Content-Type"] = content_type or "application/json"
        elif body is not None:
            h["Content-Type"] = content_type or "application/json"
        h.update(headers or {})
        return (server or self.srv).request(method, path, body, h, timeout)

    def event_request(self, payload=None, body=None, webhook_id=None, ts=None, key=None,
                      content_type="application/json", signature=None, omit=(), extra=None):
        """Builds (body, headers) for POST /v1/events."""
        if body is None:
            body = dumps(payload)
        elif isinstance(body, str):
            body = body.encode("utf-8")
        wid = webhook_id if webhook_id is not None else unique("msg")
        ts = str(int(time.time())) if ts is None else str(ts)
        sig = signature if signature is not None else sign(key or self.key, wid, ts, body)
        h = {"webhook-id": wid, "webhook-timestamp": ts, "webhook-signature": sig}
        if content_type is not None:
            h["Content-Type"] = content_type
        for k in omit:
            h.pop(k, None)
        h.update(extra or {})
        return body, h

    def post_event(self, payload=None, server=None, timeout=HTTP_TIMEOUT, **kw):
        body, h = self.event_request(payload, **kw)
        return (server or self.srv).request("POST", "/v1/events", body, h, timeout)

    def put_rep(self, rep_id, segment, active=True, weight=1, name=None, expect=(200, 201)):
        r = self.api("PUT", "/v1/reps/" + rep_id,
                     {"name": name or rep_id, "segment": segment, "active": active, "weight": weight})
        if expect and r.status not in expect:
            raise AssertionError("PUT /v1/reps/%s -> %r" % (rep_id, r))
        return r

    def reps(self):
        r = self.api("GET", "/v1/reps", role="reader")
        if r.status != 200:
            raise AssertionError("GET /v1/reps -> %r" % r)
        return r.json()["items"]

    def deactivate_segment(self, segment):
        for rep in self.reps():
            if rep["segment"] == segment and rep["active"]:
                self.put_rep(rep["id"], segment, active=False, weight=rep.get("weight", 1),
                             name=rep.get("name"))

    def all_assignments(self, after=0, limit=1000, query="", server=None):
        items = []
        while True:
            r = self.api("GET", "/v1/assignments?after=%d&limit=%d%s" % (after, limit, query),
                         role="reader", server=server)
            if r.status != 200:
                raise AssertionError("GET /v1/assignments -> %r" % r)
            j = r.json()
            items.extend(j["items"])
            if not j["items"]:
                return items
            after = j["next_after"]

    def psql(self, sql, check=True):
        return self.cluster.psql(sql, check)

    def counts(self):
        """Row counts of the tables an event may write."""
        out = self.psql("SELECT (SELECT count(*) FROM webhook_events), (SELECT count(*) FROM leads),"
                        " (SELECT count(*) FROM assignments), (SELECT count(*) FROM reviews),"
                        " (SELECT count(*) FROM audit_log)")
        keys = ("webhook_events", "leads", "assignments", "reviews", "audit_log")
        return dict(zip(keys, (int(x) for x in out.split("|"))))


def _cleanup_all():
    with _lock:
        envs = list(_envs)
    for e in envs:
        try:
            e.close()
        except Exception as ex:  # noqa: BLE001
            log("cleanup: %s" % ex)


atexit.register(_cleanup_all)


@contextlib.contextmanager
def closed_on_failure(env):
    """For a module's set-up on env: a failure inside prints the logs, closes env and
    goes on up."""
    try:
        yield env
    except BaseException:
        dump_logs()
        env.close()
        raise


def start_env(name, servers=1, extra_env=None):
    """Starts an Env; on failure cleans it up and re-raises."""
    env = Env(name)
    with closed_on_failure(env):
        env.start(servers=servers, extra_env=extra_env)
    return env


# ------------------------------------------------------------------------ helpers

def run_parallel(fn, args, workers=32, timeout=120):
    """Runs fn(arg) for each arg with a thread pool; returns results in order."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=workers) as ex:
        futs = [ex.submit(fn, a) for a in args]
        deadline = time.monotonic() + timeout
        return [f.result(timeout=max(0.1, deadline - time.monotonic())) for f in futs]


def seg_values(segment):
    """Event fields whose three signals all vote for segment."""
    return {
        "smb": {"employee_count": 10, "expected_acv": 1000, "fit_score": 10},
        "mid_market": {"employee_count": 200, "expected_acv": 100000, "fit_score": 60},
        "strategic": {"employee_count": 5000, "expected_acv": 1000000, "fit_score": 90},
    }[segment]


# --------------------------------------------------------------------- assertions

import re as _re
import unittest as _unittest

RFC3339_RE = _re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def dec(v):
    return None if v is None else Decimal(str(v))


class LRTestCase(_unittest.TestCase):
    """unittest.TestCase with leadrouter-specific assertions."""

    maxDiff = 4000

    def assertStatus(self, r, status, msg=None):
        if r.status != status:
            self.fail("expected HTTP %s, got %r%s" % (status, r, (": " + msg) if msg else ""))

    def assertProblem(self, r, status, fields=(), rows=()):
        """RFC 9457 problem of that status; fields: names that must appear in
        errors[].field; rows: (row, field) pairs that must appear in errors."""
        self.assertStatus(r, status)
        ctype = (r.header("content-type") or "").split(";")[0].strip()
        self.assertEqual(ctype, "application/problem+json", "content type of %r" % r)
        body = r.json()
        for k in ("type", "title", "status"):
            self.assertIn(k, body, "problem without %r: %r" % (k, r))
        self.assertEqual(body["status"], status)
        errs = body.get("errors") or []
        if fields or rows:
            self.assertIsInstance(errs, list, "errors must be a list: %r" % r)
        for f in fields:
            self.assertTrue(any(isinstance(e, dict) and e.get("field") == f for e in errs),
                            "errors does not name field %r: %r" % (f, errs))
        for row, f in rows:
            self.assertTrue(any(isinstance(e, dict) and e.get("row") == row and
                                (f is None or e.get("field") == f) for e in errs),
                            "errors does not name row %r field %r: %r" % (row, f, errs))
        return body

    def assertSignal(self, decision, name, value, source, vote):
        s = decision["signals"][name]
        if value is None:
            self.assertIsNone(s.get("value"), "signal %s: %r" % (name, s))
        else:
            self.assertEqual(dec(s.get("value")), dec(value), "signal %s value: %r" % (name, s))
        self.assertEqual(s.get("source"), source, "signal %s source: %r" % (name, s))
        self.assertEqual(s.get("vote"), vote, "signal %s vote: %r" % (name, s))

    def assertDecision(self, d, queue, rep_id, reason, composite, review=None):
        got = {k: d.get(k) for k in ("queue", "rep_id", "reason", "composite_queue")}
        want = {"queue": queue, "rep_id": rep_id, "reason": reason, "composite_queue": composite}
        self.assertEqual(got, want, "decision: %s" % json.dumps(d, default=str))
        if review is None:
            review = queue == "review"
        if review:
            self.assertIsInstance(d.get("review_id"), int, "review_id: %r" % d)
        else:
            self.assertIsNone(d.get("review_id"), "review_id: %r" % d)
