"""Claim C1 (pooling): which runs pair up, the pooled/unpooled factors, the
connection signature, and the verdict rule.

Benchmark names: pooling/<model>/<pool|nopool>/<http|https>/c:<N>/delay_ms:<D>
[/session_cache:off]. A pair is the pooled and the unpooled run of one model,
protocol and delay (with libcurl's TLS session cache on, its default).

The rule (also printed on the page, keep RULE_TEXT in step with decide()):
F(proto) = median over models of pooled req/s / unpooled req/s at delay 0,
from error-free pairs only (a run with errors may look fast because failures
are quick).
- refuted:   F(https) < 1.2 and F(http) < 1.2: pooling buys nothing measurable.
- confirmed: every model is faster pooled by more than 1.2x over both HTTP
             and HTTPS, and F(http) >= 1.5 (the claim says even a plain TCP
             connection per request costs, not only TLS).
- nuanced:   anything in between, e.g. HTTPS gains but plain HTTP barely.
- inconclusive: no error-free pair at delay 0.
Delays above 0 do not change the word: the server's wait hides connection
costs by design; their factors are quoted beside it.
"""
from dataclasses import dataclass, field

from . import fmt, stats

SCENARIO = "pooling"
# Sequential models first, then the concurrent ones, as the suite lists them.
MODEL_ORDER = ("blocking_curl", "blocking_httplib", "threadpool_curl", "curl_multi", "asio_coro")
PROTOS = ("http", "https")

EVERY_MODEL_MIN = 1.2   # confirmed: each model's factor above this, both protocols
HTTP_CLEAR_MIN = 1.5    # confirmed: the median HTTP factor at least this
REFUTED_BELOW = 1.2     # refuted: both median factors below this

RULE_TEXT = (
    f"F = median over models of (pooled req/s ÷ unpooled req/s) at `delay_ms:0`, error-free pairs only, "
    f"TLS session cache on. **Refuted** when F is below {REFUTED_BELOW}x over both HTTPS and HTTP; "
    f"**confirmed** when every model is faster pooled by more than {EVERY_MODEL_MIN}x over both protocols "
    f"and F over HTTP is at least {HTTP_CLEAR_MIN}x; **nuanced** otherwise (e.g. HTTPS gains, plain HTTP "
    f"barely); **inconclusive** without an error-free pair. Longer server delays do not change the word "
    f"(they hide connection costs by design); their factors are quoted beside it.")


@dataclass(frozen=True)
class Key:
    model: str
    mode: str            # pool | nopool
    proto: str           # http | https
    delay_ms: float
    session_cache: str   # on | off


def key(run):
    n = run.name
    model, mode, proto = (list(n.labels) + [None, None, None])[:3]
    return Key(model, mode, proto, n.param("delay_ms"), str(n.param("session_cache", "on")))


def by_key(runs):
    return {key(r): r for r in runs}


def models(runs):
    # A name that does not parse as model/mode/proto stays in the table, out of charts and verdict.
    present = {key(r).model for r in runs} - {None}
    ordered = [m for m in MODEL_ORDER if m in present]
    return ordered + sorted(present - set(ordered))  # a new model still shows up


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
        """Pooled over unpooled median req/s; None unless both runs are clean."""
        if not self.usable:
            return None
        return stats.factor(self.pooled.median("req_per_s"), self.unpooled.median("req_per_s"))

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


def median_factor(pair_list, proto):
    return stats.median([p.factor for p in pair_list if p.proto == proto and p.factor is not None])


def median_factor_cv(pair_list, proto):
    """Spread of F over repetitions: F_i = median over models of their i-th paired factor."""
    reps = [p.factor_reps for p in pair_list if p.proto == proto and p.factor_reps]
    if not reps:
        return None
    n = min(len(r) for r in reps)
    return stats.cv([stats.median([r[i] for r in reps]) for i in range(n)])


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
    word: str                  # confirmed | nuanced | refuted | inconclusive
    line: str                  # one Markdown sentence for the page and the index
    factors: dict = field(default_factory=dict)   # (proto, delay_ms) -> median factor
    factors_cv: dict = field(default_factory=dict)  # (proto, delay_ms) -> its CV over repetitions
    reasons: list = field(default_factory=list)   # why not confirmed


def _faster(f):
    if f is None:
        return "not measured"
    return f"{fmt.times(f)} faster" if f >= 1 else f"{fmt.times(f)} as fast (slower)"


def decide(runs):
    factors = {(proto, d): median_factor(pairs(runs, d), proto) for d in delays(runs) for proto in protos(runs)}
    factors_cv = {(proto, d): median_factor_cv(pairs(runs, d), proto) for d in delays(runs) for proto in protos(runs)}
    at0 = [p for p in pairs(runs, 0) if p.factor is not None]
    f_https, f_http = factors.get(("https", 0)), factors.get(("http", 0))
    if not at0:
        return Verdict("inconclusive", "Inconclusive: no error-free pooled/unpooled pair at delay_ms:0.", factors,
                       factors_cv, ["no error-free pair at delay_ms:0"])

    reasons = []
    for p in at0:
        if p.factor <= EVERY_MODEL_MIN:
            reasons.append(f"`{p.model}` gains only {fmt.times(p.factor)} over {p.proto.upper()}")
    if f_http is None or f_https is None:
        reasons.append("only one protocol was measured")
    if f_http is not None and f_http < HTTP_CLEAR_MIN:
        reasons.append(f"the plain-HTTP median is under {HTTP_CLEAR_MIN}x")

    if (f_https is None or f_https < REFUTED_BELOW) and (f_http is None or f_http < REFUTED_BELOW):
        word = "refuted"
    elif not reasons:
        word = "confirmed"
    else:
        word = "nuanced"

    n_models = len({p.model for p in at0})
    measured = [f"{_faster(f)} over {label}" for f, label in ((f_https, "HTTPS"), (f_http, "plain HTTP"))
                if f is not None]
    line = (f"{word.capitalize()}: pooling is {measured[0]} here "
            f"(median of {n_models} model{'s' if n_models != 1 else ''} at delay_ms:0)"
            + "".join(f", {m}" for m in measured[1:]))
    later = [d for d in delays(runs) if d != 0]
    for d in later:
        line += (f"; with a {fmt.param(d)} ms server delay {fmt.times(factors.get(('https', d)))} over HTTPS, "
                 f"{fmt.times(factors.get(('http', d)))} over HTTP")
    line += "."
    if word == "nuanced":
        text = "; ".join(reasons[:3]) + ("; …" if len(reasons) > 3 else "")
        line += " " + text[0].upper() + text[1:] + "."
    broken = [s.run.name.text for s in signature(runs) if not s.holds]
    if broken:
        line += f" Connection signature broken in {len(broken)} run(s)."
    return Verdict(word, line, factors, factors_cv, reasons)
