// Collects a scenario's repetitions as Google Benchmark reports them (one
// run per benchmark per round, see schedule.hpp) and writes them out:
// bench.json in Google Benchmark's JSON format (every repetition, indexed in
// the order it ran, so compare.py and the report read it), rewritten
// atomically after every benchmark with the spectra beside it, so an
// interrupted run keeps what finished; and, at the end, the console table.
#pragma once

#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "series.hpp"
#include "spectra.hpp"

namespace bench {

class SuiteReporter : public benchmark::BenchmarkReporter {
 public:
  // `order`: the scenario's benchmark names in registration order (the
  // order bench.json lists them in).
  SuiteReporter(std::filesystem::path json_path, std::filesystem::path spectra_path,
                const Spectra& spectra, std::vector<std::string> order);

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override {}

  // Also writes `series` (when it has any) to `path` with the other files.
  void write_series(const Series& series, std::filesystem::path path) {
    series_ = &series;
    series_path_ = std::move(path);
  }
  // Writes bench.json and spectra.json (and series.json) with every repetition so far.
  void write_files() const;
  // Google Benchmark's JSON of every repetition so far (NaN written as null).
  std::string json() const;

  // A counter's value in each repetition of `name`, in the order they ran.
  std::vector<double> values(const std::string& name, const std::string& counter) const;
  std::size_t repetitions(const std::string& name) const;
  // Skipped with an error (never timed), or had failed requests.
  bool skipped(const std::string& name) const;
  double failed_requests(const std::string& name) const;

  std::size_t benchmarks_measured() const;
  std::size_t benchmarks_with_errors() const;

  // One line per benchmark: repetitions, median time, req/s, p50, p99,
  // connections and errors; every counter stays in bench.json.
  std::string table(bool color) const;

 private:
  std::filesystem::path json_path_, spectra_path_;
  const Spectra& spectra_;
  const Series* series_ = nullptr;
  std::filesystem::path series_path_;
  std::vector<std::string> order_;
  std::optional<Context> context_;
  std::map<std::string, std::vector<Run>> runs_;
};

}  // namespace bench
