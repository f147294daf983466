#include "servers.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "model_support.hpp"

namespace bench {
namespace {

// PIDs of started children (servers, the report script), readable from any thread.
std::array<std::atomic<pid_t>, 16> g_children{};

// The signal that interrupted the run (0: none), set by the handler.
std::atomic<int> g_interrupted{0};
// Children being started and not yet tracked: the cleanup waits for them.
std::atomic<int> g_spawning{0};
// The handler's end of the pipe to the thread that cleans up.
int g_signal_pipe = -1;

// Temporary directories and files to remove when the run is interrupted;
// the lock is held while one is made and registered, and while the clean-up
// removes them, so nothing is made after the clean-up ran.
std::mutex g_temp_dirs_mutex;
std::vector<std::filesystem::path> g_temp_dirs;

constexpr const char* kTempPrefix = "bench-";
constexpr const char* kLockName = ".bench.lock";

// The run is being stopped: the cleaning thread ends the process soon.
// Called by a thread that would otherwise make something the clean-up might
// miss; never with g_temp_dirs_mutex held.
[[noreturn]] void wait_for_the_end() {
  for (;;) pause();
}

void remove_temp_dirs() {
  std::lock_guard lock(g_temp_dirs_mutex);
  for (const auto& dir : g_temp_dirs) {
    std::error_code ignored;
    // A mockd still writing its certificate may add a file while the tree is
    // removed; a second pass takes it.
    if (std::filesystem::remove_all(dir, ignored) == static_cast<std::uintmax_t>(-1))
      std::filesystem::remove_all(dir, ignored);
  }
  g_temp_dirs.clear();
}

// Whether `pid` (a child of ours) has exited, without reaping it: the thread
// that started it reaps it. ECHILD: already reaped.
bool exited(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return true;
  return info.si_pid == pid;
}

// Runs in an ordinary thread (not in the signal handler), so it may allocate
// and remove files: stops every child, waits up to 2 s for them (then
// SIGKILL), removes the temporary directories and exits 128 + signal.
[[noreturn]] void clean_up_and_exit(int sig) {
  // A child being started now is tracked in a moment; after this no other
  // starts (begin_spawn sees the interrupt).
  for (int i = 0; i < 2000 && g_spawning.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<pid_t> tracked;  // negative: a process group
  for (auto& slot : g_children)
    if (const pid_t pid = slot.load(); pid != 0) tracked.push_back(pid);
  for (const pid_t pid : tracked) kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (const pid_t pid : tracked) {
    const pid_t leader = pid < 0 ? -pid : pid;
    while (!exited(leader) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // A group's other members (a shell's subshell) go too, even if the
    // leader went first.
    if (!exited(leader) || pid < 0) kill(pid, SIGKILL);
  }
  remove_temp_dirs();
  constexpr char msg[] = "\nbench: interrupted; stopped the processes it started\n";
  [[maybe_unused]] auto n = write(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(128 + sig);
}

extern "C" void on_signal(int sig) {
  int expected = 0;
  if (!g_interrupted.compare_exchange_strong(expected, sig)) return;  // already stopping
  const char byte = static_cast<char>(sig);
  [[maybe_unused]] auto n = write(g_signal_pipe, &byte, 1);
}

// The run is ending normally (main returned, exit() called) while an
// interrupt is being handled: let the cleaning thread set the exit status.
void wait_for_interrupt_cleanup() {
  if (g_interrupted.load() != 0)
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

// Directories bench-XXXXXX left by a bench that died without cleaning up
// (SIGKILL): each live bench holds an flock on the lock file in its
// directory, which the kernel releases when the process dies however it
// dies. A directory whose lock can be taken has no owner and is removed; one
// without a lock file (being created, or not ours) is left alone.
void remove_orphaned_temp_dirs(const std::filesystem::path& parent) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kTempPrefix, 0) != 0 || !entry.is_directory(ec)) continue;
    const int fd = open((entry.path() / kLockName).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) std::filesystem::remove_all(entry.path(), ec);
    close(fd);
  }
}

bool is_https(const std::string& url) {
  return url.rfind("https://", 0) == 0;
}

// Whether the server at `url` (scheme://host[:port][/...]) accepts a TCP
// connection within 2 s: an external server that died refuses at once. The
// URL is read by the client models' parser (libcurl's URL API), so bench and
// the models agree on its host and port.
bool accepts_connections(const std::string& url) {
  clients::Plan plan;
  plan.urls = {url};
  clients::Target target;
  try {
    target = clients::parse_targets(plan).front();
  } catch (const std::invalid_argument&) {
    return false;
  }
  const std::string host = target.host, port = std::to_string(target.port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return false;
  bool ok = false;
  for (addrinfo* a = found; a && !ok; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int error = 0;
      socklen_t len = sizeof error;
      ok = poll(&p, 1, 2000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
           error == 0;
    }
    close(fd);
  }
  freeaddrinfo(found);
  return ok;
}

}  // namespace

void track_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void untrack_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    slot.compare_exchange_strong(expected, 0);
  }
}

bool begin_spawn() {
  g_spawning.fetch_add(1);
  if (g_interrupted.load() == 0) return true;
  g_spawning.fetch_sub(1);
  return false;
}

void end_spawn(pid_t pid) {
  if (pid != 0) track_child(pid);
  g_spawning.fetch_sub(1);
}

bool interrupted() {
  return g_interrupted.load() != 0;
}

