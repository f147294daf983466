"""Claim C1 (pooling): which runs pair up, the pooled/unpooled factors with
their 95 % confidence intervals, the connection signature, and the verdict
rule.

Benchmark names: pooling/<model>/<pool|nopool>/<http|https>/c:<N>/delay_ms:<D>
[/session_cache:off]. A pair is the pooled and the unpooled run of one model,
protocol and delay (with libcurl's TLS session cache on, its default). Models
are C++ (the mechanism, measured without an interpreter in the way) and
Python (py_*: the libraries the claim names); models.py says which.

A pair's factor is pooled req/s over unpooled req/s, repetition i with
repetition i, with a 95 % CI (stats.paired_ratio_ci). F(proto) is the median
over the C++ models, per repetition, with its CI (stats.ratio_ci over the
per-repetition medians).

The rule (also printed on the page, keep RULE_TEXT in step with decide()),
at delay 0, error-free pairs only (a run with errors may look fast because
failures are quick); each check passes only when its whole CI clears it:
- refuted:   the CIs of F(https) and F(http) both lie below 1.2: pooling
             buys nothing measurable.
- confirmed: every model (C++ and Python) is faster pooled by more than
             1.2x over both HTTP and HTTPS, and F(http) >= 1.5 (the claim says
             even a plain TCP connection per request costs, not only TLS).
- nuanced:   one of those checks failed clearly (its CI on the wrong side).
- inconclusive: noise: no check failed, but some CI straddles its threshold
             (e.g. a run under load with a large CV).
- inconclusive: no error-free pair at delay 0.
Delays above 0 do not change the word: the server's wait hides connection
costs by design; their factors are quoted beside it.
"""
from dataclasses import dataclass, field

from . import fmt, models as model_registry, stats
from . import verdict as checks_mod

SCENARIO = "pooling"
PROTOS = ("http", "https")
# The Python models the claim names: aiohttp's ClientSession, and requests' Session vs requests.get.
AIOHTTP, REQUESTS = "py_aiohttp", "py_requests"

EVERY_MODEL_MIN = 1.2   # confirmed: each model's factor above this, both protocols
HTTP_CLEAR_MIN = 1.5    # confirmed: the median HTTP factor at least this
REFUTED_BELOW = 1.2     # refuted: both median factors below this

RULE_TEXT = (
    f"At `delay_ms:0`, error-free pairs only, TLS session cache on. A model's factor is pooled req/s ÷ "
    f"unpooled req/s, repetition i with repetition i, with a 95 % confidence interval; F = the median "
    f"over the C++ models (the mechanism), per repetition, with its interval. Every check passes only "
    f"when its whole interval clears the threshold. **Refuted** when the intervals of F over HTTPS and "
    f"over HTTP both lie below {REFUTED_BELOW}x; **confirmed** when every model (C++ and Python) is "
    f"faster pooled by more than {EVERY_MODEL_MIN}x over both protocols and F over HTTP is at least "
    f"{HTTP_CLEAR_MIN}x; **nuanced** when one of those checks clearly fails; **inconclusive: noise** "
    f"when none fails but an interval straddles its threshold; **inconclusive** without an error-free "
    f"pair. Longer server delays do not change the word (they hide connection costs by design); their "
    f"factors are quoted beside it.")

# Kept for callers of the old API: the registry's order.
MODEL_ORDER = tuple(m for m in model_registry.MODELS)


@dataclass(frozen=True)
class Key:
    model: str
    mode: str            # pool | nopool
    proto: str           # http | https
    delay_ms: float
    session_cache: str   # on | off
    # The CA file HTTPS is verified against: mockd's certificate alone ("server"), or the
    # system's bundle with it appended ("system", `/ca_bundle:system`).
    ca_bundle: str = "server"


def key(run):
    n = run.name
    model, mode, proto = (list(n.labels) + [None, None, None])[:3]
    return Key(model, mode, proto, n.param("delay_ms"), str(n.param("session_cache", "on")),
               str(n.param("ca_bundle", "server")))


def by_key(runs):
    return {key(r): r for r in runs}


