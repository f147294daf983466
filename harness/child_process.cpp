#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

namespace harness {
namespace {

constexpr std::size_t kStderrKeep = 64 * 1024;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// The caller's environment with `extra` ("NAME=value") added, an entry of
// the same name replaced.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const auto& x : extra) replaced = replaced || name_of(x) == name_of(entry);
    if (!replaced) out.push_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> args, ChildOptions options) {
  if (args.empty()) throw std::runtime_error("ChildProcess: empty argv");
  // Everything the child needs is prepared before fork: between fork and exec
  // a multithreaded parent's child may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_entries = merged_environment(options.env);
  std::vector<char*> envp;
  for (auto& e : env_entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  own_group_ = options.own_process_group;

  // stdin is a socket so a write to a child that has gone cannot raise SIGPIPE.
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (options.pipes) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
      throw std::runtime_error("ChildProcess: socketpair failed");
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      for (int fd : {in[0], in[1], out[0], out[1]})
        if (fd >= 0) ::close(fd);
      throw std::runtime_error("ChildProcess: pipe failed");
    }
  }
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the parent (strictly: with the thread that forked it). If the
    // parent died before prctl took effect, nobody would send the signal.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // Set here and in the parent: whichever runs first, the group exists
    // before the parent may signal it or the child exec.
    if (options.own_process_group) setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // blocked signals are inherited
    signal(SIGPIPE, SIG_DFL);                  // as is an ignored SIGPIPE
    if (options.pipes) {
      dup2(in[1], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
    } else {
      if (options.null_stdin) {
        const int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
      }
      if (options.stdout_to_stderr) dup2(STDERR_FILENO, STDOUT_FILENO);
    }
    close_range(3, ~0U, 0);  // nothing else of the parent's leaks into the child
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  if (pid_ > 0 && options.own_process_group) setpgid(pid_, pid_);
  if (options.pipes) {
    ::close(in[1]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_fd_ = in[0];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
  } else {
    stdout_eof_ = true;
  }
  if (pid_ < 0) {
    close_fd(stdin_fd_);
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
    throw std::runtime_error("ChildProcess: fork failed");
  }
  if (stderr_fd_ >= 0) fcntl(stderr_fd_, F_SETFL, O_NONBLOCK);
}

ChildProcess::~ChildProcess() {
  kill();
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
}

bool ChildProcess::write_stdin(std::string_view data) {
  while (!data.empty()) {
    if (stdin_fd_ < 0) return false;
    const ssize_t n = send(stdin_fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void ChildProcess::close_stdin() {
  close_fd(stdin_fd_);
}

void ChildProcess::drain_stderr() {
  char buf[4096];
  while (stderr_fd_ >= 0) {
    const ssize_t n = ::read(stderr_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) close_fd(stderr_fd_);
    if (n <= 0) break;
    err_buf_.append(buf, static_cast<std::size_t>(n));
    if (err_buf_.size() > 2 * kStderrKeep) err_buf_.erase(0, err_buf_.size() - kStderrKeep);
  }
}

std::optional<std::string> ChildProcess::read_line(Clock::time_point deadline) {
  for (;;) {
    if (const auto nl = out_buf_.find('\n'); nl != std::string::npos) {
      std::string line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      return line;
    }
    if (stdout_eof_) return std::nullopt;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    // stderr is read alongside: a child blocked on a full stderr pipe would
    // otherwise never finish its stdout.
    pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
    const int n = poll(fds, stderr_fd_ >= 0 ? 2 : 1, static_cast<int>(std::min(left, 1000L)));
    if (n < 0 && errno != EINTR) return std::nullopt;
    if (n <= 0) continue;
    if (stderr_fd_ >= 0 && fds[1].revents) drain_stderr();
    if (fds[0].revents) {
      char buf[65536];
      const ssize_t got = ::read(stdout_fd_, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        stdout_eof_ = true;
      else
        out_buf_.append(buf, static_cast<std::size_t>(got));
    }
  }
}

std::string ChildProcess::stderr_tail(std::size_t max) {
  drain_stderr();
  return err_buf_.size() > max ? err_buf_.substr(err_buf_.size() - max) : err_buf_;
}

bool ChildProcess::reap(bool block) {
  if (reaped_ || pid_ <= 0) return true;
  for (;;) {
    const pid_t r = waitpid(pid_, &status_, block ? 0 : WNOHANG);
    if (r < 0 && errno == EINTR) continue;
    if (r == pid_ || r < 0) reaped_ = true;
    return reaped_;
  }
}

bool ChildProcess::wait_until(Clock::time_point deadline) {
  while (!reap(false)) {
    if (Clock::now() >= deadline) return false;
    drain_stderr();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void ChildProcess::kill() {
  if (pid_ <= 0) return;
  // The group may outlive its leader: what the child started is killed even
  // when the child itself has exited.
  if (own_group_) ::kill(-pid_, SIGKILL);
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

bool ChildProcess::signal_group(int signal) {
  if (pid_ <= 0) return false;
  if (own_group_) return ::kill(-pid_, signal) == 0;
  return !reaped_ && ::kill(pid_, signal) == 0;
}

std::optional<int> ChildProcess::exit_status() const {
  if (!reaped_) return std::nullopt;
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
}

}  // namespace harness
