#!/usr/bin/env python3
"""Connections held against requests served: starts `leadrouter serve` (no database
needed: /healthz does not touch it), opens N slow connections from several loopback
addresses, each stuck in its request head, and measures the server's RSS and threads
and wrk's /healthz requests per second while they are held, then the same with none
held. Bounded: every connection is closed and the server stopped within a minute.

    python3 bench/http_conns.py [BIN] [N]"""

import os
import re
import signal
import socket
import subprocess
import sys
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/leadrouter"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 500


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return int(out["VmRSS"].split()[0]) // 1024, int(out["Threads"])


def wrk(port):
    p = subprocess.run(["wrk", "-t2", "-c16", "-d4s", "http://127.0.0.1:%d/healthz" % port],
                       capture_output=True, text=True, timeout=30)
    m = re.search(r"Requests/sec:\s+([\d.]+)", p.stdout)
    return float(m.group(1)) if m else 0.0


def main():
    port = free_port()
    env = dict(os.environ, LEADROUTER_LISTEN="127.0.0.1:%d" % port,
               LEADROUTER_DATABASE_URL="postgresql://127.0.0.1:1/none",
               LEADROUTER_HEADER_TIMEOUT_SECONDS="30", LEADROUTER_SHUTDOWN_DELAY_SECONDS="0",
               LEADROUTER_MAX_CONNECTIONS=str(N + 64), LEADROUTER_LOG_LEVEL="error")
    srv = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        base_rss, base_threads = status(srv.pid)
        idle_rps = wrk(port)
        per_ip = 100
        socks = []
        for i in range(N):
            s = socket.socket()
            s.bind(("127.0.0.%d" % (2 + i // per_ip), 0))
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
            socks.append(s)
        time.sleep(1.0)
        held_rss, held_threads = status(srv.pid)
        held_rps = wrk(port)
        for s in socks:
            s.close()
        print("| connections held | RSS MB | threads | /healthz req/s |")
        print("|---:|---:|---:|---:|")
        print("| 0 | %d | %d | %.0f |" % (base_rss, base_threads, idle_rps))
        print("| %d | %d | %d | %.0f |" % (N, held_rss, held_threads, held_rps))
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait(timeout=30)


if __name__ == "__main__":
    main()
