"""The middleware scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run: 3 repetitions of
every benchmark, measured while the machine was busy)."""
import os
import unittest

from . import helpers
from report_lib import fmt, middleware, results
from report_lib import middleware_verdict as mv


def grid(aiohttp_cpu=((150, 160), (150, 158), (150, 161)), mockd_cpu=((10, 10.1), (10, 10.0), (10, 10.2)),
         below=0, missing=0, errors=0, below_new=0, unseen=(0.15, 0.9)):
    """Every benchmark, one entry per repetition. *_cpu: (untimed, timed) CPU µs per request per repetition;
    below / below_new: spans under the delay per repetition on keep-alive / new connections; unseen: the
    client's latency beyond the span (ms) on keep-alive and on new connections."""
    entries = []
    for server, cpu in (("aiohttp", aiohttp_cpu), ("mockd", mockd_cpu)):
        for i, (untimed, timed) in enumerate(cpu):
            for mw, value in (("none", untimed), ("timing", timed)):
                entries.append(helpers.entry(f"middleware/{server}/{mw}/overhead/c:8/delay_ms:0", i,
                                             server_cpu_us_per_req=value, req_per_s=1e6 / value, requests=6000,
                                             errors=errors))
                for conn, short, extra in (("keep_alive", below, unseen[0]), ("new_connection", below_new, unseen[1])):
                    if conn == "new_connection" and mw != "timing":
                        continue
                    span = {"span_below_delay": short, "span_missing": missing, "span_p50_ms": 20.4,
                            "span_min_ms": 20.1, "unseen_p50_ms": extra + 0.01 * i} if mw == "timing" else {}
                    entries.append(helpers.entry(f"middleware/{server}/{mw}/span/{conn}/c:1/delay_ms:20", i,
                                                 requests=50, delay_ms=20, latency_p50_ms=20.4 + extra,
                                                 conns_opened_client=1 if conn == "keep_alive" else 50, **span))
    return results.group_benchmarks(entries)


class MiddlewareVerdictTest(unittest.TestCase):
    def test_correct_spans_and_a_small_cost_confirm(self):
        v = mv.decide(grid())
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertEqual(len(v.checks), 4)
        self.assertAlmostEqual(v.cost["aiohttp"][0], (160 / 150 * 158 / 150 * 161 / 150) ** (1 / 3), places=6)
        # The cost in µs is the ratio's excess times the untimed median.
        self.assertAlmostEqual(v.cost_us["aiohttp"][0], (v.cost["aiohttp"][0] - 1) * 150, places=6)

    def test_a_span_shorter_than_the_delay_is_nuanced(self):
        v = mv.decide(grid(below=1))
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertIn("spans ≥ the delay", v.line)

    def test_a_short_span_on_new_connections_alone_is_nuanced(self):
        # Both span runs count: a middleware that fell short only there still fails the check.
        self.assertEqual(mv.decide(grid(below_new=1)).word, "nuanced")

    def test_a_span_run_named_before_keep_alive_counts_as_new_connections(self):
        # The committed reference's span runs (span/c:1/...) opened a connection per request: they
        # are read as new_connection, so their unseen latency is never quoted as keep-alive.
        entries = [helpers.entry("middleware/aiohttp/timing/span/c:1/delay_ms:20", i, requests=50, delay_ms=20,
                                 latency_p50_ms=21.0, span_p50_ms=20.2, span_min_ms=20.1, span_below_delay=0,
                                 span_missing=0, unseen_p50_ms=0.8 + 0.01 * i) for i in range(3)]
        runs = results.group_benchmarks(entries)
        self.assertIsNone(mv.unseen_ci(runs, "aiohttp", "keep_alive"))
        self.assertAlmostEqual(mv.unseen_ci(runs, "aiohttp", "new_connection")[0], 0.81, places=6)

    def test_a_missing_span_is_nuanced(self):
        self.assertEqual(mv.decide(grid(missing=2)).word, "nuanced")

    def test_an_expensive_middleware_is_nuanced(self):
        v = mv.decide(grid(aiohttp_cpu=((100, 200), (100, 210), (100, 190))))
        self.assertEqual(v.word, "nuanced", v.line)

    def test_an_interval_across_the_bound_is_noise(self):
        v = mv.decide(grid(aiohttp_cpu=((100, 90), (100, 160), (100, 120))))
        self.assertEqual(v.word, "inconclusive: noise", v.line)

    def test_runs_with_errors_are_left_out(self):
        v = mv.decide(grid(errors=1))
        self.assertEqual(v.word, "inconclusive", v.line)

    def test_headline_figures(self):
        figures = middleware.headline(results.Results("middleware", "", {}, grid()))
        labels = [f.label for f in figures]
        self.assertEqual(labels[0], "aiohttp: server CPU per request, timing middleware ÷ none")
        self.assertIn("aiohttp: reported span beyond the 20 ms delay", labels)
        # The unseen latency on keep-alive comes first (what a needle "client latency beyond" finds),
        # the new-connection one is labelled as holding connect and accept.
        unseen = [f for f in figures if "client latency beyond" in f.label]
        self.assertEqual([f.label for f in unseen], [
            "aiohttp: client latency beyond the reported span, keep-alive",
            "aiohttp: client latency beyond the reported span, new connection per request (includes connect "
            "and accept)"])
        self.assertAlmostEqual(unseen[0].estimate, 0.16, places=6)
        self.assertAlmostEqual(unseen[1].estimate, 0.91, places=6)


