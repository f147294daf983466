// Starts a real mockd process for tests and the bench driver: port 0, reads
// the listening line to learn the URL, and always stops it (SIGTERM, then
// SIGKILL if it does not exit in time). Talks to it only over HTTP.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace harness {

// build/mockd, next to the binaries that use this (set by CMake), or $MOCKD.
std::string default_mockd_path();

class MockdProcess {
 public:
  // `args` are mockd's options (without --port; port 0 is added). Throws
  // std::runtime_error if it does not print its listening line in time.
  // `launcher`, if given, runs mockd under another program (e.g. valgrind).
  // `stderr_file`, if given, receives mockd's stderr (created or truncated),
  // so a caller can quote why mockd refused its options; else mockd shares
  // the caller's stderr.
  explicit MockdProcess(std::vector<std::string> args = {},
                        std::chrono::milliseconds start_timeout = std::chrono::seconds(10),
                        std::string mockd_path = default_mockd_path(),
                        std::vector<std::string> launcher = {}, std::string stderr_file = {});
  ~MockdProcess();
  MockdProcess(const MockdProcess&) = delete;
  MockdProcess& operator=(const MockdProcess&) = delete;

  // "http://127.0.0.1:PORT" or "https://...".
  const std::string& url() const { return url_; }
  const std::string& host() const { return host_; }
  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Sends SIGTERM and waits (up to `timeout`, then SIGKILL). Returns the exit
  // status as from waitpid's WEXITSTATUS, or -signal if it was killed.
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends `signal` without waiting.
  void signal(int signal);
  // True while the process has not exited.
  bool running();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::string url_;
  std::string host_;
  unsigned short port_ = 0;
};

}  // namespace harness
