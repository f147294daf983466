"""The Python peers of the `blocking` scenario's event-loop experiments
(claims C3 and C5), run by bench as a child process:

    /usr/bin/python3 event_loop.py '<JSON config>'

It prints one JSON line on stdout: the result, {"skip": why} when a package
is missing, or {"error": why}. Nothing else goes to stdout.

One asyncio loop runs `tasks` tasks created at once. Each waits or works,
then makes one GET to mockd on a connection of its own (status and body size
checked). The kinds:

  asyncio_sleep     await asyncio.sleep(D)
  time_sleep        time.sleep(D) in the coroutine: the loop stops
  to_thread         await asyncio.to_thread(time.sleep, D): the default executor
  cpu_on_loop       burn(K) in the coroutine
  cpu_to_thread     await asyncio.to_thread(burn, K)
  cpu_process_pool  await loop.run_in_executor(ProcessPoolExecutor(W), burn, K)

burn(K) is K steps of pure-Python arithmetic: a fixed amount of bytecode work,
the same K for every kind (bench calibrates K once with {"mode": "calibrate"}).
A heartbeat task measures how late a 1 ms asyncio.sleep wakes (loop lag), and
an unrelated task makes a request due every 5 ms on one keep-alive
connection, timed from when it was due, as the C++ experiment does
(bench/event_loop.cpp).

The GET is written on asyncio's own streams rather than aiohttp: the
experiment is about the loop, and a connection of its own per task (as the
C++ side does) keeps a client library's pool and its overhead out of it.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

try:
    import asyncio
    import concurrent.futures
    import resource
except ImportError as missing:  # a stripped-down interpreter
    print(json.dumps({"skip": f"Python package {missing.name} missing"}), flush=True)
    sys.exit(0)


def burn(iterations: int) -> float:
    """`iterations` steps of pure-Python arithmetic; returns the thread CPU time they took (s)."""
    start = time.thread_time()
    x = 0
    for i in range(iterations):
        x = (x * 1103515245 + i) & 0x7FFFFFFF
    return time.thread_time() - start


def calibrate(cpu_ms: float) -> dict[str, Any]:
    """How many burn() steps take cpu_ms of this thread's CPU time, from the fastest of
    several trials (a trial slowed by a neighbour would give too few steps)."""
    burn(200_000)  # warm-up
    probe = 200_000
    per_step = min(burn(probe) / probe for _ in range(7))
    return {"iterations": max(1, round(cpu_ms / 1000 / per_step)), "ns_per_iteration": per_step * 1e9}


def allow_all_cpus() -> int:
    """bench pins itself to CPU 0 and a child inherits that: allow every online CPU, as a
    Python program started on its own would have. Returns the CPUs allowed."""
    try:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    except OSError:
        pass  # e.g. a cpuset without some CPU: keep what we have, reported below
    return len(os.sched_getaffinity(0))


def schedstat_s(pid: int) -> float | None:
    """CPU time (s) a process has run, from /proc (ns resolution); None if unreadable."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def rusage_self_s() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


