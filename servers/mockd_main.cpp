// mockd: a mock HTTP/1.1 server whose latency, body size, status and faults
// are set per request in the query string, and which counts what it sees
// (GET /stats). Its first line on stdout says where it listens, so a parent
// process can start it on port 0 and read the port.
#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli_checks.hpp"
#include "cli_usage.hpp"
#include "engine.hpp"
#include "profiles.hpp"

namespace {

// A usage error found after parsing: one line on stderr, exit status 2, as
// cli_usage::exit_code ends the errors CLI11 finds. Control characters (a
// value echoed back may hold any) become spaces, so it stays one line.
int usage_error(std::string message) {
  for (char& c : message)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  std::cerr << "mockd: " << message << " (see --help)" << std::endl;
  return 2;
}

// Blocks SIGINT/SIGTERM in every thread (call before any thread starts) and
// waits for them on a thread of its own, which asks the engine to stop.
void stop_on_signals(mockd::Engine& engine) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, &engine] {
    int sig = 0;
    sigwait(&set, &sig);
    engine.stop();
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mockd: mock HTTP server with per-request latency, size, status and faults"};
  mockd::ServerConfig config;
  std::string engine_name = "asio";
  std::optional<int> threads;
  bool tls = false;
  std::string cert_out, cert_file, key_file, tls_version = "any";
  long header_timeout_ms = config.header_timeout.count();
  std::optional<long> idle_timeout_ms;
  long shutdown_timeout_ms = config.shutdown_timeout.count();
  std::optional<std::string> half_close;
  std::string default_query;
  std::optional<std::int64_t> max_connections;
  std::optional<std::string> profile_name;

  app.add_option("--host", config.host, "Address to bind")->capture_default_str();
  app.add_option("--port", config.port, "Port to bind (0: any free port)")->capture_default_str();
  app.add_option("--engine", engine_name,
                 "asio (timers, coroutines) or blocking (cpp-httplib 0.11.4, sleeping threads; "
                 "its limits: pipelined requests after the first are lost, a header line without "
                 "a colon is ignored, a header line over 8 KiB or an unknown or lowercase method "
                 "answers 400, a request body needs Content-Length or chunked, an idle "
                 "connection holds a thread for --idle-timeout-ms (default 5 s here), an HTTPS "
                 "client that half-closes gets no answer once its FIN has arrived, its stats "
                 "show header_timeouts, idle_timeouts, tls_handshake_failures and "
                 "accept_fd_exhausted as null; see servers/README.md)")
      ->check(CLI::IsMember({"asio", "blocking"}))
      ->capture_default_str();
  app.add_option("--threads", threads, "Threads (default: 1 for asio, 8 for blocking)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("--time-handlers", config.time_handlers,
               "Add \"handler;dur=<ms>\" to Server-Timing: the time from the parsed request to "
               "its response header, as a timing middleware measures it (asio engine only)");
  app.add_option("--half-close", half_close,
                 "What a client's FIN during a request's delay means (a client that closed and "
                 "one that only shut down its sending side after a whole request look the same): "
                 "cancel (default; the client left, as nginx's 499: counted in "
                 "requests_cancelled, nothing sent) or answer (wait out the delay, answer, close; "
                 "only an RST counts as leaving). A request without a delay is always answered. "
                 "asio engine only: the blocking engine cannot watch a connection while it "
                 "sleeps, and answers")
      ->check(CLI::IsMember({"cancel", "answer"}));
  app.add_option("--max-connections", max_connections,
                 "Most connections serving requests at once (a connection counts from its first "
                 "request other than /stats until it closes); the first request of one more is "
                 "answered 503 with Connection: close, and the connection closed, counted in "
                 "/stats as connections_refused only. /stats itself is always served. Default: "
                 "no cap")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000}));
  app.add_option(
         "--default", default_query,
         "Request parameters (a query string, e.g. 'dist=lognormal&p50_ms=5&p99_ms=50') applied to "
         "every counted request that does not set them, so a program with fixed URLs gets "
         "latency and faults. They come in groups, and a request that sets any parameter of a "
         "group replaces the default's whole group: " +
             mockd::request_param_groups() +
             ". Checked at start-up as a request is (refused for the reason a request would get "
             "a 400); seed is not allowed. Shown in /stats as \"default\"")
      ->option_text("QUERY");
  app.add_option("--profile", profile_name,
                 mockd::profile_names() +
                     ": a named kind of bad server (listed at the end), built on --default and "
                     "--max-connections. An explicit --default replaces the profile's groups it "
                     "touches (the same rule as a request over a default), an explicit "
                     "--max-connections its cap. Shown in /stats as \"profile\"")
      ->option_text("NAME");
  app.add_flag("--tls", tls,
               "Serve HTTPS (self-signed certificate generated at start-up unless --cert/--key)");
  app.add_option("--cert-out", cert_out, "Write the certificate (PEM) here, for clients to verify");
  auto* cert_opt =
      app.add_option("--cert", cert_file, "Certificate file (PEM)")->check(CLI::ExistingFile);
  auto* key_opt =
      app.add_option("--key", key_file, "Private key file (PEM)")->check(CLI::ExistingFile);
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  app.add_option("--tls-version", tls_version, "TLS versions to allow")
      ->check(CLI::IsMember({"1.2", "1.3", "any"}))
      ->capture_default_str();
  // Each cap is checked against its hard ceiling before it is converted.
  app.add_option("--max-delay-ms", config.limits.max_delay_ms,
                 "Largest delay a request may ask for")
      ->transform(cli_checks::number_in(0, mockd::kCeilingDelayMs, "ms"))
      ->capture_default_str();
  app.add_option("--max-bytes", config.limits.max_bytes, "Largest body a request may ask for")
      ->transform(cli_checks::integer_in(0, static_cast<std::int64_t>(mockd::kCeilingBytes)))
      ->capture_default_str();
  app.add_option("--max-header-bytes", config.limits.max_header_bytes,
                 "Largest request header (larger: 431)")
      ->transform(cli_checks::integer_in(256, mockd::kCeilingHeaderBytes))
      ->capture_default_str();
  app.add_option("--header-timeout-ms", header_timeout_ms,
                 "Close a connection whose request header takes longer")
      ->check(CLI::Range(1L, 3'600'000L))
      ->capture_default_str();
  app.add_option("--idle-timeout-ms", idle_timeout_ms,
                 "Close a keep-alive connection idle this long (default 60000 for asio, 5000 "
                 "for blocking, which rounds it up to whole seconds)")
      ->check(CLI::Range(1L, 3'600'000L));
  app.add_option("--shutdown-timeout-ms", shutdown_timeout_ms,
                 "On SIGINT/SIGTERM, wait this long for in-flight requests")
      ->check(CLI::Range(0L, 600'000L))
      ->capture_default_str();
  // Generated from the parser's own table, so the list cannot drift from what is served.
  app.footer(
      "Request parameters (query string, any path, any method; anything else answers 400 "
      "naming the parameter):\n" +
      mockd::request_param_help() + "\nProfiles (--profile NAME):\n" + mockd::profile_help());
  app.set_version_flag("--version", "mockd " + std::string(cli_usage::version));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli_usage::exit_code(app, e, "mockd");
  }

  const bool blocking = engine_name == "blocking";
  config.threads = threads.value_or(blocking ? 8 : 1);
  config.header_timeout = std::chrono::milliseconds(header_timeout_ms);
  config.idle_timeout = idle_timeout_ms ? std::chrono::milliseconds(*idle_timeout_ms)
                        : blocking      ? mockd::kBlockingIdleTimeout
                                        : config.idle_timeout;
  config.shutdown_timeout = std::chrono::milliseconds(shutdown_timeout_ms);
  config.tls_version = tls_version == "1.2"   ? mockd::TlsVersion::v1_2
                       : tls_version == "1.3" ? mockd::TlsVersion::v1_3
                                              : mockd::TlsVersion::any;
  if (blocking && config.time_handlers) {
    std::cerr << "mockd: --time-handlers needs --engine asio\n";
    return 2;
  }
  if (blocking && half_close == "cancel") {
    std::cerr << "mockd: --half-close cancel needs --engine asio (the blocking engine always "
                 "answers)\n";
    return 2;
  }
  if (half_close == "answer") config.half_close = mockd::HalfClose::answer;
  mockd::RequestDefaults profile_defaults;
  if (profile_name) {
    const mockd::Profile* profile = mockd::find_profile(*profile_name);
    if (!profile)
      return usage_error("--profile: no profile named '" + *profile_name + "' (one of " +
                         mockd::profile_names() + ")");
    const auto parsed = mockd::profile_defaults(*profile, config.limits);
    if (parsed.error)  // a profile that does not parse is a bug in profiles.cpp
      return usage_error("--profile " + *profile_name + ": " + parsed.error->param + ": " +
                         parsed.error->message);
    profile_defaults = {parsed.params, parsed.given};
    if (!max_connections) max_connections = profile->max_connections;
  }
  // Checked against the final caps, by the parser requests go through.
  const auto defaults = mockd::parse_default_params(default_query, config.limits, profile_defaults);
  if (defaults.error)
    return usage_error("--default: " + defaults.error->param + ": " + defaults.error->message);
  config.defaults = {defaults.params, defaults.given};
  config.max_connections = max_connections;
  if (!tls && (!cert_out.empty() || !cert_file.empty() || tls_version != "any")) {
    std::cerr << "mockd: --cert-out, --cert, --key and --tls-version need --tls\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

  try {
    if (tls) {
      config.tls = cert_file.empty() ? mockd::generate_self_signed(config.host)
                                     : mockd::load_tls_identity(cert_file, key_file);
      if (!cert_out.empty()) {
        // Written to a temporary name first, so a reader never sees half a file.
        const std::string tmp = cert_out + ".tmp";
        std::ofstream(tmp, std::ios::binary) << config.tls->cert_pem;
        if (std::rename(tmp.c_str(), cert_out.c_str()) != 0)
          throw std::runtime_error("cannot write " + cert_out);
      }
    }
    mockd::Stats stats(blocking ? mockd::kBlockingUncounted : mockd::Uncounted::none);
    stats.set_settings({mockd::to_query(config.defaults.params, config.defaults.given),
                        profile_name.value_or(""), config.max_connections});
    auto engine = blocking ? mockd::make_blocking_engine(config, stats)
                           : mockd::make_asio_engine(config, stats);
    stop_on_signals(*engine);
    const bool v6 = config.host.find(':') != std::string::npos;
    std::cout << "mockd listening on " << (tls ? "https" : "http") << "://"
              << (v6 ? "[" + config.host + "]" : config.host) << ":" << engine->port() << std::endl;
    engine->run();
    std::cerr << "mockd: stopped\n";
  } catch (const std::exception& e) {
    std::cerr << "mockd: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
