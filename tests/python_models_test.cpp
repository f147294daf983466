// The Python client models (clients/python/, run by clients/python_model.cpp)
// against a real mockd, held to the C++ models' signatures: connections
// counted by the server, every response checked by kind, samples on the
// caller's clock, and a child that crashes, hangs or answers garbage ends as
// `other` errors with no process left behind. Every suite name starts with
// Python (ctest -R Python). Each run starts an interpreter (~0.2 s), so
// request counts are small.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>

#include "child_process.hpp"
#include "client_model.hpp"
#include "client_test_support.hpp"
#include "http_get.hpp"
#include "mockd_process.hpp"

namespace clients {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kPythonModels = {"py_requests", "py_requests_threads", "py_aiohttp",
                                                "py_aiohttp_uvloop"};

Plan plan_for(bool pooled, std::string url, std::size_t requests, std::size_t concurrency = 4) {
  Plan plan;
  plan.urls = {std::move(url)};
  plan.requests = requests;
  plan.concurrency = concurrency;
  plan.pooling = pooled;
  return plan;
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

// Processes whose parent is this test process (zombies included).
std::vector<pid_t> children_of_this_process() {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may contain spaces, so parse after ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid())
      out.push_back(std::stoi(name));
  }
  return out;
}

// --- Every Python model, pooled and unpooled --------------------------------

class PythonModelsPooledAndUnpooled : public testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  const std::string& model() const { return std::get<0>(GetParam()); }
  bool pooled() const { return std::get<1>(GetParam()); }
  harness::MockdProcess mockd_;
};

TEST_P(PythonModelsPooledAndUnpooled, CheckedRequestsOnTheCallersClockAndPromisedConnections) {
  constexpr std::size_t kRequests = 40, kConcurrency = 4;
  harness::reset_stats(mockd_.url());
  // A small delay keeps every worker busy long enough to take part.
  auto plan = plan_for(pooled(), mockd_.url() + "/x?bytes=100&delay_ms=2", kRequests, kConcurrency);
  const auto called = Clock::now();
  const auto r = run_model(model(), plan);
  const auto returned = Clock::now();
  ASSERT_EQ(r.samples.size(), kRequests);
  expect_all(r, ErrorKind::none);
  for (const Sample& s : r.samples) {
    EXPECT_EQ(s.status, 200);
    EXPECT_EQ(s.body_bytes, 100u);
    // time.monotonic_ns() in the child is the parent's steady_clock.
    EXPECT_GE(s.start, called);
    EXPECT_LE(s.end, returned);
    EXPECT_LE(s.start, s.end);
    EXPECT_GE(s.start, r.started);  // the timed run starts when the plan is sent
  }
  EXPECT_EQ(server_stat(mockd_, "requests_total"), static_cast<long>(kRequests));
  const long accepted = server_stat(mockd_, "connections_accepted");
  EXPECT_EQ(static_cast<long>(r.connections_opened), accepted);
  EXPECT_EQ(
      static_cast<std::size_t>(std::count_if(r.samples.begin(), r.samples.end(),
                                             [](const Sample& s) { return s.new_connection; })),
      r.connections_opened);
  if (!pooled())
    EXPECT_EQ(accepted, static_cast<long>(kRequests));
  else if (model() == "py_requests")
    EXPECT_EQ(accepted, 1);
  else {
    EXPECT_GE(accepted, 1);
    EXPECT_LE(accepted, static_cast<long>(kConcurrency));
  }
  // The child's own figures, and its start-up outside the timed run.
  EXPECT_TRUE(r.measured_by_model);
  ASSERT_TRUE(r.startup_ms.has_value());
  EXPECT_GT(*r.startup_ms, 0);
  EXPECT_GT(r.peak_rss_kib, 1024);
  EXPECT_GT(r.cpu, 0us);
  EXPECT_EQ(r.threads, model() == "py_requests_threads" ? kConcurrency : 1u);
  EXPECT_EQ(r.details.at("python_version").substr(0, 2), "3.");
}

TEST_P(PythonModelsPooledAndUnpooled, WrongBodySizeIsABodySizeError) {
  auto plan = plan_for(pooled(), mockd_.url() + "/x?bytes=50", 8);
  plan.expected_bytes = 60;
  const auto r = run_model(model(), plan);
  expect_all(r, ErrorKind::body_size);
  for (const Sample& s : r.samples) EXPECT_EQ(s.body_bytes, 50u);
}

TEST_P(PythonModelsPooledAndUnpooled, UnexpectedStatusIsAStatusError) {
  const auto r = run_model(model(), plan_for(pooled(), mockd_.url() + "/x?status=500", 8));
  expect_all(r, ErrorKind::status);
  for (const Sample& s : r.samples) EXPECT_EQ(s.status, 500);
}

