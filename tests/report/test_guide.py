"""The interview guide (scripts/report --guide, report_lib/guide.py) against the committed results.

- The committed results/GUIDE.md is what the generator writes today from results/*/bench.json.
- Every word rests on a check: each claim's verdict word and each question's mark come from checks
  that hold on the committed JSON (the mark's family ✓ ⚠ ✗ equals what the checks give), every
  sentence the page states has backing and every backing holds, and every Python fact a sentence
  rests on is shown by its snippet on this interpreter. A mutation of one committed number makes
  the audit fail naming the sentence whose check broke.
- Every bold value comes from the JSON: each headline figure is recomputed from its scenario module;
  no figure with a unit stands outside bold; a question quotes only experiments about itself.
- Ten minutes to read: at most 2,500 words, no claims row over 300 characters, nothing "not
  measured yet".
- Every relative link in README.md, results/GUIDE.md, docs/claims.md, examples/README.md and
  results/*/README.md resolves to a file inside the repository (nothing under ../shared).
"""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from . import REPO
from report_lib import between_runs, guide, guide_checks, scenarios
from report_lib.guide_claims import CLAIMS
from report_lib.guide_data import Data, Fig, Line, figure_text
from report_lib.guide_questions import FAMILY, Q23, QUESTIONS

RESULTS = os.path.join(REPO, "results")
COMMITTED = os.path.join(RESULTS, "GUIDE.md")
REPORT = os.path.join(REPO, "scripts", "report")
MAX_WORDS = 2500
MAX_ROW = 300

# A figure with a unit: a number (not part of a name like C13 or TLS 1.3's version) then x, ms, s, RTT,
# KiB, MiB, %, req/s.
UNIT_FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?(?:x|ms|s|RTT|KiB|MiB|%|req/s)(?![\w])")


