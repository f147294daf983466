"""Runs every program under examples/ and checks what it prints against what its docstring promises.

    /usr/bin/python3 tests/examples_test.py [PATH_TO_MOCKD]

CTest runs it as `examples` with the built mockd (tests/CMakeLists.txt). One mockd, started on
port 0 (its first line names the port, as harness/ reads it), serves every example that speaks
HTTP; it is stopped at the end whatever happens. Checks are exact counts and lower bounds on
time, never a tight upper bound: the machine may be busy with other tests.
"""
import os
import re
import subprocess
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "examples")
PYTHON = "/usr/bin/python3"  # Debian's interpreter, which has python3-aiohttp and python3-requests
RUN_TIMEOUT_S = 60           # per example: a hung example fails its test, it does not hang CTest
MOCKD = None                 # set from argv or $MOCKD before the tests run
server = None
base_url = None


def setUpModule():
    global server, base_url
    if not os.access(MOCKD, os.X_OK):
        raise RuntimeError(f"no mockd at {MOCKD}: build it (cmake --build build --target mockd)")
    server = subprocess.Popen([MOCKD, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    found = re.match(r"mockd listening on (http://\S+)", line)
    if not found:
        server.kill()
        server.wait()
        server.stdout.close()
        raise RuntimeError(f"mockd's first line is not its address: {line!r}")
    base_url = found.group(1)


def tearDownModule():
    if server is not None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


def run_example(name, *args):
    done = subprocess.run([PYTHON, os.path.join(EXAMPLES, name), *args], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, cwd=REPO)
    if done.returncode != 0:
        raise AssertionError(f"{name} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout.splitlines()


class Examples(unittest.TestCase):
    def assertLines(self, got, expected):
        self.assertEqual(got, expected, "\n".join(got))

    def test_parallel_fetch_reuses_five_connections_for_twenty_requests(self):
        lines = run_example("parallel_fetch.py", base_url)
        self.assertLines(lines[:2], ["fetched 20 of 20, statuses [200]",
                                     "server: 5 connections opened, at most 5 open at once"])
        took = float(re.match(r"took (\d+\.\d+) s", lines[2]).group(1))
        self.assertGreaterEqual(took, 0.39)  # 4 rounds of 100 ms (printed rounded to 10 ms)

    def test_sync_vs_async_pools_on_both_sides(self):
        lines = run_example("sync_vs_async.py", base_url)
        self.assertRegex(lines[0], r"^sequential, one requests\.Session: \d+\.\d\d s, 1 connection\(s\) opened$")
        self.assertRegex(lines[1], r"^gathered, one aiohttp\.ClientSession: \d+\.\d\d s, 10 connection\(s\) opened$")
        self.assertRegex(lines[2], r"^sequential >= K x 100 ms: True; gathered >= 100 ms: True; speed-up ")

    def test_chat_server_drops_only_the_reader_that_stopped(self):
        self.assertLines(run_example("chat_server.py"),
                         ["fast reader got 10000 of 10000 lines", "slow reader dropped, and only it: True"])

    def test_bounded_queue_holds_at_most_maxsize(self):
        self.assertLines(run_example("producer_consumer.py"),
                         ["unbounded: consumed 50 of 50 in order, at most 50 queued",
                          "maxsize=5: consumed 50 of 50 in order, at most 5 queued"])

    def test_udp_echo_keeps_every_datagram(self):
        self.assertLines(run_example("udp_echo.py"), ["echoed 5 of 5 datagrams, boundaries kept: True"])

    def test_file_reads_run_on_the_default_thread_pool(self):
        lines = run_example("read_files.py")
        self.assertEqual(lines[0], "read 8 files, same bytes as one by one: True")
        found = re.match(r"reads on worker threads: True \((\d+) used; pool size min\(32, cpus \+ 4\) = (\d+)\)$",
                         lines[1])
        self.assertIsNotNone(found, lines[1])
        used, pool = int(found.group(1)), int(found.group(2))
        self.assertEqual(pool, min(32, (os.cpu_count() or 1) + 4))
        self.assertTrue(1 <= used <= pool, lines[1])

    def test_retry_counts_match_the_server(self):
        # The seeds fix every answer, so the attempt count is exact.
        self.assertLines(run_example("retry_backoff.py", base_url),
                         ["10 of 10 calls succeeded after 20 attempts (10 retries)",
                          "server answered 200 x 10, 500 x 10: matches the client: True"])

    def test_timeouts_count_the_pool_wait_and_wait_for_overruns(self):
        self.assertLines(run_example("timeouts.py", base_url),
                         ["asyncio.timeout(0.2) on a 1 s request: TimeoutError",
                          "ClientTimeout(total=0.5), limit=1, two 300 ms requests: ['200', 'TimeoutError']",
                          "wait_for(timeout=0.1) took at least 0.3 s: True"])

    def test_gather_lets_siblings_run_taskgroup_cancels_them(self):
        self.assertLines(run_example("taskgroup_vs_gather.py", base_url),
                         ["gather: ValueError raised; siblings finished 2, cancelled 0",
                          "TaskGroup: ExceptionGroup([ValueError]) raised; siblings finished 0, cancelled 2"])

    def test_every_example_is_tested_and_listed(self):
        programs = sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".py"))
        with open(__file__, encoding="utf-8") as f:
            tested = sorted(set(re.findall(r'run_example\("([\w.]+)"', f.read())))
        self.assertEqual(programs, tested)
        with open(os.path.join(EXAMPLES, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        for program in programs:
            self.assertIn(f"examples/{program}", readme)


if __name__ == "__main__":
    MOCKD = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MOCKD", os.path.join(REPO, "build", "mockd"))
    unittest.main(argv=sys.argv[:1], verbosity=2)
