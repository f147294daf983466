// bench's command line against bad input: an output path is only ever a
// path (no shell sees it), bad option values are refused with exit 2, and a
// run where nothing could be measured exits non-zero.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_test_support.hpp"
#include "mockd_process.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

// Starts bench with `args` as an argument vector (no shell), in `cwd`, its
// output discarded; returns its pid (-1 if it could not be started).
pid_t spawn_bench(const std::vector<std::string>& args, const fs::path& cwd) {
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
  return rc == 0 ? pid : -1;
}

// Runs bench to the end; returns its exit status.
int run_bench(const std::vector<std::string>& args, const fs::path& cwd) {
  const pid_t pid = spawn_bench(args, cwd);
  if (pid < 0) return -1;
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

namespace {

// Processes named `comm` whose parent is `parent` (from /proc/<pid>/stat).
std::vector<pid_t> children_of(pid_t parent, const std::string& comm) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read(entry.path() / "stat");
    const auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos || stat.find("(" + comm + ")") == std::string::npos)
      continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(stat.c_str() + close_paren + 1, " %c %d", &state, &ppid) == 2 && ppid == parent)
      found.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return found;
}

// Alive: exists and is not a zombie waiting for a reaper.
bool alive(pid_t pid) {
  const std::string stat = read(fs::path("/proc") / std::to_string(pid) / "stat");
  const auto close_paren = stat.rfind(')');
  return close_paren != std::string::npos && stat.size() > close_paren + 2 &&
         stat[close_paren + 2] != 'Z';
}

}  // namespace

