// Numbers as probe prints them: counts with thousands separators ("1,000"),
// fractions with a fixed number of decimals.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace probe {

inline std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), 1, ',');
  return n < 0 ? "-" + digits : digits;
}

inline std::string thousands(std::uint64_t n) {
  return thousands(static_cast<std::int64_t>(n));
}

inline std::string fixed(double x, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

}  // namespace probe
