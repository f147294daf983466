// fetch: runs one plan on one client model against any HTTP(S) server and
// prints what hey/oha print (throughput, latency percentiles, connections,
// errors by kind, CPU, memory), or JSON with --json. Failed requests are
// results, not failures: the exit status is non-zero only for bad options.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli_checks.hpp"
#include "client_model.hpp"
#include "run_summary.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "fetch: make HTTP requests with one of the suite's client models and summarize them"};
  clients::Plan plan;
  std::string model;
  long timeout_ms = plan.timeout.count(), keepalive_ms = plan.keepalive_timeout.count();
  bool no_pool = false, no_session_cache = false, json = false;
  std::optional<double> rate;
  std::optional<std::uint64_t> expect_bytes;

  std::string models;
  for (const auto& name : clients::model_names()) models += (models.empty() ? "" : ", ") + name;
  app.add_option("-m,--model", model, "Client model: " + models)
      ->required()
      ->check(CLI::IsMember(clients::model_names()));
  // Bounded so a typo fails here with a clear line, not in vector::reserve.
  app.add_option("-n,--requests", plan.requests, "Number of requests")
      ->transform(cli_checks::integer_in(1, 100'000'000))
      ->capture_default_str();
  app.add_option("-c,--concurrency", plan.concurrency,
                 "Requests in flight (workers); 0: all at once, bounded by the limits. "
                 "blocking_* models always run 1")
      ->transform(cli_checks::integer_in(0, 1'000'000))
      ->capture_default_str();
  app.add_flag("--no-pool", no_pool, "A new connection for every request");
  app.add_option("--limit", plan.limit,
                 "Most connections in use at once (0: no limit; curl_multi, asio_coro)")
      ->transform(cli_checks::integer_in(0, 1'000'000))
      ->capture_default_str();
  app.add_option("--limit-per-host", plan.limit_per_host,
                 "Most connections in use per host (0: no limit)")
      ->transform(cli_checks::integer_in(0, 1'000'000))
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms,
                 "Per-request timeout, including waiting for a connection")
      ->check(CLI::Range(1L, 86'400'000L))
      ->capture_default_str();
  app.add_option("--keepalive-timeout-ms", keepalive_ms,
                 "Close idle pooled connections older than this (asio_coro)")
      ->check(CLI::Range(0L, 86'400'000L))
      ->capture_default_str();
  app.add_option("--rate", rate,
                 "Open loop: start this many requests per second, latency from the intended start")
      ->transform(cli_checks::number_in(0.001, 10'000'000, "per second"));
  auto* insecure = app.add_flag("-k,--insecure", plan.insecure, "Do not verify TLS certificates");
  app.add_option("--cacert", plan.cacert, "Verify TLS certificates against this PEM file")
      ->check(CLI::ExistingFile)
      ->excludes(insecure);
  app.add_flag("--no-tls-session-cache", no_session_cache,
               "curl models: no TLS session resumption");
  app.add_option("--expect-status", plan.expected_status, "Status every response must have")
      ->capture_default_str();
  app.add_option("--expect-bytes", expect_bytes,
                 "Body size every response must have (default: bytes=N in the URL)");
  app.add_flag("--json", json, "Print the plan and the summary as JSON");
  app.add_option("urls", plan.urls, "URLs, requested round-robin")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is a ParseError too; usage errors exit 2
  }

  plan.pooling = !no_pool;
  plan.tls_session_cache = !no_session_cache;
  plan.timeout = std::chrono::milliseconds(timeout_ms);
  plan.keepalive_timeout = std::chrono::milliseconds(keepalive_ms);
  plan.rate_per_s = rate;
  plan.expected_bytes = expect_bytes;
  std::signal(SIGPIPE, SIG_IGN);  // a server that hangs up is a request error, not our death

  try {
    const auto summary = clients::summarize(clients::run_model(model, plan));
    if (json)
      std::cout << nlohmann::json{{"plan", clients::to_json(plan)},
                                  {"result", clients::to_json(summary)}}
                       .dump(2)
                << "\n";
    else
      std::cout << clients::format_summary(summary);
  } catch (const std::exception& e) {
    std::cerr << "fetch: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
