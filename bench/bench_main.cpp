// bench: runs the suite's scenarios on Google Benchmark against mockd and
// writes, per scenario, results/<scenario>/bench.json (Google Benchmark's
// format, so compare.py works), spectra.json, and then the charts and report
// (scripts/report). See README "The bench driver".
#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/version.hpp>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "private_network.hpp"
#include "python_model.hpp"
#include "scenario.hpp"
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
         OpenSSL_version(OPENSSL_VERSION) + ", cpp-httplib " + CPPHTTPLIB_VERSION;
}

// Runs scripts/report for one scenario as an argument vector, never through a
// shell: the output directory is the user's text and may hold any character.
bool write_report(const std::string& out, const std::string& scenario, bool no_charts) {
  const std::string script = std::string(SUITE_SOURCE_DIR) + "/scripts/report";
  std::vector<std::string> args = {script, "--out", out, "--scenario", scenario};
  if (no_charts) args.push_back("--no-charts");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, script.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A /proc/sys value as one line of text ("2", "32768 60999"), or "unknown".
std::string sysctl(const std::string& path) {
  std::ifstream in("/proc/sys/" + path);
  std::string value;
  if (!std::getline(in, value)) return "unknown";
  std::replace(value.begin(), value.end(), '\t', ' ');
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "bench: measures the suite's claims about sync vs async I/O against mockd.\n"
      "Every --benchmark_* option of Google Benchmark passes through."};
  std::string filter = ".";
  bool list = false, quick = false, no_charts = false;
  std::string out = "results";
  // Ten: one repetition of a fast benchmark spreads by 5-15 % on this shared
  // machine; the median of ten is steady enough to compare ratios.
  int repetitions = 10;
  std::vector<std::string> servers;
  std::string cacert;
  app.add_option("--filter", filter,
                 "Regular expression selecting benchmarks by name (a scenario name selects it)");
  app.add_flag("--list", list, "Print the selected benchmark names and exit");
  app.add_flag("--quick", quick, "A reduced grid with fewer requests (CI, first look)");
  app.add_option("--out", out, "Results directory")
      ->check([](const std::string& v) { return v.empty() ? "must not be empty" : ""; })
      ->capture_default_str();
  app.add_option("--repetitions", repetitions,
                 "Repetitions of every benchmark (medians and CV are over these)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--server", servers,
                 "Use this mockd instead of starting one (http:// and/or https://)");
  app.add_option("--cacert", cacert, "Certificate to verify an external https --server with")
      ->check(CLI::ExistingFile);
  app.add_flag("--no-charts", no_charts, "Write JSON and reports but no charts");
  double rtt_ms = -1;
  app.add_option(
         "--rtt-ms", rtt_ms,
         "Emulate this network round-trip time for every selected benchmark (root; not with "
         "the rtt scenario, which sweeps its own)")
      ->check([](const std::string& v) {
        // CLI::Range lets NaN through (every comparison with it is false).
        double x = 0;
        try {
          x = std::stod(v);
        } catch (const std::exception&) {
          return std::string("not a number: ") + v;
        }
        return x >= 0 && x <= 10'000 ? std::string() : "must be in [0, 10000] ms, got " + v;
      });
  bool no_pin = false;
  app.add_flag("--no-pin", no_pin,
               "Do not pin the client to CPU 0 and the servers bench starts to CPU 1");
  app.allow_extras();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is a ParseError too
  }

  // Each repetition is one iteration: one full run of a plan, timed by the
  // run itself (manual time). The user's --benchmark_* flags come after ours
  // and win.
  std::string repetitions_flag = "--benchmark_repetitions=" + std::to_string(repetitions);
  std::string min_time_flag = "--benchmark_min_time=0";
  std::vector<char*> gbench_args = {argv[0], repetitions_flag.data(), min_time_flag.data()};
  for (auto& extra : app.remaining_for_passthrough(true)) {
    if (extra.rfind("--benchmark_", 0) != 0) {
      std::cerr << "bench: unknown option " << extra << " (see --help)\n";
      return 2;
    }
  }
  std::vector<std::string> extras = app.remaining();
  for (auto& e : extras) gbench_args.push_back(e.data());
  int gbench_argc = static_cast<int>(gbench_args.size());
  benchmark::Initialize(&gbench_argc, gbench_args.data());
  if (benchmark::ReportUnrecognizedArguments(gbench_argc, gbench_args.data())) return 2;

  try {
    const std::regex selected_by = bench::make_filter(filter);
    bench::RunOptions options{quick, repetitions};
    // Client and server each get a core of their own (when there are two):
    // otherwise they steal each other's time slices and the spread grows.
    const bool pin = !no_pin && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
    bench::ServerSet server_set(servers, cacert, pin ? 1 : -1);
    bench::Spectra spectra;

    // Select first: --list and the progress total need the names.
    struct Selection {
      const bench::Scenario* scenario;
      std::vector<std::string> names;
    };
    std::vector<Selection> selections;
    for (const auto& scenario : bench::scenarios()) {
      std::vector<std::string> names;
      bench::ScenarioContext probe(selected_by, options, server_set, spectra, names);
      scenario.register_benchmarks(probe);
      benchmark::ClearRegisteredBenchmarks();
      if (!names.empty()) selections.push_back({&scenario, std::move(names)});
    }
    if (selections.empty()) {
      std::cerr << "bench: --filter '" << filter << "' selects no benchmark (try --list)\n";
      return 2;
    }
    if (list) {
      for (const auto& s : selections)
        for (const auto& n : s.names) std::cout << n << "\n";
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
    benchmark::AddCustomContext("suite_quick", quick ? "true" : "false");
    // What the pooling report's TIME_WAIT reasoning rests on (read, not assumed).
    benchmark::AddCustomContext("suite_tcp_tw_reuse", sysctl("net/ipv4/tcp_tw_reuse"));
    benchmark::AddCustomContext("suite_ip_local_port_range",
                                sysctl("net/ipv4/ip_local_port_range"));
    benchmark::AddCustomContext("suite_repetitions", std::to_string(repetitions));
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

    std::size_t with_errors = 0, measured = 0;
    int report_failures = 0;
    for (const auto& s : selections) {
      const std::filesystem::path dir = std::filesystem::path(out) / s.scenario->name;
      std::filesystem::create_directories(dir);
      std::vector<std::string> names;
      bench::ScenarioContext context(selected_by, options, server_set, spectra, names);
      s.scenario->register_benchmarks(context);
      bench::SuiteReporter reporter(dir / "bench.json", dir / "spectra.json", spectra,
                                    names.size());
      benchmark::RunSpecifiedBenchmarks(&reporter);
      benchmark::ClearRegisteredBenchmarks();
      with_errors += reporter.benchmarks_with_errors();

      measured += reporter.benchmarks_measured();
      if (!write_report(out, s.scenario->name, no_charts)) {
        std::cerr << "bench: the report for " << s.scenario->name << " failed\n";
        ++report_failures;
      } else {
        std::cerr << "bench: wrote " << (dir / "README.md").string() << "\n";
      }
    }
    if (with_errors > 0)
      std::cerr << "bench: " << with_errors
                << " benchmark(s) had errors; see the report's Errors section\n";
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
