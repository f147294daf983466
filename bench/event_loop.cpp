// See event_loop.hpp. Everything here runs on one io_context on the calling
// thread, except the work a pool is given in the *_offload kinds.
#include "event_loop.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

namespace bench::loop {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using Clock = std::chrono::steady_clock;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

double us_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPUs the calling thread may run on.
int cpus_of_this_thread() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (pthread_getaffinity_np(pthread_self(), sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

volatile std::uint64_t burn_sink;  // where burn_cpu's result goes, so the loop is kept

// A fixed amount of CPU work: computes until this thread's own CPU time has
// advanced by `d`, and returns the CPU time used. A wall-clock deadline would
// count the time the thread waited for a core as work done, so threads
// sharing one core would "finish" work they never did. The computation (an
// LCG step) depends on its previous value and ends in a volatile store, so
// it cannot be optimised away; the clock is read every 4096 steps.
std::chrono::nanoseconds burn_cpu(std::chrono::microseconds d) {
  const auto start = thread_cpu_time();
  std::uint64_t x = static_cast<std::uint64_t>(start.count()) | 1;
  std::chrono::nanoseconds used{0};
  while (used < d) {
    for (int i = 0; i < 4096; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    used = thread_cpu_time() - start;
  }
  burn_sink = x;
  return used;
}

// What the blocking parts report, from whichever thread runs them.
struct WorkTally {
  std::atomic<std::int64_t> cpu_ns{0};
  std::atomic<int> cpus{0};
};

// The blocking part of a task, as it runs wherever it is put.
void blocking_work(Work w, std::chrono::microseconds d, WorkTally& tally) {
  int cpus = cpus_of_this_thread();
  for (int seen = tally.cpus.load();
       cpus > seen && !tally.cpus.compare_exchange_weak(seen, cpus);) {
  }
  if (w == Work::cpu_on_loop || w == Work::cpu_offload)
    tally.cpu_ns += burn_cpu(d).count();
  else
    std::this_thread::sleep_for(d);
}

awaitable<void> on_pool(Work w, std::chrono::microseconds d, WorkTally& tally) {
  blocking_work(w, d, tally);
  co_return;
}

struct Experiment {
  Experiment(const Config& c, tcp::endpoint ep) : config(c), endpoint(ep), remaining(c.tasks) {}

  const Config& config;
  tcp::endpoint endpoint;
  Result result;
  int remaining = 0;
  bool done = false;
  Clock::time_point start, end;
  std::optional<asio::thread_pool> pool;
  WorkTally tally;

  void fail(const std::string& what) {
    ++result.errors;
    if (result.error_example.empty()) result.error_example = what;
  }

  // One GET on `stream` (connected); false (and an error counted) on failure.
  awaitable<bool> request(beast::tcp_stream& stream, beast::flat_buffer& buffer) {
    http::request<http::empty_body> req{http::verb::get, config.target, 11};
    req.set(http::field::host,
            endpoint.address().to_string() + ":" + std::to_string(endpoint.port()));
    stream.expires_after(config.timeout);
    auto [wec, written] = co_await http::async_write(stream, req, nothrow);
    if (wec) {
      fail("write: " + wec.message());
      co_return false;
    }
    http::response<http::string_body> res;
    auto [rec, read] = co_await http::async_read(stream, buffer, res, nothrow);
    if (rec) {
      fail("read: " + rec.message());
      co_return false;
    }
    if (res.result_int() != 200) {
      fail("status " + std::to_string(res.result_int()));
      co_return false;
    }
    if (res.body().size() != config.expected_bytes) {
      fail("body of " + std::to_string(res.body().size()) + " bytes, expected " +
           std::to_string(config.expected_bytes));
      co_return false;
    }
    co_return true;
  }

  awaitable<void> task() {
    auto ex = co_await asio::this_coro::executor;
    switch (config.work) {
      case Work::timer: {
        asio::steady_timer timer(ex, config.work_time);
        co_await timer.async_wait(nothrow);
        break;
      }
      case Work::sleep:
      case Work::cpu_on_loop:
        blocking_work(config.work, config.work_time, tally);  // the loop stops here
        break;
      case Work::sleep_offload:
      case Work::cpu_offload:
        // Runs on the pool; this coroutine resumes on the loop when it is done.
        co_await asio::co_spawn(*pool, on_pool(config.work, config.work_time, tally),
                                asio::use_awaitable);
        break;
    }
    beast::tcp_stream stream(ex);
    stream.expires_after(config.timeout);
    auto [cec] = co_await stream.async_connect(endpoint, nothrow);
    if (cec) {
      fail("connect: " + cec.message());
    } else {
      ++result.task_conns;
      beast::flat_buffer buffer;
      if (co_await request(stream, buffer)) ++result.task_ok;
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
    if (--remaining == 0) {
      end = Clock::now();
      done = true;
    }
  }

  // How late a timer due every `heartbeat` fires, until the tasks are done.
  awaitable<void> heartbeat() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!done) {
      const auto due = Clock::now() + config.heartbeat;
      timer.expires_at(due);
      co_await timer.async_wait(nothrow);
      result.lag_us.push_back(us_since(due));
    }
  }

  // Unrelated requests due every `other_interval` from the start, on one
  // keep-alive connection. Latency runs from when a request was due, so one
  // due while the loop was stalled counts the stall (as wrk2 does).
  awaitable<void> other_requests() {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    auto due = start;
    while (!done) {
      due += config.other_interval;
      timer.expires_at(due);
      co_await timer.async_wait(nothrow);
      if (done) break;
      const auto began = due;
      if (!stream) {
        stream.emplace(ex);
        buffer.clear();
        stream->expires_after(config.timeout);
        auto [cec] = co_await stream->async_connect(endpoint, nothrow);
        if (cec) {
          fail("connect: " + cec.message());
          stream.reset();
          continue;
        }
      }
      if (co_await request(*stream, buffer)) {
        ++result.other_ok;
        result.other_us.push_back(us_since(began));
      } else {
        stream.reset();
      }
    }
  }
};

// Starts `threads` pool threads allowed to run on CPUs 0..cpus-1 (cpus > 0)
// or on the calling thread's CPUs (cpus = 0): a new thread inherits its
// creator's affinity, so the calling thread takes that mask for the moment
// the pool starts and then gets its own back.
void start_pool(std::optional<asio::thread_pool>& pool, int threads, int cpus) {
  cpu_set_t own;
  CPU_ZERO(&own);
  if (cpus > 0 && pthread_getaffinity_np(pthread_self(), sizeof own, &own) != 0)
    throw std::runtime_error("cannot read this thread's CPU affinity");
  if (cpus > 0) {
    cpu_set_t wanted;
    CPU_ZERO(&wanted);
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    for (int c = 0; c < cpus && c < online; ++c) CPU_SET(c, &wanted);
    if (pthread_setaffinity_np(pthread_self(), sizeof wanted, &wanted) != 0)
      throw std::runtime_error("cannot allow the pool CPUs 0.." + std::to_string(cpus - 1));
  }
  // The calling thread gets its own CPUs back even if the pool fails to start.
  struct Restore {
    bool active;
    const cpu_set_t& own;
    ~Restore() {
      if (active) pthread_setaffinity_np(pthread_self(), sizeof own, &own);
    }
  } restore{cpus > 0, own};
  pool.emplace(static_cast<std::size_t>(threads));
}

}  // namespace

Result run(const Config& config) {
  if (config.tasks <= 0) throw std::invalid_argument("tasks must be positive");
  const bool offload = config.work == Work::sleep_offload || config.work == Work::cpu_offload;
  if (offload && config.workers <= 0)
    throw std::invalid_argument("an offloaded run needs workers > 0");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config.host, ec);
  if (ec) throw std::invalid_argument("host must be a numeric address: " + config.host);

  Experiment e(config, tcp::endpoint(address, config.port));
  // The pool's threads start before the clock does.
  if (offload) start_pool(e.pool, config.workers, config.pool_cpus);
  asio::io_context io(1);
  const double cpu_before = process_cpu_s();
  e.start = Clock::now();
  asio::co_spawn(io, e.heartbeat(), asio::detached);
  if (config.other_interval.count() > 0) asio::co_spawn(io, e.other_requests(), asio::detached);
  for (int i = 0; i < config.tasks; ++i) asio::co_spawn(io, e.task(), asio::detached);
  io.run();
  if (e.pool) e.pool->join();
  e.result.cpu_s = process_cpu_s() - cpu_before;
  e.result.total_ms = std::chrono::duration<double, std::milli>(e.end - e.start).count();
  e.result.work_cpu_s = static_cast<double>(e.tally.cpu_ns.load()) / 1e9;
  // A timer run has no blocking part: the loop's own CPUs.
  e.result.cpus_available = e.tally.cpus.load() > 0 ? e.tally.cpus.load() : cpus_of_this_thread();
  return std::move(e.result);
}

}  // namespace bench::loop
