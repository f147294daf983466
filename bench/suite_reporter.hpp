// The reporter of a bench run: Google Benchmark's console table on stdout,
// a progress line per benchmark on stderr ("[i/N] name ... ETA"), errors
// called out, and Google Benchmark's JSON kept in memory and rewritten
// (atomically) after every benchmark, with the spectra beside it, so an
// interrupted run keeps what finished and compare.py can read the file.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include "spectra.hpp"

namespace bench {

class SuiteReporter : public benchmark::BenchmarkReporter {
 public:
  SuiteReporter(std::filesystem::path json_path, std::filesystem::path spectra_path,
                const Spectra& spectra, std::size_t total_benchmarks);

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

  // Benchmarks whose runs had failed requests or that were skipped with an error.
  std::size_t benchmarks_with_errors() const { return with_errors_; }
  // Benchmarks that were timed (not skipped), failed requests or not.
  std::size_t benchmarks_measured() const { return done_ - skipped_; }

 private:
  void write_json(bool final);

  benchmark::ConsoleReporter console_;
  benchmark::JSONReporter json_;
  std::ostringstream json_text_;
  std::filesystem::path json_path_, spectra_path_;
  const Spectra& spectra_;
  std::size_t total_, done_ = 0, with_errors_ = 0, skipped_ = 0;
  double errors_ = 0;    // failed requests over the current benchmark's repetitions
  std::string failure_;  // its SkipWithError message, if any
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace bench
