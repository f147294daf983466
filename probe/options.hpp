// build/probe's command line (CLI11): the program to run, how mockd behaves,
// what to print and what to expect. A bad option ends as one line
// "probe: <message> (see --help)" and exit status 2, before anything starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace probe {

// One --expect: a property of the run that CI can require.
struct Expectation {
  enum class Kind { pooled, max_connections, no_abandoned, jitter };
  Kind kind = Kind::pooled;
  std::int64_t limit = 0;  // max_connections only
  std::string text;        // as given, for messages
};

// Parses "pooled", "max-connections=N", "no-abandoned" or "jitter"; nullopt
// if it is none of them.
std::optional<Expectation> parse_expectation(const std::string& text);

struct Options {
  std::vector<std::string> command;  // PROGRAM ARGS...
  bool tls = false;
  std::optional<std::string> default_query;  // mockd --default
  std::optional<std::string> profile;        // mockd --profile
  double time_limit_s = 60;
  bool json = false;
  std::string out_dir;
  std::vector<Expectation> expectations;
  int width = 0;  // sparkline columns; 0: the terminal's width
};

// The options, or the exit status to end with at once (0 after --help or
// --version, 2 after a usage error, which has been printed).
std::variant<Options, int> parse_options(int argc, char** argv);

}  // namespace probe
