#include "servers.hpp"

#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <stdexcept>

namespace bench {
namespace {

// PIDs of started children, readable from a signal handler.
std::array<std::atomic<pid_t>, 16> g_children{};

void remember_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void forget_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    slot.compare_exchange_strong(expected, 0);
  }
}

extern "C" void on_signal(int sig) {
  for (auto& slot : g_children)
    if (const pid_t pid = slot.load(); pid > 0) kill(pid, SIGTERM);
  constexpr char msg[] = "\nbench: interrupted; stopped the servers it started\n";
  [[maybe_unused]] auto n = write(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(128 + sig);
}

bool is_https(const std::string& url) {
  return url.rfind("https://", 0) == 0;
}

}  // namespace

void stop_children_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

ServerSet::ServerSet(std::vector<std::string> external, std::string cacert, int server_cpu)
    : external_cacert_(std::move(cacert)), server_cpu_(server_cpu) {
  for (auto& url : external) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (url.rfind("http://", 0) != 0 && !is_https(url))
      throw std::invalid_argument("--server: not an http:// or https:// URL: " + url);
    auto& slot = is_https(url) ? https_ : http_;
    if (slot) throw std::invalid_argument("--server: give at most one http and one https server");
    slot = ServerEndpoint{url, is_https(url) ? external_cacert_ : "", "external server " + url};
  }
}

ServerSet::~ServerSet() {
  for (auto& p : started_) {
    forget_child(p->pid());
    p->stop();
  }
  started_.clear();
  if (!temp_dir_.empty()) std::filesystem::remove_all(temp_dir_);
}

const ServerEndpoint& ServerSet::get(bool https) {
  auto& slot = https ? https_ : http_;
  if (slot) return *slot;
  // The server gets one thread: the client is what is measured, and on two
  // cores a second server thread would take the client's core.
  std::vector<std::string> args = {"--engine", "asio", "--threads", "1"};
  std::string cacert;
  if (https) {
    cacert = (temp_dir() / "mockd-cert.pem").string();
    args.insert(args.end(), {"--tls", "--cert-out", cacert});
  }
  slot = start(args, cacert);
  return *slot;
}

const ServerEndpoint& ServerSet::get_named(const std::string& key,
                                           const std::vector<std::string>& args) {
  if (auto it = named_.find(key); it != named_.end()) return it->second;
  std::vector<std::string> full = args;
  std::string cacert;
  if (std::find(args.begin(), args.end(), "--tls") != args.end()) {
    cacert = (temp_dir() / ("mockd-" + key + "-cert.pem")).string();
    full.insert(full.end(), {"--cert-out", cacert});
  }
  return named_.emplace(key, start(full, cacert)).first->second;
}

std::filesystem::path ServerSet::temp_dir() {
  if (temp_dir_.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot make a temporary directory");
    temp_dir_ = tmpl;
  }
  return temp_dir_;
}

ServerEndpoint ServerSet::start(std::vector<std::string> args, const std::string& cacert) {
  std::vector<std::string> launcher;
  if (server_cpu_ >= 0) launcher = {"taskset", "-c", std::to_string(server_cpu_)};
  auto process = std::make_unique<harness::MockdProcess>(args, std::chrono::seconds(10),
                                                         harness::default_mockd_path(), launcher);
  remember_child(process->pid());
  if (on_start) on_start(process->port());
  std::string description = "mockd";
  for (const auto& a : args)
    if (a.find('/') == std::string::npos) description += " " + a;
  if (server_cpu_ >= 0) description += ", pinned to CPU " + std::to_string(server_cpu_);
  ServerEndpoint endpoint{process->url(), cacert, description + " (started by bench)"};
  started_.push_back(std::move(process));
  return endpoint;
}

}  // namespace bench
