#include "python_experiment.hpp"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "child_process.hpp"
#include "source_tree.hpp"

namespace bench {

std::string scenario_script(const std::string& name) {
  return (suite::source_dir() / "bench" / "scenarios" / "python" / name).string();
}

std::optional<std::string> python_missing(const std::string& script) {
  if (access(kPython, X_OK) != 0) return std::string(kPython) + " not found";
  if (access(script.c_str(), R_OK) != 0) return script + " not found";
  return std::nullopt;
}

nlohmann::json run_python_script(const std::string& script, const nlohmann::json& config,
                                 std::chrono::seconds timeout, double* startup_ms) {
  using Clock = harness::ChildProcess::Clock;
  const auto spawned = Clock::now();
  harness::ChildProcess child({kPython, script, config.dump()});
  const auto line = child.read_line(Clock::now() + timeout);
  if (!line) {
    const std::string tail = child.stderr_tail();
    child.kill();
    throw std::runtime_error("python child gave no result" + (tail.empty() ? "" : ": " + tail));
  }
  child.wait_until(Clock::now() + std::chrono::seconds(10));
  auto answer = nlohmann::json::parse(*line);
  if (answer.contains("skip")) throw std::runtime_error(answer["skip"].get<std::string>());
  if (answer.contains("error"))
    throw std::runtime_error("python: " + answer["error"].get<std::string>());
  if (startup_ms && answer.contains("ready_monotonic_s"))
    *startup_ms = (answer["ready_monotonic_s"].get<double>() -
                   std::chrono::duration<double>(spawned.time_since_epoch()).count()) *
                  1000.0;
  return answer;
}

}  // namespace bench
