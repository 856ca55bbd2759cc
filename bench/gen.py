#!/usr/bin/env python3
"""Data for `make bench` (bench/run.sh); Python 3 standard library only.

  gen.py accounts N          -> CSV of N enrichment rows (d1.bench.test ... dN.bench.test)
  gen.py named N REP...      -> CSV of N named accounts (the first N domains), owners cycled
  gen.py events TAG N NACCT OUT
                             -> N distinct signed lead.created requests, one a line:
                                webhook-id TAB webhook-timestamp TAB signature TAB body
                                (random uuid-shaped lead ids, random webhook-ids)
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
        if rng.random() < 0.18:
            # A conflict: each signal in another segment's band (review, SPEC 2.3).
            order = rng.sample((0, 1, 2), 3)
            vals = [rng.randint(*bands[order[k]]) for k, bands in enumerate((EMPLOYEES, ACV, FIT))]
        else:
            vals = [signal(rng, seg, bands) for bands in (EMPLOYEES, ACV, FIT)]
        out.write("%s,%s,%s,%s\n" % (domain(i), cell(vals[0]), cell(vals[1]), cell(vals[2])))


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
            # Random, uuid-shaped ids, as CRMs send: no index sees them in order.
            u = "%032x" % rng.getrandbits(128)
            lead = "%s-%s-4%s-%s-%s" % (u[:8], u[8:12], u[13:16], u[16:20], u[20:])
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
            # About a fifth of the leads are conflicts (each signal votes for another
            # segment, SPEC 2.3), which go to review, as the field sees on open forms.
            conflict = rng.random() < 0.18
            order = rng.sample((0, 1, 2), 3)
            fields = []
            for k, (name, bands) in enumerate((("employee_count", EMPLOYEES),
                                               ("expected_acv", ACV), ("fit_score", FIT))):
                if conflict:
                    lo, hi = bands[order[k]]
                    v = rng.randint(lo, hi)
                else:
                    v = signal(rng, seg, bands)
                if v is not None:
                    fields.append('"%s":%d' % (name, v))
            body = ('{"type":"lead.created","timestamp":"%s","data":{"id":"%s",%s,'
                    '"company":"Company %d",%s"source":"%s"}}' % (
                        event_ts, lead, who, i, "".join(x + "," for x in fields),
                        sources[i % len(sources)]))
            wid = "msg_%s_%s" % (tag, "%032x" % rng.getrandbits(128))
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
