"""scripts/report --compare A B (compare.py) and the agreement rule it shares with the page's
table "This run beside the reference" (headline.agreement).

The fixtures are two real runs of the queue scenario, bench.json and run.json as bench wrote them:
fixtures/compare/reference/queue is the committed reference (results/queue, a --reference run of
2026-11-30) and fixtures/compare/run/queue a default run (`build/bench --filter=queue`, 2026-12-07).
They agree; a changed verdict is made by editing a copy of the run."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from report_lib import compare, headline, queue, results

from . import REPO

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "compare")
REFERENCE = os.path.join(FIXTURES, "reference")
RUN = os.path.join(FIXTURES, "run")
REPORT = os.path.join(REPO, "scripts", "report")

PEAK_CPP = ("C++ (Asio): peak depth, unbounded ÷ bounded "
            "(5,000 items against maxsize 100: grows with the run)")
PEAK_PY = ("Python (asyncio.Queue): peak depth, unbounded ÷ bounded "
           "(5,000 items against maxsize 100: grows with the run)")
BOUND_PY = "Python (asyncio.Queue): bounded peak depth = maxsize"


def fig(estimate, low, high, unit="x"):
    return headline.Figure("f", estimate, low, high, unit)


def run_with_python_bound_broken(tmp):
    """A copy of the default run where Python's bounded queue peaked at 150 items against maxsize
    100: the check of the bound fails (the verdict turns nuanced) and Python's peak depth,
    unbounded ÷ bounded, falls by a third, far beyond the reference's interval."""
    shutil.copytree(os.path.join(RUN, "queue"), os.path.join(tmp, "queue"))
    path = os.path.join(tmp, "queue", "bench.json")
    with open(path, encoding="utf-8") as f:
        bench = json.load(f)
    for e in bench["benchmarks"]:
        if "/py_asyncio/bounded/" in e["name"]:
            e["max_depth"] = 150
    with open(path, "w", encoding="utf-8") as f:
        json.dump(bench, f)
    return tmp


def report(*args):
    return subprocess.run([REPORT, *args], capture_output=True, text=True, timeout=120)


class AgreementRuleTest(unittest.TestCase):
    """'differs' only when the intervals are disjoint AND the estimates are more than
    PRACTICAL_GAP apart; in either order of the two figures."""

    def both_ways(self, a, b):
        word = headline.agreement(a, b)
        self.assertEqual(headline.agreement(b, a), word)
        return word

    def test_disjoint_and_far_apart_differs_whichever_side_is_higher(self):
        self.assertEqual(headline.agreement(fig(7.0, 6.5, 7.5), fig(6.0, 5.8, 6.2)), headline.DIFFERS)
        self.assertEqual(headline.agreement(fig(6.0, 5.8, 6.2), fig(7.0, 6.5, 7.5)), headline.DIFFERS)

    def test_disjoint_but_close_agrees(self):
        # Issue 23: 8,570 B beside 8,580 B (0.1 %) with tight disjoint intervals was marked differs.
        a, b = fig(8570, 8566, 8574, " B"), fig(8580, 8576, 8584, " B")
        self.assertTrue(a.high < b.low)
        self.assertEqual(self.both_ways(a, b), headline.AGREES)

    def test_the_threshold_is_the_larger_estimate_times_the_practical_gap(self):
        self.assertEqual(headline.PRACTICAL_GAP, 0.05)
        # 100 beside 95.1 is 4.9 % apart, beside 94.9 5.1 %: intervals disjoint in both.
        self.assertEqual(self.both_ways(fig(100, 99.9, 100.1), fig(95.1, 95.0, 95.2)), headline.AGREES)
        self.assertEqual(self.both_ways(fig(100, 99.9, 100.1), fig(94.9, 94.8, 95.0)), headline.DIFFERS)

    def test_overlapping_intervals_agree_however_far_apart_the_estimates(self):
        self.assertEqual(self.both_ways(fig(2.0, 1.0, 3.0), fig(2.9, 2.5, 3.5)), headline.AGREES)

    def test_zero_beside_zero_agrees_and_no_interval_gives_no_word(self):
        self.assertEqual(self.both_ways(fig(0.0, 0.0, 0.0, " %"), fig(0.0, 0.0, 0.0, " %")), headline.AGREES)
        self.assertIsNone(self.both_ways(fig(2.0, 1.0, 3.0), headline.Figure("f", 9.0)))
        self.assertIsNone(headline.agreement(fig(2.0, 1.0, 3.0), None))

    def test_the_rule_is_stated_with_its_threshold(self):
        self.assertIn("disjoint", headline.AGREEMENT_RULE)
        self.assertIn("more than 5 % apart", headline.AGREEMENT_RULE)


