#include "model_benchmark.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "http_get.hpp"
#include "run_summary.hpp"

namespace bench {
namespace {

// Requests in the primer that checks a configuration before it is timed.
constexpr std::size_t kPrimerRequests = 20;

// Debian's bundle of the system's trusted CAs (package ca-certificates).
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

// The system bundle with `cacert` appended, written once beside `cacert`.
std::string with_system_bundle(const std::string& cacert) {
  const std::string path = cacert + ".with-system-bundle.pem";
  if (std::filesystem::exists(path)) return path;
  std::ifstream system(kSystemCaBundle), server(cacert);
  if (!system || !server)
    throw std::runtime_error(std::string("no system CA bundle at ") + kSystemCaBundle +
                             " (Debian package ca-certificates)");
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << system.rdbuf() << "\n" << server.rdbuf();
  }
  std::filesystem::rename(tmp, path);
  return path;
}

}  // namespace

void ServerCounts::add(const nlohmann::json& stats) {
  conns_opened += stats.value("connections_accepted", 0.0);
  conns_peak += stats.value("connections_peak", 0.0);
  tls_handshakes += stats.value("tls_handshakes", 0.0);
  tls_resumed += stats.value("tls_resumed", 0.0);
  requests += stats.value("requests_total", 0.0);
}

std::string error_summary(const clients::RunSummary& s) {
  std::string out;
  for (const auto& [kind, n] : s.errors)
    out += (out.empty() ? "" : ", ") + kind + "=" + std::to_string(n);
  if (!s.error_examples.empty()) out += " (" + s.error_examples.front() + ")";
  return out;
}

void skip(benchmark::State& state, const std::string& why) {
  state.SkipWithError(why.c_str());
  for (auto _ : state) {
  }
}

std::optional<ServerEndpoint> server_or_skip(benchmark::State& state, ScenarioContext& context,
                                             bool https) {
  try {
    return context.servers().get(https);
  } catch (const std::exception& e) {
    skip(state, "no server: " + std::string(e.what()));
    return std::nullopt;
  }
}

bool verify_once(benchmark::State& state, const std::string& name, const std::string& model,
                 const clients::Plan& plan) {
  static std::set<std::string> verified;
  if (verified.contains(name)) return true;
  clients::Plan primer = plan;
  primer.requests = std::min(plan.requests, kPrimerRequests);
  clients::RunSummary summary;
  try {
    summary = clients::summarize(clients::run_model(model, primer));
  } catch (const std::exception& e) {
    skip(state, "primer failed, not timed: " + std::string(e.what()));
    return false;
  }
  if (summary.ok != summary.requests) {
    skip(state, "verification failed, not timed: " + std::to_string(summary.requests - summary.ok) +
                    " of " + std::to_string(summary.requests) +
                    " requests failed: " + error_summary(summary));
    return false;
  }
  verified.insert(name);
  return true;
}

void set_standard_counters(benchmark::State& state, const clients::RunSummary& summary,
                           const ServerCounts& server, const clients::Plan& plan) {
  auto& c = state.counters;
  std::size_t errors = 0;
  for (const auto& [kind, n] : summary.errors) {
    errors += n;
    c["errors_" + kind] = static_cast<double>(n);
  }
  const auto& l = summary.latency_us;
  c["req_per_s"] = summary.requests_per_s;  // successful requests only
  c["errors_per_s"] = summary.errors_per_s;
  c["p50_us"] = l.p50;
  c["p90_us"] = l.p90;
  c["p99_us"] = l.p99;
  c["max_us"] = l.max;
  c["errors"] = static_cast<double>(errors);
  c["conns_opened"] = server.conns_opened;
  c["conns_peak"] = server.conns_peak;
  c["tls_handshakes"] = server.tls_handshakes;
  c["tls_resumed"] = server.tls_resumed;
  c["server_requests"] = server.requests;
  c["cpu_s"] = summary.cpu_s;
  c["rss_mb"] = static_cast<double>(summary.peak_rss_kib) / 1024.0;
  c["threads_created"] = static_cast<double>(summary.threads);
  // Interpreter start-up and imports of a Python model, outside the timed run.
  if (summary.startup_ms) c["startup_ms"] = *summary.startup_ms;
  c["requests"] = static_cast<double>(summary.requests);
  c["concurrency"] = static_cast<double>(plan.concurrency);
  if (errors > 0) state.SetLabel("errors: " + error_summary(summary));
  // Every request failed (the server went away mid-run): the figures would
  // be 0 req/s, read as a measurement. The verification let only
  // configurations whose requests succeed be timed, so this is a failure.
  if (summary.requests > 0 && summary.ok == 0)
    state.SkipWithError(
        ("every request of this repetition failed: " + error_summary(summary)).c_str());
}

void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

MeasuredRun measure_run(const std::string& model, const clients::Plan& plan,
                        const ServerEndpoint& server, const std::function<void()>& before_run,
                        const std::function<void()>& after_run) {
  return measure_run(model, plan, std::vector<ServerEndpoint>{server}, before_run, after_run);
}

MeasuredRun measure_run(const std::string& model, const clients::Plan& plan,
                        const std::vector<ServerEndpoint>& servers,
                        const std::function<void()>& before_run,
                        const std::function<void()>& after_run) {
  for (const auto& s : servers) harness::reset_stats(s.url, s.cacert);
  if (before_run) before_run();
  reset_peak_rss();
  const clients::RunResult result = clients::run_model(model, plan);
  if (after_run) after_run();
  const double rss_mb = peak_rss_mb();
  MeasuredRun run;
  for (const auto& s : servers) run.server_stats.push_back(harness::fetch_stats(s.url, s.cacert));
  if (!run.server_stats.empty()) run.stats = run.server_stats.front();
  run.summary = clients::summarize(result);
  // A model run in a child process (Python) measured its own peak: this
  // process's would say nothing about it.
  if (!result.measured_by_model) run.summary.peak_rss_kib = static_cast<long>(rss_mb * 1024);
  for (const auto& s : result.samples)
    if (s.error == clients::ErrorKind::none) {
      run.latencies_us.push_back(std::chrono::duration<double, std::micro>(s.latency).count());
      run.latency_targets.push_back(s.target);
    }
  return run;
}

void run_model_benchmark(benchmark::State& state, ScenarioContext& context,
                         const ModelBenchmark& spec) {
  const auto found = server_or_skip(state, context, spec.https);
  if (!found) return;
  const ServerEndpoint& server = *found;
  clients::Plan plan = spec.plan;
  plan.urls = {server.url + spec.target};
  plan.cacert = server.cacert;
  if (spec.system_ca_bundle) {
    try {
      plan.cacert = with_system_bundle(server.cacert);
    } catch (const std::exception& e) {
      return skip(state, e.what());
    }
  }
  if (!verify_once(state, spec.name, spec.model, plan)) return;

  MeasuredRun run;
  for (auto _ : state) {
    run = measure_run(spec.model, plan, server);
    state.SetIterationTime(run.summary.wall_s);
  }
  context.spectra().add(spec.name, run.latencies_us);

  ServerCounts server_counts;
  server_counts.add(run.stats);
  set_standard_counters(state, run.summary, server_counts, plan);
}

}  // namespace bench
