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
#include <fstream>
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

// Processes named `comm` (any name if empty) whose parent is `parent` (from /proc/<pid>/stat).
std::vector<pid_t> children_of(pid_t parent, const std::string& comm) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read(entry.path() / "stat");
    const auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos ||
        (!comm.empty() && stat.find("(" + comm + ")") == std::string::npos))
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
  fs::remove_all(dir);
}

// Issue 21, item 1: a folder inside the committed results (whose pages the
// index would replace) or above it (the repository's root, whose README.md
// the index would replace) is refused, --list included, with one line and
// exit 2; a sibling whose name merely starts the same is not.
TEST(BenchCli, OutputInsideOrAboveTheCommittedResultsIsRefused) {
  const fs::path source = SUITE_SOURCE_DIR;
  const auto dir = fresh_dir("bench-cli-inside-results");
  for (const fs::path& out :
       {source / "results" / "pooling", source / "results" / "pooling" / "charts",
        source / "results" / "..", source / "results" / "pooling" / ".." / "..", source,
        source.parent_path(), fs::path("/")}) {
    for (const std::string mode : {"", " --reference"}) {
      const auto [status, listed] = bench_out(
          "--filter=pooling --list" + mode + " --out '" + out.string() + "'", dir / "err");
      EXPECT_EQ(status, 2) << out << mode;
      const std::string err = read(dir / "err");
      EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << out << mode << ": " << err;
      EXPECT_NE(err.find("committed results"), std::string::npos) << err;
      EXPECT_TRUE(listed.empty()) << out << mode;
    }
  }
  // From inside results/, "." is results/ itself and ".." the root.
  for (const std::string out : {".", "..", "pooling"}) {
    const auto [status, listed] = run("cd " + (source / "results").string() + " && " + BENCH_PATH +
                                      " --filter=pooling --list --out " + out + " 2>/dev/null");
    EXPECT_EQ(status, 2) << out;
  }
  EXPECT_EQ(bench_out("--filter=pooling --list --out " + (source / "results-elsewhere").string(),
                      dir / "err")
                .first,
            0)
      << read(dir / "err");
  fs::remove_all(dir);
}

// Issue 21, item 1: a README.md that scripts/report did not write (the
// generated-file marker missing) is never replaced; bench refuses before it
// measures anything.
TEST(BenchCli, ReadmeWithoutTheGeneratedMarkerIsNeverReplaced) {
  const auto dir = fresh_dir("bench-cli-foreign-readme");
  const std::string notes = "# My notes\n\nA week of work.\n";
  for (const fs::path& page : {fs::path("README.md"), fs::path("pooling") / "README.md"}) {
    fs::remove_all(dir / "out");
    fs::create_directories(dir / "out" / "pooling");
    { std::ofstream(dir / "out" / page) << notes; }
    const auto [status, listed] =
        bench_out(kOneQuick + " --out " + (dir / "out").string(), dir / "err");
    EXPECT_EQ(status, 2) << page;
    EXPECT_NE(read(dir / "err").find("not written by scripts/report"), std::string::npos)
        << read(dir / "err");
    EXPECT_EQ(read(dir / "out" / page), notes) << page;
    EXPECT_FALSE(fs::exists(dir / "out" / "pooling" / "bench.json")) << "it measured: " << page;
  }
  // A page the report wrote is replaced as before.
  fs::remove_all(dir / "out");
  fs::create_directories(dir / "out");
  {
    std::ofstream(dir / "out" / "README.md")
        << "# Results\n\n<!-- Generated by scripts/report: do not edit by hand. -->\n";
  }
  EXPECT_EQ(bench_out(kOneQuick + " --out " + (dir / "out").string(), dir / "err").first, 0)
      << read(dir / "err");
  EXPECT_TRUE(fs::exists(dir / "out" / "pooling" / "README.md"));
  fs::remove_all(dir);
}

namespace {

// Moves the repository's results-local/ aside for a test that writes there
// and puts it back afterwards, so a developer's results survive the test.
class SetAside {
 public:
  explicit SetAside(fs::path path)
      : path_(std::move(path)), aside_(path_.string() + ".set-aside." + std::to_string(getpid())) {
    if (fs::exists(path_)) fs::rename(path_, aside_);
  }
  ~SetAside() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    if (fs::exists(aside_)) fs::rename(aside_, path_, ignored);
  }
  SetAside(const SetAside&) = delete;
  SetAside& operator=(const SetAside&) = delete;

 private:
  fs::path path_, aside_;
};

}  // namespace

// Issue 21, item 1: the default output folder is the repository's
// results-local/, wherever bench is started from.
TEST(BenchCli, DefaultOutputIsTheRepositorysResultsLocal) {
  const fs::path local = fs::path(SUITE_SOURCE_DIR) / "results-local";
  const SetAside aside(local);
  const auto dir = fresh_dir("bench-cli-default-out");
  const auto [status, out] =
      run("cd " + dir.string() + " && " + BENCH_PATH + " " + kOneQuick + " 2>/dev/null");
  EXPECT_EQ(status, 0);
  EXPECT_FALSE(fs::exists(dir / "results-local")) << "written relative to the working directory";
  EXPECT_TRUE(fs::exists(local / "pooling" / "bench.json"));
  EXPECT_TRUE(fs::exists(local / "pooling" / "run.json"));
  fs::remove_all(dir);
}

