// Scenario `tasks` (claim C14): what a concurrent waiting task costs, as an
// OS thread and as a coroutine, in C++ and in Python.
//
// Names:
//   tasks/cpp_thread/stack:<default|64k>/n:<N>   pthreads blocked on a futex
//   tasks/cpp_coroutine/n:<N>                    Asio C++20 coroutines on one io_context
//   tasks/py_thread/stack:default/n:<N>          threading.Thread waiting on a threading.Event
//   tasks/py_asyncio/n:<N>                       asyncio tasks waiting on an asyncio.Event
//
// One repetition measures N tasks and N/10 tasks, each in a fresh process:
// the C++ kinds in a child forked from bench (no exec: a copy of bench at that
// moment, so both counts start from the same memory, and the arenas and
// stacks one count leaves behind never reach the next), the Python kinds in a
// fresh /usr/bin/python3 running python/tasks.py. In that process the N tasks
// are created and left waiting on one event; then the process's RSS is read
// (/proc/self/smaps_rollup), the event set, and every task records when it
// ran again. Figures:
//   bytes_per_task      (RSS(N) - RSS(N/10)) / (N - N/10): what one more
//                       waiting task costs, fixed costs (the first thread's
//                       arena, the loop, imports) cancelled out;
//   create_ns_per_task  from the first create to the last task waiting, / N;
//   wake_last_us        from set/notify to the last task running again;
//   threads_during      the process's thread count while N tasks wait
//                       (/proc/self/status), beside threads_before.
// Thread counts beyond what the machine can give without starving everyone
// else (kernel.pid_max, kernel.threads-max, vm.max_map_count, RLIMIT_NPROC;
// half of what is free, see thread_budget) are not attempted: the benchmark is
// recorded as failed with the limit and its value. A child stops creating at
// kMemoryBudgetBytes of RSS or at a failed create, and says which.
// Signature: coroutines and asyncio tasks leave the thread count as it was
// (exact); threads add exactly N; a thread costs at least a page of stack
// (4 KiB), a coroutine frame far less, so threads cost >= 2x the RSS.
#include <fcntl.h>
#include <linux/futex.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "model_benchmark.hpp"
#include "python_experiment.hpp"
#include "scenario.hpp"

namespace bench::tasks_scenario {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

constexpr std::size_t kSmallStackBytes = 64 * 1024;
// A child stops creating tasks past this RSS: 100k tasks of any kind here
// stay far below it; a kind that does not is reported, not allowed to grow.
constexpr double kMemoryBudgetBytes = 2.0 * 1024 * 1024 * 1024;
// How often (in tasks) a child checks its RSS against the budget.
constexpr long kBudgetCheckEvery = 1024;
constexpr auto kChildTimeout = std::chrono::seconds(90);
// The most Python threads woken at once: past it every woken thread polls
// for the GIL every 5 ms, and 10,000 of them flood a 2-core machine with
// futex wake-ups for minutes (see python/tasks.py). Larger counts measure
// memory and creation only.
constexpr long kPythonThreadWakeMax = 1'000;
constexpr const char* kPython = "/usr/bin/python3";
const std::string kPythonScript = scenario_script("tasks.py");

enum class Kind { cpp_thread, cpp_coroutine, py_thread, py_asyncio };

struct Case {
  std::string name;
  Kind kind;
  std::size_t stack_bytes;  // threads: 0 = the default (RLIMIT_STACK)
  long n;
  long base;  // the lower count of the difference
};

bool is_thread(Kind k) {
  return k == Kind::cpp_thread || k == Kind::py_thread;
}

// ---- /proc readers (raw read(2): usable in a forked child) --------------------

std::string read_proc(const char* path) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buf[4096];
  for (ssize_t got; (got = read(fd, buf, sizeof buf)) > 0;) text.append(buf, got);
  close(fd);
  return text;
}

// The number after "<key>" in a "Key:   value" file; NAN when absent.
double proc_field(const std::string& text, const char* key) {
  const auto at = text.find(key);
  if (at == std::string::npos) return NAN;
  return std::strtod(text.c_str() + at + std::strlen(key), nullptr);
}

// Exact RSS: smaps_rollup walks the page tables (status's VmRSS is a cached
// per-thread counter that lags with thousands of threads).
double rss_bytes() {
  const double kib = proc_field(read_proc("/proc/self/smaps_rollup"), "\nRss:");
  return std::isnan(kib) ? NAN : kib * 1024;
}

