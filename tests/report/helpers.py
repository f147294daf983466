"""Hand-made Google Benchmark entries for the tests, built the way bench writes them."""
from report_lib import results


def entry(name, rep=0, **counters):
    full = name + "/manual_time"
    e = {"name": full, "run_name": full, "run_type": "iteration", "repetitions": 3, "repetition_index": rep,
         "threads": 1, "iterations": 1, "real_time": 100.0, "cpu_time": 50.0, "time_unit": "ms",
         "errors": 0}
    e.update(counters)
    return e


def reps(name, rates, requests=1000, conns=None, **counters):
    """One entry per value in rates (req_per_s), with consistent connection counts."""
    c = results.parse_name(name).param("c", 1)
    pooled = "/pool/" in name
    out = []
    for i, rate in enumerate(rates):
        opened = conns if conns is not None else (c if pooled else requests)
        out.append(entry(name, i, req_per_s=rate, requests=requests, conns_opened=opened,
                         p50_us=1e6 * c / rate, p99_us=3e6 * c / rate, **counters))
    return out


def pooling_runs(factors, delay=0):
    """Runs for every (model, proto) -> factor: pooled at 1000 * factor req/s, unpooled at 1000."""
    entries = []
    for (model, proto), f in factors.items():
        c = 1 if model.startswith("blocking") else 32
        base = f"pooling/{model}/%s/{proto}/c:{c}/delay_ms:{delay}"
        entries += reps(base % "pool", [1000 * f] * 3)
        entries += reps(base % "nopool", [1000] * 3)
    return results.group_benchmarks(entries)
