// bench interrupted: SIGINT/SIGTERM stop the processes it started (the
// report script too) and remove every temporary directory it made (the
// servers' certificates, calibration's key, the files scenario's file sets),
// and the run exits 128 + signal; a directory left by a bench killed with
// SIGKILL is removed by the next bench.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_test_support.hpp"

namespace fs = std::filesystem;
using namespace bench_test_support;
using Clock = std::chrono::steady_clock;

namespace {

// A running bench whose stderr is read through a pipe, started with TMPDIR
// set to `tmpdir` so its temporary directory is found there.
class BenchProcess {
 public:
  BenchProcess(const std::vector<std::string>& args, const fs::path& tmpdir) {
    std::vector<std::string> all = {BENCH_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_text = {"TMPDIR=" + tmpdir.string()};
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("TMPDIR=", 0) != 0) env_text.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    if (posix_spawn(&pid_, all[0].c_str(), &actions, nullptr, argv.data(), envp.data()) != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    stderr_fd_ = fds[0];
  }
  ~BenchProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stderr_fd_ >= 0) close(stderr_fd_);
  }

  pid_t pid() const { return pid_; }
  const std::string& err() const { return err_; }

  // Reads stderr until it contains `text` (true) or the stream ends or
  // `timeout` passes (false).
  bool wait_for(const std::string& text, std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (err_.find(text) == std::string::npos) {
      if (Clock::now() > deadline) return false;
      fd_set set;
      FD_ZERO(&set);
      FD_SET(stderr_fd_, &set);
      timeval tv{0, 100'000};
      if (select(stderr_fd_ + 1, &set, nullptr, nullptr, &tv) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(stderr_fd_, buf, sizeof buf);
      if (n <= 0) return false;
      err_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  // Waits for the exit (up to `timeout`); the exit status, -signal if killed,
  // or -1000 if it did not end in time.
  int wait_exit(std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    int status = 0;
    while (Clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1000;
  }

 private:
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  bool reaped_ = false;
  std::string err_;
};

std::vector<fs::path> bench_temp_dirs(const fs::path& tmpdir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(tmpdir))
    if (entry.path().filename().string().rfind("bench-", 0) == 0) found.push_back(entry.path());
  return found;
}

// Waits (up to 60 s) until bench's temporary directory under `tmpdir` holds
// a server's certificate: the HTTPS server is up. True when it does.
bool wait_for_certificate(const fs::path& tmpdir) {
  for (int i = 0; i < 1200; ++i) {
    for (const auto& d : bench_temp_dirs(tmpdir))
      for (const auto& f : fs::directory_iterator(d))
        if (f.path().extension() == ".pem") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Processes whose command line contains `text` (e.g. a unique output path).
std::vector<pid_t> processes_with_argument(const std::string& text) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = read(entry.path() / "cmdline");
    if (cmdline.find(text) != std::string::npos && std::stoi(name) != getpid())
      found.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return found;
}

// One HTTPS benchmark, repeated long enough to be interrupted mid-run: the
// HTTPS server's certificate goes to bench's temporary directory.
std::vector<std::string> https_run(const fs::path& out) {
  return {"--filter=pooling/asio_coro/pool/https/",
          "--repetitions",
          "50",
          "--no-charts",
          "--no-pin",
          "--out",
          out.string()};
}

}  // namespace

class BenchSignal : public ::testing::TestWithParam<int> {};

INSTANTIATE_TEST_SUITE_P(Signals, BenchSignal, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) { return info.param == SIGINT ? "INT" : "TERM"; });

TEST_P(BenchSignal, MidRunRemovesTheTemporaryDirectoryAndExits128PlusSignal) {
  const auto dir = fresh_dir(std::string("bench-signals-run-") + std::to_string(GetParam()));
  fs::create_directories(dir / "tmp");
  BenchProcess bench(https_run(dir / "out"), dir / "tmp");
  ASSERT_GT(bench.pid(), 0);
  ASSERT_TRUE(wait_for_certificate(dir / "tmp")) << "no certificate in a temporary directory";
  ASSERT_EQ(bench_temp_dirs(dir / "tmp").size(), 1u);
  kill(bench.pid(), GetParam());
  EXPECT_EQ(bench.wait_exit(std::chrono::seconds(20)), 128 + GetParam()) << bench.err();
  EXPECT_TRUE(bench_temp_dirs(dir / "tmp").empty())
      << "left behind: " << bench_temp_dirs(dir / "tmp").front();
  fs::remove_all(dir);
}

TEST(BenchSignals, SigintWhileTheReportIsDrawnStopsItAndExits130) {
  const auto dir = fresh_dir("bench-signals-report");
  fs::create_directories(dir / "tmp");
  const fs::path out = dir / "out-report-interrupted";
  // Charts on: drawing them takes seconds, time enough to interrupt.
  BenchProcess bench({"--filter=pooling/asio_coro/pool/http/", "--quick", "--repetitions", "1",
                      "--no-pin", "--out", out.string()},
                     dir / "tmp");
  ASSERT_GT(bench.pid(), 0);
  // The charts are drawn after every page is written, in a second pass.
  ASSERT_TRUE(bench.wait_for("drawing the charts", std::chrono::seconds(120))) << bench.err();
  // The report script is running (it has the output path on its command line).
  std::vector<pid_t> reporters;
  for (int i = 0; i < 100 && reporters.empty(); ++i) {
    reporters = processes_with_argument(out.string());
    std::erase(reporters, bench.pid());
    if (reporters.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(reporters.empty()) << "no report process seen; " << bench.err();
  kill(bench.pid(), SIGINT);
  EXPECT_EQ(bench.wait_exit(std::chrono::seconds(20)), 130) << bench.err();
  // bench waited for the report it stopped: none is left running under init
  // (drawing the charts takes seconds, so one left alone would still be seen).
  for (const pid_t pid : processes_with_argument(out.string()))
    ADD_FAILURE() << "the report outlived bench: " << pid << " "
                  << read(fs::path("/proc") / std::to_string(pid) / "cmdline");
  // Stopped with SIGTERM, the report removes the chart or page it was writing.
  for (const auto& entry : fs::recursive_directory_iterator(out))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "left behind: " << entry.path();
  fs::remove_all(dir);
}

TEST(BenchSignals, SigkilledBenchsDirectoryIsRemovedByTheNextBench) {
  const auto dir = fresh_dir("bench-signals-kill");
  fs::create_directories(dir / "tmp");
  {
    BenchProcess bench(https_run(dir / "out1"), dir / "tmp");
    ASSERT_GT(bench.pid(), 0);
    ASSERT_TRUE(wait_for_certificate(dir / "tmp")) << "no certificate in a temporary directory";
    kill(bench.pid(), SIGKILL);
    EXPECT_EQ(bench.wait_exit(std::chrono::seconds(20)), -SIGKILL);
  }
  const auto left = bench_temp_dirs(dir / "tmp");
  ASSERT_EQ(left.size(), 1u) << "SIGKILL cannot be cleaned up after: the directory should remain";
  // A directory of a live process (its lock held) must survive the next bench.
  const fs::path live = dir / "tmp" / "bench-live00";
  fs::create_directories(live);
  const int lock = open((live / ".bench.lock").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(flock(lock, LOCK_EX), 0);

  BenchProcess next(https_run(dir / "out2"), dir / "tmp");
  // The next bench makes its own directory when it starts its HTTPS server.
  for (int i = 0; i < 1200 && fs::exists(left.front()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(fs::exists(left.front())) << "the dead bench's directory is still there";
  EXPECT_TRUE(fs::exists(live)) << "a live bench's directory was removed";
  kill(next.pid(), SIGTERM);
  EXPECT_EQ(next.wait_exit(std::chrono::seconds(20)), 128 + SIGTERM) << next.err();
  close(lock);
  fs::remove_all(dir);
}

// Issue 21, item 2: every temporary directory is removed by an interrupt,
// not only the servers' (the clean-up ends the process with _exit, so no
// destructor runs). The files scenario's sets: 1,000 files under /dev/shm,
// 63 MB of memory while they stay.
TEST(BenchSignals, SigintWhileTheFilesScenarioRunsRemovesItsFileSets) {
  const auto dir = fresh_dir("bench-signals-files");
  fs::create_directories(dir / "tmp");
  BenchProcess bench(
      {"--filter=files/sequential/tmpfs_warm/files:1000/kib:64", "--quick", "--repetitions", "50",
       "--no-charts", "--no-pin", "--out", (dir / "out").string()},
      dir / "tmp");
  ASSERT_GT(bench.pid(), 0);
  const fs::path sets = fs::path("/dev/shm") / ("bench-files." + std::to_string(bench.pid()));
  // Interrupted while it measures: the set is written and a repetition has run.
  ASSERT_TRUE(bench.wait_for("round 2", std::chrono::seconds(120))) << bench.err();
  ASSERT_TRUE(fs::exists(sets)) << "no file set at " << sets;
  kill(bench.pid(), SIGINT);
  EXPECT_EQ(bench.wait_exit(std::chrono::seconds(20)), 130) << bench.err();
  EXPECT_FALSE(fs::exists(sets)) << "left behind: " << sets;
  fs::remove_all(sets);  // never leave 63 MB of memory behind, even when the test fails
  fs::remove_all(dir);
}

// The calibration scenario's directory holds a private key (key.pem).
TEST(BenchSignals, SigintDuringCalibrationRemovesTheKeysDirectory) {
  const auto dir = fresh_dir("bench-signals-calibration");
  fs::create_directories(dir / "tmp");
  BenchProcess bench({"--filter=calibration/server/mockd/keepalive/https/", "--repetitions", "50",
                      "--no-charts", "--no-pin", "--out", (dir / "out").string()},
                     dir / "tmp");
  ASSERT_GT(bench.pid(), 0);
  ASSERT_TRUE(bench.wait_for("round 2", std::chrono::seconds(120))) << bench.err();
  bool key = false;
  for (const auto& d : bench_temp_dirs(dir / "tmp")) key = key || fs::exists(d / "key.pem");
  ASSERT_TRUE(key) << "no key.pem in a temporary directory";
  kill(bench.pid(), SIGINT);
  EXPECT_EQ(bench.wait_exit(std::chrono::seconds(20)), 130) << bench.err();
  for (const auto& left : bench_temp_dirs(dir / "tmp")) ADD_FAILURE() << "left behind: " << left;
  fs::remove_all(dir);
}
