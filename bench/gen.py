#!/usr/bin/env python3
"""Data for `make bench` (bench/run.sh); Python 3 standard library only.

  gen.py accounts N          -> CSV of N enrichment rows (d1.bench.test ... dN.bench.test)
  gen.py named N REP...      -> CSV of N named accounts (the first N domains), owners cycled
  gen.py events TAG N NACCT OUT
                             -> N distinct signed lead.created requests, one a line:
                                webhook-id TAB webhook-timestamp TAB signature TAB body
                                (key from $LEADROUTER_WEBHOOK_SECRET, timestamp = now)

Everything is seeded, so two runs load the same accounts and post the same mix.
"""

import base64
import hashlib
import hmac
import os
import random
import sys
import time
import zlib
from datetime import datetime, timezone

SEGMENTS = ("smb", "mid_market", "strategic")
# Values inside each segment's default band (SPEC 2.2).
EMPLOYEES = ((1, 50), (51, 1000), (1001, 50000))
ACV = ((1000, 49999), (50000, 499999), (500000, 2000000))
FIT = ((0, 39), (40, 79), (80, 100))


def domain(n):
    return "d%d.bench.test" % n


def signal(rng, seg, bands):
    """Mostly in the segment's band, sometimes another band or missing, so that a
    share of the leads are conflicts or lack data and go to review."""
    p = rng.random()
    if p < 0.08:
        return None
    if p < 0.16:
        seg = rng.randrange(3)
    lo, hi = bands[seg]
    return rng.randint(lo, hi)


def cell(v):
    return "" if v is None else str(v)


def accounts(n):
    rng = random.Random(20261123)
    out = sys.stdout
    out.write("domain,employee_count,expected_acv,fit_score\n")
    for i in range(1, n + 1):
        seg = rng.choices((0, 1, 2), (60, 30, 10))[0]
        out.write("%s,%s,%s,%s\n" % (domain(i), cell(signal(rng, seg, EMPLOYEES)),
                                     cell(signal(rng, seg, ACV)), cell(signal(rng, seg, FIT))))


def named(n, owners):
    sys.stdout.write("domain,owner_rep_id\n")
    for i in range(1, n + 1):
        sys.stdout.write("%s,%s\n" % (domain(i), owners[i % len(owners)]))


def events(tag, n, nacct, out_path):
    secret = os.environ["LEADROUTER_WEBHOOK_SECRET"]
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    rng = random.Random(zlib.crc32(tag.encode()))
    ts = str(int(time.time()))
    event_ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sources = ("webinar", "form", "import", "chat")
    with open(out_path, "w") as f:
        for i in range(n):
            lead = "%s-%07d" % (tag, i)
            p = rng.random()
            if p < 0.90:
                dom = domain(rng.randint(1, nacct))
                who = '"email":"lead%d@%s","domain":"%s"' % (i, dom, dom)
            elif p < 0.95:
                who = '"email":"lead%d@gmail.com"' % i
            else:
                dom = "u%d.%s.example" % (i, tag)
                who = '"email":"lead%d@%s","domain":"%s"' % (i, dom, dom)
            seg = rng.choices((0, 1, 2), (60, 30, 10))[0]
            fields = []
            for name, bands in (("employee_count", EMPLOYEES), ("expected_acv", ACV),
                                ("fit_score", FIT)):
                v = signal(rng, seg, bands)
                if v is not None:
                    fields.append('"%s":%d' % (name, v))
            body = ('{"type":"lead.created","timestamp":"%s","data":{"id":"%s",%s,'
                    '"company":"Company %d",%s"source":"%s"}}' % (
                        event_ts, lead, who, i, "".join(x + "," for x in fields),
                        sources[i % len(sources)]))
            wid = "msg_%s_%07d" % (tag, i)
            mac = hmac.new(key, ("%s.%s." % (wid, ts)).encode() + body.encode(), hashlib.sha256)
            sig = "v1," + base64.b64encode(mac.digest()).decode()
            f.write("%s\t%s\t%s\t%s\n" % (wid, ts, sig, body))


def main(argv):
    if len(argv) >= 2 and argv[0] == "accounts":
        accounts(int(argv[1]))
    elif len(argv) >= 3 and argv[0] == "named":
        named(int(argv[1]), argv[2:])
    elif len(argv) == 5 and argv[0] == "events":
        events(argv[1], int(argv[2]), int(argv[3]), argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
