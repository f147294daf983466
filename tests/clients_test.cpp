// The client models against a real mockd: every model, pooled and unpooled,
// makes checked requests, opens the connections its pooling promises (counted
// by the server), respects connection limits, times out, reports bad
// responses by kind, and speaks verified HTTPS. Counts are exact; times are
// only bounded generously. Every suite name starts with Client (ctest -R Client).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <tuple>

#include "client_model.hpp"
#include "client_test_support.hpp"
#include "http_get.hpp"
#include "latency_stats.hpp"
#include "mockd_process.hpp"
#include "model_support.hpp"
#include "run_summary.hpp"

namespace clients {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kModels = {"blocking_curl", "blocking_httplib", "threads_curl",
                                          "curl_multi", "asio_coro"};
const std::vector<std::string> kClientModelsWithLimits = {"curl_multi", "asio_coro"};

bool sequential(const std::string& model) {
  return model.starts_with("blocking_");
}

std::size_t count(const RunResult& r, ErrorKind kind) {
  return std::count_if(r.samples.begin(), r.samples.end(),
                       [&](const Sample& s) { return s.error == kind; });
}

Plan plan_for(const std::string& model, bool pooled, std::string url, std::size_t requests,
              std::size_t concurrency = 8) {
  Plan plan;
  plan.urls = {std::move(url)};
  plan.requests = requests;
  plan.concurrency = sequential(model) ? 1 : concurrency;
  plan.pooling = pooled;
  return plan;
}

// --- Every model, pooled and unpooled ---------------------------------------

class ClientModelsPooledAndUnpooled : public testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  const std::string& model() const { return std::get<0>(GetParam()); }
  bool pooled() const { return std::get<1>(GetParam()); }
  harness::MockdProcess mockd_;
};

TEST_P(ClientModelsPooledAndUnpooled, EveryRequestSucceedsAndIsChecked) {
  harness::reset_stats(mockd_.url());
  const auto r =
      run_model(model(), plan_for(model(), pooled(), mockd_.url() + "/x?bytes=100", 200));
  ASSERT_EQ(r.samples.size(), 200u);
  expect_all(r, ErrorKind::none);
  for (const Sample& s : r.samples) {
    EXPECT_EQ(s.status, 200);
    EXPECT_EQ(s.body_bytes, 100u);
    EXPECT_GE(s.latency, 0ns);
    EXPECT_EQ(s.latency, s.end - s.start);
  }
  EXPECT_EQ(server_stat(mockd_, "requests_total"), 200);
  // The client's own count of connections agrees with the server's.
  EXPECT_EQ(static_cast<long>(r.connections_opened), server_stat(mockd_, "connections_accepted"));
  EXPECT_EQ(
      static_cast<std::size_t>(std::count_if(r.samples.begin(), r.samples.end(),
                                             [](const Sample& s) { return s.new_connection; })),
      r.connections_opened);
}

TEST_P(ClientModelsPooledAndUnpooled, RequestOverTheTimeoutIsATimeoutError) {
  constexpr std::size_t kRequests = 8;
  auto plan = plan_for(model(), pooled(), mockd_.url() + "/slow?delay_ms=1000", kRequests, 4);
  plan.timeout = 100ms;
  const auto r = run_model(model(), plan);
  expect_all(r, ErrorKind::timeout);
  EXPECT_LT(r.wall, kRequests * 1000ms / 2);  // no request waited for the server's delay
}

TEST_P(ClientModelsPooledAndUnpooled, WrongBodySizeIsABodySizeError) {
  auto plan = plan_for(model(), pooled(), mockd_.url() + "/x?bytes=50", 20);
  plan.expected_bytes = 60;
  const auto r = run_model(model(), plan);
  expect_all(r, ErrorKind::body_size);
  for (const Sample& s : r.samples) EXPECT_EQ(s.body_bytes, 50u);
}