// statm: cheap, for the budget check and the virtual size.
std::pair<double, double> statm_virtual_and_rss_bytes() {
  std::istringstream in(read_proc("/proc/self/statm"));
  double size = NAN, resident = NAN;
  in >> size >> resident;
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  return {size * page, resident * page};
}

int process_threads() {
  return static_cast<int>(proc_field(read_proc("/proc/self/status"), "\nThreads:"));
}

// The kernel stacks of every thread on the machine (a thread's 16 KiB of
// kernel stack is not in any RSS); system-wide, so others' threads add noise.
double kernel_stack_bytes() {
  return proc_field(read_proc("/proc/meminfo"), "\nKernelStack:") * 1024;
}

// CPU time of the whole process (every thread), user + system.
double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::int64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

long read_long(const char* path) {
  const std::string text = read_proc(path);
  return text.empty() ? -1 : std::strtol(text.c_str(), nullptr, 10);
}

// ---- how many threads this machine can give ------------------------------------

// Threads (kernel scheduling entities) on the machine now: /proc/loadavg's
// "running/total" field.
long threads_in_use() {
  const std::string text = read_proc("/proc/loadavg");
  const auto slash = text.find('/');
  return slash == std::string::npos ? -1 : std::strtol(text.c_str() + slash + 1, nullptr, 10);
}

// Why `n` threads are not attempted here, or nullopt. Thread IDs and the
// machine's thread count are shared by every process: taking all that is free
// would make the rest of the machine (other builds, tests) fail to fork, so a
// count may use at most half of it. vm.max_map_count is per process (a
// thread's stack and its guard page are two mappings).
std::optional<std::string> thread_budget_exceeded(long n) {
  const long in_use = std::max(threads_in_use(), 0L);
  struct Limit {
    std::string what;
    long value;
    long budget;
  };
  std::vector<Limit> limits;
  if (const long v = read_long("/proc/sys/kernel/pid_max"); v > 0)
    limits.push_back({"kernel.pid_max (thread IDs, machine-wide)", v, (v - in_use) / 2});
  if (const long v = read_long("/proc/sys/kernel/threads-max"); v > 0)
    limits.push_back({"kernel.threads-max (machine-wide)", v, (v - in_use) / 2});
  if (const long v = read_long("/proc/sys/vm/max_map_count"); v > 0)
    limits.push_back({"vm.max_map_count (2 mappings per thread stack)", v, v / 2 - 1000});
  rlimit nproc{};
  if (getrlimit(RLIMIT_NPROC, &nproc) == 0 && nproc.rlim_cur != RLIM_INFINITY && geteuid() != 0)
    limits.push_back({"RLIMIT_NPROC (threads of this user)", static_cast<long>(nproc.rlim_cur),
                      (static_cast<long>(nproc.rlim_cur) - in_use) / 2});
  const auto tightest =
      std::min_element(limits.begin(), limits.end(),
                       [](const Limit& a, const Limit& b) { return a.budget < b.budget; });
  if (tightest == limits.end() || n <= tightest->budget) return std::nullopt;
  return "limit: " + std::to_string(n) + " threads not attempted: " + tightest->what + " = " +
         std::to_string(tightest->value) + " leaves a budget of " +
         std::to_string(tightest->budget) + " threads (" + std::to_string(in_use) +
         " in use on the machine; a run may take half of what is free)";
}

// ---- the measurement inside a fresh process --------------------------------------

// What one process measured with `reached` tasks waiting.
struct Measure {
  long n = 0, reached = 0, woken = 0;
  double rss_before = NAN, rss_at_n = NAN, virtual_at_n = NAN;
  double kernel_stack_before = NAN, kernel_stack_at_n = NAN;
  double create_s = NAN, create_cpu_s = NAN, wake_last_us = NAN, wake_median_us = NAN;
  int threads_before = 0, threads_during = 0, cpus = 0;
  bool wake_measured = true;  // false: the event was never set (many Python threads)
  std::string limit;          // why creation stopped before n; empty when it did not
  std::string error;          // the measurement itself failed
  std::string python;
};

