// mockd's command line: every cap is range-checked against a hard ceiling
// that no option lifts, a bad value is refused with exit status 2 and one
// line naming the option, and the refused values never start a server.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "bench_test_support.hpp"
#include "cli_usage.hpp"
#include "http_get.hpp"
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

// --profile (issue 24): an unknown name exits 2 naming the valid ones, and
// --help says what each one does.
TEST(MockdOptions, UnknownProfileExitsTwoNamingTheValidOnes) {
  const auto [status, err] = run_mockd("--profile sluggish");
  EXPECT_EQ(status, 2);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_TRUE(
      err.starts_with("mockd: --profile: no profile named 'sluggish' (one of slow, "
                      "flaky, stall, overload)"))
      << err;
  const auto [help_status, help] =
      bench_test_support::run(harness::default_mockd_path() + " --help 2>/dev/null");
  EXPECT_EQ(help_status, 0);
  for (const char* line : {"\n  slow ", "\n  flaky ", "\n  stall ", "\n  overload "})
    EXPECT_NE(help.find(line), std::string::npos) << "--help does not describe" << line;
}

// A profile and --default combine by the group rule (the explicit default's
// groups win); an explicit --max-connections wins over the profile's.
TEST(MockdOptions, ProfileAndDefaultCombineByGroup) {
  const std::tuple<std::vector<std::string>, const char*, int> cases[] = {
      {{"--profile", "slow", "--default", "fail_rate=1"},
       "dist=lognormal&p50_ms=20&p99_ms=400&fail_rate=1",
       0},
      {{"--profile", "slow", "--default", "delay_ms=5"}, "delay_ms=5", 0},
      {{"--profile", "flaky", "--default", "fail_rate=0.5"}, "fail_rate=0.5&reset_rate=0.05", 0},
      {{"--profile", "overload", "--max-connections", "9"}, "delay_ms=100", 9},
      {{"--profile", "stall", "--max-delay-ms", "50"}, "stall_rate=0.1&stall_ms=30000", 0},
  };
  for (const auto& [args, expected, cap] : cases) {
    harness::MockdProcess mockd(args);
    const auto s = harness::fetch_stats(mockd.url());
    EXPECT_EQ(s["profile"], args[1]);
    EXPECT_EQ(s["default"], expected) << args[1];
    if (cap)
      EXPECT_EQ(s["max_connections"], cap);
    else
      EXPECT_TRUE(s["max_connections"].is_null());
  }
  // The explicit default is still checked against the caps.
  const auto [status, err] = run_mockd("--profile slow --max-delay-ms 10 --default delay_ms=20");
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("--default: delay_ms: exceeds"), std::string::npos) << err;
}

TEST(MockdOptions, CapsWithinTheirCeilingStartTheServer) {
  harness::MockdProcess mockd({"--max-bytes", "1073741824", "--max-delay-ms", "600000.0"});
  EXPECT_EQ(mockd.stop(), 0);
}

}  // namespace
