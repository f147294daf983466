#include "stats.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace mockd {

Stats::Stats(Uncounted uncounted)
    : uncounted_(uncounted), reset_at_(started_.time_since_epoch().count()) {}

void Stats::connection_counted(bool tls, bool tls_resumed) {
  connections_accepted_.fetch_add(1, std::memory_order_relaxed);
  if (tls) {
    tls_handshakes_.fetch_add(1, std::memory_order_relaxed);
    if (tls_resumed) tls_resumed_.fetch_add(1, std::memory_order_relaxed);
  }
  const auto active = connections_active_.fetch_add(1) + 1;
  auto peak = connections_peak_.load();
  while (active > peak && !connections_peak_.compare_exchange_weak(peak, active)) {
  }
}

void Stats::connection_closed() {
  connections_active_.fetch_sub(1);
}

void Stats::count_in_timeline(Timeline& timeline) {
  using namespace std::chrono;
  const auto reset_at = steady_clock::time_point(steady_clock::duration(reset_at_.load()));
  const auto bucket = (steady_clock::now() - reset_at) / kTimelineBucket;
  if (bucket >= 0 && static_cast<std::size_t>(bucket) < kTimelineBuckets)
    timeline[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  else
    timeline_late_.fetch_add(1, std::memory_order_relaxed);
}

void Stats::request_started() {
  requests_started_.fetch_add(1, std::memory_order_relaxed);
  count_in_timeline(started_by_bucket_);
}

void Stats::request_completed() {
  count_in_timeline(completed_by_bucket_);
}

void Stats::request_cancelled(std::chrono::microseconds in_server) {
  requests_cancelled_.fetch_add(1, std::memory_order_relaxed);
  const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(0, in_server.count()));
  cancelled_in_server_us_sum_.fetch_add(us, std::memory_order_relaxed);
  auto max = cancelled_in_server_us_max_.load(std::memory_order_relaxed);
  while (us > max && !cancelled_in_server_us_max_.compare_exchange_weak(max, us)) {
  }
  count_in_timeline(cancelled_by_bucket_);
}

void Stats::request_served(int status) {
  requests_total_.fetch_add(1, std::memory_order_relaxed);
  if (status >= 0 && status < static_cast<int>(requests_by_status_.size()))
    requests_by_status_[status].fetch_add(1, std::memory_order_relaxed);
}

void Stats::fault_sent(Fault fault) {
  requests_total_.fetch_add(1, std::memory_order_relaxed);
  faults_[static_cast<std::size_t>(fault)].fetch_add(1, std::memory_order_relaxed);
}

void Stats::reset() {
  connections_accepted_ = 0;
  requests_total_ = 0;
  for (auto& c : requests_by_status_) c = 0;
  for (auto& c : faults_) c = 0;
  for (auto* c : {&tls_handshakes_, &tls_resumed_, &tls_handshake_failures_, &header_timeouts_,
                  &idle_timeouts_, &malformed_requests_, &accept_fd_exhausted_, &requests_started_,
                  &requests_cancelled_, &cancelled_in_server_us_sum_, &cancelled_in_server_us_max_,
                  &timeline_late_})
    *c = 0;
  for (auto* timeline : {&started_by_bucket_, &completed_by_bucket_, &cancelled_by_bucket_})
    for (auto& c : *timeline) c = 0;
  connections_peak_ = connections_active_.load();
  reset_at_ = std::chrono::steady_clock::now().time_since_epoch().count();
}

std::string Stats::to_json(std::string_view engine) const {
  using namespace std::chrono;
  nlohmann::json by_status = nlohmann::json::object();
  for (std::size_t s = 0; s < requests_by_status_.size(); ++s)
    if (auto n = load(requests_by_status_[s])) by_status[std::to_string(s)] = n;
  nlohmann::json faults = nlohmann::json::object();
  for (auto f : {Fault::reset, Fault::empty, Fault::garbage})
    faults[std::string(to_string(f))] = load(faults_[static_cast<std::size_t>(f)]);
  auto counted = [this](Uncounted which, const Counter& c) {
    return has(uncounted_, which) ? nlohmann::json(nullptr) : nlohmann::json(load(c));
  };
  // The timeline up to its last non-empty bucket (the three lists equally long).
  std::size_t used = 0;
  for (std::size_t i = 0; i < kTimelineBuckets; ++i)
    if (started_by_bucket_[i].load(std::memory_order_relaxed) ||
        completed_by_bucket_[i].load(std::memory_order_relaxed) ||
        cancelled_by_bucket_[i].load(std::memory_order_relaxed))
      used = i + 1;
  auto list = [used](const Timeline& timeline) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < used; ++i)
      out.push_back(timeline[i].load(std::memory_order_relaxed));
    return out;
  };
  const bool cancel_counted = !has(uncounted_, Uncounted::requests_cancelled);
  nlohmann::json cancelled_in_server_ms = nullptr;
  if (cancel_counted)
    cancelled_in_server_ms = {{"sum", load(cancelled_in_server_us_sum_) / 1e3},
                              {"max", load(cancelled_in_server_us_max_) / 1e3}};
  const auto now = steady_clock::now();
  const auto reset_at = steady_clock::time_point(steady_clock::duration(reset_at_.load()));
  nlohmann::json j = {
      {"engine", engine},
      {"connections_accepted", load(connections_accepted_)},
      {"connections_active", connections_active_.load()},
      {"connections_peak", connections_peak_.load()},
      {"requests_total", load(requests_total_)},
      {"requests_started", load(requests_started_)},
      {"requests_cancelled", counted(Uncounted::requests_cancelled, requests_cancelled_)},
      {"cancelled_in_server_ms", cancelled_in_server_ms},
      {"requests_by_status", by_status},
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
        {"started", list(started_by_bucket_)},
        {"completed", list(completed_by_bucket_)},
        {"cancelled", cancel_counted ? list(cancelled_by_bucket_) : nlohmann::json(nullptr)},
        {"late", load(timeline_late_)}}},
  };
  return j.dump(2) + "\n";
}

}  // namespace mockd
