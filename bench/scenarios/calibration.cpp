// Scenario `calibration`: the harness's own ceiling. A factor the suite
// measures is only the mechanism's if neither the server nor the client sets
// it, so this scenario measures both against reference tools in one run:
//   - the server: mockd against nginx (one process, the same 16-byte body,
//     the same certificate and key), under the same client (asio_coro,
//     pooled keep-alive and a new connection per request, HTTP and HTTPS);
//   - the clients: every C++ client model against wrk on the same mockd, with
//     the same number of connections;
//   - a null model: the client's own bookkeeping (clock reads, one sample per
//     request) with no I/O at all, the most any model could do.
// nginx and wrk are started without a shell, die with bench
// (PR_SET_PDEATHSIG) and are skipped, with the reason, when not installed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "http_get.hpp"
#include "model_benchmark.hpp"
#include "run_summary.hpp"
#include "scenario.hpp"
#include "tls_identity.hpp"

namespace bench::calibration_scenario {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// mockd's default body (servers/response_plan.hpp: kDefaultBodyBytes), which
// nginx serves too, so both answer with the same bytes.
constexpr const char* kBody = "abcdefghijklmnop";
constexpr std::uint64_t kBodyBytes = 16;
constexpr int kServerConcurrency = 32;

// ---------------------------------------------------------------- tools

// The first executable called `name` on $PATH or in the system directories
// (nginx lives in /usr/sbin, which a user's PATH may not have).
std::optional<std::string> find_tool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  dirs += ":/usr/sbin:/sbin:/usr/bin:/bin";
  std::istringstream in(dirs);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then
// released): nginx takes it next; a lost race shows as nginx failing to bind,
// and the start is retried.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool accepts_connections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<unsigned short>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// The CPU the servers bench starts are pinned to: bench pins itself to CPU 0
// and its mockd processes to CPU 1 (bench/README.md, "--no-pin"), so nginx goes where
// mockd is. -1 when bench is not pinned to one CPU.
int server_cpu() {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof mine, &mine) != 0) return -1;
  if (CPU_COUNT(&mine) != 1 || !CPU_ISSET(0, &mine)) return -1;
  return sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 1 : -1;
}

// ------------------------------------------------- the files both servers use

// A directory of this run's own for nginx's configuration and the certificate
// and key both servers serve (made by mockd's own generator: self-signed
// ECDSA P-256). Named and locked like ServerSet's, so a bench killed before
// removing it leaves a directory the next bench's sweep removes.
class CalibrationFiles {
 public:
  CalibrationFiles() {
    // Removed by Ctrl-C too (the key must not outlive the run).
    dir_ = make_temp_dir((fs::temp_directory_path() / "bench-calibration-XXXXXX").string());
    lock_fd_ = open((dir_ / ".bench.lock").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ >= 0) flock(lock_fd_, LOCK_EX);
    const mockd::TlsIdentity identity = mockd::generate_self_signed("127.0.0.1");
    write(cert(), identity.cert_pem, 0644);
    write(key(), identity.key_pem, 0600);
  }
  ~CalibrationFiles() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    forget_temp_path(dir_);
    if (lock_fd_ >= 0) close(lock_fd_);
  }
  CalibrationFiles(const CalibrationFiles&) = delete;
  CalibrationFiles& operator=(const CalibrationFiles&) = delete;

  const fs::path& dir() const { return dir_; }
  std::string cert() const { return (dir_ / "cert.pem").string(); }
  std::string key() const { return (dir_ / "key.pem").string(); }

  static void write(const std::string& path, const std::string& text, int mode) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error("cannot write " + path);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0) {
        close(fd);
        throw std::runtime_error("cannot write " + path);
      }
      done += static_cast<std::size_t>(n);
    }
    close(fd);
  }

 private:
  fs::path dir_;
  int lock_fd_ = -1;
};

CalibrationFiles& files() {
  static CalibrationFiles the_files;
  return the_files;
}

// ---------------------------------------------------------------- nginx

