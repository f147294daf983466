// The client models against a real mockd: every model, pooled and unpooled,
// makes checked requests, opens the connections its pooling promises (counted
// by the server), respects connection limits, times out, reports bad
// responses by kind, and speaks verified HTTPS. Counts are exact; times are
// only bounded generously. Every suite name starts with Client (ctest -R Client).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

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

// --- The request itself: method, headers, body; timed plans ----------------

// A one-thread HTTP/1.1 server that keeps every request's bytes (header and
// Content-Length body) and answers each with a 2-byte body on the same
// connection: what a model really sends, byte for byte.
class CaptureServer {
 public:
  CaptureServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("capture server: cannot listen");
    port_ = ntohs(addr.sin_port);
    thread_ = std::jthread([this] { serve(); });
  }
  ~CaptureServer() {
    shutdown(listen_fd_, SHUT_RDWR);  // ends a blocked accept()
    thread_.join();
    close(listen_fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    for (int c; (c = accept(listen_fd_, nullptr, nullptr)) >= 0; close(c)) {
      timeval tv{5, 0};  // a client that neither sends nor closes cannot hang the test
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string pending;
      char buf[65536];
      for (ssize_t n; (n = recv(c, buf, sizeof buf, 0)) > 0;) {
        pending.append(buf, static_cast<std::size_t>(n));
        for (std::size_t end; (end = pending.find("\r\n\r\n")) != std::string::npos;) {
          std::string head = pending.substr(0, end);
          for (auto& ch : head)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          const auto at = head.find("\r\ncontent-length:");
          const std::size_t body = at == std::string::npos ? 0 : std::stoul(head.substr(at + 17));
          if (pending.size() < end + 4 + body) break;
          {
            std::lock_guard lock(mutex_);
            requests_.push_back(pending.substr(0, end + 4 + body));
          }
          pending.erase(0, end + 4 + body);
          const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          if (::send(c, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) break;
        }
      }
    }
  }

  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> requests_;
  std::jthread thread_;
};

class ClientRequests : public testing::TestWithParam<std::string> {};

TEST_P(ClientRequests, MethodHeadersAndBodyAreSentAsPlanned) {
  const std::string& model = GetParam();
  CaptureServer server;
  auto plan = plan_for(model, true, server.url() + "/p?q=1", 3, 1);
  plan.method = "PUT";
  plan.headers = {{"X-Test", "a b"}, {"X-Test", "again"}, {"X-Empty", ""}};
  plan.body = std::string("hello\0world", 11);  // binary: a NUL must not cut it
  std::atomic<std::size_t> completed{0};
  plan.completed = &completed;
  const auto r = run_model(model, plan);
  expect_all(r, ErrorKind::none);
  EXPECT_EQ(completed.load(), 3u);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& req : requests) {
    EXPECT_TRUE(req.starts_with("PUT /p?q=1 HTTP/1.1\r\n")) << req;
    EXPECT_NE(req.find("\r\nX-Test: a b\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nX-Test: again\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nX-Empty:"), std::string::npos) << req;
    EXPECT_NE(req.find("\r\nContent-Type: application/octet-stream\r\n"), std::string::npos) << req;
    EXPECT_EQ(req.find("Expect:"), std::string::npos) << req;  // no 100-continue round trip
    EXPECT_TRUE(req.ends_with(std::string("\r\n\r\nhello\0world", 15))) << req;
  }
}

TEST_P(ClientRequests, PlanContentTypeWinsAndPostWithoutBodySaysLengthZero) {
  const std::string& model = GetParam();
  CaptureServer server;
  auto plan = plan_for(model, true, server.url() + "/p", 2, 1);
  plan.method = "POST";
  plan.headers = {{"Content-Type", "text/plain"}};
  expect_all(run_model(model, plan), ErrorKind::none);
  plan.body = "x";
  expect_all(run_model(model, plan), ErrorKind::none);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& req = requests[i];
    EXPECT_TRUE(req.starts_with("POST /p HTTP/1.1\r\n")) << req;
    EXPECT_NE(req.find(i < 2 ? "\r\nContent-Length: 0\r\n" : "\r\nContent-Length: 1\r\n"),
              std::string::npos)
        << req;
    EXPECT_EQ(req.find("octet-stream"), std::string::npos) << req;
  }
}