// The child sends the first bytes of a refusal's body; the parent reads the
// reason from them as it does for the C++ models.
TEST_P(PythonModelsPooledAndUnpooled, A400sReasonComesFromItsBody) {
  const auto r = run_model(model(), plan_for(pooled(), mockd_.url() + "/x?delay_ms=abc", 4));
  expect_all(r, ErrorKind::status);
  EXPECT_EQ(r.status_reasons,
            (std::map<int, std::string>{
                {400, "delay_ms: must be a non-negative number of milliseconds (got 'abc')"}}));
}

TEST_P(PythonModelsPooledAndUnpooled, RefusedConnectionIsAConnectError) {
  harness::MockdProcess gone;
  const std::string url = gone.url() + "/x";
  gone.stop();
  expect_all(run_model(model(), plan_for(pooled(), url, 4)), ErrorKind::connect);
}

TEST_P(PythonModelsPooledAndUnpooled, RequestOverTheTimeoutIsATimeoutError) {
  constexpr std::size_t kRequests = 4;
  auto plan = plan_for(pooled(), mockd_.url() + "/slow?delay_ms=1000", kRequests, 2);
  plan.timeout = 100ms;
  const auto r = run_model(model(), plan);
  expect_all(r, ErrorKind::timeout);
  EXPECT_LT(r.wall, kRequests * 1000ms / 2);  // no request waited for the server's delay
}

TEST_P(PythonModelsPooledAndUnpooled, HttpsWithVerifiedCertificate) {
  const std::string cert = temp_path("py-mockd-cert");
  harness::MockdProcess tls({"--tls", "--cert-out", cert});
  auto plan = plan_for(pooled(), tls.url() + "/x?bytes=1000", 12);
  plan.cacert = cert;
  const auto r = run_model(model(), plan);
  expect_all(r, ErrorKind::none);
  const long accepted = server_stat(tls, "connections_accepted", cert);
  EXPECT_EQ(static_cast<long>(r.connections_opened), accepted);
  EXPECT_EQ(server_stat(tls, "tls_handshakes", cert), accepted);
  // Neither requests nor aiohttp hands Python's ssl module a session to resume.
  EXPECT_EQ(server_stat(tls, "tls_resumed", cert), 0);
  if (!pooled()) {
    EXPECT_EQ(accepted, 12);
  }
  std::remove(cert.c_str());
}

TEST_P(PythonModelsPooledAndUnpooled, UnverifiableCertificateIsAConnectError) {
  harness::MockdProcess tls({"--tls"});
  expect_all(run_model(model(), plan_for(pooled(), tls.url() + "/x", 4)), ErrorKind::connect);
}

std::string pooling_name(const testing::TestParamInfo<std::tuple<std::string, bool>>& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param) ? "_pooled" : "_unpooled");
}
INSTANTIATE_TEST_SUITE_P(Checks, PythonModelsPooledAndUnpooled,
                         testing::Combine(testing::ValuesIn(kPythonModels), testing::Bool()),
                         pooling_name);

// --- aiohttp's connector limit, counted by the server -----------------------

class PythonAiohttp : public testing::TestWithParam<std::string> {
 protected:
  harness::MockdProcess mockd_;
};

TEST_P(PythonAiohttp, LimitIsThePeakOfConnectionsWhenEverythingIsGathered) {
  constexpr std::size_t kLimit = 5;
  harness::reset_stats(mockd_.url());
  // 60 requests gathered at once over a 20 ms delay: the limit is always full.
  auto plan = plan_for(true, mockd_.url() + "/x?delay_ms=20", 60, 0);
  plan.limit = kLimit;
  const auto r = run_model(GetParam(), plan);
  expect_all(r, ErrorKind::none);
  EXPECT_EQ(server_stat(mockd_, "connections_peak"), static_cast<long>(kLimit));
  EXPECT_EQ(server_stat(mockd_, "connections_accepted"), static_cast<long>(kLimit));
  EXPECT_EQ(r.details.at("effective_limit"), std::to_string(kLimit));
  EXPECT_EQ(r.details.at("workers"), "all (gather)");
}

TEST_P(PythonAiohttp, FewerWorkersThanTheLimitOpenAtMostOnePerWorker) {
  harness::reset_stats(mockd_.url());
  auto plan = plan_for(true, mockd_.url() + "/x?delay_ms=5", 30, 3);
  plan.limit = 10;
  expect_all(run_model(GetParam(), plan), ErrorKind::none);
  EXPECT_LE(server_stat(mockd_, "connections_accepted"), 3);
}

