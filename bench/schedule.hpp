// How a scenario's benchmarks are repeated. Every repetition is one full run
// of a benchmark, and the driver runs them in rounds: each round runs every
// benchmark that still needs a repetition once, in registration order, with
// the two sides of each comparison next to each other (their order swapped
// every other round), so drift on a shared machine hits both sides of a
// ratio alike and repetition i of one side pairs with repetition i of the
// other (the report pairs them so).
//
// Fixed policy (--quick, --reference, --repetitions N): every benchmark
// gets N repetitions. Adaptive policy (the default mode): a comparison group
// repeats until the 95 % interval of its per-repetition median ratio is
// within ±target and each of its comparisons' own interval within twice
// that (after at least `min` repetitions, at most `max`), and no
// new round starts once the time budget would be overrun; benchmarks in no
// comparison get `min` repetitions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cost_model.hpp"
#include "progress.hpp"
#include "ratio_ci.hpp"
#include "scenario.hpp"
#include "suite_reporter.hpp"

namespace bench {

struct RepetitionPolicy {
  bool adaptive = false;
  int fixed = 10;         // every benchmark when not adaptive
  int min = 4, max = 20;  // adaptive: repetitions of a comparison group
  double target = 0.05;   // adaptive: a group is done when its interval is within ±target
  double budget_s = 0;    // adaptive: no round starts that would end past this (0: no budget)
};

struct GroupOutcome {
  std::string label;
  int repetitions = 0;
  std::optional<RatioCi> ci;  // of the per-repetition median ratio
  std::string state;          // converged | budget | cap | errors | fixed
};

struct ScheduleOutcome {
  double measure_s = 0;
  int repetitions_min = 0, repetitions_max = 0;  // over the benchmarks that ran
  std::string stop;                              // converged | budget | cap | fixed
  std::vector<GroupOutcome> groups;
  // Benchmarks whose body threw (a server gone between the check before a
  // repetition and its control requests, say): "name: what". Each was
  // skipped with the reason; the run fails.
  std::vector<std::string> failures;
};

// `prior_s`: how long this scenario took when last recorded (0: unknown);
// the ETA leans on it until the scenario's own repetitions can project.
ScheduleOutcome run_rounds(const std::string& scenario,
                           const std::vector<BenchmarkEntry>& benchmarks,
                           const std::vector<Comparison>& comparisons,
                           const RepetitionPolicy& policy, SuiteReporter& reporter,
                           Progress& progress, CostModel& costs, double prior_s = 0);

// "37.2x (95 % CI 35.0-39.1x, ±5.1 %)".
std::string ratio_text(const std::optional<RatioCi>& ci);

}  // namespace bench
