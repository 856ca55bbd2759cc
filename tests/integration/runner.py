#!/usr/bin/env python3
"""Runs every tests/integration/test_*.py module, each in its own child process with a
time limit, and ends with the line `integration: N passed, N failed`.

    python3 tests/integration/runner.py [test_module ...]

A test counts as passed only when it ran and succeeded; a test that failed, errored,
was skipped or never ran (setUpModule failed, the module timed out) counts as failed.

With LR_IT_PRISM=1 the requests of the tests go through Prism's validating proxy
(contract.py); a module with any contract violation fails even when every test passed
(a violation inside a polling loop or a worker thread may not fail its test by itself),
and the summary says how many requests went through Prism and which went straight to
the server, and why.
"""

import faulthandler
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PRISM = os.environ.get("LR_IT_PRISM") == "1"
# Through Prism every request takes a few milliseconds more and each module starts a
# Prism (about a second): the limits grow by half.
MODULE_TIMEOUT = float(os.environ.get("LR_IT_MODULE_TIMEOUT", "360" if PRISM else "240"))
TOTAL_BUDGET = float(os.environ.get("LR_IT_BUDGET", "630" if PRISM else "420"))
TEST_TRACE_AFTER = float(os.environ.get("LR_IT_TEST_TRACE_AFTER", "90"))


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


# ------------------------------------------------------------------------- child