// nginx as a child of bench: in the foreground (daemon off) and as a single
// process (master_process off: the process bench started is the one that
// serves, so PR_SET_PDEATHSIG takes the server down with bench; a master's
// worker would outlive a killed master), with one plain HTTP and one HTTPS
// listener on 127.0.0.1, answering every path with mockd's default body.
class Nginx {
 public:
  explicit Nginx(const std::string& binary) {
    std::string last_error;
    for (int attempt = 0; attempt < 3; ++attempt) {
      http_port_ = free_port();
      https_port_ = free_port();
      if (http_port_ == https_port_) continue;
      write_config();
      const fs::path conf = files().dir() / "nginx.conf";
      process_ = std::make_unique<harness::ChildProcess>(std::vector<std::string>{
          binary, "-p", files().dir().string(), "-e", "stderr", "-c", conf.string()});
      if (const int cpu = server_cpu(); cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(process_->pid(), sizeof set, &set) == 0) pinned_cpu_ = cpu;
      }
      const auto deadline = Clock::now() + std::chrono::seconds(10);
      while (Clock::now() < deadline) {
        if (process_->wait_until(Clock::now())) break;  // exited: did not start
        if (accepts_connections(http_port_) && accepts_connections(https_port_)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      last_error = process_->stderr_tail(400);
      process_.reset();
    }
    throw std::runtime_error("nginx did not start: " + last_error);
  }

  std::string url(bool https) const {
    return std::string(https ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(https ? https_port_ : http_port_);
  }
  int pinned_cpu() const { return pinned_cpu_; }
  // Reads what nginx wrote to stderr, so a full pipe never blocks it.
  std::string drain() { return process_->stderr_tail(400); }
  bool running() { return !process_->wait_until(Clock::now()); }

 private:
  void write_config() const {
    const fs::path d = files().dir();
    const std::string location = std::string("    location / { return 200 \"") + kBody + "\"; }\n";
    std::ostringstream c;
    c << "daemon off;\n"
      << "master_process off;\n"
      << "worker_processes 1;\n"
      << "pid " << (d / "nginx.pid").string() << ";\n"
      << "error_log stderr error;\n"
      << "events { worker_connections 4096; }\n"
      << "http {\n"
      << "  access_log off;\n"
      << "  server_tokens off;\n"
      << "  default_type text/plain;\n"
      // mockd keeps a connection for any number of requests; nginx's default
      // would close it after 1000 and make the pooled client reconnect.
      << "  keepalive_requests 10000000;\n"
      << "  keepalive_timeout 60s;\n"
      << "  client_body_temp_path " << (d / "body").string() << ";\n"
      << "  proxy_temp_path " << (d / "proxy").string() << ";\n"
      << "  fastcgi_temp_path " << (d / "fastcgi").string() << ";\n"
      << "  uwsgi_temp_path " << (d / "uwsgi").string() << ";\n"
      << "  scgi_temp_path " << (d / "scgi").string() << ";\n"
      << "  server {\n"
      << "    listen 127.0.0.1:" << http_port_ << ";\n"
      << location << "  }\n"
      << "  server {\n"
      << "    listen 127.0.0.1:" << https_port_ << " ssl;\n"
      << "    ssl_certificate " << files().cert() << ";\n"
      << "    ssl_certificate_key " << files().key()
      << ";\n"
      // As mockd's --tls-version any: TLS 1.2 and newer, session resumption on.
      << "    ssl_protocols TLSv1.2 TLSv1.3;\n"
      << "    ssl_session_cache shared:calibration:1m;\n"
      << location << "  }\n"
      << "}\n";
    CalibrationFiles::write((d / "nginx.conf").string(), c.str(), 0644);
  }

  std::unique_ptr<harness::ChildProcess> process_;
  int http_port_ = 0, https_port_ = 0, pinned_cpu_ = -1;
};

// The one nginx of the run, started on first use; nullptr with the reason
// when nginx is missing or does not start (every nginx benchmark is then
// skipped with it). Checked before every repetition: an nginx that exited
// is not restarted, and fails the run (ServerSet::failures).
Nginx* nginx_or_skip(benchmark::State& state, ScenarioContext& context) {
  static std::unique_ptr<Nginx> instance;
  static std::string failure;
  if (instance && !instance->running()) {
    instance.reset();
    failure = "nginx exited during the run";
    context.servers().record_failure(failure);
  }
  if (!instance && failure.empty()) {
    const auto binary = find_tool("nginx");
    if (!binary) {
      failure = "nginx not installed (Debian package nginx-light; scripts/setup installs it)";
    } else {
      try {
        instance = std::make_unique<Nginx>(*binary);
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
  }
  if (!instance) {
    skip(state, failure);
    return nullptr;
  }
  return instance.get();
}

// ----------------------------------------------- mockd vs nginx (the server)

struct ServerConfig {
  std::string server;  // mockd | nginx
  bool keepalive = true;
  bool https = false;
};

std::string server_name(const ServerConfig& c) {
  return "calibration/server/" + c.server + "/" + (c.keepalive ? "keepalive" : "close") + "/" +
         (c.https ? "https" : "http") + "/c:" + std::to_string(kServerConcurrency);
}

// About 0.3 s of requests at the rates seen here (asio_coro at 32
// connections: ~30,000/s keep-alive, ~9,000/s closing over HTTP, ~800/s
// closing over HTTPS, where each request is a full handshake).
std::size_t server_requests(const ServerConfig& c, Mode mode) {
  std::size_t n = c.keepalive ? 10'000 : (c.https ? 160 : 2000);
  if (mode == Mode::quick) n /= 4;
  if (mode == Mode::reference) n *= 3;
  return n;
}

// mockd with the same certificate and key as nginx, on the CPU bench pins its
// servers to; a mockd of this scenario's own, never an external --server.
ServerEndpoint calibration_mockd(ScenarioContext& context, bool https) {
  std::vector<std::string> args = {"--engine", "asio", "--threads", "1"};
  if (!https) return context.servers().get_named("calibration_http", args);
  args.insert(args.end(), {"--tls", "--cert", files().cert(), "--key", files().key()});
  return context.servers().get_named("calibration_https", args);
}

void run_server_benchmark(benchmark::State& state, ScenarioContext& context, const ServerConfig& c,
                          const std::string& name, std::size_t requests) {
  ServerEndpoint server;
  Nginx* nginx = nullptr;
  try {
    if (c.server == "nginx") {
      nginx = nginx_or_skip(state, context);
      if (!nginx) return;
      server = {nginx->url(c.https), files().cert(), "nginx"};
    } else {
      if (!find_tool("nginx"))
        return skip(state,
                    "nothing to compare with: nginx not installed (Debian package "
                    "nginx-light; scripts/setup installs it)");
      server = calibration_mockd(context, c.https);
    }
  } catch (const std::exception& e) {
    return skip(state, "no server: " + std::string(e.what()));
  }
  clients::Plan plan;
  plan.urls = {server.url + "/"};
  plan.cacert = server.cacert;
  plan.requests = requests;
  plan.concurrency = kServerConcurrency;
  plan.pooling = c.keepalive;
  plan.timeout = std::chrono::seconds(10);
  plan.expected_bytes = kBodyBytes;
  if (!verify_once(state, name, "asio_coro", plan)) return;

  // nginx has no /stats: its server-side counters are not available, and
  // are left out rather than shown as 0.
  const std::vector<ServerEndpoint> counted =
      nginx ? std::vector<ServerEndpoint>{} : std::vector<ServerEndpoint>{server};
  MeasuredRun run;
  for (auto _ : state) {
    run = measure_run("asio_coro", plan, counted);
    state.SetIterationTime(run.summary.wall_s);
  }
  if (nginx) nginx->drain();
  context.spectra().add(name, run.latencies_us);
  ServerCounts counts;
  if (!nginx) counts.add(run.stats);
  set_standard_counters(state, run.summary, counts, plan);
  if (nginx)
    for (const char* key :
         {"conns_opened", "conns_peak", "tls_handshakes", "tls_resumed", "server_requests"})
      state.counters.erase(key);
  state.counters["server_cpu"] = nginx ? nginx->pinned_cpu() : server_cpu();
}

// ------------------------------------------------ client models vs wrk

struct ClientConfig {
  std::string model;  // a C++ client model, or "wrk"
  int concurrency = 1;
};

std::string client_name(const ClientConfig& c) {
  return "calibration/client/" + c.model + "/c:" + std::to_string(c.concurrency);
}

// About 0.3 s of keep-alive requests at the rates seen here.
std::size_t client_requests(const ClientConfig& c, Mode mode) {
  // ~5,000/s one at a time; ~12,000/s for 32 threads sharing the client's CPU.
  std::size_t n = c.concurrency == 1 ? 1500 : 10'000;
  if (c.model == "threads_curl") n = 4000;
  if (mode == Mode::quick) n /= 4;
  if (mode == Mode::reference) n *= 3;
  return n;
}

// wrk's shortest run: it takes whole seconds only.
int wrk_seconds(Mode mode) {
  return mode == Mode::reference ? 2 : 1;
}

void run_client_benchmark(benchmark::State& state, ScenarioContext& context, const ClientConfig& c,
                          const std::string& name, std::size_t requests) {
  if (!find_tool("wrk"))
    return skip(state,
                "nothing to compare with: wrk not installed (Debian package wrk; scripts/setup "
                "installs it)");
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  clients::Plan plan;
  plan.urls = {found->url + "/"};
  plan.requests = requests;
  plan.concurrency = static_cast<std::size_t>(c.concurrency);
  plan.timeout = std::chrono::seconds(10);
  plan.expected_bytes = kBodyBytes;
  if (!verify_once(state, name, c.model, plan)) return;
  MeasuredRun run;
  for (auto _ : state) {
    run = measure_run(c.model, plan, *found);
    state.SetIterationTime(run.summary.wall_s);
  }
  context.spectra().add(name, run.latencies_us);
  ServerCounts counts;
  counts.add(run.stats);
  set_standard_counters(state, run.summary, counts, plan);
}

// What wrk printed, as numbers (times in microseconds).
struct WrkFigures {
  double requests = NAN, seconds = NAN, req_per_s = NAN;
  double p50 = NAN, p75 = NAN, p90 = NAN, p99 = NAN, max = NAN;
  double socket_errors = 0, non_2xx = 0;
};

double to_us(double value, const std::string& unit) {
  if (unit == "us") return value;
  if (unit == "ms") return value * 1e3;
  if (unit == "s") return value * 1e6;
  if (unit == "m") return value * 60e6;
  return NAN;
}

// wrk -t1 -cC -dDs --latency:
//   "    Latency   236.33us   80.02us   2.80ms   90.51%"   (avg, stdev, max, +/-)
//   "     50%  223.00us"   ... "     99%  529.00us"
//   "  41711 requests in 1.00s, 5.33MB read"
//   "  Socket errors: connect 0, read 0, write 0, timeout 0"
//   "  Non-2xx or 3xx responses: 3"
//   "Requests/sec:  41690.80"
WrkFigures parse_wrk(const std::string& out) {
  WrkFigures f;
  std::smatch m;
  const std::string time = R"(([0-9.]+)(us|ms|s|m)\b)";
  if (std::regex_search(out, m,
                        std::regex(R"(Latency\s+)" + time + R"(\s+)" + time + R"(\s+)" + time)))
    f.max = to_us(std::stod(m[5]), m[6]);
  const std::pair<const char*, double*> percentiles[] = {
      {"50", &f.p50}, {"75", &f.p75}, {"90", &f.p90}, {"99", &f.p99}};
  for (const auto& [p, slot] : percentiles)
    if (std::regex_search(out, m, std::regex(std::string(R"(\n\s+)") + p + R"(%\s+)" + time)))
      *slot = to_us(std::stod(m[1]), m[2]);
  if (std::regex_search(out, m, std::regex(R"(([0-9]+) requests in ([0-9.]+)(us|ms|s|m))"))) {
    f.requests = std::stod(m[1]);
    f.seconds = to_us(std::stod(m[2]), m[3]) / 1e6;
  }
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))")))
    f.req_per_s = std::stod(m[1]);
  if (std::regex_search(out, m,
                        std::regex(R"(Socket errors: connect ([0-9]+), read ([0-9]+), write )"
                                   R"(([0-9]+), timeout ([0-9]+))")))
    f.socket_errors = std::stod(m[1]) + std::stod(m[2]) + std::stod(m[3]) + std::stod(m[4]);
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))")))
    f.non_2xx = std::stod(m[1]);
  return f;
}

