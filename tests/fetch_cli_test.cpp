// fetch's command line against bad input: each value that once overflowed,
// wrapped or reached vector::reserve is refused with exit status 2 and one
// line naming the option, before any request is made.
#include <gtest/gtest.h>

#include <string>

#include "bench_test_support.hpp"

namespace {

using bench_test_support::run_stderr;

std::pair<int, std::string> run_fetch(const std::string& args) {
  return run_stderr(std::string(FETCH_PATH) + " " + args);
}

TEST(FetchCli, BadValuesAreRefusedWithExitTwo) {
  // Port 1 on loopback: nothing listens, so a value that slipped through would
  // show as a run of connect errors with exit 0 instead of exit 2.
  const std::string url = " http://127.0.0.1:1/";
  for (const char* bad : {"--rate 1e-300", "--rate nan", "-c -1", "-n 99999999999999999999", "-n 0",
                          "-n 100000000 --rate 0.001", "--limit -3", "--bogus"}) {
    const auto [status, err] = run_fetch(std::string("-m asio_coro ") + bad + url);
    EXPECT_EQ(status, 2) << bad << " -> " << err;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(FetchCli, FailedRequestsAreResultsNotUsageErrors) {
  const auto [status, err] = run_fetch("-m asio_coro -n 3 http://127.0.0.1:1/");
  EXPECT_EQ(status, 0) << err;
}

}  // namespace
