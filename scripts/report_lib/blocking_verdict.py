"""Claims C3 and C5 (blocking): the runs by kind, the bounds the mechanism
sets, and the verdict rules.

Benchmark names:
  blocking/client/<timer|sleep|offload>/tasks:<N>/wait_ms:<D>[/pool:<T>]
  blocking/cpu/<on_loop|offload>/tasks:<N>/cpu_ms:<C>[/pool:<T>]
(`pool:` rather than `threads:`: Google Benchmark's own suffix `/threads:N`
is stripped from the end of names.)
  blocking/server/<asio|blocking>/threads:<T>/c:<C>/delay_ms:<D>

The rules (also printed on the page, keep RULE_* in step with the code):
C3, client side, from median total_ms and loop_lag_max_us of error-free runs:
- confirmed: sleep total >= N*D, timer total < N*D/5, the sleep's loop lag
  max >= D, and every offloaded run within [1, 1.5] x ceil(N/T)*D;
- refuted:   sleep total < N*D/5 (blocking sleeps overlapped) or timer total
             >= N*D (timer waits did not);
- nuanced otherwise.
C3, server side, from median steady_req_per_s (the middle half of each run):
- confirmed: at every concurrency >= 2T the blocking engine stays at most
  1.1 x T/D and reaches at least 0.5 x T/D (a plateau near the cap), and the
  asio engine beats it by more than 3x at every concurrency >= 64;
- refuted:   the blocking engine exceeds 1.1 x T/D somewhere, or the asio
             engine is not 1.5x faster at concurrency >= 64;
- nuanced otherwise.
C5, from median loop_lag_max_us:
- confirmed: the CPU burn on the loop lags the loop >= C, and offloaded the
  loop's lag max is at least 5x smaller;
- refuted:   on the loop the lag max stays below C;
- nuanced otherwise.
Overall: confirmed when all three parts are; refuted when the client side
of C3 is; inconclusive when a part has no error-free data; else nuanced.
"""
import math
from dataclasses import dataclass, field

from . import fmt, stats

SCENARIO = "blocking"

NEAR_OFFLOAD = 1.5       # offloaded total within this factor of ceil(N/T)*D
TIMER_BELOW = 5          # timer total < N*D / this
CAP_OVER = 1.1           # blocking engine at most this x T/D
PLATEAU_MIN = 0.5        # and at least this x T/D at C >= 2T
SERVER_FACTOR = 3.0      # asio / blocking at C >= 64, confirmed
SERVER_REFUTE = 1.5      # asio / blocking at C >= 64 below this: refuted
HIGH_C = 64
LAG_FACTOR = 5.0         # on-loop lag max / offloaded lag max

RULE_CLIENT = (
    f"N tasks, each waiting D ms; medians of `total_ms` and `loop_lag_max_us`, error-free runs. "
    f"**Confirmed** when the blocking sleep's total ≥ N×D, the timer's total < N×D/{TIMER_BELOW}, the "
    f"blocking sleep's loop lag max ≥ D, and each offloaded run's total lies within 1–{NEAR_OFFLOAD}× "
    f"ceil(N/T)×D (T pool threads); **refuted** when the blocking sleep's total < N×D/{TIMER_BELOW} or the "
    f"timer's ≥ N×D; **nuanced** otherwise.")
RULE_SERVER = (
    f"Median `steady_req_per_s` (completions per second over the middle half of each run). **Confirmed** "
    f"when at every concurrency ≥ 2T the blocking engine (T threads, delay D) stays ≤ {CAP_OVER}×T/D and "
    f"reaches ≥ {PLATEAU_MIN}×T/D, and the asio engine is more than {fmt.times(SERVER_FACTOR)} faster at "
    f"every concurrency ≥ {HIGH_C}; **refuted** when the blocking engine exceeds {CAP_OVER}×T/D anywhere or "
    f"the asio engine is under {fmt.times(SERVER_REFUTE)} faster at concurrency ≥ {HIGH_C}; **nuanced** "
    f"otherwise.")
RULE_CPU = (
    f"Median `loop_lag_max_us`. **Confirmed** when burning C ms of CPU per task on the loop lags the loop "
    f"≥ C and offloading it makes the lag max at least {fmt.times(LAG_FACTOR)} smaller; **refuted** when "
    f"the on-loop lag max stays below C; **nuanced** otherwise.")
RULE_OVERALL = ("Overall: **confirmed** when all three parts are, **refuted** when the client side of C3 is, "
                "**inconclusive** when a part has no error-free data, **nuanced** otherwise.")


@dataclass(frozen=True)
class Key:
    group: str      # client | cpu | server
    kind: str       # timer | sleep | offload | on_loop | asio | blocking
    threads: int    # pool threads (client/cpu offload) or server threads; 0 when none


