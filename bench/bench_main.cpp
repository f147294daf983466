// bench: runs the suite's scenarios on Google Benchmark against mockd and
// writes, per scenario, <out>/<scenario>/bench.json (Google Benchmark's
// format, so compare.py works), spectra.json, run.json (how the run went),
// then the charts and report (scripts/report). User runs go to the
// git-ignored results-local/; only --reference writes the committed
// results/. See bench/README.md.
#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/version.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <sstream>

#include "atomic_file.hpp"
#include "cli_checks.hpp"
#include "cli_usage.hpp"
#include "cost_model.hpp"
#include "gbench_flags.hpp"
#include "output_dir.hpp"
#include "private_network.hpp"
#include "progress.hpp"
#include "python_model.hpp"
#include "scenario.hpp"
#include "schedule.hpp"
#include "source_tree.hpp"
#include "suite_reporter.hpp"

namespace {

std::string os_name() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      auto v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  return "Linux";
}

std::string machine_description() {
  utsname u{};
  uname(&u);
  const double gib = static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
                     static_cast<double>(sysconf(_SC_PAGE_SIZE)) / (1024.0 * 1024 * 1024);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%ld cores, %.0f GiB RAM, %s, kernel %s",
                sysconf(_SC_NPROCESSORS_ONLN), gib, os_name().c_str(), u.release);
  return buf;
}

std::string versions() {
  const std::string boost = std::to_string(BOOST_VERSION / 100000) + "." +
                            std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                            std::to_string(BOOST_VERSION % 100);
  return "Boost " + boost + ", libcurl " + curl_version_info(CURLVERSION_NOW)->version + ", " +
         OpenSSL_version(OPENSSL_VERSION) + ", cpp-httplib " + HTTPLIB_PACKAGE_VERSION;
}

// Where a report's stdout goes: the terminal, stderr (when stdout carries
// JSON), or nowhere (a second pass that only adds the charts).
enum class ReportOutput { terminal, to_stderr, discard };

