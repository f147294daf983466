"""The blocking scenario's report (claims C3 and C5): the verdict rules on
hand-made runs, and scripts/report end to end on the fixture (a real quick
run: 2 repetitions, the C++ and Python event-loop runs and the server sweep
at concurrency 1, 16 and 64)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from . import REPO, helpers
from report_lib import blocking, blocking_verdict as bv
from report_lib import page, results

REPORT = os.path.join(REPO, "scripts", "report")
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "blocking")
CHARTS = ("blocking_client", "blocking_cpu", "blocking_lag", "blocking_server")


def _entries(spec):
    out = []
    for name, counters in spec:
        for i in range(2):
            c = dict(other_p50_us=200, other_p99_us=2000, other_requests=10, requests=110, server_requests=110,
                     cpu_s=0.02, work_cpu_s=0.0)
            c.update(counters)
            c.setdefault("loop_lag_p99_us", c["loop_lag_max_us"] / 2)
            c.setdefault("loop_lag_p50_us", c["loop_lag_max_us"] / 4)
            out.append(helpers.entry(name, i, **c))
    return out


def cpp_loop(timer=18, sleep=1030, off4=260, off32=41, sleep_lag=1.03e6, timer_lag=2.5e3, cpu_on=508,
             cpu_off1=520, cpu_off2=262, cpu_on_lag=5.05e5, cpu_off_lag=1.1e4, work=0.5):
    return _entries([
        ("blocking/client/timer/tasks:100/wait_ms:10", dict(total_ms=timer, loop_lag_max_us=timer_lag)),
        ("blocking/client/sleep/tasks:100/wait_ms:10", dict(total_ms=sleep, loop_lag_max_us=sleep_lag)),
        ("blocking/client/offload/tasks:100/wait_ms:10/workers:4", dict(total_ms=off4, loop_lag_max_us=5e3)),
        ("blocking/client/offload/tasks:100/wait_ms:10/workers:32", dict(total_ms=off32, loop_lag_max_us=4e3)),
        ("blocking/cpu/on_loop/tasks:100/cpu_ms:5",
         dict(total_ms=cpu_on, loop_lag_max_us=cpu_on_lag, work_cpu_s=work, cpu_s=work, cpus_available=1)),
        ("blocking/cpu/offload/tasks:100/cpu_ms:5/workers:4/cpus:1",
         dict(total_ms=cpu_off1, loop_lag_max_us=cpu_off_lag, work_cpu_s=work, cpu_s=work, cpus_available=1)),
        ("blocking/cpu/offload/tasks:100/cpu_ms:5/workers:4/cpus:2",
         dict(total_ms=cpu_off2, loop_lag_max_us=cpu_off_lag, work_cpu_s=work, cpu_s=work, cpus_available=2)),
    ])


def py_loop(asyncio_sleep=40, time_sleep=1120, to_thread=180, sleep_lag=1.1e6, timer_lag=4e3, timer_p50=1e3,
            on_loop=560,
            cpu_thread=600, process=300, on_lag=5.5e5, thread_lag=6e4, process_lag=8e3, work=0.49):
    py = dict(cpus_available=2, startup_ms=130)
    return _entries([
        ("blocking/py_client/asyncio_sleep/tasks:100/wait_ms:10",
         dict(total_ms=asyncio_sleep, loop_lag_max_us=timer_lag, loop_lag_p50_us=timer_p50, **py)),
        ("blocking/py_client/time_sleep/tasks:100/wait_ms:10",
         dict(total_ms=time_sleep, loop_lag_max_us=sleep_lag, **py)),
        ("blocking/py_client/to_thread/tasks:100/wait_ms:10",
         dict(total_ms=to_thread, loop_lag_max_us=5e3, workers=6, **py)),
        ("blocking/py_cpu/on_loop/tasks:100/cpu_ms:5",
         dict(total_ms=on_loop, loop_lag_max_us=on_lag, work_cpu_s=work, cpu_s=work, **py)),
        ("blocking/py_cpu/to_thread/tasks:100/cpu_ms:5",
         dict(total_ms=cpu_thread, loop_lag_max_us=thread_lag, work_cpu_s=work, cpu_s=work, workers=6, **py)),
        ("blocking/py_cpu/process_pool/tasks:100/cpu_ms:5/workers:2",
         dict(total_ms=process, loop_lag_max_us=process_lag, work_cpu_s=work, cpu_s=work, **py)),
    ])


def await_entries(stalled_lag=(4.5e5, 4.6e5), stalled_during=0, yield_lag=(2e3, 2.2e3), yields=None):
    """The await_yield runs: a 450 ms loop of awaits that never suspend, and sleep(0) every 1 and 100."""
    tail = "/awaits:50000/work_steps:100"
    out = []
    for i in range(2):
        out.append(helpers.entry("blocking/py_await_yield/no_yield" + tail, i, total_ms=450,
                                 loop_lag_max_us=stalled_lag[i], loop_lag_p99_us=stalled_lag[i],
                                 heartbeats_during=stalled_during, yields=0, startup_ms=60, ns_per_await=9000))
        for every, total in ((1, 800), (100, 460)):
            out.append(helpers.entry(f"blocking/py_await_yield/sleep0{tail}/every:{every}", i, total_ms=total,
                                     loop_lag_max_us=yield_lag[i], loop_lag_p99_us=yield_lag[i] / 2,
                                     heartbeats_during=400, yields=50000 // every if yields is None else yields,
                                     startup_ms=60, ns_per_await=total * 20))
    return out


def loop_entries(**kw):
    return cpp_loop() + py_loop(**kw)


def aiohttp_entries(time_sleep_rate=(48, 49), asyncio_per_c=14, cs=(1, 16, 64), errors=0):
    """The aiohttp server's two handlers at a 20 ms delay: time.sleep held to about 1/D = 50 req/s."""
    out = []
    for route in ("time_sleep", "asyncio_sleep"):
        for c in cs:
            name = f"blocking/aiohttp_server/{route}/c:{c}/delay_ms:20"
            for i in range(2):
                rate = time_sleep_rate[i] if route == "time_sleep" else asyncio_per_c * c * (1 + i / 20)
                out.append(helpers.entry(name, i, req_per_s=rate * 0.9, steady_req_per_s=rate, requests=100,
                                         p50_us=2e4, p99_us=3e4, errors=errors if route == "time_sleep" else 0))
    return out


