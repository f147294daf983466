// Scenario `queue` (claim C10): a producer faster than its consumers, with an
// unbounded queue and with a bounded one. The producer makes one item (a
// payload of item_bytes) every producer_us, on a schedule from the start;
// `consumers` consumers each take work_us per item (a timer: the consumer is
// awaiting I/O, as a fetch would). Producer 10,000 items/s against 4 x 1 ms =
// 4,000 items/s: without a bound the queue grows by the difference for as
// long as the producer runs; with one, the producer waits at `put` and is
// held to the consumers' pace (backpressure).
//
// Three implementations, each on one thread:
//   asio_channel  bounded: boost::asio::experimental::channel with maxsize slots;
//   asio_deque    unbounded: a std::deque with a timer that wakes a waiting consumer;
//   py_asyncio    asyncio.Queue(maxsize) and asyncio.Queue() in Debian's
//                 /usr/bin/python3 (python/queue_backpressure.py, a child process).
// Depth is counted inside the queue operations (an item counts from the
// moment the queue holds it until a consumer takes it) and its maximum kept
// exactly; a sampler also records depth, queued bytes and RSS every 10 ms
// (series.json). Latency per item runs from the producer making it (before a
// put that may wait) to a consumer finishing it.
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "model_benchmark.hpp"
#include "python_experiment.hpp"
#include "scenario.hpp"

