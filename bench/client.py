#!/usr/bin/env python3
"""Tiny HTTP client for bench/run.sh (Python standard library only, so the bench needs
no curl).

  http.py wait URL                          -> exit 0 once GET URL answers 200 (10 s at most)
  http.py METHOD URL CONTENT-TYPE DATA OUT  -> prints "status seconds"; DATA is the body,
                                               or @FILE; the answer's body goes to OUT;
                                               $BENCH_TOKEN, when set, is the bearer token
"""

import http.client
import os
import sys
import time
from urllib.parse import urlsplit


def request(method, url, body=None, headers=None, timeout=60):
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, u.path or "/", body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def wait(url):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if request("GET", url, timeout=2)[0] == 200:
                return 0
        except OSError:
            pass
        time.sleep(0.05)
    return 1


def main(argv):
    if len(argv) == 2 and argv[0] == "wait":
        return wait(argv[1])
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    method, url, ctype, data, out = argv
    if data.startswith("@"):
        with open(data[1:], "rb") as f:
            body = f.read()
    else:
        body = data.encode()
    headers = {"Content-Type": ctype}
    if os.environ.get("BENCH_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["BENCH_TOKEN"]
    t0 = time.monotonic()
    status, answer = request(method, url, body, headers)
    seconds = time.monotonic() - t0
    with open(out, "wb") as f:
        f.write(answer)
    print("%d %.3f" % (status, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
