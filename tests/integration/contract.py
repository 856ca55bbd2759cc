"""The API contract in the integration suite: requests through Prism's validating proxy.

With LR_IT_PRISM=1 every request a test sends with Server.request (and so Env.api and
Env.post_event) goes to a Prism proxy (`prism proxy docs/openapi.yaml`, one per test
process) in front of the server, and the answer is judged against the document:

  * a response that breaks the document (a body or header that does not match its
    schema, a status or content type the operation does not list) fails the test;
  * a request the document refuses is fine when the server refused it too (4xx: the
    tests send bad input on purpose), or could not serve it (503); answered otherwise
    it fails the test (the document and the server disagree about what is valid, or
    the sender's fault became a 500);
  * a method and path the document does not have is fine when the server answered
    404 or 405, and fails the test otherwise (an undocumented operation).

Prism runs without --errors: with it, Prism would answer a request it finds invalid
itself (422/401) instead of passing it on, so the server's answer to the tests' bad
input would never be seen, let alone validated. Prism reports every finding in its
`sl-violations` header instead, and this module decides as above.

Prism parses a JSON body and sends it on re-serialised (JSON.stringify), which changes
the bytes: signatures over the body, money written as 60000.10, numbers beyond a
double and byte-order marks would not survive. So Prism's upstream is not the server
but a tap in this process: the tap sends the server the request exactly as the test
wrote it (method, path, headers, body), and the test gets the server's answer exactly
as the server wrote it; Prism validates the same request and answer in between. The
tap also lets one Prism serve every server of the process, whatever its port (a
restart changes it), by a header naming the port.

A request goes straight to the server, and is counted as such, when Prism cannot
carry it: a body over Prism's 10 MiB limit, a JSON body that is not JSON, a header
value Node's HTTP parser refuses, or anything Prism answers itself without passing it
on. Tests that need the socket itself (slow clients, connection limits, requests held
open across a SIGTERM, concurrent sends released at one instant) use raw sockets or
harness.http_request, which are always direct.
"""

import atexit
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = REPO / "docs" / "openapi.yaml"
PRISM_BIN = REPO / "node_modules" / ".bin" / "prism"
HOST = "127.0.0.1"
ENABLED = os.environ.get("LR_IT_PRISM") == "1"
PRISM_BODY_LIMIT = 10 * 1024 * 1024  # micri's "10mb" in Prism's HTTP server
START_TIMEOUT = float(os.environ.get("LR_IT_PRISM_START_TIMEOUT", "60"))
TAP_HEADER = "x-lr-it-tap"

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authenticate", "proxy-authorization", "content-length"}


class ContractViolation(AssertionError):
    """A request or response that breaks docs/openapi.yaml."""


def _log(msg):
    sys.stderr.write("[contract] %s\n" % msg)
    sys.stderr.flush()


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------ the tap

class _Exchange:
    """One request on its way through Prism: what the test sent, what the server said."""

    def __init__(self, port, method, path, headers, body, timeout):
        self.port = port
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.received = False  # the tap got it from Prism (so the server may have too)
        self.response = None   # (status, reason, [(name, value)], body)
        self.error = None      # the exception the direct request would have raised