def server_entries(blocking_rate=390, asio_per_c=47, cs=(1, 16, 64), aiohttp=True):
    out = aiohttp_entries(cs=cs) if aiohttp else []
    for engine, threads in (("asio", 1), ("blocking", 8)):
        for c in cs:
            name = f"blocking/server/{engine}/threads:{threads}/c:{c}/delay_ms:20"
            rate = asio_per_c * c if engine == "asio" else min(blocking_rate, 49 * c)
            for i in range(2):
                out.append(helpers.entry(name, i, req_per_s=rate * 0.8, steady_req_per_s=rate, requests=400,
                                         conns_peak=min(c, threads) if engine == "blocking" else c,
                                         p50_us=2e4, p99_us=3e4))
    return out


def runs_of(*lists):
    return results.group_benchmarks([e for lst in lists for e in lst])


class BlockingVerdict(unittest.TestCase):
    def test_names_keep_the_pool_size_and_the_cpus(self):
        runs = runs_of(loop_entries())
        self.assertEqual([bv.workers(r) for r in bv.offloads(runs)], [4, 32])
        self.assertEqual(bv.bound_ms(bv.offloads(runs)[0]), 250)
        self.assertEqual(bv.bound_ms(bv.find(runs, "client", "sleep")), 1000)
        # asyncio's default executor reports its size: ceil(100/6) rounds of 10 ms.
        self.assertEqual(bv.bound_ms(bv.find(runs, "py_client", "to_thread")), 170)
        # CPU work: its CPU time on the CPUs the workers may use.
        one, two = bv.offloads(runs, "cpu")
        self.assertAlmostEqual(bv.bound_ms(one), 500)
        self.assertAlmostEqual(bv.bound_ms(two), 250)

    def test_the_gil_makes_c5_nuanced(self):
        v = bv.decide(runs_of(loop_entries(), server_entries()))
        self.assertEqual((v.client.word, v.server.word), ("confirmed", "confirmed"))
        self.assertEqual(v.cpu.word, "nuanced")
        self.assertEqual(v.word, "nuanced")
        self.assertIn("Python `time.sleep`", v.line)
        self.assertIn("1,120 ms", v.line)

    def test_threads_that_finish_the_work_sooner_confirm_c5(self):
        v = bv.decide(runs_of(loop_entries(cpu_thread=280), server_entries()))
        self.assertEqual(v.cpu.word, "confirmed")
        self.assertEqual(v.word, "confirmed")

    def test_overlapping_python_sleeps_refute(self):
        v = bv.decide(runs_of(loop_entries(time_sleep=30, sleep_lag=3e3), server_entries()))
        self.assertEqual(v.client.word, "refuted")
        self.assertEqual(v.word, "refuted")

    def test_asyncio_sleep_lagging_past_d_is_nuanced(self):
        v = bv.decide(runs_of(loop_entries(timer_lag=3e4, timer_p50=1.5e4), server_entries()))
        self.assertEqual(v.client.word, "nuanced")

    def test_one_slow_tick_of_asyncio_sleep_is_not_a_stall(self):
        # The loop busy with the requests after the wait: the max passes D, the median tick does not.
        v = bv.decide(runs_of(loop_entries(timer_lag=2e4, timer_p50=1e3), server_entries()))
        self.assertEqual(v.client.word, "confirmed")

    def test_offload_far_from_its_bound_is_nuanced(self):
        v = bv.decide(runs_of(loop_entries(to_thread=600), server_entries()))
        self.assertEqual(v.client.word, "nuanced")

    def test_work_finished_faster_than_the_cpus_allow_is_a_broken_bound(self):
        runs = runs_of(cpp_loop(cpu_off1=220), py_loop(), server_entries())
        v = bv.decide(runs)
        self.assertEqual(v.cpu.word, "nuanced")
        self.assertTrue(any("under the bound" in r for r in v.cpu.reasons), v.cpu.reasons)

    def test_blocking_server_under_its_plateau_is_nuanced(self):
        v = bv.decide(runs_of(loop_entries(), server_entries(blocking_rate=100)))
        self.assertEqual(v.server.word, "nuanced")

    def test_blocking_server_over_its_cap_refutes_that_part(self):
        v = bv.decide(runs_of(loop_entries(), server_entries(blocking_rate=900)))
        self.assertEqual(v.server.word, "refuted")
        self.assertEqual(v.word, "nuanced")  # only the client side refutes the whole

    def test_offloaded_cpu_still_lagging_is_nuanced(self):
        v = bv.decide(runs_of(cpp_loop(cpu_off_lag=2e5), py_loop(), server_entries()))
        self.assertEqual(v.cpu.word, "nuanced")
        self.assertTrue(any(c.status == "failed" for c in v.cpu.checks))

    def test_without_python_runs_the_claim_is_inconclusive(self):
        v = bv.decide(runs_of(cpp_loop(), server_entries()))
        self.assertEqual(v.client.word, "inconclusive")
        self.assertEqual(v.cpu.word, "inconclusive")
        self.assertEqual(v.word, "inconclusive")

    def test_a_sleeping_aiohttp_handler_caps_at_one_over_d(self):
        v = bv.decide(runs_of(loop_entries(), server_entries()))
        self.assertEqual(v.aiohttp.word, "confirmed")
        self.assertEqual([c.name for c in v.aiohttp.checks],
                         ["aiohttp_server: `asyncio.sleep` ÷ `time.sleep` handler, steady req/s, c:64"])
        self.assertIn("C3 server side in Python (aiohttp_server) confirmed", v.line)
        runs = runs_of(loop_entries(), server_entries())
        self.assertEqual(bv.server_cap(next(r for r in runs if r.name.text.startswith(
            "blocking/aiohttp_server/time_sleep/c:64"))), 50)
        text = blocking._aiohttp(runs, v.aiohttp)
        self.assertIn("within 1.2×1/D", text)
        self.assertIn("At c:64 the `asyncio.sleep` handler served", text)

    def test_an_aiohttp_time_sleep_handler_over_its_cap_refutes_that_part(self):
        v = bv.decide(runs_of(loop_entries(), server_entries(aiohttp=False), aiohttp_entries(time_sleep_rate=(90, 95))))
        self.assertEqual(v.aiohttp.word, "refuted")
        self.assertEqual(v.word, "nuanced")

    def test_asyncio_sleep_handler_barely_faster_is_nuanced_then_refuted(self):
        v = bv.decide(runs_of(loop_entries(), server_entries(aiohttp=False), aiohttp_entries(asyncio_per_c=2)))
        self.assertEqual(v.aiohttp.word, "nuanced")  # 128 / 48 req/s: 2.6x, under 5x
        v = bv.decide(runs_of(loop_entries(), server_entries(aiohttp=False), aiohttp_entries(asyncio_per_c=0.9)))
        self.assertEqual(v.aiohttp.word, "refuted")  # 58 / 48 req/s: under 1.5x

    def test_a_dead_aiohttp_server_gives_errors_not_a_figure(self):
        v = bv.decide(runs_of(loop_entries(), server_entries(aiohttp=False), aiohttp_entries(errors=5)))
        self.assertEqual(v.aiohttp.word, "inconclusive")
        self.assertEqual(v.aiohttp.checks, [])
        self.assertTrue(any("had errors" in r for r in v.aiohttp.reasons), v.aiohttp.reasons)

    def test_missing_server_runs_are_inconclusive(self):
        v = bv.decide(runs_of(loop_entries()))
        self.assertEqual(v.server.word, "inconclusive")
        self.assertEqual(v.word, "inconclusive")

    def test_the_interview_quotes_python_figures_only(self):
        runs = runs_of(loop_entries(), server_entries())
        text = blocking._interview(runs, bv.decide(runs))
        self.assertIn("1,120 ms", text)       # Python time.sleep
        self.assertNotIn("1,030", text)       # the C++ sleep_for figure
        self.assertNotIn(" 18.0 ms", text)    # the C++ timer figure
        cpp_only = blocking._interview(runs_of(cpp_loop()), bv.decide(runs_of(cpp_loop())))
        self.assertNotIn("1,030", cpp_only)

    def test_awaits_that_never_suspend_starve_the_heartbeat(self):
        v = bv.decide(runs_of(loop_entries(), server_entries(), await_entries()))
        self.assertEqual(v.await_yield.word, "confirmed")
        self.assertEqual(v.word, "nuanced")  # the overall word stays C3/C5's
        names = [c.name for c in v.await_yield.checks]
        self.assertEqual(names, ["await_yield: awaits that never suspend ÷ `asyncio.sleep(0)` after every await, "
                                 "heartbeat lag max",
                                 "await_yield: awaits that never suspend ÷ `asyncio.sleep(0)` every 100 awaits, "
                                 "heartbeat lag max"])
        self.assertTrue(all(c.status == "passed" for c in v.await_yield.checks))
        self.assertIn("Q7 (await_yield) confirmed", v.line)

    def test_a_heartbeat_during_awaits_that_never_suspend_refutes(self):
        v = bv.decide(runs_of(await_entries(stalled_during=3)))
        self.assertEqual(v.await_yield.word, "refuted")

    def test_sleep0_that_barely_cuts_the_lag_is_nuanced(self):
        v = bv.decide(runs_of(await_entries(yield_lag=(1e5, 1.1e5))))
        self.assertEqual(v.await_yield.word, "nuanced")
        self.assertTrue(all(c.status == "failed" for c in v.await_yield.checks))
        text = blocking._await_yield(runs_of(await_entries(yield_lag=(1e5, 1.1e5))), v.await_yield)
        self.assertIn("by only", text)
        self.assertNotIn("woke **0 times**", text.replace("woke **0 times** during the loop in every", ""))

    def test_a_wrong_yield_count_is_a_broken_bound(self):
        v = bv.decide(runs_of(await_entries(yields=7)))
        self.assertEqual(v.await_yield.word, "nuanced")
        self.assertTrue(any("yielded 7 times" in r for r in v.await_yield.reasons), v.await_yield.reasons)

    def test_without_await_yield_runs_that_part_is_inconclusive(self):
        v = bv.decide(runs_of(loop_entries(), server_entries()))
        self.assertEqual(v.await_yield.word, "inconclusive")
        self.assertNotIn("await_yield", v.line)

    def test_the_prose_on_threads_follows_the_lag_check(self):
        # The reference's case: to_thread barely cut the lag (469 ms against 551 ms on the loop).
        runs = runs_of(loop_entries(thread_lag=4.69e5, on_lag=5.51e5), server_entries())
        v = bv.decide(runs)
        lag = bv.find_check(v.cpu.checks, "Python work on the loop ÷ Python `asyncio.to_thread(work)`, loop lag max")
        self.assertEqual(lag.status, "failed")
        pool = bv.find_check(v.cpu.checks, "Python work on the loop ÷ Python `ProcessPoolExecutor(2)`, loop lag max")
        self.assertEqual(pool.status, "passed")
        why, say = blocking._why(runs, v), blocking._interview(runs, v)
        self.assertIn("a thread does not free the loop from Python CPU work", why)
        self.assertNotIn("a thread frees the loop", why)
        self.assertIn("a thread is no fix", say)
        self.assertNotIn("`to_thread` frees the loop", say)
        self.assertIn("`ProcessPoolExecutor` frees the loop", say)
        # A thread that does cut the lag is worded so.
        runs = runs_of(loop_entries(thread_lag=6e4), server_entries())
        v = bv.decide(runs)
        self.assertIn("a thread frees the loop from CPU work, not the CPU", blocking._why(runs, v))
        self.assertIn("`to_thread` frees the loop", blocking._interview(runs, v))

    def test_labels_name_the_language(self):
        for r in runs_of(loop_entries()):
            text = bv.label(r)
            self.assertTrue(text.startswith("Python " if r.name.labels[0].startswith("py_") else "C++ "), text)


