// The scenarios' Python experiments: each run is a fresh /usr/bin/python3
// (Debian's interpreter, which has the suite's packages; README "Python")
// started without a shell, dying with bench, given one JSON config as its
// argument and answering one JSON line on stdout. A script that cannot run a
// part answers {"skip": why} or {"error": why}; both become exceptions, so
// the benchmark is recorded as failed with the reason.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace bench {

inline constexpr const char* kPython = "/usr/bin/python3";

// bench/scenarios/python/<name>.
std::string scenario_script(const std::string& name);

// Why `script` cannot run here (no interpreter, no script), or nullopt.
std::optional<std::string> python_missing(const std::string& script);

// Runs `script` with `config`; its answer, or throws std::runtime_error with
// the reason (no answer within `timeout`, with the tail of its stderr; a
// skip or an error it reported). `startup_ms`, if given and the answer has
// "ready_monotonic_s": from the spawn to the script's first line after its
// imports (both read CLOCK_MONOTONIC).
nlohmann::json run_python_script(const std::string& script, const nlohmann::json& config,
                                 std::chrono::seconds timeout, double* startup_ms = nullptr);

}  // namespace bench