def models(runs):
    """Models present, in the registry's order (C++ first, then Python; unknown ones last).
    A name that does not parse as model/mode/proto stays in the table, out of charts and verdict."""
    return model_registry.ordered({key(r).model for r in runs})


def cpp(names):
    return [m for m in names if not model_registry.get(m).is_python]


def delays(runs):
    return sorted({key(r).delay_ms for r in runs if key(r).delay_ms is not None})


def protos(runs):
    present = {key(r).proto for r in runs}
    return [p for p in PROTOS if p in present] + sorted(present - set(PROTOS) - {None})


@dataclass
class Pair:
    model: str
    proto: str
    delay_ms: float
    pooled: object    # Run or None
    unpooled: object  # Run or None

    @property
    def usable(self):
        return (self.pooled is not None and self.unpooled is not None
                and not self.pooled.flagged and not self.unpooled.flagged)

    @property
    def factor(self):
        """Pooled over unpooled req/s (geometric mean of the paired repetitions' ratios, the
        estimate of factor_ci); None unless both runs are clean."""
        return self.factor_ci[0]

    @property
    def factor_ci(self):
        """(estimate, low, high): the factor and its 95 % CI from paired repetitions."""
        if not self.usable:
            return None, None, None
        return stats.ratio_ci(self.factor_reps)

    @property
    def python(self):
        return model_registry.get(self.model).is_python

    @property
    def saved_us(self):
        """Time saved per request by pooling: the unpooled p50 minus the pooled p50 (µs), median
        over paired repetitions: what one request waits less at the concurrency it ran at."""
        if not self.usable:
            return None
        diffs = [u - p for p, u in zip(self.pooled.values("p50_us"), self.unpooled.values("p50_us"))]
        return stats.median(diffs)

    @property
    def factor_reps(self):
        """Repetition i of the pooled run over repetition i of the unpooled one."""
        if not self.usable:
            return []
        return [p / u for p, u in zip(self.pooled.values("req_per_s"), self.unpooled.values("req_per_s")) if u > 0]

    @property
    def factor_cv(self):
        """Spread of the factor over paired repetitions (a fraction)."""
        return stats.cv(self.factor_reps)

    @property
    def why_unusable(self):
        for label, run in (("pool", self.pooled), ("nopool", self.unpooled)):
            if run is None:
                return f"no {label} run"
            if run.failed:
                return f"{label} run failed"
            if run.errors:
                return f"{label} run had {fmt.count(run.errors)} errors"
        return None


def pairs(runs, delay_ms, session_cache="on"):
    index = by_key(runs)
    out = []
    for model in models(runs):
        for proto in protos(runs):
            pooled = index.get(Key(model, "pool", proto, delay_ms, "on"))
            unpooled = index.get(Key(model, "nopool", proto, delay_ms, session_cache))
            if pooled or unpooled:
                out.append(Pair(model, proto, delay_ms, pooled, unpooled))
    return out


def ca_bundle_pairs(runs):
    """[(server_pair, system_pair)] for each model that also ran against the system CA
    bundle (HTTPS, delay 0): the same comparison with mockd's one certificate and with the
    system's whole bundle as the CA file."""
    index = by_key(runs)
    out = []
    for model in models(runs):
        def pair(ca):
            pooled = index.get(Key(model, "pool", "https", 0, "on", ca))
            unpooled = index.get(Key(model, "nopool", "https", 0, "on", ca))
            return Pair(model, "https", 0, pooled, unpooled) if pooled or unpooled else None
        system = pair("system")
        if system is not None:
            out.append((pair("server"), system))
    return out


def _cpp_pairs(pair_list, proto):
    return [p for p in pair_list if p.proto == proto and not p.python and p.factor is not None]


def median_factor_reps(pair_list, proto):
    """F_i = median over the C++ models of their i-th paired factor, for each repetition i."""
    return stats.median_across([p.factor_reps for p in _cpp_pairs(pair_list, proto)])


def median_factor_ci(pair_list, proto):
    """F over the C++ models with its 95 % CI: (estimate, low, high)."""
    return stats.ratio_ci(median_factor_reps(pair_list, proto))


def median_factor(pair_list, proto):
    return median_factor_ci(pair_list, proto)[0]


