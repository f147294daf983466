// What mockd has seen, shared by both engines and served as JSON at /stats.
// Atomic counters: every request updates them, so they must be cheap. The
// updates that belong together (a response's total and its status, an event
// and its timeline bucket) run under a shared lock, and a reset or a reading
// takes it exclusively: a reading never shows half of an update or half of a
// reset, whatever the number of threads.
//
// A connection is counted when it serves its first request that is not to
// /stats, so a client watching the figures does not change them.
#pragma once

#include <pthread.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "request_params.hpp"

namespace mockd {

// Counters an engine may be unable to count: /stats shows those as null
// ("not available"), never as a 0 that would read as "none happened".
enum class Uncounted : unsigned {
  none = 0,
  header_timeouts = 1,
  idle_timeouts = 2,
  tls_handshake_failures = 4,
  accept_fd_exhausted = 8,
  requests_cancelled = 16,
};
constexpr Uncounted operator|(Uncounted a, Uncounted b) {
  return static_cast<Uncounted>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(Uncounted set, Uncounted one) {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(one)) != 0;
}

// A shared/exclusive lock whose exclusive side goes first: with glibc's
// default (shared first) a steady stream of counting requests kept a reset or
// a reading waiting for minutes. Usable with std::shared_lock/unique_lock.
class ExclusiveFirstLock {
 public:
  ExclusiveFirstLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~ExclusiveFirstLock() { pthread_rwlock_destroy(&lock_); }
  ExclusiveFirstLock(const ExclusiveFirstLock&) = delete;
  ExclusiveFirstLock& operator=(const ExclusiveFirstLock&) = delete;
  void lock_shared() { pthread_rwlock_rdlock(&lock_); }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }
  void lock() { pthread_rwlock_wrlock(&lock_); }
  void unlock() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

// How the server was started, as far as a reader of /stats needs to know
// to make sense of the counts; set once, before serving.
struct ServerSettings {
  std::string default_query;  // the default in effect (--default, --profile), "" if none
  std::string profile;        // --profile, "" if none
  std::optional<std::int64_t> max_connections;  // --max-connections
};

class Stats {
 public:
  // `now` is the clock the timeline and the uptimes are read from (a test
  // may pass its own, to place events past the timeline's end).
  using Now = std::chrono::steady_clock::time_point (*)();
  explicit Stats(Uncounted uncounted = Uncounted::none, Now now = &std::chrono::steady_clock::now);

  // A connection served its first counted request; `tls_resumed` only matters
  // for TLS connections (an abbreviated handshake with a resumed session).
  // With a cap (--max-connections) and `cap` connections already counted and
  // open, it is refused instead: false, counted in connections_refused only.
  // One atomic step, so threads counting at once never pass the cap.
  bool connection_counted(bool tls, bool tls_resumed, std::optional<std::int64_t> cap = {});
  // A counted connection closed.
  void connection_closed();
  // A request (not to /stats) whose header was parsed: it entered the server,
  // and is in flight until request_left().
  void request_started();
  // The request is no longer held by the server: its response header is
  // handed to the socket (the blocking engine: its handler returned the
  // response to cpp-httplib), or it was cancelled or answered with a fault.
  // Before the write, so a client that has its answer never finds its
  // request still counted in flight. Call once per request_started().
  void request_left();
  // Its response was written in full (the blocking engine: handed to cpp-httplib).
  void request_completed();
  // Its client closed the connection while the server still waited out the
  // request's delay, `in_server` after it arrived; no response was sent.
  void request_cancelled(std::chrono::microseconds in_server);
  void request_served(int status);
  void fault_sent(Fault fault);
  void header_timeout() { header_timeouts_.fetch_add(1, std::memory_order_relaxed); }
  void idle_timeout() { idle_timeouts_.fetch_add(1, std::memory_order_relaxed); }
  void malformed_request() { malformed_requests_.fetch_add(1, std::memory_order_relaxed); }
  void tls_handshake_failed() { tls_handshake_failures_.fetch_add(1, std::memory_order_relaxed); }
  // accept() failed for lack of file descriptors; the server backed off.
  void accept_fd_exhausted() { accept_fd_exhausted_.fetch_add(1, std::memory_order_relaxed); }

