#include "source_tree.hpp"

#include <cstdlib>

namespace suite {

std::filesystem::path source_dir() {
  return SUITE_SOURCE_DIR;
}

std::filesystem::path mockd_path() {
  if (const char* env = std::getenv("MOCKD"); env && *env) return env;
  return SUITE_MOCKD_PATH;
}

}  // namespace suite
