#include "chart.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "child_process.hpp"

namespace probe {

std::string write_out_dir(const std::string& dir, const nlohmann::json& report) {
  std::filesystem::create_directories(dir);
  const std::string json_path = dir + "/summary.json";
  {
    std::ofstream out(json_path);
    out << report.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + json_path);
  }
  const std::string png_path = dir + "/arrivals.png";
  harness::ChildProcess python({"/usr/bin/python3", PROBE_CHART_SCRIPT, json_path, png_path});
  python.close_stdin();
  const auto deadline = harness::ChildProcess::Clock::now() + std::chrono::seconds(60);
  // Nothing is read from its stdout, but draining it keeps a chatty
  // matplotlib from blocking on a full pipe.
  while (python.read_line(deadline)) {
  }
  if (!python.wait_until(deadline)) return "chart not drawn: the script took over 60 s";
  if (python.exit_status() != 0) {
    std::string tail = python.stderr_tail(400);
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    const auto nl = tail.rfind('\n');
    return "chart not drawn: " + (nl == std::string::npos ? tail : tail.substr(nl + 1));
  }
  return {};
}

}  // namespace probe
