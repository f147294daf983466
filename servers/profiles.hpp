// Named bundles of server-wide behaviour (mockd --profile): a default query
// and, where a query cannot say it, an option. They give a program with fixed
// URLs a recognisable kind of bad server without writing the parameters out.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "request_params.hpp"

namespace mockd {

struct Profile {
  std::string_view name;
  std::string_view default_query;               // as --default would give it
  std::optional<std::int64_t> max_connections;  // as --max-connections would
  std::string_view summary;                     // what a client sees, for --help
};

std::span<const Profile> profiles();

// nullptr when there is no profile of that name.
const Profile* find_profile(std::string_view name);

// "slow, flaky, stall, overload": for an error naming the valid ones.
std::string profile_names();

// One line per profile, "  name  summary (--default '...'[, --max-connections N])", for --help.
std::string profile_help();

// A profile's default, parsed as a request's parameters are. Its durations are
// checked against the hard ceiling rather than --max-delay-ms: a profile is
// meant to work under any cap, and like every delay drawn its delays are cut
// to the cap when served (the Server-Timing header shows the cut).
ParseResult profile_defaults(const Profile& profile, const Limits& limits);

}  // namespace mockd
