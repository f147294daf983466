// fetch's command line: hey's and oha's options and defaults (-n 200, -c 50,
// the model asio_coro; -z, -m, -H, -d, -D, -T), the text summary with its latency histogram,
// --json with the same, --version; and bad input: each value that once
// overflowed, wrapped or reached vector::reserve is refused with exit status
// 2 and exactly one line on stderr, before any request is made.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "bench_test_support.hpp"
#include "cli_usage.hpp"
#include "http_get.hpp"
#include "mockd_process.hpp"

namespace {

using bench_test_support::run;
using bench_test_support::run_stderr;

std::pair<int, std::string> run_fetch(const std::string& args) {
  return run_stderr(std::string(FETCH_PATH) + " " + args);
}

// Exit status and stdout, stderr discarded.
std::pair<int, std::string> fetch_stdout(const std::string& args) {
  return run(std::string(FETCH_PATH) + " " + args + " 2>/dev/null");
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(FetchCli, BadValuesAreRefusedWithExitTwoAndOneLine) {
  // Port 1 on loopback: nothing listens, so a value that slipped through would
  // show as a run of connect errors with exit 0 instead of exit 2.
  const std::string url = " http://127.0.0.1:1/";
  for (const char* bad : {"--rate 1e-300",
                          "--rate nan",
                          "-c -1",
                          "-n 99999999999999999999",
                          "-n 0",
                          "-n 100000000 --rate 0.001",
                          "--limit -3",
                          "--bogus",
                          "-z 0",
                          "-z 10d",
                          "-z nan",
                          "-z -1s",
                          "-z 100000",
                          "-z 1s -n 5",
                          "-z 1 -c 0",
                          "-H novalue",
                          "-H 'Bad Name: x'",
                          "-m 'GE T'",
                          "-D /nonexistent/body",
                          "-d x -D /etc/hostname",
                          "--expect-status -1",
                          "--expect-status 0",
                          "--expect-status 600",
                          "--expect-bytes -1",
                          "-m HEAD --expect-bytes 5",
                          "-m HEAD -d x",
                          "--csv - --json",
                          "--csv /nonexistent/dir/out.csv"}) {
    const auto [status, err] = run_fetch(std::string("--model asio_coro ") + bad + url);
    EXPECT_EQ(status, 2) << bad << " -> " << err;
    EXPECT_EQ(lines(err), 1u) << bad << " -> " << err;
    EXPECT_TRUE(err.starts_with("fetch: ")) << bad << " -> " << err;
  }
  // A check across options ends the same way.
  const auto [z_status, z_err] = run_fetch("-z 1 -c 0" + url);
  EXPECT_EQ(z_status, 2);
  EXPECT_EQ(z_err,
            "fetch: -z: needs a concurrency of at least 1 (-c 0 would start every request at "
            "once) (see --help)\n");
  // No URL at all: CLI11's own message, in one line too.
  const auto [status, err] = run_fetch("-n 3");
  EXPECT_EQ(status, 2);
  EXPECT_EQ(err, "fetch: urls is required (see --help)\n");
}

// The headers that frame or route a request are the body's, the URL's and
// --no-pool's: curl_multi once sent a GET's Content-Length and hung, asio_coro
// dropped it. Every model now refuses each with the same line.
TEST(FetchCli, FramingHeadersAreRefusedAlikeByEveryModel) {
  for (const char* header : {"'Content-Length: 5'", "'Transfer-Encoding: chunked'",
                             "'host: example.com'", "'Connection: close'"}) {
    std::string first;
    for (const char* model : {"asio_coro", "curl_multi", "blocking_httplib", "py_aiohttp"}) {
      const auto [status, err] =
          run_fetch(std::string("--model ") + model + " -H " + header + " http://127.0.0.1:1/");
      EXPECT_EQ(status, 2) << model << " " << header << " -> " << err;
      EXPECT_EQ(lines(err), 1u) << model << " " << header << " -> " << err;
      EXPECT_TRUE(err.starts_with("fetch: header ")) << model << " " << header << " -> " << err;
      if (first.empty()) first = err;
      EXPECT_EQ(err, first) << model << " " << header;
    }
  }
}

// Nothing listens on port 1: every request fails, which is exit 1 (not 2, a
// bad command line), with the summary still printed and one line on stderr.
TEST(FetchCli, RunWhereEveryRequestFailedExitsOne) {
  const auto [status, err] = run_fetch("--model asio_coro -n 3 http://127.0.0.1:1/");
  EXPECT_EQ(status, 1) << err;
  EXPECT_EQ(err, "fetch: all 3 requests failed\n");
  const auto [json_status, out] = fetch_stdout("-n 3 --json http://127.0.0.1:1/");
  EXPECT_EQ(json_status, 1);
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["result"]["requests"], 3);
  EXPECT_EQ(j["result"]["ok"], 0);
}

TEST(FetchCli, VersionAndHelpGoToStdoutWithExitZero) {
  const auto [status, out] = fetch_stdout("--version");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out, "fetch " + std::string(cli_usage::version) + "\n");
  const auto [help_status, help] = fetch_stdout("--help");
  EXPECT_EQ(help_status, 0);
  for (const char* option : {"-z,--duration", "-m,--method", "-H,--header", "-d,--data", "--model",
                             "--fail-on-errors", "--csv"})
    EXPECT_NE(help.find(option), std::string::npos) << option;
}

