"""results/durations.json and the README's durations table come from the runs' run.json."""
import json
import os
import tempfile
import unittest

from report_lib import durations


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
        self.readme = os.path.join(self.dir, "README.md")
        with open(self.readme, "w", encoding="utf-8") as f:
            f.write("# X\n\nbefore\n\n" + durations.BEGIN + "\nold\n" + durations.END + "\n\nafter\n")
        self.record = os.path.join(self.dir, "durations.json")

    def tearDown(self):
        self.tmp.cleanup()

    def test_finished_runs_are_recorded_per_scenario_and_mode(self):
        runs = os.path.join(self.dir, "runs")
        _run(runs, "pooling", "default", 97.26)
        _run(runs, "limits", "quick", 12.0, stop="fixed", reps=(3, 3))
        ok, record = durations.record_durations([runs], self.record, self.readme)
        self.assertTrue(ok)
        self.assertEqual(record["pooling"]["default"]["measure_s"], 97.3)
        self.assertEqual(record["limits"]["quick"]["repetitions_max"], 3)
        with open(self.readme, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("1 min 37 s, 4–10 reps (2026-11-30)", text)
        self.assertIn("12 s, 3 reps", text)
        self.assertNotIn("old", text)
        self.assertTrue(text.startswith("# X\n\nbefore") and text.endswith("after\n"))

    def test_an_interrupted_run_is_not_recorded_and_earlier_entries_stay(self):
        runs = os.path.join(self.dir, "runs")
        _run(runs, "pooling", "reference", 1000.0, stop="fixed")
        durations.record_durations([runs], self.record, self.readme)
        _run(runs, "pooling", "reference", 5.0, stop="interrupted")
        _, record = durations.record_durations([runs], self.record, self.readme)
        self.assertEqual(record["pooling"]["reference"]["measure_s"], 1000.0)

    def test_modes_not_measured_say_so(self):
        runs = os.path.join(self.dir, "runs")
        _run(runs, "rtt", "quick", 30.0)
        durations.record_durations([runs], self.record, self.readme)
        with open(self.readme, encoding="utf-8") as f:
            self.assertIn("not recorded yet", f.read())

    def test_a_reference_without_run_json_shows_the_sum_of_its_timed_runs(self):
        os.makedirs(os.path.join(self.dir, "rtt"))
        with open(os.path.join(self.dir, "rtt", "bench.json"), "w", encoding="utf-8") as f:
            json.dump({"benchmarks": [
                {"run_type": "iteration", "real_time": 60000.0, "time_unit": "ms", "startup_ms": 5000},
                {"run_type": "aggregate", "real_time": 1e9, "time_unit": "ms"},
                {"run_type": "iteration", "real_time": 15000.0, "time_unit": "ms"}]}, f)
        ok, record = durations.record_durations([], self.record, self.readme)
        self.assertTrue(ok)
        self.assertEqual(record["rtt"]["reference"]["measure_s"], 80.0)
        with open(self.readme, encoding="utf-8") as f:
            self.assertIn("over 1 min 20 s (timed runs only", f.read())
        # A recorded reference run replaces the estimate.
        runs = os.path.join(self.dir, "runs")
        _run(runs, "rtt", "reference", 300.0, stop="fixed")
        _, record = durations.record_durations([runs], self.record, self.readme)
        self.assertNotIn("timed_only", record["rtt"]["reference"])

    def test_a_readme_without_markers_is_refused(self):
        with open(self.readme, "w", encoding="utf-8") as f:
            f.write("# no markers\n")
        ok, _ = durations.record_durations([self.dir], self.record, self.readme)
        self.assertFalse(ok)


if __name__ == "__main__":
    unittest.main()
