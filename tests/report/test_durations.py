"""results/durations.json and its generated page, results/DURATIONS.md, come from the runs' run.json."""
import json
import os
import subprocess
import tempfile
import unittest

from report_lib import durations, files

from . import REPO


def _run(directory, scenario, mode, measure_s, stop="converged", reps=(4, 10)):
    os.makedirs(os.path.join(directory, scenario), exist_ok=True)
    with open(os.path.join(directory, scenario, "run.json"), "w", encoding="utf-8") as f:
        json.dump({"scenario": scenario, "mode": mode, "measure_s": measure_s, "stop": stop,
                   "repetitions_min": reps[0], "repetitions_max": reps[1],
                   "finished": "2026-11-30T00:10:00+0000", "command": "build/bench"}, f)


class DurationsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.page = os.path.join(self.dir, durations.PAGE_NAME)
        self.record = os.path.join(self.dir, "durations.json")

    def read_page(self):
        with open(self.page, encoding="utf-8") as f:
            return f.read()

    def tearDown(self):
        self.tmp.cleanup()

    def test_finished_runs_are_recorded_per_scenario_and_mode(self):
        runs = os.path.join(self.dir, "runs")
        _run(runs, "pooling", "default", 97.26)
        _run(runs, "limits", "quick", 12.0, stop="fixed", reps=(3, 3))
        written, record = durations.record_durations([runs], self.record, self.page)
        self.assertEqual(written, self.page)
        self.assertEqual(record["pooling"]["default"]["measure_s"], 97.3)
        self.assertEqual(record["limits"]["quick"]["repetitions_max"], 3)
        text = self.read_page()
        self.assertIn("1 min 37 s, 4–10 reps (2026-11-30)", text)
        self.assertIn("12 s, 3 reps", text)
        # A generated page: the marker near its top, so the next run may replace it.
        self.assertTrue(files.is_generated(self.page))
        self.assertTrue(text.startswith("# How long each scenario takes\n"))

    def test_an_interrupted_run_is_not_recorded_and_earlier_entries_stay(self):
        runs = os.path.join(self.dir, "runs")
        _run(runs, "pooling", "reference", 1000.0, stop="fixed")
        durations.record_durations([runs], self.record, self.page)
        _run(runs, "pooling", "reference", 5.0, stop="interrupted")
        _, record = durations.record_durations([runs], self.record, self.page)
        self.assertEqual(record["pooling"]["reference"]["measure_s"], 1000.0)

    def test_modes_not_measured_say_so(self):
        runs = os.path.join(self.dir, "runs")
        _run(runs, "rtt", "quick", 30.0)
        durations.record_durations([runs], self.record, self.page)
        self.assertIn("not recorded yet", self.read_page())

    def test_a_reference_without_run_json_shows_the_sum_of_its_timed_runs(self):
        os.makedirs(os.path.join(self.dir, "rtt"))
        with open(os.path.join(self.dir, "rtt", "bench.json"), "w", encoding="utf-8") as f:
            json.dump({"benchmarks": [
                {"run_type": "iteration", "real_time": 60000.0, "time_unit": "ms", "startup_ms": 5000},
                {"run_type": "aggregate", "real_time": 1e9, "time_unit": "ms"},
                {"run_type": "iteration", "real_time": 15000.0, "time_unit": "ms"}]}, f)
        _, record = durations.record_durations([], self.record, self.page)
        self.assertEqual(record["rtt"]["reference"]["measure_s"], 80.0)
        self.assertIn("over 1 min 20 s (timed runs only", self.read_page())
        # A recorded reference run replaces the estimate.
        runs = os.path.join(self.dir, "runs")
        _run(runs, "rtt", "reference", 300.0, stop="fixed")
        _, record = durations.record_durations([runs], self.record, self.page)
        self.assertNotIn("timed_only", record["rtt"]["reference"])

    def test_the_page_is_rewritten_from_the_json_alone(self):
        runs = os.path.join(self.dir, "runs")
        _run(runs, "pooling", "default", 97.26)
        durations.record_durations([runs], self.record, self.page)
        first = self.read_page()
        with open(self.record, encoding="utf-8") as f:
            record_before = f.read()
        os.unlink(self.page)
        durations.record_durations([], self.record, self.page)
        self.assertEqual(self.read_page(), first)
        with open(self.record, encoding="utf-8") as f:
            self.assertEqual(f.read(), record_before, "nothing new: durations.json unchanged")

    def test_a_hand_written_file_is_not_replaced(self):
        with open(self.page, "w", encoding="utf-8") as f:
            f.write("# written by hand\n")
        with self.assertRaises(files.ForeignFile):
            durations.record_durations([], self.record, self.page)
        self.assertEqual(self.read_page(), "# written by hand\n")
        self.assertFalse(os.path.exists(self.record), "refused before anything was written")


class CommittedPageTest(unittest.TestCase):
    def test_results_durations_page_is_the_one_generated_from_the_json(self):
        committed = os.path.join(REPO, "results", durations.PAGE_NAME)
        with open(os.path.join(REPO, "results", "durations.json"), encoding="utf-8") as f:
            record = json.load(f)
        with open(os.path.join(REPO, "results", durations.WHOLE_RUNS_NAME), encoding="utf-8") as f:
            whole = json.load(f)
        with open(committed, encoding="utf-8") as f:
            self.assertEqual(f.read(), durations.render_page(record, whole),
                             "results/DURATIONS.md is stale: run scripts/report --record-durations")

    def test_the_cli_refuses_a_missing_directory(self):
        proc = subprocess.run([os.path.join(REPO, "scripts", "report"), "--record-durations", "/nonexistent/runs"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no such directory", proc.stderr)


if __name__ == "__main__":
    unittest.main()


class WholeRunTest(unittest.TestCase):
    """DIR/whole_run.json: recorded per mode only when the run covered every scenario."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.page = os.path.join(self.dir, durations.PAGE_NAME)
        self.record = os.path.join(self.dir, "durations.json")

    def tearDown(self):
        self.tmp.cleanup()

    def _whole(self, name, every):
        run = os.path.join(self.dir, name)
        os.makedirs(run)
        with open(os.path.join(run, "whole_run.json"), "w", encoding="utf-8") as f:
            json.dump({"mode": "default", "command": "build/bench", "scenarios": ["pooling", "queue"],
                       "every_scenario": every, "measure_s": 480.04, "wall_s": 575.25,
                       "finished": "2026-12-07T23:00:00+0000"}, f)
        return run

    def test_a_run_of_every_scenario_is_recorded_and_shown(self):
        durations.record_durations([self._whole("all", True)], self.record, self.page)
        with open(os.path.join(self.dir, durations.WHOLE_RUNS_NAME), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["runs"]["default"]["wall_s"], 575.2)
        with open(self.page, encoding="utf-8") as f:
            self.assertIn("| default | 2 | 9 min 35 s | 8 min 00 s | 2026-12-07 | `build/bench` |", f.read())

    def test_a_partial_run_is_not_recorded(self):
        durations.record_durations([self._whole("some", False)], self.record, self.page)
        self.assertFalse(os.path.exists(os.path.join(self.dir, durations.WHOLE_RUNS_NAME)))
        with open(self.page, encoding="utf-8") as f:
            self.assertNotIn("A whole run", f.read())
