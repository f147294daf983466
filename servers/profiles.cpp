#include "profiles.hpp"

#include <algorithm>

namespace mockd {
namespace {

constexpr Profile kProfiles[] = {
    {"slow", "dist=lognormal&p50_ms=20&p99_ms=400", std::nullopt,
     "heavy-tailed delays: lognormal, median 20 ms, 99th percentile 400 ms"},
    {"flaky", "fail_rate=0.1&fail_status=503&reset_rate=0.05", std::nullopt,
     "5 % of requests reset (RST) instead of answered and, of the rest, 10 % answer 503 "
     "(two independent draws; a reset wins)"},
    {"stall", "stall_rate=0.1&stall_ms=30000", std::nullopt,
     "10 % of requests hang 30 s before answering (cut to --max-delay-ms), longer than a "
     "sensible client timeout: a program without one waits it out"},
    {"overload", "delay_ms=100", 4,
     "four connections served at once, each request held 100 ms (at most 40 requests/s); the "
     "first request on a fifth connection answers 503 and the connection closes"},
};

}  // namespace

std::span<const Profile> profiles() {
  return kProfiles;
}

const Profile* find_profile(std::string_view name) {
  for (const auto& p : kProfiles)
    if (p.name == name) return &p;
  return nullptr;
}

std::string profile_names() {
  std::string out;
  for (const auto& p : kProfiles) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

std::string profile_help() {
  std::size_t width = 0;
  for (const auto& p : kProfiles) width = std::max(width, p.name.size());
  std::string out;
  for (const auto& p : kProfiles) {
    std::string name(p.name);
    name.resize(width, ' ');
    out += "  " + name + "  " + std::string(p.summary) + " (--default '" +
           std::string(p.default_query) + "'";
    if (p.max_connections) out += ", --max-connections " + std::to_string(*p.max_connections);
    out += ")\n";
  }
  return out;
}

ParseResult profile_defaults(const Profile& profile, const Limits& limits) {
  Limits ceiling = limits;
  ceiling.max_delay_ms = kCeilingDelayMs;
  return parse_default_params(profile.default_query, ceiling);
}

}  // namespace mockd
