"""The interview guide (scripts/report --guide, report_lib/guide.py) against the committed results.

- The committed results/GUIDE.md is what the generator writes today from results/*/bench.json
  (regenerated into a temporary copy of results/ through the command line).
- Every number in it comes from the JSON: each figure is recomputed here from the runs, through
  the scenario modules and the runs' own medians rather than guide_data.py's helpers, and must appear
  in the page; every bold span holding a digit must be one of those values; and no figure with a
  unit (x, ms, RTT, KiB, %, req/s) may stand outside bold, where nothing would check it.
- Every relative link in README.md, results/GUIDE.md, docs/claims.md, examples/README.md and
  results/*/README.md resolves to a file inside the repository (nothing under ../shared).
"""
import glob
import math
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from . import REPO
from report_lib import fmt, results, scenarios, stats
from report_lib import sync_vs_async as sva
from report_lib import sync_vs_async_verdict as sv

RESULTS = os.path.join(REPO, "results")
COMMITTED = os.path.join(RESULTS, "GUIDE.md")
REPORT = os.path.join(REPO, "scripts", "report")


def bold(text):
    return f"**{text}**"


def load(name):
    return results.load(RESULTS, name)


def runs_of(loaded, *labels, **params):
    """The runs with exactly these labels (the name's plain segments) and these parameter values;
    a parameter given as None must be absent (session_cache=None: the default cache)."""
    return [r for r in loaded.runs if r.name.labels == labels
            and all(r.name.param(k) == v if v is not None else k not in r.name.params for k, v in params.items())]


def one(loaded, *labels, **params):
    found = runs_of(loaded, *labels, **params)
    if len(found) != 1:
        raise AssertionError(f"{len(found)} runs match {labels} {params} in {loaded.scenario}")
    return found[0]


def ms(value_ms):
    return fmt.ms(value_ms * 1000)


def figure_text(name, *needles):
    module = scenarios.get(name)
    f = next((f for f in module.headline(load(name)) if all(n in f.label for n in needles)), None)
    return None if f is None else f.text