TEST_P(ClientModelsPooledAndUnpooled, UnexpectedStatusIsAStatusError) {
  const auto r =
      run_model(model(), plan_for(model(), pooled(), mockd_.url() + "/x?status=503", 20));
  expect_all(r, ErrorKind::status);
  for (const Sample& s : r.samples) EXPECT_EQ(s.status, 503);
}

TEST_P(ClientModelsPooledAndUnpooled, ResetConnectionIsAReadError) {
  expect_all(run_model(model(), plan_for(model(), pooled(), mockd_.url() + "/x?fault=reset", 20)),
             ErrorKind::read);
}

TEST_P(ClientModelsPooledAndUnpooled, GarbageResponseIsAReadError) {
  expect_all(run_model(model(), plan_for(model(), pooled(), mockd_.url() + "/x?fault=garbage", 20)),
             ErrorKind::read);
}

TEST_P(ClientModelsPooledAndUnpooled, EmptyResponseIsAReadError) {
  expect_all(run_model(model(), plan_for(model(), pooled(), mockd_.url() + "/x?fault=empty", 20)),
             ErrorKind::read);
}

TEST_P(ClientModelsPooledAndUnpooled, RefusedConnectionIsAConnectError) {
  harness::MockdProcess gone;
  const std::string url = gone.url() + "/x";
  gone.stop();
  expect_all(run_model(model(), plan_for(model(), pooled(), url, 10)), ErrorKind::connect);
}

TEST_P(ClientModelsPooledAndUnpooled, HttpsWithVerifiedCertificate) {
  for (const std::string version : {"1.2", "1.3"}) {
    SCOPED_TRACE("TLS " + version);
    const std::string cert = temp_path("mockd-cert-" + version);
    harness::MockdProcess tls({"--tls", "--tls-version", version, "--cert-out", cert});
    auto plan = plan_for(model(), pooled(), tls.url() + "/x?bytes=1000", 40);
    plan.cacert = cert;
    const auto r = run_model(model(), plan);
    expect_all(r, ErrorKind::none);
    const long accepted = server_stat(tls, "connections_accepted", cert);
    EXPECT_EQ(static_cast<long>(r.connections_opened), accepted);
    EXPECT_EQ(server_stat(tls, "tls_handshakes", cert), accepted);
    if (!pooled()) {
      EXPECT_EQ(accepted, 40);
    }
    std::remove(cert.c_str());
  }
}

TEST_P(ClientModelsPooledAndUnpooled, UnverifiableCertificateIsAConnectError) {
  harness::MockdProcess tls({"--tls"});
  expect_all(run_model(model(), plan_for(model(), pooled(), tls.url() + "/x", 4)),
             ErrorKind::connect);
}

TEST_P(ClientModelsPooledAndUnpooled, IdleConnectionClosedByTheServerIsReplaced) {
  harness::MockdProcess quick_to_close({"--idle-timeout-ms", "20"});
  auto plan = plan_for(model(), pooled(), quick_to_close.url() + "/x", 5, 1);
  plan.rate_per_s = 10;  // 100 ms apart: the server has closed the last connection each time
  const auto r = run_model(model(), plan);
  expect_all(r, ErrorKind::none);
  EXPECT_EQ(server_stat(quick_to_close, "connections_accepted"), 5);
}

TEST_P(ClientModelsPooledAndUnpooled, OpenLoopStartsRequestsOnSchedule) {
  auto plan = plan_for(model(), pooled(), mockd_.url() + "/x", 20);
  plan.rate_per_s = 200;
  const auto r = run_model(model(), plan);
  expect_all(r, ErrorKind::none);
  for (std::size_t i = 0; i < r.samples.size(); ++i)
    EXPECT_EQ(std::chrono::round<std::chrono::microseconds>(r.samples[i].start - r.started),
              std::chrono::microseconds(i * 5000));
  EXPECT_GE(r.wall, 95ms);  // the last request is due 19 / 200 s after the start
}

std::string pooling_name(const testing::TestParamInfo<std::tuple<std::string, bool>>& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param) ? "_pooled" : "_unpooled");
}
INSTANTIATE_TEST_SUITE_P(Checks, ClientModelsPooledAndUnpooled,
                         testing::Combine(testing::ValuesIn(kModels), testing::Bool()),
                         pooling_name);