def key(run):
    n = run.name
    group, kind = (list(n.labels) + [None, None])[:2]
    return Key(group, kind, int(n.param("pool", n.param("threads", 0)) or 0))


def clean(run):
    return run is not None and not run.flagged


def client_runs(runs, group="client"):
    return [r for r in runs if key(r).group == group]


def server_runs(runs, engine):
    """{concurrency: Run} for one engine."""
    return {r.name.param("c"): r for r in runs if key(r).group == "server" and key(r).kind == engine}


def find(runs, group, kind, threads=0):
    for r in runs:
        k = key(r)
        if k.group == group and k.kind == kind and (threads == 0 or k.threads == threads):
            return r
    return None


def offloads(runs, group="client"):
    return sorted((r for r in runs if key(r).group == group and key(r).kind == "offload"),
                  key=lambda r: key(r).threads)


def tasks(run):
    return run.name.param("tasks")


def work_ms(run):
    return run.name.param("wait_ms", run.name.param("cpu_ms"))


def bound_ms(run):
    """The least total the mechanism allows: N*D on one thread, ceil(N/T)*D on T, D with timers."""
    n, d, k = tasks(run), work_ms(run), key(run)
    if n is None or d is None:
        return None
    if k.kind in ("sleep", "on_loop"):
        return n * d
    if k.kind == "offload" and k.threads:
        return math.ceil(n / k.threads) * d
    return d


def server_cap(run):
    """T/D for the blocking engine, C/D (the ideal) for the asio engine, requests/s."""
    d = run.name.param("delay_ms")
    if not d:
        return None
    k = key(run)
    c = run.name.param("c") or 0
    return (min(c, k.threads) if k.kind == "blocking" else c) * 1000.0 / d


@dataclass
class Part:
    word: str
    line: str
    reasons: list = field(default_factory=list)


def decide_client(runs):
    timer, sleep = find(runs, "client", "timer"), find(runs, "client", "sleep")
    offs = offloads(runs)
    if not clean(timer) or not clean(sleep):
        return Part("inconclusive", "no error-free timer and blocking-sleep runs")
    n, d = tasks(sleep), work_ms(sleep)
    nd = n * d
    t_timer, t_sleep = timer.median("total_ms"), sleep.median("total_ms")
    lag = sleep.median("loop_lag_max_us")
    reasons = []
    if t_sleep < nd:
        reasons.append(f"the blocking sleep took {fmt.sig(t_sleep)} ms, under N×D = {fmt.sig(nd)} ms")
    if t_timer >= nd / TIMER_BELOW:
        reasons.append(f"the timer run took {fmt.sig(t_timer)} ms, not under N×D/{TIMER_BELOW}")
    if lag is None or lag < d * 1000:
        reasons.append(f"the blocking sleep's loop lag max {fmt.sig((lag or 0) / 1000)} ms is under D")
    for r in offs:
        if not clean(r):
            reasons.append(f"the run with {key(r).threads} threads had errors")
            continue
        b, t = bound_ms(r), r.median("total_ms")
        if not b <= t <= NEAR_OFFLOAD * b:
            reasons.append(f"offloaded to {key(r).threads} threads it took {fmt.sig(t)} ms, "
                           f"not within 1–{NEAR_OFFLOAD}× ceil(N/T)×D = {fmt.sig(b)} ms")
    if t_sleep < nd / TIMER_BELOW or t_timer >= nd:
        word = "refuted"
    else:
        word = "confirmed" if not reasons else "nuanced"
    off_text = "".join(f", offloaded to {key(r).threads} threads {fmt.sig(r.median('total_ms'))} ms "
                       f"(bound {fmt.sig(bound_ms(r))})" for r in offs if clean(r))
    line = (f"{n} tasks waiting {fmt.param(d)} ms: timer {fmt.sig(t_timer)} ms, blocking sleep "
            f"{fmt.sig(t_sleep)} ms ({fmt.times(stats.factor(t_sleep, t_timer))} slower; N×D = {fmt.sig(nd)} "
            f"ms){off_text}; loop lag max {fmt.sig(lag / 1000)} ms with the blocking sleep")
    return Part(word, line, reasons)


def _steady(run):
    return run.median("steady_req_per_s") if clean(run) else None