class _TapHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "leadrouter-it-tap"

    def log_message(self, fmt, *args):  # noqa: D401 - quiet
        pass

    def _drain_body(self):
        """Reads (and drops) the body Prism re-serialised: the test's own bytes go on."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                self.rfile.read(size + 2)
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            chunk = self.rfile.read(min(n, 1 << 20))
            if not chunk:
                return
            n -= len(chunk)

    def _handle(self):
        self._drain_body()
        ex = self.server.tap.take(self.headers.get(TAP_HEADER))
        if ex is None:
            self._reply(599, "Unknown tap", [], b"no such exchange")
            return
        ex.received = True
        # Exactly as harness.http_request sends a request straight to the server.
        conn = http.client.HTTPConnection(HOST, ex.port, timeout=ex.timeout)
        try:
            conn.request(ex.method, ex.path, body=ex.body, headers=ex.headers)
            r = conn.getresponse()
            data = r.read()
            ex.response = (r.status, r.reason, r.getheaders(), data)
        except Exception as e:  # noqa: BLE001 - handed to the test as the direct request would
            ex.error = e
            self._reply(599, "Upstream failed", [], repr(e).encode("utf-8", "replace"))
            return
        finally:
            conn.close()
        status, reason, headers, data = ex.response
        hidden = set(_HOP_BY_HOP)
        if ex.method == "HEAD":
            # Prism parses the body of a JSON answer even to HEAD and fails on the empty
            # one; a HEAD operation has no content to validate.
            hidden.add("content-type")
        self._reply(status, reason, [(k, v) for k, v in headers if k.lower() not in hidden], data)

    def _reply(self, status, reason, headers, body):
        self.send_response_only(status, reason or None)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle


class _TapServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__((HOST, 0), _TapHandler)
        self.tap = self
        self._lock = threading.Lock()
        self._waiting = {}

    def put(self, ex):
        key = uuid.uuid4().hex
        with self._lock:
            self._waiting[key] = ex
        return key

    def take(self, key):
        with self._lock:
            return self._waiting.pop(key, None) if key else None

    def drop(self, key):
        with self._lock:
            self._waiting.pop(key, None)


# ------------------------------------------------------------------------ Prism

class Prism:
    """One Prism proxy and its tap for this test process, started on first use."""

    def __init__(self):
        self._lock = threading.Lock()
        self.proc = None
        self.port = None
        self.tap = None
        self.log_path = None
        self.logdir = None
        self.stats = Counter()
        self._stats_lock = threading.Lock()
        self.violations = []

    # -- life cycle --

    def ensure_started(self):
        with self._lock:
            if self.proc is not None and self.proc.poll() is None:
                return
            if self.proc is not None:
                _log("Prism exited with %s; starting another. Its log ends:\n%s"
                     % (self.proc.returncode, self.log_tail(12)))
                self.count("prism restarts")
                self.proc = None
            if not PRISM_BIN.exists():
                raise RuntimeError("%s is missing: run `make deps` (npm ci) first" % PRISM_BIN)
            if self.tap is None:
                self.tap = _TapServer()
                threading.Thread(target=self.tap.serve_forever, kwargs={"poll_interval": 0.2},
                                 daemon=True).start()
            if self.logdir is None:
                self.logdir = tempfile.mkdtemp(prefix="lr-it-prism-")
                reg = os.environ.get("LR_IT_REGISTRY")
                if reg:
                    with open(reg, "a") as f:
                        f.write("root %s\n" % self.logdir)
            last = None
            for attempt in range(3):
                try:
                    self._start_once(attempt)
                    return
                except RuntimeError as e:
                    last = e
            raise last

    def _start_once(self, attempt):
        self.port = _free_port()
        self.log_path = os.path.join(self.logdir, "prism-%d.log" % (attempt + 1))
        cmd = [str(PRISM_BIN), "proxy", str(DOCUMENT), "http://%s:%d" % (HOST, self.tap.server_port),
               "--host", HOST, "--port", str(self.port), "--cors", "false",
               "--verboseLevel", "warn"]
        logf = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(cmd, cwd=str(REPO), stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=subprocess.STDOUT)
        finally:
            logf.close()
        reg = os.environ.get("LR_IT_REGISTRY")
        if reg:
            with open(reg, "a") as f:
                f.write("prism %d\n" % self.proc.pid)
        t0 = time.monotonic()
        while time.monotonic() - t0 < START_TIMEOUT:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                self.proc = None
                raise RuntimeError("Prism exited during start:\n%s" % tail)
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                self.count("prism starts")
                with self._stats_lock:
                    self.stats["prism start ms"] += int((time.monotonic() - t0) * 1000)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        self.proc = None
        raise RuntimeError("Prism did not listen within %ss:\n%s" % (START_TIMEOUT, self.log_tail()))

    def stop(self):
        p = self.proc
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        if self.tap is not None:
            self.tap.shutdown()
            self.tap.server_close()
            self.tap = None

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read()[-20000:].decode("utf-8", "replace").splitlines()[-lines:])
        except (OSError, TypeError):
            return "(no Prism log)"

    # -- requests --

    def request(self, port, method, path, body, headers, timeout, direct):
        """One request to the server on `port` through Prism; `direct` sends one straight
        to the server (harness.http_request). Returns what the server answered."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = dict(headers or {})
        why = self._not_carried(method, path, body or b"", headers)
        if why is not None:
            self.count("direct: " + why)
            return direct(port, method, path, body, headers, timeout)
        self.ensure_started()
        ex = _Exchange(port, method, path, headers, body, timeout)
        key = self.tap.put(ex)
        sent = dict(headers)
        sent[TAP_HEADER] = key
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout + 10)
            try:
                conn.request(method, path, body=body, headers=sent)
                pr = conn.getresponse()
                pbody = pr.read()
                pheaders = {k.lower(): v for k, v in pr.getheaders()}
                pstatus = pr.status
            finally:
                conn.close()
        except OSError:
            if not ex.received:
                self.tap.drop(key)
                time.sleep(0.2)
                if self.proc is not None and self.proc.poll() is not None:
                    self.count("direct: Prism crashed on it (restarted)")
                else:
                    self.count("direct: Prism did not answer")
                return direct(port, method, path, body, headers, timeout)
            if ex.error is not None:
                raise ex.error from None
            if ex.response is None:
                raise  # the server did not answer in time either: as a direct request
            # The server answered, Prism did not pass the answer on: nothing to judge.
            self.count("sent through Prism, not judged (Prism did not answer)")
            return ex.response[0], ex.response[2], ex.response[3]
        finally:
            self.tap.drop(key)
        if not ex.received:
            # Prism answered by itself and the server never saw the request.
            self.count("direct: Prism refused to pass it on (%s)" % pstatus)
            return direct(port, method, path, body, headers, timeout)
        self.count("through Prism")
        if ex.error is not None:
            raise ex.error
        status, _reason, rheaders, rbody = ex.response
        self._judge(method, path, status, rheaders, rbody, pstatus, pheaders, pbody)
        return status, rheaders, rbody

    def count(self, what):
        with self._stats_lock:
            self.stats[what] += 1

    @staticmethod
    def _not_carried(method, path, body, headers):
        # Prism decodes path segments with decodeURIComponent, which throws on a bad
        # escape or bytes that are not UTF-8, and the throw ends the Prism process.
        raw_path = path.split("?", 1)[0]
        if re.search(r"%(?![0-9A-Fa-f]{2})", raw_path):
            return "a path with a bad percent escape"
        try:
            urllib.parse.unquote_to_bytes(raw_path).decode("utf-8")
        except UnicodeDecodeError:
            return "a path that is not UTF-8"
        if len(body) > PRISM_BODY_LIMIT - 1024:
            return "body over Prism's 10 MiB limit"
        if body and method in ("GET", "HEAD"):
            return "GET or HEAD with a body"
        for k, v in headers.items():
            raw = v if isinstance(v, bytes) else str(v).encode("latin-1", "replace")
            if any(b < 0x20 and b != 0x09 for b in raw) or b"\x7f" in raw:
                return "a header value with control characters"
            if not isinstance(v, bytes) and any(ord(c) > 0xFF for c in str(v)):
                return "a header value beyond Latin-1"
        ctype = ""
        for k, v in headers.items():
            if k.lower() == "content-type":
                ctype = (v.decode("latin-1") if isinstance(v, bytes) else str(v)).lower()
        mtype = ctype.split(";")[0].strip()
        if body and (mtype == "application/json" or mtype.endswith("+json")):
            try:
                json.loads(body.decode("utf-8"), parse_constant=_no_constants)
            except (ValueError, UnicodeDecodeError):
                return "a JSON body that is not JSON"
            except RecursionError:
                return "a JSON body nested deeper than Python reads"
        return None

    def _judge(self, method, path, status, rheaders, rbody, pstatus, pheaders, pbody):
        problems = []
        raw = pheaders.get("sl-violations")
        found = []
        if raw:
            try:
                found = json.loads(raw)
            except ValueError:
                found = [{"location": ["response"], "severity": "Error",
                          "message": "(more violations than Prism's header holds) " + raw[:2000]}]
        for v in found:
            where = (v.get("location") or ["?"])[0]
            msg = v.get("message", "")
            loc = ".".join(str(x) for x in (v.get("location") or []))
            if where == "response":
                problems.append("response breaks the contract: %s %s" % (loc, msg))
            elif msg == "Selected route not found":
                if status not in (404, 405):
                    problems.append("%s %s is not in the document, but the server answered %d"
                                    % (method, path.split("?")[0], status))
            elif not (400 <= status < 500 or status == 503):
                # Bad input is refused (4xx), or not looked at while the server cannot
                # serve (503); accepted, or a 500, it breaks the contract (and SPEC: the
                # sender's fault is never a 5xx).
                problems.append("the document refuses this request (%s %s), but the server "
                                "answered %d" % (loc, msg, status))
        if pstatus != status:
            problems.append("Prism answered %d where the server answered %d: %s"
                            % (pstatus, status, pbody[:600].decode("utf-8", "replace")))
        if not problems:
            return
        ctype = next((v for k, v in rheaders if k.lower() == "content-type"), "")
        text = ("%s %s -> %d %s\n  %s\n  body: %s" % (
            method, path, status, ctype, "\n  ".join(problems),
            rbody[:800].decode("utf-8", "replace")))
        self.violations.append(text)
        self.count("contract violations")
        path_v = os.environ.get("LR_IT_VIOLATIONS")
        if path_v:
            with self._stats_lock, open(path_v, "a") as f:
                f.write(json.dumps({"violation": text}) + "\n")
        raise ContractViolation("docs/openapi.yaml: " + text)

    def write_stats(self):
        path = os.environ.get("LR_IT_PRISM_STATS")
        if path and self.stats:
            with open(path, "a") as f:
                f.write(json.dumps(dict(self.stats)) + "\n")


def _no_constants(name):
    raise ValueError("not JSON: %s" % name)


PRISM = Prism()


def _at_exit():
    PRISM.write_stats()
    PRISM.stop()
    if PRISM.logdir and not os.environ.get("LR_IT_KEEP"):
        shutil.rmtree(PRISM.logdir, ignore_errors=True)


atexit.register(_at_exit)