// --- C1: pooling, counted by the server -------------------------------------

class ClientModels : public testing::TestWithParam<std::string> {
 protected:
  harness::MockdProcess mockd_;
};

TEST_P(ClientModels, PooledOpensOneConnectionPerWorker) {
  const std::string& model = GetParam();
  harness::reset_stats(mockd_.url());
  // A small delay keeps every worker busy long enough to take part.
  const auto r = run_model(model, plan_for(model, true, mockd_.url() + "/x?delay_ms=2", 200));
  expect_all(r, ErrorKind::none);
  const long accepted = server_stat(mockd_, "connections_accepted");
  if (sequential(model))
    EXPECT_EQ(accepted, 1);
  else if (model == "threads_curl")
    EXPECT_EQ(accepted, 8);
  else
    EXPECT_LE(accepted, 8);
  EXPECT_GE(accepted, 1);
  EXPECT_EQ(static_cast<long>(r.connections_opened), accepted);
}

TEST_P(ClientModels, UnpooledOpensOneConnectionPerRequest) {
  const std::string& model = GetParam();
  harness::reset_stats(mockd_.url());
  const auto r = run_model(model, plan_for(model, false, mockd_.url() + "/x", 200));
  expect_all(r, ErrorKind::none);
  EXPECT_EQ(server_stat(mockd_, "connections_accepted"), 200);
  EXPECT_EQ(r.connections_opened, 200u);
}

TEST_P(ClientModels, ThreadsAreOneUnlessThePoolHasWorkers) {
  const std::string& model = GetParam();
  const auto r = run_model(model, plan_for(model, true, mockd_.url() + "/x", 16));
  EXPECT_EQ(r.threads, model == "threads_curl" ? 8u : 1u);
}

TEST_P(ClientModels, TlsSessionCacheResumesNewConnectionsOnlyForCurl) {
  const std::string& model = GetParam();
  const std::string cert = temp_path("mockd-cert-resume");
  harness::MockdProcess tls({"--tls", "--cert-out", cert});
  for (const bool cache : {true, false}) {
    SCOPED_TRACE(cache ? "session cache on" : "session cache off");
    harness::reset_stats(tls.url(), cert);
    auto plan = plan_for(model, false, tls.url() + "/x", 20, 2);
    plan.cacert = cert;
    plan.tls_session_cache = cache;
    expect_all(run_model(model, plan), ErrorKind::none);
    EXPECT_EQ(server_stat(tls, "tls_handshakes", cert), 20);
    const long resumed = server_stat(tls, "tls_resumed", cert);
    // libcurl resumes with its session cache; httplib and our Asio client never do.
    if (cache && model.find("curl") != std::string::npos)
      EXPECT_GE(resumed, 1);
    else
      EXPECT_EQ(resumed, 0);
  }
  std::remove(cert.c_str());
}

std::string model_name(const testing::TestParamInfo<std::string>& info) {
  return info.param;
}
INSTANTIATE_TEST_SUITE_P(Pooling, ClientModels, testing::ValuesIn(kModels), model_name);

// --- C2: connection limits (the models that have them) ----------------------

class ClientModelsWithLimits : public testing::TestWithParam<std::string> {
 protected:
  harness::MockdProcess mockd_;
};

TEST_P(ClientModelsWithLimits, LimitCapsServerPeakConnections) {
  for (const std::size_t concurrency : {std::size_t{0}, std::size_t{8}}) {
    for (const std::size_t limit : {1, 3}) {
      SCOPED_TRACE("concurrency " + std::to_string(concurrency) + ", limit " +
                   std::to_string(limit));
      harness::reset_stats(mockd_.url());
      auto plan = plan_for(GetParam(), true, mockd_.url() + "/x?delay_ms=5", 40, concurrency);
      plan.limit = limit;
      const auto r = run_model(GetParam(), plan);
      expect_all(r, ErrorKind::none);  // over the limit means waiting, not failing
      EXPECT_LE(server_stat(mockd_, "connections_peak"), static_cast<long>(limit));
      EXPECT_LE(server_stat(mockd_, "connections_accepted"), static_cast<long>(limit));
      EXPECT_GE(r.wall, 40 / limit * 5ms);  // at most `limit` delays overlap
    }
  }
}

