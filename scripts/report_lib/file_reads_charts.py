"""Charts of the files scenario (C11), one panel per file shape:
- files_ratios (the headline): each reader's MiB/s ÷ its language's one-thread
  baseline with the 95 % CI, points on a log axis, x = place;
- files_throughput: MiB/s of every reader, medians with min–max bars, points on
  a log axis (the readers span decades), C++ filled, Python hollow;
- files_threads: threads that ran reads per reader and place (bars, linear),
  io_uring's kernel workers stacked and hatched.
Readers keep one colour and marker on every chart: the colour of the client
model each works like (palette.LIKE_MODEL: the thread pools are the thread
models' cyan and blue, io_uring asio_coro's green, aiofiles py_aiohttp's red).
"""
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import charts, fmt, palette
from . import file_reads_verdict as fv

MARKER = {"sequential": "o", "thread_pool": "s", "io_uring": "D", "py_plain": "o", "py_aiofiles": "^",
          "py_to_thread": "v"}
STYLE = {reader: (palette.model(reader), marker) for reader, marker in MARKER.items()}  # Python: hollow
PAIR_STYLE = {("py_aiofiles", "py_plain"): STYLE["py_aiofiles"], ("py_to_thread", "py_plain"): STYLE["py_to_thread"],
              ("thread_pool", "sequential"): STYLE["thread_pool"], ("io_uring", "sequential"): STYLE["io_uring"]}


def _python(reader):
    return reader.startswith("py_")


def _label(reader):
    return f"{reader} ({'Python' if _python(reader) else 'C++'})"


def _pair_label(pair):
    return f"{fv.READER_LABEL[pair[0]]} ÷ {fv.READER_LABEL[pair[1]]} ({'Python' if _python(pair[0]) else 'C++'})"


def _readers(runs):
    """The readers this run measured, in the charts' order (a default run leaves some out)."""
    measured = {fv.key(r).reader for r in runs}
    return [r for r in fv.READERS if r in measured]


def _partial(runs):
    """A footer sentence when the run left readers out at a place it measured (bench's default grid)."""
    return (" Gaps: readers this run (the default grid) left out; the reference measures every reader everywhere."
            if fv.unmeasured(runs) else "")


def _note(results, extra=""):
    ctx = results.ctx
    return "  ".join(x for x in [
        f"Machine: {ctx('suite_machine', 'not recorded')}.",
        f"{results.repetitions_label or 'the'} repetitions{' (QUICK RUN)' if results.quick else ''}.",
        extra,
        charts.spread_note(results, fv.COUNTER, "MiB/s")] if x)


def _marker(ax, x, y, reader_or_style, hollow, lo=None, hi=None):
    colour, marker = reader_or_style
    ax.plot([x], [y], marker=marker, color=colour, markersize=8, linestyle="none", zorder=3,
            markerfacecolor=palette.PAPER if hollow else colour, markeredgewidth=1.4)
    if lo is not None and hi is not None:
        ax.errorbar(x, y, yerr=[[max(y - lo, 0)], [max(hi - y, 0)]], fmt="none", ecolor=colour, elinewidth=1.1,
                    capsize=3, zorder=2)


def _log_axis(ax, values, floor=None):
    values = [v for v in values if v and v > 0] + ([floor] if floor else [])
    if values:
        ax.set_yscale("log")
        ax.set_ylim(min(values) / 1.6, max(values) * 1.6)
    charts.readable_y(ax)
    ax.grid(True, axis="y", which="major", alpha=0.3)
    ax.grid(False, axis="x")


def _places_axis(ax, places):
    ax.set_xticks(range(len(places)))
    ax.set_xticklabels([fv.PLACE_LABEL.get(p, p) for p in places])
    ax.set_xlim(-0.6, max(len(places), 1) - 0.4)


def ratios(results, charts_dir):
    runs = results.runs
    v = fv.decide(runs)
    shapes, places = fv.shapes(runs), fv.places(runs)
    fig, axes = charts.figure(1, max(len(shapes), 1), width_per_col=5.6, height_per_row=4.2)
    values = [c for ci in v.ratios.values() for c in ci if c is not None]
    offsets = charts.offsets(len(fv.PAIRS), spacing=0.2)
    for ax, shape in zip(axes[0], shapes):
        for pair, dx in zip(fv.PAIRS, offsets):
            for x, place in enumerate(places):
                ci = v.ratios.get((pair, place, shape))
                if ci:
                    _marker(ax, x + dx, ci[0], PAIR_STYLE[pair], _python(pair[0]), ci[1], ci[2])
                    # Upright above the interval's top: beside the point, neighbours' labels ran into
                    # each other where two ratios were close (e.g. aiofiles and to_thread).
                    top = ci[2] if ci[2] is not None else ci[0]
                    ax.annotate(fmt.times(ci[0]), (x + dx, top), xytext=(0, 4), textcoords="offset points",
                                fontsize=7, ha="center", va="bottom", rotation=90)
        _places_axis(ax, places)
        ax.axhline(1.0, color=palette.REFERENCE, linewidth=0.9, zorder=1)
        _log_axis(ax, values, 1.0)
        # Room above the highest interval for its upright label.
        low, high = ax.get_ylim()
        ax.set_ylim(low, high * 1.6)
        ax.set_title(fv.shape_label(shape))
        ax.set_ylabel("MiB/s ÷ one-thread baseline (log)")
    drawn = {pair for pair, _place, _shape in v.ratios}
    legend = [Line2D([], [], color=c, marker=m, linestyle="none",
                     markerfacecolor=palette.PAPER if _python(p[0]) else c, label=_pair_label(p))
              for p, (c, m) in PAIR_STYLE.items() if p in drawn]
    legend.append(Line2D([], [], color=palette.REFERENCE, label="parity (1x)"))
    charts.finish(fig, "Reading many files: each reader against its language's one-thread baseline, 95 % CIs",
                  _note(results, "Ratios paired repetition by repetition; error bars: 95 % CI." + _partial(runs)),
                  legend, ncol=3)
    return charts.save(fig, charts_dir, "files_ratios")


