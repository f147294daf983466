"""The files scenario's report (module file_reads, NAME "files"): the verdict
rule on hand-made runs, and scripts/report end to end on the fixture (a real
quick run, trimmed to 2 repetitions: every reader on tmpfs and on the disk
with a cold cache, 1,000 files of 64 KiB)."""
import os
import tempfile
import unittest

from . import REPO, helpers
from report_lib import file_reads, results, scenarios
from report_lib import file_reads_verdict as fv

SUFFIX = {"thread_pool": "/workers:6", "io_uring": "/qd:64"}


def grid(aiofiles=(0.5, 0.55), cold_aiofiles=None, threads=6, ring_threads=1, errors=0,
         places=("tmpfs_warm", "disk_cold"), by_place=None):
    """Every reader at every place, two repetitions; aiofiles' MiB/s = plain's × the factor per
    repetition (cold_aiofiles: on disk_cold instead; by_place: {place: factors}), its reading
    threads `threads`."""
    entries = []
    by_place = dict(by_place or {})
    if cold_aiofiles:
        by_place["disk_cold"] = cold_aiofiles
    for place in places:
        factors = by_place.get(place, aiofiles)
        for reader in fv.READERS:
            name = f"files/{reader}/{place}/files:1000/kib:64{SUFFIX.get(reader, '')}"
            for i, f in enumerate(factors):
                rate = 100.0 * (f if reader == "py_aiofiles" else 2.0 if reader in ("thread_pool", "io_uring")
                                else 1.0)
                n = (threads if reader in ("py_aiofiles", "py_to_thread", "thread_pool")
                     else ring_threads if reader == "io_uring" else 1)
                entries.append(helpers.entry(name, i, mib_per_s=rate, wall_ms=64000 / rate, files=1000,
                                             files_ok=1000, reading_threads=n, workers=6,
                                             errors=errors if reader == "py_aiofiles" else 0,
                                             resident_before_pct=0 if place == "disk_cold" else 100))
    return results.group_benchmarks(entries)


class FilesVerdictTest(unittest.TestCase):
    def test_registered_under_the_scenario_name(self):
        self.assertIs(scenarios.get("files"), file_reads)

    def test_threads_and_slower_everywhere_refutes(self):
        v = fv.decide(grid(aiofiles=(0.5, 0.55)))
        self.assertEqual(v.word, "refuted", v.line)
        self.assertEqual(v.aiofiles_threads, (6, 6))
        self.assertIn("6 threads", v.line)

    def test_threads_and_faster_somewhere_is_nuanced(self):
        v = fv.decide(grid(aiofiles=(0.5, 0.55), places=("tmpfs_warm", "disk_warm"),
                           by_place={"disk_warm": (1.8, 1.9)}))
        self.assertEqual(v.word, "nuanced", v.line)
        self.assertEqual(v.reasons, ["disk, warm cache, 1,000 × 64 KiB"])

    def test_a_cold_disk_is_beside_the_rule(self):
        # Faster from a cold disk is the machine's disk, not the reader: shown, not deciding.
        v = fv.decide(grid(aiofiles=(0.5, 0.55), cold_aiofiles=(1.8, 1.9)))
        self.assertEqual(v.word, "refuted", v.line)
        self.assertEqual([c.name for c in v.beside_rule], ["aiofiles ÷ plain reads, disk, cold cache, 1,000 × 64 KiB"])
        self.assertNotIn("cold", " ".join(c.name for c in v.checks))

    def test_an_interval_across_one_is_noise(self):
        v = fv.decide(grid(aiofiles=(0.5, 0.55), places=("tmpfs_warm", "disk_warm"),
                           by_place={"disk_warm": (0.6, 1.5)}))
        self.assertEqual(v.word, "inconclusive: noise")

    def test_reads_on_the_loop_thread_alone_would_confirm(self):
        self.assertEqual(fv.decide(grid(threads=1)).word, "confirmed")

    def test_io_uring_on_two_threads_fails_its_check_but_not_the_word(self):
        v = fv.decide(grid(ring_threads=2))
        ring = [c for c in v.checks if c.name.startswith("io_uring")][0]
        self.assertEqual(ring.status, "failed")
        self.assertEqual(v.word, "refuted")

    def test_errors_leave_a_run_out(self):
        v = fv.decide(grid(errors=3))
        self.assertEqual(v.word, "inconclusive")

    def test_aiofiles_missing_is_inconclusive_with_the_reason(self):
        why = "aiofiles is not installed for /usr/bin/python3 (Debian package python3-aiofiles)"
        runs = [r for r in grid() if fv.key(r).reader != "py_aiofiles"]
        runs += results.group_benchmarks([helpers.entry(f"files/py_aiofiles/{p}/files:1000/kib:64",
                                                        error_occurred=True, error_message=why)
                                          for p in ("tmpfs_warm", "disk_cold")])
        v = fv.decide(runs)
        self.assertEqual(v.word, "inconclusive")
        self.assertIn("python3-aiofiles", v.line)

    def test_ratios_pair_repetitions(self):
        v = fv.decide(grid(aiofiles=(0.5, 2.0)))
        est, lo, hi = v.ratios[(fv.RULE_PAIR, "tmpfs_warm", (1000, 64))]
        self.assertAlmostEqual(est, 1.0)
        self.assertLess(lo, 0.5)
        self.assertGreater(hi, 2.0)

    def test_headline_figures(self):
        r = results.Results("files", "/nowhere", {}, grid())
        labels = [f.label for f in file_reads.headline(r)]
        self.assertEqual(labels, [
            "aiofiles ÷ plain reads, tmpfs, warm, 1,000 × 64 KiB",
            "thread pool ÷ sequential reads, tmpfs, warm, 1,000 × 64 KiB",
            "io_uring ÷ sequential reads, tmpfs, warm, 1,000 × 64 KiB",
            "aiofiles ÷ plain reads, disk, cold cache, 1,000 × 64 KiB",
            "thread pool ÷ sequential reads, disk, cold cache, 1,000 × 64 KiB",
            "io_uring ÷ sequential reads, disk, cold cache, 1,000 × 64 KiB",
        ])
        self.assertAlmostEqual(file_reads.headline(r)[1].estimate, 2.0)


