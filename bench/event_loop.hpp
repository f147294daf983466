// The event-loop experiments of the `blocking` scenario (claims C3 and C5),
// behind a plain interface so that only event_loop.cpp includes Boost.Asio.
// One asio::io_context on the calling thread runs `tasks` coroutines, each of
// which waits (timer, blocking sleep, or blocking sleep on a thread pool) or
// does a fixed amount of CPU work (on the loop or on a pool) and then makes
// one HTTP GET to mockd on a connection of its own. A heartbeat on the same loop measures how late
// a 1 ms timer fires, and a separate coroutine makes unrelated requests due every few ms on one
// keep-alive connection, timing each from when it was due.
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
  cpu_on_loop,    // CPU work on the loop: until the thread's own CPU time has advanced by work_time
  cpu_offload,    // the same CPU work on an asio::thread_pool
};

struct Config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string target = "/";           // path and query of every request
  std::uint64_t expected_bytes = 16;  // mockd's default body
  int tasks = 100;
  Work work = Work::timer;
  std::chrono::microseconds work_time{10'000};  // the wait, or the CPU time burnt, per task
  int workers = 0;                              // the pool's threads, for the *_offload kinds
  // The CPUs the pool's threads may run on: 0 = those of the calling thread
  // (bench pins itself to CPU 0, so the pool shares the loop's core); K =
  // CPUs 0..K-1 (those of them that are online).
  int pool_cpus = 0;
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
  double cpu_s = 0;            // CPU time (user + system) of the whole process during the run
  double work_cpu_s = 0;       // thread CPU time the tasks' CPU work used, summed (cpu_* kinds)
  // CPUs in the affinity mask of the thread(s) that ran the blocking part
  // (the pool's for *_offload, else the loop's).
  int cpus_available = 0;
};

// Runs one experiment on the calling thread. Throws std::invalid_argument
// for an unusable configuration; failed requests are counted, never thrown.
Result run(const Config& config);

}  // namespace bench::loop