namespace bench::queue_scenario {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

struct Config {
  std::string impl;  // asio_channel | asio_deque | py_asyncio
  bool bounded = false;
  std::size_t maxsize = 0;  // 0: unbounded
  std::size_t items = 0;
  int consumers = 4;
  microseconds producer_interval{100};
  microseconds work{1000};
  std::size_t item_bytes = 4096;
  std::chrono::milliseconds sample_every{10};
};

std::string name_of(const Config& c) {
  return "queue/" + c.impl + "/" + (c.bounded ? "bounded" : "unbounded") +
         "/maxsize:" + std::to_string(c.maxsize) + "/consumers:" + std::to_string(c.consumers) +
         "/producer_us:" + std::to_string(c.producer_interval.count()) +
         "/work_us:" + std::to_string(c.work.count()) + "/items:" + std::to_string(c.items);
}

// What one run measured, whichever implementation ran it.
struct Outcome {
  std::size_t produced = 0, consumed = 0, corrupt = 0;
  std::size_t max_depth = 0;  // counted inside the queue operations
  double production_s = 0, total_s = 0;
  std::vector<double> latencies_us;
  std::vector<double> t_ms, depth, queued_bytes, rss_mb;  // the sampler's series
  double rss_start_mb = 0, rss_peak_mb = 0;
  int threads = 1;
};

double rss_mb_now() {
  std::ifstream statm("/proc/self/statm");
  double pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// ------------------------------------------------------------- the C++ queues

struct Item {
  Clock::time_point made;
  std::size_t seq = 0;
  std::vector<char> payload;
};

// Items the queue holds, counted where the queue takes and gives them. Signed:
// a consumer handed an item directly may count it out before the producer's
// completion counts it in.
struct Depth {
  long now = 0;
  std::size_t max = 0;
  void in() {
    ++now;
    if (now > 0) max = std::max(max, static_cast<std::size_t>(now));
  }
  void out() { --now; }
};

// Bounded: an Asio channel with `maxsize` slots; a send waits while they are
// full. Consumers take with try_receive (its handler runs inline, so a slot's
// item is counted out before the waiting sender's completion counts its item
// in) and wait in async_receive only when the channel is empty (then the
// channel completes the receiver before the sender).
class ChannelQueue {
 public:
  ChannelQueue(asio::any_io_executor ex, std::size_t maxsize, Depth& depth)
      : channel_(ex, maxsize), depth_(depth) {}

  awaitable<bool> push(Item item) {
    auto [ec] = co_await channel_.async_send(boost::system::error_code{}, std::move(item), nothrow);
    if (ec) co_return false;
    depth_.in();
    co_return true;
  }

  awaitable<std::optional<Item>> pop() {
    std::optional<Item> got;
    if (channel_.try_receive([&](boost::system::error_code ec, Item item) {
          if (ec) return;
          depth_.out();
          got = std::move(item);
        }))
      co_return got;
    auto [ec, item] = co_await channel_.async_receive(nothrow);
    if (ec) co_return std::nullopt;  // closed: every item has been taken
    depth_.out();
    co_return std::optional<Item>(std::move(item));
  }

  void close() { channel_.close(); }

 private:
  asio::experimental::channel<void(boost::system::error_code, Item)> channel_;
  Depth& depth_;
};

// Unbounded: a std::deque; push never waits. A timer that never expires is
// the consumers' wait queue: push cancels one waiter (wakes it), close all.
class DequeQueue {
 public:
  DequeQueue(asio::any_io_executor ex, std::size_t /*maxsize*/, Depth& depth)
      : not_empty_(ex, Clock::time_point::max()), depth_(depth) {}

  awaitable<bool> push(Item item) {
    items_.push_back(std::move(item));
    depth_.in();
    not_empty_.cancel_one();
    co_return true;
  }

  awaitable<std::optional<Item>> pop() {
    while (items_.empty()) {
      if (closed_) co_return std::nullopt;
      co_await not_empty_.async_wait(nothrow);  // woken by push or close
    }
    Item item = std::move(items_.front());
    items_.pop_front();
    depth_.out();
    co_return std::optional<Item>(std::move(item));
  }

  void close() {
    closed_ = true;
    not_empty_.cancel();
  }

 private:
  std::deque<Item> items_;
  asio::steady_timer not_empty_;
  Depth& depth_;
  bool closed_ = false;
};

double us_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

template <class Queue>
class Experiment {
 public:
  explicit Experiment(const Config& c)
      : config_(c), queue_(io_.get_executor(), c.maxsize, depth_) {}

  Outcome run() {
    out_.rss_start_mb = out_.rss_peak_mb = rss_mb_now();
    out_.latencies_us.reserve(config_.items);
    start_ = Clock::now();
    consumers_left_ = config_.consumers;
    asio::co_spawn(io_, produce(), asio::detached);
    for (int i = 0; i < config_.consumers; ++i) asio::co_spawn(io_, consume(), asio::detached);
    asio::co_spawn(io_, sample(), asio::detached);
    io_.run();
    out_.max_depth = depth_.max;
    return std::move(out_);
  }

 private:
  awaitable<void> produce() {
    asio::steady_timer timer(io_);
    for (std::size_t i = 0; i < config_.items; ++i) {
      // On schedule from the start: a producer that fell behind catches up at once.
      const auto due = start_ + config_.producer_interval * static_cast<long>(i);
      if (Clock::now() < due) {
        timer.expires_at(due);
        co_await timer.async_wait(nothrow);
      }
      Item item;
      item.seq = i;
      item.payload.assign(config_.item_bytes, static_cast<char>(i));
      item.made = Clock::now();
      if (!co_await queue_.push(std::move(item))) {
        queue_.close();  // cannot happen while the queue is open; lets the consumers end if it does
        break;
      }
      ++out_.produced;
    }
    out_.production_s = us_between(start_, Clock::now()) / 1e6;
  }

  awaitable<void> consume() {
    asio::steady_timer timer(io_);
    while (taken_ < config_.items) {
      auto item = co_await queue_.pop();
      if (!item) break;
      // Closed only once every item is taken: an Asio channel's close() drops what it still holds.
      if (++taken_ == config_.items) queue_.close();
      timer.expires_after(config_.work);
      co_await timer.async_wait(nothrow);
      if (item->payload.size() != config_.item_bytes ||
          item->payload.front() != static_cast<char>(item->seq))
        ++out_.corrupt;
      out_.latencies_us.push_back(us_between(item->made, Clock::now()));
      ++out_.consumed;
    }
    if (--consumers_left_ == 0) {
      out_.total_s = us_between(start_, Clock::now()) / 1e6;
      done_ = true;
    }
  }

  awaitable<void> sample() {
    asio::steady_timer timer(io_);
    for (auto due = start_; !done_; due += config_.sample_every) {
      const double rss = rss_mb_now();
      out_.rss_peak_mb = std::max(out_.rss_peak_mb, rss);
      out_.t_ms.push_back(us_between(start_, Clock::now()) / 1e3);
      const double d = static_cast<double>(std::max(depth_.now, 0L));
      out_.depth.push_back(d);
      out_.queued_bytes.push_back(d * static_cast<double>(config_.item_bytes));
      out_.rss_mb.push_back(rss);
      timer.expires_at(due + config_.sample_every);
      co_await timer.async_wait(nothrow);
    }
  }

  const Config& config_;
  asio::io_context io_;
  Depth depth_;
  Queue queue_;
  Outcome out_;
  Clock::time_point start_;
  int consumers_left_ = 0;
  std::size_t taken_ = 0;
  bool done_ = false;
};

// --------------------------------------------------------- the Python queues

std::vector<double> numbers(const nlohmann::json& j, const char* key) {
  std::vector<double> v;
  if (j.contains(key))
    for (const auto& x : j[key]) v.push_back(x.get<double>());
  return v;
}

// One run of python/queue_backpressure.py: the configuration as a JSON line
// on stdin, the outcome as a JSON line on stdout. Throws with the reason.
Outcome run_python(const Config& c) {
  const std::string script = scenario_script("queue_backpressure.py");
  harness::ChildProcess child({"/usr/bin/python3", script});
  const nlohmann::json request = {{"maxsize", c.maxsize},
                                  {"items", c.items},
                                  {"consumers", c.consumers},
                                  {"producer_us", c.producer_interval.count()},
                                  {"work_us", c.work.count()},
                                  {"item_bytes", c.item_bytes},
                                  {"sample_ms", c.sample_every.count()}};
  child.write_stdin(request.dump() + "\n");
  child.close_stdin();
  // The run itself takes items / consumer rate; a generous bound on top.
  const auto deadline = Clock::now() + std::chrono::seconds(30) +
                        c.work * static_cast<long>(c.items) / std::max(1, c.consumers) * 4;
  const auto line = child.read_line(deadline);
  child.wait_until(Clock::now() + std::chrono::seconds(5));
  if (!line)
    throw std::runtime_error(
        "queue_backpressure.py gave no result" +
        (child.exit_status() == 127 ? std::string(" (cannot run /usr/bin/python3)") : "") + ": " +
        child.stderr_tail(300));
  const auto j = nlohmann::json::parse(*line);
  if (!j.value("ok", false)) throw std::runtime_error(j.value("error", "failed") + "");
  Outcome o;
  o.produced = j.at("produced");
  o.consumed = j.at("consumed");
  o.corrupt = j.at("corrupt");
  o.max_depth = j.at("max_depth");
  o.production_s = j.at("production_s");
  o.total_s = j.at("total_s");
  o.rss_start_mb = j.at("rss_start_mb");
  o.rss_peak_mb = j.at("rss_peak_mb");
  o.threads = j.at("threads");
  o.latencies_us = numbers(j, "latencies_us");
  o.t_ms = numbers(j, "t_ms");
  o.depth = numbers(j, "depth");
  o.queued_bytes = numbers(j, "queued_bytes");
  o.rss_mb = numbers(j, "rss_mb");
  return o;
}

Outcome run_once(const Config& c) {
  if (c.impl == "asio_channel") return Experiment<ChannelQueue>(c).run();
  if (c.impl == "asio_deque") return Experiment<DequeQueue>(c).run();
  return run_python(c);
}

// ------------------------------------------------------------- the benchmark

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const auto at = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, at == 0 ? 0 : at - 1)];
}

