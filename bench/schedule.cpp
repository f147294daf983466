#include "schedule.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>
#include <set>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Benchmarks run together: the sides of a comparison, or one benchmark alone.
struct Unit {
  std::vector<std::size_t> members;  // indices into the benchmarks, registration order
  std::set<std::string> groups;      // comparison groups it belongs to (none: alone)
  bool dead = false;                 // a member was skipped: repeating it would not help
};

struct Group {
  std::string label;
  std::vector<const Comparison*> comparisons;
  bool done = false;
  GroupOutcome outcome;
};

std::vector<Unit> units_of(const std::vector<BenchmarkEntry>& benchmarks,
                           const std::vector<Comparison>& comparisons) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < benchmarks.size(); ++i) index[benchmarks[i].name] = i;
  // Union-find over comparisons: a benchmark compared with two others joins both.
  std::vector<std::size_t> parent(benchmarks.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (const auto& c : comparisons)
    parent[root(index.at(c.numerator))] = root(index.at(c.denominator));
  std::map<std::size_t, std::size_t> unit_of_root;
  std::vector<Unit> units;
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    auto [it, fresh] = unit_of_root.try_emplace(root(i), units.size());
    if (fresh) units.emplace_back();
    units[it->second].members.push_back(i);
  }
  for (const auto& c : comparisons)
    units[unit_of_root.at(root(index.at(c.numerator)))].groups.insert(c.group);
  return units;
}

// The repetitions a group is expected to need in all for its interval to be
// within ±target, from the spread of its `reps` so far. The interval's own
// half width is inflated by t(0.975, reps-1), 12.7 at two repetitions, so
// projecting from it would promise the maximum at every early round: the
// spread is taken out of it and projected with the t of the larger count.
int repetitions_for(const RatioCi& ci, int reps, double target) {
  const double sd = std::log1p(ci.half_width()) * std::sqrt(reps) / t975(reps - 1);
  const double goal = std::log1p(target);
  int n = reps;
  while (n < 1000 && t975(n - 1) * sd / std::sqrt(n) > goal) ++n;
  return n;
}

}  // namespace

std::string ratio_text(const std::optional<RatioCi>& ci) {
  if (!ci) return "no interval yet";
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.3gx (95 %% CI %.3g-%.3gx, ±%.1f %%)", ci->estimate, ci->low,
                ci->high, 100 * ci->half_width());
  return buf;
}

