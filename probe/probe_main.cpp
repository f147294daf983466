// probe: runs a program against a fresh mockd and reports, from the server's
// counters alone, how the program used connections, with findings tied to the
// suite's claims (probe/README.md). Glue only: each step lives in its own file.
#include <filesystem>
#include <iostream>
#include <thread>

#include "chart.hpp"
#include "options.hpp"
#include "program_run.hpp"
#include "report.hpp"
#include "servers.hpp"
#include "sparkline.hpp"
#include "summary.hpp"

namespace {

using namespace std::chrono_literals;

constexpr auto kSampleInterval = 20ms;
// After the program ends, the server needs a moment to see its sockets close
// (and to count the requests they cancel); bounded, in case something else
// keeps a connection open.
constexpr auto kSettle = 1s;

// Exit statuses of probe's own (the program's are passed through).
constexpr int kExpectationFailed = 3;
constexpr int kTimeLimit = 124;  // as timeout(1)

std::vector<nlohmann::json> settled_stats(probe::Servers& servers) {
  const auto until = std::chrono::steady_clock::now() + kSettle;
  for (;;) {
    auto stats = servers.read_stats();
    const auto now = probe::sample_of(stats);
    if ((now.in_flight() <= 0 && now.connections_active == 0) ||
        std::chrono::steady_clock::now() >= until)
      return stats;
    std::this_thread::sleep_for(kSampleInterval);
  }
}

int exit_status_of(const probe::Outcome& o, const std::vector<probe::ExpectationResult>& expect) {
  using How = probe::Outcome::How;
  if (o.how == How::time_limit) return kTimeLimit;
  if (o.how == How::signalled) return 128 + o.code;
  if (o.code != 0) return o.code;
  for (const auto& e : expect)
    if (!e.passed) return kExpectationFailed;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = probe::parse_options(argc, argv);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  const probe::Options& options = std::get<probe::Options>(parsed);

  // What probe can refuse by itself is refused before mockd starts; mockd
  // refuses a bad --default or --profile before the program starts.
  const probe::Resolved program = probe::resolve_program(options.command.front());
  if (!program.error.empty()) {
    std::cerr << "probe: " << program.error << "\n";
    return program.status;
  }
  if (!options.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    if (ec) {
      std::cerr << "probe: --out " << options.out_dir << ": " << ec.message() << " (see --help)\n";
      return 2;
    }
  }

  std::unique_ptr<probe::Servers> servers;
  try {
    servers = std::make_unique<probe::Servers>(options);
  } catch (const probe::ServerRefused& e) {
    std::cerr << "probe: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "probe: " << e.what() << "\n";
    return 1;
  }

  probe::Report report;
  report.command = options.command;
  report.time_limit_s = options.time_limit_s;
  report.servers = servers->list();
  std::vector<probe::Sample> samples;
  try {
    servers->reset_stats();
    auto argv_resolved = options.command;
    argv_resolved.front() = program.path;
    probe::ProgramRun run(argv_resolved, servers->environment(), options.json);
    report.outcome =
        run.wait(std::chrono::duration<double>(options.time_limit_s), kSampleInterval, [&] {
          // A missed sample only coarsens the figures.
          try {
            samples.push_back(probe::sample_of(servers->read_stats()));
          } catch (const std::exception&) {
          }
        });
    report.stats = settled_stats(*servers);
  } catch (const std::exception& e) {
    std::cerr << "probe: " << e.what() << "\n";
    return 1;
  }

  const std::string& name = options.command.front();
  if (report.outcome.forwarded_signal)
    std::cerr << "probe: passed signal " << report.outcome.forwarded_signal << " on to " << name
              << "\n";
  if (report.outcome.how != probe::Outcome::How::exited)
    std::cerr << "probe: " << name << " "
              << probe::describe_outcome(report.outcome, options.time_limit_s) << "\n";
  if (report.outcome.left_processes)
    std::cerr << "probe: " << name
              << " left processes running in its process group; probe killed them\n";

  report.summary = probe::summarize(report.stats, samples);
  report.findings = probe::find_all(
      report.summary,
      {report.outcome.how == probe::Outcome::How::time_limit, options.time_limit_s});
  report.expectations = probe::check_expectations(options.expectations, report.summary);
  report.exit_status = exit_status_of(report.outcome, report.expectations);
  for (const auto& e : report.expectations)
    if (!e.passed)
      std::cerr << "probe: expectation failed: " << e.expectation.text << " (" << e.reason << ")\n";

  const nlohmann::json json = probe::report_json(report);
  if (options.json)
    std::cout << json.dump(2) << std::endl;
  else
    probe::print_text(std::cout, report, options.width ? options.width : probe::terminal_width());
  if (!options.out_dir.empty()) {
    try {
      const std::string why = probe::write_out_dir(options.out_dir, json);
      if (!why.empty()) std::cerr << "probe: " << why << "\n";
    } catch (const std::exception& e) {
      std::cerr << "probe: " << e.what() << "\n";
      return 1;
    }
  }
  return report.exit_status;
}