void run_queue_benchmark(benchmark::State& state, ScenarioContext& context, const Config& c) {
  const std::string name = name_of(c);
  Outcome o;
  for (auto _ : state) {
    try {
      o = run_once(c);
    } catch (const std::exception& e) {
      state.SkipWithError(("run failed: " + std::string(e.what())).c_str());
      break;
    }
    state.SetIterationTime(std::max(o.total_s, 1e-9));
  }
  if (state.error_occurred()) return;
  context.spectra().add(name, o.latencies_us);
  for (auto& [key, values] : {std::pair{"t_ms", &o.t_ms},
                              {"depth", &o.depth},
                              {"queued_bytes", &o.queued_bytes},
                              {"rss_mb", &o.rss_mb}})
    context.series().add(name, key, *values);

  auto& k = state.counters;
  const double items = static_cast<double>(c.items);
  const double producer_rate =
      o.production_s > 0 ? static_cast<double>(o.produced) / o.production_s : 0;
  const double consumer_rate = o.total_s > 0 ? static_cast<double>(o.consumed) / o.total_s : 0;
  k["items"] = items;
  k["maxsize"] = static_cast<double>(c.maxsize);
  k["consumers"] = c.consumers;
  k["producer_us"] = static_cast<double>(c.producer_interval.count());
  k["work_us"] = static_cast<double>(c.work.count());
  k["item_bytes"] = static_cast<double>(c.item_bytes);
  k["produced"] = static_cast<double>(o.produced);
  k["consumed"] = static_cast<double>(o.consumed);
  k["max_depth"] = static_cast<double>(o.max_depth);
  k["peak_queued_mb"] =
      static_cast<double>(o.max_depth) * static_cast<double>(c.item_bytes) / (1024.0 * 1024.0);
  k["rss_start_mb"] = o.rss_start_mb;
  k["rss_growth_mb"] = o.rss_peak_mb - o.rss_start_mb;
  k["production_s"] = o.production_s;
  k["total_s"] = o.total_s;
  k["producer_items_per_s"] = producer_rate;
  k["consumer_items_per_s"] = consumer_rate;
  // What an unbounded queue should reach: the rates' difference for as long as the producer ran.
  k["expected_depth"] = std::max(0.0, (producer_rate - consumer_rate) * o.production_s);
  // How far behind its schedule the producer finished: the wait a bound pushes upstream.
  k["producer_lag_ms"] =
      std::max(0.0, o.production_s * 1e3 -
                        (items - 1) * static_cast<double>(c.producer_interval.count()) / 1e3);
  k["p50_ms"] = percentile(o.latencies_us, 50) / 1e3;
  k["p99_ms"] = percentile(o.latencies_us, 99) / 1e3;
  k["max_ms"] = percentile(o.latencies_us, 100) / 1e3;
  // The console's latency columns read these (µs, as every scenario writes them).
  k["p50_us"] = k["p50_ms"].value * 1e3;
  k["p99_us"] = k["p99_ms"].value * 1e3;
  k["threads"] = o.threads;
  // Every item made must be consumed once, intact: a shortfall is an error, never a faster run.
  const double lost = items - static_cast<double>(o.consumed);
  k["errors"] = std::max(0.0, lost) + static_cast<double>(o.corrupt);
  if (lost > 0) k["errors_lost"] = lost;
  if (o.corrupt > 0) k["errors_corrupt"] = static_cast<double>(o.corrupt);
}

