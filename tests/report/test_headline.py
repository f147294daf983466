"""Headline figures (every scenario's headline()), the page section "This run beside the
reference", run.json in the setup table, and the report CLI's headline lines.

The reference is pointed at the fixtures (a function argument, or SUITE_REFERENCE_DIR for
scripts/report), so no test reads or writes the committed results/."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from report_lib import headline, page, results, scenarios, stats
from report_lib import pooling, pooling_verdict as pv, rtt_verdict as rv, sync_vs_async_verdict as sv

from . import REPO
from .helpers import entry, reps

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
REPORT = os.path.join(REPO, "scripts", "report")
CPP_MODELS = ("blocking_curl", "blocking_httplib", "threads_curl", "curl_multi", "asio_coro")
LINE = re.compile(r"^report: (.+): [0-9.,]+x \(95 % CI [0-9.,]+–[0-9.,]+x, ±[0-9.]+ %\)$")


def load(scenario):
    return results.load(FIXTURES, scenario)


def copy_fixture(tmp, scenario, edit=None):
    """FIXTURES/<scenario> copied to tmp/<scenario>; edit(bench) may change bench.json first."""
    target = os.path.join(tmp, scenario)
    shutil.copytree(os.path.join(FIXTURES, scenario), target)
    if edit is not None:
        path = os.path.join(target, "bench.json")
        with open(path, encoding="utf-8") as f:
            bench = json.load(f)
        edit(bench)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(bench, f)
    return target


def filtered(scenario, keep):
    """The fixture's results with only the runs keep(run) accepts: a run that measured less."""
    r = load(scenario)
    r.runs = [run for run in r.runs if keep(run)]
    # Another directory than the fixture's, so the fixture serves as its reference (nothing is written).
    r.directory = os.path.join(tempfile.gettempdir(), "partial-run", scenario)
    return r


def default_pooling_entries():
    """A default pooling run as bench sizes it: the 5 C++ models, py_requests and py_aiohttp,
    delay_ms:0 only, no session_cache:off and no ca_bundle:system rows; 4 repetitions, 6 for
    asio_coro (adaptive runs may repeat pairs a different number of times)."""
    factors = {"blocking_curl": (30, 1.4), "blocking_httplib": (25, 1.5), "threads_curl": (40, 3.8),
               "curl_multi": (36, 4.0), "asio_coro": (45, 5.0), "py_requests": (4.0, 1.25),
               "py_aiohttp": (6.0, 1.8)}
    out = []
    for model, (https, http) in factors.items():
        c = 1 if model.startswith("blocking") or model == "py_requests" else 32
        n = 6 if model == "asio_coro" else 4
        for proto, f in (("https", https), ("http", http)):
            base = f"pooling/{model}/%s/{proto}/c:{c}/delay_ms:0"
            # A little spread, the same on both sides' first repetition, so every interval is real.
            out += reps(base % "pool", [1000 * f * (1 + 0.01 * (i % 3)) for i in range(n)])
            out += reps(base % "nopool", [1000 * (1 - 0.01 * (i % 2)) for i in range(n)])
    return out


def write_run(tmp, entries, context=None, run_json=None, scenario="pooling"):
    d = os.path.join(tmp, scenario)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "bench.json"), "w", encoding="utf-8") as f:
        json.dump({"context": context or {"date": "2026-11-30T00:00:00+00:00", "host_name": "laptop"},
                   "benchmarks": entries}, f)
    if run_json is not None:
        with open(os.path.join(d, "run.json"), "w", encoding="utf-8") as f:
            json.dump(run_json, f)
    return results.load(tmp, scenario)


