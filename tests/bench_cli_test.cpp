// bench's command line against bad input: an output path is only ever a
// path (no shell sees it), bad option values are refused with exit 2, and a
// run where nothing could be measured exits non-zero.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bench_test_support.hpp"
#include "mockd_process.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

// Runs bench with `args` as an argument vector (no shell), in `cwd`, its
// output discarded; returns the exit status.
int run_bench(const std::vector<std::string>& args, const fs::path& cwd) {
  std::vector<std::string> all = {BENCH_PATH};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const fs::path before = fs::current_path();
  fs::current_path(cwd);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, all[0].c_str(), &actions, nullptr, argv.data(), environ);
  fs::current_path(before);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const std::vector<std::string> kOneQuickBenchmark = {
    "--filter=pooling/asio_coro/pool/http/", "--quick", "--repetitions", "1", "--no-charts"};

}  // namespace

TEST(BenchCli, OutputPathIsNeverInterpretedByAShell) {
  const auto dir = fresh_dir("bench-cli-injection");
  const std::string out = "x';touch INJECTED;'";
  auto args = kOneQuickBenchmark;
  args.insert(args.end(), {"--out", out});
  EXPECT_EQ(run_bench(args, dir), 0);
  EXPECT_FALSE(fs::exists(dir / "INJECTED")) << "a shell ran the text of --out";
  EXPECT_TRUE(fs::exists(dir / out / "pooling" / "README.md")) << "the report was written";
  fs::remove_all(dir);
}

TEST(BenchCli, DeadServerMeasuresNothingAndExitsNonZero) {
  const auto dir = fresh_dir("bench-cli-dead-server");
  harness::MockdProcess gone;
  const std::string url = gone.url();
  gone.stop();
  auto args = kOneQuickBenchmark;
  args.insert(args.end(), {"--server", url, "--out", (dir / "out").string()});
  EXPECT_EQ(run_bench(args, dir), 1);
  fs::remove_all(dir);
}

TEST(BenchCli, BadOptionValuesExitTwo) {
  const auto dir = fresh_dir("bench-cli-bad-values");
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--out", ""}, {"--rtt-ms", "nan"}, {"--rtt-ms", "-1"}}) {
    auto args = bad;
    args.push_back("--list");
    EXPECT_EQ(run_bench(args, dir), 2) << bad[0] << " '" << bad[1] << "'";
  }
  fs::remove_all(dir);
}
