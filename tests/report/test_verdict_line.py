"""One verdict line, one format (issue 22): '**Confirmed**: <sentence>'.

- verdict.line(word, sentence) is the only renderer: the word, capitalised, in bold, a colon, the
  sentence. Every scenario's Verdict inherits its read-only `line` from verdict.Line and gives only
  the data (`word`, `sentence`).
- results/README.md rendered from the committed results (index.render) has every row's verdict cell
  in that format, with the word its scenario decided, and is the committed file; every committed page's
  "> **Verdict.**" line is in it too.
- No scenario module formats a verdict word itself (no string opening with "**Confirmed**:",
  "Confirmed:", "**Nuanced.**", "**Confirmed** at …", no capitalised(word) / word.capitalize()) and
  none reads results.quick: the quick-run note is page.QUICK_NOTE, added once by the page and the index.
"""
import ast
import glob
import importlib
import inspect
import os
import re
import unittest

from . import REPO
from report_lib import between_runs, index, page, results, scenarios, verdict

RESULTS = os.path.join(REPO, "results")
WORD_ALTERNATIVES = "|".join(re.escape(verdict.capitalised(w)) for w in verdict.WORDS)
# The one format: the word in bold, a colon, a space, then the sentence (something that is not a space).
LINE = re.compile(rf"^\*\*({WORD_ALTERNATIVES})\*\*: \S")
# A string that opens as a verdict line would: an optional '**', a verdict word, then ':', '.', '**:',
# '.**' or '** at' (the formats before issue 22). Rule texts ("**Confirmed** when …") do not match.
FORMATTED_WORD = re.compile(r"^(\*\*)?(Confirmed|Nuanced|Refuted|Inconclusive)(: noise)?"
                            r"(\*\*:|\.\*\*|\*\* at |\*\*\.|:|\.)")


def scenario_modules():
    """Every scenario's page module and its rule module (<module>_verdict), by name."""
    out = {}
    for module in scenarios.SCENARIOS.values():
        out[module.__name__] = module
        rule = importlib.import_module(f"{module.__name__}_verdict")
        out[rule.__name__] = rule
    return out


def string_starts(tree):
    """(line number, text) for every string literal and every f-string's leading text, docstrings left out."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    in_fstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            in_fstrings.update(id(v) for v in node.values)
            if node.values and isinstance(node.values[0], ast.Constant):
                yield node.lineno, node.values[0].value
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                and id(node) not in in_fstrings):
            yield node.lineno, node.value


def formats_a_word(tree):
    """Line numbers of capitalised(<…word…>) and <…word…>.capitalize() calls: a word turned into a heading."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "capitalize":
            subject = ast.unparse(func.value)
        elif (isinstance(func, ast.Attribute) and func.attr == "capitalised") or \
                (isinstance(func, ast.Name) and func.id == "capitalised"):
            subject = " ".join(ast.unparse(a) for a in node.args)
        else:
            continue
        if "word" in subject or subject == "head":
            yield node.lineno


def reads_quick(tree):
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "quick"]


def problems(source):
    """What in a module's source breaks the rule: formatted verdict words, formatted words, quick notes."""
    tree = ast.parse(source)
    out = [f"line {n}: a string opens with a formatted verdict word: {text[:40]!r}"
           for n, text in string_starts(tree) if FORMATTED_WORD.match(text)]
    out += [f"line {n}: formats a verdict word itself" for n in formats_a_word(tree)]
    out += [f"line {n}: reads results.quick (the page and the index add the quick-run note)" for n in reads_quick(tree)]
    return out


class RendererTest(unittest.TestCase):
    def test_the_one_format(self):
        self.assertEqual(verdict.line(verdict.CONFIRMED, "the harness is not the limit."),
                         "**Confirmed**: the harness is not the limit.")
        self.assertEqual(verdict.line(verdict.NOISE, "an interval straddles 2x."),
                         "**Inconclusive: noise**: an interval straddles 2x.")
        for word in verdict.WORDS:
            self.assertRegex(verdict.line(word, "x"), LINE)

    def test_an_unknown_word_is_refused(self):
        with self.assertRaises(ValueError):
            verdict.line("Confirmed", "capitalised already")
        with self.assertRaises(ValueError):
            verdict.line("partly confirmed", "not a word of the rules")

    def test_line_is_rendered_and_read_only(self):
        class V(verdict.Line):
            word, sentence = verdict.REFUTED, "gather cancels nothing."
        v = V()
        self.assertEqual(v.line, "**Refuted**: gather cancels nothing.")
        with self.assertRaises(AttributeError):
            v.line = "Refuted: by hand"