def median_factor_cv(pair_list, proto):
    """Spread of F over repetitions: F_i = median over C++ models of their i-th paired factor."""
    return stats.cv(median_factor_reps(pair_list, proto))


def median_saved_us(pair_list, proto):
    """Median over the C++ models of the time pooling saves per request (p50 difference, µs)."""
    return stats.median([p.saved_us for p in _cpp_pairs(pair_list, proto) if p.saved_us is not None])


def python_pair(runs, model, proto, delay_ms=0):
    for p in pairs(runs, delay_ms):
        if p.model == model and p.proto == proto:
            return p
    return None


@dataclass
class Signature:
    """Server-counted connections: pooled <= concurrency, unpooled == requests (every repetition)."""
    run: object
    expected: str
    holds: bool


def signature(runs):
    out = []
    for run in runs:
        if run.flagged:
            continue  # errors change the counts legitimately
        k = key(run)
        c = run.name.param("c")
        if k.mode == "pool" and c is not None:
            holds = all(r.get("conns_opened", 0) <= c for r in run.reps)
            out.append(Signature(run, f"conns_opened ≤ c ({c})", holds))
        elif k.mode == "nopool":
            holds = all(r.get("conns_opened") == r.get("requests") for r in run.reps)
            out.append(Signature(run, "conns_opened = requests", holds))
    return out


@dataclass
class CacheEffect:
    """libcurl's TLS session cache on unpooled HTTPS: on vs off for one model."""
    model: str
    delay_ms: float
    on: object
    off: object

    @property
    def factor(self):
        if self.on.flagged or self.off.flagged:
            return None
        return stats.factor(self.on.median("req_per_s"), self.off.median("req_per_s"))

    @property
    def resumed_fraction(self):
        return stats.factor(self.on.median("tls_resumed"), self.on.median("tls_handshakes"))


def cache_effects(runs):
    index = by_key(runs)
    out = []
    for k, off in index.items():
        if k.session_cache == "off":
            on = index.get(Key(k.model, k.mode, k.proto, k.delay_ms, "on"))
            if on is not None:
                out.append(CacheEffect(k.model, k.delay_ms, on, off))
    order = {m: i for i, m in enumerate(models(runs))}
    return sorted(out, key=lambda e: (e.delay_ms, order.get(e.model, 99)))


@dataclass
class Verdict:
    word: str                  # confirmed | nuanced | refuted | inconclusive: noise | inconclusive
    line: str                  # one Markdown sentence for the page and the index
    factors: dict = field(default_factory=dict)     # (proto, delay_ms) -> F (C++ median)
    factors_cv: dict = field(default_factory=dict)  # (proto, delay_ms) -> its CV over repetitions
    reasons: list = field(default_factory=list)     # why not confirmed
    factors_ci: dict = field(default_factory=dict)  # (proto, delay_ms) -> (est, low, high)
    checks: list = field(default_factory=list)      # verdict.Check, in rule order


def _faster(ci, where=""):
    return fmt.faster_ci(*ci, where=where) if ci and ci[0] is not None else "not measured" + where


def python_figures(runs):
    """[(label, proto, pair)] for the Python libraries the claim names, error-free at delay 0."""
    out = []
    for model, label in ((AIOHTTP, "aiohttp (`ClientSession` reused vs one per request)"),
                         (REQUESTS, "requests (`Session` vs `requests.get`)")):
        for proto in ("https", "http"):  # HTTPS first, as the headline
            p = python_pair(runs, model, proto)
            if p is not None and p.factor is not None:
                out.append((label, proto, p))
    return out


def python_text(runs):
    figs = python_figures(runs)
    if not figs:
        return "Python peers not measured in this run"
    parts = {}
    for label, proto, p in figs:
        parts.setdefault(label, []).append(_faster(p.factor_ci, f" over {proto.upper()}"))
    return ("for the Python libraries themselves, pooling is "
            + "; ".join(f"{label} {', '.join(texts)}" for label, texts in parts.items()))