class Experiment:
    def __init__(self, config: dict[str, Any]) -> None:
        self.c = config
        self.kind = config["kind"]
        self.host, self.port = config["host"], int(config["port"])
        self.target = config.get("target", "/")
        self.expected = int(config.get("expected_bytes", 16))
        self.tasks = int(config["tasks"])
        self.wait_s = float(config.get("work_ms", 0)) / 1000
        self.iterations = int(config.get("iterations", 0))
        self.workers = int(config.get("workers", 0))
        self.timeout = float(config.get("timeout_s", 30))
        self.request = (f"GET {self.target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n").encode()
        self.lag_us: list[float] = []
        self.other_us: list[float] = []
        self.task_ok = self.other_ok = self.errors = self.task_conns = 0
        self.error_example = ""
        self.work_cpu_s = 0.0
        self.remaining = self.tasks
        self.done: asyncio.Event  # made by run(), on the running loop
        self.start = self.end = 0.0
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None

    def fail(self, what: str) -> None:
        self.errors += 1
        if not self.error_example:
            self.error_example = what

    async def get(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """One GET on an open connection; False (and an error counted) on failure."""
        try:
            async with asyncio.timeout(self.timeout):
                writer.write(self.request)
                await writer.drain()
                status = (await reader.readline()).split()
                length: int | None = None
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if len(status) < 2 or status[1] != b"200":
                    self.fail(f"status {status[1].decode() if len(status) > 1 else 'missing'}")
                    return False
                body = await reader.readexactly(length or 0)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as e:
            self.fail(f"read: {type(e).__name__}: {e}")
            return False
        if len(body) != self.expected:
            self.fail(f"body of {len(body)} bytes, expected {self.expected}")
            return False
        return True

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        try:
            async with asyncio.timeout(self.timeout):
                return await asyncio.open_connection(self.host, self.port)
        except (OSError, TimeoutError) as e:
            self.fail(f"connect: {type(e).__name__}: {e}")
            return None

    async def task(self) -> None:
        loop = asyncio.get_running_loop()
        kind = self.kind
        # The work's CPU time. Not `self.work_cpu_s += await ...`: that reads the sum before
        # the await and overwrites what other tasks added meanwhile.
        used = 0.0
        if kind == "asyncio_sleep":
            await asyncio.sleep(self.wait_s)
        elif kind == "time_sleep":
            time.sleep(self.wait_s)  # the loop stops here
        elif kind == "to_thread":
            await asyncio.to_thread(time.sleep, self.wait_s)
        elif kind == "cpu_on_loop":
            used = burn(self.iterations)  # and here
        elif kind == "cpu_to_thread":
            used = await asyncio.to_thread(burn, self.iterations)
        elif kind == "cpu_process_pool":
            used = await loop.run_in_executor(self.pool, burn, self.iterations)
        self.work_cpu_s += used
        conn = await self.connect()
        if conn:
            self.task_conns += 1
            reader, writer = conn
            if await self.get(reader, writer):
                self.task_ok += 1
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass  # the server may reset a connection we are closing anyway
        self.remaining -= 1
        if self.remaining == 0:
            self.end = loop.time()
            self.done.set()

    async def heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.done.is_set():
            due = loop.time() + 0.001
            await asyncio.sleep(0.001)
            self.lag_us.append((loop.time() - due) * 1e6)

    async def other_requests(self) -> None:
        """A request due every 5 ms from the start on one keep-alive connection, timed from
        when it was due (one due during a stall counts the stall)."""
        loop = asyncio.get_running_loop()
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        due = self.start
        while not self.done.is_set():
            due += 0.005
            await asyncio.sleep(max(0.0, due - loop.time()))
            if self.done.is_set():
                break
            if conn is None:
                conn = await self.connect()
                if conn is None:
                    continue
            if await self.get(*conn):
                self.other_ok += 1
                self.other_us.append((loop.time() - due) * 1e6)
            else:
                conn[1].close()
                conn = None
        if conn:
            conn[1].close()

    async def prepare(self) -> None:
        """Everything started before the clock: the executor's threads or processes."""
        if self.kind in ("to_thread", "cpu_to_thread"):
            # asyncio's default executor (what to_thread uses) starts its threads on demand:
            # start them all now, as the C++ pool's are.
            await asyncio.to_thread(lambda: None)
            # the one to_thread uses (a private attribute, hence the ignore)
            executor = asyncio.get_running_loop()._default_executor  # type: ignore[attr-defined]
            self.workers = executor._max_workers
            await asyncio.gather(*(asyncio.to_thread(time.sleep, 0.02) for _ in range(self.workers)))
        elif self.kind == "cpu_process_pool":
            self.pool = concurrent.futures.ProcessPoolExecutor(self.workers)
            pids: set[int] = set()
            while len(pids) < self.workers:
                pids |= set(self.pool.map(_pid_after, [0.05] * self.workers))

    async def run(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        await self.prepare()
        self.done = asyncio.Event()
        workers = list(self.pool._processes) if self.pool else []
        worker_cpu_before = [schedstat_s(p) for p in workers]
        cpu_before = rusage_self_s()
        self.start = loop.time()
        side = [asyncio.create_task(self.heartbeat()), asyncio.create_task(self.other_requests())]
        tasks = [asyncio.create_task(self.task()) for _ in range(self.tasks)]
        await asyncio.gather(*tasks)
        cpu_s = rusage_self_s() - cpu_before
        worker_cpu = [schedstat_s(p) for p in workers]
        # The heartbeat ends at its next tick; an unrelated request in flight is let finish
        # (the server counts it), as on the C++ side; cancelled only if it hangs.
        _, pending = await asyncio.wait(side, timeout=self.timeout)
        for t in pending:
            t.cancel()
        if self.pool:
            for before, after in zip(worker_cpu_before, worker_cpu):
                if before is not None and after is not None:
                    cpu_s += after - before
            self.pool.shutdown()
        return {
            "total_ms": (self.end - self.start) * 1000,
            "lag_us": self.lag_us,
            "other_us": self.other_us,
            "task_ok": self.task_ok,
            "other_ok": self.other_ok,
            "errors": self.errors,
            "task_conns": self.task_conns,
            "error_example": self.error_example,
            "cpu_s": cpu_s,
            "work_cpu_s": self.work_cpu_s,
            "workers": self.workers,
        }


def main() -> None:
    ready = time.monotonic()  # CLOCK_MONOTONIC, the clock bench's steady_clock reads
    cpus = allow_all_cpus()
    try:
        config = json.loads(sys.argv[1])
        out: dict[str, Any]
        if config.get("mode") == "calibrate":
            out = calibrate(float(config["cpu_ms"]))
        else:
            out = asyncio.run(Experiment(config).run())
        out.update({"ready_monotonic_s": ready, "cpus_available": cpus,
                    "python": sys.version.split()[0]})
    except Exception as e:  # reported to bench, which skips the benchmark with it
        out = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
