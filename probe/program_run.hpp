// Running the developer's program: looked up on PATH like a shell would, but
// started without one, in a process group of its own so that a time limit or
// a Ctrl-C reaches everything it started, with mockd's addresses in its
// environment. Its exit status is kept to be passed through.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace probe {

// PROGRAM as execvp would find it. On failure `error` says why and `status`
// is the shell's convention: 127 not found, 126 found but not executable.
struct Resolved {
  std::string path;
  std::string error;
  int status = 0;
};
Resolved resolve_program(const std::string& name);

struct Outcome {
  enum class How { exited, signalled, time_limit };
  How how = How::exited;
  int code = 0;  // exited: its status; signalled: the signal
  double wall_s = 0;
  int forwarded_signal = 0;     // SIGINT/SIGTERM/SIGHUP probe received and passed on
  bool left_processes = false;  // its process group outlived it (then killed)
};

class ProgramRun {
 public:
  // `argv[0]` is a resolved path. `env`: "NAME=value" added to probe's own
  // environment. `stdout_to_stderr`: keep probe's stdout for its JSON.
  ProgramRun(std::vector<std::string> argv, std::vector<std::string> env, bool stdout_to_stderr);
  ~ProgramRun();
  ProgramRun(const ProgramRun&) = delete;
  ProgramRun& operator=(const ProgramRun&) = delete;

  // Waits until the program exits or `limit` has passed (then it and its
  // process group are killed), calling `tick` about every `interval` while it
  // runs. A SIGINT, SIGTERM or SIGHUP sent to probe is passed on to the
  // program's group; if it is still running 2 s later, it is killed.
  Outcome wait(std::chrono::duration<double> limit, std::chrono::milliseconds interval,
               const std::function<void()>& tick);

 private:
  harness::ChildProcess child_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace probe
