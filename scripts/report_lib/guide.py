"""DIR/GUIDE.md: the interview guide, one page to read in about ten minutes.

`scripts/report --guide DIR` reads every DIR/<scenario>/bench.json through the
scenario modules (verdict() and headline(), and the helpers of their *_verdict
modules for exact counts; guide_data.py) and writes:

- a table of the claims (guide_claims.py): verdict word, the figure that matters for the Python
  library the claim names and for the C++ mechanism, one sentence to say, links
  to the report and its headline chart;
- the questions of the interview material in their order (guide_questions.py): a short answer, the
  measured figure behind it, a mark where the material is wrong or half-true,
  links to the chart, the runnable example and the C++ models;
- short answers to the language and API questions, which need no measurement.

Every measured value is written in **bold** and comes from the JSON; nothing
in bold is typed here (tests/report/test_guide.py recomputes each one and
fails on a bold number it cannot find, or on a figure with a unit outside
bold). A question without figures of its own shows its scenario's verdict and
the figures of that scenario's claim row. A claim or question whose experiment
is not in the suite yet is keyed to a scenario name (PENDING): once
DIR/<name>/bench.json exists, its row shows that scenario's verdict word and
headline figures without an edit here.

Links to repository files (examples, clients, docs) are written relative to
DIR when DIR is inside the repository, else as if DIR sat one level below its
root (results/, results-local/), so a copy of results/ gives the same page.
"""
import os

from . import files, fmt
from .guide_claims import CLAIMS, PENDING, PENDING_CLAIMS
from .guide_data import Data, m
from .guide_questions import API_ANSWERS, HALF, HOLDS, OUTDATED, QUESTIONS, WRONG, q23

GUIDE = "GUIDE.md"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --- rendering -------------------------------------------------------------------

def _repo_prefix(out_dir):
    """How a page in out_dir reaches the repository root: relative when out_dir is inside it, else '../'."""
    real, repo = os.path.realpath(out_dir), os.path.realpath(REPO)
    if real == repo or real.startswith(repo + os.sep):
        rel = os.path.relpath(repo, real)
        return "" if rel == "." else rel + "/"
    return "../"


def _pending_text(data, name, claim):
    """The line for an experiment not in the suite, or its figures once DIR/<name>/bench.json exists."""
    if data.has(name):
        v = data.verdict(name)
        figs = "; ".join(f"{f.label}: {m(f.text)}" for f in data.figures(name))
        return f"Measured ([{name}]({name}/README.md)): {v.word}" + (f"; {figs}" if figs else "") + "."
    if data.present(name):
        return f"_Results are in `{name}/bench.json`, but no report module reads them yet._"
    return f"_Not measured yet ({CLAIM_LABEL.get(claim, claim)}): fills in from `{name}/bench.json`._"


CLAIM_LABEL = {"C5-await": "C5, an await that never suspends"}


def _claim_of(name):
    return next((c for c, s in PENDING.items() if s == name), "")


def _links(data, prefix, q):
    out = []
    for name, chart in q.charts:
        if data.chart(name, chart):
            out.append(f"[chart: {os.path.splitext(os.path.basename(chart))[0]}]({name}/{chart})")
    if q.scenario and data.has(q.scenario):
        out.append(f"[report]({q.scenario}/README.md)")
    for ex in q.examples:
        out.append(f"example [`{ex}`]({prefix}examples/{ex})")
    for path in q.cpp:
        out.append(f"C++ [`{os.path.basename(path)}`]({prefix}{path})")
    return " · ".join(out)


def _claim_figures(scenario):
    """For a question without figures of its own: its scenario's verdict and the figures of the
    scenario's first claim row, Python then C++."""
    claim = next((c for c in CLAIMS if c.scenario == scenario), None)
    if claim is None:
        return None

    def text(data):
        parts = [p for p in (claim.python(data), claim.cpp(data)) if p]
        word = claim.word(data)
        out = "; ".join(([f"**{word}**"] if word else []) + parts)
        return out + "." if out else None
    return text


