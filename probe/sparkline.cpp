#include "sparkline.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace probe {

Sparkline sparkline(const std::vector<std::uint64_t>& counts, std::size_t width,
                    std::uint64_t full) {
  static constexpr const char* kLevels[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  Sparkline s;
  width = std::max<std::size_t>(width, 1);
  s.buckets_per_column = std::max<std::size_t>(1, (counts.size() + width - 1) / width);
  std::vector<std::uint64_t> columns((counts.size() + s.buckets_per_column - 1) /
                                     s.buckets_per_column);
  for (std::size_t i = 0; i < counts.size(); ++i) columns[i / s.buckets_per_column] += counts[i];
  for (auto c : columns) s.column_max = std::max(s.column_max, c);
  if (full == 0) full = s.column_max;
  for (auto c : columns) {
    if (c == 0) {
      s.line += ' ';
      continue;
    }
    // A logarithmic height: a retry wave of tens after a burst of thousands
    // still shows its size. Rounded up, so a single arrival is the lowest block.
    const double share = std::log1p(static_cast<double>(c)) / std::log1p(static_cast<double>(full));
    const auto level = static_cast<int>(std::ceil(8 * share - 1e-9));
    s.line += kLevels[std::clamp(level, 1, 8) - 1];
  }
  return s;
}

int terminal_width() {
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    winsize ws{};
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  }
  if (const char* columns = std::getenv("COLUMNS")) {
    const int n = std::atoi(columns);
    if (n > 0) return n;
  }
  return 80;
}

}  // namespace probe