TEST(FetchCli, PythonModelsRefuseWhatTheyCannotSend) {
  for (const char* args : {"-m POST", "-d x", "-H 'X-A: 1'", "-z 1s"}) {
    const auto [status, err] =
        run_fetch(std::string("--model py_requests ") + args + " http://127.0.0.1:1/");
    EXPECT_EQ(status, 2) << args << " -> " << err;
    EXPECT_EQ(lines(err), 1u) << args << " -> " << err;
  }
}

class FetchRun : public testing::Test {
 protected:
  harness::MockdProcess mockd_;
};

TEST_F(FetchRun, DefaultIs200RequestsWithAHistogramOfElevenBars) {
  const auto [status, out] = fetch_stdout("--model asio_coro -c 4 " + mockd_.url() + "/x");
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("Requests:     200 in "), std::string::npos) << out;
  const auto at = out.find("Latency histogram (ms):\n");
  ASSERT_NE(at, std::string::npos) << out;
  // Eleven lines "  <bound> [<count>] |<bar>", the counts adding up to 200.
  std::size_t bars = 0, total = 0, pos = out.find('\n', at) + 1;
  for (std::size_t end; (end = out.find('\n', pos)) != std::string::npos; pos = end + 1) {
    const std::string line = out.substr(pos, end - pos);
    const auto open = line.find('['), close = line.find(']');
    if (close == std::string::npos || line.find(" |", close) == std::string::npos) break;
    if (!line.starts_with("  ") || open == std::string::npos || close == std::string::npos) break;
    ++bars;
    total += std::stoul(line.substr(open + 1, close - open - 1));
  }
  EXPECT_EQ(bars, 11u) << out;
  EXPECT_EQ(total, 200u) << out;
}

// As hey: no --model and no -c runs asio_coro with 50 requests in flight.
TEST_F(FetchRun, DefaultsAreAsioCoroAndFiftyInFlight) {
  const auto [status, out] = fetch_stdout("-n 60 --json " + mockd_.url() + "/x");
  ASSERT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["result"]["model"], "asio_coro");
  EXPECT_EQ(j["plan"]["concurrency"], 50);
  EXPECT_EQ(j["plan"]["requests"], 60);
  EXPECT_EQ(j["result"]["ok"], 60);
}

TEST_F(FetchRun, JsonCarriesTheHistogramAndThePlansRequest) {
  const auto [status, out] = fetch_stdout(
      "--model curl_multi -c 2 -n 40 -m post -d hello -H 'X-A: 1' -T text/plain --json " +
      mockd_.url() + "/x");
  ASSERT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["plan"]["method"], "POST");  // upper-cased, as hey does
  EXPECT_EQ(j["plan"]["body_bytes"], 5);
  EXPECT_EQ(j["plan"]["headers"],
            nlohmann::json::parse(R"([["X-A","1"],["Content-Type","text/plain"]])"));
  EXPECT_EQ(j["result"]["ok"], 40);
  std::size_t total = 0;
  for (const auto& bucket : j["result"]["latency_histogram"])
    total += bucket["count"].get<std::size_t>();
  EXPECT_EQ(total, 40u);
  EXPECT_EQ(j["result"]["latency_histogram"].size(), 11u);
}

