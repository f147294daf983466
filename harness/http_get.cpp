#include "http_get.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace harness {
namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* out) {
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of("\r\n \t") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

}  // namespace

HttpReply http_request(const std::string& url, const HttpOptions& options) {
  HttpReply reply;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  if (options.method == "POST") {
    // An empty body with Content-Length: 0; a bodiless POST without it would
    // leave some servers waiting for a body until the connection closes.
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, options.method.c_str());
  }
  if (options.method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply.headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (!options.cacert.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.cacert.c_str());
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    reply.error = curl_easy_strerror(rc);
    return reply;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

nlohmann::json fetch_stats(const std::string& base_url, const std::string& cacert) {
  HttpOptions options;
  options.cacert = cacert;
  const auto reply = http_request(base_url + "/stats", options);
  if (reply.status != 200)
    throw std::runtime_error("GET " + base_url + "/stats failed: " +
                             (reply.status ? std::to_string(reply.status) : reply.error));
  return nlohmann::json::parse(reply.body);
}

void reset_stats(const std::string& base_url, const std::string& cacert) {
  HttpOptions options;
  options.method = "POST";
  options.cacert = cacert;
  const auto reply = http_request(base_url + "/stats/reset", options);
  if (reply.status != 200)
    throw std::runtime_error("POST " + base_url + "/stats/reset failed: " +
                             (reply.status ? std::to_string(reply.status) : reply.error));
}

}  // namespace harness