json to_json(const Measure& m) {
  return {{"n", m.n},
          {"reached", m.reached},
          {"woken", m.woken},
          {"rss_before", m.rss_before},
          {"rss_at_n", m.rss_at_n},
          {"virtual_at_n", m.virtual_at_n},
          {"kernel_stack_before", m.kernel_stack_before},
          {"kernel_stack_at_n", m.kernel_stack_at_n},
          {"create_s", m.create_s},
          {"create_cpu_s", m.create_cpu_s},
          {"wake_last_us", m.wake_last_us},
          {"wake_median_us", m.wake_median_us},
          {"threads_before", m.threads_before},
          {"threads_during", m.threads_during},
          {"cpus", m.cpus},
          {"limit", m.limit}};
}

double number(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
}

Measure from_json(const json& j) {
  Measure m;
  if (j.contains("error")) {
    m.error = j["error"].get<std::string>();
    return m;
  }
  m.n = j.at("n");
  m.reached = j.at("reached");
  m.woken = j.at("woken");
  m.rss_before = number(j, "rss_before");
  m.rss_at_n = number(j, "rss_at_n");
  m.virtual_at_n = number(j, "virtual_at_n");
  m.kernel_stack_before = number(j, "kernel_stack_before");
  m.kernel_stack_at_n = number(j, "kernel_stack_at_n");
  m.create_s = number(j, "create_s");
  m.create_cpu_s = number(j, "create_cpu_s");
  m.wake_last_us = number(j, "wake_last_us");
  m.wake_median_us = number(j, "wake_median_us");
  m.threads_before = j.at("threads_before");
  m.threads_during = j.at("threads_during");
  m.cpus = j.at("cpus");
  m.limit = j.value("limit", "");
  m.wake_measured = j.value("wake_measured", true);
  m.python = j.value("python", "");
  return m;
}

// The part every kind shares once its tasks wait: the process's state.
void record_waiting_state(Measure& m) {
  m.threads_during = process_threads();
  m.rss_at_n = rss_bytes();
  m.virtual_at_n = statm_virtual_and_rss_bytes().first;
  m.kernel_stack_at_n = kernel_stack_bytes();
}

void record_wake_times(Measure& m, std::vector<std::int64_t>& woke_ns, std::int64_t set_ns) {
  std::vector<double> us;
  for (long i = 0; i < m.reached; ++i)
    if (woke_ns[i] != 0) us.push_back(static_cast<double>(woke_ns[i] - set_ns) / 1000.0);
  m.woken = static_cast<long>(us.size());
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  m.wake_last_us = us.back();
  m.wake_median_us = us[us.size() / 2];
}

bool over_budget(long created) {
  return created % kBudgetCheckEvery == 0 &&
         statm_virtual_and_rss_bytes().second > kMemoryBudgetBytes;
}

std::string budget_text(long created) {
  return "memory budget: RSS above " +
         std::to_string(static_cast<long>(kMemoryBudgetBytes / (1 << 20))) + " MiB after " +
         std::to_string(created) + " tasks";
}

// Threads: each blocks in FUTEX_WAIT on one word (what a condition variable
// or std::atomic::wait does underneath) until the main thread flips it and
// wakes them all.
struct ThreadShared {
  std::atomic<int> go{0};
  std::atomic<long> waiting{0};
  std::vector<std::int64_t> woke_ns;
};
ThreadShared* g_threads = nullptr;  // one per forked child