TEST_P(PythonAiohttp, NoLimitInThePlanIsAiohttpsDefaultAndSaysSo) {
  const auto r = run_model(GetParam(), plan_for(true, mockd_.url() + "/x", 4, 0));
  expect_all(r, ErrorKind::none);
  EXPECT_EQ(r.details.at("effective_limit"), "100 (aiohttp default)");
}

// asyncio.Semaphore(32) over 160 gathered requests on one session (the
// limits scenario's cap): exactly 32 requests inside it at once, and the
// shared session's pool keeps the server's count of connections, opened and
// open at once, at most 32 although the connector's limit (aiohttp's default
// 100) would allow more.
TEST_P(PythonAiohttp, SemaphoreOverOneSessionHoldsItsPermitsAndPools) {
  constexpr std::size_t kPermits = 32;
  harness::reset_stats(mockd_.url());
  auto plan = plan_for(true, mockd_.url() + "/x?delay_ms=20", 160, kPermits);
  plan.semaphore = true;
  const auto r = run_model(GetParam(), plan);
  expect_all(r, ErrorKind::none);
  EXPECT_EQ(r.details.at("in_flight_peak"), std::to_string(kPermits));
  EXPECT_EQ(r.details.at("workers"), "none: asyncio.Semaphore(32) over a gather");
  EXPECT_EQ(r.details.at("effective_limit"), "100 (aiohttp default)");
  EXPECT_LE(server_stat(mockd_, "connections_peak"), static_cast<long>(kPermits));
  EXPECT_LE(server_stat(mockd_, "connections_accepted"), static_cast<long>(kPermits));
  EXPECT_EQ(server_stat(mockd_, "requests_total"), 160);
  // Every task starts at the gather: the last ones waited for a permit, and
  // their latency includes that wait (at least 4 waves of 20 ms before them).
  const auto slowest =
      std::max_element(r.samples.begin(), r.samples.end(),
                       [](const Sample& a, const Sample& b) { return a.latency < b.latency; });
  EXPECT_GE(slowest->latency, 100ms);
}

INSTANTIATE_TEST_SUITE_P(Limits, PythonAiohttp, testing::Values("py_aiohttp", "py_aiohttp_uvloop"));

// A semaphore plan runs on the aiohttp models only, with at least one permit:
// any other model would run something else under its name.
TEST(PythonAdapter, SemaphoreIsRefusedOutsideAiohttpAndWithoutPermits) {
  auto plan = plan_for(true, "http://127.0.0.1:9/x", 4, 2);
  plan.semaphore = true;
  for (const char* model : {"py_requests", "py_requests_threads", "asio_coro", "curl_multi"})
    EXPECT_THROW(run_model(model, plan), std::invalid_argument) << model;
  plan.concurrency = 0;
  EXPECT_THROW(run_model("py_aiohttp", plan), std::invalid_argument);
}

// --- The adapter: clock, refusals, faults, missing packages -----------------

TEST(PythonAdapter, MonotonicNsIsTheSteadyClock) {
  const auto before = Clock::now();
  harness::ChildProcess child(
      {"/usr/bin/python3", "-c", "import time; print(time.monotonic_ns(), flush=True)"});
  const auto line = child.read_line(Clock::now() + 30s);
  const auto after = Clock::now();
  ASSERT_TRUE(line.has_value());
  const Clock::time_point t{std::chrono::nanoseconds(std::stoll(*line))};
  EXPECT_GE(t, before);
  EXPECT_LE(t, after);
  EXPECT_TRUE(child.wait_until(Clock::now() + 10s));
  EXPECT_EQ(child.exit_status(), 0);
}

TEST(PythonAdapter, OpenLoopIsRefused) {
  auto plan = plan_for(true, "http://127.0.0.1:9/x", 4);
  plan.rate_per_s = 100;
  for (const auto& model : kPythonModels)
    EXPECT_THROW(run_model(model, plan), std::invalid_argument);
}

// fetch's -m/-H/-d/-z reach the Python models only to be refused: a run that
// quietly sent plain GETs would be compared with one that did not.
TEST(PythonAdapter, MethodHeadersBodyAndDurationAreRefused) {
  const auto base = plan_for(true, "http://127.0.0.1:9/x", 4);
  std::vector<Plan> plans(4, base);
  plans[0].method = "POST";
  plans[1].headers = {{"X-Test", "1"}};
  plans[2].body = "hello";
  plans[3].duration = std::chrono::milliseconds(100);
  for (const auto& model : kPythonModels)
    for (const auto& plan : plans) {
      try {
        run_model(model, plan);
        ADD_FAILURE() << model << " accepted the plan";
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find(model), std::string::npos) << e.what();
      }
    }
}