  // Zeroes the counters; the peaks restart at the connections open and the
  // requests in flight now.
  void reset();

  // Call before the engine serves: /stats shows them from then on.
  void set_settings(ServerSettings settings) { settings_ = std::move(settings); }

  // Compact JSON (no indentation: a long timeline is large enough as it is).
  std::string to_json(std::string_view engine) const;

  // A /stats body waiting to be written holds memory until its client reads
  // it; at most kMaxStatsBodies exist at once (more: 503). The ticket frees
  // its place when destroyed; an empty ticket means no place was free.
  static constexpr int kMaxStatsBodies = 16;
  using StatsBodyTicket = std::shared_ptr<void>;
  StatsBodyTicket take_stats_body_place();

  std::uint64_t connections_accepted() const { return load(connections_accepted_); }
  std::int64_t connections_active() const { return connections_active_.load(); }
  std::int64_t connections_peak() const { return connections_peak_.load(); }
  std::uint64_t requests_total() const { return load(requests_total_); }
  std::int64_t requests_in_flight() const { return requests_in_flight_.load(); }

  // The timeline: events per bucket since the last reset, for as long as
  // kTimelineBuckets covers (later events are only counted as "late"). Fixed
  // arrays, so a request never allocates to be counted. They bound /stats:
  // three lists of at most kTimelineBuckets numbers each.
  static constexpr std::chrono::milliseconds kTimelineBucket{10};
  static constexpr std::size_t kTimelineBuckets = 6'000;  // 60 s

 private:
  using Counter = std::atomic<std::uint64_t>;
  static std::uint64_t load(const Counter& c) { return c.load(std::memory_order_relaxed); }

  Counter connections_accepted_{0};
  Counter connections_refused_{0};
  std::atomic<std::int64_t> connections_active_{0};
  std::atomic<std::int64_t> connections_peak_{0};
  Counter requests_total_{0};
  Counter requests_started_{0};
  std::atomic<std::int64_t> requests_in_flight_{0};
  std::atomic<std::int64_t> requests_in_flight_peak_{0};
  Counter requests_cancelled_{0};
  Counter cancelled_in_server_us_sum_{0};
  Counter cancelled_in_server_us_max_{0};
  using Timeline = std::array<std::atomic<std::uint32_t>, kTimelineBuckets>;
  // Call with mutex_ held (shared or exclusive).
  void count_in_timeline(Timeline& timeline, Counter& late);
  Timeline started_by_bucket_{};
  Timeline completed_by_bucket_{};
  Timeline cancelled_by_bucket_{};
  // Events past the timeline, each kind on its own: Σ started + late_started
  // is requests_started.
  Counter late_started_{0};
  Counter late_completed_{0};
  Counter late_cancelled_{0};
  std::array<Counter, 600> requests_by_status_{};
  std::array<Counter, 4> faults_{};  // indexed by Fault
  Counter tls_handshakes_{0};
  Counter tls_resumed_{0};
  Counter tls_handshake_failures_{0};
  Counter header_timeouts_{0};
  Counter idle_timeouts_{0};
  Counter malformed_requests_{0};
  Counter accept_fd_exhausted_{0};
  ServerSettings settings_;
  const Uncounted uncounted_;
  const Now now_;
  const std::chrono::steady_clock::time_point started_;
  std::atomic<std::chrono::steady_clock::rep> reset_at_;
  // Shared by updates, exclusive for reset() and to_json().
  mutable ExclusiveFirstLock mutex_;
  std::atomic<int> stats_bodies_{0};
};

// A request in flight: started on construction, left on leave() or at the
// end of its scope, whichever comes first, so every way out of a handler (an
// answer, a fault, a cancellation, a failed write) leaves exactly once.
class RequestInFlight {
 public:
  explicit RequestInFlight(Stats& stats) : stats_(&stats) { stats.request_started(); }
  ~RequestInFlight() { leave(); }
  RequestInFlight(const RequestInFlight&) = delete;
  RequestInFlight& operator=(const RequestInFlight&) = delete;
  void leave() {
    if (Stats* stats = std::exchange(stats_, nullptr)) stats->request_left();
  }

 private:
  Stats* stats_;
};

}  // namespace mockd
