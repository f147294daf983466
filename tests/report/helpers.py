"""Hand-made Google Benchmark entries for the tests, built the way bench writes them, and
ReportOnFixture: one report run on a scenario's committed fixture, shared by a test class."""
import json
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
        cls.prepare(os.path.join(cls.tmp, cls.SCENARIO))
        cls.result = subprocess.run([REPORT, "--out", cls.tmp, "--scenario", cls.SCENARIO], capture_output=True,
                                    text=True, timeout=120)
        with open(os.path.join(cls.tmp, cls.SCENARIO, "README.md"), encoding="utf-8") as f:
            cls.page = f.read()

    @classmethod
    def prepare(cls, directory):
        """Changes the copied fixture before the report runs (nothing here)."""

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


class ReportOnDefaultGrid(ReportOnFixture):
    """ReportOnFixture on the part of the fixture that a default run measures: the benchmarks named in
    DEFAULT_GRID (the default mode's grid in bench/scenarios/<scenario>.cpp) with every repetition,
    and a run.json that says mode default, so the page is the one a default run gets."""
    DEFAULT_GRID: tuple[str, ...] = ()

    @classmethod
    def prepare(cls, directory):
        def kept(name):
            return results.strip_suffixes(name) in cls.DEFAULT_GRID
        path = os.path.join(directory, "bench.json")
        with open(path, encoding="utf-8") as f:
            bench = json.load(f)
        bench["benchmarks"] = [e for e in bench["benchmarks"]
                               if e.get("run_type") != "aggregate" and kept(e.get("run_name") or e["name"])]
        missing = set(cls.DEFAULT_GRID) - {results.strip_suffixes(e["run_name"]) for e in bench["benchmarks"]}
        assert not missing, f"not in the fixture: {sorted(missing)}"
        with open(path, "w", encoding="utf-8") as f:
            json.dump(bench, f)
        path = os.path.join(directory, "spectra.json")
        with open(path, encoding="utf-8") as f:
            spectra = json.load(f)
        spectra["benchmarks"] = {k: v for k, v in spectra["benchmarks"].items() if kept(k)}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(spectra, f)
        with open(os.path.join(directory, "run.json"), "w", encoding="utf-8") as f:
            json.dump({"scenario": cls.SCENARIO, "mode": "default", "budget_s": 30.0, "policy_min": 4,
                       "policy_max": 20, "target_ci": 0.05, "stop": "budget", "groups": []}, f)


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
