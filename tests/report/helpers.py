"""Hand-made Google Benchmark entries for the tests, built the way bench writes them, and
ReportOnFixture: one report run on a scenario's committed fixture, shared by a test class."""
import os
import shutil
import subprocess
import tempfile

from . import REPO
from report_lib import results

REPORT = os.path.join(REPO, "scripts", "report")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


class ReportOnFixture:
    """Mixed into a unittest.TestCase, before it: setUpClass copies fixtures/<SCENARIO> into a
    temporary directory and runs `scripts/report --out DIR --scenario SCENARIO` on it once; the
    tests read cls.result (the finished process), cls.page (the page it wrote) and cls.tmp (DIR),
    which tearDownClass removes."""
    SCENARIO = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix=f"report_{cls.SCENARIO}_test.")
        shutil.copytree(os.path.join(FIXTURES, cls.SCENARIO), os.path.join(cls.tmp, cls.SCENARIO))
        cls.result = subprocess.run([REPORT, "--out", cls.tmp, "--scenario", cls.SCENARIO], capture_output=True,
                                    text=True, timeout=120)
        with open(os.path.join(cls.tmp, cls.SCENARIO, "README.md"), encoding="utf-8") as f:
            cls.page = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


def entry(name, rep=0, **counters):
    full = name + "/manual_time"
    e = {"name": full, "run_name": full, "run_type": "iteration", "repetitions": 3, "repetition_index": rep,
         "threads": 1, "iterations": 1, "real_time": 100.0, "cpu_time": 50.0, "time_unit": "ms",
         "errors": 0}
    e.update(counters)
    return e


def reps(name, rates, requests=1000, conns=None, **counters):
    """One entry per value in rates (req_per_s), with consistent connection counts."""
    c = results.parse_name(name).param("c", 1)
    pooled = "/pool/" in name
    out = []
    for i, rate in enumerate(rates):
        opened = conns if conns is not None else (c if pooled else requests)
        out.append(entry(name, i, req_per_s=rate, requests=requests, conns_opened=opened,
                         p50_us=1e6 * c / rate, p99_us=3e6 * c / rate, **counters))
    return out


def pooling_runs(factors, delay=0):
    """Runs for every (model, proto) -> factor: pooled at 1000 * factor req/s, unpooled at 1000."""
    entries = []
    for (model, proto), f in factors.items():
        c = 1 if model.startswith("blocking") else 32
        base = f"pooling/{model}/%s/{proto}/c:{c}/delay_ms:{delay}"
        entries += reps(base % "pool", [1000 * f] * 3)
        entries += reps(base % "nopool", [1000] * 3)
    return results.group_benchmarks(entries)
