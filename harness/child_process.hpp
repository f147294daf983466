// A child process run without a shell: argv in, stdin/stdout/stderr connected
// to the caller, and it dies with its parent (PR_SET_PDEATHSIG). The caller
// reads stdout line by line with a deadline; stderr is drained alongside, and
// its tail kept for error messages. The destructor always kills and reaps it.
// ChildOptions runs it instead on the caller's own stdio, in a process group
// of its own and with extra environment variables (build/probe runs a user's
// program that way).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

struct ChildOptions {
  // false: no pipes; the child shares the caller's stdin, stdout and stderr
  // (read_line() then sees end of file and stderr_tail() is empty).
  bool pipes = true;
  // Without pipes: the child's stdout is the caller's stderr, so the caller's
  // stdout carries only what the caller prints (e.g. JSON).
  bool stdout_to_stderr = false;
  // Without pipes: the child's stdin is /dev/null.
  bool null_stdin = false;
  // The child leads a new process group: kill() and signal_group() then reach
  // whatever it has started too (a child's children outlive it otherwise).
  bool own_process_group = false;
  // "NAME=value" entries added to the caller's environment (replacing a
  // variable of the same name).
  std::vector<std::string> env;
};

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts argv[0] (a path, not searched on PATH) with argv. Throws
  // std::runtime_error if it cannot be started (fork or exec failing is
  // reported through the exit status 127, like a shell).
  explicit ChildProcess(std::vector<std::string> argv, ChildOptions options = {});
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
  // SIGKILL and reap (no-op if already reaped); with own_process_group, the
  // whole group gets the SIGKILL, even after the child itself has exited.
  void kill();
  // Sends `signal` to the child's process group (own_process_group), else to
  // the child. False if nothing received it (the group is empty).
  bool signal_group(int signal);
  // The exit status as WEXITSTATUS, or -signal; nullopt while running.
  std::optional<int> exit_status() const;

 private:
  void drain_stderr();
  bool reap(bool block);

  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1, stderr_fd_ = -1;
  std::string out_buf_, err_buf_;
  bool reaped_ = false, stdout_eof_ = false, own_group_ = false;
  int status_ = 0;
};

}  // namespace harness