def outside_bold_and_code(text):
    text = re.sub(r"\*\*[^*]+\*\*", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return text.replace("95 %", "")  # the interval's level, not a measurement


def every_backing():
    """Every backing the page rests on, once."""
    seen = {}
    for c in CLAIMS:
        for b in c.supports + c.against:
            seen[b.ref] = b
    for q in QUESTIONS + [Q23]:
        for b in q.supports + q.against:
            seen[b.ref] = b
    for _, s in guide.sentences():
        for b in s.backing:
            seen[b.ref] = b
    return list(seen.values())


def lines_of_the_page():
    for c in CLAIMS:
        yield from (x for x in (c.python, c.cpp) if x is not None)
    for q in QUESTIONS + [Q23]:
        if q.measured is not None:
            yield q.measured


class GuideTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="guide_test.")
        copy = os.path.join(cls.tmp, "results")
        shutil.copytree(RESULTS, copy, ignore=shutil.ignore_patterns("GUIDE.md"))
        cls.cli = subprocess.run([REPORT, "--guide", copy], capture_output=True, text=True, timeout=120)
        with open(os.path.join(copy, "GUIDE.md"), encoding="utf-8") as f:
            cls.page = f.read()
        cls.data = Data(RESULTS)

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

    # --- every word rests on a check ---------------------------------------------------------

    def test_every_claim_mark_and_sentence_rests_on_checks_that_hold(self):
        self.assertEqual(guide.audit(self.data), [])

    def test_every_sentence_names_its_backing(self):
        bare = [where for where, s in guide.sentences() if not s.backing]
        self.assertEqual(bare, [])

    def test_every_python_fact_holds_on_this_interpreter(self):
        facts = sorted({b.fact_id for b in every_backing() if isinstance(b, guide_checks.Fact)})
        self.assertTrue(facts)
        failed = []
        for fact_id in facts:
            holds, observed = guide_checks.run_fact(fact_id)
            if not holds:
                failed.append(f"{fact_id}: {observed}")
        self.assertEqual(failed, [])

    def test_each_claim_word_and_mark_on_the_page_is_the_checks(self):
        for c in CLAIMS:
            word = guide.claim_word(self.data, c)
            row = next(line for line in self.page.splitlines() if line.startswith(f"| {c.cid} {c.material} |"))
            self.assertEqual(row.split(" | ")[1], word, c.material)
        for q in QUESTIONS:
            heading = next(line for line in self.page.splitlines() if line.startswith(f"### {q.qid} ·"))
            self.assertTrue(heading.endswith(q.mark), heading)
            self.assertEqual(FAMILY[q.mark], guide_checks.judge(self.data, q.supports, q.against)[0], q.qid)

    def test_a_mark_the_checks_contradict_is_not_shown(self):
        """A question whose checks give another family than its typed mark shows the checks' family."""
        from dataclasses import replace
        q = next(q for q in QUESTIONS if q.qid == "P10")
        wrong = replace(q, mark="✓ holds")
        self.assertNotEqual(guide.question_mark(self.data, wrong), "✓ holds")
        problems = [p for p in self._audit_with(wrong) if p.startswith("P10:")]
        self.assertTrue(problems, "the audit must name the contradicted mark")

    def _audit_with(self, question):
        from unittest import mock
        patched = [question if q.qid == question.qid else q for q in QUESTIONS]
        with mock.patch.object(guide, "QUESTIONS", patched):
            return guide.audit(self.data)

    def test_mutating_one_committed_number_fails_the_sentence_it_backs(self):
        """Make Python CPU work in to_thread lag the loop as little as in the process pool: the check
        behind "to_thread does not free the loop from Python CPU work" now fails, and the audit names
        that sentence (not merely a page that differs)."""
        copy = os.path.join(self.tmp, "mutated")
        shutil.copytree(RESULTS, copy, ignore=shutil.ignore_patterns("*.png", "GUIDE.md"))
        path = os.path.join(copy, "blocking", "bench.json")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        pool = [b["loop_lag_max_us"] for b in doc["benchmarks"] if "/py_cpu/process_pool/" in b["name"]]
        self.assertTrue(pool)
        thread = [b for b in doc["benchmarks"] if "/py_cpu/to_thread/" in b["name"]]
        self.assertEqual(len(thread), len(pool))
        for b, lag in zip(thread, pool):
            b["loop_lag_max_us"] = lag
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        problems = guide.audit(Data(copy))
        p10 = next(q for q in QUESTIONS if q.qid == "P10")
        named = [p for p in problems if p.startswith("P10 say") and p10.say.text in p]
        self.assertTrue(named, "\n".join(problems))
        self.assertTrue(any("to_thread(work)" in p and "loop lag max" in p for p in named), named)
        self.assertTrue(any(p.startswith("P10:") for p in problems), "the P10 mark no longer holds either")

    # --- every bold value comes from the JSON ------------------------------------------------

    def test_every_headline_figure_on_the_page_is_the_scenario_modules(self):
        for line in lines_of_the_page():
            for part in line.parts:
                if isinstance(part, Fig):
                    f = self.data.figure(part.scenario, *part.needles)
                    self.assertIsNotNone(f, (part.scenario, part.needles))
                    # Recomputed through the scenario module, not the guide's cached data.
                    module = scenarios.get(part.scenario)
                    from report_lib import results
                    with between_runs.active(part.scenario):  # as every page shows it
                        fresh = next(x for x in module.headline(results.load(RESULTS, part.scenario))
                                     if all(n in x.label for n in part.needles))
                    self.assertIn(f"**{figure_text(fresh)}**", self.page, fresh.label)

    def test_every_line_of_the_page_is_measured(self):
        missing = [" ".join(p if isinstance(p, str) else "?" for p in line.parts)
                   for line in lines_of_the_page() if line.text(self.data) is None]
        self.assertEqual(missing, [])

    def test_every_bold_number_is_a_value_of_the_page(self):
        values = set()
        for line in lines_of_the_page():
            for part in line.parts:
                if not isinstance(part, str):
                    values.add(part.text(self.data))
        spans = {s for s in re.findall(r"\*\*[^*]+\*\*", self.page) if re.search(r"\d", s)}
        self.assertEqual(sorted(spans - values), [])

    def test_no_figure_with_a_unit_outside_bold(self):
        self.assertEqual(UNIT_FIGURE.findall(outside_bold_and_code(self.page)), [])

    def test_a_question_quotes_only_experiments_about_it(self):
        for q in QUESTIONS + [Q23]:
            if q.measured is not None:
                self.assertLessEqual(q.measured.scenarios, set(q.experiments), q.qid)
        # Each question about a semantics of cancellation quotes its own count, not the race.
        for qid, needle in (("Q22", "shield"), ("Q18", "cancel()"), ("Q9", "never retrieved")):
            section = self.page.split(f"### {qid} ·")[1].split("\n### ")[0]
            self.assertIn(needle, section)
            self.assertNotIn("siblings", section, qid)

    # --- ten minutes ------------------------------------------------------------------------

    def test_ten_minutes_to_read(self):
        self.assertLessEqual(len(self.page.split()), MAX_WORDS)
        long_rows = [line[:60] for line in self.page.splitlines() if line.startswith("| C") and len(line) > MAX_ROW]
        self.assertEqual(long_rows, [])
        self.assertNotIn("not measured yet", self.page.lower())
        self.assertNotIn("not in this run", self.page)

    def test_p2_names_its_conditions(self):
        """Pooling "closes 0 % of the gap" only on loopback plain HTTP: P2 says so and quotes the case a
        candidate meets, requests over HTTPS verified against the system CA bundle."""
        section = self.page.split("### P2 ·")[1].split("\n### ")[0]
        self.assertNotIn("closes", section)
        self.assertIn("loopback HTTP", section)
        f = self.data.figure("pooling", "requests", "system CA bundle")
        self.assertIsNotNone(f)
        self.assertIn(f"**{figure_text(f)}**", section)

    def test_smaller_wordings(self):
        """Issue 20, item 10: Q23 quotes the material (a loop subclass, not a policy); a factor beside two
        medians is said to be a geometric mean of paired ratios; C13's cost is not "a few microseconds"."""
        self.assertIn("subclass `asyncio.AbstractEventLoop`", self.page)
        self.assertIn("geometric mean of paired ratios", self.page)
        self.assertNotIn("few microseconds", self.page)
        self.assertNotIn("aiohttp (C++)", self.page)

    def test_questions_in_the_materials_order(self):
        ids = re.findall(r"^### ([\w, ]+) ·", self.page, re.M)
        self.assertEqual(ids, ["A1", "A2", "A3", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11",
                               "P12", "P13", "P14", "P16", "P17", "Q1, Q5, Q10", "Q7, P15", "Q9", "Q12", "Q13",
                               "Q15", "Q17", "Q18", "Q19", "Q22"])

    def test_claims_are_titled_with_the_materials_statement(self):
        """The C8 and C11 rows: the material's statement, and the word about it."""
        words = {c.material: guide.claim_word(self.data, c) for c in CLAIMS}
        self.assertEqual(words["`gather` cancels the remaining tasks if one fails"], "refuted")
        self.assertEqual(words["aiofiles reads files asynchronously"], "nuanced")
        self.assertNotIn("TaskGroup cancels siblings", self.page)