def ca_bundle_text(runs):
    """'; verified against the system CA bundle (as for a public site): requests 36.8x …' or ''."""
    parts = []
    for _server, system in ca_bundle_pairs(runs):
        if system.factor is not None:
            name = {AIOHTTP: "aiohttp", REQUESTS: "requests"}.get(system.model, f"`{system.model}`")
            parts.append(f"{name} {_faster(system.factor_ci, ' over HTTPS')}")
    if not parts:
        return ""
    return "; verified against the system's CA bundle, as for a public site: " + "; ".join(parts)


def decide(runs):
    ds, ps = delays(runs), protos(runs)
    factors_ci = {(proto, d): median_factor_ci(pairs(runs, d), proto) for d in ds for proto in ps}
    factors = {k: v[0] for k, v in factors_ci.items()}
    factors_cv = {(proto, d): median_factor_cv(pairs(runs, d), proto) for d in ds for proto in ps}
    at0 = [p for p in pairs(runs, 0) if p.factor is not None]
    if not at0:
        return Verdict("inconclusive", "Inconclusive: no error-free pooled/unpooled pair at delay_ms:0.", factors,
                       factors_cv, ["no error-free pair at delay_ms:0"], factors_ci)
    ci_https, ci_http = factors_ci.get(("https", 0)), factors_ci.get(("http", 0))

    checks = []
    for p in at0:
        lang = " (Python)" if p.python else ""
        checks.append(checks_mod.at_least(f"`{p.model}`{lang} gains over {p.proto.upper()}", p.factor_ci,
                                          EVERY_MODEL_MIN, strict=True))
    if ci_http is not None and ci_http[0] is not None:
        checks.append(checks_mod.at_least("F over HTTP (C++ median)", ci_http, HTTP_CLEAR_MIN))
    reasons = []
    if (ci_http is None or ci_http[0] is None) or (ci_https is None or ci_https[0] is None):
        reasons.append("only one protocol was measured")
    for c in checks:
        if c.status == checks_mod.FAILED:
            reasons.append(f"{c.name}: {c.figure}, needs {c.threshold}")

    def clearly_below(ci):
        return ci is None or ci[0] is None or (ci[2] is not None and ci[2] < REFUTED_BELOW)

    cpp_at0 = [p for p in at0 if not p.python]
    if cpp_at0 and clearly_below(ci_https) and clearly_below(ci_http):
        word = checks_mod.REFUTED
    else:
        word = checks_mod.word_from(checks)
        if word == checks_mod.CONFIRMED and reasons:
            word = checks_mod.NUANCED

    # The library the claim names first (its figure is the one a reader quotes), then the
    # C++ models' median as the mechanism's.
    n_models = len({p.model for p in cpp_at0})
    measured = [_faster(ci, f" over {label}") for ci, label in ((ci_https, "HTTPS"), (ci_http, "plain HTTP"))
                if ci is not None and ci[0] is not None]
    mechanism = ""
    if measured:
        mechanism = (f"{measured[0]} (median of {n_models} C++ model{'s' if n_models != 1 else ''} at "
                     f"delay_ms:0, the mechanism)" + "".join(f", {m}" for m in measured[1:]))
    for d in [d for d in ds if d != 0]:
        mechanism += (f"; with a {fmt.param(d)} ms server delay "
                      f"{_faster(factors_ci.get(('https', d)), ' over HTTPS')}, "
                      f"{_faster(factors_ci.get(('http', d)), ' over HTTP')}")
    if python_figures(runs):
        line = (f"{checks_mod.capitalised(word)}: " + python_text(runs) + ca_bundle_text(runs)
                + (f". C++ clients: {mechanism}." if mechanism else "."))
    else:
        line = (f"{checks_mod.capitalised(word)}: pooling is {mechanism or 'not measured at delay_ms:0'}. "
                + python_text(runs) + ".")
    if word == checks_mod.NUANCED and reasons:
        text = "; ".join(reasons[:3]) + ("; …" if len(reasons) > 3 else "")
        line += " " + checks_mod.capitalised(text) + "."
    elif word == checks_mod.NOISE:
        line += " Undecided by noise: " + checks_mod.noise_text(checks) + "."
    broken = [s.run.name.text for s in signature(runs) if not s.holds]
    if broken:
        line += f" Connection signature broken in {len(broken)} run(s)."
    return Verdict(word, line, factors, factors_cv, reasons, factors_ci, checks)
