#include "output_dir.hpp"

#include <algorithm>
#include <fstream>

namespace bench {
namespace {

namespace fs = std::filesystem;

// Lines read when looking for the marker (scripts/report_lib/files.py MARKER_LINES).
constexpr int kMarkerLines = 10;

fs::path resolved(const fs::path& p) {
  std::error_code ignored;
  fs::path r = fs::weakly_canonical(fs::absolute(p), ignored);
  // "results/" and "results" are one folder: no empty last component.
  if (!r.has_filename() && r.has_parent_path() && r != r.root_path()) r = r.parent_path();
  return r;
}

// Whether `inner` is `outer` or lies below it, component by component
// ("results-local" is not inside "results").
bool within(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

}  // namespace

std::string output_dir_refusal(const fs::path& out, const fs::path& reference, bool reference_run) {
  const fs::path o = resolved(out), r = resolved(reference);
  const std::string given = "--out " + out.string() + ": ";
  if (o == r)
    return reference_run ? ""
                         : given +
                               "that folder holds the committed reference run; only a "
                               "--reference run writes there (user runs go to results-local/)";
  if (within(o, r))
    return given + "inside the committed results (" + r.string() +
           "), whose pages the run would replace; give a folder of its own";
  if (within(r, o))
    return given + "it holds the committed results (" + r.string() +
           ") and the project's files, whose README.md the report would replace; give a "
           "folder of its own";
  return "";
}

bool written_by_report(const fs::path& page) {
  std::ifstream in(page);
  if (!in) return !fs::exists(page);
  std::string line;
  for (int i = 0; i < kMarkerLines && std::getline(in, line); ++i)
    if (line.rfind(kGeneratedMarker, 0) == 0) return true;
  return false;
}

std::vector<fs::path> foreign_pages(const fs::path& out, const std::vector<std::string>& scenarios,
                                    bool with_guide) {
  std::vector<fs::path> pages = {out / "README.md"};
  for (const auto& name : scenarios) pages.push_back(out / name / "README.md");
  if (with_guide) pages.push_back(out / "GUIDE.md");
  std::vector<fs::path> foreign;
  for (const auto& p : pages)
    if (!written_by_report(p)) foreign.push_back(p);
  return foreign;
}

}  // namespace bench