class LineTest(unittest.TestCase):
    def test_a_line_with_a_missing_value_is_missing_whole(self):
        data = Data(tempfile.mkdtemp(prefix="guide_empty."))
        try:
            self.assertIsNone(Line("x: ", Fig("pooling", "py_aiohttp")).text(data))
            self.assertEqual(Line("plain").text(data), "plain")
        finally:
            shutil.rmtree(data.dir, ignore_errors=True)


class PagesTest(unittest.TestCase):
    def test_every_committed_run_comes_from_the_current_driver(self):
        """The driver writes repetitions only; Google Benchmark's aggregate rows (mean, median, stddev, cv)
        mark a run from an older driver."""
        old = []
        for path in sorted(glob.glob(os.path.join(RESULTS, "*", "bench.json"))):
            with open(path, encoding="utf-8") as f:
                rows = json.load(f)["benchmarks"]
            if any(b.get("run_type") == "aggregate" for b in rows):
                old.append(os.path.relpath(path, REPO))
        self.assertEqual(old, [])

    def test_every_report_page_says_what_its_intervals_cover(self):
        from report_lib import page
        pages = sorted(glob.glob(os.path.join(RESULTS, "*", "README.md")))
        self.assertTrue(pages)
        silent = [os.path.relpath(p, REPO) for p in pages if page.INTERVALS_NOTE_START not in open(p, encoding="utf-8").read()]
        self.assertEqual(silent, [])


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
