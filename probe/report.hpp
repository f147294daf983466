// Everything one probe run produced, as the text and JSON printers and the
// chart need it.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "findings.hpp"
#include "program_run.hpp"
#include "servers.hpp"
#include "summary.hpp"

namespace probe {

struct Report {
  std::vector<std::string> command;
  Outcome outcome;
  double time_limit_s = 0;
  std::vector<Servers::Server> servers;
  std::vector<nlohmann::json> stats;  // each server's /stats at the end
  Summary summary;
  std::vector<Finding> findings;
  std::vector<ExpectationResult> expectations;
  int exit_status = 0;  // what probe exits with
};

// "exited with status 0", "was killed by signal 9 (SIGKILL)", ...
std::string describe_outcome(const Outcome& outcome, double time_limit_s);

// The human summary; `width`: columns for the sparkline line.
void print_text(std::ostream& out, const Report& report, int width);

// The same for machines (--json, and summary.json under --out).
nlohmann::json report_json(const Report& report);

}  // namespace probe