TEST_P(ClientRequests, HeadIsAnsweredWithoutABodyOnAReusedConnection) {
  const std::string& model = GetParam();
  harness::MockdProcess mockd;
  auto plan = plan_for(model, true, mockd.url() + "/x?bytes=1000", 20, 2);
  plan.method = "HEAD";
  plan.expected_bytes = 0;  // the header says 1000; no body follows
  const auto r = run_model(model, plan);
  expect_all(r, ErrorKind::none);
  for (const Sample& s : r.samples) EXPECT_EQ(s.body_bytes, 0u);
  EXPECT_EQ(server_stat(mockd, "requests_total"), 20);
  EXPECT_LE(r.connections_opened, 2u);  // a body left unread would have broken reuse
}

// A HEAD response announces the length bytes=N asks for but carries no body:
// the size expected of it is 0, with no expected_bytes in the plan.
TEST_P(ClientRequests, HeadWithBytesInTheUrlExpectsNoBody) {
  const std::string& model = GetParam();
  harness::MockdProcess mockd;
  auto plan = plan_for(model, true, mockd.url() + "/x?bytes=1000", 10, 2);
  plan.method = "HEAD";
  const auto r = run_model(model, plan);
  expect_all(r, ErrorKind::none);
  EXPECT_EQ(count(r, ErrorKind::body_size), 0u);
  for (const Sample& s : r.samples) EXPECT_EQ(s.status, 200);
  EXPECT_EQ(server_stat(mockd, "requests_total"), 10);
}