class FigureTest(unittest.TestCase):
    def test_line_gives_the_larger_side_of_the_interval_in_percent(self):
        f = headline.Figure("aiohttp", 6.06, 5.81, 6.32)
        self.assertEqual(f.line, "6.06x (95 % CI 5.81–6.32x, ±4.3 %)")
        self.assertEqual(f.text, "6.06x (95 % CI 5.81–6.32x)")
        self.assertEqual(headline.cli_lines([f]), ["report: aiohttp: 6.06x (95 % CI 5.81–6.32x, ±4.3 %)"])

    def test_lower_side_wider_is_taken_when_it_is(self):
        self.assertAlmostEqual(headline.Figure("a", 2.0, 1.5, 2.1).half_width, 0.25)

    def test_without_an_interval_it_says_so(self):
        f = headline.Figure("one repetition", 3.0)
        self.assertEqual(f.line, "3.00x (no interval)")
        self.assertIsNone(f.half_width)

    def test_a_unit_other_than_x_is_spelled_after_every_number(self):
        f = headline.Figure("saved", 2.07, 2.06, 2.08, unit=" RTT")
        self.assertEqual(f.line, "2.07 RTT (95 % CI 2.06–2.08 RTT, ±0.5 %)")

    def test_figure_from_a_ci_triple_is_none_when_not_measured(self):
        self.assertIsNone(headline.figure("x", (None, None, None)))
        self.assertIsNone(headline.figure("x", None))
        self.assertEqual(headline.figure("x", (2.0, 1.0, 3.0)), headline.Figure("x", 2.0, 1.0, 3.0))

    def test_overlapping_intervals_agree_and_disjoint_ones_differ(self):
        a = headline.Figure("f", 6.0, 5.8, 6.2)
        self.assertEqual(headline.agreement(a, headline.Figure("f", 6.3, 6.2, 6.4)), "agrees")  # touching
        self.assertEqual(headline.agreement(a, headline.Figure("f", 7.0, 6.5, 7.5)), "differs")
        self.assertIsNone(headline.agreement(a, headline.Figure("f", 6.0)))
        self.assertIsNone(headline.agreement(a, None))


class HeadlineOnFixturesTest(unittest.TestCase):
    def test_every_scenario_module_has_headline(self):
        for name in scenarios.known():
            self.assertTrue(callable(getattr(scenarios.get(name), "headline", None)), name)

    def test_every_figure_lies_inside_its_interval_and_has_a_unique_label(self):
        for name in scenarios.known():
            figures = scenarios.get(name).headline(load(name))
            self.assertTrue(figures, name)
            self.assertEqual(len({f.label for f in figures}), len(figures), name)
            for f in figures:
                self.assertTrue(f.has_interval, f)
                self.assertLessEqual(f.low, f.estimate, f)
                self.assertLessEqual(f.estimate, f.high, f)

    def test_pooling_fixture_without_python_models_gives_f_over_both_protocols(self):
        r = load("pooling")
        figures = pooling.headline(r)
        self.assertEqual([f.label for f in figures],
                         ["F, median of the C++ models, pooled ÷ unpooled, HTTPS",
                          "F, median of the C++ models, pooled ÷ unpooled, HTTP"])
        v = pv.decide(r.runs)
        self.assertEqual((figures[0].estimate, figures[0].low, figures[0].high), v.factors_ci[("https", 0)])
        self.assertEqual((figures[1].estimate, figures[1].low, figures[1].high), v.factors_ci[("http", 0)])

    def test_rtt_gives_the_round_trips_a_new_connection_adds_per_protocol(self):
        r = load("rtt")
        figures = scenarios.get("rtt").headline(r)
        v = rv.decide(r.runs)
        self.assertEqual(len(figures), 3)
        for f, proto in zip(figures, ("http", "https_tls1.3", "https_tls1.2")):
            self.assertIn(rv.PROTO_LABEL[proto] + ",", f.label)
            self.assertIn(f"RTT {v.rtt_ms} ms", f.label)
            self.assertEqual(f.unit, " RTT")
            self.assertEqual((f.estimate, f.low, f.high), v.saved_ci[proto])

    def test_sync_vs_async_gives_the_verdicts_pairs(self):
        r = load("sync_vs_async")
        figures = scenarios.get("sync_vs_async").headline(r)
        pairs = sv.headline_pairs(r.runs)
        self.assertEqual(len(figures), 2)
        self.assertEqual([(f.estimate, f.low, f.high) for f in figures], [p.speedup for p in pairs])
        self.assertTrue(figures[0].label.startswith("Python: `py_requests/sequential` ÷ `py_aiohttp/gather`"))
        self.assertTrue(figures[1].label.startswith("C++: `asio_coro/sequential` ÷ `asio_coro/gather`"))

    def test_limits_gives_rate_and_connector_figures_per_model_aiohttp_first(self):
        figures = scenarios.get("limits").headline(load("limits"))
        self.assertEqual(len(figures), 6)
        self.assertTrue(figures[0].label.startswith("`py_aiohttp` throughput ÷ (limit ÷ delay), limit:"))
        self.assertEqual(figures[1].label, "`py_aiohttp` connector ÷ semaphore over one session, req/s")
        self.assertIn("`asio_coro` connector ÷ workers over one session, req/s", [f.label for f in figures])

    def test_blocking_gives_c3_c5_and_the_server_factor(self):
        labels = [f.label for f in scenarios.get("blocking").headline(load("blocking"))]
        # The fixture is a quick run of an older grid, aiohttp's handlers at c:1, 16 and 64: none at the
        # concurrency that figure is taken at (blocking.AIOHTTP_HEADLINE_C), so it is left out rather than
        # taken at another one (test_blocking.HeadlineConcurrency).
        self.assertEqual(len(labels), 9)
        self.assertEqual(labels[0], "C3: Python `time.sleep` ÷ Python `asyncio.sleep`, total time")
        self.assertEqual(labels[1], "C3: C++ `sleep_for` on the loop ÷ C++ `asio::steady_timer`, total time")
        self.assertEqual(sum(label.startswith("C5: ") for label in labels), 4)
        self.assertFalse([label for label in labels if label.startswith("C3 server, Python")])
        self.assertEqual(sum(label.startswith("Q7 await_yield: ") for label in labels), 2)
        self.assertEqual(labels[-1], "C3 server: asio ÷ blocking engine, steady req/s, c:64")


