"""A fake CRM for the write-back tests (Python 3 standard library only).

A threaded HTTP/1.1 server on 127.0.0.1 that records every call (method, path, query,
headers, body, arrival time, when it answered and with what) and answers as the test
scripts it: per path (a queue of replies, consumed in order), for the next calls
whatever their path, or a default. Replies: any status with a body and headers (200,
204, 400 with a JSON message, 429 with Retry-After, 503, ...), optionally after a
delay, or a hang (read the request, answer nothing, close after `seconds` or as soon
as the client gives up).

    crm = FakeCRM().start()
    crm.script("/crm/v3/objects/contacts/L1", error(503), ok())
    ...
    calls = crm.wait_for(2, timeout=10, path="/crm/v3/objects/contacts/L1")
    crm.stop()

Times are time.monotonic() values, comparable with the test's own. Everything is
bounded: a hang ends after its seconds, a delay is cut short by stop(), idle
keep-alive connections are closed after 30 s and by stop(). Self-test:
`python3 tests/integration/fakecrm.py`.
"""

import http.client
import json
import select
import socket
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOST = "127.0.0.1"


class Reply:
    """One scripted answer. hang: seconds to hold the request without answering."""

    def __init__(self, status=200, body=b"", headers=None, delay=0.0, hang=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.delay = delay
        self.hang = hang

    def __repr__(self):
        if self.hang is not None:
            return "<Reply hang %ss>" % self.hang
        return "<Reply %s%s>" % (self.status, " after %ss" % self.delay if self.delay else "")


def ok(status=200, body=None, delay=0.0):
    if body is None and status != 204:
        body = {"ok": True}
    return Reply(status, body or b"", delay=delay)


def error(status, message=None, headers=None, delay=0.0):
    body = {"status": "error", "message": message} if message is not None else b""
    return Reply(status, body, headers=headers, delay=delay)


def retry_after(seconds, status=429, message="rate limited"):
    return Reply(status, {"status": "error", "message": message},
                 headers={"Retry-After": str(seconds)})


def hang(seconds):
    return Reply(hang=seconds)


class Call:
    """One recorded request."""

    def __init__(self, seq, method, target, headers, body, arrived):
        self.seq = seq
        self.method = method
        parts = urlsplit(target)
        self.path = parts.path
        self.query = parts.query
        self.headers = headers          # lower-case name -> value (last one wins)
        self.header_list = []           # (name, value) as received
        self.body = body                # bytes
        self.arrived = arrived          # monotonic, when the whole request was read
        self.wall = time.time()         # wall clock at arrival
        self.reply = None               # the Reply chosen
        self.status = None              # status sent (None: no answer, a hang)
        self.answered_at = None         # monotonic, when the answer was sent
        self.client_gone_at = None      # monotonic, when a hung request's client left

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        b = self.body.decode("utf-8", "replace")
        if len(b) > 300:
            b = b[:300] + "..."
        return "<Call #%d %s %s %s -> %s>" % (self.seq, self.method, self.path, b, self.status)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, fake):
        self.fake = fake
        super().__init__(addr, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is closed after this

    def log_message(self, fmt, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, False)

    def _handle(self):
        fake = self.server.fake
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        call = fake._record(self.command, self.path, self.headers, body)
        reply = call.reply
        if reply.hang is not None:
            self._hang(call, reply.hang)
            return
        if reply.delay and fake._stopping.wait(reply.delay):
            self.close_connection = True
            return
        with fake._cond:
            call.status = reply.status  # set before the client can see the answer
        try:
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            if reply.status not in (204, 304):
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.status not in (204, 304) and reply.body:
                self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            with fake._cond:
                call.status = None
                fake._cond.notify_all()
            return
        with fake._cond:
            call.answered_at = time.monotonic()
            fake._cond.notify_all()

    def _hang(self, call, seconds):
        """Answers nothing; returns when the client closes, after `seconds`, or on stop."""
        fake = self.server.fake
        self.close_connection = True
        deadline = time.monotonic() + seconds
        sock = self.connection
        while not fake._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                r, _, _ = select.select([sock], [], [], min(0.05, left))
                if r and sock.recv(1, socket.MSG_PEEK) == b"":
                    with fake._cond:
                        call.client_gone_at = time.monotonic()
                        fake._cond.notify_all()
                    break
            except (OSError, ValueError):
                with fake._cond:
                    call.client_gone_at = time.monotonic()
                    fake._cond.notify_all()
                break

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class FakeCRM:
    def __init__(self, port=None, default=None):
        self.port = port
        self.default = default or ok()
        self._calls = []
        self._scripts = {}       # path -> deque of Reply
        self._next = deque()     # replies for the next calls, whatever the path
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._conns = set()
        self._server = None
        self._thread = None

    # -- life cycle --

    def start(self):
        self._stopping.clear()
        self._server = _Server((HOST, self.port or 0), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops listening and drops every open connection (hung ones included)."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._cond:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)
        self._server = None

    def running(self):
        return self._server is not None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return "http://%s:%d" % (HOST, self.port)

    # -- scripting --

    def script(self, path, *replies):
        """Replies for calls to `path` (the URL path without the query), in order; once
        they are used up, calls get the default."""
        with self._cond:
            self._scripts.setdefault(path, deque()).extend(replies)

    def clear_script(self, path=None):
        with self._cond:
            if path is None:
                self._scripts.clear()
                self._next.clear()
            else:
                self._scripts.pop(path, None)

    def script_next(self, *replies):
        """Replies for the next calls whatever their path (after per-path scripts)."""
        with self._cond:
            self._next.extend(replies)

    def set_default(self, reply):
        with self._cond:
            self.default = reply

    # -- recording --

    def _track(self, conn, add):
        with self._cond:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _record(self, method, target, headers, body):
        with self._cond:
            call = Call(len(self._calls) + 1, method, target,
                        {k.lower(): v for k, v in headers.items()}, body, time.monotonic())
            call.header_list = list(headers.items())
            q = self._scripts.get(call.path)
            if q:
                call.reply = q.popleft()
            elif self._next:
                call.reply = self._next.popleft()
            else:
                call.reply = self.default
            self._calls.append(call)
            self._cond.notify_all()
            return call

    def calls(self, path=None, prefix=None):
        with self._cond:
            return [c for c in self._calls
                    if (path is None or c.path == path) and
                    (prefix is None or c.path.startswith(prefix))]

    def count(self, path=None, prefix=None):
        return len(self.calls(path, prefix))

    def answered(self, lo=200, hi=299):
        """Calls answered with a status in [lo, hi]."""
        with self._cond:
            return [c for c in self._calls if c.status is not None and lo <= c.status <= hi]

    def reset(self):
        with self._cond:
            self._calls = []

    def wait_for(self, n, timeout, path=None, prefix=None, answered=False):
        """Waits until at least n calls (to path / under prefix; with answered=True, n of
        them answered) are recorded; returns them. AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [c for c in self._calls
                       if (path is None or c.path == path) and
                       (prefix is None or c.path.startswith(prefix)) and
                       (not answered or c.answered_at is not None)]
                if len(got) >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        "fake CRM: %d call(s)%s%s%s after %.1fs, wanted %d; all calls: %r" % (
                            len(got), " to " + path if path else "",
                            " under " + prefix if prefix else "",
                            " answered" if answered else "", timeout, n, self._calls[-20:]))
                self._cond.wait(min(left, 0.2))

    def wait_quiet(self, seconds, timeout=30):
        """Waits until no call has arrived for `seconds` (bounded by timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                last = self._calls[-1].arrived if self._calls else 0.0
            idle = time.monotonic() - last
            if idle >= seconds:
                return
            time.sleep(min(seconds - idle, 0.2) + 0.01)
        raise AssertionError("fake CRM never went quiet for %ss within %ss" % (seconds, timeout))


# ------------------------------------------------------------------------- self-test

def _request(port, method, path, body=b"", headers=None, timeout=5):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        conn.close()


def _selftest():
    crm = FakeCRM().start()
    try:
        # default, per-path script, sequence script, recording
        st, _, body = _request(crm.port, "PATCH", "/a?x=1", b'{"k":1}',
                               {"Content-Type": "application/json", "X-Api-Token": "t"})
        assert st == 200 and json.loads(body) == {"ok": True}, (st, body)
        c = crm.wait_for(1, 5, path="/a", answered=True)[0]
        assert (c.method, c.path, c.query, c.json(), c.header("x-api-token")) == \
            ("PATCH", "/a", "x=1", {"k": 1}, "t"), c
        assert c.status == 200 and c.answered_at >= c.arrived
        crm.script("/b", error(503), retry_after(3), error(400, "bad owner"), ok(204))
        got = [_request(crm.port, "POST", "/b", b"{}") for _ in range(5)]
        assert [g[0] for g in got] == [503, 429, 400, 204, 200], [g[0] for g in got]
        assert got[1][1]["retry-after"] == "3"
        assert json.loads(got[2][2])["message"] == "bad owner"
        assert got[3][2] == b""
        crm.script_next(error(500))
        assert _request(crm.port, "GET", "/c")[0] == 500
        assert _request(crm.port, "GET", "/c")[0] == 200
        # keep-alive: two requests on one connection
        conn = http.client.HTTPConnection(HOST, crm.port, timeout=5)
        for _ in range(2):
            conn.request("PATCH", "/ka", body=b"{}")
            r = conn.getresponse()
            r.read()
            assert r.status == 200
        conn.close()
        assert crm.count("/ka") == 2
        # delay
        crm.script("/slow", ok(delay=0.3))
        t0 = time.monotonic()
        assert _request(crm.port, "PATCH", "/slow")[0] == 200
        assert time.monotonic() - t0 >= 0.3
        # hang: the client times out; the fake notices it left
        crm.script("/hang", hang(5))
        t0 = time.monotonic()
        try:
            _request(crm.port, "PATCH", "/hang", timeout=0.5)
            raise AssertionError("a hung call answered")
        except (socket.timeout, TimeoutError):
            pass
        assert time.monotonic() - t0 < 1.5
        deadline = time.monotonic() + 3
        while crm.calls("/hang")[0].client_gone_at is None and time.monotonic() < deadline:
            time.sleep(0.02)
        h = crm.calls("/hang")[0]
        assert h.status is None and h.client_gone_at is not None, h
        assert 0.4 <= h.client_gone_at - h.arrived < 1.5, h.client_gone_at - h.arrived
        # wait_for: concurrent calls, timeouts
        threads = [threading.Thread(target=_request, args=(crm.port, "PATCH", "/p%d" % i))
                   for i in range(20)]
        for t in threads:
            t.start()
        assert len(crm.wait_for(20, 5, prefix="/p")) == 20
        for t in threads:
            t.join(5)
        try:
            crm.wait_for(1, 0.2, path="/never")
            raise AssertionError("wait_for did not time out")
        except AssertionError as e:
            assert "wanted 1" in str(e), e
        crm.wait_for(20, 5, prefix="/p", answered=True)
        assert len(crm.answered(100, 599)) == crm.count() - 1  # the hang is the one unanswered
        assert len(crm.answered()) == crm.count() - 5  # 503, 429, 400, 500 and the hang
        # stop drops a hung request at once; the port can be bound again
        crm.script("/hang2", hang(30))
        def dropped():
            try:
                _request(crm.port, "PATCH", "/hang2", timeout=10)
            except (OSError, http.client.HTTPException):
                pass  # expected: stop() drops it
        t = threading.Thread(target=dropped)
        t.start()
        crm.wait_for(1, 5, path="/hang2")
        port = crm.port
        t0 = time.monotonic()
        crm.stop()
        t.join(5)
        assert not t.is_alive() and time.monotonic() - t0 < 3
        try:
            _request(port, "GET", "/x", timeout=1)
            raise AssertionError("stopped fake still answers")
        except OSError:
            pass
        again = FakeCRM(port=port).start()
        assert _request(port, "GET", "/x")[0] == 200
        again.stop()
    finally:
        crm.stop()
    print("fakecrm self-test: ok")


if __name__ == "__main__":
    try:
        _selftest()
    except AssertionError as e:
        import traceback
        traceback.print_exc()
        print("fakecrm self-test FAILED: %s" % e)
        sys.exit(1)
