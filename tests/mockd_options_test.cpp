// mockd's command line: every cap is range-checked against a hard ceiling
// that no option lifts, a bad value is refused with exit status 2 and one
// line naming the option, and the refused values never start a server.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "bench_test_support.hpp"
#include "cli_usage.hpp"
#include "mockd_process.hpp"

namespace {

// Runs mockd with `args` (a fixed, test-owned command line): exit status and stderr.
std::pair<int, std::string> run_mockd(const std::string& args) {
  return bench_test_support::run_stderr(harness::default_mockd_path() + " " + args);
}

TEST(MockdOptions, CapsBeyondTheirCeilingOrNotANumberAreRefused) {
  for (const char* bad :
       {"--max-bytes -1", "--max-bytes 99999999999999999999", "--max-bytes 1073741825",
        "--max-delay-ms nan", "--max-delay-ms inf", "--max-delay-ms 1e300", "--max-delay-ms -5",
        "--max-header-bytes 0", "--max-header-bytes 99999999999", "--threads 0", "--bogus",
        "--max-connections 0", "--max-connections 1000001", "--max-connections -1"}) {
    const auto [status, err] = run_mockd(bad);
    EXPECT_EQ(status, 2) << bad;
    EXPECT_NE(err.find(std::string(bad).substr(0, std::string(bad).find(' '))), std::string::npos)
        << bad << " -> " << err;
  }
}

TEST(MockdOptions, BadOptionIsOneLineOnStderrAndExitTwo) {
  for (const char* bad : {"--bogus", "--max-bytes -1", "--engine nope", "--threads"}) {
    const auto [status, err] = run_mockd(bad);
    EXPECT_EQ(status, 2) << bad;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << bad << " -> " << err;
    EXPECT_TRUE(err.starts_with("mockd: ") && err.ends_with(" (see --help)\n"))
        << bad << " -> " << err;
  }
}

TEST(MockdOptions, VersionIsPrintedOnStdoutWithExitZero) {
  const auto [status, out] =
      bench_test_support::run(harness::default_mockd_path() + " --version 2>/dev/null");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, "mockd " + std::string(cli_usage::version) + "\n");
  EXPECT_FALSE(cli_usage::version.empty());
}

// Issue 21, item 4: the half-close rule is an option of the asio engine; the
// blocking engine, which always answers, refuses "cancel" in one line.
TEST(MockdOptions, HalfCloseIsAnAsioOptionAndStatedInHelp) {
  for (const char* bad : {"--half-close nope", "--half-close cancel --engine blocking"}) {
    const auto [status, err] = run_mockd(bad);
    EXPECT_EQ(status, 2) << bad;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << bad << " -> " << err;
    EXPECT_NE(err.find("--half-close"), std::string::npos) << bad << " -> " << err;
  }
  const auto [status, help] =
      bench_test_support::run(harness::default_mockd_path() + " --help 2>/dev/null");
  EXPECT_EQ(status, 0);
  for (const char* words : {"--half-close", "cancel", "answer", "nginx's 499"})
    EXPECT_NE(help.find(words), std::string::npos) << "--help does not say: " << words;
  harness::MockdProcess answering({"--half-close", "answer"});
  EXPECT_EQ(answering.stop(), 0);
  harness::MockdProcess blocking({"--engine", "blocking", "--half-close", "answer"});
  EXPECT_EQ(blocking.stop(), 0);
}

// --help lists every request parameter, one line each (issue 24): the list
// here is written out, so a parameter dropped from the parser's table fails.
TEST(MockdOptions, HelpListsEveryRequestParameter) {
  const auto [status, help] =
      bench_test_support::run(harness::default_mockd_path() + " --help 2>/dev/null");
  EXPECT_EQ(status, 0);
  for (const char* name : {"delay_ms", "dist", "min_ms", "max_ms", "p50_ms", "p99_ms", "stall_rate",
                           "stall_ms", "seed", "bytes", "status", "fail_rate", "fail_status",
                           "reset_rate", "close", "drip_ms", "fault"})
    EXPECT_NE(help.find("\n  " + std::string(name) + "="), std::string::npos)
        << "--help has no line for " << name;
}

// A --default is checked at start-up by the request parser: refused, it
// exits 2 with one line naming the parameter and giving the reason a request
// would get in its 400 (issue 24).
TEST(MockdOptions, RefusedDefaultExitsTwoNamingTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {"--default delay_ms=abc",
       "--default: delay_ms: must be a non-negative number of milliseconds (got 'abc')"},
      {"--max-delay-ms 10 --default delay_ms=11",
       "--default: delay_ms: exceeds the server's cap of 10 ms (--max-delay-ms) (got '11')"},
      {"--default 'dist=lognormal&p50_ms=9&p99_ms=5'",
       "--default: p50_ms: must be less than p99_ms"},
      {"--default 'fail_rate=0.5&seed=3'", "--default: seed: not allowed in a default"},
      {"--default nope=1", "--default: nope: unknown parameter"},
  };
  for (auto [args, message] : cases) {
    const auto [status, err] = run_mockd(args);
    EXPECT_EQ(status, 2) << args;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << args << " -> " << err;
    EXPECT_TRUE(err.starts_with(std::string("mockd: ") + message)) << args << " -> " << err;
    EXPECT_TRUE(err.ends_with(" (see --help)\n")) << args << " -> " << err;
  }
  harness::MockdProcess empty({"--default", ""});
  EXPECT_EQ(empty.stop(), 0);
}

TEST(MockdOptions, CapsWithinTheirCeilingStartTheServer) {
  harness::MockdProcess mockd({"--max-bytes", "1073741824", "--max-delay-ms", "600000.0"});
  EXPECT_EQ(mockd.stop(), 0);
}

}  // namespace
