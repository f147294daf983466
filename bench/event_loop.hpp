// The event-loop experiments of the `blocking` scenario (claims C3 and C5),
// behind a plain interface so that only event_loop.cpp includes Boost.Asio.
// One asio::io_context on the calling thread runs `tasks` coroutines, each of
// which waits (timer, blocking sleep, or blocking sleep on a thread pool) or
// burns CPU (on the loop or on a pool) and then makes one HTTP GET to mockd on
// a connection of its own. A heartbeat on the same loop measures how late a
// 1 ms timer fires, and a separate coroutine makes unrelated requests due
// every few ms on one keep-alive connection, timing each from when it was due.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bench::loop {

enum class Work {
  timer,          // co_await a steady_timer (asyncio.sleep)
  sleep,          // std::this_thread::sleep_for inside the coroutine (time.sleep)
  sleep_offload,  // the blocking sleep on an asio::thread_pool (asyncio.to_thread)
  cpu_on_loop,    // a busy loop checking the clock, on the loop
  cpu_offload,    // the same busy loop on an asio::thread_pool
};

struct Config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string target = "/";           // path and query of every request
  std::uint64_t expected_bytes = 16;  // mockd's default body
  int tasks = 100;
  Work work = Work::timer;
  std::chrono::microseconds work_time{10'000};  // the wait or the CPU burn per task
  int pool_threads = 0;                         // for the *_offload kinds
  std::chrono::microseconds heartbeat{1'000};
  std::chrono::microseconds other_interval{5'000};  // 0: no unrelated requests
  std::chrono::milliseconds timeout{30'000};        // per request
};

struct Result {
  double total_ms = 0;         // from spawning the tasks until the last task's response
  std::vector<double> lag_us;  // per heartbeat tick: how late it fired
  std::vector<double>
      other_us;  // latency of each unrelated request that succeeded, from when it was due
  std::size_t task_ok = 0, other_ok = 0, errors = 0;
  std::size_t task_conns = 0;  // connections the tasks opened
  std::string error_example;   // the first error seen
};

// Runs one experiment on the calling thread. Throws std::invalid_argument
// for an unusable configuration; failed requests are counted, never thrown.
Result run(const Config& config);

}  // namespace bench::loop