void stop_children_on_signals() {
  static std::once_flag once;
  std::call_once(once, [] {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("cannot make a pipe for signals");
    g_signal_pipe = fds[1];
    std::thread([read_end = fds[0]] {
      char sig = 0;
      while (read(read_end, &sig, 1) != 1) {
      }
      clean_up_and_exit(static_cast<unsigned char>(sig));
    }).detach();
    std::atexit(wait_for_interrupt_cleanup);
  });
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::filesystem::path make_temp_dir(std::string pattern) {
  {
    std::lock_guard lock(g_temp_dirs_mutex);
    if (g_interrupted.load() == 0) {
      if (!mkdtemp(pattern.data()))
        throw std::runtime_error("cannot make a temporary directory " + pattern + ": " +
                                 std::strerror(errno));
      g_temp_dirs.emplace_back(pattern);
      return pattern;
    }
  }
  wait_for_the_end();
}

void make_dirs_removed_on_interrupt(const std::filesystem::path& dir,
                                    const std::filesystem::path& owned) {
  {
    std::lock_guard lock(g_temp_dirs_mutex);
    if (g_interrupted.load() == 0) {
      if (std::find(g_temp_dirs.begin(), g_temp_dirs.end(), owned) == g_temp_dirs.end())
        g_temp_dirs.push_back(owned);
      std::filesystem::create_directories(dir);
      return;
    }
  }
  wait_for_the_end();
}

int create_temp_file(const std::filesystem::path& path) {
  {
    std::lock_guard lock(g_temp_dirs_mutex);
    if (g_interrupted.load() == 0) {
      const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0) g_temp_dirs.push_back(path);
      return fd;
    }
  }
  wait_for_the_end();
}

void forget_temp_path(const std::filesystem::path& path) {
  std::lock_guard lock(g_temp_dirs_mutex);
  std::erase(g_temp_dirs, path);
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
    untrack_child(p->pid());
    p->stop();
  }
  started_.clear();
  if (!temp_dir_.empty()) {
    std::filesystem::remove_all(temp_dir_);
    forget_temp_path(temp_dir_);
  }
  if (temp_lock_fd_ >= 0) close(temp_lock_fd_);
}

const ServerEndpoint& ServerSet::get(bool https) {
  auto& slot = https ? https_ : http_;
  if (slot) {
    check_alive(*slot);
    return *slot;
  }
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
  if (auto it = named_.find(key); it != named_.end()) {
    check_alive(it->second);
    return it->second;
  }
  std::vector<std::string> full = args;
  std::string cacert;
  if (std::find(args.begin(), args.end(), "--tls") != args.end()) {
    cacert = (temp_dir() / ("mockd-" + key + "-cert.pem")).string();
    full.insert(full.end(), {"--cert-out", cacert});
  }
  return named_.emplace(key, start(full, cacert)).first->second;
}

void ServerSet::record_failure(const std::string& why) {
  if (std::find(failures_.begin(), failures_.end(), why) == failures_.end())
    failures_.push_back(why);
}

void ServerSet::check_alive(const ServerEndpoint& endpoint) {
  std::string why;
  if (endpoint.pid == 0) {
    if (!accepts_connections(endpoint.url)) why = endpoint.description + " refuses connections";
  } else {
    const auto it = std::find_if(started_.begin(), started_.end(),
                                 [&](const auto& p) { return p->pid() == endpoint.pid; });
    if (it != started_.end() && !(*it)->running()) {
      // Reaped: its pid may be reused, and the interrupt must not stop that.
      untrack_child(endpoint.pid);
      why = endpoint.description + " exited during the run";
    }
  }
  if (why.empty()) return;
  record_failure(why);
  throw std::runtime_error(why);
}

std::filesystem::path ServerSet::temp_dir() {
  if (temp_dir_.empty()) {
    const auto parent = std::filesystem::temp_directory_path();
    remove_orphaned_temp_dirs(parent);
    temp_dir_ = make_temp_dir((parent / (std::string(kTempPrefix) + "XXXXXX")).string());
    // Held until this process ends: see remove_orphaned_temp_dirs.
    // Locked under another name, then renamed: another bench never sees the
    // lock file unlocked.
    const auto staged = temp_dir_ / (std::string(kLockName) + ".new");
    temp_lock_fd_ = open(staged.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (temp_lock_fd_ < 0 || flock(temp_lock_fd_, LOCK_EX) != 0 ||
        std::rename(staged.c_str(), (temp_dir_ / kLockName).c_str()) != 0)
      throw std::runtime_error("cannot lock the temporary directory " + temp_dir_.string());
  }
  return temp_dir_;
}

ServerEndpoint ServerSet::start(std::vector<std::string> args, const std::string& cacert) {
  std::vector<std::string> launcher;
  if (server_cpu_ >= 0) launcher = {"taskset", "-c", std::to_string(server_cpu_)};
  auto process = std::make_unique<harness::MockdProcess>(args, std::chrono::seconds(10),
                                                         harness::default_mockd_path(), launcher);
  track_child(process->pid());
  if (on_start) on_start(process->port());
  std::string description = "mockd";
  for (const auto& a : args)
    if (a.find('/') == std::string::npos) description += " " + a;
  if (server_cpu_ >= 0) description += ", pinned to CPU " + std::to_string(server_cpu_);
  ServerEndpoint endpoint{process->url(), cacert, description + " (started by bench)",
                          process->pid()};
  started_.push_back(std::move(process));
  return endpoint;
}

}  // namespace bench
