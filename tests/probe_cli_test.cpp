// build/probe's bad input and the ways a program can end: no program, an
// unknown option, a program not found or not executable, a program killed by
// a signal, one that outlives --time-limit (killed with its children), a
// --default mockd refuses, a failed --expect. Each gives one clear message and
// its exit status, and no mockd outlives probe (checked by PID).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "probe_test_support.hpp"

namespace {

using namespace probe_test;

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(ProbeCli, UsageErrorsAreOneLineAndExitTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"--"},
                                             {"--bogus", "--", "/bin/true"},
                                             {"--expect", "pool", "--", "/bin/true"},
                                             {"--expect", "max-connections=0", "--", "/bin/true"},
                                             {"--profile", "slowish", "--", "/bin/true"},
                                             {"--time-limit", "0", "--", "/bin/true"},
                                             {"--time-limit", "nan", "--", "/bin/true"},
                                             {"--width", "5", "--", "/bin/true"}}) {
    const auto r = run_probe(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.status, 2) << joined << r.err;
    EXPECT_EQ(lines(r.err), 1u) << joined << r.err;
    EXPECT_TRUE(r.err.starts_with("probe: ") && r.err.ends_with("(see --help)\n"))
        << joined << r.err;
    EXPECT_EQ(r.out, "") << joined;
  }
  EXPECT_EQ(run_probe({}).err,
            "probe: no program given: probe [OPTIONS] -- PROGRAM [ARGS...] (see --help)\n");
}

TEST(ProbeCli, AProgramNotFoundIs127BeforeMockdStarts) {
  const std::string marker = new_marker();
  const auto r = run_probe({"--", "no-such-program-for-probe"}, marker);
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.err, "probe: program not found: no-such-program-for-probe (not on PATH)\n");
  EXPECT_TRUE(live_mockd_with(marker).empty());
  EXPECT_EQ(run_probe({"--", "/nonexistent/prog"}).err,
            "probe: program not found: /nonexistent/prog\n");
}

TEST(ProbeCli, AFileThatIsNotExecutableIs126) {
  const auto file = std::filesystem::temp_directory_path() / "probe-cli-not-executable";
  std::ofstream(file) << "#!/bin/sh\n";
  std::filesystem::permissions(file, std::filesystem::perms::owner_read);
  const auto r = run_probe({"--", file.string()});
  EXPECT_EQ(r.status, 126);
  EXPECT_EQ(r.err, "probe: " + file.string() + ": permission denied\n");
  std::filesystem::remove(file);
}

TEST(ProbeCli, TheProgramsExitStatusPassesThrough) {
  const auto r = run_probe({"--json", "--", "/bin/sh", "-c", "echo hello; exit 7"});
  EXPECT_EQ(r.status, 7);
  // Under --json the program's stdout goes to stderr: stdout is JSON alone.
  EXPECT_NE(r.err.find("hello\n"), std::string::npos);
  const auto report = r.json();
  EXPECT_EQ(report["program"]["exit_code"], 7);
  EXPECT_EQ(report["exit_status"], 7);
  for (const auto& server : report["servers"]) EXPECT_TRUE(gone(server["pid"]));
}

