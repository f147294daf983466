// Small pieces of HTTP text both engines need: splitting a target into path
// and query, and the header values mockd adds.
#pragma once

#include <charconv>
#include <chrono>
#include <string>
#include <string_view>

namespace mockd {

// The body of the 503 that refuses a connection over --max-connections.
inline constexpr std::string_view kOverConnectionCap =
    "{\"error\":\"over the server's connection cap (--max-connections)\"}\n";

struct Target {
  std::string_view path;
  std::string_view query;
};

// True if `text` starts with `prefix`, ignoring ASCII case.
inline bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// A request target's path and query. An absolute-form target
// ("http://host/stats?x", RFC 9112 §3.2.2, which a server must accept) is
// taken as its origin form ("/stats?x"): the host is ignored, as mockd
// serves any host, and "http://host" alone is the path "/".
inline Target split_target(std::string_view target) {
  if (starts_with_nocase(target, "http://") || starts_with_nocase(target, "https://")) {
    const auto authority = target.substr(target.find("//") + 2);
    const auto end = authority.find_first_of("/?");
    target = end == std::string_view::npos ? std::string_view{} : authority.substr(end);
  }
  auto q = target.find('?');
  std::string_view path = target.substr(0, q), query;
  if (q != std::string_view::npos) query = target.substr(q + 1);
  if (path.empty()) path = "/";
  return {path, query};
}

// Requests to these paths read or reset the counters and are not counted.
inline bool is_stats_path(std::string_view path) {
  return path == "/stats" || path == "/stats/reset";
}

// Appends "delay;dur=12.345" (milliseconds, as the Server-Timing header wants).
inline void append_server_timing(std::string& out, std::chrono::microseconds delay,
                                 std::string_view name = "delay") {
  out += name;
  out += ";dur=";
  char buf[32];
  const auto us = delay.count();
  auto end = std::to_chars(buf, buf + sizeof buf, us / 1000).ptr;
  *end++ = '.';
  const auto frac = us % 1000;
  *end++ = static_cast<char>('0' + frac / 100);
  *end++ = static_cast<char>('0' + frac / 10 % 10);
  *end++ = static_cast<char>('0' + frac % 10);
  out.append(buf, end);
}

}  // namespace mockd
