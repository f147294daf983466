// What the bench tests share: running build/bench as a user would, and
// reading the files it writes.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace bench_test_support {

namespace fs = std::filesystem;

// An empty directory of this test process's own under the temporary directory.
inline fs::path fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / (name + "." + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs a shell command; returns its exit status and stdout.
inline std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

inline bool has(const std::string& name, const std::string& part) {
  return name.find(part) != std::string::npos;
}

}  // namespace bench_test_support
