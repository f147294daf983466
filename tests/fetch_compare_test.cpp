// fetch against a reference load generator: wrk (else hey), on the same mockd,
// the same URL, the same number of pooled connections and for the same time.
// Two tools measuring one server must agree on its throughput and median
// latency; a fetch that miscounted requests or mistimed them would not. The
// bands are generous (the machine runs other tests meanwhile), the server
// waits 1 ms per request so its rate, not the clients' CPU, sets the pace.
// Skipped, with the reason, when neither tool is installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include "bench_test_support.hpp"
#include "mockd_process.hpp"

namespace {

constexpr int kConnections = 8;
constexpr const char* kSeconds = "2";
constexpr double kThroughputBand = 0.25;  // |fetch / reference - 1| at most this
constexpr double kP50BoundMs = 1.0;       // |fetch p50 - reference p50| at most this

struct Figures {
  double requests_per_s = 0;
  double p50_ms = 0;
};

// The first executable called `name` on $PATH, or nothing.
std::optional<std::string> on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

double number_after(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return NAN;
  return std::stod(m[1].str());
}

// wrk -t1 -cC -dS --latency: "Requests/sec: 3708.81", "50%    2.11ms" (us, ms or s).
Figures run_wrk(const std::string& wrk, const std::string& url) {
  const auto [status, out] =
      bench_test_support::run(wrk + " -t1 -c" + std::to_string(kConnections) + " -d" + kSeconds +
                              "s --latency '" + url + "' 2>&1");
  EXPECT_EQ(status, 0) << out;
  Figures f;
  f.requests_per_s = number_after(out, R"(Requests/sec:\s+([0-9.]+))");
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(\n\s+50%\s+([0-9.]+)(us|ms|s)\b)"))) {
    const double scale = m[2] == "us" ? 1e-3 : m[2] == "ms" ? 1 : 1e3;
    f.p50_ms = std::stod(m[1].str()) * scale;
  } else {
    f.p50_ms = NAN;
  }
  std::cout << "wrk: " << out;
  return f;
}

// hey -z Ss -c C: "Requests/sec:\t3704.1", "50% in 0.0021 secs".
Figures run_hey(const std::string& hey, const std::string& url) {
  const auto [status, out] = bench_test_support::run(
      hey + " -z " + kSeconds + "s -c " + std::to_string(kConnections) + " '" + url + "' 2>&1");
  EXPECT_EQ(status, 0) << out;
  std::cout << "hey: " << out;
  return {number_after(out, R"(Requests/sec:\s+([0-9.]+))"),
          number_after(out, R"(50% in ([0-9.]+) secs)") * 1e3};
}

Figures run_fetch(const std::string& url) {
  const auto [status, out] = bench_test_support::run(
      std::string(FETCH_PATH) + " --model asio_coro -c " + std::to_string(kConnections) + " -z " +
      kSeconds + "s --json '" + url + "' 2>/dev/null");
  EXPECT_EQ(status, 0) << out;
  const auto result = nlohmann::json::parse(out).at("result");
  EXPECT_EQ(result.at("ok"), result.at("requests")) << out;
  std::cout << "fetch: " << result.at("requests_per_s") << " req/s, p50 "
            << result.at("latency_us").at("p50").get<double>() / 1e3 << " ms\n";
  return {result.at("requests_per_s").get<double>(),
          result.at("latency_us").at("p50").get<double>() / 1e3};
}

TEST(FetchCompare, ThroughputAndMedianAgreeWithAReferenceLoadGenerator) {
  const auto wrk = on_path("wrk");
  const auto hey = wrk ? std::nullopt : on_path("hey");
  if (!wrk && !hey)
    GTEST_SKIP()
        << "neither wrk nor hey is installed (Debian packages; scripts/setup installs wrk)";
  harness::MockdProcess mockd;
  const std::string url = mockd.url() + "/x?delay_ms=1&bytes=100";
  const Figures reference = wrk ? run_wrk(*wrk, url) : run_hey(*hey, url);
  const Figures ours = run_fetch(url);
  const std::string tool = wrk ? "wrk" : "hey";
  ASSERT_TRUE(std::isfinite(reference.requests_per_s) && reference.requests_per_s > 0)
      << tool << "'s output not understood";
  ASSERT_TRUE(std::isfinite(reference.p50_ms)) << tool << "'s output not understood";
  const double ratio = ours.requests_per_s / reference.requests_per_s;
  RecordProperty("reference", tool);
  RecordProperty("throughput_ratio", std::to_string(ratio));
  RecordProperty("p50_difference_ms", std::to_string(ours.p50_ms - reference.p50_ms));
  EXPECT_NEAR(ratio, 1.0, kThroughputBand)
      << "fetch " << ours.requests_per_s << " req/s, " << tool << " " << reference.requests_per_s;
  EXPECT_NEAR(ours.p50_ms, reference.p50_ms, kP50BoundMs)
      << "fetch p50 " << ours.p50_ms << " ms, " << tool << " " << reference.p50_ms << " ms";
}

}  // namespace
