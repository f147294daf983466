// --out DIR: the JSON summary as summary.json, and arrivals.png drawn from it
// by probe_chart.py (matplotlib) under /usr/bin/python3, run without a shell.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace probe {

// Writes DIR/summary.json and draws DIR/arrivals.png. Returns an empty string,
// or why the chart was not drawn (summary.json is written first either way).
// Throws std::runtime_error if summary.json cannot be written.
std::string write_out_dir(const std::string& dir, const nlohmann::json& report);

}  // namespace probe