// Round-robin over a URL that answers 200 and one that answers 500: half the
// requests fail. That is exit 0 unless --fail-on-errors asks for 1.
TEST_F(FetchRun, SomeFailedRequestsExitOneOnlyWithFailOnErrors) {
  const std::string urls = " " + mockd_.url() + "/ok '" + mockd_.url() + "/bad?status=500'";
  const auto [status, err] = run_fetch("-n 4 -c 1" + urls);
  EXPECT_EQ(status, 0) << err;
  EXPECT_EQ(err, "");
  const auto [fail_status, fail_err] = run_fetch("-n 4 -c 1 --fail-on-errors" + urls);
  EXPECT_EQ(fail_status, 1) << fail_err;
  EXPECT_EQ(fail_err, "fetch: 2 of 4 requests failed (--fail-on-errors)\n");
  // Nothing failed: the flag changes nothing.
  const auto [ok_status, ok_err] = run_fetch("-n 4 --fail-on-errors " + mockd_.url() + "/ok");
  EXPECT_EQ(ok_status, 0) << ok_err;
  // Every request failed: 1 with or without the flag.
  const auto [all_status, all_err] = run_fetch("-n 4 '" + mockd_.url() + "/bad?status=503'");
  EXPECT_EQ(all_status, 1) << all_err;
  EXPECT_EQ(all_err, "fetch: all 4 requests failed\n");
}

// With a delay far longer than starting a request takes, the first wave of
// -c C requests is in flight at once: the peak is exactly C, never more; -c 0
// starts them all; a blocking model runs one at a time.
TEST_F(FetchRun, PeakConcurrencyIsWhatTheClientHadInFlight) {
  const std::string url = " '" + mockd_.url() + "/x?delay_ms=100'";
  for (const auto& [args, peak] :
       std::vector<std::pair<std::string, int>>{{"--model asio_coro -n 24 -c 8", 8},
                                                {"--model curl_multi -n 24 -c 8", 8},
                                                {"--model threads_curl -n 24 -c 8", 8},
                                                {"--model asio_coro -n 20 -c 0", 20},
                                                {"-n 60", 50},  // the default -c
                                                {"--model blocking_curl -n 3 -c 8", 1}}) {
    const auto [status, out] = fetch_stdout(args + " --json" + url);
    ASSERT_EQ(status, 0) << args;
    EXPECT_EQ(nlohmann::json::parse(out)["result"]["peak_concurrency"], peak) << args;
  }
  const auto [status, out] = fetch_stdout("--model asio_coro -n 16 -c 4" + url);
  ASSERT_EQ(status, 0);
  EXPECT_NE(out.find("\nIn flight:    at most 4 requests at once\n"), std::string::npos) << out;
}

// mockd refuses a bad parameter with 400 and a JSON body naming it; the
// summary shows that reason beside the count, from every C++ model alike (the
// Python models: python_models_test), and the JSON carries it per status.
TEST_F(FetchRun, A400ShowsTheReasonItsBodyGivesBesideItsCount) {
  const std::string url = " '" + mockd_.url() + "/x?delay_ms=abc'";
  const std::string reason = "delay_ms: must be a non-negative number of milliseconds (got 'abc')";
  for (const char* model :
       {"asio_coro", "curl_multi", "threads_curl", "blocking_curl", "blocking_httplib"}) {
    const auto [status, out] = fetch_stdout(std::string("--model ") + model + " -n 30 -c 3" + url);
    EXPECT_EQ(status, 1) << model;
    EXPECT_NE(out.find("Errors:       status 30\n  400 x 30: " + reason + "\n"), std::string::npos)
        << model << " -> " << out;
    const auto [json_status, json] =
        fetch_stdout(std::string("--model ") + model + " -n 30 -c 3 --json" + url);
    EXPECT_EQ(json_status, 1) << model;
    EXPECT_EQ(nlohmann::json::parse(json)["result"]["status_reasons"],
              nlohmann::json({{"400", reason}}))
        << model;
  }
  // A response with the expected status keeps no body: nothing to show.
  const auto [status, json] = fetch_stdout("-n 10 --json " + mockd_.url() + "/x");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(nlohmann::json::parse(json)["result"]["status_reasons"], nlohmann::json::object());
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  for (std::size_t at; (at = text.find(separator, from)) != std::string::npos; from = at + 1)
    parts.push_back(text.substr(from, at - from));
  parts.push_back(text.substr(from));
  return parts;
}