TEST_P(ClientModelsWithLimits, LimitPerHostHoldsPerHost) {
  harness::MockdProcess other;
  harness::reset_stats(mockd_.url());
  auto plan = plan_for(GetParam(), true, mockd_.url() + "/x?delay_ms=5", 60, 0);
  plan.urls.push_back(other.url() + "/x?delay_ms=5");
  plan.limit_per_host = 2;
  const auto r = run_model(GetParam(), plan);
  expect_all(r, ErrorKind::none);
  for (const auto* server : {&mockd_, &other}) {
    EXPECT_LE(server_stat(*server, "connections_peak"), 2);
    EXPECT_EQ(server_stat(*server, "requests_total"), 30);
  }
}

TEST_P(ClientModelsWithLimits, RequestWaitingForASlotPastTheTimeoutIsATimeoutError) {
  auto plan = plan_for(GetParam(), true, mockd_.url() + "/x?delay_ms=400", 4, 0);
  plan.limit = 1;
  plan.timeout = 1400ms;
  const auto r = run_model(GetParam(), plan);
  // One at a time, the third ends at 1200 ms; the fourth would end at 1600, but
  // its timeout started when it was spawned, not when it got the slot.
  EXPECT_EQ(count(r, ErrorKind::none), 3u);
  EXPECT_EQ(count(r, ErrorKind::timeout), 1u);
}

// Runs `plan` in a child process whose open-file limit leaves `spare` free
// descriptors, and returns how many requests ended as fd_exhausted, or -1 if
// any ended otherwise than that or success.
int fd_exhausted_under_fd_limit(const std::string& model, const Plan& plan, int spare) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int lowest_free = dup(0);
    close(lowest_free);
    const rlimit limit{static_cast<rlim_t>(lowest_free + spare),
                       static_cast<rlim_t>(lowest_free + spare)};
    setrlimit(RLIMIT_NOFILE, &limit);
    const auto r = run_model(model, plan);
    const auto exhausted = count(r, ErrorKind::fd_exhausted);
    _exit(exhausted + count(r, ErrorKind::none) == r.samples.size() ? static_cast<int>(exhausted)
                                                                    : 255);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) != 255 ? WEXITSTATUS(status) : -1;
}

TEST_P(ClientModelsWithLimits, UnlimitedRunOutOfFileDescriptorsFailsAndALimitedOneSucceeds) {
  auto plan = plan_for(GetParam(), false, mockd_.url() + "/x?delay_ms=200", 40, 0);
  EXPECT_GT(fd_exhausted_under_fd_limit(GetParam(), plan, 12), 0);
  plan.limit = 4;
  EXPECT_EQ(fd_exhausted_under_fd_limit(GetParam(), plan, 12), 0);
}

TEST(ClientFdLimit, ThreadPoolWorkersOutOfFileDescriptorsReportFdExhausted) {
  harness::MockdProcess mockd;
  auto plan = plan_for("threads_curl", false, mockd.url() + "/x?delay_ms=200", 40, 40);
  EXPECT_GT(fd_exhausted_under_fd_limit("threads_curl", plan, 12), 0);
}

INSTANTIATE_TEST_SUITE_P(Limits, ClientModelsWithLimits, testing::ValuesIn(kClientModelsWithLimits),
                         model_name);