class RecordingResult(unittest.TextTestResult):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._out = open(os.environ["LR_IT_RESULTS"], "a")

    def _rec(self, test, outcome, detail=None):
        self._out.write(json.dumps({"test": test.id(), "outcome": outcome, "detail": detail}) + "\n")
        self._out.flush()

    def startTest(self, test):
        faulthandler.dump_traceback_later(TEST_TRACE_AFTER, exit=False)
        super().startTest(test)

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)

    def _logs(self):
        try:
            import harness
            harness.dump_logs()
        except Exception as e:  # noqa: BLE001
            sys.stderr.write("(no logs: %s)\n" % e)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._rec(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._rec(test, "fail")
        self._logs()

    def addError(self, test, err):
        super().addError(test, err)
        self._rec(test, "error")
        self._logs()

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._rec(test, "fail", str(subtest))
            self._logs()

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._rec(test, "skip", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._rec(test, "fail", "expected failure counts as failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._rec(test, "fail", "unexpected success")


def child(modname):
    def on_term(signum, frame):
        raise KeyboardInterrupt("SIGTERM from the runner (module time limit)")
    signal.signal(signal.SIGTERM, on_term)
    faulthandler.enable()
    sys.path.insert(0, HERE)
    os.chdir(REPO)
    suite = unittest.defaultTestLoader.loadTestsFromName(modname)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=RecordingResult, stream=sys.stderr)
    try:
        result = runner.run(suite)
    except KeyboardInterrupt as e:
        sys.stderr.write("interrupted: %s\n" % e)
        try:
            import harness
            harness.dump_logs()
        except Exception:  # noqa: BLE001
            pass
        return 3
    return 0 if result.wasSuccessful() else 1


# ------------------------------------------------------------------------ parent

def read_violations(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l)["violation"] for l in f if l.strip()]


def read_prism_stats(path):
    counts = Counter()
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    counts.update(json.loads(line))
    return counts


def prism_note(counts):
    direct = sum(v for k, v in counts.items() if k.startswith("direct: "))
    return "prism: %d validated, %d direct" % (counts["through Prism"], direct)


def cleanup_registry(path):
    if not os.path.exists(path):
        return
    with open(path) as f:
        entries = [l.split(" ", 1) for l in f.read().splitlines() if " " in l]
    for kind, value in entries:
        if kind == "pid":
            try:
                exe = os.readlink("/proc/%s/exe" % value)
                if exe.endswith("/leadrouter"):
                    os.kill(int(value), signal.SIGKILL)
            except OSError:
                pass
        elif kind == "prism":
            try:
                with open("/proc/%s/cmdline" % value, "rb") as f:
                    if b"prism" in f.read():
                        os.kill(int(value), signal.SIGKILL)
            except OSError:
                pass
    for kind, value in entries:
        if kind == "pg" and os.path.exists(os.path.join(value, "data", "postmaster.pid")):
            subprocess.run(["bash", os.path.join(REPO, "scripts", "pgtmp.sh"), "stop", value],
                           capture_output=True, timeout=90)
    if not os.environ.get("LR_IT_KEEP"):
        for kind, value in entries:
            if kind == "root":
                shutil.rmtree(value, ignore_errors=True)


def main(argv):
    sys.path.insert(0, HERE)
    os.chdir(REPO)
    if argv:
        modules = [m[:-3] if m.endswith(".py") else m for m in argv]
    else:
        modules = sorted(f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    work = tempfile.mkdtemp(prefix="lr-it-run-")
    started = time.monotonic()
    prism_totals = Counter()
    total_passed = 0
    total_failed = 0
    summary = []
    try:
        for mod in modules:
            try:
                ids = [t.id() for t in flatten(unittest.defaultTestLoader.loadTestsFromName(mod))]
            except Exception as e:  # noqa: BLE001
                sys.stderr.write("cannot load %s: %s\n" % (mod, e))
                total_failed += 1
                summary.append((mod, 0, 1, 0.0, "load error"))
                continue
            ids = [i for i in ids if not i.startswith("unittest.loader")] or ids
            remaining = TOTAL_BUDGET - (time.monotonic() - started)
            if remaining < 10:
                sys.stderr.write("\n=== %s: not run, time budget spent ===\n" % mod)
                total_failed += len(ids)
                summary.append((mod, 0, len(ids), 0.0, "not run (budget)"))
                continue
            results = os.path.join(work, mod + ".results")
            registry = os.path.join(work, mod + ".registry")
            violations = os.path.join(work, mod + ".violations")
            prism_stats = os.path.join(work, mod + ".prism")
            env = dict(os.environ, LR_IT_RESULTS=results, LR_IT_REGISTRY=registry,
                       LR_IT_VIOLATIONS=violations, LR_IT_PRISM_STATS=prism_stats,
                       PYTHONDONTWRITEBYTECODE="1")
            sys.stderr.write("\n=== %s (%d tests) ===\n" % (mod, len(ids)))
            sys.stderr.flush()
            t0 = time.monotonic()
            proc = subprocess.Popen([sys.executable, "-u", os.path.abspath(__file__), "--child", mod],
                                    env=env, start_new_session=True)
            note = ""
            try:
                proc.wait(timeout=min(MODULE_TIMEOUT, remaining))
            except subprocess.TimeoutExpired:
                note = "timed out"
                sys.stderr.write("\n!!! %s exceeded its time limit; stopping it\n" % mod)
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=30)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait(timeout=10)
            finally:
                cleanup_registry(registry)
            outcomes = {}
            extra_errors = 0
            if os.path.exists(results):
                with open(results) as f:
                    for line in f:
                        r = json.loads(line)
                        if r["test"] not in ids:
                            extra_errors += 1  # setUpModule / tearDownModule / class fixtures
                            continue
                        prev = outcomes.get(r["test"])
                        if prev is None or prev == "pass":
                            outcomes[r["test"]] = r["outcome"]
            passed = sum(1 for i in ids if outcomes.get(i) == "pass")
            failed = len(ids) - passed
            if failed == 0 and (extra_errors or (proc.returncode not in (0,) and not note)):
                failed = 1  # a module-level error after all tests passed
                note = note or "module-level error"
            found = read_violations(violations)
            if found:
                sys.stderr.write("\n!!! %s: %d request(s) broke docs/openapi.yaml:\n%s\n" % (
                    mod, len(found), "\n".join(found[:20])))
                if failed == 0:
                    failed = 1
                note = (note + "; " if note else "") + "%d contract violation(s)" % len(found)
            if PRISM:
                counts = read_prism_stats(prism_stats)
                prism_totals.update(counts)
                note = (note + "; " if note else "") + prism_note(counts)
            total_passed += passed
            total_failed += failed
            summary.append((mod, passed, failed, time.monotonic() - t0, note))
    finally:
        if not os.environ.get("LR_IT_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    sys.stderr.write("\n=== summary (%.1fs) ===\n" % (time.monotonic() - started))
    for mod, p, f, secs, note in summary:
        sys.stderr.write("  %-28s %3d passed %3d failed %6.1fs %s\n" % (mod, p, f, secs, note))
    if PRISM:
        sys.stderr.write("  contract (docs/openapi.yaml through Prism): %d request(s) validated"
                         ", %d contract violation(s)\n" % (prism_totals["through Prism"],
                                                           prism_totals["contract violations"]))
        for k in sorted(prism_totals):
            if k.startswith("direct: "):
                sys.stderr.write("    %5d straight to the server: %s\n" % (prism_totals[k], k[8:]))
            elif k not in ("through Prism", "contract violations", "prism starts",
                           "prism start ms"):
                sys.stderr.write("    %5d %s\n" % (prism_totals[k], k))
        if prism_totals["prism starts"]:
            sys.stderr.write("    Prism started %d times, %.1f s on average\n" % (
                prism_totals["prism starts"],
                prism_totals["prism start ms"] / 1000.0 / prism_totals["prism starts"]))
    sys.stderr.flush()
    if PRISM and not argv and total_passed and not prism_totals["through Prism"]:
        # The whole suite went around Prism: the contract was not checked at all.
        sys.stderr.write("!!! LR_IT_PRISM=1 but no request went through Prism\n")
        total_failed += 1
    print("integration: %d passed, %d failed" % (total_passed, total_failed), flush=True)
    return 0 if total_failed == 0 and total_passed > 0 else 1


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        sys.exit(child(sys.argv[2]))
    sys.exit(main(sys.argv[1:]))