class MiddlewareCostWordsTest(unittest.TestCase):
    """The sentence about the middleware's cost: its figures and its word come from the data."""

    def test_a_cost_under_the_bound_is_small_with_its_figures(self):
        v = mv.decide(grid(aiohttp_cpu=((100, 118), (100, 117), (100, 119))))
        text = mv.cost_text(v, "aiohttp")
        self.assertTrue(text.startswith(f"{fmt.sig(v.cost_us['aiohttp'][0])} µs of server CPU per request (+18 %)"),
                        text)
        self.assertIn("small next to", text)
        self.assertNotIn("few", text)

    def test_a_cost_over_the_bound_is_not_called_small(self):
        v = mv.decide(grid(aiohttp_cpu=((100, 200), (100, 210), (100, 190))))
        text = mv.cost_text(v, "aiohttp")
        self.assertIn("(+99.8 %), +25 % or more: a sizeable share", text)
        self.assertNotIn("small", text)

    def test_an_interval_across_the_bound_says_it_cannot_tell(self):
        v = mv.decide(grid(aiohttp_cpu=((100, 90), (100, 160), (100, 120))))
        self.assertIn("cannot tell", mv.cost_text(v, "aiohttp"))

    def test_a_cost_indistinguishable_from_zero_says_so(self):
        v = mv.decide(grid())
        self.assertIn("cannot tell it from zero", mv.cost_text(v, "mockd"))

    def test_the_interview_answer_quotes_the_check_not_a_few_microseconds(self):
        v = mv.decide(grid(aiohttp_cpu=((100, 118), (100, 117), (100, 119))))
        said = middleware._interview(grid(), v)
        self.assertIn(mv.cost_text(v, "aiohttp"), said)
        self.assertNotIn("cheap", said)


class MiddlewarePageTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "middleware"

    def test_report_runs_and_draws_both_charts(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        for stem in ("middleware_cost", "middleware_span"):
            self.assertTrue(os.path.exists(os.path.join(self.tmp, "middleware", "charts", stem + ".png")))

    def test_numbers_name_the_server_apart_from_the_client_model(self):
        # The old table put the server's name in the model column and looked it up as a client
        # model, which printed "aiohttp (C++)" for the Python server.
        self.assertNotIn("aiohttp (C++)", self.page)
        numbers = self.page.split("## Numbers")[1]
        self.assertIn("| aiohttp (Python), timed |", numbers)
        self.assertIn("| mockd (C++), untimed |", numbers)
        self.assertIn("| asio_coro (C++) |", numbers)

    def test_page_has_its_sections_and_the_computed_verdict(self):
        for heading in ("## Verdict", "## What the span covers", "## Why", "## In an interview", "## Caveats"):
            self.assertIn(heading, self.page)
        loaded = results.load(self.tmp, "middleware")
        self.assertIn(middleware.verdict(loaded).line.split(":")[0], self.page)


if __name__ == "__main__":
    unittest.main()
