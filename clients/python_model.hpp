// The Python client models' environment, for reports: which interpreter and
// library versions the py_* models run with.
#pragma once

#include <map>
#include <string>

namespace clients {

// {"python_version": "3.11.2", "aiohttp_version": ..., "requests_version",
// "urllib3_version", "uvloop_version"}, "missing" for what is not installed
// (everything when the interpreter cannot run). Runs the interpreter once.
std::map<std::string, std::string> python_versions();

}  // namespace clients
