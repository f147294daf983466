// Results files are replaced whole: written under a temporary name in the
// same directory, then renamed over the old one, so a reader (or a run that
// is interrupted) never sees half a file.
#pragma once

#include <filesystem>
#include <string_view>

namespace bench {

// Creates the parent directories; throws std::runtime_error on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace bench
