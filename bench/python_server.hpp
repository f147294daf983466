// A Python server a scenario measures beside mockd (an aiohttp.web app under
// bench/scenarios/python/): started on first use as a child process without
// a shell, pinned like mockd, dying with bench. The script prints
// "listening on URL" once it serves and stops when its stdin closes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "servers.hpp"

namespace bench {

class PythonServer {
 public:
  // Runs bench/scenarios/python/<script> with `args` and `--cpu cpu`; throws
  // std::runtime_error (with the tail of its stderr) when it does not start.
  // `description` names it in the results' context and in failures.
  PythonServer(const std::string& script, std::vector<std::string> args, int cpu,
               std::string description);
  ~PythonServer();
  PythonServer(const PythonServer&) = delete;
  PythonServer& operator=(const PythonServer&) = delete;

  const std::string& url() const { return url_; }
  ServerEndpoint endpoint() const { return {url_, "", description_, process_.pid()}; }

  // Why it cannot serve (it exited: its status and the tail of its stderr),
  // or nullopt. Checked before every repetition: a server that died is not
  // restarted, its benchmarks are skipped and the run fails.
  std::optional<std::string> dead();

 private:
  harness::ChildProcess process_;
  std::string description_;
  std::string url_;
  bool reaped_ = false;
};

}  // namespace bench