# The default grid (bench/scenarios/blocking.cpp, register_blocking): every Python loop, the C++ loops
# behind a figure the guide quotes, a sleep(0) after every await, and each server at its headline's
# concurrency.
REFERENCE_ONLY = ("/client/offload/", "/cpus:1", "/every:100")


def default_grid_entries():
    full = loop_entries() + await_entries() + server_entries(cs=(blocking.AIOHTTP_HEADLINE_C,
                                                                 blocking.SERVER_HEADLINE_C))
    return [e for e in full if not any(part in e["name"] for part in REFERENCE_ONLY)
            and ("/server/" not in e["name"] or f"/c:{blocking.SERVER_HEADLINE_C}/" in e["name"])
            and ("/aiohttp_server/" not in e["name"] or f"/c:{blocking.AIOHTTP_HEADLINE_C}/" in e["name"])]


def sweep_entries():
    """Every kind, the servers swept over concurrency as the reference does."""
    return loop_entries() + await_entries() + server_entries(cs=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512))


class HeadlineConcurrency(unittest.TestCase):
    """The servers' factors are quoted at one concurrency in every mode, so a default run's figures line
    up with the reference's, which sweeps the concurrency."""

    def test_the_sweep_quotes_the_factors_at_the_headline_concurrencies(self):
        labels = [f.label for f in blocking.headline(results.Results("blocking", "", {}, runs_of(sweep_entries())))]
        self.assertIn("C3 server, Python: aiohttp `asyncio.sleep` ÷ `time.sleep` handler, steady req/s, "
                      f"c:{blocking.AIOHTTP_HEADLINE_C}", labels)
        self.assertIn(f"C3 server: asio ÷ blocking engine, steady req/s, c:{blocking.SERVER_HEADLINE_C}", labels)
        self.assertFalse([label for label in labels if label.endswith("c:512")])

    def test_each_is_the_lowest_concurrency_its_rule_checks(self):
        self.assertEqual(blocking.SERVER_HEADLINE_C, bv.HIGH_C)
        self.assertEqual(blocking.AIOHTTP_HEADLINE_C, bv.AIOHTTP_HIGH_C)

    def test_the_default_grid_gives_the_sweeps_verdict_and_its_figures(self):
        full, default = runs_of(sweep_entries()), runs_of(default_grid_entries())
        self.assertEqual(bv.decide(default).word, bv.decide(full).word)
        for part in ("client", "server", "aiohttp", "cpu", "await_yield"):
            self.assertEqual(getattr(bv.decide(default), part).word, getattr(bv.decide(full), part).word, part)
        full_labels = [f.label for f in blocking.headline(results.Results("blocking", "", {}, full))]
        default_labels = [f.label for f in blocking.headline(results.Results("blocking", "", {}, default))]
        # Only the reference's own rows are missing: the C++ pool on one CPU and sleep(0) every 100 awaits.
        self.assertEqual([label for label in full_labels if label not in default_labels],
                         ["C5: C++ work on the loop ÷ C++ work on 4 threads, 1 CPU, total time",
                          "Q7 await_yield: awaits that never suspend ÷ `asyncio.sleep(0)` every 100 awaits, "
                          "heartbeat lag max"])
        self.assertEqual([label for label in default_labels if label not in full_labels], [])

    def test_a_default_page_says_where_the_rest_is_measured(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = results.Results("blocking", os.path.join(tmp, "blocking"), {}, runs_of(default_grid_entries()))
            text = page.render(blocking, r, {}, reference_dir=os.path.dirname(FIXTURE))
        self.assertIn("## Connections that send nothing\n\n" + blocking.NOT_MEASURED, text)
        self.assertIn("at the one concurrency this run measured; the reference run (`bench --reference`) sweeps it",
                      text)
        # No pool of sleeps in C++ here: the page names none.
        self.assertIn("asyncio's default executor has min(32, CPUs + 4) threads.", text)


class BlockingReportEndToEnd(unittest.TestCase):
    def test_fixture_report_and_charts(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(FIXTURE, os.path.join(tmp, "blocking"))
            done = subprocess.run([REPORT, "--out", tmp, "--scenario", "blocking"], capture_output=True,
                                  text=True, timeout=240)
            self.assertEqual(done.returncode, 0, done.stderr)
            page = open(os.path.join(tmp, "blocking", "README.md"), encoding="utf-8").read()
            for heading in ("## Verdict", "## Setup", "## Numbers", "## Caveats", "## In an interview"):
                self.assertIn(heading, page)
            self.assertIn("Rule:", page)
            for stem in CHARTS:
                for ext in ("png", "svg"):
                    path = os.path.join(tmp, "blocking", "charts", f"{stem}.{ext}")
                    self.assertTrue(os.path.exists(path), path)
                    self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
