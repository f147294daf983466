"""Every colour the charts draw, in one place, in three groups that never share a colour
(tests/report/test_palette.py checks that, and that no chart module writes a colour of its own):

- the model palette: one colour per client model (models.py), and the same colour for an
  implementation that works like that model (Asio's UDP echo is asio_coro's green, asyncio's
  tasks are py_aiohttp's red), so a colour names one mechanism on every page;
- the meanings: a few deep tones, each far from every model colour, for charts that colour a
  series by what it is rather than by who ran it (pooled or not, bounded or not, HTTP or
  HTTPS). A meaning keeps its colour on every page, and no meaning is ever read as a model;
- neutrals: black, greys and white, for reference lines, text, stand-ins and hollow fills.

How a chart module uses it (never a colour literal: the lint test fails on one):

    from . import palette
    palette.model("asio_coro")                   # a client model's colour (unknown: grey)
    palette.model("io_uring")                    # an implementation's: the model it works like
    ax.plot(..., color=palette.GOOD)             # the better side of a comparison
    ax.axhline(1.0, color=palette.REFERENCE)     # parity and other reference lines

This module is plain data: it imports nothing, so `scripts/report --no-charts` needs no matplotlib.
"""

# --- the model palette ---------------------------------------------------------------------------

# One colour per client model (models.py keeps the order, markers and labels). Matplotlib's
# tab10, which leaves no mid-tone hue free: the meanings below are deeper tones.
MODEL = {
    "blocking_curl": "#9467bd",        # purple
    "blocking_httplib": "#e377c2",     # pink
    "threads_curl": "#17becf",         # cyan
    "curl_multi": "#8c564b",           # brown
    "asio_coro": "#2ca02c",            # green
    "py_requests": "#bcbd22",          # olive
    "py_requests_threads": "#1f77b4",  # blue
    "py_aiohttp": "#d62728",           # red
    "py_aiohttp_uvloop": "#ff7f0e",    # orange
}
UNKNOWN_MODEL = "#7f7f7f"  # a model not in models.py still shows, grey

# Implementations a scenario compares that are not client models, each drawn in the colour of
# the client model it works like: green is Boost.Asio's event loop, red asyncio's, cyan C++
# threads, blue Python threads, purple and olive one thing at a time on the calling thread.
LIKE_MODEL = {
    # Boost.Asio on one event-loop thread
    "asio": "asio_coro",             # streams' UDP echo; timeouts' `request || timer`
    "mockd_asio": "asio_coro",       # blocking: mockd's Asio engine
    "cpp_coroutine": "asio_coro",    # tasks: C++20 coroutines on Asio
    "io_uring": "asio_coro",         # files: one thread with many reads in flight
    # asyncio's event loop
    "py_asyncio": "py_aiohttp",      # streams' DatagramProtocol; tasks' asyncio tasks
    "py_aiofiles": "py_aiohttp",     # files: the asyncio file library the material names
    # threads
    "cpp_thread": "threads_curl",    # tasks: a C++ thread per task
    "cpp_thread_64k": "threads_curl",
    "thread_pool": "threads_curl",   # files: C++ worker threads
    "mockd_blocking": "blocking_httplib",  # blocking: mockd's cpp-httplib engine, a thread per connection
    "py_thread": "py_requests_threads",    # tasks: a Python thread per task
    "py_to_thread": "py_requests_threads",  # files: asyncio.to_thread's pool
    # one at a time on the calling thread
    "sequential": "blocking_curl",   # files: C++
    "py_plain": "py_requests",       # files: Python
}


def model(name: str) -> str:
    """The colour of a client model, or of an implementation that works like one (LIKE_MODEL);
    grey for a name in neither."""
    return MODEL.get(LIKE_MODEL.get(name, name), UNKNOWN_MODEL)


# --- the meanings --------------------------------------------------------------------------------

# Deep tones, each at least as far from every model colour as the two nearest model colours
# are from each other (the test measures it).
TEAL = "#00796b"
MAROON = "#7f0000"
AMBER = "#e6a700"
INDIGO = "#283593"
MAGENTA = "#ad1457"
GREY = "#8c8c8c"

# What a colour means, on every chart that colours by meaning:
GOOD = TEAL        # the better side of a comparison
BAD = MAROON       # the worse side
BETWEEN = AMBER    # the one in between
FIRST = INDIGO     # a pair with no better side: the first ...
SECOND = MAGENTA   # ... and the second
NONE = GREY        # without the mechanism (no retry, no timing, no timeout), or other

FAILED = BAD                       # a failed run's cross, a failed share
POOLED, UNPOOLED, UNPOOLED_NO_SESSION_CACHE = GOOD, BETWEEN, BAD   # pooling, rtt, limits' cap
BOUNDED, UNBOUNDED = GOOD, BAD     # queue, streams, limits
WITH, WITHOUT = FIRST, NONE        # middleware's timing
HTTP, HTTPS = FIRST, SECOND        # calibration
COMPLETED, CANCELLED = FIRST, SECOND  # what the server did with a request: cancellation, hedging

MEANINGS = {name: colour for name, colour in (
    ("GOOD", GOOD), ("BAD", BAD), ("BETWEEN", BETWEEN), ("FIRST", FIRST), ("SECOND", SECOND),
    ("NONE", NONE))}

# --- neutrals ------------------------------------------------------------------------------------

INK = "black"         # error bars, a bound or event the chart marks, a run with errors' edge
TEXT = "#444444"      # footnotes and notes on the axes
STAND_IN = TEXT       # legend entries that explain a marker or a line style, whatever its colour
REFERENCE = "#555555"  # reference lines: parity (1x), maxsize, the ideal, the server's own delay
GUIDE = "#999999"     # lighter guides: a rule's floor, the timeout, dividers, "no data"
FAINT = "#bbbbbb"     # wide pale references, shaded spans, the given part of a bar
PAPER = "white"       # the fill of hollow markers and bars

NEUTRALS = {"INK": INK, "TEXT": TEXT, "REFERENCE": REFERENCE, "GUIDE": GUIDE, "FAINT": FAINT,
            "PAPER": PAPER}
