// Option checks shared by the command lines of mockd, fetch and bench.
// CLI11's Range lets NaN through (every comparison with NaN is false) and
// its unsigned conversion wraps "-1" to 2^64-1, so a cap given on the command
// line could end up disabling itself; these checks parse the text themselves
// and accept only a finite number inside [lo, hi].
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "integer_check.hpp"

namespace cli_checks {

// A decimal number (decimals allowed) in [lo, hi]; `unit` goes into the message.
inline CLI::Validator number_in(double lo, double hi, const std::string& unit = "") {
  const std::string range = "[" + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) +
                            "]" + (unit.empty() ? "" : " " + unit);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        double value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec != std::errc() || ptr != end || !std::isfinite(value))
          return "must be a number in " + range + ", got '" + text + "'";
        if (value < lo || value > hi) return "must be in " + range + ", got " + text;
        return "";
      },
      "NUMBER in " + range);
}

// A whole number in [lo, hi] (no sign tricks, no wrap-around, no overflow).
inline CLI::Validator integer_in(std::int64_t lo, std::int64_t hi, const std::string& unit = "") {
  const std::string range = integer_range(lo, hi, unit);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        return integer_error(text, lo, hi, range);
      },
      "INT in " + range);
}

}  // namespace cli_checks
