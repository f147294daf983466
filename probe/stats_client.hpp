// Reads and resets one mockd's /stats over a connection kept open between
// calls: probe samples the counters every few milliseconds while the program
// runs, and a new connection (a TLS handshake over HTTPS) per sample would
// cost more than the reading. mockd counts neither these requests nor their
// connection, so the program's figures stay its own.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace probe {

class StatsClient {
 public:
  // `cacert`: the certificate to verify an https:// base URL against.
  StatsClient(std::string base_url, std::string cacert);
  ~StatsClient();
  StatsClient(const StatsClient&) = delete;
  StatsClient& operator=(const StatsClient&) = delete;

  // GET /stats, parsed. Throws std::runtime_error unless it answers 200.
  nlohmann::json read();
  // POST /stats/reset. Throws std::runtime_error unless it answers 200.
  void reset();

 private:
  std::string perform(const std::string& path, bool post);

  std::string base_url_;
  std::string cacert_;
  void* handle_;  // CURL*, kept out of this header
};

}  // namespace probe
