// A small libcurl-based HTTP client for tests and the bench driver's control
// traffic (reading and resetting mockd's /stats). Not a client model: it is
// not measured.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace harness {

struct HttpReply {
  long status = 0;  // 0: no response (see error)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // curl's message when status == 0
};

struct HttpOptions {
  std::string method = "GET";
  std::string cacert;  // for https: verify against this file
  std::chrono::milliseconds timeout{10'000};
};

HttpReply http_request(const std::string& url, const HttpOptions& options = {});

// GET base_url/stats, parsed. Throws std::runtime_error unless it answers 200.
nlohmann::json fetch_stats(const std::string& base_url, const std::string& cacert = {});
// POST base_url/stats/reset. Throws std::runtime_error unless it answers 200.
void reset_stats(const std::string& base_url, const std::string& cacert = {});

}  // namespace harness
