"""The blocking scenario's report (claims C3 and C5): the verdict rules on
hand-made runs, and scripts/report end to end on the fixture (a real quick
run: 2 repetitions, the six event-loop runs and the server sweep at
concurrency 1, 16 and 64)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from . import REPO, helpers
from report_lib import blocking_verdict as bv
from report_lib import results

REPORT = os.path.join(REPO, "scripts", "report")
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "blocking")
CHARTS = ("blocking_client", "blocking_lag", "blocking_server")


def loop_entries(timer=18, sleep=1030, off4=260, off32=41, sleep_lag=1.03e6, cpu_on=508, cpu_off=195,
                 cpu_on_lag=5.05e5, cpu_off_lag=1.1e4):
    spec = [("blocking/client/timer/tasks:100/wait_ms:10", timer, 2.5e3),
            ("blocking/client/sleep/tasks:100/wait_ms:10", sleep, sleep_lag),
            ("blocking/client/offload/tasks:100/wait_ms:10/pool:4", off4, 5e3),
            ("blocking/client/offload/tasks:100/wait_ms:10/pool:32", off32, 4e3),
            ("blocking/cpu/on_loop/tasks:100/cpu_ms:5", cpu_on, cpu_on_lag),
            ("blocking/cpu/offload/tasks:100/cpu_ms:5/pool:4", cpu_off, cpu_off_lag)]
    out = []
    for name, total, lag in spec:
        for i in range(2):
            out.append(helpers.entry(name, i, total_ms=total, loop_lag_max_us=lag, loop_lag_p99_us=lag / 2,
                                     other_p50_us=200, other_p99_us=2000, other_requests=10, requests=110,
                                     server_requests=110))
    return out


def server_entries(blocking_rate=390, asio_per_c=47, cs=(1, 16, 64)):
    out = []
    for engine, threads in (("asio", 1), ("blocking", 8)):
        for c in cs:
            name = f"blocking/server/{engine}/threads:{threads}/c:{c}/delay_ms:20"
            rate = asio_per_c * c if engine == "asio" else min(blocking_rate, 49 * c)
            for i in range(2):
                out.append(helpers.entry(name, i, req_per_s=rate * 0.8, steady_req_per_s=rate, requests=400,
                                         conns_peak=min(c, threads) if engine == "blocking" else c,
                                         p50_us=2e4, p99_us=3e4))
    return out


def runs_of(*lists):
    return results.group_benchmarks([e for lst in lists for e in lst])


class BlockingVerdict(unittest.TestCase):
    def test_names_keep_the_pool_size(self):
        runs = runs_of(loop_entries())
        self.assertEqual([bv.key(r).threads for r in bv.offloads(runs)], [4, 32])
        self.assertEqual(bv.bound_ms(bv.offloads(runs)[0]), 250)
        self.assertEqual(bv.bound_ms(bv.find(runs, "client", "sleep")), 1000)

    def test_all_parts_confirmed(self):
        v = bv.decide(runs_of(loop_entries(), server_entries()))
        self.assertEqual((v.client.word, v.server.word, v.cpu.word), ("confirmed",) * 3)
        self.assertEqual(v.word, "confirmed")
        self.assertIn("1,030 ms", v.line)

    def test_overlapping_sleeps_refute(self):
        v = bv.decide(runs_of(loop_entries(sleep=30, sleep_lag=3e3), server_entries()))
        self.assertEqual(v.client.word, "refuted")
        self.assertEqual(v.word, "refuted")

    def test_offload_far_from_its_bound_is_nuanced(self):
        v = bv.decide(runs_of(loop_entries(off4=600), server_entries()))
        self.assertEqual(v.client.word, "nuanced")
        self.assertEqual(v.word, "nuanced")

    def test_blocking_server_under_its_plateau_is_nuanced(self):
        v = bv.decide(runs_of(loop_entries(), server_entries(blocking_rate=100)))
        self.assertEqual(v.server.word, "nuanced")

    def test_blocking_server_over_its_cap_refutes_that_part(self):
        v = bv.decide(runs_of(loop_entries(), server_entries(blocking_rate=900)))
        self.assertEqual(v.server.word, "refuted")
        self.assertEqual(v.word, "nuanced")  # only the client side refutes the whole

    def test_offloaded_cpu_still_lagging_is_nuanced(self):
        v = bv.decide(runs_of(loop_entries(cpu_off_lag=2e5), server_entries()))
        self.assertEqual(v.cpu.word, "nuanced")

    def test_missing_server_runs_are_inconclusive(self):
        v = bv.decide(runs_of(loop_entries()))
        self.assertEqual(v.server.word, "inconclusive")
        self.assertEqual(v.word, "inconclusive")


class BlockingReportEndToEnd(unittest.TestCase):
    def test_fixture_report_and_charts(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(FIXTURE, os.path.join(tmp, "blocking"))
            done = subprocess.run([REPORT, "--out", tmp, "--scenario", "blocking"], capture_output=True,
                                  text=True, timeout=240)
            self.assertEqual(done.returncode, 0, done.stderr)
            page = open(os.path.join(tmp, "blocking", "README.md"), encoding="utf-8").read()
            for heading in ("## Verdict", "## Setup", "## Numbers", "## Caveats", "## In an interview"):
                self.assertIn(heading, page)
            self.assertIn("Rule:", page)
            for stem in CHARTS:
                for ext in ("png", "svg"):
                    path = os.path.join(tmp, "blocking", "charts", f"{stem}.{ext}")
                    self.assertTrue(os.path.exists(path), path)
                    self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