void* waiting_thread(void* arg) {
  const auto i = reinterpret_cast<std::intptr_t>(arg);
  ThreadShared& s = *g_threads;
  s.waiting.fetch_add(1);
  while (s.go.load(std::memory_order_acquire) == 0)
    syscall(SYS_futex, reinterpret_cast<int*>(&s.go), FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
  s.woke_ns[i] = now_ns();
  return nullptr;
}

Measure measure_threads(long n, std::size_t stack_bytes) {
  Measure m;
  m.n = n;
  ThreadShared shared;
  shared.woke_ns.assign(n, 0);
  g_threads = &shared;
  std::vector<pthread_t> ids(n);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (stack_bytes > 0 && pthread_attr_setstacksize(&attr, stack_bytes) != 0)
    throw std::runtime_error("pthread_attr_setstacksize refused " + std::to_string(stack_bytes));
  m.threads_before = process_threads();
  m.rss_before = rss_bytes();
  m.kernel_stack_before = kernel_stack_bytes();

  const double cpu_start = process_cpu_s();
  const std::int64_t start = now_ns();
  long created = 0;
  for (; created < n; ++created) {
    if (over_budget(created)) {
      m.limit = budget_text(created);
      break;
    }
    const int rc = pthread_create(&ids[created], &attr, waiting_thread,
                                  reinterpret_cast<void*>(static_cast<std::intptr_t>(created)));
    if (rc != 0) {
      m.limit = std::string("pthread_create failed: ") + std::strerror(rc) + " after " +
                std::to_string(created) + " threads";
      break;
    }
  }
  m.reached = created;
  while (shared.waiting.load() < created) sched_yield();
  m.create_s = static_cast<double>(now_ns() - start) / 1e9;
  m.create_cpu_s = process_cpu_s() - cpu_start;
  record_waiting_state(m);

  const std::int64_t set = now_ns();
  shared.go.store(1, std::memory_order_release);
  syscall(SYS_futex, reinterpret_cast<int*>(&shared.go), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
  for (long i = 0; i < created; ++i) pthread_join(ids[i], nullptr);
  pthread_attr_destroy(&attr);
  record_wake_times(m, shared.woke_ns, set);
  return m;
}

// Coroutines: each awaits one steady_timer that never expires; cancel()
// completes every pending wait, Asio's way of setting an event.
asio::awaitable<void> waiting_coroutine(asio::steady_timer& event, long& waiting,
                                        std::int64_t& woke_ns) {
  ++waiting;
  boost::system::error_code ec;  // operation_aborted: the event was set
  co_await event.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  woke_ns = now_ns();
}

Measure measure_coroutines(long n) {
  Measure m;
  m.n = n;
  std::vector<std::int64_t> woke_ns(n, 0);
  asio::io_context context(1);
  asio::steady_timer event(context, asio::steady_timer::time_point::max());
  long waiting = 0;
  m.threads_before = process_threads();
  m.rss_before = rss_bytes();
  m.kernel_stack_before = kernel_stack_bytes();

  const double cpu_start = process_cpu_s();
  const std::int64_t start = now_ns();
  long created = 0;
  for (; created < n; ++created) {
    if (over_budget(created)) {
      m.limit = budget_text(created);
      break;
    }
    asio::co_spawn(context, waiting_coroutine(event, waiting, woke_ns[created]), asio::detached);
  }
  m.reached = created;
  while (waiting < created) context.poll();  // run each to its first suspension
  m.create_s = static_cast<double>(now_ns() - start) / 1e9;
  m.create_cpu_s = process_cpu_s() - cpu_start;
  record_waiting_state(m);

  const std::int64_t set = now_ns();
  event.cancel();
  context.run();
  record_wake_times(m, woke_ns, set);
  return m;
}

// Every online CPU: the child runs as a program would, not pinned to bench's
// one CPU (threads may wake on both cores; coroutines use one either way).
int allow_every_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  for (long c = 0; c < cpus && c < CPU_SETSIZE; ++c) CPU_SET(c, &set);
  sched_setaffinity(0, sizeof set, &set);
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  return CPU_COUNT(&set);
}

// Runs `measure` in a child forked from bench and returns its JSON. The child
// writes one line on a pipe and leaves with _exit (bench's destructors and
// atexit handlers, which stop its servers, must not run there); it dies with
// bench (PR_SET_PDEATHSIG) and is killed at kChildTimeout.
json in_forked_child(const std::function<Measure()>& measure) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    close(fds[0]);
    // The child inherits bench's heap, with whatever the scenarios before
    // left free in it: frames allocated into those already resident pages
    // would not raise the RSS, so the figure would depend on what ran
    // first. Handing the free pages back first makes every task's memory
    // count, whatever ran before.
    malloc_trim(0);
    std::string out;
    try {
      const int cpus = allow_every_cpu();
      Measure m = measure();
      m.cpus = cpus;
      out = to_json(m).dump();
    } catch (const std::exception& e) {
      out = json{{"error", e.what()}}.dump();
    }
    out += "\n";
    for (std::size_t done = 0; done < out.size();) {
      const ssize_t w = write(fds[1], out.data() + done, out.size() - done);
      if (w <= 0) break;
      done += static_cast<std::size_t>(w);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + kChildTimeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) < 0 && errno != EINTR) break;
    char buf[4096];
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buf, static_cast<std::size_t>(got));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) throw std::runtime_error("the measuring child did not finish in time");
  if (text.empty())
    throw std::runtime_error(
        "the measuring child gave no result (exit status " +
        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status)) + ")");
  return json::parse(text);
}

