#include "series.hpp"

#include <nlohmann/json.hpp>

#include "atomic_file.hpp"

namespace bench {

void Series::add(const std::string& benchmark, const std::string& key, std::vector<double> values) {
  std::lock_guard lock(mutex_);
  values_[benchmark][key] = std::move(values);
}

bool Series::empty() const {
  std::lock_guard lock(mutex_);
  return values_.empty();
}

void Series::write(const std::filesystem::path& path) const {
  nlohmann::json benchmarks = nlohmann::json::object();
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, by_key] : values_) benchmarks[name] = by_key;
  }
  write_file_atomically(path, nlohmann::json{{"benchmarks", benchmarks}}.dump() + "\n");
}

}  // namespace bench