def expected_values():
    """{value as the guide prints it: what it is}, each recomputed from results/*/bench.json."""
    out = {}

    def add(what, value):
        if value is not None:
            out[bold(value)] = what

    # Headline figures with their intervals, straight from each scenario module.
    for name in scenarios.known():
        if os.path.isfile(os.path.join(RESULTS, name, "bench.json")):
            for f in scenarios.get(name).headline(load(name)):
                add(f"{name}: {f.label}", f.text)

    pooling = load("pooling")
    at0 = dict(delay_ms=0, session_cache=None, ca_bundle=None)
    for mode in ("pool", "nopool"):
        r = one(pooling, "py_aiohttp", mode, "https", **at0)
        add(f"pooling {mode} requests", fmt.count(r.median("requests")))
        add(f"pooling {mode} connections", fmt.count(r.median("conns_opened")))
    uv, plain = (one(pooling, m, "pool", "https", **at0) for m in ("py_aiohttp_uvloop", "py_aiohttp"))
    add("uvloop ÷ asyncio", fmt.factor_ci(*stats.paired_ratio_ci(uv.values("req_per_s"), plain.values("req_per_s"))))

    rtt = load("rtt")
    rtt_ms = scenarios.get("rtt").verdict(rtt).rtt_ms
    add("rtt", f"{fmt.param(rtt_ms)} ms")
    for model in ("py_aiohttp", "asio_coro"):
        for mode in ("pool", "nopool"):
            r = one(rtt, model, mode, "https_tls1.3", rtt_ms=rtt_ms, session_cache=None)
            add(f"rtt {model} {mode}", f"{fmt.sig(r.median('p50_rtts'))} RTT")

    limits = load("limits")
    for model in ("py_aiohttp", "asio_coro"):
        fd = runs_of(limits, model, "fd")
        unl = next(r for r in fd if r.name.param("limit") == "unlimited")
        lim = next(r for r in fd if r.name.param("limit") != "unlimited")
        add(f"{model} fd errors", fmt.count(unl.median("fd_errors")))
        add(f"{model} fd requests", fmt.count(unl.median("requests")))
        add(f"{model} limited errors", fmt.count(lim.errors))
    sweep = [r for r in runs_of(limits, "py_aiohttp", "sweep") if r.name.param("limit") != "unlimited"]
    held = [r for r in sweep if not r.errors and all(rep["conns_peak"] == min(r.name.param("limit"), rep["requests"])
                                                     for rep in r.reps)]
    add("aiohttp sweep runs at min(limit, requests)", fmt.count(len(held)))
    add("aiohttp limited sweep runs", fmt.count(len(sweep)))
    for mode in ("semaphore_unpooled", "semaphore_pooled", "connector"):
        r = one(limits, "py_aiohttp", "cap", mode)
        add(f"cap {mode} requests", fmt.count(r.median("requests")))
        add(f"cap {mode} connections", fmt.count(r.median("conns_opened")))

    blocking = load("blocking")
    sleep, timer, off = (one(blocking, "py_client", kind) for kind in ("time_sleep", "asyncio_sleep", "to_thread"))
    tasks, wait_ms, workers = sleep.name.param("tasks"), sleep.name.param("wait_ms"), int(off.median("workers"))
    add("tasks", fmt.count(tasks))
    add("wait", f"{fmt.param(wait_ms)} ms")
    add("time.sleep total", ms(sleep.median("total_ms")))
    add("asyncio.sleep total", ms(timer.median("total_ms")))
    add("time.sleep lag", fmt.ms(sleep.median("loop_lag_max_us")))
    add("to_thread workers", fmt.count(workers))
    add("to_thread total", ms(off.median("total_ms")))
    add("to_thread bound", ms(math.ceil(tasks / workers) * wait_ms))
    for kind in ("on_loop", "to_thread"):
        add(f"cpu lag {kind}", fmt.ms(one(blocking, "py_cpu", kind).median("loop_lag_max_us")))
    servers = runs_of(blocking, "server", "blocking")
    threads, delay_ms = servers[0].name.param("threads"), servers[0].name.param("delay_ms")
    add("server threads", fmt.count(threads))
    add("blocking engine top", f"{fmt.sig(max(r.median('steady_req_per_s') for r in servers))} req/s")
    add("T/D", f"{fmt.sig(threads * 1000 / delay_ms)} req/s")

    sync = load("sync_vs_async")
    k = max(p.k for p in sv.headline_pairs(sync.runs))
    add("K", fmt.count(k))
    add("L", f"{fmt.param(sv.delay_of(sync.runs))} ms")
    for series in ("py_requests/sequential", "py_requests/sequential_nopool", "py_aiohttp/gather",
                   "py_requests_threads/workers"):
        r = one(sync, *series.split("/"), k=k)
        add(f"{series} wall", ms(r.median("wall_ms")))
        add(f"{series} threads", fmt.count(r.median("threads_created")))
        add(f"{series} in flight", fmt.count(r.median("conns_peak")))
    gathers = runs_of(sync, "py_aiohttp", "gather")
    biggest = max(gathers, key=lambda r: r.name.param("k"))
    add("largest aiohttp gather", fmt.count(biggest.name.param("k")))
    add("its peak", fmt.count(biggest.median("conns_peak")))
    add("pooling share", fmt.pct(max(sva.pooling_share(sync.runs), 0.0), 0))
    for series in ("py_aiohttp/gather", "py_requests_threads/workers"):
        add(f"{series} memory", f"{fmt.sig(sv.memory_slope(sync.runs, sv.by_id(series)).rss_per_inflight_kib)} KiB")
    return out


# The figures the guide must show (a subset of expected_values()): one per claim and question.
REQUIRED = [
    ("pooling", "py_aiohttp", "HTTPS"), ("pooling", "median of the C++ models", "HTTPS"), ("rtt", "TLS 1.3"),
    ("limits", "py_aiohttp", "semaphore"), ("blocking", "C3: Python"), ("blocking", "C3: C++"),
    ("blocking", "C3 server"), ("blocking", "C5: Python", "to_thread"), ("blocking", "C5: Python", "Process"),
    ("blocking", "C5: C++", "2 CPUs"), ("sync_vs_async", "Python:"), ("sync_vs_async", "C++:"),
]

# A figure with a unit: a number (not part of a name like C13 or TLS 1.3's version) then x, ms, s, RTT,
# KiB, MiB, %, req/s.
UNIT_FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?(?:x|ms|s|RTT|KiB|MiB|%|req/s)(?![\w])")


