"""Claim C1 (pooling): which runs pair up, the pooled/unpooled factors with
their 95 % confidence intervals, the connection signature, and the verdict
rule.

Benchmark names: pooling/<model>/<pool|nopool>/<http|https>/c:<N>/delay_ms:<D>
[/session_cache:off][/ca_bundle:system]. A pair is the pooled and the unpooled
run of one model, protocol and delay (with libcurl's TLS session cache on, its
default). Models are C++ (the mechanism, measured without an interpreter in
the way) and Python (py_*: the libraries the claim names); models.py says
which.

A pair's factor is pooled req/s over unpooled req/s, repetition i with
repetition i, with a 95 % CI (stats.paired_ratio_ci). F(proto) is the median
over the C++ models, per repetition, with its CI (stats.ratio_ci over the
per-repetition medians).

The claim: one session pools connections and reuses them; a session per
request pays a new TCP connection and TLS handshake every time. The rule
(also printed on the page, keep RULE_TEXT in step with decide()) tests only
what could come out otherwise on a sound machine and does not move between
runs:
- the server's counts, every repetition of every error-free run: a pooled run
  opens at most one connection per worker (min(c, requests)); an unpooled one
  one connection per request, and over HTTPS one TLS handshake per request.
  A client that did not pool, or pooled where it should not, breaks them.
  "At most", not "exactly": threads_curl's threads share libcurl's connection
  cache, and one repetition of a quick run opened 31 connections for 32
  threads (a thread that started late took a connection another had freed).
- every model (C++ and Python) is faster pooled by more than 2x over HTTPS at
  delay 0 (a full TLS handshake costs milliseconds of CPU; pooling skips it),
  each check passing only when its whole CI clears the threshold.
Words:
- refuted:   the CI of F(https) lies below 1.2x: pooling buys nothing even
             where a new connection costs a TLS handshake.
- confirmed: every check passed.
- nuanced:   one check failed clearly (its CI on the wrong side, or a count).
- inconclusive: noise: no check failed, but some CI straddles its threshold.
- inconclusive: no error-free pair at delay 0, or no HTTPS pair.
Plain HTTP is quoted, not tested: on loopback a TCP connect costs microseconds
of CPU (its factor depends on the machine and moves between runs of the same
kind of machine), on a network it costs a round trip (the rtt scenario
measures that). Delays above 0 do not
change the word either: the server's wait hides connection costs by design.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import fmt, models as model_registry, stats
from . import verdict as checks_mod

if TYPE_CHECKING:
    from . import results

SCENARIO = "pooling"
PROTOS = ("http", "https")
# The Python models the claim names: aiohttp's ClientSession, and requests' Session vs requests.get.
AIOHTTP, REQUESTS = "py_aiohttp", "py_requests"

HTTPS_EVERY_MODEL_MIN = 2.0  # confirmed: each model's HTTPS factor above this (a TLS handshake costs ms)
REFUTED_BELOW = 1.2          # refuted: the median HTTPS factor below this
# Why plain HTTP is a figure and not a check, in the words the page and the verdict use.
PLAIN_HTTP_SETUP = ("on loopback a TCP connect costs microseconds; on a network it costs a round trip: "
                    "see the rtt scenario")

RULE_TEXT = (
    f"The claim: one session pools connections and reuses them; a session per request pays a new TCP "
    f"connection and TLS handshake every time. Checked on what the server counts, every repetition of every "
    f"error-free run: a pooled run opens at most one connection per worker (min(c, requests)); an unpooled run "
    f"one connection per request and, over HTTPS, one TLS handshake per request. And on what the handshake "
    f"costs, at `delay_ms:0` with the TLS session cache on: every model (C++ and Python) is faster pooled by "
    f"more than {fmt.compact(HTTPS_EVERY_MODEL_MIN)}x over HTTPS (pooled req/s ÷ unpooled req/s, repetition i "
    f"with repetition i, passing only when its whole 95 % confidence interval clears the threshold). "
    f"**Confirmed** when every check passes; **refuted** when F over HTTPS (the median over the C++ models, "
    f"per repetition) lies below {fmt.compact(REFUTED_BELOW)}x; **nuanced** when a check clearly fails; "
    f"**inconclusive: noise** when none fails but an interval straddles its threshold; **inconclusive** "
    f"without an error-free HTTPS pair. Plain HTTP is quoted, not tested: {PLAIN_HTTP_SETUP}, so its factor "
    f"is a property of the machine, not of the claim. Longer server delays do not change the word (they hide "
    f"connection costs by design); their factors are quoted beside it.")

# Kept for callers of the old API: the registry's order.
MODEL_ORDER = tuple(m for m in model_registry.MODELS)


@dataclass(frozen=True)
class Key:
    model: str | None    # None: a name too short to say
    mode: str | None     # pool | nopool
    proto: str | None    # http | https
    delay_ms: float
    session_cache: str   # on | off
    # The CA file HTTPS is verified against: mockd's certificate alone ("server"), or the
    # system's bundle with it appended ("system", `/ca_bundle:system`).
    ca_bundle: str = "server"


def key(run: results.Run) -> Key:
    n = run.name
    model, mode, proto = (list(n.labels) + [None, None, None])[:3]
    return Key(model, mode, proto, n.param("delay_ms"), str(n.param("session_cache", "on")),
               str(n.param("ca_bundle", "server")))


def by_key(runs: list[results.Run]) -> dict[Key, results.Run]:
    return {key(r): r for r in runs}


def models(runs: list[results.Run]) -> list[str]:
    """Models present, in the registry's order (C++ first, then Python; unknown ones last).
    A name that does not parse as model/mode/proto stays in the table, out of charts and verdict."""
    return model_registry.ordered({key(r).model for r in runs})


def cpp(names: Iterable[str]) -> list[str]:
    return [m for m in names if not model_registry.get(m).is_python]


def delays(runs: list[results.Run]) -> list[float]:
    return sorted({key(r).delay_ms for r in runs if key(r).delay_ms is not None})


def protos(runs: list[results.Run]) -> list[str]:
    present = {p for r in runs if (p := key(r).proto) is not None}
    return [p for p in PROTOS if p in present] + sorted(present - set(PROTOS))


@dataclass
class Pair:
    model: str
    proto: str
    delay_ms: float
    pooled: results.Run | None
    unpooled: results.Run | None

    @property
    def usable(self) -> bool:
        return (self.pooled is not None and self.unpooled is not None
                and not self.pooled.flagged and not self.unpooled.flagged)

    @property
    def factor(self) -> float | None:
        """Pooled over unpooled req/s (geometric mean of the paired repetitions' ratios, the
        estimate of factor_ci); None unless both runs are clean."""
        return self.factor_ci[0]

    @property
    def factor_ci(self) -> stats.Interval:
        """(estimate, low, high): the factor and its 95 % CI from paired repetitions."""
        if not self.usable:
            return None, None, None
        return stats.ratio_ci(self.factor_reps)

    @property
    def python(self) -> bool:
        return model_registry.get(self.model).is_python

    @property
    def saved_us(self) -> float | None:
        """Mean time saved per request by pooling (µs), median over paired repetitions:
        c ÷ unpooled req/s − c ÷ pooled req/s. With c workers each sending its next request as
        the last one returns, c ÷ req/s is the mean time a request takes (Little's law). A mean,
        not a p50 difference: a run's p50 can jump between repetitions (bimodal latency) and make
        a p50 difference noise; see p50_unstable()."""
        if not self.usable or self.pooled is None or self.unpooled is None:  # (usable: neither is None)
            return None
        c = self.pooled.name.param("c") or 1
        diffs = [c * 1e6 / u - c * 1e6 / p
                 for p, u in zip(self.pooled.values("req_per_s"), self.unpooled.values("req_per_s")) if p and u]
        return stats.median(diffs)

    @property
    def factor_reps(self) -> list[float]:
        """Repetition i of the pooled run over repetition i of the unpooled one."""
        if not self.usable or self.pooled is None or self.unpooled is None:  # (usable: neither is None)
            return []
        return [p / u for p, u in zip(self.pooled.values("req_per_s"), self.unpooled.values("req_per_s")) if u > 0]

    @property
    def factor_cv(self) -> float | None:
        """Spread of the factor over paired repetitions (a fraction)."""
        return stats.cv(self.factor_reps)

    @property
    def why_unusable(self) -> str | None:
        for label, run in (("pool", self.pooled), ("nopool", self.unpooled)):
            if run is None:
                return f"no {label} run"
            if run.failed:
                return f"{label} run failed"
            if run.errors:
                return f"{label} run had {fmt.count(run.errors)} errors"
        return None


def pairs(runs: list[results.Run], delay_ms: float, session_cache: str = "on") -> list[Pair]:
    index = by_key(runs)
    out = []
    for model in models(runs):
        for proto in protos(runs):
            pooled = index.get(Key(model, "pool", proto, delay_ms, "on"))
            unpooled = index.get(Key(model, "nopool", proto, delay_ms, session_cache))
            if pooled or unpooled:
                out.append(Pair(model, proto, delay_ms, pooled, unpooled))
    return out


def ca_bundle_pairs(runs: list[results.Run]) -> list[tuple[Pair | None, Pair]]:
    """[(server_pair, system_pair)] for each model that also ran against the system CA
    bundle (HTTPS, delay 0): the same comparison with mockd's one certificate and with the
    system's whole bundle as the CA file."""
    index = by_key(runs)
    out: list[tuple[Pair | None, Pair]] = []
    for model in models(runs):
        def pair(ca: str) -> Pair | None:
            pooled = index.get(Key(model, "pool", "https", 0, "on", ca))
            unpooled = index.get(Key(model, "nopool", "https", 0, "on", ca))
            return Pair(model, "https", 0, pooled, unpooled) if pooled or unpooled else None
        system = pair("system")
        if system is not None:
            out.append((pair("server"), system))
    return out


def _cpp_pairs(pair_list: list[Pair], proto: str) -> list[Pair]:
    return [p for p in pair_list if p.proto == proto and not p.python and p.factor is not None]


def median_factor_reps(pair_list: list[Pair], proto: str) -> list[float | None]:
    """F_i = median over the C++ models of their i-th paired factor, for each repetition i."""
    return stats.median_across([p.factor_reps for p in _cpp_pairs(pair_list, proto)])


def median_factor_ci(pair_list: list[Pair], proto: str) -> stats.Interval:
    """F over the C++ models with its 95 % CI: (estimate, low, high)."""
    return stats.ratio_ci(median_factor_reps(pair_list, proto))


def median_factor(pair_list: list[Pair], proto: str) -> float | None:
    return median_factor_ci(pair_list, proto)[0]


def median_factor_cv(pair_list: list[Pair], proto: str) -> float | None:
    """Spread of F over repetitions: F_i = median over C++ models of their i-th paired factor."""
    return stats.cv(median_factor_reps(pair_list, proto))


def median_saved_us(pair_list: list[Pair], proto: str) -> float | None:
    """Median over the C++ models of the time pooling saves per request (p50 difference, µs)."""
    return stats.median([p.saved_us for p in _cpp_pairs(pair_list, proto) if p.saved_us is not None])


def python_pair(runs: list[results.Run], model: str, proto: str, delay_ms: int = 0) -> Pair | None:
    for p in pairs(runs, delay_ms):
        if p.model == model and p.proto == proto:
            return p
    return None


# The three exact counts the claim predicts (check names, as the page and the guide show them).
POOLED_CONNS = "one session reuses its connections: connections ≤ workers, every pooled run"
UNPOOLED_CONNS = "a session per request opens a connection per request: connections = requests, every unpooled run"
UNPOOLED_TLS = ("a session per request does a TLS handshake per request: handshakes = requests, every unpooled "
                "HTTPS run")


@dataclass
class Signature:
    """One server-counted expectation on one run, over every repetition: pooled connections ≤
    min(c, requests) (each worker keeps at most one; workers may share a freed one), unpooled connections = requests, unpooled TLS
    handshakes = requests (HTTPS runs whose server counted handshakes)."""
    run: results.Run
    expected: str
    holds: bool
    check: str = POOLED_CONNS   # which of the three counts
    counter: str = "conns_opened"


def _every_rep(run: results.Run, counter: str, expected: Callable[[results.Entry], float]) -> bool:
    return all(r.get(counter) is not None and r.get("requests") is not None and r.get(counter) == expected(r)
               for r in run.reps)


def signature(runs: list[results.Run]) -> list[Signature]:
    out = []
    for run in runs:
        if run.flagged:
            continue  # errors change the counts legitimately
        k = key(run)
        c = run.name.param("c")
        if k.mode == "pool" and c is not None:
            holds = all(r.get("conns_opened") is not None and r.get("requests") is not None
                        and 1 <= r["conns_opened"] <= min(c, r["requests"]) for r in run.reps)
            out.append(Signature(run, f"conns_opened ≤ min(c, requests) (c = {c})", holds, POOLED_CONNS))
        elif k.mode == "nopool":
            holds = _every_rep(run, "conns_opened", lambda r: r["requests"])
            out.append(Signature(run, "conns_opened = requests", holds, UNPOOLED_CONNS))
            if k.proto == "https" and all(r.get("tls_handshakes") is not None for r in run.reps):
                holds = _every_rep(run, "tls_handshakes", lambda r: r["requests"])
                out.append(Signature(run, "tls_handshakes = requests", holds, UNPOOLED_TLS, "tls_handshakes"))
    return out


@dataclass
class CountCheck(checks_mod.Check):
    """An exact count on every repetition of every error-free run (no interval): 'holds in 41 of 41 runs'."""
    held: int = 0
    total: int = 0

    @property
    def figure(self) -> str:
        return f"holds in {self.held} of {self.total} runs" if self.total else fmt.DASH


def count_checks(runs: list[results.Run]) -> list[CountCheck]:
    """The three counts as checks, in the claim's order; a count with no run to check is left out."""
    sig = signature(runs)
    out = []
    for name, needs in ((POOLED_CONNS, "≤ min(c, requests)"), (UNPOOLED_CONNS, "= requests"),
                        (UNPOOLED_TLS, "= requests")):
        these = [s for s in sig if s.check == name]
        if not these:
            continue
        held = sum(s.holds for s in these)
        status = checks_mod.PASSED if held == len(these) else checks_mod.FAILED
        out.append(CountCheck(name, status, threshold=needs, unit="", note="exact count, not an interval",
                              held=held, total=len(these)))
    return out


P50_SPREAD = 2.0  # a run whose p50 varies more than this factor between repetitions is bimodal


def p50_unstable(runs: list[results.Run], spread: float = P50_SPREAD) -> list[tuple[results.Run, float, float]]:
    """[(run, lowest p50, highest p50)] of the error-free runs whose p50 differs more than `spread`
    times between repetitions: a bimodal latency, where a p50 difference is noise."""
    out = []
    for r in runs:
        p50 = [v for v in r.values("p50_us") if v]
        if not r.flagged and len(p50) > 1 and max(p50) > spread * min(p50):
            out.append((r, min(p50), max(p50)))
    return out


@dataclass
class CacheEffect:
    """libcurl's TLS session cache on unpooled HTTPS: on vs off for one model."""
    model: str | None
    delay_ms: float
    on: results.Run
    off: results.Run

    @property
    def factor(self) -> float | None:
        if self.on.flagged or self.off.flagged:
            return None
        return stats.factor(self.on.median("req_per_s"), self.off.median("req_per_s"))

    @property
    def resumed_fraction(self) -> float | None:
        return stats.factor(self.on.median("tls_resumed"), self.on.median("tls_handshakes"))


def cache_effects(runs: list[results.Run]) -> list[CacheEffect]:
    index = by_key(runs)
    out = []
    for k, off in index.items():
        if k.session_cache == "off":
            on = index.get(Key(k.model, k.mode, k.proto, k.delay_ms, "on"))
            if on is not None:
                out.append(CacheEffect(k.model, k.delay_ms, on, off))
    order: dict[str | None, int] = {m: i for i, m in enumerate(models(runs))}
    return sorted(out, key=lambda e: (e.delay_ms, order.get(e.model, 99)))


@dataclass
class Verdict(checks_mod.Line):
    word: str                  # confirmed | nuanced | refuted | inconclusive: noise | inconclusive
    sentence: str              # what was measured; .line renders '**Word**: sentence' (verdict.line)
    factors: dict = field(default_factory=dict)     # (proto, delay_ms) -> F (C++ median)
    factors_cv: dict = field(default_factory=dict)  # (proto, delay_ms) -> its CV over repetitions
    reasons: list[str] = field(default_factory=list)     # why not confirmed
    factors_ci: dict = field(default_factory=dict)  # (proto, delay_ms) -> (est, low, high)
    checks: list[checks_mod.Check] = field(default_factory=list)      # verdict.Check, in rule order


def _faster(ci: stats.Interval | None, where: str = "") -> str:
    return fmt.faster_ci(*ci, where=where) if ci and ci[0] is not None else "not measured" + where


def python_figures(runs: list[results.Run],
                   protos: tuple[str, ...] = ("https", "http")) -> list[tuple[str, str, Pair]]:
    """[(label, proto, pair)] for the Python libraries the claim names, error-free at delay 0."""
    out = []
    for model, label in ((AIOHTTP, "aiohttp (`ClientSession` reused vs one per request)"),
                         (REQUESTS, "requests (`Session` vs `requests.get`)")):
        for proto in protos:  # HTTPS first, as the headline
            p = python_pair(runs, model, proto)
            if p is not None and p.factor is not None:
                out.append((label, proto, p))
    return out


def python_text(runs: list[results.Run], proto: str) -> str:
    """'aiohttp (…) 6.28x faster (95 % CI …); requests (…) 4.28x faster (…)' over one protocol, or ''."""
    return "; ".join(f"{label} {_faster(p.factor_ci)}" for label, _proto, p in python_figures(runs, (proto,)))


def ca_bundle_text(runs: list[results.Run]) -> str:
    """'verified against the system's CA bundle, as for a public site: requests 36.8x …' or ''."""
    parts = []
    for _server, system in ca_bundle_pairs(runs):
        if system.factor is not None:
            name = {AIOHTTP: "aiohttp", REQUESTS: "requests"}.get(system.model, f"`{system.model}`")
            parts.append(f"{name} {_faster(system.factor_ci)}")
    if not parts:
        return ""
    return "verified against the system's CA bundle, as for a public site: " + "; ".join(parts)


def _counts_text(counts: list[CountCheck]) -> str:
    """What the server counted, in the claim's words, when every count check passed."""
    if not counts or any(c.status != checks_mod.PASSED for c in counts):
        return ""
    tls = any(c.name == UNPOOLED_TLS for c in counts)
    return ("the server counted at most one connection per worker in every pooled run, and one connection"
            + (" (over HTTPS also one TLS handshake)" if tls else "") + " per request in every unpooled run")


def _protocol_text(runs: list[results.Run], proto: str, ci: stats.Interval | None, n_models: int) -> str:
    """'Over HTTPS: aiohttp (…) …; C++ clients (median of 5 models, the mechanism) 34.6x faster (…)'."""
    parts = [python_text(runs, proto)]
    if proto == "https":
        parts.append(ca_bundle_text(runs))
    if ci is not None and ci[0] is not None:
        parts.append(f"C++ clients (median of {n_models} model{'s' if n_models != 1 else ''}, the mechanism) "
                     f"{_faster(ci)}")
    return "; ".join(p for p in parts if p)


def decide(runs: list[results.Run]) -> Verdict:
    ds, ps = delays(runs), protos(runs)
    factors_ci = {(proto, d): median_factor_ci(pairs(runs, d), proto) for d in ds for proto in ps}
    factors = {k: v[0] for k, v in factors_ci.items()}
    factors_cv = {(proto, d): median_factor_cv(pairs(runs, d), proto) for d in ds for proto in ps}
    at0 = [p for p in pairs(runs, 0) if p.factor is not None]
    if not at0:
        return Verdict("inconclusive", "no error-free pooled/unpooled pair at delay_ms:0.", factors,
                       factors_cv, ["no error-free pair at delay_ms:0"], factors_ci)
    ci_https, ci_http = factors_ci.get(("https", 0)), factors_ci.get(("http", 0))
    https0 = [p for p in at0 if p.proto == "https"]

    counts = count_checks(runs)
    checks: list[checks_mod.Check] = list(counts)
    for p in https0:
        lang = " (Python)" if p.python else ""
        checks.append(checks_mod.at_least(f"`{p.model}`{lang} gains over HTTPS", p.factor_ci,
                                          HTTPS_EVERY_MODEL_MIN, strict=True))
    reasons = []
    if not https0:
        reasons.append("HTTPS not measured: the TLS handshake the claim names is untested")
    for c in checks:
        if c.status == checks_mod.FAILED:
            reasons.append(f"{c.name}: {c.figure}, needs {c.threshold}")

    cpp_https = [p for p in https0 if not p.python]
    if cpp_https and ci_https is not None and ci_https[2] is not None and ci_https[2] < REFUTED_BELOW:
        word = checks_mod.REFUTED
    elif not https0:
        word = checks_mod.INCONCLUSIVE
    else:
        word = checks_mod.word_from(checks)

    n_models = len({p.model for p in at0 if not p.python})
    sentences = []
    counted = _counts_text(counts)
    if counted:
        sentences.append(counted)
    https_text = _protocol_text(runs, "https", ci_https, n_models)
    if https_text:
        sentences.append("over HTTPS, where each new connection also costs a TLS handshake, pooling is "
                         + https_text)
    http_text = _protocol_text(runs, "http", ci_http, n_models)
    if http_text:
        sentences.append(f"over plain HTTP, a figure of this setup rather than a check ({PLAIN_HTTP_SETUP}): "
                         + http_text)
    for d in [d for d in ds if d != 0]:
        sentences.append(f"with a {fmt.param(d)} ms server delay the C++ median is "
                         f"{_faster(factors_ci.get(('https', d)), ' over HTTPS')}, "
                         f"{_faster(factors_ci.get(('http', d)), ' over HTTP')}")
    if not python_figures(runs):
        sentences.append("Python peers not measured in this run")
    sentence = ". ".join(checks_mod.capitalised(x) if i else x for i, x in enumerate(sentences)) + "."
    if word in (checks_mod.NUANCED, checks_mod.INCONCLUSIVE) and reasons:
        text = "; ".join(reasons[:3]) + ("; …" if len(reasons) > 3 else "")
        sentence += " " + checks_mod.capitalised(text) + "."
    elif word == checks_mod.NOISE:
        sentence += " Undecided by noise: " + checks_mod.noise_text(checks) + "."
    return Verdict(word, sentence, factors, factors_cv, reasons, factors_ci, checks)
