"""The chart palette (report_lib/palette.py): chart modules take every colour from it, and
its groups keep apart, so a colour on a chart means one thing.

- lint: no scripts/report_lib/*charts*.py writes a colour itself: no hex literal, no named
  matplotlib colour ('crimson', 'tab:blue', 'xkcd:sky'), no colour letter in a plot() format
  string ('r--'), no literal value for a colour keyword (color=, ecolor=, markerfacecolor=, ...);
- the model colours, the meaning colours and the neutrals share no colour, and every meaning
  colour is at least as far (CIE76 ΔE) from every model colour as the two nearest model colours
  are from each other, so a meaning is never read as a model;
- every model in models.py has its palette colour, every implementation maps to a model.
"""
import ast
import glob
import itertools
import math
import os
import re
import unittest

from . import REPO
from report_lib import models, palette

CHART_MODULES = sorted(glob.glob(os.path.join(REPO, "scripts", "report_lib", "*charts*.py")))

HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}(?:[0-9a-fA-F]{2})?\b")
COLOUR_KEYWORDS = {"color", "colour", "c", "facecolor", "edgecolor", "ecolor", "fc", "ec", "markerfacecolor",
                   "markeredgecolor", "markerfacecoloralt", "mfc", "mec", "mfcalt", "colors", "labelcolor"}
# Keywords of matplotlib that take a colour; "none" (no fill, no edge) is not a colour.
NOT_A_COLOUR = {"none"}
PLOT_CALLS = {"plot", "semilogx", "semilogy", "loglog", "errorbar", "step"}
FORMAT_COLOUR = re.compile(r"[bgrcmykw]|C\d")  # plot()'s format letters for colours (markers use none)


def _named_colours():
    from matplotlib import colors
    names = set(colors.CSS4_COLORS) | set(colors.TABLEAU_COLORS) | set(colors.XKCD_COLORS)
    return {n.lower() for n in names}


def _violations(source, named):
    """(line, text) for every colour the module's source writes itself."""
    tree = ast.parse(source)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if HEX.search(text):
                out.append((node.lineno, f"hex colour in {text!r}"))
            elif text.lower() in named:
                out.append((node.lineno, f"named colour {text!r}"))
        elif isinstance(node, ast.keyword) and node.arg in COLOUR_KEYWORDS:
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value not in NOT_A_COLOUR:
                out.append((value.lineno, f"{node.arg}={value.value!r}"))
            elif isinstance(value, ast.Tuple) and all(isinstance(e, ast.Constant) for e in value.elts):
                out.append((value.lineno, f"{node.arg}= an RGB tuple"))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) in PLOT_CALLS:
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and FORMAT_COLOUR.search(arg.value):
                    out.append((arg.lineno, f"colour in the format string {arg.value!r}"))
    return sorted(out)


def _lab(colour):
    """CIE L*a*b* (D65) of a colour given as '#rrggbb' or one of the names the palette uses."""
    from matplotlib import colors
    rgb = colors.to_rgb(colour)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a, b):
    return math.dist(_lab(a), _lab(b))


def _hex(colour):
    from matplotlib import colors
    return colors.to_hex(colour)


class ChartModulesTakeColoursFromThePalette(unittest.TestCase):
    def test_there_are_chart_modules(self):
        names = {os.path.basename(p) for p in CHART_MODULES}
        self.assertIn("charts.py", names)
        self.assertIn("pooling_charts.py", names)

    def test_no_chart_module_writes_a_colour(self):
        named = _named_colours()
        found = {}
        for path in CHART_MODULES:
            with open(path, encoding="utf-8") as f:
                found[os.path.basename(path)] = _violations(f.read(), named)
        found = {name: v for name, v in found.items() if v}
        self.assertEqual(found, {}, "colours written in chart modules; take them from report_lib/palette.py")

    def test_the_lint_sees_each_kind_of_colour(self):
        named = _named_colours()
        code = ('ax.plot(x, y, "r--")\nax.bar(x, y, color="crimson")\nax.plot(x, y, color="#1f77b4")\n'
                'ax.bar(x, y, edgecolor=(0.1, 0.2, 0.3))\nax.plot(x, y, "o-", markerfacecolor="none")\n'
                'STYLE = {"a": ("tab:blue", "o")}\n')
        lines = [line for line, _ in _violations(code, named)]
        # Line 5 (a format with no colour, a hollow fill) is clean; every other line has one colour.
        self.assertEqual(sorted(set(lines)), [1, 2, 3, 4, 6])


class PaletteGroupsStayApart(unittest.TestCase):
    def model_colours(self):
        return {_hex(c) for c in palette.MODEL.values()}

    def test_meanings_are_no_model_colours(self):
        meanings = {_hex(c) for c in palette.MEANINGS.values()}
        self.assertEqual(meanings & (self.model_colours() | {_hex(palette.UNKNOWN_MODEL)}), set())

    def test_neutrals_are_neither_models_nor_meanings(self):
        neutrals = {_hex(c) for c in palette.NEUTRALS.values()}
        self.assertEqual(neutrals & (self.model_colours() | {_hex(palette.UNKNOWN_MODEL)}), set())
        self.assertEqual(neutrals & {_hex(c) for c in palette.MEANINGS.values()}, set())

    def test_every_colour_has_one_meaning(self):
        self.assertEqual(len(set(palette.MEANINGS.values())), len(palette.MEANINGS))
        self.assertEqual(len(self.model_colours()), len(palette.MODEL))

    def test_no_meaning_passes_for_a_model(self):
        models_ = list(palette.MODEL.items())
        nearest = min(delta_e(a, b) for (_, a), (_, b) in itertools.combinations(models_, 2))
        close = [(meaning, name, round(delta_e(colour, m)))
                 for meaning, colour in palette.MEANINGS.items() for name, m in models_
                 if delta_e(colour, m) < nearest]
        self.assertEqual(close, [], f"meaning colours closer to a model's than ΔE {nearest:.0f}")

    def test_meanings_tell_each_other_apart(self):
        close = [(a, b) for (a, ca), (b, cb) in itertools.combinations(palette.MEANINGS.items(), 2)
                 if delta_e(ca, cb) < 20]
        self.assertEqual(close, [])

    def test_named_meanings_come_from_the_meaning_colours(self):
        for name in ("FAILED", "POOLED", "UNPOOLED", "UNPOOLED_NO_SESSION_CACHE", "BOUNDED", "UNBOUNDED", "WITH",
                     "WITHOUT", "HTTP", "HTTPS", "COMPLETED", "CANCELLED"):
            self.assertIn(getattr(palette, name), palette.MEANINGS.values(), name)


class ModelPalette(unittest.TestCase):
    def test_every_model_has_its_colour(self):
        self.assertEqual(set(palette.MODEL), set(models.MODELS))
        for name, m in models.MODELS.items():
            self.assertEqual(m.colour, palette.model(name))

    def test_implementations_take_a_models_colour(self):
        for impl, model in palette.LIKE_MODEL.items():
            self.assertIn(model, models.MODELS, impl)
            self.assertEqual(palette.model(impl), palette.MODEL[model])

    def test_unknown_names_are_grey(self):
        self.assertEqual(palette.model("mystery"), palette.UNKNOWN_MODEL)
        self.assertEqual(models.get("mystery").colour, palette.UNKNOWN_MODEL)


if __name__ == "__main__":
    unittest.main()
