// Where the suite's own files are, for programs that read them at run time:
// the Python experiments and models, scripts/report, results/, build/mockd.
//
// The absolute paths of this clone are compiled into source_tree.cpp alone.
// A path in a -D flag is part of ccache's key for every file compiled with
// it, so with the paths spread over the scenario files no object could be
// shared between two clones; kept here, every other object file is the same
// in any clone and ccache (CCACHE_BASEDIR, set by CMakeLists.txt) reuses it.
#pragma once

#include <filesystem>

namespace suite {

// The repository's root.
std::filesystem::path source_dir();

// build/mockd (or $MOCKD when set, for tests that run another build's).
std::filesystem::path mockd_path();

}  // namespace suite
