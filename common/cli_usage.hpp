// What the command lines of mockd, fetch and bench share beyond option
// checks: the suite's version (one number, CMake's project VERSION, passed as
// SUITE_VERSION by the cli_checks target) and the way a usage error ends.
// CLI11 prints an error as two lines ("message" and "Run with --help for more
// information."), and exits 105-109; this turns it into one line on stderr
// and exit status 2, the convention of command-line tools (grep, curl, hey).
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <string_view>

#ifndef SUITE_VERSION
#error "SUITE_VERSION is not defined: link the cli_checks target (CMakeLists.txt)"
#endif

namespace cli_usage {

inline constexpr std::string_view version = SUITE_VERSION;

// The exit status for a ParseError thrown by app.parse(): --help and
// --version (ParseErrors too in CLI11) print to stdout and give 0; anything
// else prints "<program>: <message> (see --help)" as one line on stderr and
// gives 2.
inline int exit_code(const CLI::App& app, const CLI::ParseError& e, std::string_view program) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  std::string message = e.what();
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  while (!message.empty() && message.back() == ' ') message.pop_back();
  std::cerr << program << ": " << message << " (see --help)" << std::endl;
  return 2;
}

}  // namespace cli_usage
