"""The spread between whole runs (report_lib/between_runs.py): the arithmetic of the widening, the
table measured from runs, where it applies (headline figures, the page's note, the verdict's outcome
over the runs), that the committed table covers every headline figure of the reference, and that every
scenario's verdict word was the same in every run it was measured from."""
import json
import math
import os
import shutil
import subprocess
import tempfile
import unittest

from report_lib import between_runs, headline, page, results, scenarios, stats, verdict

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
REPO = os.path.dirname(os.path.dirname(HERE))
COMMITTED = os.path.join(REPO, "results")


def table_with(scenario, spreads, runs=3):
    return {"scenarios": {scenario: {"runs": runs, "measured": [], "spreads": spreads}}}


class WidenTest(unittest.TestCase):
    def spread(self, **spreads):
        return between_runs.Spread("queue", {"runs": 3, "spreads": spreads})

    def test_log_spread_adds_in_quadrature_per_side(self):
        s = self.spread(f={"kind": "log", "s": 0.05, "runs": 3})
        est, lo, hi = s.widen("f", (2.0, 1.9, 2.2))
        hb = stats.t975(2) * 0.05
        self.assertEqual(est, 2.0)
        self.assertAlmostEqual(lo, 2.0 * math.exp(-math.hypot(math.log(2.0 / 1.9), hb)))
        self.assertAlmostEqual(hi, 2.0 * math.exp(math.hypot(math.log(2.2 / 2.0), hb)))
        self.assertLess(lo, 1.9)
        self.assertGreater(hi, 2.2)

    def test_raw_spread_for_values_that_can_be_zero(self):
        s = self.spread(d={"kind": "raw", "s": 0.1, "runs": 4})
        est, lo, hi = s.widen("d", (0.0, -0.05, 0.05))
        hb = stats.t975(3) * 0.1
        self.assertAlmostEqual(lo, -math.hypot(0.05, hb))
        self.assertAlmostEqual(hi, math.hypot(0.05, hb))

    def test_nothing_added_where_nothing_moved_or_nothing_is_known(self):
        s = self.spread(exact={"kind": "log", "s": 0.0, "runs": 6})
        self.assertEqual(s.widen("exact", (100.0, 100.0, 100.0)), (100.0, 100.0, 100.0))
        self.assertEqual(s.widen("unknown", (2.0, 1.9, 2.1)), (2.0, 1.9, 2.1))
        self.assertEqual(s.widen("exact", (2.0, None, None)), (2.0, None, None))
        self.assertIsNone(s.widen("exact", None))

    def test_fewer_runs_widen_more(self):
        few = between_runs.Spread("q", {"runs": 3, "spreads": {"f": {"kind": "log", "s": 0.05, "runs": 3}}})
        many = between_runs.Spread("q", {"runs": 8, "spreads": {"f": {"kind": "log", "s": 0.05, "runs": 8}}})
        self.assertGreater(few.widen("f", (2.0, 1.9, 2.1))[2], many.widen("f", (2.0, 1.9, 2.1))[2])


class ActiveTest(unittest.TestCase):
    """Only within active(scenario) do figures and checks carry the spread, from the table under the
    reference directory given."""

    def setUp(self):
        self.ref = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.ref)
        with open(os.path.join(self.ref, between_runs.FILE_NAME), "w", encoding="utf-8") as f:
            json.dump(table_with("queue", {"ratio": {"kind": "log", "s": 0.1, "runs": 3}}), f)

    def test_a_check_decides_on_this_runs_interval(self):
        # Did this run clear the rule? Whether the word holds beyond it is what the runs show.
        with between_runs.active("queue", self.ref):
            check = verdict.at_least("ratio", (1.3, 1.25, 1.35), 1.2)
        self.assertEqual((check.status, check.low), (verdict.PASSED, 1.25))

    def test_the_verdict_says_how_it_came_out_over_the_runs(self):
        table = table_with("queue", {})
        table["scenarios"]["queue"]["measured"] = [{"word": "confirmed"}] * 2 + [{"word": "nuanced"}]
        table["scenarios"]["queue"]["outcomes"] = {"ratio": {"passed": 2, "failed": 1}}
        with open(os.path.join(self.ref, between_runs.FILE_NAME), "w", encoding="utf-8") as f:
            json.dump(table, f)
        check = verdict.at_least("ratio", (1.3, 1.25, 1.35), 1.2)
        with between_runs.active("queue", self.ref):
            self.assertIn("the verdict was **confirmed** in 2, **nuanced** in 1 of 3", page.words_over_runs())
            self.assertIn("passed in 2, failed in 1 of 3", page.checks_table([check]))
        self.assertEqual(page.words_over_runs(), "")
        self.assertNotIn("of 3", page.checks_table([check]))

    def test_a_headline_figure_carries_it(self):
        with between_runs.active("queue", self.ref):
            f = headline.figure("ratio", (1.3, 1.25, 1.35))
        self.assertLess(f.low, 1.25)
        self.assertEqual(headline.figure("ratio", (1.3, 1.25, 1.35)).low, 1.25)

    def test_the_page_says_which_variation_an_interval_covers(self):
        with between_runs.active("queue", self.ref):
            covered = page.intervals_note()
        with between_runs.active("pooling", self.ref):
            repetitions_only = page.intervals_note()
        self.assertIn("between whole runs of this scenario, measured over 3 runs", covered)
        self.assertIn("does not cover what changes between runs", repetitions_only)
        for note in (covered, repetitions_only):
            self.assertTrue(note.startswith(page.INTERVALS_NOTE_START))

    def test_a_missing_or_broken_table_adds_nothing(self):
        with open(os.path.join(self.ref, between_runs.FILE_NAME), "w", encoding="utf-8") as f:
            f.write("{not json")
        with between_runs.active("queue", self.ref):
            self.assertEqual(verdict.at_least("ratio", (1.3, 1.25, 1.35), 1.2).status, verdict.PASSED)
            self.assertEqual(between_runs.current_runs(), 0)


