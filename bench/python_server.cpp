#include "python_server.hpp"

#include <chrono>
#include <stdexcept>

#include "python_experiment.hpp"

namespace bench {
namespace {

std::vector<std::string> command(const std::string& script, std::vector<std::string> args,
                                 int cpu) {
  std::vector<std::string> out = {kPython, scenario_script(script)};
  out.insert(out.end(), args.begin(), args.end());
  out.insert(out.end(), {"--cpu", std::to_string(cpu)});
  return out;
}

}  // namespace

PythonServer::PythonServer(const std::string& script, std::vector<std::string> args, int cpu,
                           std::string description)
    : process_(command(script, std::move(args), cpu)), description_(std::move(description)) {
  track_child(process_.pid());
  const auto line = process_.read_line(std::chrono::steady_clock::now() + std::chrono::seconds(20));
  const std::string prefix = "listening on ";
  if (!line || line->rfind(prefix, 0) != 0)
    throw std::runtime_error(description_ + " did not start: " + process_.stderr_tail(600));
  url_ = line->substr(prefix.size());
}

PythonServer::~PythonServer() {
  if (reaped_) return;
  process_.close_stdin();  // its signal to stop
  if (!process_.wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(5)))
    process_.kill();
  untrack_child(process_.pid());
}

std::optional<std::string> PythonServer::dead() {
  if (!reaped_) {
    if (!process_.wait_until(std::chrono::steady_clock::now())) return std::nullopt;
    // Reaped now: the interrupt's clean-up must no longer signal its pid.
    untrack_child(process_.pid());
    reaped_ = true;
  }
  return description_ + " exited during the run (status " +
         std::to_string(process_.exit_status().value_or(0)) + "): " + process_.stderr_tail(600);
}

}  // namespace bench
