// A child process run without a shell: argv in, stdin/stdout/stderr connected
// to the caller, and it dies with its parent (PR_SET_PDEATHSIG). The caller
// reads stdout line by line with a deadline; stderr is drained alongside, and
// its tail kept for error messages. The destructor always kills and reaps it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts argv[0] (a path, not searched on PATH) with argv. Throws
  // std::runtime_error if it cannot be started (fork or exec failing is
  // reported through the exit status 127, like a shell).
  explicit ChildProcess(std::vector<std::string> argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Writes all of `data` to the child's stdin. False if the child has closed
  // it (never SIGPIPE: stdin is a socket written with MSG_NOSIGNAL).
  bool write_stdin(std::string_view data);
  void close_stdin();

  // The next line of stdout (without the newline) if one arrives before
  // `deadline`; nullopt on end of file or at the deadline.
  std::optional<std::string> read_line(Clock::time_point deadline);
  // What the child has written to stderr so far (the last `max` bytes), after
  // draining what is pending.
  std::string stderr_tail(std::size_t max = 2000);

  // Waits until `deadline` for the child to exit; true if it has.
  bool wait_until(Clock::time_point deadline);
  // SIGKILL and reap (no-op if already reaped).
  void kill();
  // The exit status as WEXITSTATUS, or -signal; nullopt while running.
  std::optional<int> exit_status() const;

 private:
  void drain_stderr();
  bool reap(bool block);

  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1, stderr_fd_ = -1;
  std::string out_buf_, err_buf_;
  bool reaped_ = false, stdout_eof_ = false;
  int status_ = 0;
};

}  // namespace harness
