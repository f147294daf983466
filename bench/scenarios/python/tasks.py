"""The Python side of the `tasks` scenario (claim C14), run by bench as a
fresh child process for each count:

    /usr/bin/python3 tasks.py '{"kind": "thread"|"asyncio", "n": N,
                                "budget_bytes": B, "budget_check_every": K}'

It creates N tasks that wait on one event, reads its own RSS while they all
wait, sets the event and times until the last task has run again. It prints
one JSON line on stdout (the fields bench/scenarios/tasks.cpp reads), or
{"error": why}. Nothing else goes to stdout.

  thread   threading.Thread(target=...).start(), each blocked in
           threading.Event.wait() (the interpreter's default thread stack:
           RLIMIT_STACK, 8 MiB virtual here). With "wake": false the event
           is never set: the process leaves with os._exit once it has
           measured, and no wake-up time is reported. Waking thousands of
           Python threads at once floods the machine: each woken thread
           waits for the GIL with a 5 ms timeout and, on every timeout,
           wakes to ask for it again, so 10,000 of them make millions of
           futex wake-ups a second (measured here: minutes of system time).
  asyncio  asyncio.create_task(...), each suspended in asyncio.Event.wait()

A fresh interpreter per count: CPython's allocator keeps the memory freed
objects leave, so a second count in the same process would start from a
different floor.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Any


def read_text(path: str) -> str:
    try:
        with open(path, encoding="ascii") as f:
            return f.read()
    except OSError:
        return ""


def field(text: str, key: str) -> float | None:
    """The number after `key` in a 'Key:   value' file; None when absent."""
    at = text.find(key)
    if at < 0:
        return None
    return float(text[at + len(key):].split()[0])


def rss_bytes() -> float | None:
    """Exact RSS from the page tables (smaps_rollup), as the C++ side reads it."""
    kib = field(read_text("/proc/self/smaps_rollup"), "\nRss:")
    return None if kib is None else kib * 1024


def statm_bytes() -> tuple[int, int]:
    """(virtual, resident) bytes from /proc/self/statm: cheap, for the budget check."""
    size, resident = read_text("/proc/self/statm").split()[:2]
    page = os.sysconf("SC_PAGE_SIZE")
    return int(size) * page, int(resident) * page


def process_threads() -> int:
    threads = field(read_text("/proc/self/status"), "\nThreads:")
    assert threads is not None, "no Threads: line in /proc/self/status"
    return int(threads)


def kernel_stack_bytes() -> float | None:
    kib = field(read_text("/proc/meminfo"), "\nKernelStack:")
    return None if kib is None else kib * 1024


def over_budget(created: int, config: dict[str, Any]) -> bool:
    return created % config["budget_check_every"] == 0 and statm_bytes()[1] > config["budget_bytes"]


def budget_text(created: int, config: dict[str, Any]) -> str:
    return f"memory budget: RSS above {int(config['budget_bytes'] / 2**20)} MiB after {created} tasks"


def process_cpu_s() -> float:
    """CPU time of the whole process (every thread), user + system."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def waiting_state(result: dict[str, Any]) -> None:
    """The process while every task waits: threads, RSS, virtual size, kernel stacks."""
    result["threads_during"] = process_threads()
    result["rss_at_n"] = rss_bytes()
    result["virtual_at_n"] = statm_bytes()[0]
    result["kernel_stack_at_n"] = kernel_stack_bytes()


def wake_times(result: dict[str, Any], woke_ns: list[int], set_ns: int) -> None:
    us = sorted((t - set_ns) / 1000.0 for t in woke_ns)
    result["woken"] = len(us)
    if us:
        result["wake_last_us"] = us[-1]
        result["wake_median_us"] = us[len(us) // 2]


def measure_threads(config: dict[str, Any], result: dict[str, Any]) -> None:
    import threading

    n = config["n"]
    event = threading.Event()
    waiting: list[int] = []   # list.append is atomic under the GIL
    woke_ns: list[int] = []

    def task(i: int) -> None:
        waiting.append(i)
        event.wait()
        woke_ns.append(time.monotonic_ns())

    threads: list[threading.Thread] = []
    cpu_start = process_cpu_s()
    start = time.monotonic_ns()
    for i in range(n):
        if over_budget(i, config):
            result["limit"] = budget_text(i, config)
            break
        t = threading.Thread(target=task, args=(i,), daemon=True)
        try:
            t.start()  # returns once the new thread has started running
        except RuntimeError as e:  # "can't start new thread": a limit, reported as data
            result["limit"] = f"threading.Thread.start failed: {e} after {i} threads"
            break
        threads.append(t)
    result["reached"] = len(threads)
    while len(waiting) < len(threads):
        time.sleep(0.0001)
    result["create_s"] = (time.monotonic_ns() - start) / 1e9
    result["create_cpu_s"] = process_cpu_s() - cpu_start
    waiting_state(result)

    result["wake_measured"] = config.get("wake", True)
    if not result["wake_measured"]:
        return  # main() prints and leaves with os._exit: the threads die with the process, unwoken
    set_ns = time.monotonic_ns()
    event.set()
    for t in threads:
        t.join()
    wake_times(result, woke_ns, set_ns)


def measure_asyncio(config: dict[str, Any], result: dict[str, Any]) -> None:
    import asyncio

    n = config["n"]

    async def main() -> None:
        event = asyncio.Event()
        waiting = [0]
        woke_ns: list[int] = []

        async def task() -> None:
            waiting[0] += 1
            await event.wait()
            woke_ns.append(time.monotonic_ns())

        tasks: list[asyncio.Task[None]] = []
        cpu_start = process_cpu_s()
        start = time.monotonic_ns()
        for i in range(n):
            if over_budget(i, config):
                result["limit"] = budget_text(i, config)
                break
            tasks.append(asyncio.create_task(task()))
        result["reached"] = len(tasks)
        while waiting[0] < len(tasks):
            await asyncio.sleep(0)  # let each run to its first suspension
        result["create_s"] = (time.monotonic_ns() - start) / 1e9
        result["create_cpu_s"] = process_cpu_s() - cpu_start
        waiting_state(result)

        set_ns = time.monotonic_ns()
        event.set()
        await asyncio.gather(*tasks)
        wake_times(result, woke_ns, set_ns)

    asyncio.run(main())


def cpus_allowed() -> int:
    """Every online CPU, as a program started from a shell gets (bench itself is pinned to one)."""
    try:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
        return len(os.sched_getaffinity(0))
    except OSError:
        return len(os.sched_getaffinity(0))


def main() -> None:
    config = json.loads(sys.argv[1])
    result: dict[str, Any] = {"n": config["n"], "reached": 0, "woken": 0, "limit": "",
              "cpus": cpus_allowed(), "python": sys.version.split()[0]}
    # Everything this script needs imported before the first reading, so imports are not counted.
    import asyncio  # noqa: F401
    import threading  # noqa: F401
    result["threads_before"] = process_threads()
    result["rss_before"] = rss_bytes()
    result["kernel_stack_before"] = kernel_stack_bytes()
    if config["kind"] == "thread":
        measure_threads(config, result)
        if not config.get("wake", True):
            print(json.dumps(result), flush=True)
            os._exit(0)  # no interpreter shutdown: it would wait for the threads
    elif config["kind"] == "asyncio":
        measure_asyncio(config, result)
    else:
        raise ValueError(f"unknown kind {config['kind']!r}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line on stdout either way: bench reports it as the benchmark's error
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