TEST(BenchCli, KilledBenchLeavesNoServerRunning) {
  const auto dir = fresh_dir("bench-cli-sigkill");
  // A benchmark long enough to be killed in the middle: 100 sequential 50 ms requests a run.
  const pid_t bench =
      spawn_bench({"--filter=sync_vs_async/asio_coro/sequential/.*/k:100/", "--repetitions", "5",
                   "--no-charts", "--out", (dir / "out").string()},
                  dir);
  ASSERT_GT(bench, 0);

  std::vector<pid_t> servers;
  for (int i = 0; i < 200 && servers.empty(); ++i) {  // up to 10 s for bench to start its mockd
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    servers = children_of(bench, "mockd");
  }
  ASSERT_FALSE(servers.empty()) << "bench started no server";
  ::kill(bench, SIGKILL);
  waitpid(bench, nullptr, 0);

  // Each server is told by the kernel that its parent died (PR_SET_PDEATHSIG)
  // and shuts down within its shutdown timeout (5 s); allow 20.
  for (const pid_t pid : servers) {
    for (int i = 0; i < 400 && alive(pid); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(alive(pid)) << "mockd " << pid << " outlived the bench that started it";
    if (alive(pid)) ::kill(pid, SIGKILL);  // never leave it behind, even when the test fails
  }
  fs::remove_all(dir);
}

TEST(BenchReport, VerdictWordIsReadFromThePage) {
  EXPECT_EQ(verdict_word("# T\n\n> **Verdict.** Nuanced: pooling is 6x\n"), "nuanced");
  EXPECT_EQ(verdict_word("> **Verdict.** **Confirmed** at RTT 50 ms: ..."), "confirmed");
  EXPECT_EQ(verdict_word("> **Verdict.** Inconclusive: noise: F = 2x"), "inconclusive: noise");
  EXPECT_EQ(verdict_word("> **Verdict.** **Inconclusive**: no run"), "inconclusive");
  EXPECT_EQ(verdict_word("no verdict here"), "");
}

// --- Google Benchmark's flags, --version, the committed reference ----------

namespace {

// Runs bench through `sh -c` with stdout captured and stderr to `err`;
// (status, stdout).
std::pair<int, std::string> bench_out(const std::string& args, const fs::path& err) {
  return run(std::string(BENCH_PATH) + " " + args + " 2>" + err.string());
}

const std::string kOneQuick =
    "--filter=pooling/asio_coro/pool/http/ --quick --repetitions 1 --no-charts";

}  // namespace

TEST(BenchCli, VersionPrintsTheSuitesVersion) {
  const auto [status, out] = run(std::string(BENCH_PATH) + " --version");
  EXPECT_EQ(status, 0);
  EXPECT_NE(out.find(SUITE_VERSION), std::string::npos) << out;
}

TEST(BenchCli, UsageErrorsAreOneLineOnStderrAndExitTwo) {
  const auto dir = fresh_dir("bench-cli-usage");
  for (const std::string bad : {"--bogus", "--repetitions=0", "--quick --reference",
                                "--benchmark_bogus=1", "--filter=no_such_scenario"}) {
    const auto [status, out] = bench_out(bad + " --list", dir / "err");
    EXPECT_EQ(status, 2) << bad;
    const std::string err = read(dir / "err");
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << bad << ": " << err;
    EXPECT_EQ(err.rfind("bench: ", 0), 0u) << err;
  }
  fs::remove_all(dir);
}

TEST(BenchCli, BenchmarkFilterSelectsAsFilterDoes) {
  const auto [status, listed] =
      run(std::string(BENCH_PATH) + " --benchmark_filter=pooling/asio_coro/ --list");
  const auto [status2, listed2] =
      run(std::string(BENCH_PATH) + " --filter=pooling/asio_coro/ --list");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(listed, listed2);
  EXPECT_FALSE(listed.empty());
  EXPECT_EQ(
      run(std::string(BENCH_PATH) + " --benchmark_filter=x --filter=y --list 2>/dev/null").first,
      2);
}

TEST(BenchCli, BenchmarkListTestsListsAndWritesNothing) {
  const auto dir = fresh_dir("bench-cli-list-tests");
  const auto [status, listed] =
      run("cd " + dir.string() + " && " + BENCH_PATH + " --filter=pooling --benchmark_list_tests");
  EXPECT_EQ(status, 0);
  EXPECT_NE(listed.find("pooling/asio_coro/pool/https/c:32/delay_ms:0"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir)) << "--benchmark_list_tests wrote files";
  fs::remove_all(dir);
}

TEST(BenchCli, BenchmarkFormatJsonPutsGoogleBenchmarksJsonOnStdout) {
  const auto dir = fresh_dir("bench-cli-json");
  const auto [status, out] = bench_out(
      kOneQuick + " --benchmark_format=json --out " + (dir / "out").string(), dir / "err");
  ASSERT_EQ(status, 0) << read(dir / "err");
  const auto doc = nlohmann::json::parse(out);  // throws on anything but one JSON document
  EXPECT_EQ(doc.at("benchmarks").size(), 1u);
  EXPECT_EQ(doc.at("context").at("suite_mode"), "quick");
  EXPECT_EQ(out, read(dir / "out" / "pooling" / "bench.json"));
  fs::remove_all(dir);
}

TEST(BenchCli, NoColourCodesUnlessAskedFor) {
  const auto dir = fresh_dir("bench-cli-colour");
  const std::string out_dir = " --out " + (dir / "out").string();
  // stdout is a pipe here: no colour by default, nor with --benchmark_color=false.
  for (const std::string flag : {"", " --benchmark_color=false"}) {
    const auto [status, out] = bench_out(kOneQuick + flag + out_dir, dir / "err");
    ASSERT_EQ(status, 0) << read(dir / "err");
    EXPECT_EQ(out.find('\033'), std::string::npos) << "flag:" << flag;
    EXPECT_NE(out.find("req/s"), std::string::npos) << out;
  }
  const auto [status, out] =
      bench_out(kOneQuick + " --benchmark_color=true" + out_dir, dir / "err");
  ASSERT_EQ(status, 0);
  EXPECT_NE(out.find('\033'), std::string::npos) << "--benchmark_color=true";
  fs::remove_all(dir);
}

TEST(BenchCli, BenchmarkRepetitionsSetsTheRepetitionsAndTheContext) {
  const auto dir = fresh_dir("bench-cli-reps");
  const auto [status, out] = bench_out(
      "--filter=pooling/asio_coro/pool/http/ --quick --no-charts "
      "--benchmark_repetitions=2 --out " +
          (dir / "out").string(),
      dir / "err");
  ASSERT_EQ(status, 0) << read(dir / "err");
  const auto doc = nlohmann::json::parse(read(dir / "out" / "pooling" / "bench.json"));
  EXPECT_EQ(doc.at("context").at("suite_repetitions"), "2");
  ASSERT_EQ(doc.at("benchmarks").size(), 2u);
  EXPECT_EQ(doc.at("benchmarks")[1].at("repetition_index"), 1);
  EXPECT_EQ(doc.at("benchmarks")[1].at("repetitions"), 2);
  fs::remove_all(dir);
}

TEST(BenchCli, FlagsThatWouldHalfWorkAreRefusedNamingTheSuitesOption) {
  const auto dir = fresh_dir("bench-cli-refused");
  for (const std::string flag :
       {"--benchmark_report_aggregates_only=true", "--benchmark_display_aggregates_only=true",
        "--benchmark_out=x.json", "--benchmark_out_format=json", "--benchmark_min_time=1",
        "--benchmark_enable_random_interleaving=true", "--benchmark_counters_tabular=true",
        "--benchmark_format=csv", "--benchmark_time_unit=us"}) {
    const auto [status, out] =
        bench_out(kOneQuick + " " + flag + " --out " + (dir / "out").string(), dir / "err");
    EXPECT_EQ(status, 2) << flag;
    const std::string err = read(dir / "err");
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << flag << ": " << err;
    EXPECT_NE(err.find(flag.substr(0, flag.find('='))), std::string::npos) << err;
  }
  EXPECT_FALSE(fs::exists(dir / "out")) << "a refused flag still ran";
  fs::remove_all(dir);
}

TEST(BenchCli, OnlyAReferenceRunMayWriteIntoTheCommittedResults) {
  const fs::path committed = fs::path(SUITE_SOURCE_DIR) / "results";
  const auto dir = fresh_dir("bench-cli-committed");
  const auto [status, out] = bench_out(kOneQuick + " --out " + committed.string(), dir / "err");
  EXPECT_EQ(status, 2);
  EXPECT_NE(read(dir / "err").find("--reference"), std::string::npos) << read(dir / "err");
  // The default goes to results-local/ in the working directory.
  const auto [status2, out2] =
      run("cd " + dir.string() + " && " + BENCH_PATH + " " + kOneQuick + " 2>/dev/null");
  EXPECT_EQ(status2, 0);
  EXPECT_TRUE(fs::exists(dir / "results-local" / "pooling" / "bench.json"));
  EXPECT_TRUE(fs::exists(dir / "results-local" / "pooling" / "run.json"));
  fs::remove_all(dir);
}