void register_queue(ScenarioContext& context) {
  // Items per run, the same in every mode: the peak depth of the unbounded queue grows with the
  // run's length, so runs of different lengths would not be comparable ("This run beside the
  // reference"). With 4 x 1 ms consumers a run lasts about items / 4,000 s; a round of the 4
  // benchmarks takes about 1.8 ms per item, so 10 rounds stay within 100 s. Modes differ in
  // repetitions only.
  constexpr std::size_t items = 5000;
  constexpr std::size_t kMaxsize = 100;
  for (const char* language : {"cpp", "python"}) {
    const bool python = std::string(language) == "python";
    Config unbounded, bounded;
    unbounded.impl = python ? "py_asyncio" : "asio_deque";
    bounded.impl = python ? "py_asyncio" : "asio_channel";
    bounded.bounded = true;
    bounded.maxsize = kMaxsize;
    unbounded.items = bounded.items = items;
    for (const Config& c : {unbounded, bounded})
      context.add(name_of(c), [&context, c](benchmark::State& state) {
        run_queue_benchmark(state, context, c);
      });
    const std::string who = python ? "Python asyncio.Queue" : "C++ Asio";
    context.compare({who + ": peak depth, unbounded ÷ bounded", name_of(unbounded),
                     name_of(bounded), "max_depth"});
    context.compare({who + ": p99 latency, unbounded ÷ bounded", name_of(unbounded),
                     name_of(bounded), "p99_ms"});
  }
}

const ScenarioRegistrar registrar({"queue", register_queue});

}  // namespace
}  // namespace bench::queue_scenario
