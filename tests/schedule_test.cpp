// The driver's rounds (bench/schedule.hpp) with stand-in benchmarks whose
// "throughput" the test chooses: the two sides of a comparison run next to
// each other with their order swapped every round, a fixed policy gives
// every benchmark its count, an adaptive one stops a group when its interval
// is tight (or at its cap, or on errors, or when the budget is spent).
#include "schedule.hpp"

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ratio_ci.hpp"

namespace fs = std::filesystem;
using namespace bench;

namespace {

struct Harness {
  fs::path dir;
  Spectra spectra;
  std::vector<std::string> calls;
  std::vector<BenchmarkEntry> entries;
  std::vector<Comparison> comparisons;

  Harness() {
    dir = fs::temp_directory_path() /
          ("schedule_test." + std::to_string(::getpid()) + "." +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
    static bool initialized = false;
    if (!initialized) {
      // As bench_main does: one iteration per Google Benchmark run.
      static std::string a0 = "schedule_test", a1 = "--benchmark_repetitions=1",
                         a2 = "--benchmark_min_time=0";
      static char* argv[] = {a0.data(), a1.data(), a2.data()};
      int argc = 3;
      benchmark::Initialize(&argc, argv);
      initialized = true;
    }
  }
  ~Harness() { fs::remove_all(dir); }

  // A benchmark whose repetition r reports req_per_s = rate(r).
  void add(const std::string& name, std::function<double(int)> rate, double errors = 0,
           bool skip = false, double sleep_s = 0) {
    entries.push_back({name, [this, name, rate, errors, skip, sleep_s](benchmark::State& state) {
                         const int r =
                             static_cast<int>(std::count(calls.begin(), calls.end(), name));
                         calls.push_back(name);
                         if (skip) {
                           state.SkipWithError("stand-in skipped");
                           for (auto _ : state) {
                           }
                           return;
                         }
                         for (auto _ : state) {
                           if (sleep_s > 0)
                             std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
                           state.SetIterationTime(0.001);
                         }
                         state.counters["req_per_s"] = rate(r);
                         state.counters["errors"] = errors;
                       }});
  }

  ScheduleOutcome run(const RepetitionPolicy& policy) {
    std::vector<std::string> order;
    for (const auto& e : entries) order.push_back(e.name);
    SuiteReporter reporter(dir / "bench.json", dir / "spectra.json", spectra, order);
    Progress progress(false);
    CostModel costs(dir / "no-reference.json");
    auto outcome = run_rounds("stand_in", entries, comparisons, policy, reporter, progress, costs);
    reps.clear();
    for (const auto& n : order) reps[n] = reporter.repetitions(n);
    return outcome;
  }

  std::map<std::string, std::size_t> reps;
};

RepetitionPolicy fixed(int n) {
  RepetitionPolicy p;
  p.fixed = n;
  return p;
}

RepetitionPolicy adaptive(int min, int max, double budget_s = 0) {
  RepetitionPolicy p;
  p.adaptive = true;
  p.fixed = 2;
  p.min = min;
  p.max = max;
  p.target = 0.05;
  p.budget_s = budget_s;
  return p;
}

}  // namespace

TEST(Schedule, FixedPolicyInterleavesTheSidesOfAComparisonAndSwapsTheirOrder) {
  Harness h;
  h.add("s/a", [](int) { return 200.0; });
  h.add("s/solo", [](int) { return 50.0; });
  h.add("s/b", [](int) { return 100.0; });
  h.comparisons.push_back({"a over b", "s/a", "s/b"});
  const auto outcome = h.run(fixed(3));
  // The pair runs together where its first member was registered; the solo
  // benchmark after it.
  const std::vector<std::string> expected = {"s/a",    "s/b", "s/solo", "s/b",   "s/a",
                                             "s/solo", "s/a", "s/b",    "s/solo"};
  EXPECT_EQ(h.calls, expected);
  EXPECT_EQ(outcome.stop, "fixed");
  EXPECT_EQ(outcome.repetitions_min, 3);
  EXPECT_EQ(outcome.repetitions_max, 3);
  ASSERT_EQ(outcome.groups.size(), 1u);
  ASSERT_TRUE(outcome.groups[0].ci);
  EXPECT_DOUBLE_EQ(outcome.groups[0].ci->estimate, 2.0);
}

TEST(Schedule, AdaptiveStopsAGroupAtItsMinimumWhenTheRatioIsSteady) {
  Harness h;
  h.add("s/a", [](int) { return 300.0; });
  h.add("s/b", [](int) { return 100.0; });
  h.add("s/solo", [](int) { return 1.0; });
  h.comparisons.push_back({"a over b", "s/a", "s/b"});
  const auto outcome = h.run(adaptive(4, 12));
  EXPECT_EQ(h.reps["s/a"], 4u);
  EXPECT_EQ(h.reps["s/b"], 4u);
  EXPECT_EQ(h.reps["s/solo"], 4u);  // in no comparison: the adaptive minimum
  EXPECT_EQ(outcome.stop, "converged");
  EXPECT_EQ(outcome.groups.at(0).state, "converged");
}

TEST(Schedule, AdaptiveRepeatsANoisyGroupUpToItsCap) {
  Harness h;
  h.add("s/a", [](int r) { return r % 2 ? 300.0 : 120.0; });
  h.add("s/b", [](int) { return 100.0; });
  h.comparisons.push_back({"a over b", "s/a", "s/b"});
  const auto outcome = h.run(adaptive(3, 7));
  EXPECT_EQ(h.reps["s/a"], 7u);
  EXPECT_EQ(outcome.stop, "cap");
  EXPECT_EQ(outcome.groups.at(0).state, "cap");
}

TEST(Schedule, AGroupRunsItsComparisonsTheSameNumberOfTimes) {
  Harness h;
  h.add("s/a1", [](int) { return 200.0; });  // steady on its own
  h.add("s/b1", [](int) { return 100.0; });
  h.add("s/a2", [](int r) { return r % 2 ? 400.0 : 100.0; });  // noisy
  h.add("s/b2", [](int) { return 100.0; });
  h.comparisons.push_back({"g", "s/a1", "s/b1"});
  h.comparisons.push_back({"g", "s/a2", "s/b2"});
  h.run(adaptive(3, 6));
  EXPECT_EQ(h.reps["s/a1"], 6u);
  EXPECT_EQ(h.reps["s/a2"], 6u);
}

TEST(Schedule, ASkippedSideStopsItsComparison) {
  Harness h;
  h.add(
      "s/a", [](int) { return 200.0; }, 0, /*skip=*/true);
  h.add("s/b", [](int) { return 100.0; });
  h.comparisons.push_back({"a over b", "s/a", "s/b"});
  const auto outcome = h.run(adaptive(4, 12));
  EXPECT_EQ(std::count(h.calls.begin(), h.calls.end(), "s/a"), 1);
  EXPECT_EQ(outcome.groups.at(0).state, "errors");
}

TEST(Schedule, FailedRequestsStopAnAdaptiveComparison) {
  Harness h;
  h.add(
      "s/a", [](int) { return 200.0; }, /*errors=*/3);
  h.add("s/b", [](int) { return 100.0; });
  h.comparisons.push_back({"a over b", "s/a", "s/b"});
  const auto outcome = h.run(adaptive(4, 12));
  EXPECT_EQ(h.reps["s/a"], 1u);
  EXPECT_EQ(outcome.groups.at(0).state, "errors");
}

TEST(Schedule, NoRoundStartsPastTheBudgetOnceTheMinimumIsDone) {
  Harness h;
  h.add(
      "s/a", [](int r) { return r % 2 ? 300.0 : 120.0; }, 0, false, 0.05);
  h.add(
      "s/b", [](int) { return 100.0; }, 0, false, 0.05);
  h.comparisons.push_back({"a over b", "s/a", "s/b"});
  const auto outcome = h.run(adaptive(2, 100, /*budget_s=*/0.5));
  EXPECT_EQ(outcome.stop, "budget");
  EXPECT_GE(h.reps["s/a"], 2u);  // the minimum runs whatever the budget
  EXPECT_LT(h.reps["s/a"], 100u);
}

TEST(RatioCi, MatchesTheReportsDefinition) {
  // stats.ratio_ci([2.0, 2.2, 1.8, 2.1]) in scripts/report_lib/stats.py.
  const auto ci = ratio_ci({2.0, 2.2, 1.8, 2.1});
  ASSERT_TRUE(ci);
  EXPECT_NEAR(ci->estimate, 2.01946, 1e-4);
  EXPECT_NEAR(ci->low, 1.76121, 1e-4);
  EXPECT_NEAR(ci->high, 2.31559, 1e-4);
  EXPECT_FALSE(ratio_ci({2.0}));
  EXPECT_FALSE(ratio_ci({2.0, 0.0}));
}

TEST(RatioCi, MedianAcrossTakesTheShortestSeries) {
  EXPECT_EQ(median_across({{1, 5, 9}, {3, 3}, {2, 4, 6, 8}}), (std::vector<double>{2, 4}));
}

TEST(Progress, ALineTooWideShortensTheBenchmarkNameNeverTheEta) {
  const std::string head = "[pooling round 3, 4/12] ";
  const std::string name = "pooling/impl:py_aiohttp/pool:unpooled/proto:https/c:32/delay_ms:0";
  const std::string tail = "  this benchmark 3s | scenario 41s, ETA 1m05s, all 9m40s";
  EXPECT_EQ(fit_line(head, name, tail, 0), head + name + tail);  // not a terminal
  EXPECT_EQ(fit_line(head, name, tail, 500), head + name + tail);
  const std::string cut = fit_line(head, name, tail, 100);
  EXPECT_EQ(cut.size(), 100u);
  EXPECT_TRUE(cut.starts_with(head + "pooling/"));
  EXPECT_TRUE(cut.ends_with("_ms:0" + tail));  // the name's end (its parameters) stays too
  EXPECT_NE(cut.find("..."), std::string::npos);
  // Narrower than the head and the tail: the end (the ETA) is what stays.
  EXPECT_TRUE(fit_line(head, name, tail, 40).ends_with("ETA 1m05s, all 9m40s"));
}

TEST(CostModel, RecordedDurationIsReadPerScenarioAndMode) {
  const fs::path file = fs::temp_directory_path() / ("durations_" + std::to_string(getpid()));
  {
    std::ofstream out(file);
    out << R"({"pooling": {"default": {"measure_s": 101.5}, "quick": {"measure_s": 0}}})";
  }
  EXPECT_EQ(recorded_duration(file, "pooling", "default"), 101.5);
  EXPECT_EQ(recorded_duration(file, "pooling", "quick"), std::nullopt);      // not a duration
  EXPECT_EQ(recorded_duration(file, "pooling", "reference"), std::nullopt);  // not recorded
  EXPECT_EQ(recorded_duration(file, "limits", "default"), std::nullopt);
  EXPECT_EQ(recorded_duration(file / "missing", "pooling", "default"), std::nullopt);
  fs::remove(file);
}

TEST(CostModel, AMachineSlowerThanTheReferenceScalesTheBenchmarksNotYetRun) {
  const fs::path file = fs::temp_directory_path() / ("reference_" + std::to_string(getpid()));
  {
    std::ofstream out(file);
    out << R"({"benchmarks": [
      {"run_type": "iteration", "run_name": "s/a/manual_time", "real_time": 1000, "requests": 100},
      {"run_type": "iteration", "run_name": "s/b/manual_time", "real_time": 1000, "requests": 100}]})";
  }
  CostModel costs(file);
  const BenchmarkEntry a{"s/a", {}, 100}, b{"s/b", {}, 50};
  EXPECT_DOUBLE_EQ(costs.expected(a), 1.0);
  EXPECT_DOUBLE_EQ(costs.expected(b), 0.5);  // half the requests
  costs.measured("s/a", 3.0);                // this machine: 3x the reference
  EXPECT_DOUBLE_EQ(costs.expected(a), 3.0);  // its own time from now on
  EXPECT_DOUBLE_EQ(costs.expected(b), 1.5);
  fs::remove(file);
}
