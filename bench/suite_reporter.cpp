#include "suite_reporter.hpp"

#include <cstdio>
#include <iostream>
#include <regex>
#include <utility>

#include "atomic_file.hpp"

namespace bench {

SuiteReporter::SuiteReporter(std::filesystem::path json_path, std::filesystem::path spectra_path,
                             const Spectra& spectra, std::size_t total_benchmarks)
    : json_path_(std::move(json_path)),
      spectra_path_(std::move(spectra_path)),
      spectra_(spectra),
      total_(total_benchmarks) {
  json_.SetOutputStream(&json_text_);
  json_.SetErrorStream(&std::cerr);
  console_.SetOutputStream(&std::cout);
  console_.SetErrorStream(&std::cerr);
}

bool SuiteReporter::ReportContext(const Context& context) {
  json_.ReportContext(context);
  return console_.ReportContext(context);
}

void SuiteReporter::ReportRuns(const std::vector<Run>& runs) {
  console_.ReportRuns(runs);
  json_.ReportRuns(runs);
  write_json(false);
  spectra_.write(spectra_path_);

  // Google Benchmark reports each repetition as it finishes; a benchmark is
  // done with its last repetition.
  bool last = false;
  for (const auto& r : runs) {
    if (r.run_type != Run::RT_Iteration) continue;
    if (r.error_occurred) failure_ = r.error_message;
    if (auto it = r.counters.find("errors"); it != r.counters.end()) errors_ += it->second.value;
    last = last || r.repetition_index + 1 >= r.repetitions;
  }
  if (!last) return;
  ++done_;
  const std::string name = runs.front().run_name.str();
  const double errors = std::exchange(errors_, 0);
  const std::string failure = std::exchange(failure_, {});
  if (!failure.empty()) ++skipped_;
  if (!failure.empty() || errors > 0) {
    ++with_errors_;
    std::cerr << "  !! " << name << ": "
              << (failure.empty() ? std::to_string(static_cast<long>(errors)) + " failed requests"
                                  : failure)
              << "\n";
  }
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  const auto eta = elapsed / done_ * (total_ - done_);
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(eta).count();
  char line[64];
  std::snprintf(line, sizeof line, "ETA %ldm%02lds", static_cast<long>(s / 60),
                static_cast<long>(s % 60));
  std::cerr << "[" << done_ << "/" << total_ << "] " << name << " ... "
            << (done_ == total_ ? "done" : line) << std::endl;
}

void SuiteReporter::Finalize() {
  console_.Finalize();
  json_.Finalize();
  write_json(true);
}

void SuiteReporter::write_json(bool final) {
  // Google Benchmark writes NaN for an undefined statistic (the CV of a
  // counter whose mean is 0): not JSON, so strict parsers would reject the
  // file. null says the same thing.
  static const std::regex not_a_number(R"(: -?(NaN|Infinity)\b)");
  std::string text = std::regex_replace(json_text_.str(), not_a_number, ": null");
  // Until Finalize, close the still-open "benchmarks" array ourselves so the
  // file on disk is always valid JSON.
  if (!final) text += "\n  ]\n}\n";
  write_file_atomically(json_path_, text);
}

}  // namespace bench
