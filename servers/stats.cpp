#include "stats.hpp"

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
                  &idle_timeouts_, &malformed_requests_, &accept_fd_exhausted_})
    *c = 0;
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
  const auto now = steady_clock::now();
  const auto reset_at = steady_clock::time_point(steady_clock::duration(reset_at_.load()));
  nlohmann::json j = {
      {"engine", engine},
      {"connections_accepted", load(connections_accepted_)},
      {"connections_active", connections_active_.load()},
      {"connections_peak", connections_peak_.load()},
      {"requests_total", load(requests_total_)},
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
  };
  return j.dump(2) + "\n";
}

}  // namespace mockd