// Stand-ins for py_requests.py that misbehave after the ready line.
class PythonAdapterFaults : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_path("py-fault-models");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  RunResult run_stand_in(const std::string& body, Plan plan) {
    std::ofstream(dir_ + "/py_requests.py") << "import sys, time\n"
                                               "print('{\"ready\": true}', flush=True)\n"
                                               "plan = sys.stdin.readline()\n"
                                            << body;
    ScopedEnv env("CLIENTS_PYTHON_DIR", dir_);
    return run_model("py_requests", plan);
  }

  std::string dir_;
};

TEST_F(PythonAdapterFaults, ChildThatExitsEarlyIsOtherErrorsWithItsStderr) {
  const auto r = run_stand_in("sys.stderr.write('boom: the child gave up\\n')\nsys.exit(3)\n",
                              plan_for(true, "http://127.0.0.1:9/x", 5));
  ASSERT_EQ(r.samples.size(), 5u);
  expect_all(r, ErrorKind::other);
  ASSERT_EQ(r.error_examples.size(), 1u);
  EXPECT_NE(r.error_examples[0].find("status 3"), std::string::npos) << r.error_examples[0];
  EXPECT_NE(r.error_examples[0].find("boom: the child gave up"), std::string::npos)
      << r.error_examples[0];
  EXPECT_TRUE(children_of_this_process().empty());
}

TEST_F(PythonAdapterFaults, ChildThatHangsIsKilledAndIsOtherErrors) {
  auto plan = plan_for(true, "http://127.0.0.1:9/x", 2);
  plan.timeout = 200ms;  // bound: 2 x 200 ms + the adapter's grace of a few seconds
  const auto start = Clock::now();
  const auto r = run_stand_in("time.sleep(3600)\n", plan);
  EXPECT_GE(Clock::now() - start, 400ms);
  expect_all(r, ErrorKind::other);
  ASSERT_EQ(r.error_examples.size(), 1u);
  EXPECT_NE(r.error_examples[0].find("killed"), std::string::npos) << r.error_examples[0];
  EXPECT_TRUE(children_of_this_process().empty());
}

TEST_F(PythonAdapterFaults, UnreadableResultIsOtherErrors) {
  const auto r = run_stand_in("print('this is not JSON', flush=True)\n",
                              plan_for(true, "http://127.0.0.1:9/x", 3));
  expect_all(r, ErrorKind::other);
  ASSERT_EQ(r.error_examples.size(), 1u);
  EXPECT_NE(r.error_examples[0].find("unreadable"), std::string::npos) << r.error_examples[0];
  EXPECT_TRUE(children_of_this_process().empty());
}

TEST_F(PythonAdapterFaults, WrongNumberOfSamplesIsOtherErrors) {
  const auto r = run_stand_in(
      "print('{\"samples\": [], \"connections_opened\": 0, \"threads\": 1, \"cpu_us\": 0, "
      "\"peak_rss_kib\": 0, \"error_examples\": [], \"details\": {}}', flush=True)\n",
      plan_for(true, "http://127.0.0.1:9/x", 3));
  expect_all(r, ErrorKind::other);
}

// The first python3 on PATH that is not Debian's /usr/bin/python3 (e.g.
// pyenv's): an interpreter without the python3-* packages.
std::string other_python() {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::string p = path;
  std::size_t start = 0;
  while (start <= p.size()) {
    const auto end = std::min(p.find(':', start), p.size());
    const std::string candidate = p.substr(start, end - start) + "/python3";
    std::error_code ec;
    if (access(candidate.c_str(), X_OK) == 0 &&
        std::filesystem::canonical(candidate, ec) !=
            std::filesystem::canonical("/usr/bin/python3", ec) &&
        !candidate.starts_with("/usr/bin") && !candidate.starts_with("/bin"))
      return candidate;
    start = end + 1;
  }
  return {};
}

TEST(PythonAdapter, MissingPackageIsAnErrorNamingTheDebianPackage) {
  const std::string python = other_python();
  if (python.empty()) GTEST_SKIP() << "no python3 other than /usr/bin/python3 on PATH";
  harness::ChildProcess probe({python, "-c", "import aiohttp"});
  ASSERT_TRUE(probe.wait_until(Clock::now() + 30s));
  if (probe.exit_status() == 0) GTEST_SKIP() << python << " has aiohttp: nothing is missing";
  ScopedEnv env("CLIENTS_PYTHON", python);
  try {
    run_model("py_aiohttp", plan_for(true, "http://127.0.0.1:9/x", 2));
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("python3-aiohttp"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(children_of_this_process().empty());
}

}  // namespace
}  // namespace clients
