// The rtt scenario (claim C1 over a network), its quick grid run for real (RTT 0 and 20 ms)
// and checked by its signature in round trips, lower bounds only: at RTT
// 20 ms an unpooled plain request takes at least 2 RTT, a pooled one at
// least 1 (and under 1.5 at p50), unpooled TLS 1.3 at least 3 RTT and TLS 1.2
// at least 4 without resumption or 3 with it. Which connections resumed is
// an exact count from the server: the curl models keep their TLS session
// cache (every connection after the first resumes, TLS 1.2 by session ID,
// TLS 1.3 by ticket); asio_coro, session_cache:off and the Python models
// (a new TLS context for every session: requests.get, an aiohttp session per
// request) never resume.
// Needs root or CAP_NET_ADMIN, as bench does for this scenario; without it
// the test checks that every benchmark is skipped with the reason, then
// skips itself saying so.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "bench_test_support.hpp"
#include "client_model.hpp"
#include "run_summary.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

TEST(Rtt, QuickRunCostsTheExpectedRoundTrips) {
  const auto dir = fresh_dir("bench-rtt-quick");
  const auto [list_status, listed] = run(std::string(BENCH_PATH) + " --filter=rtt --quick --list");
  ASSERT_EQ(list_status, 0);
  const std::set<std::string> expected = lines_of(listed);
  // 3 C++ models (and the 2 Python ones where their adapter is built) x
  // pool/nopool x 3 protocols, plus blocking_curl unpooled HTTPS with the
  // session cache off, at RTT 0 and 20.
  std::size_t models = 3;
  for (const char* python : {"py_aiohttp", "py_requests"}) models += clients::has_model(python);
  ASSERT_EQ(expected.size(), 2u * (models * 2 * 3 + 2));

  const auto [status, out] =
      run(std::string(BENCH_PATH) + " --filter=rtt --quick --repetitions 2 --out " + dir.string() +
          " 2>&1");
  ASSERT_EQ(status, 0) << out;
  const auto bench = nlohmann::json::parse(read(dir / "rtt" / "bench.json"));
  // bench.json holds every repetition (no aggregates): the checks below read
  // each benchmark's median repetition by p50 (of two, the lower one).
  std::map<std::string, std::vector<nlohmann::json>> reps;
  std::set<std::string> seen;
  std::string skipped;
  for (const auto& b : bench["benchmarks"]) {
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    seen.insert(name);
    if (b.value("error_occurred", false))
      skipped = b.value("error_message", "");
    else if (b["run_type"] == "iteration")
      reps[name].push_back(b);
  }
  std::map<std::string, nlohmann::json> median;
  for (auto& [name, list] : reps) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a["p50_us"].template get<double>() < b["p50_us"].template get<double>();
    });
    median[name] = list[(list.size() - 1) / 2];
  }
  EXPECT_EQ(seen, expected);
  if (!skipped.empty()) {
    // Skipped, never faked: every benchmark says why.
    EXPECT_TRUE(has(skipped, "RTT emulation unavailable")) << skipped;
    EXPECT_TRUE(median.empty());
    GTEST_SKIP() << "the rtt benchmarks were skipped: " << skipped;
  }

  ASSERT_EQ(median.size(), expected.size());
  for (const auto& [name, b] : median) {
    EXPECT_EQ(b["errors"], 0) << name;
    EXPECT_EQ(b["server_requests"], b["requests"]) << name;
    EXPECT_TRUE(b.contains("rtt_ms")) << name;
    const bool pooled = has(name, "/pool/");
    EXPECT_EQ(b["conns_opened"], pooled ? 1.0 : b["requests"].get<double>()) << name;
    if (!has(name, "rtt_ms:20")) continue;
    ASSERT_TRUE(b.contains("p50_rtts")) << name;
    const double rtts = b["p50_rtts"];
    EXPECT_NEAR(rtts, b["p50_us"].get<double>() / 20'000, 1e-6) << name;
    if (pooled) {
      EXPECT_LT(rtts, 1.5) << name;
      EXPECT_GE(rtts, 1.0) << name;
    } else if (has(name, "/http/")) {
      EXPECT_GE(rtts, 2.0) << name;
    } else {
      // HTTPS: every connection but the first resumes when the model keeps
      // its session cache (the curl models, unless session_cache:off).
      const bool resumes = has(name, "curl") && !has(name, "session_cache:off");
      const double handshakes = b["tls_handshakes"];
      EXPECT_EQ(handshakes, b["conns_opened"].get<double>()) << name;
      EXPECT_EQ(b["tls_resumed"].get<double>(), resumes ? handshakes - 1 : 0) << name;
      if (has(name, "/https_tls1.3/"))
        EXPECT_GE(rtts, 3.0) << name;  // resumed or not: TCP, TLS 1.3, request
      else
        EXPECT_GE(rtts, resumes ? 3.0 : 4.0) << name;  // a resumed TLS 1.2 handshake: 1 RTT
    }
  }
  // The emulated delays are exact, so the quick grid confirms, or leaves a
  // check undecided when two repetitions make its interval wide; it never
  // finds the round trips nuanced or refuted.
  expect_report(dir / "rtt", {"rtt_latency", "rtt_speedup"}, {"confirmed", "inconclusive: noise"});
  fs::remove_all(dir);
}