TEST(ProbeCli, TheProgramSeesMockdsAddress) {
  const auto r =
      run_probe({"--json", "--tls", "--", kPython, "-c",
                 "import os; print(os.environ['MOCKD_URL'], os.environ['MOCKD_HTTPS_URL'], "
                 "os.environ['SSL_CERT_FILE'] == os.environ['REQUESTS_CA_BUNDLE'] == "
                 "os.environ['CURL_CA_BUNDLE'])"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto report = r.json();
  const std::string expected = report["servers"][0]["url"].get<std::string>() + " " +
                               report["servers"][1]["url"].get<std::string>() + " True\n";
  EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
}

TEST(ProbeCli, ADefaultReachesEveryRequest) {
  const auto r = run_probe({"--json", "--default", "status=503", "--", "/bin/sh", "-c",
                            "curl -s \"$MOCKD_URL/a\" \"$MOCKD_URL/b?status=200\" >/dev/null"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto summary = r.json()["summary"];
  EXPECT_EQ(summary["server_default"], "status=503");
  EXPECT_EQ(summary["requests_by_status"], (nlohmann::json{{"200", 1}, {"503", 1}}));
  EXPECT_EQ(summary["failed"], 1);
}

TEST(ProbeCli, AProgramKilledByASignalGives128PlusItsNumber) {
  const auto r = run_probe(
      {"--json", "--", kPython, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"});
  EXPECT_EQ(r.status, 128 + SIGTERM);
  EXPECT_NE(r.err.find(" was killed by signal 15 (SIGTERM)"), std::string::npos) << r.err;
  const auto report = r.json();
  EXPECT_EQ(report["program"]["outcome"], "signalled");
  EXPECT_EQ(report["program"]["signal"], SIGTERM);
  for (const auto& server : report["servers"]) EXPECT_TRUE(gone(server["pid"]));
}

TEST(ProbeCli, AProgramOutlivingTheLimitIsKilledWithItsChildren) {
  const auto pid_file =
      std::filesystem::temp_directory_path() / ("probe-cli-child-" + std::to_string(getpid()));
  std::filesystem::remove(pid_file);
  const auto r = run_probe({"--json", "--time-limit", "2", "--", kPython,
                            kClients + "/spawns_and_hangs.py", pid_file.string()});
  EXPECT_EQ(r.status, 124);
  EXPECT_LT(r.seconds, 30);  // nowhere near the program's own 300 s
  EXPECT_NE(r.err.find("outlived --time-limit 2.0 s: killed it and its process group"),
            std::string::npos)
      << r.err;
  const auto report = r.json();
  EXPECT_EQ(report["program"]["outcome"], "time_limit");
  for (const auto& server : report["servers"]) EXPECT_TRUE(gone(server["pid"]));
  std::ifstream in(pid_file);
  int child = 0;
  ASSERT_TRUE(in >> child) << "the program never wrote its child's PID";
  EXPECT_TRUE(gone(child)) << "its child " << child << " outlived it";
  std::filesystem::remove(pid_file);
}

TEST(ProbeCli, ARefusedDefaultIsReportedBeforeTheProgramStarts) {
  const std::string marker = new_marker();
  const auto ran =
      std::filesystem::temp_directory_path() / ("probe-cli-ran-" + std::to_string(getpid()));
  std::filesystem::remove(ran);
  const auto r = run_probe({"--default", "delay_ms=abc", "--", "/bin/touch", ran.string()}, marker);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with("probe: mockd refused --default 'delay_ms=abc': ")) << r.err;
  EXPECT_NE(r.err.find("delay_ms"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(ran)) << "the program ran";
  EXPECT_TRUE(live_mockd_with(marker).empty());
}

TEST(ProbeCli, AFailedExpectationIsExitThreeNamingIt) {
  const auto r = run_probe({"--expect", "pooled", "--expect", "no-abandoned", "--", "/bin/true"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err,
            "probe: expectation failed: pooled (0 requests on 0 connections (0.00 per connection; "
            "pooled means at least 2))\n");
  EXPECT_NE(r.out.find("expectations:\n  FAILED: pooled"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  met: no-abandoned"), std::string::npos) << r.out;
}

TEST(ProbeCli, CtrlCIsPassedOnToTheProgram) {
  const std::string marker = new_marker();
  harness::ChildProcess probe({PROBE_PATH, "--json", "--", "/bin/sleep", "30"},
                              harness::ChildOptions{.env = {marker}});
  probe.close_stdin();
  std::this_thread::sleep_for(500ms);  // mockd up, the program started
  // The marker finds mockd while it runs (so its absence elsewhere means something).
  EXPECT_EQ(live_mockd_with(marker).size(), 1u);
  kill(probe.pid(), SIGINT);
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (auto line = probe.read_line(deadline)) out += *line + "\n";
  ASSERT_TRUE(probe.wait_until(deadline));
  EXPECT_EQ(probe.exit_status(), 128 + SIGINT);
  const auto report = nlohmann::json::parse(out);
  EXPECT_EQ(report["program"]["signal"], SIGINT);
  for (const auto& server : report["servers"]) EXPECT_TRUE(gone(server["pid"]));
  EXPECT_TRUE(live_mockd_with(marker).empty());
}

}  // namespace
