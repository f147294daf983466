// Running build/probe from a test: its exit status, stdout and stderr, and the
// processes it started, found by a marker in their environment, so a test can
// check that none outlives probe.
#pragma once

#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"

namespace probe_test {

using namespace std::chrono_literals;

inline const std::string kPython = "/usr/bin/python3";
inline const std::string kClients = PROBE_CLIENTS_DIR;

struct ProbeResult {
  int status = -1;  // exit status, or -signal
  std::string out, err;
  double seconds = 0;
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

// A marker unique to this test process and call, put into probe's environment:
// mockd and the program inherit it.
inline std::string new_marker() {
  static int counter = 0;
  return "PROBE_TEST_MARKER=" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

inline ProbeResult run_probe(std::vector<std::string> args, const std::string& marker = {},
                             std::chrono::seconds timeout = 120s) {
  args.insert(args.begin(), PROBE_PATH);
  harness::ChildOptions options;
  if (!marker.empty()) options.env.push_back(marker);
  const auto start = std::chrono::steady_clock::now();
  harness::ChildProcess probe(args, options);
  probe.close_stdin();
  const auto deadline = start + timeout;
  ProbeResult r;
  while (auto line = probe.read_line(deadline)) r.out += *line + "\n";
  if (!probe.wait_until(deadline)) probe.kill();
  r.err = probe.stderr_tail(64 * 1024);
  r.status = probe.exit_status().value_or(-1);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

// True once `pid` has gone or is a zombie (dead, waiting for a parent that
// may never reap it), within `timeout`.
inline bool gone(int pid, std::chrono::milliseconds timeout = 3000ms) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    const auto paren = text.rfind(')');
    if (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z')
      return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(20ms);
  }
}

// Live mockd processes whose environment holds `marker`.
inline std::vector<int> live_mockd_with(const std::string& marker) {
  std::vector<int> out;
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  while (const dirent* entry = readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream env_file("/proc/" + name + "/environ");
    std::string env((std::istreambuf_iterator<char>(env_file)), {});
    if (env.find(marker + '\0') == std::string::npos) continue;
    std::ifstream cmd_file("/proc/" + name + "/cmdline");
    std::string argv0;
    std::getline(cmd_file, argv0, '\0');
    if (argv0.ends_with("/mockd") && !gone(std::stoi(name), 0ms)) out.push_back(std::stoi(name));
  }
  closedir(proc);
  return out;
}

// The ids of the findings in probe's JSON.
inline std::vector<std::string> finding_ids(const nlohmann::json& report) {
  std::vector<std::string> out;
  for (const auto& f : report["findings"]) out.push_back(f["id"]);
  return out;
}

}  // namespace probe_test
