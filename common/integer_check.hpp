// The whole-number check behind cli_checks::integer_in, without CLI11: for
// code that checks a number given outside a CLI11 command line (bench's
// --benchmark_repetitions=N), where including CLI11 would compile most of it
// again for one check.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace cli_checks {

// "[lo, hi]", then " unit" when one is given: the range as messages show it.
inline std::string integer_range(std::int64_t lo, std::int64_t hi, const std::string& unit = "") {
  // Appended piece by piece: "[" + std::to_string(lo) + ... draws a false
  // -Wrestrict from GCC 12 once inlined with constant bounds.
  std::string range = "[";
  range += std::to_string(lo);
  range += ", ";
  range += std::to_string(hi);
  range += "]";
  if (!unit.empty()) range += " " + unit;
  return range;
}

// Why `text` is not a whole number in [lo, hi] (no sign tricks, no
// wrap-around, no overflow), or "" when it is; `range` is integer_range's.
inline std::string integer_error(std::string_view text, std::int64_t lo, std::int64_t hi,
                                 const std::string& range) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range)
    return "must be in " + range + ", got " + std::string(text);
  if (ec != std::errc() || ptr != end)
    return "must be a whole number in " + range + ", got '" + std::string(text) + "'";
  if (value < lo || value > hi) return "must be in " + range + ", got " + std::string(text);
  return "";
}

}  // namespace cli_checks
