// What the tests of the suite's programs share: running build/bench (and
// fetch, mockd) as a user would, and reading the files they write.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
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

// Runs a shell command with its stdout discarded; returns its exit status
// (-1 if it did not exit) and what it wrote to stderr.
inline std::pair<int, std::string> run_stderr(const std::string& command) {
  std::string err;
  FILE* p = popen((command + " 2>&1 >/dev/null").c_str(), "r");
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) err.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, err};
}

inline bool has(const std::string& name, const std::string& part) {
  return name.find(part) != std::string::npos;
}

// The lines of `text` (e.g. `bench --list`'s output) as a set.
inline std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  return lines;
}

// The verdict word of a report page ("confirmed", "nuanced", "refuted",
// "inconclusive: noise", "inconclusive"), from its "> **Verdict.**" line.
inline std::string verdict_word(const std::string& page) {
  const std::string mark = "**Verdict.** ";
  const auto at = page.find(mark);
  if (at == std::string::npos) return "";
  std::string word;
  for (std::size_t i = at + mark.size(); i < page.size() && page[i] != '\n'; ++i) {
    if (page[i] == '*') continue;
    word += static_cast<char>(std::tolower(static_cast<unsigned char>(page[i])));
  }
  for (const char* w : {"inconclusive: noise", "inconclusive", "confirmed", "nuanced", "refuted"})
    if (word.rfind(w, 0) == 0) return w;
  return word.substr(0, word.find_first_of(":. "));
}

// A scenario's report under `scenario_dir` has a verdict whose word is one
// of `verdicts` (a quick run may not have the repetitions to decide every
// check, but it must never refute the claim or find nothing to judge), and
// each chart is there as a non-empty PNG and SVG.
inline void expect_report(const fs::path& scenario_dir, std::initializer_list<const char*> charts,
                          std::initializer_list<const char*> verdicts = {"confirmed", "nuanced",
                                                                         "inconclusive: noise"}) {
  const std::string word = verdict_word(read(scenario_dir / "README.md"));
  EXPECT_FALSE(word.empty()) << "the report has a verdict";
  EXPECT_NE(std::find(verdicts.begin(), verdicts.end(), word), verdicts.end())
      << "verdict '" << word << "' in " << scenario_dir / "README.md";
  for (const char* chart : charts)
    for (const char* ext : {".png", ".svg"}) {
      const auto path = scenario_dir / "charts" / (std::string(chart) + ext);
      ASSERT_TRUE(fs::exists(path)) << path;
      EXPECT_GT(fs::file_size(path), 1000u) << path;
    }
}

}  // namespace bench_test_support