def outside_bold_and_code(text):
    text = re.sub(r"\*\*[^*]+\*\*", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return text.replace("95 %", "")  # the interval's level, not a measurement


class GuideTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="guide_test.")
        copy = os.path.join(cls.tmp, "results")
        shutil.copytree(RESULTS, copy, ignore=shutil.ignore_patterns("GUIDE.md"))
        cls.cli = subprocess.run([REPORT, "--guide", copy], capture_output=True, text=True, timeout=120)
        with open(os.path.join(copy, "GUIDE.md"), encoding="utf-8") as f:
            cls.page = f.read()
        cls.expected = expected_values()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_cli_writes_the_guide(self):
        self.assertEqual(self.cli.returncode, 0, self.cli.stderr)
        self.assertIn("GUIDE.md", self.cli.stdout)

    def test_committed_guide_is_the_regenerated_one(self):
        with open(COMMITTED, encoding="utf-8") as f:
            committed = f.read()
        self.assertEqual(committed, self.page, "results/GUIDE.md is stale: run scripts/report --guide results")

    def test_every_recomputed_figure_is_in_the_guide(self):
        missing = [what for value, what in self.expected.items()
                   if not what.startswith(tuple(scenarios.known())) and value not in self.page]
        self.assertEqual(missing, [])
        for needles in REQUIRED:
            text = figure_text(*needles)
            self.assertIsNotNone(text, needles)
            self.assertIn(bold(text), self.page, needles)

    def test_every_bold_number_comes_from_the_json(self):
        spans = {s for s in re.findall(r"\*\*[^*]+\*\*", self.page) if re.search(r"\d", s)}
        self.assertEqual(sorted(spans - set(self.expected)), [])

    def test_no_figure_with_a_unit_outside_bold(self):
        self.assertEqual(UNIT_FIGURE.findall(outside_bold_and_code(self.page)), [])

    def test_questions_in_the_materials_order(self):
        ids = re.findall(r"^### ([\w, ]+) ·", self.page, re.M)
        self.assertEqual(ids, ["A1", "A3", "A2", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11",
                               "P12", "P13", "P14", "Q12", "Q13", "Q15", "Q17", "Q19", "Q22", "Q18", "Q9", "Q7, P15",
                               "Q1, Q5, Q10"])

    def test_pending_scenario_fills_in_from_its_json(self):
        """A claim whose scenario is not written yet says so, and shows its verdict once its
        bench.json exists with a report module (here: a made-up claim C99 whose scenario `demo` is
        the pooling module under another name)."""
        from unittest import mock
        from report_lib import guide
        pending = {**guide.PENDING, "C99": "demo"}
        claims = [("C99", "A claim measured later")]
        with mock.patch.object(guide, "PENDING", pending), mock.patch.object(guide, "PENDING_CLAIMS", claims):
            empty = os.path.join(self.tmp, "empty")
            os.makedirs(empty)
            row = next(line for line in guide.render(empty).splitlines() if line.startswith("| C99 "))
            self.assertIn("not in the suite yet", row)
            self.assertIn("fills in from `demo/bench.json`", row)
            copy = os.path.join(self.tmp, "pending")
            os.makedirs(os.path.join(copy, "demo"))
            with open(os.path.join(RESULTS, "pooling", "bench.json"), encoding="utf-8") as f:
                renamed = f.read().replace('"pooling/', '"demo/')  # the benchmarks as the new scenario's
            with open(os.path.join(copy, "demo", "bench.json"), "w", encoding="utf-8") as f:
                f.write(renamed)
            pooling = scenarios.SCENARIOS["pooling"]
            with mock.patch.dict(scenarios.SCENARIOS, {"demo": pooling}):
                page = guide.render(copy)
        row = next(line for line in page.splitlines() if line.startswith("| C99 "))
        self.assertIn(pooling.verdict(load("pooling")).word, row)
        self.assertIn(bold(figure_text("pooling", "py_aiohttp", "HTTPS")), row)
        self.assertNotIn("not in the suite yet", row)
        cells = [c.strip() for c in row.split(" | ")]
        self.assertEqual(cells[2:4], ["—", "—"], "unsorted figures stay out of the Python and C++ columns")


def relative_links(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks hold commands, not links
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        yield target.split("#")[0]


class LinksTest(unittest.TestCase):
    def test_every_relative_link_resolves_inside_the_repository(self):
        pages = ([os.path.join(REPO, p) for p in ("README.md", "docs/claims.md", "examples/README.md")]
                 + [COMMITTED] + sorted(glob.glob(os.path.join(RESULTS, "*", "README.md")))
                 + [os.path.join(RESULTS, "README.md")])
        repo = os.path.realpath(REPO)
        broken = []
        for page in pages:
            for target in relative_links(page):
                resolved = os.path.realpath(os.path.join(os.path.dirname(page), target))
                inside = resolved == repo or resolved.startswith(repo + os.sep)
                if not inside or not os.path.exists(resolved):
                    broken.append(f"{os.path.relpath(page, REPO)}: {target}")
        self.assertEqual(broken, [])


if __name__ == "__main__":
    unittest.main()