TEST(ClientAsioCoro, IdleConnectionsPastTheKeepAliveTimeoutAreNotReused) {
  harness::MockdProcess mockd;
  for (const auto keepalive : {20ms, 10'000ms}) {
    SCOPED_TRACE("keep-alive timeout " + std::to_string(keepalive.count()) + " ms");
    harness::reset_stats(mockd.url());
    auto plan = plan_for("asio_coro", true, mockd.url() + "/x", 5, 1);
    plan.rate_per_s = 10;  // 100 ms apart
    plan.keepalive_timeout = keepalive;
    expect_all(run_model("asio_coro", plan), ErrorKind::none);
    EXPECT_EQ(server_stat(mockd, "connections_accepted"), keepalive < 100ms ? 5 : 1);
  }
}

// --- Plumbing: registry, plan checks, statistics ------------------------------

TEST(ClientRegistry, ListsEveryModel) {
  auto names = model_names();
  auto expected = kModels;
  // The Python models have their own tests (python_models_test.cpp).
  for (const char* py : {"py_aiohttp", "py_aiohttp_uvloop", "py_requests", "py_requests_threads"})
    expected.push_back(py);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
}

TEST(ClientRegistry, UnknownModelOrBadPlanThrows) {
  Plan plan;
  plan.urls = {"http://127.0.0.1:1/"};
  EXPECT_THROW(run_model("no_such_model", plan), std::invalid_argument);
  plan.urls = {"ftp://127.0.0.1/"};
  EXPECT_THROW(run_model("blocking_curl", plan), std::invalid_argument);
  plan.urls = {};
  EXPECT_THROW(run_model("blocking_curl", plan), std::invalid_argument);
}

TEST(ClientPlan, ExpectedBytesComeFromTheUrlUnlessThePlanSaysSo) {
  EXPECT_EQ(bytes_param("http://h/x?delay_ms=1&bytes=42"), 42u);
  EXPECT_EQ(bytes_param("http://h/x?nbytes=42"), std::nullopt);
  EXPECT_EQ(bytes_param("http://h/x"), std::nullopt);
  Plan plan;
  plan.urls = {"http://h:8/x?bytes=7", "https://[::1]/y"};
  auto targets = parse_targets(plan);
  EXPECT_EQ(targets[0].expected_bytes, 7u);
  EXPECT_EQ(targets[0].origin, "http://h:8");
  EXPECT_EQ(targets[0].path, "/x?bytes=7");
  EXPECT_EQ(targets[1].expected_bytes, std::nullopt);
  EXPECT_EQ(targets[1].host, "::1");
  EXPECT_EQ(targets[1].port, 443);
  plan.expected_bytes = 9;
  EXPECT_EQ(parse_targets(plan)[1].expected_bytes, 9u);
}

TEST(ClientRunSummary, ThroughputCountsSuccessfulRequestsOnly) {
  RunResult r;
  r.wall = std::chrono::seconds(2);
  r.samples.resize(10);
  for (std::size_t i = 0; i < 6; ++i) r.samples[i].error = ErrorKind::connect;
  const RunSummary s = summarize(r);
  EXPECT_EQ(s.ok, 4u);
  EXPECT_DOUBLE_EQ(s.requests_per_s, 2.0);  // 4 successful in 2 s, not 10
  EXPECT_DOUBLE_EQ(s.errors_per_s, 3.0);
}

TEST(ClientRunSummary, RunWhereEveryRequestFailedHasNoThroughput) {
  harness::MockdProcess gone;
  const std::string url = gone.url() + "/x";
  gone.stop();
  const RunSummary s = summarize(run_model("asio_coro", plan_for("asio_coro", true, url, 50)));
  EXPECT_EQ(s.ok, 0u);
  EXPECT_EQ(s.requests_per_s, 0.0);
  EXPECT_GT(s.errors_per_s, 0.0);
}

TEST(ClientLatencyStats, PercentilesInterpolateBetweenRanks) {
  EXPECT_DOUBLE_EQ(median({1, 2, 3, 4}), 2.5);
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 90), 4.6);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 100), 5);
  EXPECT_DOUBLE_EQ(percentile({7}, 99.9), 7);
  const auto s = latency_stats({4, 1, 3, 2});
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 4);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.p50, 2.5);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(1.25));
  EXPECT_EQ(latency_stats({}).count, 0u);
}

}  // namespace
}  // namespace clients
