// The streams scenario's quick grid run for real through build/bench and
// checked by its signature: UDP received + lost == sent exactly, and the
// server's own counts bound each leg; the chat server with a slow reader:
// drain_in_loop's fast clients wait at least as long as the server's longest
// drain(), no_drain's backlog grows with what the slow reader is not taking,
// bounded_queue delivers every line to every fast client within its backlog
// bound; iterating the live client set raises while clients churn, a copy
// never does. Lower bounds and exact counts only: the machine is shared.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "bench_test_support.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

const std::string kChat = "/clients:8/pause_ms:600/msg_bytes:16384/rate:500";
const std::string kChurn = "/clients:8/pause_ms:600/churn_ms:10";

TEST(Streams, ListsTheQuickGrid) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=streams --quick --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  EXPECT_EQ(names.size(), 2u * 3 + 3 + 2) << listing;
  EXPECT_TRUE(names.contains("streams/udp/asio/window:1024/bytes:64"));
  EXPECT_TRUE(names.contains("streams/udp/py_asyncio/window:1/bytes:64"));
  EXPECT_TRUE(names.contains("streams/chat/drain_in_loop" + kChat));
  EXPECT_TRUE(names.contains("streams/churn/iterate_set" + kChurn));
}

using Reps = std::map<std::string, std::vector<nlohmann::json>>;

// The repetitions of a benchmark, each checked to have run without failing.
const std::vector<nlohmann::json>& reps(const Reps& by_name, const std::string& name) {
  static const std::vector<nlohmann::json> none;
  const auto it = by_name.find(name);
  EXPECT_NE(it, by_name.end()) << name;
  if (it == by_name.end()) return none;
  for (const auto& b : it->second)
    EXPECT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
  EXPECT_EQ(it->second.size(), 2u) << name;
  return it->second;
}

void udp_received_plus_lost_is_sent(const Reps& r) {
  for (const char* impl : {"asio", "py_asyncio"})
    for (int w : {1, 64, 1024}) {
      const std::string name =
          std::string("streams/udp/") + impl + "/window:" + std::to_string(w) + "/bytes:64";
      for (const auto& b : reps(r, name)) {
        const double sent = b["sent"], received = b["received"], lost = b["lost"];
        EXPECT_GT(sent, 0) << name;
        EXPECT_EQ(received + lost, sent) << name;
        // The server can only echo what reached it, the client only get what was echoed.
        EXPECT_LE(b["server_received"].get<double>(), sent) << name;
        EXPECT_LE(received, b["server_sent"].get<double>()) << name;
        EXPECT_EQ(b["errors"], 0) << name;
        EXPECT_GE(sent, w) << name << ": the window was filled";
      }
    }
}

void drain_in_the_loop_makes_fast_clients_wait_for_the_slow_one(const Reps& r) {
  const std::string name = "streams/chat/drain_in_loop" + kChat;
  for (const auto& b : reps(r, name)) {
    EXPECT_EQ(b["errors"], 0) << name;
    EXPECT_EQ(b["fast_received"], b["fast_expected"]) << name << ": every line arrives, late";
    const double stall = b["drain_wait_max_ms"];
    // The server waited in drain() for the part of the pause its kernel
    // buffers could not absorb (at most its send buffer, the reader's
    // receive buffer and the transport's high-water mark, at the sender's
    // rate); half of that, to leave room for a loaded machine ...
    const double bytes_per_ms = b["rate"].get<double>() * b["msg_bytes"].get<double>() / 1000.0;
    const double absorb_ms =
        (b["server_sndbuf_bytes"].get<double>() + b["slow_rcvbuf_bytes"].get<double>() +
         b["high_water_bytes"].get<double>()) /
        bytes_per_ms;
    EXPECT_GE(stall, 0.5 * (b["pause_ms"].get<double>() - absorb_ms)) << name;
    EXPECT_GT(stall, 0) << name;
    // ... and the fast clients waited with it: the line behind that drain() was
    // due before it began and arrived after it ended (less one line's interval).
    EXPECT_GE(b["fast_max_ms"].get<double>(), stall - 1000.0 / b["rate"].get<double>()) << name;
  }
}