class HeadlineOfSmallerRunsTest(unittest.TestCase):
    """A default run measures fewer rows than the reference: every module leaves out what is
    missing and the page still renders."""

    def test_default_pooling_run_gives_the_six_figures(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = write_run(tmp, default_pooling_entries())
            figures = pooling.headline(r)
        self.assertEqual([f.label for f in figures], [
            "aiohttp (`py_aiohttp`) pooled ÷ unpooled, HTTPS", "aiohttp (`py_aiohttp`) pooled ÷ unpooled, HTTP",
            "requests (`py_requests`) pooled ÷ unpooled, HTTPS", "requests (`py_requests`) pooled ÷ unpooled, HTTP",
            "F, median of the C++ models, pooled ÷ unpooled, HTTPS",
            "F, median of the C++ models, pooled ÷ unpooled, HTTP"])
        self.assertAlmostEqual(figures[0].estimate, 6.0, delta=0.2)
        self.assertAlmostEqual(figures[4].estimate, 36, delta=1.5)  # the median of 30, 25, 40, 36, 45
        self.assertTrue(all(f.has_interval for f in figures))

    def test_pooling_with_one_python_model_and_one_protocol(self):
        with tempfile.TemporaryDirectory() as tmp:
            entries = [e for e in default_pooling_entries()
                       if "/https/" in e["name"] and "py_aiohttp" not in e["name"]]
            figures = pooling.headline(write_run(tmp, entries))
        self.assertEqual([f.label for f in figures], ["requests (`py_requests`) pooled ÷ unpooled, HTTPS",
                                                      "F, median of the C++ models, pooled ÷ unpooled, HTTPS"])

    def test_partial_runs_of_every_scenario_leave_figures_out_and_still_render(self):
        cases = {
            "pooling": lambda run: "/https/" in run.name.text,
            "rtt": lambda run: "/http/" in run.name.text,
            "limits": lambda run: "/sweep/" in run.name.text,
            "blocking": lambda run: run.name.labels[0] in ("py_client", "client"),
            "sync_vs_async": lambda run: run.name.labels[0] == "asio_coro",
        }
        expected = {"pooling": 1, "rtt": 1, "limits": 3, "blocking": 2, "sync_vs_async": 1}
        for name, keep in cases.items():
            with self.subTest(name):
                r = filtered(name, keep)
                module = scenarios.get(name)
                self.assertEqual(len(module.headline(r)), expected[name], [f.label for f in module.headline(r)])
                text = page.render(module, r, {}, reference_dir=FIXTURES)
                self.assertIn("## This run beside the reference", text)
                self.assertIn("not measured in this run", text)

    def test_nothing_measured_gives_no_figures(self):
        for name in scenarios.known():
            with self.subTest(name):
                r = filtered(name, lambda run: run.failed)
                self.assertEqual(scenarios.get(name).headline(r), [])


class BesideReferenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="report_beside.")

        def faster_https(bench):
            # Pooled HTTPS twice as fast in this run: F over HTTPS moves clear of the reference's.
            for e in bench["benchmarks"]:
                if "/pool/https/" in e["name"] and "req_per_s" in e:
                    e["req_per_s"] *= 2
        copy_fixture(cls.tmp, "pooling", faster_https)
        cls.results = results.load(cls.tmp, "pooling")
        cls.section = headline.beside_section(pooling, cls.results, FIXTURES)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def rows(self):
        return {line.split(" | ")[0].lstrip("| "): line for line in self.section.splitlines()
                if line.startswith("| F")}

    def test_section_has_a_table_of_both_runs_figures(self):
        self.assertTrue(self.section.startswith("## This run beside the reference\n\n"))
        self.assertIn("| figure | this run (95 % CI) | committed reference (95 % CI) | intervals |", self.section)
        self.assertEqual(len(self.rows()), 2)

    def test_moved_figure_differs_and_unchanged_one_agrees(self):
        rows = self.rows()
        self.assertTrue(rows["F, median of the C++ models, pooled ÷ unpooled, HTTPS"].endswith("| **differs** |"))
        self.assertTrue(rows["F, median of the C++ models, pooled ÷ unpooled, HTTP"].endswith("| agrees |"))

    def test_reference_date_and_machine_are_named(self):
        self.assertIn("was measured 2026-11-22T02:30:00+00:00 on bench-1 (2 cores, 24 GiB RAM, "
                      "Debian GNU/Linux 12, kernel 6.1.0)", self.section)

    def test_section_sits_right_after_the_verdict_heading(self):
        text = page.render(pooling, self.results, {}, reference_dir=FIXTURES)
        verdict_at = text.index("> **Verdict.**")
        beside_at = text.index("## This run beside the reference")
        claim_at = text.index("## The claim")
        self.assertLess(verdict_at, beside_at)
        self.assertLess(beside_at, claim_at)
        self.assertNotIn("\n## ", text[verdict_at:beside_at])

    def test_the_reference_itself_gets_no_section(self):
        self.assertIsNone(headline.beside_section(pooling, load("pooling"), FIXTURES))
        self.assertNotIn("beside the reference", page.render(pooling, load("pooling"), {}, reference_dir=FIXTURES))

    def test_reference_is_only_read(self):
        ref = os.path.join(FIXTURES, "pooling")
        before = {n: os.path.getmtime(os.path.join(ref, n)) for n in os.listdir(ref)}
        page.write_page(pooling, self.results, charts=False, reference_dir=FIXTURES)
        self.assertEqual(before, {n: os.path.getmtime(os.path.join(ref, n)) for n in os.listdir(ref)})

    def test_missing_reference_is_one_line(self):
        with tempfile.TemporaryDirectory() as empty:
            section = headline.beside_section(pooling, self.results, empty)
        body = section.split("\n\n", 1)[1]
        self.assertEqual(body.count("\n"), 0)
        self.assertIn("No committed reference to compare with", body)

    def test_unreadable_reference_is_one_line(self):
        with tempfile.TemporaryDirectory() as broken:
            os.makedirs(os.path.join(broken, "pooling"))
            with open(os.path.join(broken, "pooling", "bench.json"), "w", encoding="utf-8") as f:
                f.write("{not json")
            section = headline.beside_section(pooling, self.results, broken)
        body = section.split("\n\n", 1)[1]
        self.assertEqual(body.count("\n"), 0)
        self.assertIn("could not be read", body)

    def test_environment_variable_points_at_the_reference(self):
        old = os.environ.get(headline.REFERENCE_ENV)
        os.environ[headline.REFERENCE_ENV] = FIXTURES
        try:
            self.assertEqual(headline.reference_dir(), FIXTURES)
            self.assertEqual(headline.beside_section(pooling, self.results), self.section)
        finally:
            if old is None:
                del os.environ[headline.REFERENCE_ENV]
            else:
                os.environ[headline.REFERENCE_ENV] = old

    def test_default_reference_is_results_under_the_repository(self):
        old = os.environ.pop(headline.REFERENCE_ENV, None)
        try:
            self.assertEqual(headline.reference_dir(), os.path.join(REPO, "results"))
        finally:
            if old is not None:
                os.environ[headline.REFERENCE_ENV] = old

    def test_figures_only_in_one_run_are_listed_as_such(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = write_run(tmp, default_pooling_entries())
            section = headline.beside_section(pooling, r, FIXTURES)
        self.assertIn("| aiohttp (`py_aiohttp`) pooled ÷ unpooled, HTTPS | 6.", section)
        self.assertIn("| not in the reference | — |", section)


class RunJsonTest(unittest.TestCase):
    RUN = {"scenario": "pooling", "mode": "default", "measure_s": 97.3, "budget_s": 110, "target_ci": 0.05,
           "repetitions_min": 4, "repetitions_max": 6, "policy_min": 4, "policy_max": 12, "stop": "budget", "finished": "2026-11-30T00:10:00+00:00"}

    def test_setup_table_shows_mode_adaptive_repetitions_and_why_it_stopped(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = write_run(tmp, default_pooling_entries(), run_json=self.RUN)
        table = page.setup_table(r)
        self.assertIn("| run | 2026-11-30T00:00:00+00:00 on laptop, default (", table)
        self.assertIn("| repetitions | 4–6 per benchmark, adaptive: until each headline interval is within ±5 % "
                      "(at least 4, at most 12), budget 110 s; medians, CVs and 95 % CIs over them (a pair uses "
                      "the repetitions both sides have) |", table)
        self.assertIn("| measuring | 97.3 s; stopped: the time budget ran out (110 s); finished "
                      "2026-11-30T00:10:00+00:00 |", table)
        self.assertEqual(r.mode, "default")
        self.assertFalse(r.quick)

    def test_fixed_reference_run(self):
        run = dict(self.RUN, mode="reference", budget_s=None, target_ci=None, repetitions_min=10,
                   repetitions_max=10, policy_min=10, policy_max=10, stop="fixed", measure_s=610)
        with tempfile.TemporaryDirectory() as tmp:
            r = write_run(tmp, [e for e in default_pooling_entries() if e["repetition_index"] < 4], run_json=run)
        table = page.setup_table(r)
        self.assertIn("on laptop, reference (", table)
        self.assertIn("| repetitions | 4 per benchmark, fixed; medians, CVs and 95 % CIs over them |", table)
        self.assertIn("| measuring | 610 s; stopped: a fixed number of repetitions;", table)

    def test_older_results_without_run_json_keep_their_setup_table(self):
        r = load("pooling")
        self.assertIsNone(r.run)
        table = page.setup_table(r)
        self.assertNotIn("| measuring |", table)
        self.assertIn("| repetitions | 3 per benchmark; medians, CVs and 95 % CIs over them |", table)
        self.assertIn("on bench-1, full |", table)

    def test_quick_from_suite_mode_and_from_suite_quick(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = write_run(tmp, default_pooling_entries(), context={"suite_mode": "quick"})
        self.assertTrue(r.quick)
        self.assertEqual(r.mode, "quick")
        with tempfile.TemporaryDirectory() as tmp:
            r = write_run(tmp, default_pooling_entries(), context={"suite_quick": "true"})
        self.assertTrue(r.quick)
        self.assertIn("**quick**", page.run_text(r))

    def test_run_json_that_is_not_an_object_is_a_report_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(results.ReportError):
                write_run(tmp, default_pooling_entries(), run_json=[1, 2])


class UnequalRepetitionsTest(unittest.TestCase):
    """Adaptive runs repeat benchmarks a different number of times: pairing by repetition index
    uses the repetitions both sides have (the shortest list sets n)."""

    def test_median_across_takes_the_shortest(self):
        self.assertEqual(stats.median_across([[1, 2, 3, 4], [3, 4], [2, 6, 9]]), [2, 4])

    def test_paired_ratio_uses_the_common_repetitions(self):
        self.assertEqual(stats.paired_ratios([2, 4, 6, 8, 10], [1, 2, 3]), [2, 2, 2])
        self.assertEqual(stats.paired_ratio_ci([2, 4, 6, 8, 10], [1, 2, 3]), (2, 2, 2))

    def test_pooling_factor_of_an_unequal_pair(self):
        entries = (reps("pooling/asio_coro/pool/https/c:32/delay_ms:0", [4000, 4400, 4000, 4400, 4000, 4400])
                   + reps("pooling/asio_coro/nopool/https/c:32/delay_ms:0", [1000, 1100, 1000, 1100]))
        runs = results.group_benchmarks(entries)
        pair = pv.pairs(runs, 0)[0]
        self.assertEqual(len(pair.factor_reps), 4)
        self.assertAlmostEqual(pair.factor_ci[0], 4.0)


class CliHeadlineLinesTest(unittest.TestCase):
    def test_report_prints_one_line_per_headline_figure_after_its_other_lines(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "pooling"))
            with open(os.path.join(tmp, "pooling", "bench.json"), "w", encoding="utf-8") as f:
                json.dump({"context": {}, "benchmarks": default_pooling_entries()}, f)
            env = dict(os.environ, **{headline.REFERENCE_ENV: FIXTURES})
            done = subprocess.run([REPORT, "--out", tmp, "--scenario", "pooling", "--no-charts"],
                                  capture_output=True, text=True, timeout=120, env=env)
            with open(os.path.join(tmp, "pooling", "README.md"), encoding="utf-8") as f:
                text = f.read()
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertEqual(len(lines), 3 + 6, done.stdout)
        self.assertTrue(lines[2].startswith("report: "))  # the verdict line stays third
        for line in lines[3:]:
            self.assertRegex(line, LINE)
        self.assertEqual(LINE.match(lines[3]).group(1), "aiohttp (`py_aiohttp`) pooled ÷ unpooled, HTTPS")
        self.assertEqual(LINE.match(lines[-1]).group(1), "F, median of the C++ models, pooled ÷ unpooled, HTTP")
        self.assertIn("## This run beside the reference", text)

    def test_one_repetition_prints_no_interval(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "pooling"))
            single = [entry("pooling/asio_coro/pool/https/c:32/delay_ms:0", req_per_s=4000.0, requests=1000,
                            conns_opened=32),
                      entry("pooling/asio_coro/nopool/https/c:32/delay_ms:0", req_per_s=1000.0, requests=1000,
                            conns_opened=1000)]
            with open(os.path.join(tmp, "pooling", "bench.json"), "w", encoding="utf-8") as f:
                json.dump({"context": {}, "benchmarks": single}, f)
            env = dict(os.environ, **{headline.REFERENCE_ENV: tmp + "/none"})
            done = subprocess.run([REPORT, "--out", tmp, "--scenario", "pooling", "--no-charts"],
                                  capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.splitlines()[-1],
                         "report: F, median of the C++ models, pooled ÷ unpooled, HTTPS: 4.00x (no interval)")


if __name__ == "__main__":
    unittest.main()
