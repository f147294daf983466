"""Runs every program under examples/ and checks what it prints against what its docstring promises.

    /usr/bin/python3 tests/examples_test.py [PATH_TO_MOCKD]

CTest runs it as `examples` with the built mockd (tests/CMakeLists.txt). One mockd, started on
port 0 (its first line names the port, as harness/ reads it), serves every example that speaks
HTTP; it is stopped at the end whatever happens. Checks are exact counts and lower bounds on
time, never a tight upper bound: the machine may be busy with other tests.
"""
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.request

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


def server_stats():
    with urllib.request.urlopen(f"{base_url}/stats", timeout=10) as response:
        return json.load(response)


def server_stats_when(condition, bound_s=5):
    """mockd's /stats once condition(stats) holds (the server sees a client's close a moment
    after the client returns), or as it is after bound_s."""
    deadline = time.monotonic() + bound_s
    while not condition(stats := server_stats()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return stats


class Examples(unittest.TestCase):
    def assertLines(self, got, expected):
        self.assertEqual(got, expected, "\n".join(got))

    def test_parallel_fetch_reuses_five_connections_and_survives_a_reset(self):
        lines = run_example("parallel_fetch.py", base_url)
        # The reset request is reported, not raised; the other 19 complete; its connection is replaced.
        self.assertLines(lines[:2], ["fetched 19 of 20, statuses [200]; failed: ['connection reset']",
                                     "server: 6 connections opened (one replaced the reset one), "
                                     "at most 5 open at once"])
        took = float(re.match(r"took (\d+\.\d+) s", lines[2]).group(1))
        self.assertGreaterEqual(took, 0.39)  # 4 rounds of 100 ms (printed rounded to 10 ms)
        stats = server_stats()
        self.assertEqual(stats["faults"]["reset"], 1)
        self.assertEqual(stats["requests_by_status"], {"200": 19})

    def test_sync_vs_async_pools_on_both_sides(self):
        lines = run_example("sync_vs_async.py", base_url)
        self.assertRegex(lines[0], r"^sequential, one requests\.Session: \d+\.\d\d s, 1 connection\(s\) opened$")
        self.assertRegex(lines[1], r"^gathered, one aiohttp\.ClientSession: \d+\.\d\d s, 10 connection\(s\) opened$")
        self.assertRegex(lines[2], r"^sequential >= K x 100 ms: True; gathered >= 100 ms: True; speed-up ")

    def test_chat_server_drops_only_the_reader_that_stopped_and_survives_a_reset(self):
        # The reset comes mid-stream: the fast reader's full count shows the sender was still served.
        self.assertLines(run_example("chat_server.py"),
                         ["fast reader got 10000 of 10000 lines", "slow reader dropped, and only it: True",
                          "client that reset mid-stream: its handler caught ConnectionResetError: True"])

    def test_bounded_queue_holds_at_most_maxsize(self):
        self.assertLines(run_example("producer_consumer.py"),
                         ["unbounded: consumed 50 of 50 in order, at most 50 queued",
                          "maxsize=5: consumed 50 of 50 in order, at most 5 queued"])

    def test_udp_echo_keeps_every_datagram_and_hears_icmp_errors(self):
        self.assertLines(run_example("udp_echo.py"),
                         ["echoed 5 of 5 datagrams, boundaries kept: True",
                          "a datagram to a closed port: error_received(ConnectionRefusedError)"])

    def test_udp_echo_protocols_derive_from_datagram_protocol(self):
        # A class without the base lacks connection_lost and error_received, which the loop calls.
        with open(os.path.join(EXAMPLES, "udp_echo.py"), encoding="utf-8") as f:
            source = f.read()
        classes = re.findall(r"^class (\w+)\((.*)\):", source, re.MULTILINE)
        self.assertEqual(classes, [("EchoServer", "asyncio.DatagramProtocol"),
                                   ("EchoClient", "asyncio.DatagramProtocol")])
        # The client overrides error_received (with or without type hints on it).
        self.assertRegex(source, r"def error_received\(self, exc(: \w+)?\)( -> None)?:")

    def test_file_reads_run_on_the_default_thread_pool(self):
        lines = run_example("read_files.py")
        self.assertEqual(lines[0], "read 8 files, same bytes as one by one: True")
        found = re.match(r"reads on worker threads: True \((\d+) used; pool size min\(32, cpus \+ 4\) = (\d+)\)$",
                         lines[1])
        self.assertIsNotNone(found, lines[1])
        used, pool = int(found.group(1)), int(found.group(2))
        self.assertEqual(pool, min(32, (os.cpu_count() or 1) + 4))
        self.assertTrue(1 <= used <= pool, lines[1])

    def test_retry_only_transient_failures_no_sleep_after_the_last_bounded_in_time(self):
        lines = run_example("retry_backoff.py", base_url)
        self.assertEqual(len(lines), 6, "\n".join(lines))
        self.assertLines(lines[:5], [
            # The seeds fix every answer, so the attempt count is exact.
            "10 of 10 calls succeeded after 20 attempts (10 retries)",
            "server answered 200 x 10, 503 x 10: matches the client: True",
            # A connection reset (an exception) and a 503 are retried, and the call then succeeds.
            "reset, 503, then 200: ok: reset, wait, 503, wait, 200",
            # Four attempts, three waits: no sleep after the final failure.
            "always 503: gave up: 503, wait, 503, wait, 503, wait, 503",
            # A 4xx is the request's fault: one attempt.
            "404: not retried: 404"])
        found = re.match(r"^200 ms answers, 50 ms per attempt, 0\.4 s in all: gave up at the total bound "
                         r"after (\d+) attempts: (.*)$", lines[5])
        self.assertIsNotNone(found, lines[5])
        attempts, trace = int(found.group(1)), found.group(2).split(", ")
        # Timeouts are retried, and the 0.4 s bound (at most 8 attempts of 50 ms) stops the call long
        # before its 100 attempts.
        self.assertTrue(2 <= attempts <= 8, lines[5])
        # Outcomes alternate with waits and the trace ends on an outcome: no wait after the last attempt.
        # The last outcome is a timeout, the attempt the bound cut short, or (a sleep overshot the
        # deadline on a busy machine) the attempt the bound left no time for.
        self.assertEqual(set(trace[1::2]), {"wait"}, lines[5])
        self.assertEqual(set(trace[0:-1:2]), {"timeout"}, lines[5])
        self.assertIn(trace[-1], ("timeout", "cut at the bound", "no time left"), lines[5])
        self.assertEqual(len(trace[0::2]) - (trace[-1] == "no time left"), attempts, lines[5])
        # The server saw what the client says: the 404 once, the 503s 10 + 1 + 4 times, one reset, and
        # every slow attempt abandoned before its answer.
        stats = server_stats_when(lambda s: s["requests_cancelled"] >= attempts)
        self.assertEqual(stats["requests_by_status"], {"200": 11, "404": 1, "503": 15})
        self.assertEqual(stats["faults"]["reset"], 1)
        self.assertEqual(stats["requests_cancelled"], attempts)

    def test_first_completed_takes_one_answer_and_cancels_the_rest(self):
        self.assertLines(run_example("first_completed.py", base_url),
                         ["first: mirror 0 answered 200 after at least 100 ms: True",
                          "pending 2, cancelled 2; server saw 2 requests cancelled",
                          "asyncio.wait([coroutine]) raises TypeError"])
        stats = server_stats()  # checked here too, not only as the example reports it
        self.assertEqual(stats["requests_cancelled"], 2)
        self.assertEqual(stats["requests_by_status"], {"200": 1})

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
