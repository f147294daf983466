import json
import os
import tempfile
import unittest

from . import helpers
from report_lib import results
from report_lib import pooling_verdict as pv


class NameParsingTest(unittest.TestCase):
    def test_google_benchmark_suffix_is_stripped(self):
        n = results.parse_name("pooling/asio_coro/pool/https/c:32/delay_ms:0/manual_time")
        self.assertEqual(n.text, "pooling/asio_coro/pool/https/c:32/delay_ms:0")
        self.assertEqual(n.scenario, "pooling")
        self.assertEqual(n.labels, ("asio_coro", "pool", "https"))
        self.assertEqual(n.param("c"), 32)
        self.assertEqual(n.param("delay_ms"), 0)

    def test_other_google_benchmark_suffixes_are_stripped_too(self):
        n = results.parse_name("pooling/curl_multi/nopool/http/c:32/delay_ms:5/iterations:1/repeats:5/manual_time")
        self.assertEqual(n.text, "pooling/curl_multi/nopool/http/c:32/delay_ms:5")

    def test_session_cache_off_and_fractional_delay(self):
        n = results.parse_name("pooling/blocking_curl/nopool/https/c:1/delay_ms:2.5/session_cache:off")
        self.assertEqual(n.param("session_cache"), "off")
        self.assertEqual(n.param("delay_ms"), 2.5)
        self.assertEqual(pv.key(type("R", (), {"name": n})()),
                         pv.Key("blocking_curl", "nopool", "https", 2.5, "off"))


class GroupingTest(unittest.TestCase):
    def test_repetitions_group_and_aggregates_are_ignored(self):
        name = "pooling/asio_coro/pool/http/c:32/delay_ms:0"
        entries = helpers.reps(name, [100, 200, 300, 400])
        entries.append({**helpers.entry(name), "run_type": "aggregate", "aggregate_name": "mean", "req_per_s": 1e9})
        [run] = results.group_benchmarks(entries)
        self.assertEqual(len(run.reps), 4)
        self.assertEqual(run.median("req_per_s"), 250)

    def test_failed_benchmark_is_kept_with_its_message(self):
        name = "pooling/blocking_httplib/nopool/https/c:1/delay_ms:0/manual_time"
        [run] = results.group_benchmarks([{"name": name, "run_name": name, "run_type": "iteration",
                                           "error_occurred": True, "error_message": "TLS refused"}])
        self.assertTrue(run.failed)
        self.assertTrue(run.flagged)
        self.assertEqual(run.error_message, "TLS refused")

    def test_errors_are_summed_by_kind_over_repetitions(self):
        name = "pooling/threads_curl/nopool/http/c:32/delay_ms:0"
        entries = [helpers.entry(name, 0, errors=3, errors_connect=3),
                   helpers.entry(name, 1, errors=5, errors_connect=4, errors_read=1)]
        [run] = results.group_benchmarks(entries)
        self.assertEqual(run.errors, 8)
        self.assertEqual(run.errors_by_kind(), {"connect": 7, "read": 1})
        self.assertTrue(run.flagged)

    def test_connections_per_1000_requests(self):
        [run] = results.group_benchmarks(helpers.reps("pooling/asio_coro/pool/http/c:32/delay_ms:0", [1, 1],
                                                      requests=4000))
        self.assertEqual(run.per_rep("conns_opened", "requests", 1000), 8)


class LoadTest(unittest.TestCase):
    def test_missing_bench_json_is_a_clear_error(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(results.ReportError, "bench.json not found"):
                results.load(d, "pooling")

    def test_invalid_json_is_a_clear_error(self):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "pooling"))
            with open(os.path.join(d, "pooling", "bench.json"), "w") as f:
                f.write("{not json")
            with self.assertRaisesRegex(results.ReportError, "not valid JSON"):
                results.load(d, "pooling")

    def test_spectra_attach_by_name(self):
        name = "pooling/asio_coro/pool/http/c:32/delay_ms:0"
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "pooling"))
            with open(os.path.join(d, "pooling", "bench.json"), "w") as f:
                json.dump({"context": {}, "benchmarks": helpers.reps(name, [1000])}, f)
            with open(os.path.join(d, "pooling", "spectra.json"), "w") as f:
                json.dump({"benchmarks": {name: {"samples": 10, "percentiles": [[50, 80.0], [99.9, 900.0]]}}}, f)
            [run] = results.load(d, "pooling").runs
            self.assertEqual(run.percentile(99.9), 900.0)
            self.assertIsNone(run.percentile(99.99))

    def test_series_by_benchmark_and_key(self):
        name = "pooling/asio_coro/pool/http/c:32/delay_ms:0"
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "pooling"))
            with open(os.path.join(d, "pooling", "bench.json"), "w") as f:
                json.dump({"context": {}, "benchmarks": helpers.reps(name, [1000])}, f)
            loaded = results.load(d, "pooling")
            self.assertIsNone(loaded.series(name, "started"))  # no series.json: no series
            with open(os.path.join(d, "pooling", "series.json"), "w") as f:
                json.dump({"benchmarks": {name: {"started": [3, 0, 5]}}}, f)
            loaded = results.load(d, "pooling")
            self.assertEqual(loaded.series(name + "/manual_time", "started"), [3, 0, 5])
            self.assertIsNone(loaded.series(name, "completed"))


if __name__ == "__main__":
    unittest.main()


class RepetitionsLabelTest(unittest.TestCase):
    def _results(self, counts):
        runs = []
        for i, n in enumerate(counts):
            run = results.Run(results.parse_name(f"pooling/m{i}/pool/http/c:1/delay_ms:0"))
            run.reps = [{"req_per_s": 1.0}] * n
            runs.append(run)
        return results.Results("pooling", "/nowhere", {}, runs)

    def test_equal_counts_give_the_count(self):
        self.assertEqual(self._results([10, 10]).repetitions_label, 10)

    def test_an_adaptive_run_gives_the_range(self):
        self.assertEqual(self._results([4, 10, 6]).repetitions_label, "4–10")
