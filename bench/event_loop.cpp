// See event_loop.hpp. Everything here runs on one io_context on the calling
// thread, except the work a pool is given in the *_offload kinds.
#include "event_loop.hpp"

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

void burn_cpu(std::chrono::microseconds d) {
  const auto end = Clock::now() + d;
  while (Clock::now() < end) {
  }
}

// The blocking part of a task, as it runs wherever it is put.
void blocking_work(Work w, std::chrono::microseconds d) {
  if (w == Work::cpu_on_loop || w == Work::cpu_offload)
    burn_cpu(d);
  else
    std::this_thread::sleep_for(d);
}

awaitable<void> on_pool(Work w, std::chrono::microseconds d) {
  blocking_work(w, d);
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
        blocking_work(config.work, config.work_time);  // the loop stops here
        break;
      case Work::sleep_offload:
      case Work::cpu_offload:
        // Runs on the pool; this coroutine resumes on the loop when it is done.
        co_await asio::co_spawn(*pool, on_pool(config.work, config.work_time), asio::use_awaitable);
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

}  // namespace

Result run(const Config& config) {
  if (config.tasks <= 0) throw std::invalid_argument("tasks must be positive");
  const bool offload = config.work == Work::sleep_offload || config.work == Work::cpu_offload;
  if (offload && config.pool_threads <= 0)
    throw std::invalid_argument("an offloaded run needs pool_threads > 0");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config.host, ec);
  if (ec) throw std::invalid_argument("host must be a numeric address: " + config.host);

  Experiment e(config, tcp::endpoint(address, config.port));
  // The pool's threads start before the clock does.
  if (offload) e.pool.emplace(static_cast<std::size_t>(config.pool_threads));
  asio::io_context io(1);
  e.start = Clock::now();
  asio::co_spawn(io, e.heartbeat(), asio::detached);
  if (config.other_interval.count() > 0) asio::co_spawn(io, e.other_requests(), asio::detached);
  for (int i = 0; i < config.tasks; ++i) asio::co_spawn(io, e.task(), asio::detached);
  io.run();
  if (e.pool) e.pool->join();
  e.result.total_ms = std::chrono::duration<double, std::milli>(e.end - e.start).count();
  return std::move(e.result);
}

}  // namespace bench::loop
