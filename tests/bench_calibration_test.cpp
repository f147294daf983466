// The calibration scenario (the harness's own ceiling), its quick grid run
// for real: every benchmark present and error-free, each checked by what the
// server counted (a connection per worker kept alive, one per request
// closed; wrk's connections; nothing counted for nginx, which has no
// counters, rather than zeros), the report written with its chart, and no
// nginx left behind, even when bench is killed with SIGKILL while nginx
// serves. When nginx or wrk is missing, their benchmarks must be skipped with
// the reason, and the test then skips itself saying so.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "bench_test_support.hpp"
#include "child_process.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

bool installed(const std::string& tool) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"})
    if (access((std::string(dir) + "/" + tool).c_str(), X_OK) == 0) return true;
  return false;
}

std::set<std::string> expected_names() {
  std::set<std::string> names;
  for (const char* server : {"mockd", "nginx"})
    for (const char* mode : {"keepalive", "close"})
      for (const char* proto : {"http", "https"})
        names.insert(std::string("calibration/server/") + server + "/" + mode + "/" + proto +
                     "/c:32");
  for (const char* name : {"wrk/c:1", "wrk/c:32", "blocking_curl/c:1", "blocking_httplib/c:1",
                           "threads_curl/c:32", "curl_multi/c:32", "asio_coro/c:32"})
    names.insert(std::string("calibration/client/") + name);
  names.insert("calibration/null/c:1");
  return names;
}

// The processes whose command line mentions a calibration directory (nginx
// runs with -p /tmp/bench-calibration-XXXXXX): pid -> command line.
std::map<pid_t, std::string> calibration_processes() {
  std::map<pid_t, std::string> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = read(entry.path() / "cmdline");
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find("bench-calibration-") != std::string::npos &&
        cmdline.find("nginx") != std::string::npos)
      found[static_cast<pid_t>(std::stol(name))] = cmdline;
  }
  return found;
}

std::set<std::string> calibration_dirs() {
  std::set<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path()))
    if (entry.path().filename().string().rfind("bench-calibration-", 0) == 0)
      dirs.insert(entry.path().string());
  return dirs;
}

// Whether `pid` still runs: a zombie waiting for PID 1 to reap it has died.
bool alive(pid_t pid) {
  const std::string stat = read(fs::path("/proc") / std::to_string(pid) / "stat");
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// Removes the calibration directories not in `keep` whose owner has died (its
// lock can be taken): what a bench killed with SIGKILL leaves for the next one.
void remove_orphaned(const std::set<std::string>& keep) {
  for (const auto& d : calibration_dirs()) {
    if (keep.contains(d)) continue;
    const int fd = open((fs::path(d) / ".bench.lock").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) fs::remove_all(d);
    if (fd >= 0) close(fd);
  }
}

int param(const std::string& name, const std::string& key) {
  const auto at = name.find("/" + key + ":");
  return at == std::string::npos ? 0 : std::stoi(name.substr(at + key.size() + 2));
}

}  // namespace

// bench killed with SIGKILL while nginx serves: nginx goes with it (it runs
// as bench's child with PR_SET_PDEATHSIG).
void expect_nginx_dies_with_a_killed_bench() {
  const auto dir = fresh_dir("calibration-test-kill");
  const auto before = calibration_processes();
  const auto dirs_before = calibration_dirs();
  // Enough repetitions that nginx is still serving when bench is killed.
  harness::ChildProcess bench({BENCH_PATH, "--filter=calibration/server/nginx/keepalive/http",
                               "--quick", "--repetitions", "200", "--no-charts", "--out",
                               dir.string()});
  std::optional<pid_t> nginx;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!nginx && std::chrono::steady_clock::now() < deadline) {
    for (const auto& [pid, cmdline] : calibration_processes())
      if (!before.contains(pid)) nginx = pid;
    if (!nginx) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bench.stderr_tail();  // keeps bench's stderr pipe from filling
  }
  ASSERT_TRUE(nginx) << "bench never started nginx: " << bench.stderr_tail();
  bench.kill();  // SIGKILL: no clean-up code in bench runs
  const auto gone_by = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (alive(*nginx) && std::chrono::steady_clock::now() < gone_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(alive(*nginx)) << "nginx " << *nginx << " outlived the bench that started it";
  remove_orphaned(dirs_before);
  fs::remove_all(dir);
}

