"""The files scenario's Python readers (bench/scenarios/files.cpp starts this
once per bench process, with /usr/bin/python3, and keeps it).

Protocol: JSON lines. At start one line {"python", "aiofiles"} (versions;
aiofiles null when it is not installed). Then, per request
{"reader": "plain" | "aiofiles" | "to_thread", "paths": [...],
 "bytes_each": n, "adler32": [...]} one answer
{"wall_ms", "cpu_s", "files_ok", "errors": {kind: n}, "error_example",
 "reading_threads", "threads_started", "executor_workers", "cpus_allowed"},
or {"skip": why}
when a reader cannot run here, or {"error": why}.

- plain: `with open(p, "rb") as f: f.read()` for one file after another.
- aiofiles: `async with aiofiles.open(p, "rb") as f: await f.read()` for
  every file, gathered: the way the material reads files "concurrently".
- to_thread: `asyncio.to_thread(read_file, p)` for every file, gathered.
Each asyncio run gets a fresh loop (asyncio.run), so its default executor
starts its threads inside the timed run, as it would in a program.

Sizes and checksums (zlib.adler32) are checked after the clock stops.
reading_threads: threads of this process whose read-byte count (rchar in
/proc/self/task/<tid>/io, which the kernel keeps per thread) grew by at
least one file's size during the run; the default executor's threads are
still alive when it is read (asyncio.run shuts the executor down later).
"""
from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import sys
import threading
import time
import zlib
from typing import Any

try:
    import aiofiles
except ImportError:  # reported per request: the aiofiles reader is skipped with the reason
    aiofiles = None


# What a reader gives back per file: its content, or the error that stopped it.
Content = bytes | OSError
# timed(): (contents, wall_s, cpu_s, rchar before, rchar after, threads started, executor size).
Timed = tuple[list[Content], float, float, dict[str, int], dict[str, int], int, int]


def read_file(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def rchar_by_thread() -> dict[str, int]:
    """{tid: bytes read by read-like system calls} for every thread of this process."""
    out: dict[str, int] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/io", encoding="ascii") as f:
                for line in f:
                    if line.startswith("rchar:"):
                        out[tid] = int(line.split()[1])
                        break
        except OSError:
            pass  # the thread ended between listing and reading
    return out


def cpu_s() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def executor_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("asyncio_"))


async def read_all_aiofiles(paths: list[str]) -> list[Content]:
    async def one(path: str) -> Content:
        try:
            async with aiofiles.open(path, "rb") as f:
                return await f.read()
        except OSError as e:
            return e
    return await asyncio.gather(*(one(p) for p in paths))


async def read_all_to_thread(paths: list[str]) -> list[Content]:
    def one(path: str) -> Content:
        try:
            return read_file(path)
        except OSError as e:
            return e
    return await asyncio.gather(*(asyncio.to_thread(one, p) for p in paths))


def read_all_plain(paths: list[str]) -> list[Content]:
    out: list[Content] = []
    for p in paths:
        try:
            out.append(read_file(p))
        except OSError as e:
            out.append(e)
    return out


def timed(reader: str, paths: list[str]) -> Timed:
    """(contents, wall_s, cpu_s, rchar before, rchar after, threads started, executor size)."""
    if reader == "plain":
        before, c0, t0 = rchar_by_thread(), cpu_s(), time.perf_counter()
        data = read_all_plain(paths)
        wall, cpu = time.perf_counter() - t0, cpu_s() - c0
        return data, wall, cpu, before, rchar_by_thread(), 0, 0
    body = read_all_aiofiles if reader == "aiofiles" else read_all_to_thread

    async def run() -> Timed:
        before, c0, t0 = rchar_by_thread(), cpu_s(), time.perf_counter()
        data = await body(paths)
        wall, cpu = time.perf_counter() - t0, cpu_s() - c0
        # Read while the default executor's threads are alive (asyncio.run shuts it down later).
        after = rchar_by_thread()
        # the pool aiofiles and to_thread used (a private attribute, hence the ignore)
        executor = asyncio.get_running_loop()._default_executor  # type: ignore[attr-defined]
        return data, wall, cpu, before, after, executor_threads(), getattr(executor, "_max_workers", 0)
    return asyncio.run(run())


def answer(request: dict[str, Any]) -> dict[str, Any]:
    reader = request["reader"]
    if reader == "aiofiles" and aiofiles is None:
        return {"skip": "aiofiles is not installed for /usr/bin/python3 (Debian package python3-aiofiles)"}
    if reader not in ("plain", "aiofiles", "to_thread"):
        return {"error": f"unknown reader {reader!r}"}
    paths, size, sums = request["paths"], request["bytes_each"], request["adler32"]
    data, wall, cpu, before, after, started, workers = timed(reader, paths)

    errors: dict[str, int] = {}
    example, ok = "", 0
    for path, content, expected in zip(paths, data, sums):
        if isinstance(content, OSError):
            kind, why = ("open" if content.filename else "read"), f"{path}: {content.strerror}"
        elif len(content) != size:
            kind, why = "size", f"{path}: {len(content)} bytes, expected {size}"
        elif zlib.adler32(content) != expected:
            kind, why = "checksum", f"{path}: checksum differs"
        else:
            ok += 1
            continue
        errors[kind] = errors.get(kind, 0) + 1
        example = example or why
    grew = [tid for tid, n in after.items() if n - before.get(tid, 0) >= size]
    return {"wall_ms": wall * 1000, "cpu_s": cpu, "files_ok": ok, "errors": errors, "error_example": example,
            "reading_threads": len(grew), "threads_started": started, "executor_workers": workers,
            "cpus_allowed": CPUS_ALLOWED}


def allow_every_cpu() -> int:
    """bench runs pinned to CPU 0 and this child inherits the pin; the default executor's threads
    (started later by this thread) inherit whatever this thread has, so allow every CPU, as an
    unpinned program would have. Returns how many CPUs that is."""
    try:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    except OSError:
        pass  # reported: cpus_allowed stays what it was
    return len(os.sched_getaffinity(0))


CPUS_ALLOWED: int | None = None


def main() -> None:
    global CPUS_ALLOWED
    CPUS_ALLOWED = allow_every_cpu()
    version: str | None = None
    if aiofiles is not None:
        try:
            from importlib.metadata import version as dist_version
            version = dist_version("aiofiles")
        except Exception:  # noqa: BLE001 (a version is only shown on the page)
            version = "unknown"
    print(json.dumps({"python": platform.python_version(), "aiofiles": version}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        reply: dict[str, Any]
        try:
            reply = answer(json.loads(line))
        except Exception as e:  # noqa: BLE001 (the parent records the benchmark as failed with this)
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