def copy_queue_run(into, scale=1.0, mode="default"):
    """The queue fixture into `into` as a run of `mode`, its unbounded peak depth times `scale`."""
    target = os.path.join(into, "queue")
    shutil.copytree(os.path.join(FIXTURES, "queue"), target)
    path = os.path.join(target, "bench.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    data["context"]["suite_mode"] = mode
    data["context"]["suite_quick"] = "true" if mode == "quick" else "false"
    for b in data["benchmarks"]:
        if "max_depth" in b and "/unbounded/" in b["name"]:
            b["max_depth"] *= scale
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)
    with open(os.path.join(target, "run.json"), encoding="utf-8") as f:
        run = json.load(f)
    run["mode"] = mode
    with open(os.path.join(target, "run.json"), "w", encoding="utf-8") as f:
        json.dump(run, f)


class MeasureTest(unittest.TestCase):
    """The table from real runs: the queue fixture twice, one copy with the unbounded queue's peak depth
    10 % higher."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.dirs = [os.path.join(self.tmp, n) for n in ("a", "b", "quick")]
        copy_queue_run(self.dirs[0])
        copy_queue_run(self.dirs[1], scale=1.1)
        copy_queue_run(self.dirs[2], scale=3.0, mode="quick")

    def test_what_moved_has_a_spread_and_exact_counts_none(self):
        entry = between_runs.measure(self.dirs)["scenarios"]["queue"]
        self.assertEqual(entry["runs"], 2)  # the quick run is left out
        spreads = entry["spreads"]
        moved = [k for k, v in spreads.items() if v["s"] > 1e-9]
        self.assertTrue(moved)
        self.assertTrue(all("peak depth" in k for k in moved), moved)
        self.assertEqual([m["word"] for m in entry["measured"]], ["confirmed", "confirmed"])
        self.assertEqual(entry["outcomes"]["C++ (Asio): bounded peak depth = maxsize"], {"passed": 2})
        depth = next(v for k, v in spreads.items() if k.startswith("C++ (Asio): peak depth, unbounded ÷ bounded"))
        self.assertAlmostEqual(depth["s"], statistics_stdev_log([1.0, 1.1]), places=6)
        self.assertEqual(spreads["Python (asyncio.Queue): bounded producer rate ÷ consumer rate"]["s"], 0)

    def test_one_run_gives_no_entry(self):
        self.assertNotIn("queue", between_runs.measure(self.dirs[:1])["scenarios"])


def statistics_stdev_log(values):
    logs = [math.log(v) for v in values]
    m = sum(logs) / len(logs)
    return math.sqrt(sum((x - m) ** 2 for x in logs) / (len(logs) - 1))


class CommittedTableTest(unittest.TestCase):
    """results/between_runs.json covers every headline figure of the committed reference (a renamed
    label cannot quietly lose its between-run spread), and every scenario's verdict word was the
    same in every run the table was measured from: the word does not flip between runs."""

    def test_every_headline_figure_of_the_reference_has_a_spread(self):
        table = between_runs.load(COMMITTED)
        self.assertTrue(table.get("scenarios"), "results/between_runs.json is missing or empty")
        uncovered = []
        for name in scenarios.known():
            if not os.path.isfile(os.path.join(COMMITTED, name, "bench.json")):
                continue
            entry = table["scenarios"].get(name)
            if entry is None:
                uncovered.append(f"{name}: not in the table")
                continue
            self.assertGreaterEqual(entry["runs"], 3, name)
            loaded = results.load(COMMITTED, name)
            module = scenarios.get(name)
            with between_runs.active(name):
                figures = [f for f in module.headline(loaded) if f.has_interval]
            for f in figures:
                if f.label in entry["spreads"]:
                    self.assertTrue(f.between, f.label)
                    continue
                # Only a figure of the reference's longer grid, which no default rerun measures, may go
                # without, and it says so wherever it is shown.
                self.assertFalse(f.between, f.label)
                self.assertIn("no spread between runs measured for it", f.shown_label)
                if f.label not in entry.get("one_run", []):
                    uncovered.append(f"{name}: {f.label}")
        self.assertEqual(uncovered, [])

    def test_one_verdict_word_over_every_run(self):
        table = between_runs.load(COMMITTED)
        flipped = {}
        for name, entry in table.get("scenarios", {}).items():
            words = {m.get("word") for m in entry["measured"]}
            with between_runs.off():
                words.add(scenarios.get(name).verdict(results.load(COMMITTED, name)).word)
            if len(words) != 1:
                flipped[name] = sorted(words)
        self.assertTrue(table.get("scenarios"))
        self.assertEqual(flipped, {})


if __name__ == "__main__":
    unittest.main()


class SetupDependentTest(unittest.TestCase):
    """A figure that depends on the machine's setup more than on the mechanism says so beside it (issue
    27): a cold disk's reads, loopback UDP, the scheduling of many blocking threads on two cores, the system's CA bundle."""

    EXPECTED = {"files": "cold cache", "streams": "UDP", "blocking": "blocking engine",
                "pooling": "system CA bundle"}

    def test_the_reference_marks_exactly_those(self):
        for name, needles in self.EXPECTED.items():
            needles = (needles,) if isinstance(needles, str) else needles
            figures = scenarios.get(name).headline(results.load(COMMITTED, name))
            marked = {f.label for f in figures if f.setup}
            wanted = {f.label for f in figures if any(n in f.label for n in needles)}
            self.assertTrue(wanted, name)
            self.assertEqual(marked, wanted, name)
            for f in figures:
                if f.setup:
                    self.assertIn("(depends on the setup: ", f.shown_label)

    def test_a_cold_disk_is_not_in_the_files_rule(self):
        v = scenarios.get("files").verdict(results.load(COMMITTED, "files"))
        self.assertFalse([c.name for c in v.checks if "cold" in c.name])
        self.assertTrue(v.beside_rule)


class WriteTest(unittest.TestCase):
    def test_a_scenario_not_measured_keeps_its_entry(self):
        ref = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, ref)
        with open(os.path.join(ref, between_runs.FILE_NAME), "w", encoding="utf-8") as f:
            json.dump(table_with("pooling", {"x": {"kind": "log", "s": 0.1, "runs": 3}}), f)
        runs = [os.path.join(ref, n) for n in ("a", "b")]
        for d, scale in zip(runs, (1.0, 1.2)):
            copy_queue_run(d, scale=scale)
        _path, table, measured = between_runs.write(runs, ref)
        self.assertEqual(set(measured["scenarios"]), {"queue"})
        self.assertEqual(set(between_runs.load(ref)["scenarios"]), {"pooling", "queue"})
        self.assertEqual(between_runs.load(ref)["scenarios"]["pooling"]["spreads"]["x"]["s"], 0.1)


class MachineLineTest(unittest.TestCase):
    def run_on(self, machine):
        return type("R", (), {"ctx": lambda self, key, default=None: machine if key == "suite_machine" else default})()

    def test_a_different_host_is_said(self):
        text = headline._machine_text(self.run_on("2 cores, kernel v1272"), self.run_on("2 cores, kernel v669"))
        self.assertIn("not the reference's (2 cores, kernel v1272)", text)
        self.assertEqual(headline._machine_text(self.run_on("same"), self.run_on("same")), "")
        self.assertEqual(headline._machine_text(self.run_on(None), self.run_on("same")), "")


class CliTest(unittest.TestCase):
    def test_the_cli_says_what_the_headline_intervals_cover(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        shutil.copytree(os.path.join(COMMITTED, "queue"), os.path.join(tmp, "queue"),
                        ignore=shutil.ignore_patterns("charts", "README.md"))
        out = subprocess.run([os.path.join(REPO, "scripts", "report"), "--out", tmp, "--scenario", "queue",
                              "--no-charts"], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        header = next(i for i, line in enumerate(lines) if "each interval also covers the spread between whole runs" in line)
        self.assertTrue(all(line.startswith("report: ") for line in lines[header + 1:]))
        self.assertGreater(len(lines) - header - 1, 0)
