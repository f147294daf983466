#include "stats_client.hpp"

#include <curl/curl.h>

#include <stdexcept>

namespace probe {
namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

StatsClient::StatsClient(std::string base_url, std::string cacert)
    : base_url_(std::move(base_url)), cacert_(std::move(cacert)), handle_(curl_easy_init()) {
  if (!handle_) throw std::runtime_error("curl_easy_init failed");
}

StatsClient::~StatsClient() {
  curl_easy_cleanup(static_cast<CURL*>(handle_));
}

std::string StatsClient::perform(const std::string& path, bool post) {
  CURL* h = static_cast<CURL*>(handle_);
  std::string body;
  const std::string url = base_url_ + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  if (post) {
    // An empty body with Content-Length: 0, so the server does not wait for one.
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // libcurl honours http_proxy and friends: mockd is local, never proxied.
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  if (!cacert_.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, cacert_.c_str());
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    throw std::runtime_error((post ? "POST " : "GET ") + url + " failed: " +
                             (rc == CURLE_OK ? "status " + std::to_string(status)
                                             : std::string(curl_easy_strerror(rc))));
  return body;
}

nlohmann::json StatsClient::read() {
  return nlohmann::json::parse(perform("/stats", false));
}

void StatsClient::reset() {
  perform("/stats/reset", true);
}

}  // namespace probe