class DefaultGridTest(unittest.TestCase):
    """bench's default grid (bench/scenarios/files.cpp) measures some readers at some places only."""

    DEFAULT = {("tmpfs_warm", 1000): ("sequential", "thread_pool", "io_uring", "py_plain", "py_aiofiles"),
               ("tmpfs_warm", 16): ("py_plain", "py_aiofiles"),
               ("disk_cold", 1000): ("sequential", "io_uring")}

    def default_runs(self):
        entries = []
        for (place, files), readers in self.DEFAULT.items():
            kib = 64 if files == 1000 else 4096
            for reader in readers:
                for i, rate in enumerate((100.0, 104.0)):
                    # aiofiles slower than plain reads on many small files, faster on large ones
                    factor = 0.5 if reader == "py_aiofiles" and files == 1000 else 2.0 if reader != "py_plain" else 1
                    entries.append(helpers.entry(f"files/{reader}/{place}/files:{files}/kib:{kib}"
                                                 f"{SUFFIX.get(reader, '')}", i, mib_per_s=rate * factor,
                                                 files=files, files_ok=files, reading_threads=6 if reader in
                                                 ("py_aiofiles", "thread_pool") else 1))
        return results.group_benchmarks(entries)

    def test_the_full_grid_leaves_nothing_out(self):
        self.assertEqual(fv.unmeasured(grid()), [])
        self.assertEqual(file_reads.partial_grid_text(grid()), "")

    def test_what_the_default_grid_left_out_is_named(self):
        runs = self.default_runs()
        self.assertEqual(fv.unmeasured(runs), [
            ("tmpfs_warm", (1000, 64), ["py_to_thread"]),
            ("disk_cold", (1000, 64), ["thread_pool", "py_plain", "py_aiofiles", "py_to_thread"]),
            ("tmpfs_warm", (16, 4096), ["sequential", "thread_pool", "io_uring", "py_to_thread"]),
        ])
        text = file_reads.partial_grid_text(runs)
        self.assertIn("`bench --reference`", text)
        self.assertIn("disk, cold cache, 1,000 × 64 KiB: `thread_pool`", text)

    def test_the_default_grid_keeps_the_verdict_and_the_guide_figures(self):
        runs = self.default_runs()
        v = fv.decide(runs)
        self.assertEqual(v.word, "nuanced", v.line)
        labels = [f.label for f in file_reads.headline(results.Results("files", "/nowhere", {}, runs))]
        for needed in ("aiofiles ÷ plain reads, tmpfs, warm, 1,000 × 64 KiB",
                       "aiofiles ÷ plain reads, tmpfs, warm, 16 × 4 MiB",
                       "io_uring ÷ sequential reads, disk, cold cache, 1,000 × 64 KiB"):
            self.assertIn(needed, " | ".join(labels))

    def test_the_pair_table_shows_only_pairs_measured(self):
        section = file_reads._verdict_section(self.default_runs(), fv.decide(self.default_runs()))
        self.assertNotIn("asyncio.to_thread ÷ plain reads", section)
        self.assertIn("io_uring ÷ sequential reads | disk, cold cache", section)


