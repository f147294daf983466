"""The guide's data: every scenario under DIR loaded once with its verdict and headline figures,
and the measured values the guide quotes, each computed from the JSON through the scenario modules
(their verdict() and headline(), and the helpers of their *_verdict modules for exact counts).

Every function returns its value already as the page shows it: bold (m()), since bold is what marks
a measured value on the page and what tests/report/test_guide.py checks against the JSON; or None
when the run lacks it, and joined() then drops the whole sentence rather than print half a claim.
"""
import os

from . import fmt, index, results as results_mod, scenarios, stats
from . import blocking_verdict as bv
from . import limits_verdict as lv
from . import pooling_verdict as pv
from . import rtt_verdict as rv
from . import sync_vs_async as sva
from . import sync_vs_async_verdict as sv


def m(text):
    """A measured value, as the page shows it: bold. Only values computed from the JSON go here."""
    return f"**{text}**"


# --- the data ------------------------------------------------------------------

class Data:
    """The scenarios under DIR, each loaded once, with its verdict and headline figures."""

    def __init__(self, out_dir):
        self.dir = out_dir
        self._loaded, self._verdicts, self._figures, self.unreadable = {}, {}, {}, {}
        for name in index.scenario_dirs(out_dir):
            try:
                self._loaded[name] = results_mod.load(out_dir, name)
            except results_mod.ReportError as e:
                self.unreadable[name] = str(e)

    def has(self, name):
        return name in self._loaded and scenarios.get(name) is not None

    def present(self, name):
        """bench.json exists (whether or not a report module knows the scenario)."""
        return name in self._loaded or name in self.unreadable

    def runs(self, name):
        return self._loaded[name].runs if name in self._loaded else []

    def verdict(self, name):
        if not self.has(name):
            return None
        if name not in self._verdicts:
            self._verdicts[name] = scenarios.get(name).verdict(self._loaded[name])
        return self._verdicts[name]

    def figures(self, name):
        if not self.has(name):
            return []
        if name not in self._figures:
            self._figures[name] = scenarios.get(name).headline(self._loaded[name])
        return self._figures[name]

    def figure(self, name, *needles):
        """The first headline figure whose label contains every needle, or None."""
        return next((f for f in self.figures(name) if all(n in f.label for n in needles)), None)

    def chart(self, name, chart=None):
        """'pooling/charts/x.png' when that file exists under DIR, else None."""
        module = scenarios.get(name)
        rel = chart or (module.HEADLINE_CHART if module else None)
        if rel is None:
            return None
        path = f"{name}/{rel}"
        return path if os.path.isfile(os.path.join(self.dir, path)) else None


def fig(data, name, *needles):
    """A headline figure as the page shows it (bold, with its interval), or None."""
    f = data.figure(name, *needles)
    return m(f.text) if f is not None else None


# --- measured values per scenario (each returns None when the run lacks it) -----

def pooling_counts(data, model="py_aiohttp", proto="https"):
    """(pooled requests, pooled connections, unpooled requests, unpooled connections) at delay 0."""
    index_ = pv.by_key(data.runs("pooling"))
    pool = index_.get(pv.Key(model, "pool", proto, 0, "on"))
    nopool = index_.get(pv.Key(model, "nopool", proto, 0, "on"))
    if pool is None or nopool is None or pool.flagged or nopool.flagged:
        return None
    return tuple(m(fmt.count(r.median(c))) for r in (pool, nopool) for c in ("requests", "conns_opened"))


def uvloop_factor(data):
    """py_aiohttp_uvloop ÷ py_aiohttp, pooled HTTPS req/s at delay 0, paired repetitions."""
    index_ = pv.by_key(data.runs("pooling"))
    uv = index_.get(pv.Key("py_aiohttp_uvloop", "pool", "https", 0, "on"))
    plain = index_.get(pv.Key("py_aiohttp", "pool", "https", 0, "on"))
    if uv is None or plain is None or uv.flagged or plain.flagged:
        return None
    return m(fmt.factor_ci(*stats.paired_ratio_ci(uv.values("req_per_s"), plain.values("req_per_s"))))


def rtt_cells(data, model, proto="https_tls1.3"):
    """(RTT ms, unpooled RTTs, pooled RTTs) of one model at the RTT the verdict uses."""
    v = data.verdict("rtt")
    if v is None or v.rtt_ms is None:
        return None
    runs = data.runs("rtt")
    un = rv.in_rtts(rv.cell(runs, model, "nopool", proto, v.rtt_ms))
    po = rv.in_rtts(rv.cell(runs, model, "pool", proto, v.rtt_ms))
    if un is None or po is None:
        return None
    return m(f"{fmt.param(v.rtt_ms)} ms"), m(f"{fmt.sig(un)} RTT"), m(f"{fmt.sig(po)} RTT")


def limits_fd(data, model):
    """(errors without a limit, requests, errors with the limit) under the lowered fd limit."""
    unl, lim = lv.fd_runs(data.runs("limits"), model)
    if unl is None or lim is None or unl.failed or lim.failed:
        return None
    return m(fmt.count(unl.median("fd_errors"))), m(fmt.count(unl.median("requests"))), m(fmt.count(lim.errors))