class TwoRealRunsTest(unittest.TestCase):
    """The default run beside the reference: the same verdict, every figure agrees, though some
    intervals are disjoint (each covers one run's noise only)."""

    @classmethod
    def setUpClass(cls):
        # The rule on the runs' own intervals: the reference directory here holds no between-run
        # table (with the committed one, both intervals widen; see test_between_runs_widen_them).
        old = os.environ.get(headline.REFERENCE_ENV)
        os.environ[headline.REFERENCE_ENV] = REFERENCE
        try:
            cls.found = compare.compare(RUN, REFERENCE)
        finally:
            if old is None:
                del os.environ[headline.REFERENCE_ENV]
            else:
                os.environ[headline.REFERENCE_ENV] = old
        cls.queue = cls.found.scenarios[0]

    def test_between_runs_widen_them(self):
        # With the committed spread between whole runs, the pair disjoint on its own intervals overlaps.
        pair = next(p for p in compare.compare(RUN, REFERENCE).scenarios[0].figures if p.label == PEAK_CPP)
        self.assertGreaterEqual(pair.a.high, pair.b.low)
        self.assertEqual(pair.word, headline.AGREES)

    def test_one_scenario_in_common_with_both_verdicts(self):
        self.assertEqual([s.scenario for s in self.found.scenarios], ["queue"])
        self.assertEqual((self.queue.word_a, self.queue.word_b), ("confirmed", "confirmed"))
        self.assertEqual((self.queue.mode_a, self.queue.mode_b), ("default", "reference"))
        self.assertTrue(self.queue.verdict_same)
        self.assertEqual(self.queue.checks, [])

    def test_every_figure_is_matched_by_label_and_agrees(self):
        self.assertEqual(len(self.queue.figures), 8)
        self.assertEqual(self.queue.one_sided, [])
        self.assertEqual([p.word for p in self.queue.figures], [headline.AGREES] * 8)

    def test_disjoint_intervals_a_few_percent_apart_agree(self):
        pair = next(p for p in self.queue.figures if p.label == PEAK_CPP)
        self.assertLess(pair.a.high, pair.b.low)  # 30.9x (30.8–31.0x) beside 31.7x (31.4–32.0x)
        self.assertLess(headline.relative_gap(pair.a, pair.b), headline.PRACTICAL_GAP)
        self.assertEqual(pair.word, headline.AGREES)

    def test_summary_says_it_in_a_few_lines(self):
        lines = compare.summary_lines(self.found)
        self.assertEqual(lines, [
            f"report: comparing A = {RUN} with B = {REFERENCE}",
            "report: " + headline.AGREEMENT_RULE,
            'report: queue (A default, B reference): verdict "confirmed" in both; '
            "8 figures in both: 8 agree, 0 differ"])

    def test_every_figure_shows_both_sides_with_their_intervals(self):
        lines = compare.summary_lines(self.found, every_figure=True)
        self.assertEqual(len(lines), 3 + 8)
        self.assertIn(f"report:   agrees: {PEAK_CPP}: A 30.9x (95 % CI 30.8–31.0x); B 31.7x (95 % CI 31.4–32.0x); "
                      "2.6 % apart", lines)

    def test_the_page_table_gives_the_same_words(self):
        # headline.beside_section is the page's table: run beside reference, the same rule.
        section = headline.beside_section(queue, results.load(RUN, "queue"), REFERENCE)
        self.assertIn(f"| {PEAK_CPP} | 30.9x (95 % CI 30.8–31.0x) | 31.7x (95 % CI 31.4–32.0x) | agrees |", section)
        self.assertNotIn("differs", section)
        self.assertIn(headline.AGREEMENT_RULE, section)