double children_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One run of wrk as a child process (no shell; it inherits bench's CPU, as a
// client model runs on it). Returns its whole output; throws when it fails.
std::string run_wrk(const std::string& binary, const std::string& url, int connections,
                    int seconds) {
  harness::ChildProcess wrk({binary, "-t1", "-c" + std::to_string(connections),
                             "-d" + std::to_string(seconds) + "s", "--latency", url});
  wrk.close_stdin();
  std::string out;
  const auto deadline = Clock::now() + std::chrono::seconds(seconds + 20);
  while (auto line = wrk.read_line(deadline)) out += *line + "\n";
  if (!wrk.wait_until(deadline)) throw std::runtime_error("wrk did not finish in time");
  if (wrk.exit_status() != 0)
    throw std::runtime_error("wrk exited with status " + std::to_string(*wrk.exit_status()) + ": " +
                             wrk.stderr_tail(300));
  return out;
}

void run_wrk_benchmark(benchmark::State& state, ScenarioContext& context, int connections,
                       const std::string& name, Mode mode) {
  const auto binary = find_tool("wrk");
  if (!binary)
    return skip(state, "wrk not installed (Debian package wrk; scripts/setup installs it)");
  const auto found = server_or_skip(state, context, false);
  if (!found) return;
  const std::string url = found->url + "/";
  // Verify before measuring, as every model does: the URL answers 200 with
  // the 16-byte body, and a one-second wrk run has no errors.
  static std::set<std::string> verified;
  if (!verified.contains(name)) {
    const harness::HttpReply reply = harness::http_request(url);
    if (reply.status != 200 || reply.body.size() != kBodyBytes)
      return skip(state, "verification failed, not timed: status " + std::to_string(reply.status) +
                             ", " + std::to_string(reply.body.size()) + " bytes " + reply.error);
    try {
      const WrkFigures primer = parse_wrk(run_wrk(*binary, url, connections, 1));
      if (!(primer.requests > 0) || primer.socket_errors > 0 || primer.non_2xx > 0)
        return skip(state,
                    "verification failed, not timed: wrk's output not understood or "
                    "with errors");
    } catch (const std::exception& e) {
      return skip(state, std::string("verification failed, not timed: ") + e.what());
    }
    verified.insert(name);
  }

  WrkFigures f;
  nlohmann::json stats;
  double cpu_s = 0;
  for (auto _ : state) {
    harness::reset_stats(found->url, found->cacert);
    const double cpu_before = children_cpu_s();
    std::string out;
    try {
      out = run_wrk(*binary, url, connections, wrk_seconds(mode));
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    cpu_s = children_cpu_s() - cpu_before;
    f = parse_wrk(out);
    stats = harness::fetch_stats(found->url, found->cacert);
    if (!(f.requests > 0) || !(f.seconds > 0) || !std::isfinite(f.req_per_s) ||
        !std::isfinite(f.p50)) {
      state.SkipWithError(("wrk's output not understood: " + out.substr(0, 300)).c_str());
      break;
    }
    state.SetIterationTime(f.seconds);
  }
  if (state.error_occurred()) return;
  auto& c = state.counters;
  const double errors = f.socket_errors + f.non_2xx;
  c["req_per_s"] = f.req_per_s;
  c["errors_per_s"] = errors / f.seconds;
  c["p50_us"] = f.p50;
  c["p90_us"] = f.p90;
  c["p99_us"] = f.p99;
  c["max_us"] = f.max;
  c["errors"] = errors;
  if (f.socket_errors > 0) c["errors_other"] = f.socket_errors;
  if (f.non_2xx > 0) c["errors_status"] = f.non_2xx;
  ServerCounts server;
  server.add(stats);
  c["conns_opened"] = server.conns_opened;
  c["conns_peak"] = server.conns_peak;
  c["server_requests"] = server.requests;
  c["cpu_s"] = cpu_s;
  c["threads_created"] = 1;
  c["requests"] = f.requests;
  c["concurrency"] = connections;
  if (errors > 0) state.SetLabel("errors: " + std::to_string(static_cast<long>(errors)));
}

// ------------------------------------------------------------ the null model

// The client's own bookkeeping with no I/O: per request, what every model
// does around its exchange (a due time, an end time, a sample with status and
// size), and none of the exchange. Its rate is the most any model could
// reach on this machine through the same run_model and summary path; a
// model's time per request minus the null model's is what its I/O costs.
void null_model(const clients::Plan& plan, clients::RunResult& result) {
  result.samples.resize(plan.requests);
  for (std::size_t i = 0; i < plan.requests; ++i) {
    clients::Sample& s = result.samples[i];
    s.start = clients::Clock::now();
    s.status = 200;
    s.body_bytes = plan.expected_bytes.value_or(kBodyBytes);
    s.target = static_cast<std::uint32_t>(i % plan.urls.size());
    s.end = clients::Clock::now();
    s.latency = s.end - s.start;
    if (plan.completed) plan.completed->fetch_add(1, std::memory_order_relaxed);
  }
  result.threads = 1;
}

// Registered only in bench (this file is not part of fetch or the tests'
// client library), so no other tool offers a model that measures nothing.
const clients::ModelRegistrar null_registrar("null", null_model);

void run_null_benchmark(benchmark::State& state, ScenarioContext& context, const std::string& name,
                        std::size_t requests) {
  clients::Plan plan;
  // Never contacted: the null model does no I/O.
  plan.urls = {"http://127.0.0.1:9/"};
  plan.requests = requests;
  plan.expected_bytes = kBodyBytes;
  if (!verify_once(state, name, "null", plan)) return;
  MeasuredRun run;
  for (auto _ : state) {
    run = measure_run("null", plan, std::vector<ServerEndpoint>{});
    state.SetIterationTime(run.summary.wall_s);
  }
  context.spectra().add(name, run.latencies_us);
  set_standard_counters(state, run.summary, ServerCounts{}, plan);
  for (const char* key :
       {"conns_opened", "conns_peak", "tls_handshakes", "tls_resumed", "server_requests"})
    state.counters.erase(key);
}

// ---------------------------------------------------------------- grid

void register_calibration(ScenarioContext& context) {
  const Mode mode = context.options().mode;

  for (bool https : {false, true})
    for (bool keepalive : {true, false}) {
      const ServerConfig mockd{"mockd", keepalive, https}, nginx{"nginx", keepalive, https};
      for (const ServerConfig& c : {mockd, nginx}) {
        const std::string name = server_name(c);
        const std::size_t requests = server_requests(c, mode);
        context.add(
            name,
            [&context, c, name, requests](benchmark::State& state) {
              run_server_benchmark(state, context, c, name, requests);
            },
            static_cast<double>(requests));
      }
      context.compare({std::string("mockd ÷ nginx, ") + (https ? "HTTPS" : "HTTP") + " " +
                           (keepalive ? "keep-alive" : "close"),
                       server_name(mockd), server_name(nginx)});
    }

  const std::vector<ClientConfig> models = {
      {"blocking_curl", 1}, {"blocking_httplib", 1}, {"threads_curl", 32},
      {"curl_multi", 32},   {"asio_coro", 32},
  };
  for (int connections : {1, 32}) {
    const std::string wrk = client_name({"wrk", connections});
    context.add(
        wrk,
        [&context, connections, wrk, mode](benchmark::State& state) {
          run_wrk_benchmark(state, context, connections, wrk, mode);
        },
        0);
  }
  for (const ClientConfig& c : models) {
    const std::string name = client_name(c);
    const std::size_t requests = client_requests(c, mode);
    context.add(
        name,
        [&context, c, name, requests](benchmark::State& state) {
          run_client_benchmark(state, context, c, name, requests);
        },
        static_cast<double>(requests));
    context.compare({c.model + " ÷ wrk, c:" + std::to_string(c.concurrency), name,
                     client_name({"wrk", c.concurrency})});
  }

  const std::string null_name = "calibration/null/c:1";
  const std::size_t null_requests = mode == Mode::quick ? 125'000 : 500'000;
  context.add(
      null_name,
      [&context, null_name, null_requests](benchmark::State& state) {
        run_null_benchmark(state, context, null_name, null_requests);
      },
      static_cast<double>(null_requests));
}

const ScenarioRegistrar registrar({"calibration", register_calibration});

}  // namespace
}  // namespace bench::calibration_scenario
