"""A CRM that accepts connections and never answers (BENCH_CRM=silent): with it, the
bench measures the lead path with write-back on while no delivery succeeds (each
request waits for the write-back timeout and is tried again later), so the outbox rows
are nearly the only write-back cost (a CRM outage, or the event path measured apart
from the deliveries' own CPU).
    python3 bench/silent_crm.py PORT   listens on 127.0.0.1:PORT until SIGTERM, then
                                       prints "requests N bytes 0" (connections accepted)
"""
import signal
import socket
import sys


def main(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(1024)
    held = []

    def stop(*_):
        print("requests %d bytes 0" % len(held), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        conn, _ = srv.accept()
        held.append(conn)  # kept open and never read: the client waits for its timeout


if __name__ == "__main__":
    main(int(sys.argv[1]))