TEST_P(ClientRequests, TimedPlanStartsRequestsUntilItsEndAndCountsEachOnce) {
  const std::string& model = GetParam();
  harness::MockdProcess mockd;
  harness::reset_stats(mockd.url());
  auto plan = plan_for(model, true, mockd.url() + "/x?delay_ms=5&bytes=10", 1'000'000, 2);
  plan.duration = 300ms;
  std::atomic<std::size_t> completed{0};
  plan.completed = &completed;
  const auto r = run_model(model, plan);
  expect_all(r, ErrorKind::none);
  EXPECT_GE(r.wall, 300ms);
  // 5 ms a request: a handful at least, and far below the ceiling.
  EXPECT_GE(r.samples.size(), 10u);
  EXPECT_LT(r.samples.size(), 1'000u);
  EXPECT_EQ(completed.load(), r.samples.size());
  EXPECT_EQ(server_stat(mockd, "requests_total"), static_cast<long>(r.samples.size()));
  for (const Sample& s : r.samples) {
    EXPECT_LT(s.start, r.started + 300ms);
    EXPECT_EQ(s.body_bytes, 10u);
  }
}

TEST_P(ClientRequests, TimedOpenLoopPlanMakesRateTimesDurationRequests) {
  const std::string& model = GetParam();
  harness::MockdProcess mockd;
  auto plan = plan_for(model, true, mockd.url() + "/x", 1'000'000, 2);
  plan.duration = 500ms;
  plan.rate_per_s = 40;  // due at 0, 25, ..., 475 ms
  const auto r = run_model(model, plan);
  expect_all(r, ErrorKind::none);
  EXPECT_EQ(r.samples.size(), 20u);
}

INSTANTIATE_TEST_SUITE_P(Request, ClientRequests, testing::ValuesIn(kModels), model_name);

TEST(ClientRegistry, BadRequestsAndTimedGatherAreRefused) {
  Plan good;
  good.urls = {"http://127.0.0.1:1/"};
  std::vector<Plan> bad(12, good);
  bad[0].method = "GE T";
  bad[1].method = "";
  bad[2].headers = {{"Bad Name", "x"}};
  bad[3].headers = {{"X-Split", "a\r\nInjected: yes"}};
  bad[4].headers = {{"X-Nul", std::string("a\0b", 3)}};
  bad[5].body.assign(kMaxRequestBodyBytes + 1, 'x');
  bad[6].duration = 100ms;
  bad[6].concurrency = 0;
  // A HEAD response has no body to check a size of; libcurl would drop a HEAD's body.
  bad[7].method = bad[8].method = "HEAD";
  bad[7].expected_bytes = 5;
  bad[8].body = "x";
  // No response has these statuses: every request would fail.
  bad[9].expected_status = -1;
  bad[10].expected_status = 99;
  bad[11].expected_status = 600;
  for (const auto& model : kModels)
    for (std::size_t i = 0; i < bad.size(); ++i)
      EXPECT_THROW(run_model(model, bad[i]), std::invalid_argument) << model << " plan " << i;
}

// The headers that frame a message or route it (Content-Length on a GET once
// hung curl_multi against mockd, asio_coro dropped it): refused before any
// request, by every model (the Python ones too) with the same message.
TEST(ClientRegistry, FramingHeadersAreRefusedByEveryModelAlike) {
  for (const char* name : {"Content-Length", "transfer-encoding", "HOST", "Connection"}) {
    Plan plan;
    plan.urls = {"http://127.0.0.1:1/"};  // nothing listens: a run would show as connect errors
    plan.headers = {{"X-Fine", "1"}, {name, "5"}};
    std::string first_message;
    for (const auto& model : model_names()) {
      SCOPED_TRACE(model + " with " + name);
      try {
        run_model(model, plan);
        ADD_FAILURE() << "not refused";
      } catch (const std::invalid_argument& e) {
        if (first_message.empty()) first_message = e.what();
        EXPECT_EQ(e.what(), first_message);
        EXPECT_NE(std::string(e.what()).find("header"), std::string::npos) << e.what();
      }
    }
  }
}

TEST(ClientRunSummary, HistogramIsHeysElevenEvenBoundsFromFastestToSlowest) {
  std::vector<double> latencies;
  for (int i = 0; i <= 10; ++i) latencies.push_back(100 + 10 * i);  // 100, 110, ..., 200
  latencies.push_back(105);                                         // above 100, at most 110
  const auto h = latency_histogram(latencies);
  ASSERT_EQ(h.size(), kHistogramBuckets);
  for (std::size_t i = 0; i < h.size(); ++i) {
    EXPECT_DOUBLE_EQ(h[i].upper_us, 100 + 10.0 * static_cast<double>(i));
    EXPECT_EQ(h[i].count, i == 1 ? 2u : 1u) << "bucket " << i;
  }
  EXPECT_TRUE(latency_histogram({}).empty());
  const auto same = latency_histogram({7, 7, 7});
  ASSERT_EQ(same.size(), kHistogramBuckets);
  EXPECT_EQ(same[0].count, 3u);
}

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

TEST(ClientStatusReason, FromAJsonMessageElseTheFirstLineCutAndMadeSafe) {
  // mockd's refusal: the message, which names the parameter.
  EXPECT_EQ(reason_from_body(R"({"error":"bad request parameter","param":"delay_ms",)"
                             R"("message":"delay_ms: must be a number"})"
                             "\n"),
            "delay_ms: must be a number");
  EXPECT_EQ(reason_from_body(R"({"detail":"Not Found"})"), "Not Found");
  EXPECT_EQ(reason_from_body(R"({"error":"quota"})"), "quota");
  // Text, or JSON without a reason: the first line with something on it.
  EXPECT_EQ(reason_from_body("\n  \r\n  Service Unavailable \r\nretry later\n"),
            "Service Unavailable");
  EXPECT_EQ(reason_from_body(R"({"code":7})"), R"({"code":7})");
  EXPECT_EQ(reason_from_body(""), "");
  // Long: cut at 200 bytes, never inside a UTF-8 character (é is 2 bytes).
  std::string long_text(199, 'a');
  for (int i = 0; i < 10; ++i) long_text += "\xc3\xa9";
  EXPECT_EQ(reason_from_body(long_text), std::string(199, 'a') + "...");
  // Not UTF-8, or control characters: replaced, so JSON and a terminal take it.
  EXPECT_EQ(reason_from_body("bad \xff byte\tand tab"), "bad \xef\xbf\xbd byte and tab");
  // What a model keeps of a body is bounded.
  std::string head;
  keep_body_head(head, std::string(kReasonBodyBytes - 10, 'x'));
  keep_body_head(head, std::string(100, 'y'));
  EXPECT_EQ(head.size(), kReasonBodyBytes);
}

TEST(ClientRunSummary, PeakInFlightCountsOverlapsNotRequestsThatTouch) {
  const auto t = [](int ms) { return Clock::time_point(std::chrono::milliseconds(ms)); };
  const auto sample = [&](int start, int end) {
    Sample s;
    s.start = t(start);
    s.end = t(end);
    return s;
  };
  EXPECT_EQ(peak_in_flight({}), 0u);
  // One after another, each starting as the last ended: never two at once.
  EXPECT_EQ(peak_in_flight({sample(0, 10), sample(10, 20), sample(20, 30)}), 1u);
  // Three at once in [5, 8), whatever the order of the samples.
  EXPECT_EQ(peak_in_flight({sample(6, 9), sample(0, 10), sample(2, 4), sample(5, 8)}), 3u);
  // Zero-length requests at the same instant overlap nothing, not even each other.
  EXPECT_EQ(peak_in_flight({sample(5, 5), sample(5, 5), sample(0, 5)}), 1u);
  EXPECT_EQ(peak_in_flight({sample(5, 5), sample(5, 5), sample(5, 9), sample(5, 7)}), 2u);
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
