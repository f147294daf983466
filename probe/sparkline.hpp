// The arrival timeline as one line of block characters (U+2581..U+2588),
// rebinned so it fits the terminal: a column sums consecutive buckets, and
// its height grows with the logarithm of its count. An empty column is a
// space, so a gap between retry waves stays visible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace probe {

struct Sparkline {
  std::string line;  // UTF-8, at most `width` columns
  std::size_t buckets_per_column = 1;
  std::uint64_t column_max = 0;  // the count a full block stands for
};

// `full`: the count a full block stands for; 0: the tallest column's, so
// several lines drawn with one `full` share a scale.
Sparkline sparkline(const std::vector<std::uint64_t>& counts, std::size_t width,
                    std::uint64_t full = 0);

// Columns of the terminal on stdout or stderr, else $COLUMNS, else 80.
int terminal_width();

}  // namespace probe