TEST(Calibration, QuickRunMeasuresTheHarnessAgainstNginxAndWrk) {
  const auto [list_status, listing] =
      run(std::string(BENCH_PATH) + " --filter=calibration --quick --list");
  ASSERT_EQ(list_status, 0);
  ASSERT_EQ(lines_of(listing), expected_names()) << listing;

  const auto dir = fresh_dir("calibration-test-quick");
  const auto before = calibration_processes();
  const auto dirs_before = calibration_dirs();
  const int status =
      run(std::string(BENCH_PATH) + " --filter=calibration --quick --repetitions 2 --out " +
          dir.string() + " >" + (dir / "out.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "out.txt");

  const bool have_nginx = installed("nginx"), have_wrk = installed("wrk");
  const auto j = nlohmann::json::parse(read(dir / "calibration" / "bench.json"));
  std::set<std::string> seen;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    seen.insert(name);
    const bool needs_nginx = has(name, "/server/"), needs_wrk = has(name, "/client/");
    if ((needs_nginx && !have_nginx) || (needs_wrk && !have_wrk)) {
      ASSERT_TRUE(b.value("error_occurred", false)) << name << ": must be skipped visibly";
      EXPECT_TRUE(has(b.value("error_message", ""), "not installed"))
          << b.value("error_message", "");
      continue;
    }
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    EXPECT_EQ(b["errors"], 0) << name;
    EXPECT_GT(b["req_per_s"].get<double>(), 0) << name;
    EXPECT_GT(b["p50_us"].get<double>(), 0) << name;
    const double requests = b["requests"], c = param(name, "c");

    if (has(name, "/nginx/") || has(name, "/null/")) {
      // No server counters to read: left out, never reported as 0.
      EXPECT_FALSE(b.contains("conns_opened")) << name;
      EXPECT_FALSE(b.contains("server_requests")) << name;
    } else {
      EXPECT_GE(b["server_requests"].get<double>(), requests) << name << ": the server saw each";
    }
    if (has(name, "/mockd/keepalive/")) {
      EXPECT_LE(b["conns_opened"].get<double>(), c) << name;
    }
    if (has(name, "/mockd/close/")) {
      EXPECT_EQ(b["conns_opened"], requests) << name;
    }
    if (has(name, "/mockd/") && has(name, "/https/")) {
      EXPECT_EQ(b["tls_handshakes"], b["conns_opened"]) << name;
    }
    if (has(name, "/client/wrk/")) {
      EXPECT_EQ(b["conns_opened"], c) << name << ": wrk keeps its C connections";
      EXPECT_GE(b["real_time"].get<double>(), 1000.0) << name << ": wrk runs whole seconds";
    } else if (has(name, "/client/")) {
      EXPECT_EQ(b["server_requests"], requests) << name;
      EXPECT_LE(b["conns_opened"].get<double>(), c) << name;
    }
    if (has(name, "/null/")) {
      EXPECT_EQ(b["requests"], 125'000) << name;
    }
  }
  EXPECT_EQ(seen, expected_names());

  // Every process bench started is gone, and so is its directory.
  for (const auto& [pid, cmdline] : calibration_processes())
    EXPECT_TRUE(before.contains(pid)) << "left running: " << pid << " " << cmdline;
  for (const auto& d : calibration_dirs())
    EXPECT_TRUE(dirs_before.contains(d)) << "left behind: " << d;

  if (!have_nginx || !have_wrk)
    GTEST_SKIP() << "nginx or wrk not installed (Debian packages nginx-light, wrk; scripts/setup "
                    "installs them): their benchmarks were skipped with the reason, as checked";
  expect_report(dir / "calibration", {"calibration_ratios"});
  const std::string page = read(dir / "calibration" / "README.md");
  EXPECT_TRUE(has(page, "mockd ÷ nginx, HTTP keep-alive")) << page;
  EXPECT_TRUE(has(page, "asio_coro ÷ wrk, c:32")) << page;
  fs::remove_all(dir);
  // In the same test, not a test of its own: ctest may run tests side by
  // side, and the checks above would take this one's nginx for a leftover.
  expect_nginx_dies_with_a_killed_bench();
}
