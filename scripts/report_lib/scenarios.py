"""The scenario modules the report knows. Adding a scenario (limits,
blocking, sync_vs_async, rtt, ...) is one module with

    NAME, TITLE, CLAIM, HEADLINE_CHART  (chart path relative to DIR/<NAME>/)
    verdict(results) -> a verdict.Line: .word (one of verdict.WORDS) and .sentence
        (Markdown); its .line, '**Confirmed**: <sentence>', is rendered by verdict.line()
    headline(results) -> [headline.Figure(label, estimate, low, high, unit="x")]:
        the handful of figures a reader quotes, each with its 95 % CI, in the
        order the verdict line quotes them; a figure the run did not measure is
        left out (a default run measures fewer rows than the reference), and
        labels stay the same between runs, since figures are matched by label
    sections(results, charts_written, verdict) -> the page's sections (page.py
        adds the heading, the section "This run beside the reference" built
        from headline(), the claim and the footer)

plus <NAME>_charts.write_all(results, charts_dir) for its charts, and one
line in SCENARIOS below.

The shared engine does the rest (see each module's docstring): models.py
(every model's look and language), headline.py (Figure, the reference
beside this run, the CLI's headline lines), stats.ratio_ci / paired_ratio_ci (95 %
CIs from paired repetitions), verdict.py (checks on those intervals,
"inconclusive: noise"), page.py (setup table, numbers table, errors,
captions, caveats, verdict section), charts.py (chart rules and helpers).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from . import pooling, sync_vs_async, limits, blocking
from . import rtt
from . import calibration
from . import queue
from . import file_reads
from . import tasks
from . import streams
from . import middleware
from . import timeouts
from . import cancellation
from . import hedging
from . import retry

if TYPE_CHECKING:
    from . import headline as headline_mod, results as results_mod, verdict as verdict_mod

V = TypeVar("V", bound="verdict_mod.Line")


class Scenario(Protocol[V]):
    """A scenario module, as described above: mypy checks each module in _MODULES against it. V is
    the module's own Verdict, which its sections() takes back (Scenario[Any]: any one module)."""
    __name__: str
    NAME: str
    TITLE: str
    CLAIM: str
    HEADLINE_CHART: str

    def verdict(self, results: results_mod.Results) -> V: ...

    def headline(self, results: results_mod.Results) -> list[headline_mod.Figure]: ...

    def sections(self, results: results_mod.Results, charts_written: dict[str, list[str]], v: V) -> list[str]: ...


# One line per scenario module, in the order of the claims.
_MODULES: tuple[Scenario[Any], ...] = (
    pooling,
    sync_vs_async,
    limits,
    blocking,
    rtt,
    calibration,
    queue,
    file_reads,
    streams,
    middleware,
    timeouts,
    cancellation,
    tasks,
    hedging,
    retry,
)
SCENARIOS = {m.NAME: m for m in _MODULES}


def get(name: str) -> Scenario[Any] | None:
    return SCENARIOS.get(name)


def known() -> list[str]:
    return sorted(SCENARIOS)