class FilesReportTest(helpers.ReportOnFixture, unittest.TestCase):
    SCENARIO = "files"

    def test_report_succeeds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertIn("report: aiofiles ÷ plain reads, tmpfs, warm, 1,000 × 64 KiB:", self.result.stdout)
        self.assertIn("report: io_uring ÷ sequential reads, disk, cold cache, 1,000 × 64 KiB (depends on the setup: ", self.result.stdout)

    def test_page_sections(self):
        for section in ("## The claim", "## Setup", "## Charts", "## Verdict", "## Why", "## In an interview",
                        "## Caveats", "## Numbers", "## Errors"):
            self.assertIn(section, self.page)
        self.assertIn("> **Quick run**", self.page)

    def test_verdict_is_decided_by_the_rule(self):
        fixture = results.load(self.tmp, "files")
        v = fv.decide(fixture.runs)
        self.assertNotEqual(v.word, "inconclusive", v.line)
        self.assertIn(v.line.split(":")[0], self.page)
        self.assertGreater(v.aiofiles_threads[0], 1)
        self.assertEqual(v.io_uring_threads, (1, 1))

    def test_every_benchmark_in_the_numbers(self):
        for reader in fv.READERS:
            for place in ("tmpfs_warm", "disk_cold"):
                self.assertIn(f"`files/{reader}/{place}/files:1000/kib:64{SUFFIX.get(reader, '')}`", self.page)

    def test_no_file_is_called_ready_to_epoll(self):
        # epoll refuses regular files (EPERM); only select/poll call them always ready.
        self.assertNotRegex(self.page, r"(?i)always (reported )?'?ready'? (by|to|as far as) `?epoll")
        self.assertNotIn("ready by `epoll`/`select`", self.page)
        for section in ("## The claim", "## Why", "## In an interview"):
            part = self.page.split(section, 1)[1].split("\n## ", 1)[0]
            self.assertIn("PermissionError", part, section)

    def test_charts_written(self):
        for stem in ("files_ratios", "files_throughput", "files_threads"):
            for ext in ("png", "svg"):
                path = os.path.join(self.tmp, "files", "charts", f"{stem}.{ext}")
                self.assertGreater(os.path.getsize(path), 1000, path)


class RatiosChartTest(unittest.TestCase):
    def test_value_labels_do_not_overlap(self):
        # On the committed reference, where close ratios (aiofiles 2.26x beside to_thread 2.37x on
        # 16 × 4 MiB) had their labels run into each other.
        from unittest import mock
        import matplotlib.pyplot as plt
        from report_lib import charts, file_reads_charts
        loaded = results.load(os.path.join(REPO, "results"), "files")
        with mock.patch.object(charts, "save", lambda fig, _dir, _stem: fig):
            fig = file_reads_charts.ratios(loaded, None)
        self.addCleanup(plt.close, fig)
        fig.canvas.draw()
        for ax in fig.axes:
            boxes = [t.get_window_extent() for t in ax.texts if t.get_text().endswith("x")]
            self.assertGreater(len(boxes), 1)
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    self.assertFalse(a.overlaps(b), (a, b))


class EpollFactTest(unittest.TestCase):
    """The page's wording, checked on this interpreter and kernel: epoll refuses a regular file,
    asyncio's add_reader on one raises PermissionError, select calls it ready at once."""

    def setUp(self):
        fd, self.path = tempfile.mkstemp(prefix="report_epoll_fact.")
        os.write(fd, b"x" * 4096)
        os.close(fd)
        self.file = open(self.path, "rb")
        self.addCleanup(self.file.close)
        self.addCleanup(os.unlink, self.path)

    def test_epoll_refuses_a_regular_file(self):
        import errno
        import select
        ep = select.epoll()
        self.addCleanup(ep.close)
        with self.assertRaises(PermissionError) as cm:
            ep.register(self.file.fileno(), select.EPOLLIN)
        self.assertEqual(cm.exception.errno, errno.EPERM)

    def test_add_reader_on_a_file_raises_permission_error(self):
        import asyncio
        import selectors
        loop = asyncio.SelectorEventLoop(selectors.EpollSelector())
        self.addCleanup(loop.close)
        with self.assertRaises(PermissionError):
            loop.add_reader(self.file.fileno(), lambda: None)

    def test_select_reports_a_regular_file_ready(self):
        import select
        readable, writable, _ = select.select([self.file], [], [], 0)
        self.assertEqual(readable, [self.file])


if __name__ == "__main__":
    unittest.main()
