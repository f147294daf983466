// The files scenario's quick grid (1,000 files of 64 KiB on tmpfs, and on the
// disk with a cold page cache; every reader) run for real through bench and
// checked by its signature: every file read with the right size and checksum;
// aiofiles and asyncio.to_thread read on more than one thread (a thread
// pool), io_uring and the one-file-after-another readers on exactly one; the
// C++ pool on as many as it has workers; a cold run starts with none of the
// files' pages cached, a warm one with all of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "bench_test_support.hpp"

namespace fs = std::filesystem;

using namespace bench_test_support;

namespace {

const char* const kReaders[] = {"sequential", "thread_pool", "io_uring",
                                "py_plain",   "py_aiofiles", "py_to_thread"};

TEST(Files, TheReferenceListsEveryReaderAtEveryPlace) {
  const auto [status, listing] =
      run(std::string(BENCH_PATH) + " --filter=files --list --reference");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // 6 readers; 1,000 x 64 KiB at 3 places, 16 x 4 MiB on tmpfs and a cold disk.
  EXPECT_EQ(names.size(), 6u * (3 + 2)) << listing;
  EXPECT_TRUE(names.contains("files/py_aiofiles/disk_cold/files:1000/kib:64"));
  EXPECT_TRUE(names.contains("files/io_uring/tmpfs_warm/files:16/kib:4096/qd:64"));
  EXPECT_TRUE(names.contains("files/sequential/disk_warm/files:1000/kib:64"));
  EXPECT_TRUE(names.contains("files/py_aiofiles/disk_cold/files:16/kib:4096"));
  EXPECT_FALSE(names.contains("files/sequential/disk_warm/files:16/kib:4096"));
}

TEST(Files, TheDefaultListsWhatTheVerdictAndTheGuideRead) {
  const auto [status, listing] = run(std::string(BENCH_PATH) + " --filter=files --list");
  ASSERT_EQ(status, 0);
  const std::set<std::string> names = lines_of(listing);
  // A subset of the reference's names: 1,000 x 64 KiB on tmpfs, every reader but to_thread;
  // 16 x 4 MiB on tmpfs, aiofiles and plain reads; 1,000 x 64 KiB from a cold disk, io_uring and
  // sequential reads.
  EXPECT_EQ(names.size(), 5u + 2 + 2) << listing;
  EXPECT_TRUE(names.contains("files/py_aiofiles/tmpfs_warm/files:1000/kib:64"));
  EXPECT_TRUE(names.contains("files/io_uring/tmpfs_warm/files:1000/kib:64/qd:64"));
  EXPECT_TRUE(names.contains("files/py_aiofiles/tmpfs_warm/files:16/kib:4096"));
  EXPECT_TRUE(names.contains("files/py_plain/tmpfs_warm/files:16/kib:4096"));
  EXPECT_TRUE(names.contains("files/io_uring/disk_cold/files:1000/kib:64/qd:64"));
  EXPECT_TRUE(names.contains("files/sequential/disk_cold/files:1000/kib:64"));
  EXPECT_FALSE(names.contains("files/py_to_thread/tmpfs_warm/files:1000/kib:64"));
  EXPECT_FALSE(names.contains("files/sequential/disk_warm/files:1000/kib:64"));
}

TEST(Files, QuickRunMeetsTheSignature) {
  const auto dir = fresh_dir("bench-files");
  const int status =
      run(std::string(BENCH_PATH) + " --filter=files --quick --repetitions 2 --no-charts --out " +
          dir.string() + " >" + (dir / "stdout.txt").string() + " 2>&1")
          .first;
  ASSERT_EQ(status, 0) << read(dir / "stdout.txt");

  const auto j = nlohmann::json::parse(read(dir / "files" / "bench.json"));
  std::map<std::string, int> reps;
  for (const auto& b : j["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    std::string name = b["run_name"];
    name = name.substr(0, name.rfind("/manual_time"));
    ++reps[name];
    ASSERT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    for (const char* counter : {"wall_ms", "mib_per_s", "files", "files_ok", "errors",
                                "reading_threads", "resident_before_pct", "cpus_allowed"})
      ASSERT_TRUE(b.contains(counter)) << name << " lacks " << counter;
    EXPECT_EQ(b["errors"], 0) << name << ": " << b.value("label", "");
    EXPECT_EQ(b["files_ok"], 1000) << name << ": every file, right size and checksum";
    // 64 MiB cannot be read in less than a millisecond, whatever the reader.
    EXPECT_GT(b["wall_ms"].get<double>(), 1.0) << name;
    const double threads = b["reading_threads"];
    if (has(name, "/py_aiofiles/") || has(name, "/py_to_thread/")) {
      EXPECT_GT(threads, 1) << name << ": the default executor's threads did the reading";
      EXPECT_LE(threads, b["workers"].get<double>()) << name << ": no more than the pool's workers";
    } else if (has(name, "/thread_pool/")) {
      EXPECT_GT(threads, 1) << name;
      EXPECT_LE(threads, b["workers"].get<double>()) << name;
    } else {
      EXPECT_EQ(threads, 1) << name << ": one thread";
    }
    if (has(name, "/disk_cold/")) {
      EXPECT_LT(b["resident_before_pct"].get<double>(), 5) << name << ": cold: pages dropped";
    } else {
      EXPECT_EQ(b["resident_before_pct"], 100) << name << ": warm: every page cached";
    }
  }
  // Quick grid: every reader on tmpfs (warm) and on the disk (cold), 1,000 x 64 KiB.
  EXPECT_EQ(reps.size(), 12u);
  for (const char* reader : kReaders)
    for (const char* place : {"tmpfs_warm", "disk_cold"}) {
      const auto it = std::find_if(reps.begin(), reps.end(), [&](const auto& kv) {
        return has(kv.first, std::string("files/") + reader + "/" + place + "/files:1000/kib:64");
      });
      ASSERT_NE(it, reps.end()) << reader << " at " << place;
      EXPECT_EQ(it->second, 2) << it->first;
    }
  // A quick run may not have the repetitions to decide, but never finds nothing to judge.
  expect_report(dir / "files", {}, {"confirmed", "nuanced", "refuted", "inconclusive: noise"});
  fs::remove_all(dir);
}

}  // namespace