// --csv FILE: a header, then one row per request in request order, beside the
// usual output. Round-robin over a 200 and a 500 URL shows the order; the rows
// that opened a connection are the connections the summary counts.
TEST_F(FetchRun, CsvFileHasAHeaderAndOneRowPerRequest) {
  const auto dir = bench_test_support::fresh_dir("fetch-csv");
  const auto path = (dir / "requests.csv").string();
  const auto [status, out] = fetch_stdout("-n 37 -c 4 --json --csv " + path + " '" + mockd_.url() +
                                          "/ok?bytes=10' '" + mockd_.url() + "/bad?status=500'");
  ASSERT_EQ(status, 0) << out;
  const auto result = nlohmann::json::parse(out)["result"];
  const auto rows = split(bench_test_support::read(path), '\n');
  ASSERT_EQ(rows.size(), 1 + 37 + 1u);  // the header, 37 rows, and the empty rest after the last
  EXPECT_EQ(rows[0], "offset_s,duration_s,status,bytes,error,reused");
  EXPECT_EQ(rows.back(), "");
  std::size_t opened = 0, reused = 0;
  for (std::size_t i = 1; i <= 37; ++i) {
    const auto f = split(rows[i], ',');
    ASSERT_EQ(f.size(), 6u) << rows[i];
    EXPECT_GE(std::stod(f[0]), 0.0) << rows[i];
    EXPECT_LE(std::stod(f[0]), result["wall_s"].get<double>()) << rows[i];
    EXPECT_GE(std::stod(f[1]), 0.0) << rows[i];
    const bool good = (i - 1) % 2 == 0;  // request i - 1 went to URL (i - 1) % 2
    EXPECT_EQ(f[2], good ? "200" : "500") << rows[i];
    EXPECT_EQ(f[3], good ? "10" : "16") << rows[i];
    EXPECT_EQ(f[4], good ? "none" : "status") << rows[i];
    opened += f[5] == "0";
    reused += f[5] == "1";
  }
  EXPECT_EQ(opened, result["connections_opened"].get<std::size_t>());
  EXPECT_EQ(opened + reused, 37u);  // every request had a response: each is known
  std::filesystem::remove_all(dir);
}

// --csv -: stdout holds the CSV alone. A request that never connected cannot
// say whether it would have reused a connection: that column is empty.
TEST(FetchCli, CsvOnStdoutIsTheOnlyOutputThere) {
  const auto [status, out] = fetch_stdout("-n 3 --csv - http://127.0.0.1:1/");
  EXPECT_EQ(status, 1);  // every request failed
  const auto rows = split(out, '\n');
  ASSERT_EQ(rows.size(), 5u) << out;
  EXPECT_EQ(rows[0], "offset_s,duration_s,status,bytes,error,reused");
  for (std::size_t i = 1; i <= 3; ++i) EXPECT_TRUE(rows[i].ends_with(",0,0,connect,")) << rows[i];
}

// bytes=N makes mockd announce N bytes; a HEAD response carries none, and
// that is what is expected of it (once every one was a body_size error).
TEST_F(FetchRun, HeadWithBytesInTheUrlSucceeds) {
  for (const char* model : {"asio_coro", "curl_multi", "blocking_httplib"}) {
    const auto [status, out] =
        fetch_stdout(std::string("--model ") + model + " -n 5 -m HEAD --json '" + mockd_.url() +
                     "/x?bytes=1000'");
    ASSERT_EQ(status, 0) << model << " -> " << out;
    const auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["result"]["ok"], 5) << model << " -> " << out;
  }
}

TEST_F(FetchRun, DurationRunsAtLeastThatLongAndStaysQuietWhenStderrIsNotATerminal) {
  harness::reset_stats(mockd_.url());
  // Over a second, so a progress line would be due if stderr were a terminal.
  const auto [status, out] =
      run(std::string(FETCH_PATH) + " --model threads_curl -c 2 -z 1200ms --json " + mockd_.url() +
          "/x?delay_ms=2 2>&1");
  ASSERT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out);  // nothing but the JSON: no progress line
  EXPECT_GE(j["result"]["wall_s"].get<double>(), 1.2);
  EXPECT_EQ(j["plan"]["duration_ms"], 1200);
  const auto requests = j["result"]["requests"].get<long>();
  EXPECT_GE(requests, 10);
  EXPECT_EQ(j["result"]["ok"].get<long>(), requests);
  EXPECT_EQ(harness::fetch_stats(mockd_.url()).at("requests_total").get<long>(), requests);
}

}  // namespace
