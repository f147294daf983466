// Small pieces of HTTP text both engines need: splitting a target into path
// and query, and the header values mockd adds.
#pragma once

#include <charconv>
#include <chrono>
#include <string>
#include <string_view>

namespace mockd {

struct Target {
  std::string_view path;
  std::string_view query;
};

inline Target split_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// Requests to these paths read or reset the counters and are not counted.
inline bool is_stats_path(std::string_view path) {
  return path == "/stats" || path == "/stats/reset";
}

// Appends "delay;dur=12.345" (milliseconds, as the Server-Timing header wants).
inline void append_server_timing(std::string& out, std::chrono::microseconds delay) {
  out += "delay;dur=";
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
