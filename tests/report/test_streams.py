"""The streams scenario's report: the verdict rule on hand-made runs, and
scripts/report end to end on the fixture (a real quick run, 3 repetitions of
every benchmark, trimmed: no aggregates in bench.json, every 4th sample in
series.json)."""
import os
import unittest

from . import helpers
from report_lib import results, streams
from report_lib import streams_verdict as sv

CHAT = "/clients:8/pause_ms:600/msg_bytes:16384/rate:500"
CHURN = "/clients:8/pause_ms:600/churn_ms:10"
BOUND = 64 * 16384 + 65536 + 16384


def grid(drain_p99=(500, 520), bounded_p99=(2, 2.2), no_drain_peak=(8e6, 9e6), bounded_peak=(1.1e6, 1.1e6),
         bounded_delivered=True, set_errors=(2, 3), copy_errors=(0, 0), errors=0):
    """Every chat and churn benchmark and one UDP pair, two repetitions each."""
    entries = []
    common = dict(pause_ms=600, rate=500, fast_expected=2400, errors=0)
    for i in range(2):
        entries.append(helpers.entry("streams/chat/drain_in_loop" + CHAT, i, fast_p99_ms=drain_p99[i],
                                     fast_received=2400, backlog_peak_bytes=80000, **dict(common, errors=errors)))
        entries.append(helpers.entry("streams/chat/no_drain" + CHAT, i, fast_p99_ms=1.5, fast_received=2400,
                                     backlog_peak_bytes=no_drain_peak[i],
                                     backlog_growth_bytes_per_s=no_drain_peak[i] / 0.6, **common))
        entries.append(helpers.entry("streams/chat/bounded_queue" + CHAT, i, fast_p99_ms=bounded_p99[i],
                                     fast_received=2400 if bounded_delivered else 2390,
                                     backlog_peak_bytes=bounded_peak[i], backlog_bound_bytes=BOUND, **common))
        entries.append(helpers.entry("streams/churn/iterate_set" + CHURN, i, set_errors=set_errors[i], **common))
        entries.append(helpers.entry("streams/churn/iterate_copy" + CHURN, i, set_errors=copy_errors[i], **common))
        for impl, rate in (("asio", 40000), ("py_asyncio", 10000)):
            entries.append(helpers.entry(f"streams/udp/{impl}/window:64/bytes:64", i, round_trips_per_s=rate * (1 + i / 50),
                                         sent=1000, received=1000, lost=0, loss_pct=0))
    return results.group_benchmarks(entries)


class StreamsVerdictTest(unittest.TestCase):
    def test_every_signature_holds_confirms(self):
        v = sv.decide(grid())
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertEqual(len(v.checks), 4)
        self.assertGreater(v.stall[0], 200)

    def test_no_stall_is_nuanced(self):
        v = sv.decide(grid(drain_p99=(2.1, 2.3)))
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertIn("stall: fast p99, drain_in_loop ÷ bounded_queue", v.reasons)

    def test_a_bounded_queue_that_loses_lines_is_nuanced(self):
        v = sv.decide(grid(bounded_delivered=False))
        self.assertEqual(v.word, "nuanced")
        self.assertEqual(v.reasons, ["bounded: every line delivered, backlog ≤ bound"])

    def test_a_backlog_over_the_bound_is_nuanced(self):
        self.assertEqual(sv.decide(grid(bounded_peak=(1.1e6, BOUND + 1))).word, "nuanced")

    def test_set_errors_in_the_copy_or_none_in_the_set_are_nuanced(self):
        self.assertEqual(sv.decide(grid(copy_errors=(0, 1))).word, "nuanced")
        self.assertEqual(sv.decide(grid(set_errors=(2, 0))).word, "nuanced")

    def test_a_wide_interval_across_the_threshold_is_noise(self):
        v = sv.decide(grid(no_drain_peak=(1.2e6, 9e6)))
        self.assertEqual(v.word, "inconclusive: noise", v.line)

    def test_runs_with_errors_are_left_out(self):
        v = sv.decide(grid(errors=2))
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("drain_in_loop", v.line)

    def test_headline_figures(self):
        r = results.Results("streams", "/nowhere", {}, grid())
        labels = [f.label for f in streams.headline(r)]
        self.assertEqual(labels[:4], [streams.LABEL_STALL, streams.LABEL_BACKLOG, streams.LABEL_GROWTH,
                                      streams.LABEL_UDP])
        udp = [f for f in streams.headline(r) if f.label == streams.LABEL_UDP][0]
        self.assertAlmostEqual(udp.estimate, 4.0)


class StreamsReportTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "streams"

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn(f"report: {streams.LABEL_STALL}:", self.result.stdout)

    def test_page_sections(self):
        for section in ("## The claim", "## Setup", "## Charts", "## Verdict", "## The chat server, design by design",
                        "## Clients that come and go", "## UDP echo", "## Why it happens", "## In an interview",
                        "## Caveats", "## Numbers", "## Errors"):
            self.assertIn(section, self.page)
        self.assertIn("> **Quick run**", self.page)

    def test_verdict_is_decided_by_the_rule(self):
        fixture = results.load(self.tmp, "streams")
        v = sv.decide(fixture.runs)
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertIn(v.line.split(".")[0], self.page)

    def test_charts_written(self):
        for stem in ("streams_chat_latency", "streams_backlog", "streams_udp"):
            for ext in ("png", "svg"):
                path = os.path.join(self.tmp, "streams", "charts", f"{stem}.{ext}")
                self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
