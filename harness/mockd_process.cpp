#include "mockd_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "source_tree.hpp"

namespace harness {
namespace {

constexpr std::string_view kPrefix = "mockd listening on ";

// Reads one line from `fd` within `timeout`; empty if none arrived.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char c;
    const ssize_t n = read(fd, &c, 1);
    if (n <= 0) return {};
    if (c == '\n') return line;
    line += c;
  }
}

}  // namespace

std::string default_mockd_path() {
  return suite::mockd_path().string();
}

MockdProcess::MockdProcess(std::vector<std::string> args, std::chrono::milliseconds start_timeout,
                           std::string mockd_path, std::vector<std::string> launcher,
                           std::string stderr_file) {
  args.insert(args.begin(), {mockd_path, "--port", "0"});
  args.insert(args.begin(), launcher.begin(), launcher.end());
  const std::string program = args.front();
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int err_fd = -1;
  if (!stderr_file.empty()) {
    err_fd = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err_fd < 0) throw std::runtime_error("cannot write " + stderr_file);
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    if (err_fd >= 0) close(err_fd);
    throw std::runtime_error("pipe failed");
  }
  // fork + exec rather than posix_spawn: only a forked child can ask to be
  // signalled when its parent dies, so a killed bench or test leaves no mockd.
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // SIGTERM: mockd shuts down as on Ctrl-C. If the parent died before
    // prctl took effect, nobody would send it, hence the check.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    sigset_t none;  // a child that inherited blocked signals would ignore SIGTERM
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(pipe_fds[1], STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    execvp(program.c_str(), argv.data());  // PATH lookup for a launcher (taskset, valgrind)
    _exit(127);
  }
  close(pipe_fds[1]);
  if (err_fd >= 0) close(err_fd);
  stdout_fd_ = pipe_fds[0];
  if (pid_ < 0) {
    close(stdout_fd_);
    throw std::runtime_error("cannot start " + program);
  }

  const std::string line = read_line(stdout_fd_, start_timeout);
  if (line.rfind(kPrefix, 0) != 0) {
    stop(std::chrono::seconds(2));
    throw std::runtime_error("mockd did not print its listening line (got '" + line + "')");
  }
  url_ = line.substr(kPrefix.size());
  const auto scheme_end = url_.find("://") + 3;
  const auto colon = url_.rfind(':');
  host_ = url_.substr(scheme_end, colon - scheme_end);
  if (!host_.empty() && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
  port_ = static_cast<unsigned short>(std::stoi(url_.substr(colon + 1)));
}

MockdProcess::~MockdProcess() {
  stop();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

void MockdProcess::signal(int sig) {
  if (pid_ > 0 && !reaped_) kill(pid_, sig);
}

bool MockdProcess::running() {
  if (pid_ <= 0 || reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

int MockdProcess::stop(std::chrono::milliseconds timeout) {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      reaped_ = true;
    }
  }
  if (pid_ <= 0) return -1;
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
}

}  // namespace harness