def limits_peaks(data, model):
    """(limited sweep runs whose server peak was min(limit, requests), limited sweep runs)."""
    v = data.verdict("limits")
    if v is None:
        return None
    peaks = [c for c in v.checks if c.part == "peak" and lv.key(c.run).model == model]
    if not peaks:
        return None
    return m(fmt.count(sum(c.holds for c in peaks))), m(fmt.count(len(peaks)))


def limits_cap(data, model, mode):
    """(requests, connections opened) of one cap run."""
    r = lv.cap_run(data.runs("limits"), model, mode)
    if r is None:
        return None
    return m(fmt.count(r.median("requests"))), m(fmt.count(r.median("conns_opened")))


def gather_capped(data):
    """aiohttp gathering the largest K with its default connector: (K, the server's peak)."""
    runs = data.runs("sync_vs_async")
    for k in reversed(sv.ks(runs)):
        r = sv.clean(runs, "py_aiohttp/gather", k)
        if r is not None:
            return m(fmt.count(k)), m(fmt.count(sv.in_flight(r)))
    return None


def sva_run(data, sid, k=None):
    """(K, the run) of a series at K (default: the K of the headline pairs)."""
    runs = data.runs("sync_vs_async")
    if k is None:
        pairs = sv.headline_pairs(runs)
        if not pairs:
            return None, None
        k = pairs[0].k
    return k, sv.clean(runs, sid, k)


def sva_wall(data, sid):
    k, r = sva_run(data, sid)
    return None if r is None else m(fmt.ms(sv.wall_ms(r) * 1000))


def sva_setup(data):
    """(K, L) of the headline pairs, bold."""
    runs = data.runs("sync_vs_async")
    pairs = sv.headline_pairs(runs)
    if not pairs:
        return None
    return m(fmt.count(pairs[0].k)), m(f"{fmt.param(sv.delay_of(runs))} ms")


def sva_count(data, sid, counter):
    k, r = sva_run(data, sid)
    return None if r is None else m(fmt.count(r.median(counter)))


def pooling_share(data):
    """The part of the usual demo's gap that pooling alone closes, in percent (never below 0 %)."""
    share = sva.pooling_share(data.runs("sync_vs_async"))
    return None if share is None else m(fmt.pct(max(share, 0.0), 0))


def memory_kib(data, sid):
    slope = sv.memory_slope(data.runs("sync_vs_async"), sv.by_id(sid))
    return None if slope is None else m(f"{fmt.sig(slope.rss_per_inflight_kib)} KiB")


def blocking_run(data, group, kind):
    r = bv.find(data.runs("blocking"), group, kind)
    return r if bv.clean(r) else None


def blocking_wait(data):
    """(N, D, time.sleep total, asyncio.sleep total, loop lag max with time.sleep) in Python."""
    sleep, timer = blocking_run(data, "py_client", "time_sleep"), blocking_run(data, "py_client", "asyncio_sleep")
    if sleep is None or timer is None:
        return None
    return (m(fmt.count(bv.tasks(sleep))), m(f"{fmt.param(bv.work_ms(sleep))} ms"),
            m(fmt.ms(sleep.median("total_ms") * 1000)), m(fmt.ms(timer.median("total_ms") * 1000)),
            m(fmt.ms(sleep.median("loop_lag_max_us"))))


def blocking_offload(data):
    """(threads, to_thread(time.sleep) total, its bound ceil(N/W) × D) in Python."""
    r = blocking_run(data, "py_client", "to_thread")
    if r is None or not bv.workers(r):
        return None
    return m(fmt.count(bv.workers(r))), m(fmt.ms(r.median("total_ms") * 1000)), m(fmt.ms(bv.bound_ms(r) * 1000))


def blocking_cpu_lag(data):
    """(loop lag max with the work on the loop, with to_thread), Python."""
    on, off = blocking_run(data, "py_cpu", "on_loop"), blocking_run(data, "py_cpu", "to_thread")
    if on is None or off is None:
        return None
    return m(fmt.ms(on.median("loop_lag_max_us"))), m(fmt.ms(off.median("loop_lag_max_us")))


def blocking_server(data):
    """(threads T, the blocking engine's best steady req/s, T/D) of the server part."""
    runs = data.runs("blocking")
    blocking = {c: r for c, r in bv.server_runs(runs, "blocking").items() if bv.clean(r)}
    if not blocking:
        return None
    any_run = next(iter(blocking.values()))
    t, d = bv.key(any_run).threads, any_run.name.param("delay_ms")
    if not t or not d:
        return None
    top = max(r.median("steady_req_per_s") or 0 for r in blocking.values())
    return m(fmt.count(t)), m(f"{fmt.sig(top)} req/s"), m(f"{fmt.sig(t * 1000.0 / d)} req/s")


def joined(*parts):
    """The sentence parts that were measured, or None when one is missing (never half a claim)."""
    return None if any(p is None for p in parts) else "".join(parts)


def plain_http(data, model):
    """The pooling figure of a model over plain HTTP (its label ends in ', HTTP'), bold, or None."""
    f = next((x for x in data.figures("pooling") if f"`{model}`" in x.label and x.label.endswith(", HTTP")), None)
    return m(f.text) if f is not None else None