class ChangedRunTest(unittest.TestCase):
    """The run with Python's bound broken: a check changed outcome and a figure moved."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = run_with_python_bound_broken(tempfile.mkdtemp(prefix="report_compare."))
        cls.found = compare.compare(cls.tmp, REFERENCE)
        cls.queue = cls.found.scenarios[0]
        cls.lines = compare.summary_lines(cls.found)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_verdict_changed(self):
        self.assertEqual((self.queue.word_a, self.queue.word_b), ("nuanced", "confirmed"))
        self.assertIn('report: queue (A default, B reference): verdict changed: "nuanced" in A, "confirmed" in B; '
                      "8 figures in both: 7 agree, 1 differs", self.lines)

    def test_the_changed_check_is_listed_with_both_figures(self):
        self.assertEqual([(p.name, p.a.status, p.b.status) for p in self.queue.checks],
                         [(BOUND_PY, "failed", "passed")])
        self.assertIn(f"report:   check changed: {BOUND_PY}: failed in A, 150 items (95 % CI 150–150 items); "
                      "passed in B, 100 items (95 % CI 100–100 items)", self.lines)

    def test_the_moved_figure_differs_and_is_listed(self):
        pair = next(p for p in self.queue.figures if p.label == PEAK_PY)
        self.assertEqual(pair.word, headline.DIFFERS)
        self.assertEqual([p.label for p in self.queue.with_word(headline.DIFFERS)], [PEAK_PY])
        self.assertTrue(any(line.startswith(f"report:   differs: {PEAK_PY}: A 24.2x") for line in self.lines),
                        self.lines)

    def test_the_other_way_round_gives_the_same_words(self):
        back = compare.compare(REFERENCE, self.tmp).scenarios[0]
        self.assertEqual((back.word_a, back.word_b), ("confirmed", "nuanced"))
        self.assertEqual([p.word for p in back.figures], [p.word for p in self.queue.figures])
        self.assertEqual([(p.a.status, p.b.status) for p in back.checks], [("passed", "failed")])

    def test_the_page_table_marks_the_same_figure(self):
        section = headline.beside_section(queue, results.load(self.tmp, "queue"), REFERENCE)
        lines = section.splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith("| figure |"))
        rows = lines[header + 2:]  # after the header and its --- line: one row per figure
        words = {row.split(" | ")[0][2:]: row.rsplit(" | ", 1)[1].rstrip(" |") for row in rows}
        self.assertEqual(words, {p.label: ("**differs**" if p.word == headline.DIFFERS else p.word)
                                 for p in self.queue.figures})


class TotalLineTest(unittest.TestCase):
    def test_counts_the_same_verdicts_and_names_the_others(self):
        same = compare.ScenarioComparison("queue", "confirmed", "confirmed")
        moved = compare.ScenarioComparison("files", "nuanced", "confirmed")
        broken = compare.ScenarioComparison("rtt", error="bench.json unreadable")
        self.assertEqual(compare.total_line([same, moved, broken]),
                         "report: verdict the same in 1 of 3 scenarios; not the same: files, rtt")
        self.assertEqual(compare.total_line([same, same]), "report: verdict the same in 2 of 2 scenarios")

    def test_one_scenario_gets_no_total(self):
        self.assertFalse(any("verdict the same in" in line for line in compare.summary_lines(compare.compare(RUN, REFERENCE))))


class GuideLineTest(unittest.TestCase):
    def test_names_every_changed_claim_and_question(self):
        g = compare.GuideComparison([("C1", "confirmed", "confirmed"), ("C11", "inconclusive", "nuanced")],
                                    [("P6", "? undecided", "⚠ half-true"), ("P1", "✓ holds", "✓ holds")])
        self.assertEqual(compare.guide_line(g),
                         "report: the interview guide: claim verdicts the same in 1 of 2, question marks in 1 of 2; "
                         'changed: C11 "inconclusive" in A, "nuanced" in B; P6 "? undecided" in A, "⚠ half-true" in B')

    def test_a_partial_run_has_no_guide_comparison(self):
        self.assertIsNone(compare.compare(RUN, REFERENCE).guide)

    def test_the_reference_beside_itself_keeps_every_word(self):
        results_dir = os.path.join(REPO, "results")  # every scenario the guide reads
        g = compare.compare_guide(results_dir, results_dir)
        assert g is not None
        self.assertEqual(g.changed(), [])
        self.assertTrue(compare.guide_line(g).endswith(f"question marks in {len(g.questions)} of {len(g.questions)}"))


class OneSidedTest(unittest.TestCase):
    def test_checks_on_one_side_are_listed_only_when_they_did_not_pass(self):
        from report_lib import verdict
        a = [verdict.Check("x", verdict.PASSED), verdict.Check("only A, failed", verdict.FAILED),
             verdict.Check("only A, passed", verdict.PASSED)]
        b = [verdict.Check("x", verdict.UNDECIDED), verdict.Check("only B", verdict.UNDECIDED)]
        changed = compare.changed_checks(a, b)
        self.assertEqual([(p.name, p.a is None, p.b is None) for p in changed],
                         [("x", False, False), ("only A, failed", False, True), ("only B", True, False)])

    def test_figures_only_in_one_run_are_listed_as_such(self):
        pairs = compare.pair_figures([headline.Figure("both", 1.0, 0.9, 1.1), headline.Figure("mine", 2.0)],
                                     [headline.Figure("theirs", 3.0), headline.Figure("both", 1.0, 0.9, 1.1)])
        self.assertEqual([(p.label, p.a is not None, p.b is not None) for p in pairs],
                         [("both", True, True), ("mine", True, False), ("theirs", False, True)])
        s = compare.ScenarioComparison("x", "confirmed", "confirmed", figures=pairs)
        self.assertIn("1 figure in both: 1 agrees, 0 differ, 1 only in A, 1 only in B", compare.scenario_lines(s)[0])


class CliTest(unittest.TestCase):
    def test_two_runs_exit_0_with_the_summary_on_stdout(self):
        done = report("--compare", RUN, REFERENCE)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stderr, "")
        self.assertEqual(done.stdout.splitlines(), compare.summary_lines(compare.compare(RUN, REFERENCE)))

    def test_a_missing_directory_is_one_line_on_stderr_and_exit_2(self):
        missing = os.path.join(tempfile.gettempdir(), "report_compare_no_such_dir")
        done = report("--compare", RUN, missing)
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stdout, "")
        self.assertEqual(done.stderr.splitlines(), [f"report: --compare: B ({missing}) is not a directory"])

    def test_no_scenario_in_common_is_one_line_on_stderr_and_exit_2(self):
        with tempfile.TemporaryDirectory() as empty:
            done = report("--compare", empty, REFERENCE)
        self.assertEqual(done.returncode, 2)
        self.assertEqual(len(done.stderr.splitlines()), 1, done.stderr)
        self.assertIn("no scenario in common", done.stderr)


if __name__ == "__main__":
    unittest.main()