def _claims_table(data):
    rows = []
    for c in CLAIMS:
        if not data.has(c.scenario):
            rows.append([f"{c.cid} {c.title}", "not in this run", fmt.DASH, fmt.DASH, fmt.DASH, fmt.DASH])
            continue
        chart = data.chart(c.scenario, c.chart)
        link = f"[report]({c.scenario}/README.md)" + (f", [chart]({chart})" if chart else "")
        rows.append([f"{c.cid} {c.title}", c.word(data) or fmt.DASH, c.python(data) or "not measured in Python",
                     c.cpp(data) or fmt.DASH, c.say(data), link])
    for cid, title in PENDING_CLAIMS:
        name = PENDING[cid]
        if data.has(name):
            v = data.verdict(name)
            figs = data.figures(name)
            chart = data.chart(name)
            # Not sorted into Python and C++ yet (that takes a row in CLAIMS): the headline figures go
            # in the last text column, so no C++ figure stands under the Python library's name.
            figures = "; ".join(f"{f.label}: {m(f.text)}" for f in figs)
            rows.append([f"{cid} {title}", v.word, fmt.DASH, fmt.DASH,
                         f"(headline figures, not yet sorted by language) {figures}" if figures else fmt.DASH,
                         f"[report]({name}/README.md)" + (f", [chart]({chart})" if chart else "")])
        else:
            rows.append([f"{cid} {title}", "not in the suite yet", fmt.DASH, fmt.DASH, fmt.DASH,
                         f"fills in from `{name}/bench.json`"])
    return fmt.table(["claim", "verdict", "Python (the library the claim names)", "C++ (the mechanism)",
                      "say in an interview", "report"], rows)


def _question(data, prefix, q):
    lines = [f"### {q.qid} · {q.text} {q.mark}", "", q.answer]
    if q.mark != HOLDS:
        lines += ["", f"> **{q.mark.split(' ', 1)[1].capitalize()}.** The material: {q.material}. In fact, {q.truth}"]
    if q.scenario in PENDING.values():
        lines += ["", _pending_text(data, q.scenario, _claim_of(q.scenario))]
    elif q.scenario:
        measured = q.measured or _claim_figures(q.scenario)
        text = measured(data) if data.has(q.scenario) and measured else None
        lines += ["", f"Measured ({q.scenario}): {text}" if text else
                  f"_Not in this run: `{q.scenario}/bench.json` lacks the runs._"]
    links = _links(data, prefix, q)
    if links:
        lines += ["", links]
    return "\n".join(lines)


def render(out_dir):
    data = Data(out_dir)
    prefix = _repo_prefix(out_dir)
    parts = [
        "# The interview guide",
        "<!-- Generated by scripts/report --guide: do not edit by hand. -->",
        "One page to read before an interview about sync and async I/O in Python. Every **bold** figure is "
        "computed from the `bench.json` files in this directory by the scenario's report module (factors with "
        "their 95 % confidence interval from paired repetitions, counts exact); none is typed by hand. Marks: "
        f"{HOLDS}, {HALF} (or wording, misleading, confounded, outdated), {WRONG} (or buggy). The claims in "
        f"full: [the catalogue]({prefix}docs/claims.md); runnable answers: [examples]({prefix}examples/README.md).",
        "## The claims",
        _claims_table(data),
        "## The questions, in the material's order",
    ]
    parts += [_question(data, prefix, q) for q in QUESTIONS]
    api = ["## Language and API questions\n"]
    api += [f"- *{qid} · {title}.* {text}" for qid, title, text in API_ANSWERS]
    uv = q23(data) if data.has("pooling") else None
    api.append(f"- *Q23 · A custom event loop* ({OUTDATED}). The material subclasses a loop policy and calls "
               "`set_event_loop`; now you pass `loop_factory` to `asyncio.Runner` (3.11; `asyncio.run` takes it "
               "from 3.12), e.g. uvloop's." + (f" Measured (pooling): {uv}" if uv else ""))
    parts.append("\n".join(api))
    if data.unreadable:
        parts.append("Unreadable results: " + "; ".join(f"`{n}`: {e}" for n, e in sorted(data.unreadable.items())))
    return "\n\n".join(parts) + "\n"


def write(out_dir):
    """Writes out_dir/GUIDE.md; returns its path."""
    path = os.path.join(out_dir, GUIDE)
    files.write_generated(path, render(out_dir))
    return path
