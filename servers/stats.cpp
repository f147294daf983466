#include "stats.hpp"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <vector>

namespace mockd {

Stats::Stats(Uncounted uncounted, Now now)
    : uncounted_(uncounted),
      now_(now),
      started_(now()),
      reset_at_(started_.time_since_epoch().count()) {}

namespace {

// Raises `peak` to `value` if it is lower (other threads may raise it too).
void raise_peak(std::atomic<std::int64_t>& peak, std::int64_t value) {
  auto seen = peak.load();
  while (value > seen && !peak.compare_exchange_weak(seen, value)) {
  }
}

}  // namespace

bool Stats::connection_counted(bool tls, bool tls_resumed, std::optional<std::int64_t> cap) {
  std::shared_lock lock(mutex_);
  auto active = connections_active_.load();
  do {
    if (cap && active >= *cap) {
      connections_refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  } while (!connections_active_.compare_exchange_weak(active, active + 1));
  raise_peak(connections_peak_, active + 1);
  connections_accepted_.fetch_add(1, std::memory_order_relaxed);
  if (tls) {
    tls_handshakes_.fetch_add(1, std::memory_order_relaxed);
    if (tls_resumed) tls_resumed_.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

void Stats::connection_closed() {
  std::shared_lock lock(mutex_);
  connections_active_.fetch_sub(1);
}

void Stats::count_in_timeline(Timeline& timeline, Counter& late) {
  using namespace std::chrono;
  const auto reset_at = steady_clock::time_point(steady_clock::duration(reset_at_.load()));
  const auto bucket = (now_() - reset_at) / kTimelineBucket;
  if (bucket >= 0 && static_cast<std::size_t>(bucket) < kTimelineBuckets)
    timeline[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  else
    late.fetch_add(1, std::memory_order_relaxed);
}

void Stats::request_started() {
  std::shared_lock lock(mutex_);
  requests_started_.fetch_add(1, std::memory_order_relaxed);
  raise_peak(requests_in_flight_peak_, requests_in_flight_.fetch_add(1) + 1);
  count_in_timeline(started_by_bucket_, late_started_);
}

void Stats::request_left() {
  std::shared_lock lock(mutex_);
  requests_in_flight_.fetch_sub(1);
}

void Stats::request_completed() {
  std::shared_lock lock(mutex_);
  count_in_timeline(completed_by_bucket_, late_completed_);
}

void Stats::request_cancelled(std::chrono::microseconds in_server) {
  std::shared_lock lock(mutex_);
  requests_cancelled_.fetch_add(1, std::memory_order_relaxed);
  const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(0, in_server.count()));
  cancelled_in_server_us_sum_.fetch_add(us, std::memory_order_relaxed);
  auto max = cancelled_in_server_us_max_.load(std::memory_order_relaxed);
  while (us > max && !cancelled_in_server_us_max_.compare_exchange_weak(max, us)) {
  }
  count_in_timeline(cancelled_by_bucket_, late_cancelled_);
}

void Stats::request_served(int status) {
  std::shared_lock lock(mutex_);
  requests_total_.fetch_add(1, std::memory_order_relaxed);
  if (status >= 0 && status < static_cast<int>(requests_by_status_.size()))
    requests_by_status_[status].fetch_add(1, std::memory_order_relaxed);
}

void Stats::fault_sent(Fault fault) {
  std::shared_lock lock(mutex_);
  requests_total_.fetch_add(1, std::memory_order_relaxed);
  faults_[static_cast<std::size_t>(fault)].fetch_add(1, std::memory_order_relaxed);
}

void Stats::reset() {
  std::unique_lock lock(mutex_);
  connections_accepted_ = 0;
  requests_total_ = 0;
  for (auto& c : requests_by_status_) c = 0;
  for (auto& c : faults_) c = 0;
  for (auto* c : {&connections_refused_, &tls_handshakes_, &tls_resumed_, &tls_handshake_failures_,
                  &header_timeouts_, &idle_timeouts_, &malformed_requests_, &accept_fd_exhausted_,
                  &requests_started_, &requests_cancelled_, &cancelled_in_server_us_sum_,
                  &cancelled_in_server_us_max_, &late_started_, &late_completed_, &late_cancelled_})
    *c = 0;
  for (auto* timeline : {&started_by_bucket_, &completed_by_bucket_, &cancelled_by_bucket_})
    for (auto& c : *timeline) c = 0;
  connections_peak_ = connections_active_.load();
  requests_in_flight_peak_ = requests_in_flight_.load();
  reset_at_ = now_().time_since_epoch().count();
}

Stats::StatsBodyTicket Stats::take_stats_body_place() {
  if (stats_bodies_.fetch_add(1) >= kMaxStatsBodies) {
    stats_bodies_.fetch_sub(1);
    return nullptr;
  }
  return StatsBodyTicket(this,
                         [](void* self) { static_cast<Stats*>(self)->stats_bodies_.fetch_sub(1); });
}

std::string Stats::to_json(std::string_view engine) const {
  using namespace std::chrono;
  // The counters are copied under the exclusive lock (no update or reset is
  // half done while they are read) and turned into JSON after it, so request
  // threads wait for a copy, not for the JSON.
  std::unique_lock lock(mutex_);
  std::size_t used = 0;  // the timeline up to its last non-empty bucket
  for (std::size_t i = 0; i < kTimelineBuckets; ++i)
    if (started_by_bucket_[i].load(std::memory_order_relaxed) ||
        completed_by_bucket_[i].load(std::memory_order_relaxed) ||
        cancelled_by_bucket_[i].load(std::memory_order_relaxed))
      used = i + 1;
  auto copy = [used](const Timeline& timeline) {
    std::vector<std::uint32_t> out(used);
    for (std::size_t i = 0; i < used; ++i) out[i] = timeline[i].load(std::memory_order_relaxed);
    return out;
  };
  const auto started = copy(started_by_bucket_), completed = copy(completed_by_bucket_),
             cancelled = copy(cancelled_by_bucket_);
  std::array<std::uint64_t, std::tuple_size_v<decltype(requests_by_status_)>> statuses{};
  for (std::size_t s = 0; s < statuses.size(); ++s) statuses[s] = load(requests_by_status_[s]);
  nlohmann::json faults = nlohmann::json::object();
  for (auto f : {Fault::reset, Fault::empty, Fault::garbage})
    faults[std::string(to_string(f))] = load(faults_[static_cast<std::size_t>(f)]);
  auto counted = [this](Uncounted which, const Counter& c) {
    return has(uncounted_, which) ? nlohmann::json(nullptr) : nlohmann::json(load(c));
  };
  const bool cancel_counted = !has(uncounted_, Uncounted::requests_cancelled);
  nlohmann::json cancelled_in_server_ms = nullptr;
  if (cancel_counted)
    cancelled_in_server_ms = {{"sum", load(cancelled_in_server_us_sum_) / 1e3},
                              {"max", load(cancelled_in_server_us_max_) / 1e3}};
  const auto now = now_();
  const auto reset_at = steady_clock::time_point(steady_clock::duration(reset_at_.load()));
  nlohmann::json j = {
      {"engine", engine},
      {"default", settings_.default_query},
      {"profile", settings_.profile},
      {"connections_accepted", load(connections_accepted_)},
      {"connections_active", connections_active_.load()},
      {"connections_peak", connections_peak_.load()},
      {"connections_refused", load(connections_refused_)},
      {"max_connections", settings_.max_connections ? nlohmann::json(*settings_.max_connections)
                                                    : nlohmann::json(nullptr)},
      {"requests_total", load(requests_total_)},
      {"requests_started", load(requests_started_)},
      {"requests_in_flight", requests_in_flight_.load()},
      {"requests_in_flight_peak", requests_in_flight_peak_.load()},
      {"requests_cancelled", counted(Uncounted::requests_cancelled, requests_cancelled_)},
      {"cancelled_in_server_ms", cancelled_in_server_ms},
      {"faults", faults},
      {"tls_handshakes", load(tls_handshakes_)},
      {"tls_resumed", load(tls_resumed_)},
      {"tls_handshake_failures",
       counted(Uncounted::tls_handshake_failures, tls_handshake_failures_)},
      {"header_timeouts", counted(Uncounted::header_timeouts, header_timeouts_)},
      {"idle_timeouts", counted(Uncounted::idle_timeouts, idle_timeouts_)},
      {"malformed_requests", load(malformed_requests_)},
      {"accept_fd_exhausted", counted(Uncounted::accept_fd_exhausted, accept_fd_exhausted_)},
      {"uptime_s", duration<double>(now - started_).count()},
      {"since_reset_s", duration<double>(now - reset_at).count()},
      {"timeline",
       {{"bucket_ms", kTimelineBucket.count()},
        {"late", load(late_started_)},
        {"late_completed", load(late_completed_)},
        {"late_cancelled",
         cancel_counted ? nlohmann::json(load(late_cancelled_)) : nlohmann::json(nullptr)}}},
  };
  lock.unlock();
  nlohmann::json by_status = nlohmann::json::object();
  for (std::size_t s = 0; s < statuses.size(); ++s)
    if (auto n = statuses[s]) by_status[std::to_string(s)] = n;
  j["requests_by_status"] = std::move(by_status);
  auto& timeline = j["timeline"];
  timeline["started"] = started;
  timeline["completed"] = completed;
  timeline["cancelled"] = cancel_counted ? nlohmann::json(cancelled) : nlohmann::json(nullptr);
  return j.dump() + "\n";
}

}  // namespace mockd
