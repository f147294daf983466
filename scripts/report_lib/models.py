"""The client models every scenario measures, in one registry, so a model
looks the same on every chart and in every table: one colour (from
palette.py), one marker, one place in the order, one label, and the Python
API it stands for.

How a scenario module uses it (charts and tables alike):

    from . import models
    names = models.ordered(name_set)          # registry order, unknown ones last
    m = models.get("asio_coro")               # never None: unknown -> grey, last
    m.label(c=32)                             # "asio_coro c:32" (concurrency when models differ)
    m.table_label()                           # "`asio_coro` (C++)" for tables
    ax.plot(xs, ys, **m.line_style())         # colour, marker; Python: dashed, hollow marker
    ax.bar(x, y, **m.bar_style(colour))       # Python bars hatched, C++ plain
    m.python_api                              # "aiohttp.ClientSession" (C++: the idiom it mirrors)

Python models are drawn dashed with hollow markers (lines) or hatched
(bars), and tables say "(Python)" beside them, so a reader never takes a
C++ figure for a Python call's or the other way round. A C++ model's
`python_api` names the Python idiom it mirrors, never a Python call it
measured: prose should say "the C++ model that mirrors X".
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import palette

CPP = "C++"
PYTHON = "Python"

UNKNOWN_COLOUR = palette.UNKNOWN_MODEL


@dataclass(frozen=True)
class Model:
    name: str
    language: str      # CPP | PYTHON
    python_api: str    # the Python API it is (Python) or mirrors (C++)
    colour: str
    marker: str
    order: int
    description: str

    @property
    def is_python(self) -> bool:
        return self.language == PYTHON

    @property
    def known(self) -> bool:
        return self.name in MODELS

    def label(self, c: float | str | None = None) -> str:
        """Chart label: 'asio_coro', 'asio_coro c:32'; Python models end in ' (Python)'."""
        text = self.name if c is None else f"{self.name} c:{c:g}" if isinstance(c, (int, float)) else \
            f"{self.name} c:{c}"
        return text + (" (Python)" if self.is_python else "")

    def table_label(self, c: float | str | None = None) -> str:
        """Markdown: '`asio_coro` (C++)' or '`py_aiohttp` c:32 (Python)'."""
        conc = "" if c is None else f" c:{c:g}" if isinstance(c, (int, float)) else f" c:{c}"
        return f"`{self.name}`{conc} ({self.language})"

    def line_style(self) -> dict[str, str]:
        """matplotlib plot() keywords: colour and marker; Python dashed with a hollow marker."""
        style = {"color": self.colour, "marker": self.marker, "label": self.label()}
        if self.is_python:
            style.update(linestyle="--", markerfacecolor=palette.PAPER, markeredgecolor=self.colour)
        else:
            style.update(linestyle="-")
        return style

    def bar_style(self, colour: str | None = None) -> dict[str, str]:
        """matplotlib bar() keywords; a Python model's bar is hatched (the colour may be the series')."""
        colour = colour or self.colour
        style = {"color": colour, "edgecolor": colour}
        if self.is_python:
            style.update(hatch="..", edgecolor=palette.PAPER)
        return style


def _m(order: int, name: str, language: str, api: str, marker: str, description: str) -> Model:
    return Model(name, language, api, palette.MODEL[name], marker, order, description)


# Order: C++ sequential, C++ concurrent, then Python in the same sequence, so
# a model's Python peer sits in the same relative place.
MODELS = {m.name: m for m in (
    _m(10, "blocking_curl", CPP, "requests.get / requests.Session (one request at a time)", "s",
       "libcurl easy handle, one request at a time on the calling thread"),
    _m(20, "blocking_httplib", CPP, "http.client.HTTPConnection", "v",
       "cpp-httplib client, one request at a time on the calling thread"),
    _m(30, "threads_curl", CPP, "concurrent.futures.ThreadPoolExecutor + requests.Session", "P",
       "a thread per worker, each with its own libcurl easy handle"),
    _m(40, "curl_multi", CPP, "asyncio.gather over one aiohttp.ClientSession", "^",
       "one thread driving many transfers through libcurl's multi interface"),
    _m(50, "asio_coro", CPP, "asyncio.gather over one aiohttp.ClientSession", "o",
       "Boost.Asio/Beast C++20 coroutines on one event loop thread"),
    _m(60, "py_requests", PYTHON, "requests.Session / requests.get", "s",
       "Python requests, one request at a time"),
    _m(70, "py_requests_threads", PYTHON, "ThreadPoolExecutor + requests.Session", "P",
       "Python requests on a thread pool, one Session per thread"),
    _m(80, "py_aiohttp", PYTHON, "aiohttp.ClientSession + asyncio.gather", "o",
       "Python aiohttp on the default asyncio event loop"),
    _m(90, "py_aiohttp_uvloop", PYTHON, "aiohttp.ClientSession + asyncio.gather on uvloop", "D",
       "Python aiohttp on uvloop's event loop"),
)}


def get(name: str) -> Model:
    """The registered model; an unknown name still gets a (grey, last) entry so it shows up."""
    found = MODELS.get(name)
    if found is not None:
        return found
    python = str(name).startswith("py_")
    return Model(str(name), PYTHON if python else CPP, "not registered", UNKNOWN_COLOUR, "X", 10_000,
                 "not in report_lib/models.py")


def ordered(names: Iterable[str | None]) -> list[str]:
    """Names in registry order, unknown ones last (alphabetically); None dropped, duplicates removed."""
    unique = {n for n in names if n is not None}
    return sorted(unique, key=lambda n: (get(n).order, n))


def python_models(names: Iterable[str | None]) -> list[str]:
    return [n for n in ordered(names) if get(n).is_python]


def cpp_models(names: Iterable[str | None]) -> list[str]:
    return [n for n in ordered(names) if not get(n).is_python]
