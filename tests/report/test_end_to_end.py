"""scripts/report on the fixture (a realistic pooling run with one failed
benchmark and one with errors), as the bench driver calls it."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from . import REPO, SCRIPTS

REPORT = os.path.join(REPO, "scripts", "report")
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "pooling")
CHARTS = ("pooling_throughput", "pooling_latency", "pooling_spectrum", "pooling_connections")


def run_report(*args):
    return subprocess.run([REPORT, *args], capture_output=True, text=True, timeout=120)


class ReportEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="report_test.")
        shutil.copytree(FIXTURE, os.path.join(cls.tmp, "pooling"))
        # A scenario directory without a generator yet: the index must still list it.
        os.makedirs(os.path.join(cls.tmp, "await_yield"))
        shutil.copy(os.path.join(FIXTURE, "bench.json"), os.path.join(cls.tmp, "await_yield", "bench.json"))
        cls.result = run_report("--out", cls.tmp, "--scenario", "pooling")
        with open(os.path.join(cls.tmp, "pooling", "README.md"), encoding="utf-8") as f:
            cls.page = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)

    def test_page_has_a_computed_verdict_line(self):
        self.assertRegex(self.page, r"> \*\*Verdict\.\*\* \*\*(Confirmed|Nuanced|Refuted|Inconclusive)\*\*: "
                                    r".*Over HTTPS.* pooling is .*[0-9.]+x faster")
        self.assertIn("**Confirmed**: the server counted", self.page)  # the fixture's factors are far above the bounds

    def test_charts_exist_as_png_and_svg(self):
        for stem in CHARTS:
            png = os.path.join(self.tmp, "pooling", "charts", stem + ".png")
            svg = os.path.join(self.tmp, "pooling", "charts", stem + ".svg")
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", png)
            self.assertGreater(os.path.getsize(png), 10_000)
            with open(svg, encoding="utf-8") as f:
                self.assertIn("<svg", f.read(2000), svg)
            self.assertIn(f"](charts/{stem}.png)", self.page)

    def test_failed_and_erroring_benchmarks_are_flagged_and_listed(self):
        errors = self.page.split("## Errors", 1)[1]
        self.assertIn("`pooling/blocking_httplib/nopool/https/c:1/delay_ms:5`: **failed**", errors)
        self.assertIn("`pooling/threads_curl/nopool/http/c:32/delay_ms:0`: 37 failed requests", errors)
        self.assertIn("connect 35, read 2", errors)
        self.assertIn("| ⚠ `pooling/threads_curl/nopool/http/c:32/delay_ms:0` |", self.page)
        self.assertIn("| ⚠ `pooling/blocking_httplib/nopool/https/c:1/delay_ms:5` | blocking_httplib (C++) | **failed**",
                      self.page)

    def test_every_benchmark_has_a_table_row(self):
        table = self.page.split("## Numbers", 1)[1].split("## Errors", 1)[0]
        rows = [line for line in table.splitlines() if line.startswith("| ") and "`pooling/" in line]
        self.assertEqual(len(rows), 46)

    def test_index_lists_every_scenario(self):
        with open(os.path.join(self.tmp, "README.md"), encoding="utf-8") as f:
            index = f.read()
        self.assertIn("[pooling](pooling/README.md) | **Confirmed**: the server counted", index)
        self.assertIn("pooling/charts/pooling_throughput.png", index)
        self.assertIn("| `await_yield` | no report generator yet |", index)

    def test_no_temporary_files_are_left(self):
        for root, _dirs, names in os.walk(self.tmp):
            self.assertEqual([n for n in names if n.endswith(".tmp")], [], root)


class ScriptsPythonTest(unittest.TestCase):
    def test_uses_debians_python_even_with_another_first_on_path(self):
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, "python3")
            with open(fake, "w") as f:
                f.write("#!/bin/sh\necho not-debian\n")
            os.chmod(fake, 0o755)
            env = dict(os.environ, PATH=d + os.pathsep + os.environ.get("PATH", ""))
            r = subprocess.run([os.path.join(REPO, "scripts", "python"), "-c", "import sys; print(sys.executable)"],
                               capture_output=True, text=True, timeout=60, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), "/usr/bin/python3")


class ReportBadInputTest(unittest.TestCase):
    def test_missing_bench_json(self):
        with tempfile.TemporaryDirectory() as d:
            r = run_report("--out", d, "--scenario", "pooling", "--no-charts")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("bench.json not found", r.stderr)

    def test_unknown_scenario(self):
        with tempfile.TemporaryDirectory() as d:
            r = run_report("--out", d, "--scenario", "nonsense")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("unknown scenario 'nonsense'", r.stderr)

    def test_no_charts_writes_the_page_only(self):
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(FIXTURE, os.path.join(d, "pooling"))
            r = run_report("--out", d, "--scenario", "pooling", "--no-charts")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "pooling", "charts")))
            with open(os.path.join(d, "pooling", "README.md"), encoding="utf-8") as f:
                self.assertIn("Charts were not generated", f.read())


    def test_no_charts_needs_no_matplotlib(self):
        # As on a python3 without matplotlib (a pyenv build): the import fails if anything tries it.
        code = ("import sys; sys.modules['matplotlib'] = None; sys.path.insert(0, sys.argv[1]); "
                "from report_lib.__main__ import main; sys.exit(main(sys.argv[2:]))")
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(FIXTURE, os.path.join(d, "pooling"))
            r = subprocess.run([sys.executable, "-c", code, SCRIPTS, "--out", d, "--scenario", "pooling",
                                "--no-charts"], capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_every_benchmark_failed_still_gives_a_report(self):
        names = ["pooling/asio_coro/pool/https/c:32/delay_ms:0", "pooling/asio_coro/nopool/https/c:32/delay_ms:0"]
        entries = [{"name": n + "/manual_time", "run_name": n + "/manual_time", "run_type": "iteration",
                    "error_occurred": True, "error_message": "mockd did not start"} for n in names]
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "pooling"))
            with open(os.path.join(d, "pooling", "bench.json"), "w") as f:
                json.dump({"context": {}, "benchmarks": entries}, f)
            r = run_report("--out", d, "--scenario", "pooling")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "pooling", "README.md"), encoding="utf-8") as f:
                page = f.read()
            self.assertIn("> **Verdict.** **Inconclusive**: ", page)
            self.assertIn("`pooling/asio_coro/nopool/https/c:32/delay_ms:0`: **failed**: mockd did not start", page)
            self.assertTrue(os.path.getsize(os.path.join(d, "pooling", "charts", "pooling_throughput.png")) > 0)


if __name__ == "__main__":
    unittest.main()