class ScenarioVerdictsTest(unittest.TestCase):
    """Every scenario's Verdict gives the data and inherits the renderer."""

    def test_every_verdict_class_inherits_the_line(self):
        for name, module in scenario_modules().items():
            if not name.endswith("_verdict"):
                continue
            with self.subTest(module=name):
                cls = module.Verdict
                self.assertTrue(issubclass(cls, verdict.Line), f"{name}.Verdict does not derive from verdict.Line")
                self.assertIs(inspect.getattr_static(cls, "line"), verdict.Line.__dict__["line"],
                              f"{name}.Verdict defines its own line")
                fields = getattr(cls, "__dataclass_fields__", {})
                self.assertIn("sentence", fields)
                self.assertNotIn("line", fields)

    def test_the_committed_verdicts_come_from_the_renderer(self):
        for name, module in sorted(scenarios.SCENARIOS.items()):
            with self.subTest(scenario=name):
                loaded = results.load(RESULTS, name)
                with between_runs.active(name):
                    v = module.verdict(loaded)
                self.assertIn(v.word, verdict.WORDS)
                self.assertEqual(v.line, verdict.line(v.word, v.sentence))
                self.assertIsNone(FORMATTED_WORD.match(v.sentence), f"the sentence repeats the word: {v.sentence[:60]}")

    def test_no_scenario_module_formats_the_word_or_the_quick_note(self):
        for name, module in sorted(scenario_modules().items()):
            with self.subTest(module=name):
                with open(module.__file__, encoding="utf-8") as f:
                    self.assertEqual(problems(f.read()), [])

    def test_the_scan_catches_the_old_formats(self):
        # Each line below (2 to 10) is one way a module formatted its word or its quick note before issue 22.
        old = """def decide(v, word, results, failed, reasons, client, at):
    v.line = f"**Confirmed**: the harness is not the limit."
    line = "**Nuanced.** Checks that failed clearly: " + ", ".join(failed)
    head = "Inconclusive: noise" if word == checks_mod.NOISE else word.capitalize()
    line = "Refuted: " + "; ".join(reasons)
    line = f"{word.capitalize()}: C3 {client.word}"
    line = f"**{checks_mod.capitalised(v.word)}**: {at}"
    head = verdict.capitalised(word)
    if results.quick:
        v.line += " Quick run (`--quick`): a first look."
"""
        flagged = {int(p.split(":")[0].split()[1]) for p in problems(old)}
        self.assertEqual(flagged, set(range(2, 10)), problems(old))
        self.assertEqual(problems('RULE = "**Confirmed** when every check passes; **nuanced** when one fails."\n'), [])


class CommittedIndexTest(unittest.TestCase):
    """results/README.md, rendered from the committed results: one format in every row."""

    @classmethod
    def setUpClass(cls):
        cls.rendered = index.render(RESULTS)
        with open(os.path.join(RESULTS, "README.md"), encoding="utf-8") as f:
            cls.committed = f.read()
        cls.rows = {}
        for row in cls.rendered.splitlines():
            m = re.match(r"^\| \[(\w+)\]\(\w+/README\.md\) \| (.*) \| [^|]* \|$", row)
            if m:
                cls.rows[m.group(1)] = m.group(2)

    def test_every_scenario_has_a_row(self):
        self.assertEqual(sorted(self.rows), index.scenario_dirs(RESULTS))

    def test_every_verdict_cell_has_the_one_format(self):
        for name, cell in sorted(self.rows.items()):
            with self.subTest(scenario=name):
                self.assertRegex(cell, LINE)
                self.assertEqual(cell.count(page.QUICK_NOTE), 1 if results.load(RESULTS, name).quick else 0)

    def test_every_cell_carries_its_scenarios_word(self):
        for name, cell in sorted(self.rows.items()):
            with self.subTest(scenario=name):
                with between_runs.active(name):
                    word = scenarios.get(name).verdict(results.load(RESULTS, name)).word
                self.assertTrue(cell.startswith(f"**{verdict.capitalised(word)}**: "), cell[:60])

    def test_the_committed_index_is_the_rendered_one(self):
        self.assertEqual(self.committed, self.rendered,
                         "results/README.md is stale: regenerate it (scripts/report --out results --scenario NAME)")

    def test_every_committed_page_has_the_one_format(self):
        for path in sorted(glob.glob(os.path.join(RESULTS, "*", "README.md"))):
            with self.subTest(page=os.path.relpath(path, REPO)):
                with open(path, encoding="utf-8") as f:
                    heads = [l for l in f.read().splitlines() if l.startswith("> **Verdict.** ")]
                self.assertEqual(len(heads), 1)
                self.assertRegex(heads[0][len("> **Verdict.** "):], LINE)


if __name__ == "__main__":
    unittest.main()