ScheduleOutcome run_rounds(const std::string& scenario,
                           const std::vector<BenchmarkEntry>& benchmarks,
                           const std::vector<Comparison>& comparisons,
                           const RepetitionPolicy& policy, SuiteReporter& reporter,
                           Progress& progress, CostModel& costs, double prior_s) {
  const auto started = Clock::now();
  ScheduleOutcome outcome;
  std::vector<Unit> units = units_of(benchmarks, comparisons);
  std::vector<Group> groups;
  for (const auto& c : comparisons) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.label == c.group; });
    if (it == groups.end())
      it = groups.insert(groups.end(),
                         Group{c.group, {}, false, GroupOutcome{c.group, 0, std::nullopt, ""}});
    it->comparisons.push_back(&c);
  }
  auto group_done = [&](const std::string& label) {
    return std::find_if(groups.begin(), groups.end(),
                        [&](const Group& g) { return g.label == label; })
        ->done;
  };
  auto reps_of = [&](const Unit& u) {
    return static_cast<int>(reporter.repetitions(benchmarks[u.members.front()].name));
  };
  auto unit_cost = [&](const Unit& u) {
    double s = 0;
    for (auto i : u.members) s += costs.expected(benchmarks[i]);
    return s;
  };
  // A benchmark in no comparison has no interval to tighten: the adaptive
  // policy gives it the minimum, and the budget goes to the open groups.
  const int alone = policy.adaptive ? policy.min : policy.fixed;
  auto needs_round = [&](const Unit& u) {
    if (u.dead) return false;
    if (!policy.adaptive || u.groups.empty()) return reps_of(u) < alone;
    return std::any_of(u.groups.begin(), u.groups.end(),
                       [&](const auto& g) { return !group_done(g); });
  };
  // Repetitions a unit is expected to need after `reps` (for the ETA).
  auto more_reps = [&](const Unit& u, int reps) {
    if (u.dead) return 0;
    if (!policy.adaptive || u.groups.empty()) return std::max(0, alone - reps);
    int most = 0;
    for (const auto& g : groups) {
      if (g.done || !u.groups.contains(g.label)) continue;
      int need = std::max(1, policy.min - reps);
      if (g.outcome.ci && reps >= 2)
        need = std::max(need, repetitions_for(*g.outcome.ci, reps, policy.target) - reps);
      most = std::max(most, std::min(need, policy.max - reps));
    }
    return most;
  };
  // Decides each open group after a round: tight enough, or hopeless.
  auto update_groups = [&](bool announce) {
    for (auto& g : groups) {
      std::vector<std::vector<double>> series;
      bool broken = false, each_tight = true;
      for (const Comparison* c : g.comparisons) {
        for (const auto* side : {&c->numerator, &c->denominator})
          broken = broken || reporter.skipped(*side) || reporter.failed_requests(*side) > 0;
        const auto num = reporter.values(c->numerator, c->counter);
        const auto den = reporter.values(c->denominator, c->counter);
        std::vector<double> ratios;
        for (std::size_t i = 0; i < std::min(num.size(), den.size()); ++i)
          ratios.push_back(den[i] > 0 ? num[i] / den[i] : 0);
        // Each comparison decides a check of its own in the report (every
        // model's factor against a threshold), so it must be fairly tight too.
        const auto own = ratio_ci(ratios);
        each_tight = each_tight && own && own->half_width() <= 2 * policy.target;
        series.push_back(std::move(ratios));
      }
      const auto medians = median_across(series);
      g.outcome.repetitions = static_cast<int>(medians.size());
      g.outcome.ci = ratio_ci(medians);
      if (g.done || !policy.adaptive) continue;
      if (broken) {
        g.done = true;
        g.outcome.state = "errors";
      } else if (g.outcome.repetitions >= policy.min && g.outcome.ci && each_tight &&
                 g.outcome.ci->half_width() <= policy.target) {
        g.done = true;
        g.outcome.state = "converged";
      }
      if (g.done && announce)
        progress.say("  " + scenario + ": " + g.label + ": " + ratio_text(g.outcome.ci) +
                     " after " + std::to_string(g.outcome.repetitions) + " repetitions" +
                     (g.outcome.state == "errors" ? ", stopped: a side had errors" : ""));
    }
  };

  // What the status line shows beside a benchmark: its group's factor so far.
  auto figure_so_far = [&](const std::string& name) -> std::string {
    for (const auto& g : groups)
      for (const Comparison* c : g.comparisons)
        if ((c->numerator == name || c->denominator == name) && g.outcome.ci) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "factor so far %.3gx ±%.0f %%", g.outcome.ci->estimate,
                        100 * g.outcome.ci->half_width());
          return buf;
        }
    return "";
  };

  for (int round = 0;; ++round) {
    std::vector<Unit*> todo;
    for (auto& u : units)
      if (needs_round(u)) todo.push_back(&u);
    if (todo.empty()) {
      outcome.stop = policy.adaptive ? "converged" : "fixed";
      break;
    }
    double round_cost = 0;
    for (auto* u : todo) round_cost += unit_cost(*u);
    const double elapsed = seconds_since(started);
    if (policy.adaptive && round >= policy.min && policy.budget_s > 0 &&
        elapsed + round_cost > policy.budget_s) {
      outcome.stop = "budget";
      break;
    }
    if (policy.adaptive && round >= policy.max) {
      outcome.stop = "cap";
      break;
    }

    // The time left after this round, for the ETA.
    double later = 0;
    for (auto& u : units) {
      const bool runs = std::find(todo.begin(), todo.end(), &u) != todo.end();
      later += more_reps(u, reps_of(u) + (runs ? 1 : 0)) * unit_cost(u);
    }
    // Before a group has two repetitions its spread is unknown and the
    // projection above assumes the minimum; the last recorded duration of
    // this scenario is the better guess then, so the ETA does not leap up
    // once the spread is known.
    if (policy.adaptive && round < 2 && prior_s > 0)
      later = std::max(later, prior_s - elapsed - round_cost);
    if (policy.adaptive && policy.budget_s > 0)
      later = std::min(later, std::max(0.0, policy.budget_s - elapsed - round_cost));
    int count = 0;
    for (auto* u : todo) count += static_cast<int>(u->members.size());
    char line[160];
    std::snprintf(line, sizeof line, "%s: round %d, %d benchmarks, %s elapsed, ETA %s",
                  scenario.c_str(), round + 1, count, duration_text(elapsed).c_str(),
                  duration_text(round_cost + later).c_str());
    progress.say(line);

    benchmark::ClearRegisteredBenchmarks();
    // This round's benchmarks in the order they run: the ETA at each one adds
    // up the ones after it, as expected when it starts, so it follows what the
    // round has shown of this machine's speed instead of the plan's guess.
    auto round_order = std::make_shared<std::vector<std::size_t>>();
    for (auto* u : todo) {
      std::vector<std::size_t> order = u->members;
      if (round % 2 == 1) std::reverse(order.begin(), order.end());
      round_order->insert(round_order->end(), order.begin(), order.end());
    }
    const double speed_at_plan = costs.speed();
    for (std::size_t position = 0; position < round_order->size(); ++position) {
      const std::size_t i = (*round_order)[position];
      {
        const BenchmarkEntry& entry = benchmarks[i];
        Progress::Status status{
            scenario, entry.name, round + 1, static_cast<int>(position) + 1, count,
            0,        0,          started,   figure_so_far(entry.name)};
        auto eta = [&benchmarks, &costs, round_order, position, later,
                    speed_at_plan](Progress::Status& st) {
          st.expected_s = costs.expected(benchmarks[(*round_order)[position]]);
          double after = 0;
          for (std::size_t k = position + 1; k < round_order->size(); ++k)
            after += costs.expected(benchmarks[(*round_order)[k]]);
          st.after_s = after + later * costs.speed() / speed_at_plan;
        };
        benchmark::RegisterBenchmark(
            entry.name.c_str(),
            [&entry, &progress, &costs, &outcome, status, eta](benchmark::State& state) mutable {
              eta(status);
              progress.begin(status);
              const auto t0 = Clock::now();
              try {
                entry.body(state);
              } catch (const std::exception& e) {
                // Skipped with the reason rather than ending the whole run:
                // the other benchmarks and the reports still come.
                if (!state.error_occurred()) state.SkipWithError(e.what());
                outcome.failures.push_back(entry.name + ": " + e.what());
              }
              costs.measured(entry.name, seconds_since(t0));
              progress.end();
            })
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::ClearRegisteredBenchmarks();
    for (auto* u : todo)
      for (auto i : u->members)
        if (reporter.skipped(benchmarks[i].name)) u->dead = true;
    update_groups(true);
  }
  benchmark::ClearRegisteredBenchmarks();
  update_groups(false);

  outcome.measure_s = seconds_since(started);
  bool any = false;
  for (const auto& b : benchmarks) {
    const int reps = static_cast<int>(reporter.repetitions(b.name));
    if (reps == 0) continue;
    outcome.repetitions_min = any ? std::min(outcome.repetitions_min, reps) : reps;
    outcome.repetitions_max = any ? std::max(outcome.repetitions_max, reps) : reps;
    any = true;
  }
  for (auto& g : groups) {
    if (g.outcome.state.empty()) g.outcome.state = policy.adaptive ? outcome.stop : "fixed";
    outcome.groups.push_back(g.outcome);
  }
  return outcome;
}

}  // namespace bench