// A fresh /usr/bin/python3 running python/tasks.py for one count.
json in_python_child(const std::string& kind, long n, bool wake) {
  if (access(kPython, X_OK) != 0) return {{"error", std::string(kPython) + " not found"}};
  if (access(kPythonScript.c_str(), R_OK) != 0) return {{"error", kPythonScript + " not found"}};
  const json config = {{"kind", kind},
                       {"n", n},
                       {"budget_bytes", kMemoryBudgetBytes},
                       {"budget_check_every", kBudgetCheckEvery},
                       {"wake", wake}};
  harness::ChildProcess child({kPython, kPythonScript, config.dump()});
  const auto line = child.read_line(harness::ChildProcess::Clock::now() + kChildTimeout);
  if (!line) {
    const std::string tail = child.stderr_tail();
    child.kill();
    return {{"error", "python child gave no result" + (tail.empty() ? "" : ": " + tail)}};
  }
  child.wait_until(harness::ChildProcess::Clock::now() + std::chrono::seconds(10));
  return json::parse(*line);
}

Measure measure_once(const Case& c, long n) {
  switch (c.kind) {
    case Kind::cpp_thread:
      return from_json(in_forked_child([&] { return measure_threads(n, c.stack_bytes); }));
    case Kind::cpp_coroutine:
      return from_json(in_forked_child([&] { return measure_coroutines(n); }));
    case Kind::py_thread:
      return from_json(in_python_child("thread", n, n <= kPythonThreadWakeMax));
    case Kind::py_asyncio:
      return from_json(in_python_child("asyncio", n, true));
  }
  return {};
}

// Why a measurement cannot be used, or "".
std::string unusable(const Measure& m) {
  if (!m.error.empty()) return m.error;
  if (!m.limit.empty()) return "limit: " + m.limit;
  if (std::isnan(m.rss_at_n) || std::isnan(m.create_s)) return "RSS or time not read";
  return "";
}

void set_counters(benchmark::State& state, const Case& c, const Measure& at_n,
                  const Measure& at_base) {
  auto& k = state.counters;
  const double more = static_cast<double>(at_n.reached - at_base.reached);
  k["n"] = static_cast<double>(at_n.n);
  k["n_base"] = static_cast<double>(at_base.n);
  k["bytes_per_task"] = (at_n.rss_at_n - at_base.rss_at_n) / more;
  k["virtual_bytes_per_task"] = (at_n.virtual_at_n - at_base.virtual_at_n) / more;
  // One process alone: RSS with N waiting minus before the first; fixed costs included.
  k["bytes_per_task_one_count"] = (at_n.rss_at_n - at_n.rss_before) / static_cast<double>(at_n.n);
  k["kernel_stack_bytes_per_task"] =
      (at_n.kernel_stack_at_n - at_n.kernel_stack_before) / static_cast<double>(at_n.n);
  k["rss_mb"] = at_n.rss_at_n / (1 << 20);
  k["rss_base_mb"] = at_base.rss_at_n / (1 << 20);
  k["create_ms"] = at_n.create_s * 1000.0;
  k["create_ns_per_task"] = at_n.create_s * 1e9 / static_cast<double>(at_n.n);
  // CPU time of the creating process (all its threads): what the machine's load does not stretch.
  k["create_cpu_ns_per_task"] = at_n.create_cpu_s * 1e9 / static_cast<double>(at_n.n);
  if (at_n.wake_measured) {
    k["wake_last_us"] = at_n.wake_last_us;
    k["wake_median_us"] = at_n.wake_median_us;
    k["woken"] = static_cast<double>(at_n.woken);
  }
  k["threads_before"] = at_n.threads_before;
  k["threads_during"] = at_n.threads_during;
  k["threads_added"] = at_n.threads_during - at_n.threads_before;
  // A task that never ran again after the event is the one error there is.
  const auto not_woken = [](const Measure& m) { return m.wake_measured ? m.n - m.woken : 0; };
  k["errors"] = static_cast<double>(not_woken(at_n) + not_woken(at_base));
  k["cpus"] = at_n.cpus;
  if (is_thread(c.kind)) {
    pthread_attr_t attr;
    std::size_t size = c.stack_bytes;
    if (size == 0 && pthread_attr_init(&attr) == 0) {
      pthread_attr_getstacksize(&attr, &size);
      pthread_attr_destroy(&attr);
    }
    k["stack_kib"] = static_cast<double>(size) / 1024.0;
  }
  if (k["errors"] > 0)
    state.SetLabel("errors: tasks not woken");
  else if (!at_n.python.empty())
    state.SetLabel("Python " + at_n.python);
}