// Issue 21, item 2: a results file that cannot be written (a file size
// limit here; a full disk fails the same way) leaves no temporary behind,
// and run.json says the run failed instead of keeping its pre-run form
// ("interrupted").
TEST(BenchCli, AFailedResultsWriteLeavesNoTemporaryAndRunJsonSaysFailed) {
  const auto dir = fresh_dir("bench-cli-write-fails");
  const fs::path out = dir / "out";
  // 2 KiB: run.json fits, bench.json (its context alone) does not.
  const auto [status, err] =
      run_stderr("trap '' XFSZ; exec prlimit --fsize=2048 " + std::string(BENCH_PATH) + " " +
                 kOneQuick + " --out " + out.string());
  EXPECT_EQ(status, 1) << err;
  for (const auto& entry : fs::recursive_directory_iterator(out))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "left behind: " << entry.path();
  const auto run_json = nlohmann::json::parse(read(out / "pooling" / "run.json"));
  EXPECT_EQ(run_json.at("stop"), "failed") << run_json.dump();
  EXPECT_NE(run_json.value("error", "").find("bench.json"), std::string::npos) << run_json.dump();
  fs::remove_all(dir);
}

// --- a server that dies (issue 21, item 3) -----------------------------------

namespace {

// Children of `parent` whose command line contains `text`.
std::vector<pid_t> children_with_argument(pid_t parent, const std::string& text) {
  std::vector<pid_t> found;
  for (const pid_t pid : children_of(parent, "")) {
    std::string cmdline = read(fs::path("/proc") / std::to_string(pid) / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(text) != std::string::npos) found.push_back(pid);
  }
  return found;
}

// The repetitions bench.json holds so far (0 while it is not there).
std::size_t repetitions_written(const fs::path& bench_json) {
  try {
    return nlohmann::json::parse(read(bench_json)).at("benchmarks").size();
  } catch (const std::exception&) {
    return 0;
  }
}

// Runs `args` (30 repetitions of one benchmark), kills the child server whose
// command line contains `server` after two repetitions, and checks what
// follows: bench exits 1, the benchmark ends skipped with a reason (the
// server exited; or, killed during a repetition, every request or a control
// request failed), and no repetition in bench.json is a figure measured
// against no server.
void kill_server_mid_run(const std::vector<std::string>& args, const std::string& server,
                         const fs::path& bench_json) {
  const pid_t bench = spawn_bench(args, fs::temp_directory_path());
  ASSERT_GT(bench, 0);
  for (int i = 0; i < 3000 && repetitions_written(bench_json) < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GE(repetitions_written(bench_json), 2u) << "the run did not get going";
  const auto servers = children_with_argument(bench, server);
  ASSERT_EQ(servers.size(), 1u) << server;
  ::kill(servers.front(), SIGKILL);
  int status = 0;
  waitpid(bench, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "status " << status;

  const auto doc = nlohmann::json::parse(read(bench_json));
  const auto& reps = doc.at("benchmarks");
  ASSERT_FALSE(reps.empty());
  EXPECT_LT(reps.size(), 30u) << "repeated against a dead server";
  const auto& last = reps.back();
  EXPECT_TRUE(last.value("error_occurred", false)) << last.dump();
  EXPECT_FALSE(last.value("error_message", "").empty()) << last.dump();
  for (const auto& rep : reps) {
    if (rep.value("error_occurred", false)) continue;
    EXPECT_GT(rep.at("req_per_s").get<double>(), 0) << rep.dump();
    EXPECT_LT(rep.at("errors").get<double>(), rep.at("requests").get<double>()) << rep.dump();
  }
}

}  // namespace

TEST(BenchCli, AHelperServerThatDiesMidRunFailsTheRun) {
  const auto dir = fresh_dir("bench-cli-aiohttp-dies");
  kill_server_mid_run({"--filter=middleware/aiohttp/none/overhead/", "--quick", "--repetitions",
                       "30", "--no-charts", "--no-pin", "--out", (dir / "out").string()},
                      "middleware_server.py", dir / "out" / "middleware" / "bench.json");
  fs::remove_all(dir);
}

TEST(BenchCli, AMockdThatDiesMidRunFailsTheRun) {
  const auto dir = fresh_dir("bench-cli-mockd-dies");
  kill_server_mid_run({"--filter=pooling/asio_coro/pool/http/", "--quick", "--repetitions", "30",
                       "--no-charts", "--no-pin", "--out", (dir / "out").string()},
                      "mockd", dir / "out" / "pooling" / "bench.json");
  fs::remove_all(dir);
}

// A dead --server fails the run even when other benchmarks (here one on a
// mockd of its scenario's own) measured.
TEST(BenchCli, DeadServerMixedWithOtherScenariosFailsTheRun) {
  const auto dir = fresh_dir("bench-cli-dead-server-mixed");
  harness::MockdProcess gone;
  const std::string url = gone.url();
  gone.stop();
  const auto [status, err] =
      run_stderr(std::string(BENCH_PATH) +
                 " '--filter=pooling/asio_coro/pool/http/|middleware/mockd/none/span' --quick "
                 "--repetitions 1 --no-charts --no-pin --server " +
                 url + " --out " + (dir / "out").string());
  EXPECT_EQ(status, 1) << err;
  EXPECT_NE(err.find(url), std::string::npos) << err;
  // The other scenario still measured and was reported.
  EXPECT_TRUE(fs::exists(dir / "out" / "middleware" / "README.md"));
  fs::remove_all(dir);
}
