#include "program_run.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace probe {
namespace {

// The signal probe received last (0: none). A handler may only store it.
volatile std::sig_atomic_t g_received = 0;

void on_signal(int sig) {
  g_received = sig;
}

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[std::size(kForwarded)];

Resolved check_file(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return {{}, "program not found: " + path, 127};
  if (S_ISDIR(st.st_mode)) return {{}, path + ": is a directory", 126};
  if (access(path.c_str(), X_OK) != 0) return {{}, path + ": permission denied", 126};
  return {path, {}, 0};
}

}  // namespace

Resolved resolve_program(const std::string& name) {
  if (name.empty()) return {{}, "program not found: ''", 127};
  if (name.find('/') != std::string::npos) return check_file(name);
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  Resolved denied;
  for (std::size_t start = 0;;) {
    const auto colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? colon : colon - start);
    if (dir.empty()) dir.assign(1, '.');  // an empty PATH entry is the current directory
    Resolved r = check_file(dir + "/" + name);
    if (r.status == 0) return r;
    if (r.status == 126 && denied.error.empty()) denied = r;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  // As a shell: a file found but not executable is reported over "not found".
  if (!denied.error.empty()) return denied;
  return {{}, "program not found: " + name + " (not on PATH)", 127};
}

ProgramRun::ProgramRun(std::vector<std::string> argv, std::vector<std::string> env,
                       bool stdout_to_stderr)
    : child_(std::move(argv),
             harness::ChildOptions{
                 .pipes = false,
                 .stdout_to_stderr = stdout_to_stderr,
                 // Its own process group may not read the terminal (SIGTTIN would
                 // stop it until the time limit), so a terminal stdin is replaced.
                 .null_stdin = isatty(STDIN_FILENO) != 0,
                 .own_process_group = true,
                 .env = std::move(env),
             }),
      started_(std::chrono::steady_clock::now()) {
  // The program is not in the terminal's foreground group, so Ctrl-C reaches
  // only probe: probe passes it on.
  g_received = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (std::size_t i = 0; i < std::size(kForwarded); ++i)
    sigaction(kForwarded[i], &sa, &g_previous[i]);
}

ProgramRun::~ProgramRun() {
  for (std::size_t i = 0; i < std::size(kForwarded); ++i)
    sigaction(kForwarded[i], &g_previous[i], nullptr);
}

Outcome ProgramRun::wait(std::chrono::duration<double> limit, std::chrono::milliseconds interval,
                         const std::function<void()>& tick) {
  using Clock = std::chrono::steady_clock;
  Outcome out;
  const auto deadline = started_ + std::chrono::duration_cast<Clock::duration>(limit);
  Clock::time_point kill_at = Clock::time_point::max();
  for (;;) {
    const auto next = std::min({Clock::now() + interval, deadline, kill_at});
    if (child_.wait_until(next)) break;
    if (const int sig = g_received; sig != 0 && out.forwarded_signal == 0) {
      out.forwarded_signal = sig;
      child_.signal_group(sig);
      kill_at = Clock::now() + std::chrono::seconds(2);
    }
    if (Clock::now() >= kill_at) {
      child_.kill();
      break;
    }
    if (Clock::now() >= deadline) {
      child_.kill();
      out.how = Outcome::How::time_limit;
      out.code = SIGKILL;
      out.wall_s = std::chrono::duration<double>(Clock::now() - started_).count();
      return out;
    }
    tick();
  }
  out.wall_s = std::chrono::duration<double>(Clock::now() - started_).count();
  const int status = child_.exit_status().value_or(0);
  out.how = status < 0 ? Outcome::How::signalled : Outcome::How::exited;
  out.code = status < 0 ? -status : status;
  // Whatever it started and left behind would go on talking to mockd.
  out.left_processes = child_.signal_group(0);
  child_.kill();
  return out;
}

}  // namespace probe