void run_case(benchmark::State& state, const Case& c) {
  if (is_thread(c.kind))
    if (const auto why = thread_budget_exceeded(c.n)) return skip(state, *why);
  Measure at_n, at_base;
  for (auto _ : state) {
    try {
      at_base = measure_once(c, c.base);
      at_n = measure_once(c, c.n);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    std::string why = unusable(at_base);
    if (why.empty()) why = unusable(at_n);
    if (!why.empty()) {
      state.SkipWithError(why.c_str());
      break;
    }
    state.SetIterationTime(at_n.create_s);
  }
  if (state.error_occurred()) return;
  set_counters(state, c, at_n, at_base);
}

// ---- the grid ---------------------------------------------------------------------

std::string case_name(Kind kind, std::size_t stack_bytes, long n) {
  const std::string stack = stack_bytes == 0 ? "default" : std::to_string(stack_bytes / 1024) + "k";
  const std::string tail = "/n:" + std::to_string(n);
  switch (kind) {
    case Kind::cpp_thread:
      return "tasks/cpp_thread/stack:" + stack + tail;
    case Kind::cpp_coroutine:
      return "tasks/cpp_coroutine" + tail;
    case Kind::py_thread:
      return "tasks/py_thread/stack:" + stack + tail;
    case Kind::py_asyncio:
      return "tasks/py_asyncio" + tail;
  }
  return "";
}

// The count every headline ratio is taken at: the largest both sides reach
// on a machine with kernel.pid_max = 32768.
constexpr long kHeadlineN = 10'000;

void register_tasks(ScenarioContext& context) {
  const Mode mode = context.options().mode;
  // The default grid is the headline count alone: every ratio the verdict
  // checks and every figure the headline and the guide quote is taken there,
  // the 64 KiB-stack thread included (the page's answer to "shrink the
  // stack"). The other counts draw the cost against N, the wake-up of Python
  // threads and the limit that stops 100,000 threads: the reference's (and a
  // quick look's). A thread count past the machine's budget is skipped at no
  // cost here, but a machine with a larger kernel.pid_max would spend tens of
  // seconds per repetition creating 100,000 threads.
  const std::vector<long> counts = mode == Mode::standard
                                       ? std::vector<long>{kHeadlineN}
                                       : std::vector<long>{1'000, kHeadlineN, 100'000};
  struct KindStack {
    Kind kind;
    std::size_t stack;
  };
  const std::vector<KindStack> kinds = {{Kind::cpp_thread, 0},
                                        {Kind::cpp_thread, kSmallStackBytes},
                                        {Kind::cpp_coroutine, 0},
                                        {Kind::py_thread, 0},
                                        {Kind::py_asyncio, 0}};
  const bool quick = mode == Mode::quick;
  for (const auto& [kind, stack] : kinds)
    for (long n : counts) {
      // 100,000 asyncio tasks take seconds per count: beyond a quick look.
      if (quick && kind == Kind::py_asyncio && n == 100'000) continue;
      const Case c{case_name(kind, stack, n), kind, stack, n, n / 10};
      context.add(c.name, [c](benchmark::State& state) { run_case(state, c); });
    }

  const std::string thread = case_name(Kind::cpp_thread, 0, kHeadlineN);
  const std::string small = case_name(Kind::cpp_thread, kSmallStackBytes, kHeadlineN);
  const std::string coroutine = case_name(Kind::cpp_coroutine, 0, kHeadlineN);
  const std::string py_thread = case_name(Kind::py_thread, 0, kHeadlineN);
  const std::string py_asyncio = case_name(Kind::py_asyncio, 0, kHeadlineN);
  const std::string at = ", n:" + std::to_string(kHeadlineN);
  context.compare(
      {"C++ bytes per task: thread ÷ coroutine" + at, thread, coroutine, "bytes_per_task"});
  context.compare({"C++ bytes per task: 64 KiB-stack thread ÷ coroutine" + at, small, coroutine,
                   "bytes_per_task"});
  context.compare({"Python bytes per task: thread ÷ asyncio task" + at, py_thread, py_asyncio,
                   "bytes_per_task"});
  context.compare(
      {"C++ creation time: thread ÷ coroutine" + at, thread, coroutine, "create_ns_per_task"});
  context.compare({"Python creation time: thread ÷ asyncio task" + at, py_thread, py_asyncio,
                   "create_ns_per_task"});
}

const ScenarioRegistrar registrar({"tasks", register_tasks});

}  // namespace
}  // namespace bench::tasks_scenario