def decide_server(runs):
    asio, blocking = server_runs(runs, "asio"), server_runs(runs, "blocking")
    if not blocking or not asio:
        return Part("inconclusive", "no server runs")
    any_run = next(iter(blocking.values()))
    t, d = key(any_run).threads, any_run.name.param("delay_ms")
    if not t or not d:
        return Part("inconclusive", "server runs without threads or delay")
    cap = t * 1000.0 / d
    reasons, over, weak = [], [], []
    plateau = {c: _steady(r) for c, r in blocking.items() if c >= 2 * t}
    for c, r in sorted(blocking.items()):
        v = _steady(r)
        if v is None:
            reasons.append(f"the blocking engine at c:{c} had errors")
        elif v > CAP_OVER * cap:
            over.append(c)
            reasons.append(f"the blocking engine served {fmt.sig(v)} req/s at c:{c}, over {CAP_OVER}×T/D")
    for c, v in sorted(plateau.items()):
        if v is not None and v < PLATEAU_MIN * cap:
            reasons.append(f"the blocking engine reached only {fmt.sig(v)} req/s at c:{c} "
                           f"(under {PLATEAU_MIN}×T/D = {fmt.sig(PLATEAU_MIN * cap)})")
    factors = {}
    for c in sorted(set(asio) & set(blocking)):
        if c >= HIGH_C:
            factors[c] = stats.factor(_steady(asio[c]), _steady(blocking[c]))
    if not factors:
        reasons.append(f"no pair of runs at concurrency ≥ {HIGH_C}")
    for c, f in factors.items():
        if f is None:
            reasons.append(f"no error-free pair at c:{c}")
        elif f <= SERVER_FACTOR:
            reasons.append(f"the asio engine is only {fmt.times(f)} faster at c:{c}")
            if f < SERVER_REFUTE:
                weak.append(c)
    if over or weak:
        word = "refuted"
    else:
        word = "confirmed" if not reasons else "nuanced"
    top = max(plateau.values(), default=None, key=lambda v: v or 0)
    best_c = max((c for c in asio if _steady(asio[c]) is not None), default=None,
                 key=lambda c: _steady(asio[c]))
    fs = [f for f in factors.values() if f is not None]
    line = (f"with {t} sleeping threads and a {fmt.param(d)} ms delay the blocking engine peaked at "
            f"{fmt.sig(top)} req/s (cap T/D = {fmt.sig(cap)})")
    if best_c is not None:
        line += (f", the asio engine reached {fmt.sig(_steady(asio[best_c]))} req/s at c:{best_c}"
                 f" (ideal C/D = {fmt.sig(best_c * 1000.0 / d)})")
    if fs:
        span = fmt.times(min(fs)) if len(fs) == 1 else f"{fmt.times(min(fs))}–{fmt.times(max(fs))}"
        line += f"; asio ÷ blocking at c ≥ {HIGH_C}: {span}"
    return Part(word, line, reasons)


def decide_cpu(runs):
    on = find(runs, "cpu", "on_loop")
    offs = [r for r in offloads(runs, "cpu") if clean(r)]
    if not clean(on) or not offs:
        return Part("inconclusive", "no error-free CPU runs on and off the loop")
    c = work_ms(on)
    lag_on = on.median("loop_lag_max_us")
    reasons = []
    if lag_on < c * 1000:
        reasons.append(f"the on-loop lag max {fmt.sig(lag_on / 1000)} ms is under C = {fmt.param(c)} ms")
    parts = []
    for r in offs:
        lag_off = r.median("loop_lag_max_us")
        f = stats.factor(lag_on, lag_off)
        parts.append(f"offloaded to {key(r).threads} threads {fmt.sig(lag_off / 1000)} ms "
                     f"({fmt.times(f)} smaller)")
        if f is None or f < LAG_FACTOR:
            reasons.append(f"offloaded to {key(r).threads} threads the lag max is only {fmt.times(f)} smaller")
    word = "refuted" if lag_on < c * 1000 else ("confirmed" if not reasons else "nuanced")
    other_on = on.median("other_p99_us")
    line = (f"{tasks(on)} tasks burning {fmt.param(c)} ms of CPU: loop lag max {fmt.sig(lag_on / 1000)} ms "
            f"on the loop, {', '.join(parts)}; unrelated requests' p99 {fmt.sig(other_on / 1000)} ms on the "
            f"loop vs " + ", ".join(f"{fmt.sig(r.median('other_p99_us') / 1000)} ms" for r in offs))
    return Part(word, line, reasons)


@dataclass
class Verdict:
    word: str
    line: str
    client: Part
    server: Part
    cpu: Part


def decide(runs):
    client, server, cpu = decide_client(runs), decide_server(runs), decide_cpu(runs)
    words = [client.word, server.word, cpu.word]
    if client.word == "refuted":
        word = "refuted"
    elif "inconclusive" in words:
        word = "inconclusive"
    elif all(w == "confirmed" for w in words):
        word = "confirmed"
    else:
        word = "nuanced"
    line = (f"{word.capitalize()}: C3 client side {client.word} ({client.line}); C3 server side "
            f"{server.word} ({server.line}); C5 {cpu.word} ({cpu.line}).")
    return Verdict(word, line, client, server, cpu)
