// build/probe end to end on the example clients under tests/probe_clients/
// (Python on /usr/bin/python3, and curl): each finding fires for the wrong
// variant and not for the right one, with the exact counts the mechanism
// fixes (connections, peaks, abandoned requests) and, for retry waves, a
// generous ratio rather than a time bound. A few seconds per test.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>

#include "probe_test_support.hpp"

namespace {

using namespace probe_test;

bool has(const nlohmann::json& report, const std::string& id) {
  const auto ids = finding_ids(report);
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// probe --json ARGS... -- PROGRAM..., which must exit 0 with JSON on stdout.
nlohmann::json probe_json(std::vector<std::string> args, const std::vector<std::string>& program) {
  args.insert(args.begin(), "--json");
  args.push_back("--");
  args.insert(args.end(), program.begin(), program.end());
  const auto r = run_probe(args);
  EXPECT_EQ(r.status, 0) << r.err;
  auto report = r.json();
  for (const auto& server : report["servers"]) EXPECT_TRUE(gone(server["pid"]));
  return report;
}

std::vector<std::string> python(const std::string& script, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {kPython, kClients + "/" + script});
  return args;
}

TEST(Probe, RequestsGetIsUnpooledAndASessionIsPooled) {
  const auto unpooled = probe_json({}, python("requests_loop.py", {"--count", "20"}));
  EXPECT_EQ(unpooled["summary"]["connections_opened"], 20);
  EXPECT_TRUE(has(unpooled, "no-pooling"));
  EXPECT_FALSE(has(unpooled, "pooled"));
  const auto pooled = probe_json({}, python("requests_loop.py", {"--session", "--count", "20"}));
  EXPECT_EQ(pooled["summary"]["connections_opened"], 1);
  EXPECT_TRUE(has(pooled, "pooled"));
  EXPECT_FALSE(has(pooled, "no-pooling"));
}

TEST(Probe, AnAiohttpSessionPerRequestIsUnpooledAndOneSessionIsPooled) {
  const auto unpooled = probe_json({}, python("aiohttp_sessions.py", {"--count", "20"}));
  EXPECT_EQ(unpooled["summary"]["connections_opened"], 20);
  EXPECT_TRUE(has(unpooled, "no-pooling"));
  const auto pooled = probe_json({}, python("aiohttp_sessions.py", {"--shared", "--count", "20"}));
  EXPECT_EQ(pooled["summary"]["connections_opened"], 1);
  EXPECT_TRUE(has(pooled, "pooled"));
  EXPECT_FALSE(has(pooled, "no-pooling"));
}

TEST(Probe, OverHttpsEveryNewConnectionIsAFullHandshake) {
  const auto unpooled = probe_json({"--tls"}, python("requests_loop.py", {"--count", "10"}));
  EXPECT_EQ(unpooled["summary"]["tls"]["handshakes"], 10);
  EXPECT_TRUE(has(unpooled, "no-pooling"));
  const auto pooled =
      probe_json({"--tls"}, python("aiohttp_sessions.py", {"--shared", "--count", "10"}));
  EXPECT_EQ(pooled["summary"]["tls"]["handshakes"], 1);
  EXPECT_TRUE(has(pooled, "pooled"));
}

TEST(Probe, CurlKeepsItsConnectionUnlessToldToClose) {
  // curl expands [1-10] into ten URLs, fetched over one connection when it may.
  const auto pooled =
      probe_json({}, {"/bin/sh", "-c", "curl -sS \"$MOCKD_URL/[1-10]\" >/dev/null"});
  EXPECT_EQ(pooled["summary"]["requests_started"], 10);
  EXPECT_EQ(pooled["summary"]["connections_opened"], 1);
  EXPECT_TRUE(has(pooled, "pooled"));
  const auto unpooled = probe_json(
      {}, {"/bin/sh", "-c", "curl -sS -H 'Connection: close' \"$MOCKD_URL/[1-10]\" >/dev/null"});
  EXPECT_EQ(unpooled["summary"]["connections_opened"], 10);
  EXPECT_TRUE(has(unpooled, "no-pooling"));
  EXPECT_FALSE(has(unpooled, "pooled"));
}

TEST(Probe, AGatherWithoutAConnectorLimitOpensAConnectionPerRequest) {
  // 1,000 sockets on each side: make sure the open-file limit allows them.
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, std::min<rlim_t>(files.rlim_max, 4096));
  setrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 2100) GTEST_SKIP() << "RLIMIT_NOFILE " << files.rlim_cur << " < 2100";
  // Each request waits 5 s at the server: all 1,000 are in flight together.
  const auto r = run_probe({"--json", "--expect", "max-connections=100", "--", kPython,
                            kClients + "/gather_limit.py", "--count", "1000", "--limit", "0",
                            "--delay-ms", "5000"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("probe: expectation failed: max-connections=100 (at most 1,000 connections "
                       "open at once)"),
            std::string::npos)
      << r.err;
  const auto unlimited = r.json();
  EXPECT_EQ(unlimited["summary"]["connections_peak"], 1000);
  EXPECT_EQ(unlimited["summary"]["connections_opened"], 1000);
  EXPECT_EQ(unlimited["summary"]["in_flight_peak"], 1000);
  EXPECT_EQ(unlimited["summary"]["in_flight_peak_exact"], true);
  EXPECT_TRUE(has(unlimited, "no-cap"));
  EXPECT_FALSE(has(unlimited, "no-pooling"));  // all at once: no connection could be reused

  const auto limited = probe_json(
      {"--expect", "max-connections=100"},
      python("gather_limit.py", {"--count", "1000", "--limit", "100", "--delay-ms", "200"}));
  EXPECT_EQ(limited["summary"]["connections_peak"], 100);
  EXPECT_EQ(limited["summary"]["in_flight_peak"], 100);  // the others wait in the connector
  EXPECT_FALSE(has(limited, "no-cap"));
  EXPECT_TRUE(has(limited, "capped"));
}