def throughput(results, charts_dir):
    runs = results.runs
    shapes, places = fv.shapes(runs), fv.places(runs)
    fig, axes = charts.figure(1, max(len(shapes), 1), width_per_col=5.6, height_per_row=4.2)
    offsets = charts.offsets(len(fv.READERS), spacing=0.12)
    values = []
    for ax, shape in zip(axes[0], shapes):
        for reader, dx in zip(fv.READERS, offsets):
            for x, place in enumerate(places):
                r = fv.find(runs, reader, place, shape)
                if r is None:
                    continue
                if r.failed or not r.values(fv.COUNTER):
                    ax.plot([x + dx], [0.03], marker="x", color=palette.FAILED, markersize=8, clip_on=False,
                            transform=ax.get_xaxis_transform(), zorder=4)
                    continue
                vals = r.values(fv.COUNTER)
                values += vals
                _marker(ax, x + dx, r.median(fv.COUNTER), STYLE[reader], _python(reader), min(vals), max(vals))
        _places_axis(ax, places)
        _log_axis(ax, values)
        ax.set_title(fv.shape_label(shape))
        ax.set_ylabel("MiB/s (log)")
    legend = [Line2D([], [], color=STYLE[r][0], marker=STYLE[r][1], linestyle="none",
                     markerfacecolor=palette.PAPER if _python(r) else STYLE[r][0], label=_label(r))
              for r in _readers(runs)]
    charts.finish(fig, "Reading many files: MiB/s per reader (median, min–max)",
                  _note(results, "Checked: every file's size and Adler-32 checksum." + _partial(runs)), legend,
                  ncol=6)
    return charts.save(fig, charts_dir, "files_throughput")


def threads(results, charts_dir):
    runs = results.runs
    shapes, places = fv.shapes(runs), fv.places(runs)
    fig, axes = charts.figure(1, max(len(shapes), 1), width_per_col=5.6, height_per_row=3.8)
    width = 0.8 / len(fv.READERS)
    top = 1
    for ax, shape in zip(axes[0], shapes):
        for i, reader in enumerate(fv.READERS):
            colour = STYLE[reader][0]
            for x, place in enumerate(places):
                r = fv.find(runs, reader, place, shape)
                if r is None or r.failed:
                    continue
                xi = x - 0.4 + width * (i + 0.5)
                n = r.median("reading_threads") or 0
                ax.bar(xi, n, width * 0.9, color=palette.PAPER if _python(reader) else colour, edgecolor=colour,
                       linewidth=1.2, zorder=2)
                ax.annotate(fmt.count(n), (xi, n), xytext=(0, 2), textcoords="offset points", ha="center",
                            fontsize=7)
                kw = r.median("kernel_workers") or 0
                if kw:
                    ax.bar(xi, kw, width * 0.9, bottom=n, color=palette.PAPER, edgecolor=colour, hatch="///",
                           linewidth=0.8, zorder=2)
                top = max(top, n + kw)
        _places_axis(ax, places)
        ax.set_ylim(0, top * 1.25)
        ax.set_title(fv.shape_label(shape))
        ax.set_ylabel("threads that ran reads")
    legend = [Patch(facecolor=palette.PAPER if _python(r) else STYLE[r][0], edgecolor=STYLE[r][0], label=_label(r))
              for r in _readers(runs)]
    if "io_uring" in _readers(runs):
        legend.append(Patch(facecolor=palette.PAPER, edgecolor=STYLE["io_uring"][0], hatch="///",
                            label="io_uring kernel workers"))
    charts.finish(fig, "Who did the reading: threads that ran read calls, per reader",
                  _note(results, "C++: distinct thread ids; Python: threads whose rchar (/proc/self/task/*/io) "
                                 "grew by at least one file." + _partial(runs)), legend, ncol=4)
    return charts.save(fig, charts_dir, "files_threads")


def write_all(results, charts_dir):
    """Draws every chart; returns {stem: [paths]} in page order."""
    return {"files_ratios": ratios(results, charts_dir),
            "files_throughput": throughput(results, charts_dir),
            "files_threads": threads(results, charts_dir)}