void no_drain_buffers_what_the_slow_reader_does_not_take(const Reps& r) {
  const std::string name = "streams/chat/no_drain" + kChat;
  for (const auto& b : reps(r, name)) {
    EXPECT_EQ(b["errors"], 0) << name;
    EXPECT_EQ(b["server_capped"], 0) << name;
    // What the kernel may hold for the slow reader: the server's send buffer
    // and the reader's receive buffer; the rest of what was posted during the
    // pause has to sit in the server's memory.
    const double posted = b["bytes_during_pause"];
    const double kernel =
        b["server_sndbuf_bytes"].get<double>() + b["slow_rcvbuf_bytes"].get<double>();
    EXPECT_GE(b["backlog_peak_bytes"].get<double>(), 0.5 * (posted - kernel)) << name;
    EXPECT_GT(b["backlog_peak_bytes"].get<double>(), b["high_water_bytes"].get<double>()) << name;
  }
}

void bounded_queue_delivers_everything_within_its_bound(const Reps& r) {
  const std::string name = "streams/chat/bounded_queue" + kChat;
  for (const auto& b : reps(r, name)) {
    EXPECT_EQ(b["errors"], 0) << name;
    EXPECT_EQ(b["fast_received"], b["fast_expected"]) << name;
    EXPECT_LE(b["backlog_peak_bytes"].get<double>(), b["backlog_bound_bytes"].get<double>())
        << name;
    EXPECT_EQ(b["slow_disconnected"], 1) << name << ": the slow reader fell too far behind";
    EXPECT_EQ(b["server_dropped"], 1) << name;
  }
}

void iterating_the_live_set_fails_while_clients_churn_a_copy_never(const Reps& r) {
  for (const auto& b : reps(r, "streams/churn/iterate_set" + kChurn)) {
    EXPECT_GE(b["set_errors"].get<double>(), 1);
    EXPECT_GT(b["churn_joins"].get<double>(), 0);
  }
  for (const auto& b : reps(r, "streams/churn/iterate_copy" + kChurn)) {
    EXPECT_EQ(b["set_errors"], 0);
    EXPECT_GT(b["churn_joins"].get<double>(), 0);
  }
}

// One quick run (2 repetitions), every signature checked on it: the run
// takes about half a minute, so it is made once.
TEST(Streams, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-streams");
  const int status =
      run(std::string(BENCH_PATH) + " --filter=streams --quick --repetitions 2 --out " +
          dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");
  Reps by_name;
  const auto j = nlohmann::json::parse(read(dir / "streams" / "bench.json"));
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    by_name[name].push_back(b);
  }
  EXPECT_EQ(by_name.size(), 11u);
  {
    SCOPED_TRACE("UDP");
    udp_received_plus_lost_is_sent(by_name);
  }
  {
    SCOPED_TRACE("drain_in_loop");
    drain_in_the_loop_makes_fast_clients_wait_for_the_slow_one(by_name);
  }
  {
    SCOPED_TRACE("no_drain");
    no_drain_buffers_what_the_slow_reader_does_not_take(by_name);
  }
  {
    SCOPED_TRACE("bounded_queue");
    bounded_queue_delivers_everything_within_its_bound(by_name);
  }
  {
    SCOPED_TRACE("churn");
    iterating_the_live_set_fails_while_clients_churn_a_copy_never(by_name);
  }
  const auto series = nlohmann::json::parse(read(dir / "streams" / "series.json"));
  const auto& s = series["benchmarks"]["streams/chat/no_drain" + kChat];
  EXPECT_FALSE(s["t_ms"].empty());
  EXPECT_EQ(s["t_ms"].size(), s["backlog_bytes"].size());
  EXPECT_EQ(s["t_ms"].size(), s["backlog_max_bytes"].size());
  EXPECT_EQ(s["t_ms"].size(), s["rss_bytes"].size());
  expect_report(dir / "streams", {"streams_chat_latency", "streams_backlog", "streams_udp"});
  fs::remove_all(dir);
}

}  // namespace