TEST(Probe, GatherLeavesTheOtherRequestsRunningAndTaskGroupCancelsThem) {
  const auto gathered = probe_json({"--expect", "no-abandoned"}, python("one_fails.py"));
  EXPECT_EQ(gathered["summary"]["requests_started"], 20);
  EXPECT_EQ(gathered["summary"]["requests_cancelled"], 0);
  EXPECT_EQ(gathered["summary"]["after_failure"]["answered_after"], 19);
  EXPECT_TRUE(has(gathered, "left-running"));
  EXPECT_FALSE(has(gathered, "cut-off"));

  const auto r = run_probe({"--json", "--expect", "no-abandoned", "--", kPython,
                            kClients + "/one_fails.py", "--taskgroup"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("probe: expectation failed: no-abandoned (19 requests abandoned mid-delay)"),
            std::string::npos)
      << r.err;
  const auto grouped = r.json();
  EXPECT_EQ(grouped["summary"]["requests_cancelled"], 19);
  EXPECT_TRUE(has(grouped, "cut-off"));
  EXPECT_FALSE(has(grouped, "left-running"));
}

TEST(Probe, RequestsStillWaitingAtTheTimeLimitMeanNoTimeout) {
  // Every request waits 30 s at the server: longer than the program may run.
  const std::vector<std::string> slow = {"--json", "--default", "delay_ms=30000"};
  auto args = slow;
  args.insert(args.end(), {"--time-limit", "4", "--", kPython, kClients + "/timeouts.py"});
  const auto r = run_probe(args);
  EXPECT_EQ(r.status, 124) << r.err;
  const auto waited = r.json();
  EXPECT_TRUE(has(waited, "no-timeout"));
  EXPECT_EQ(waited["summary"]["at_end"]["in_flight"], 5);
  for (const auto& server : waited["servers"]) EXPECT_TRUE(gone(server["pid"]));

  const auto gave_up = probe_json({"--default", "delay_ms=30000", "--time-limit", "20"},
                                  python("timeouts.py", {"--timeout", "0.5"}));
  EXPECT_EQ(gave_up["summary"]["requests_cancelled"], 5);
  EXPECT_TRUE(has(gave_up, "gave-up"));
  EXPECT_FALSE(has(gave_up, "no-timeout"));
}

TEST(Probe, RetriesWithoutJitterComeInWavesAndFullJitterSpreadsThem) {
  // mockd's flaky profile (10 % 503s, 5 % resets) and 300 clients, each
  // retrying a failure up to three times after 0.5, 1 and 2 s: about 50
  // retries, with and without full jitter.
  const std::vector<std::string> clients = {"--clients", "300"};
  auto jitter_args = clients;
  jitter_args.push_back("--jitter");
  const auto r = run_probe({"--json", "--profile", "flaky", "--expect", "jitter", "--", kPython,
                            kClients + "/retry_clients.py", clients[0], clients[1]});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("probe: expectation failed: jitter (peak-to-mean "), std::string::npos)
      << r.err;
  const auto plain = r.json();
  const auto jittered = probe_json({"--profile", "flaky", "--expect", "jitter"},
                                   python("retry_clients.py", jitter_args));
  EXPECT_TRUE(has(plain, "waves"));
  EXPECT_FALSE(has(plain, "spread"));
  EXPECT_TRUE(has(jittered, "spread"));
  EXPECT_FALSE(has(jittered, "waves"));
  const double plain_ratio = plain["summary"]["retries"]["peak_to_mean"];
  const double jitter_ratio = jittered["summary"]["retries"]["peak_to_mean"];
  EXPECT_GT(plain_ratio, 2 * jitter_ratio);
  // Nearly every failure is retried once (a client gives up only after its
  // fourth failure, at 0.15^4): about one arrival after the burst per failed
  // response; the window's edges blur it a little, hence the band.
  for (const auto* report : {&plain, &jittered}) {
    const double per_failure = (*report)["summary"]["retries"]["per_failed_response"];
    EXPECT_GT(per_failure, 0.7);
    EXPECT_LT(per_failure, 1.3);
  }
}

TEST(Probe, AnOverloadedServerRefusesConnectionsOverItsCap) {
  // The overload profile serves four connections at once; ten requests that
  // each hold theirs for 2 s open ten, and the last six are refused with 503.
  const auto r =
      run_probe({"--json", "--profile", "overload", "--", kPython, kClients + "/gather_limit.py",
                 "--count", "10", "--limit", "0", "--delay-ms", "2000"});
  EXPECT_EQ(r.status, 1) << r.err;  // raise_for_status() on a 503 ends the program
  const auto report = r.json();
  EXPECT_EQ(report["summary"]["connections_refused"], 6);
  EXPECT_EQ(report["summary"]["connections_peak"], 4);
  EXPECT_EQ(report["program"]["exit_code"], 1);
}

}  // namespace