namespace {

// The local port of a socket (0 if it has none).
unsigned short local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  return getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0 ? ntohs(a.sin_port) : 0;
}

// TCP_NODELAY on this process's socket bound to `port` other than `skip`
// (the client side of a loopback connection), -1 if there is none.
int nodelay_of_own_socket(unsigned short port, int skip) {
  int found = -1;
  DIR* dir = opendir("/proc/self/fd");
  while (dir && found < 0) {
    const dirent* entry = readdir(dir);
    if (!entry) break;
    const int fd = std::atoi(entry->d_name);
    if (entry->d_name[0] == '.' || fd == skip || fd == dirfd(dir) || local_port(fd) != port)
      continue;
    int on = 0;
    socklen_t size = sizeof on;
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &size) == 0) found = on != 0;
  }
  if (dir) closedir(dir);
  return found;
}

// Runs one request of `model` against a listener of this test, which, once
// the request has arrived, looks the model's socket up in this process and
// reads its TCP_NODELAY. Returns 1 or 0, or -1 if the socket was not found.
int client_nodelay(const std::string& model) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener, 4) != 0)
    return -1;
  int nodelay = -1;
  std::thread server([&] {
    const int c = accept(listener, nullptr, nullptr);
    if (c < 0) return;
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (getpeername(c, reinterpret_cast<sockaddr*>(&peer), &len) == 0)
      nodelay = nodelay_of_own_socket(ntohs(peer.sin_port), c);
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    if (send(c, response.data(), response.size(), MSG_NOSIGNAL) < 0) {
    }
    close(c);
  });
  clients::Plan plan;
  plan.urls = {"http://127.0.0.1:" + std::to_string(local_port(listener)) + "/"};
  plan.pooling = false;
  const auto summary = clients::summarize(clients::run_model(model, plan));
  server.join();
  close(listener);
  EXPECT_EQ(summary.ok, 1u) << model;
  return nodelay;
}

}  // namespace

// The client models turn Nagle's algorithm off, as libcurl does by default:
// with it on, a request written right after the TLS handshake's last flight
// waits for the server's ACK of that flight (a whole round trip; see
// rtt/README.md, Limits). Checked on the model's own socket, no timing.
TEST(Rtt, ClientModelsSetTcpNodelay) {
  // cpp-httplib's client leaves Nagle on by default (CPPHTTPLIB_TCP_NODELAY
  // is false); blocking_httplib sets the option itself, as libcurl does.
  for (const std::string model : {"asio_coro", "blocking_curl", "curl_multi", "blocking_httplib"})
    EXPECT_EQ(client_nodelay(model), 1) << model;
}

TEST(Rtt, RttOptionDelaysOtherScenarios) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root (a private network namespace); run the tests as root";
  const auto dir = fresh_dir("bench-rtt-option");
  const int status =
      run(std::string(BENCH_PATH) +
          " --filter=pooling/blocking_curl/pool/http --quick --repetitions 1 --no-charts"
          " --rtt-ms 20 --out " +
          dir.string() + " >/dev/null 2>&1")
          .first;
  ASSERT_EQ(status, 0);
  const auto j = nlohmann::json::parse(read(dir / "pooling" / "bench.json"));
  EXPECT_EQ(j["context"]["suite_rtt_ms"], "20");
  int runs = 0;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    ++runs;
    EXPECT_EQ(b["errors"], 0);
    EXPECT_GE(b["p50_us"].get<double>(), 20'000) << "a pooled request still pays one round trip";
  }
  EXPECT_GT(runs, 0);
  fs::remove_all(dir);
}

TEST(Rtt, RttOptionRefusesExternalServers) {
  EXPECT_EQ(run(std::string(BENCH_PATH) +
                " --filter=pooling --rtt-ms 20 --server http://127.0.0.1:1 2>/dev/null")
                .first,
            2);
  EXPECT_EQ(run(std::string(BENCH_PATH) + " --filter=rtt --rtt-ms 20 2>/dev/null").first, 2);
}
