// What the client-model tests share (clients_test, python_models_test):
// checking every sample's error kind, reading one server counter, and
// temporary file names of this test process's own.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "client_model.hpp"
#include "http_get.hpp"
#include "mockd_process.hpp"

namespace clients {

// Every sample, with the first bad one named, so a failure says which request and why.
inline void expect_all(const RunResult& r, ErrorKind kind) {
  for (std::size_t i = 0; i < r.samples.size(); ++i)
    ASSERT_EQ(r.samples[i].error, kind)
        << "request " << i << " got " << to_string(r.samples[i].error) << ", expected "
        << to_string(kind) << "; status " << r.samples[i].status
        << (r.error_examples.empty() ? "" : "; " + r.error_examples.front());
}

// One counter of the server's /stats.
inline long server_stat(const harness::MockdProcess& mockd, const char* name,
                        const std::string& cacert = {}) {
  return harness::fetch_stats(mockd.url(), cacert).at(name).get<long>();
}

// A path under the test's temporary directory, unique to this process.
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / (name + "." + std::to_string(::getpid())))
      .string();
}

}  // namespace clients
