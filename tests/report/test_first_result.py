"""scripts/first-result: the marks it reads off the screen, its records, and its refusals."""
import json
import os
import subprocess
import tempfile
import unittest

from report_lib import durations, first_result

from . import REPO

SCREEN = [
    (2.7, "build: building mockd, bench (output: build/build.log)\r\n"),
    (144.6, "pooling: round 1, 28 benchmarks, 0s elapsed, ETA 1m41s\r\n"),
    (160.3, "\x1b[K[pooling round 2, 1/28] pooling/blocking_curl/pool/http/c:1  this benchmark 0s | scenario 16s"),
    (176.2, "\x1b[K[pooling round 3, 1/28] pooling/blocking_curl/pool/http/c:1  this benchmark 0s | factor so"),
    (176.4, " far 2.38x ±3 % | scenario 32s, ETA 1m18s"),
    (250.8, "\r\npooling: measured for 1m46s, 4-7 repetitions (default mode, budget)\r\n"),
]


class MarksTest(unittest.TestCase):
    def test_each_mark_is_the_first_chunk_that_shows_it(self):
        self.assertEqual(first_result.marks_from(SCREEN),
                         {"build_s": 144.6, "first_factor_s": 176.4, "table_s": 250.8})

    def test_a_mark_never_shown_is_absent(self):
        self.assertEqual(first_result.marks_from(SCREEN[:3]), {"build_s": 144.6})


class RecordTest(unittest.TestCase):
    def test_the_record_lands_in_whole_runs_json_and_on_the_page(self):
        with tempfile.TemporaryDirectory() as d:
            first_result.record({"build_s": 144.6, "first_factor_s": 176.4, "table_s": 250.8, "exit_s": 256.6}, d)
            with open(os.path.join(d, durations.WHOLE_RUNS_NAME), encoding="utf-8") as f:
                stored = json.load(f)["first_result"]
            self.assertEqual((stored["build_s"], stored["command"]), (144.6, "scripts/bench --filter=pooling"))
            with open(os.path.join(d, durations.PAGE_NAME), encoding="utf-8") as f:
                page = f.read()
            self.assertIn("| the build done (mockd, bench) | 2 min 25 s |", page)
            self.assertIn("| the first pooled ÷ unpooled factor on the progress line | 2 min 56 s |", page)


class CliTest(unittest.TestCase):
    def run_cli(self, *args):
        return subprocess.run([os.path.join(REPO, "scripts", "first-result"), *args],
                              capture_output=True, text=True, timeout=60)

    def test_a_bad_option_is_one_line_and_exit_2(self):
        for args in (["--bogus"], ["--time-limit", "0"]):
            done = self.run_cli(*args)
            self.assertEqual(done.returncode, 2, args)
            self.assertEqual(len(done.stderr.strip().splitlines()), 1, done.stderr)