// Starts scripts/report with `options` as an argument vector, never through a
// shell: the output directory is the user's text and may hold any character.
// Its pid, or -1 when it could not start.
pid_t start_report_script(std::vector<std::string> options, ReportOutput output) {
  const std::string script = (suite::source_dir() / "scripts" / "report").string();
  std::vector<std::string> args = {script};
  args.insert(args.end(), options.begin(), options.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (output == ReportOutput::to_stderr)
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  if (output == ReportOutput::discard)
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  // The script runs in a process group of its own, so an interrupt stops
  // its children too (the shell's subshells, Python).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int spawned = ECANCELED;
  if (bench::begin_spawn()) {
    spawned = posix_spawn(&pid, script.c_str(), &actions, &attr, argv.data(), environ);
    bench::end_spawn(spawned == 0 ? -pid : 0);
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  // Interrupted: the signal thread stops the child and ends the run (exit
  // 130/143); it must not go on as if the report had merely failed.
  while (spawned != 0 && bench::interrupted()) pause();
  return spawned == 0 ? pid : -1;
}

// Waits for a report started by start_report_script: whether it succeeded.
bool finish_report_script(pid_t pid) {
  if (pid < 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  bench::untrack_child(-pid);
  while (bench::interrupted()) pause();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// `quiet_stdout`: its lines go to stderr (stdout carries JSON).
bool run_report_script(std::vector<std::string> options, bool quiet_stdout) {
  return finish_report_script(start_report_script(
      std::move(options), quiet_stdout ? ReportOutput::to_stderr : ReportOutput::terminal));
}

// The report of one scenario, without its charts: written as soon as the
// scenario is measured, so a run that stops later keeps it.
bool write_report(const std::string& out, const std::string& scenario, bool quiet_stdout) {
  return run_report_script({"--out", out, "--scenario", scenario, "--no-charts"}, quiet_stdout);
}

// The reports again, with their charts, two at a time once nothing is being
// measured: drawing is most of a report's time, and it uses one core. The
// pages' text was printed by write_report. How many failed.
int draw_charts(const std::string& out, const std::vector<std::string>& scenarios) {
  constexpr std::size_t kAtOnce = 2;
  int failures = 0;
  std::deque<std::pair<std::string, pid_t>> running;
  auto finish_oldest = [&] {
    const auto [name, pid] = running.front();
    running.pop_front();
    if (!finish_report_script(pid)) {
      std::cerr << "bench: the charts of " << name << " failed\n";
      ++failures;
    }
  };
  for (const auto& name : scenarios) {
    if (running.size() == kAtOnce) finish_oldest();
    running.emplace_back(
        name, start_report_script({"--out", out, "--scenario", name}, ReportOutput::discard));
  }
  while (!running.empty()) finish_oldest();
  return failures;
}

// A /proc/sys value as one line of text ("2", "32768 60999"), or "unknown".
std::string sysctl(const std::string& path) {
  std::ifstream in("/proc/sys/" + path);
  std::string value;
  if (!std::getline(in, value)) return "unknown";
  std::replace(value.begin(), value.end(), '\t', ' ');
  return value;
}

namespace fs = std::filesystem;

// The committed reference results: written only by --reference runs.
const fs::path kReferenceDir = suite::source_dir() / "results";

bool same_place(const fs::path& a, const fs::path& b) {
  std::error_code ignored;
  return fs::weakly_canonical(fs::absolute(a), ignored) ==
         fs::weakly_canonical(fs::absolute(b), ignored);
}

std::string now_iso() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%FT%T%z", std::localtime(&t));
  return buf;
}

// DIR/<scenario>/run.json: how the run went, for the report's setup table
// and results/DURATIONS.md. `ended`: how a run that did not finish ended
// ("interrupted": written before the run, so an interrupted run leaves that;
// "failed", with `error`); nullopt: it finished, and outcome.stop says why.
void write_run_json(const fs::path& path, const std::string& scenario, bench::Mode mode,
                    const bench::RepetitionPolicy& policy, const bench::ScheduleOutcome& outcome,
                    const std::string& command, const std::optional<std::string>& ended,
                    const std::string& error = "") {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : outcome.groups) {
    nlohmann::json entry = {{"label", g.label}, {"repetitions", g.repetitions}, {"state", g.state}};
    if (g.ci)
      entry["ratio"] = {{"estimate", g.ci->estimate}, {"low", g.ci->low}, {"high", g.ci->high}};
    groups.push_back(entry);
  }
  const nlohmann::json run = {
      {"scenario", scenario},
      {"mode", bench::mode_name(mode)},
      {"command", command},
      {"measure_s", outcome.measure_s},
      {"budget_s", policy.adaptive && policy.budget_s > 0 ? nlohmann::json(policy.budget_s)
                                                          : nlohmann::json(nullptr)},
      {"target_ci", policy.adaptive ? nlohmann::json(policy.target) : nlohmann::json(nullptr)},
      {"repetitions_min", outcome.repetitions_min},
      {"repetitions_max", outcome.repetitions_max},
      // The policy: a comparison group's least and most repetitions.
      {"policy_min", policy.adaptive ? policy.min : policy.fixed},
      {"policy_max", policy.adaptive ? policy.max : policy.fixed},
      {"stop", ended.value_or(outcome.stop)},
      {"groups", groups},
      {"finished", now_iso()},
  };
  nlohmann::json written = run;
  if (!error.empty()) written["error"] = error;
  bench::write_file_atomically(path, written.dump(1) + "\n");
}

// The run of a scenario failed (a results file could not be written: disk
// full): run.json must not keep its pre-run form, which says "interrupted".
// It says "failed" and why; if even that cannot be written, it goes (a
// removal needs no space), so no file describes a run that did not happen.
void record_failure(const fs::path& path, const std::string& scenario, bench::Mode mode,
                    const bench::RepetitionPolicy& policy, const bench::ScheduleOutcome& outcome,
                    const std::string& command, const std::string& error) {
  try {
    write_run_json(path, scenario, mode, policy, outcome, command, "failed", error);
  } catch (const std::exception&) {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
}

// DIR/whole_run.json: the run as a whole, for results/DURATIONS.md's "whole run" line: which
// scenarios, their measuring time, and the wall time from start to the last page (the reports,
// the guide and the comparison with the reference included; the build not).
void write_whole_run_json(const fs::path& path, bench::Mode mode, const std::string& command,
                          const std::vector<std::string>& scenarios, bool every_scenario,
                          double measure_s, double wall_s) {
  const nlohmann::json run = {
      {"mode", bench::mode_name(mode)}, {"command", command},
      {"scenarios", scenarios},         {"every_scenario", every_scenario},
      {"measure_s", measure_s},         {"wall_s", wall_s},
      {"finished", now_iso()},
  };
  bench::write_file_atomically(path, run.dump(1) + "\n");
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  CLI::App app{
      "bench: measures the suite's claims about sync vs async I/O against mockd.\n"
      "Google Benchmark's --benchmark_* flags are honoured or refused with the suite's option."};
  app.set_version_flag("--version", std::string(cli_usage::version));
  std::string filter;
  bool list = false, quick = false, reference = false, no_charts = false;
  // The repository's own results-local/, wherever bench is started from (a
  // run started inside results/ must not write there).
  std::string out = (suite::source_dir() / "results-local").string();
  int repetitions = 0;  // 0: the mode's own
  bench::RepetitionPolicy adaptive{
      .adaptive = true, .fixed = 10, .min = 4, .max = 20, .target = 0.05, .budget_s = 25};
  double target_percent = 5;
  std::vector<std::string> servers;
  std::string cacert;
  app.add_option("--filter", filter,
                 "Regular expression selecting benchmarks by name (a scenario name selects it)");
  app.add_flag("--list", list, "Print the selected benchmark names and exit");
  auto* quick_flag =
      app.add_flag("--quick", quick, "A first look: reduced grid, few requests, 3 repetitions");
  app.add_flag("--reference", reference,
               "The long grid behind the committed results, 10 repetitions of everything; the "
               "only mode that may write into results/")
      ->excludes(quick_flag);
  app.add_option("--out", out,
                 "Results directory (default: the repository's git-ignored results-local; "
                 "results/ is the committed reference and takes --reference runs only; nothing "
                 "inside it or above it is accepted)")
      ->check([](const std::string& v) { return v.empty() ? "must not be empty" : ""; })
      ->capture_default_str();
  app.add_option("--repetitions", repetitions,
                 "Repetitions of every benchmark (default: 3 quick, 10 reference, adaptive "
                 "otherwise)")
      ->check(cli_checks::integer_in(1, 1000));
  auto* budget_option =
      app.add_option(
             "--budget", adaptive.budget_s,
             "Default mode: seconds of measuring per scenario after which no new round starts")
          ->check(cli_checks::number_in(1, 86'400, "s"))
          ->capture_default_str();
  app.add_option("--target-ci", target_percent,
                 "Default mode: repeat a comparison until its 95 % interval is within this many "
                 "percent of its factor")
      ->check(cli_checks::number_in(0.1, 100, "%"))
      ->capture_default_str();
  app.add_option("--max-repetitions", adaptive.max, "Default mode: at most this many repetitions")
      ->check(cli_checks::integer_in(4, 1000))
      ->capture_default_str();
  app.add_option("--server", servers,
                 "Use this mockd instead of starting one (http:// and/or https://)");
  app.add_option("--cacert", cacert, "Certificate to verify an external https --server with")
      ->check(CLI::ExistingFile);
  app.add_flag("--no-charts", no_charts, "Write JSON and reports but no charts");
  double rtt_ms = -1;
  app.add_option("--rtt-ms", rtt_ms,
                 "Emulate this network round-trip time for every selected benchmark (root; not "
                 "with the rtt scenario, which sweeps its own)")
      ->check(cli_checks::number_in(0, 10'000, "ms"));
  bool no_pin = false;
  app.add_flag("--no-pin", no_pin,
               "Do not pin the client to CPU 0 and the servers bench starts to CPU 1");
  app.allow_extras();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli_usage::exit_code(app, e, "bench");
  }

  try {
    const bench::GbenchFlags gbench = bench::parse_gbench_flags(app.remaining());
    if (gbench.filter) {
      if (!filter.empty())
        throw std::invalid_argument("--benchmark_filter and --filter: give one of them");
      filter = *gbench.filter;
    }
    if (gbench.repetitions) {
      if (repetitions != 0)
        throw std::invalid_argument("--benchmark_repetitions and --repetitions: give one of them");
      repetitions = *gbench.repetitions;
    }
    list = list || gbench.list;
    if (filter.empty()) filter = ".";
    adaptive.target = target_percent / 100;
    adaptive.max = std::max(adaptive.max, adaptive.min);

    const bench::Mode mode = quick       ? bench::Mode::quick
                             : reference ? bench::Mode::reference
                                         : bench::Mode::standard;
    if (const std::string refusal =
            bench::output_dir_refusal(out, kReferenceDir, mode == bench::Mode::reference);
        !refusal.empty())
      throw std::invalid_argument(refusal);
    bench::RepetitionPolicy policy;
    if (repetitions > 0)
      policy.fixed = repetitions;
    else if (mode == bench::Mode::quick)
      policy.fixed = 3;
    else if (mode == bench::Mode::reference)
      // Ten: one repetition of a fast benchmark spreads by 5-15 % on this
      // shared machine; ten give a t-interval a fraction of that wide.
      policy.fixed = 10;
    else
      policy = adaptive;

    // One repetition per Google Benchmark run, one iteration each: the
    // rounds (schedule.hpp) repeat them; each iteration is one full run of a
    // plan, timed by the run itself (manual time).
    std::string repetitions_flag = "--benchmark_repetitions=1";
    std::string min_time_flag = "--benchmark_min_time=0";
    std::vector<std::string> passed = gbench.passed;
    std::vector<char*> gbench_args = {argv[0], repetitions_flag.data(), min_time_flag.data()};
    for (auto& p : passed) gbench_args.push_back(p.data());
    int gbench_argc = static_cast<int>(gbench_args.size());
    benchmark::Initialize(&gbench_argc, gbench_args.data());
    if (benchmark::ReportUnrecognizedArguments(gbench_argc, gbench_args.data())) return 2;

    const std::regex selected_by = bench::make_filter(filter);
    const bench::RunOptions options{mode};
    // Client and server each get a core of their own (when there are two):
    // otherwise they steal each other's time slices and the spread grows.
    const bool pin = !no_pin && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
    bench::ServerSet server_set(servers, cacert, pin ? 1 : -1);
    bench::Spectra spectra;

    // Select first: --list and the progress need the names. Each scenario
    // keeps its context (its benchmarks' bodies refer to it) until the end.
    struct Selection {
      const bench::Scenario* scenario;
      std::unique_ptr<bench::ScenarioContext> context;
    };
    std::vector<Selection> selections;
    for (const auto& scenario : bench::scenarios()) {
      auto context =
          std::make_unique<bench::ScenarioContext>(selected_by, options, server_set, spectra);
      scenario.register_benchmarks(*context);
      if (!context->benchmarks().empty()) selections.push_back({&scenario, std::move(context)});
    }
    if (selections.empty()) {
      std::cerr << "bench: --filter '" << filter << "' selects no benchmark (try --list)\n";
      return 2;
    }
    // Checked before anything is measured: the report would refuse only at the end.
    std::vector<std::string> names;
    for (const auto& s : selections) names.push_back(s.scenario->name);
    const bool writes_guide = mode == bench::Mode::reference && same_place(out, kReferenceDir);
    if (const auto foreign = bench::foreign_pages(out, names, writes_guide); !foreign.empty())
      throw std::invalid_argument("--out " + out + ": " + foreign.front().string() +
                                  " was not written by scripts/report (no generated-file marker); "
                                  "bench never replaces it: give a folder of its own");
    if (list) {
      for (const auto& s : selections)
        for (const auto& b : s.context->benchmarks()) std::cout << b.name << "\n";
      return 0;
    }

    // The rtt scenario's private network namespace: entered here, before any
    // thread exists (unshare changes only the calling thread's), so the
    // mockd processes started later are in it too. Without the privilege the
    // rtt benchmarks skip with the reason.
    const bool sweeps_rtt = std::any_of(selections.begin(), selections.end(),
                                        [](const auto& s) { return s.scenario->name == "rtt"; });
    if (rtt_ms >= 0 && sweeps_rtt)
      throw std::invalid_argument(
          "--rtt-ms does not combine with the rtt scenario, which sweeps its own");
    // The emulation moves bench into a network namespace of its own, where
    // only the servers it starts itself are reachable.
    if ((rtt_ms >= 0 || sweeps_rtt) && !servers.empty())
      throw std::invalid_argument("--server does not combine with --rtt-ms or the rtt scenario");
    if (sweeps_rtt || rtt_ms >= 0) rtt::start_emulation();
    if (sweeps_rtt && !rtt::emulation_ready())
      std::cerr << "bench: the rtt benchmarks will be skipped: "
                << rtt::emulation_unavailable_reason() << "\n";
    if (rtt_ms >= 0) {
      // Asked for explicitly: without the emulation the run would measure something else.
      if (!rtt::emulation_ready())
        throw std::runtime_error("--rtt-ms: " + rtt::emulation_unavailable_reason());
      rtt::set_rtt(std::chrono::microseconds(std::llround(rtt_ms * 1000)));
      server_set.on_start = [](int port) { rtt::delay_port(port); };
    }

    bench::stop_children_on_signals();
    if (pin && !bench::pin_to_cpu(0))
      std::cerr << "bench: could not pin to CPU 0; running unpinned\n";
    std::string command = "build/bench";
    for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
    benchmark::AddCustomContext("suite_machine", machine_description());
    benchmark::AddCustomContext("suite_versions", versions());
    // The interpreter and libraries the py_* client models run with.
    for (const auto& [name, version] : clients::python_versions())
      benchmark::AddCustomContext(name, version);
    benchmark::AddCustomContext("suite_mode", bench::mode_name(mode));
    benchmark::AddCustomContext("suite_quick", mode == bench::Mode::quick ? "true" : "false");
    // What the pooling report's TIME_WAIT reasoning rests on (read, not assumed).
    benchmark::AddCustomContext("suite_tcp_tw_reuse", sysctl("net/ipv4/tcp_tw_reuse"));
    benchmark::AddCustomContext("suite_ip_local_port_range",
                                sysctl("net/ipv4/ip_local_port_range"));
    if (!policy.adaptive)
      benchmark::AddCustomContext("suite_repetitions", std::to_string(policy.fixed));
    benchmark::AddCustomContext(
        "suite_server", servers.empty()
                            ? std::string("mockd --engine asio --threads 1 (started by bench)") +
                                  (pin ? ", pinned to CPU 1" : "")
                            : "external: " + CLI::detail::join(servers, ", "));
    benchmark::AddCustomContext("suite_client", pin ? "bench pinned to CPU 0" : "bench not pinned");
    benchmark::AddCustomContext("suite_command", command);
    if (rtt_ms >= 0) {
      std::ostringstream rtt_text;
      rtt_text << rtt_ms;
      benchmark::AddCustomContext("suite_rtt_ms", rtt_text.str());
    }

    const bool color = gbench.color.value_or(isatty(STDOUT_FILENO) != 0);
    bench::Progress progress(isatty(STDERR_FILENO) != 0);
    std::size_t with_errors = 0, measured = 0;
    double measure_s = 0;               // over the scenarios, for whole_run.json
    std::vector<std::string> failures;  // benchmarks that threw: the run fails
    int report_failures = 0;
    std::vector<std::string> reported;  // scenarios whose report was written: their charts next
    // Each scenario's last recorded duration in this mode: the ETA's prior,
    // and the overall ETA across the scenarios still to come. Unknown with
    // --repetitions N (no record is of that) or for a scenario never recorded.
    std::vector<double> priors;
    for (const auto& s : selections)
      priors.push_back(repetitions > 0
                           ? 0
                           : bench::recorded_duration(kReferenceDir / "durations.json",
                                                      s.scenario->name, bench::mode_name(mode))
                                 .value_or(0));
    for (std::size_t at = 0; at < selections.size(); ++at) {
      const auto& s = selections[at];
      const std::string& name = s.scenario->name;
      // Shown only when every scenario to come has a record: a partial sum
      // would promise too little.
      const bool all_known =
          std::all_of(priors.begin() + at + 1, priors.end(), [](double p) { return p > 0; });
      progress.set_later_scenarios(
          all_known ? std::accumulate(priors.begin() + at + 1, priors.end(), 0.0) : 0);
      const fs::path dir = fs::path(out) / name;
      fs::create_directories(dir);
      std::vector<std::string> order;
      for (const auto& b : s.context->benchmarks()) order.push_back(b.name);
      bench::SuiteReporter reporter(dir / "bench.json", dir / "spectra.json", spectra, order);
      reporter.write_series(s.context->series(), dir / "series.json");
      bench::CostModel costs(kReferenceDir / name / "bench.json");
      bench::ScheduleOutcome outcome;
      // The scenario's own budget, when it declares one and --budget did not decide.
      bench::RepetitionPolicy own = policy;
      if (own.adaptive && budget_option->count() == 0 && s.context->default_budget())
        own.budget_s = *s.context->default_budget();
      write_run_json(dir / "run.json", name, mode, own, {}, command, "interrupted");
      try {
        outcome = bench::run_rounds(name, s.context->benchmarks(), s.context->comparisons(), own,
                                    reporter, progress, costs, priors[at]);
        write_run_json(dir / "run.json", name, mode, own, outcome, command, std::nullopt);
      } catch (const std::exception& e) {
        record_failure(dir / "run.json", name, mode, own, outcome, command, e.what());
        throw;
      }
      measure_s += outcome.measure_s;
      with_errors += reporter.benchmarks_with_errors();
      measured += reporter.benchmarks_measured();
      failures.insert(failures.end(), outcome.failures.begin(), outcome.failures.end());

      progress.clear();
      if (gbench.json)
        std::cout << reporter.json() << std::flush;
      else
        std::cout << "\n" << reporter.table(color);
      std::ostringstream summary;
      summary << name << ": measured for " << bench::duration_text(outcome.measure_s) << ", "
              << outcome.repetitions_min;
      if (outcome.repetitions_max != outcome.repetitions_min)
        summary << "-" << outcome.repetitions_max;
      summary << " repetitions (" << bench::mode_name(mode) << " mode, " << outcome.stop << ")";
      for (const auto& g : outcome.groups)
        summary << "\n  " << g.label << ": " << bench::ratio_text(g.ci) << ", " << g.repetitions
                << " repetitions, " << g.state << " (an interval of this run's repetitions)";
      progress.say(summary.str());

      progress.say("bench: writing the report for " + name + " ...");
      if (!write_report(out, name, gbench.json)) {
        std::cerr << "bench: the report for " << name << " failed\n";
        ++report_failures;
      } else {
        std::cerr << "bench: wrote " << (dir / "README.md").string() << "\n";
        reported.push_back(name);
      }
    }
    if (!no_charts && !reported.empty()) {
      progress.say("bench: drawing the charts of " + std::to_string(reported.size()) +
                   " scenario(s) ...");
      report_failures += draw_charts(out, reported);
    }
    // A new reference changes the figures the interview guide quotes; a run of
    // every scenario elsewhere reproduces the guide from this machine's numbers,
    // beside the reference's (a partial run would mix in older pages, or none).
    const bool every_scenario = selections.size() == bench::scenarios().size();
    if (writes_guide || (every_scenario && measured > 0)) {
      progress.say("bench: " + std::string(writes_guide ? "regenerating" : "writing") +
                   " the interview guide, " + out + "/GUIDE.md ...");
      if (!run_report_script({"--guide", out}, gbench.json)) {
        std::cerr << "bench: the interview guide failed\n";
        ++report_failures;
      }
    }
    // What a user asks first: does my machine agree with the committed reference? A few lines
    // per scenario (verdict same or changed, figures that differ, checks that changed outcome).
    if (!same_place(out, kReferenceDir) && measured > 0) {
      progress.say("bench: this run beside the committed reference (" + kReferenceDir.string() +
                   "/):");
      if (!run_report_script({"--compare", out, kReferenceDir.string()}, gbench.json))
        std::cerr << "bench: comparing with the reference failed (the pages are written)\n";
    }
    if (measured > 0) {
      const double wall_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      write_whole_run_json(fs::path(out) / "whole_run.json", mode, command, names, every_scenario,
                           measure_s, wall_s);
      progress.say("bench: " + std::to_string(selections.size()) + " scenario(s) in " +
                   bench::duration_text(wall_s) + " (measuring " + bench::duration_text(measure_s) +
                   ", the rest reports and start-up)");
    }
    if (with_errors > 0)
      std::cerr << "bench: " << with_errors
                << " benchmark(s) had errors; see the report's Errors section\n";
    // A server that died (or an external one that stopped answering) fails
    // the run, even when other benchmarks measured: what needed it is missing.
    for (const auto& why : server_set.failures())
      std::cerr << "bench: " << why << "; the benchmarks that needed it were skipped\n";
    for (const auto& what : failures) std::cerr << "bench: failed: " << what << "\n";
    if (!server_set.failures().empty() || !failures.empty()) return 1;
    if (measured == 0) {
      std::cerr << "bench: nothing was measured (every selected benchmark was skipped)\n";
      return 1;
    }
    return report_failures > 0 ? 1 : 0;
  } catch (const std::invalid_argument& e) {  // a bad option value
    std::cerr << "bench: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "bench: " << e.what() << "\n";
    return 1;
  }
}
