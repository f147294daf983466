"""The Python side of the `hedging` scenario (claim C9), run by bench as a
child process:

    /usr/bin/python3 hedging.py '<JSON config>'

It prints one JSON line on stdout: the result, {"skip": why} when a package
is missing, or {"error": why}. Nothing else goes to stdout. Every response's
status and body size are checked; a failed request is counted by kind, never
dropped.

Modes (config["mode"]):

  first_completed  `rounds` times: one task per URL (hosts with different
                   delays), asyncio.wait(return_when=FIRST_COMPLETED); then
                   either keep the pending tasks running to their end
                   (`cancel` false: wait() itself cancels nothing) or cancel
                   them and wait until they have unwound (`cancel` true).
  hedged           `requests` logical requests by `concurrency` workers; each
                   sends a copy to the lognormal URL (seed 2i), and if no
                   answer came within `hedge_ms` (null: never), a second copy
                   (seed 2i+1); the first answer wins, the other is cancelled.
  wait_coroutines  the interview material's asyncio.wait([coroutine, ...]):
                   the exception it raises, recorded as data; then the
                   working form, wait() over tasks.
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

try:
    import asyncio
    import platform

    import aiohttp
except ImportError as missing:  # a stripped-down interpreter
    print(json.dumps({"skip": f"Python package {missing.name} missing"}), flush=True)
    sys.exit(0)

# mockd's default body: what every answer must carry.
EXPECTED_STATUS = 200


class BadResponse(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def error_kind(exc: BaseException) -> str:
    """The suite's error kind (clients/README.md) for an exception of a request."""
    if isinstance(exc, BadResponse):
        return exc.kind
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    if isinstance(exc, aiohttp.ClientError):
        return "read"
    return "other"


async def fetch(session: aiohttp.ClientSession, url: str, expected_bytes: int) -> int:
    """One GET; raises BadResponse unless the status and the body size are the expected ones."""
    async with session.get(url) as response:
        body = await response.read()
        if response.status != EXPECTED_STATUS:
            raise BadResponse("status", f"status {response.status} from {url}")
        if len(body) != expected_bytes:
            raise BadResponse("body_size", f"{len(body)} bytes from {url}, expected {expected_bytes}")
    return len(body)


class Errors:
    def __init__(self) -> None:
        self.by_kind: dict[str, int] = {}
        self.example = ""

    def add(self, exc: BaseException) -> None:
        kind = error_kind(exc)
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if not self.example:
            self.example = f"{type(exc).__name__}: {exc}"

    def as_json(self) -> dict[str, Any]:
        return {"errors": self.by_kind, "error_example": self.example}


def session(limit: int) -> aiohttp.ClientSession:
    # A connector limit above what the run can have in flight: no request waits for a slot.
    timeout = aiohttp.ClientTimeout(total=30)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit), timeout=timeout)


async def settle(tasks: Iterable[asyncio.Task[int]], errors: Errors) -> None:
    """Waits for tasks that were cancelled or left running; counts real failures, not cancellations."""
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
            errors.add(outcome)


# ---- first completed -----------------------------------------------------------

async def first_completed(config: dict[str, Any]) -> dict[str, Any]:
    urls, rounds, cancel = config["urls"], config["rounds"], config["cancel"]
    expected = config["expected_bytes"]
    errors = Errors()
    first_ms: list[float] = []
    all_ms: list[float] = []
    pending_counts: list[int] = []
    winners: list[int] = []
    async with session(len(urls) * 2) as s:
        for _ in range(rounds):
            start = time.perf_counter()
            tasks = [asyncio.create_task(fetch(s, url, expected)) for url in urls]
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            first_ms.append((time.perf_counter() - start) * 1e3)
            pending_counts.append(len(pending))
            winners.append(min(tasks.index(t) for t in done))
            for t in done:
                exc = t.exception()
                if exc is not None:
                    errors.add(exc)
            if cancel:
                for t in pending:
                    t.cancel()
            await settle(list(pending), errors)
            all_ms.append((time.perf_counter() - start) * 1e3)
    return {"first_ms": first_ms, "all_ms": all_ms, "pending": pending_counts, "winner": winners,
            **errors.as_json()}


# ---- hedged requests -------------------------------------------------------------

async def hedged_request(s: aiohttp.ClientSession, config: dict[str, Any], i: int, hedge_s: float | None,
                         errors: Errors, tally: dict[str, int]) -> float | None:
    """One logical request: the latency of its first answer (ms), or None when it failed."""
    base = config["seed_base"]
    url = config["url"] + "&seed="
    expected = config["expected_bytes"]
    start = time.perf_counter()
    tasks = [asyncio.create_task(fetch(s, url + str(base + 2 * i), expected))]
    tally["attempts"] += 1
    if hedge_s is not None:
        done, _ = await asyncio.wait(tasks, timeout=hedge_s)
        if not done:
            tasks.append(asyncio.create_task(fetch(s, url + str(base + 2 * i + 1), expected)))
            tally["attempts"] += 1
            tally["hedges"] += 1
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    latency_ms = (time.perf_counter() - start) * 1e3
    for t in pending:
        t.cancel()
        tally["cancelled"] += 1
    if len(tasks) == 2 and tasks[1] in done:
        tally["hedge_won"] += 1
    await settle(list(pending), errors)
    winner = next(iter(done))
    exc = winner.exception()
    if exc is not None:
        errors.add(exc)
        return None
    return latency_ms


async def hedged(config: dict[str, Any]) -> dict[str, Any]:
    n, workers = config["requests"], config["concurrency"]
    hedge_s = None if config.get("hedge_ms") is None else config["hedge_ms"] / 1e3
    errors = Errors()
    tally = {"attempts": 0, "hedges": 0, "cancelled": 0, "hedge_won": 0}
    latencies: list[float] = []
    next_index = iter(range(n))

    async def worker(s: aiohttp.ClientSession) -> None:
        for i in next_index:
            latency = await hedged_request(s, config, i, hedge_s, errors, tally)
            if latency is not None:
                latencies.append(latency)

    async with session(workers * 2 + 2) as s:
        start = time.perf_counter()
        await asyncio.gather(*(worker(s) for _ in range(workers)))
        wall_s = time.perf_counter() - start
    return {"latencies_ms": latencies, "wall_s": wall_s, **tally, **errors.as_json()}


# ---- the material's wait([coroutine]) ---------------------------------------------

async def wait_coroutines(config: dict[str, Any]) -> dict[str, Any]:
    urls, expected = config["urls"], config["expected_bytes"]
    errors = Errors()
    async with session(len(urls) * 2) as s:
        coroutines = [fetch(s, url, expected) for url in urls]
        try:
            await asyncio.wait(coroutines, return_when=asyncio.FIRST_COMPLETED)
            raised, message = "", ""
        except Exception as e:  # the exception itself is the datum
            raised, message = type(e).__name__, str(e)
        finally:
            for c in coroutines:
                c.close()  # never started: close them so Python does not warn "never awaited"
        # The working form: tasks, which start running when created.
        tasks = [asyncio.create_task(fetch(s, url, expected)) for url in urls]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in pending:
            t.cancel()
        await settle(list(pending), errors)
        for t in done:
            exc = t.exception()
            if exc is not None:
                errors.add(exc)
    return {"coroutine_form_raised": raised, "coroutine_form_message": message,
            "task_form_done": len(done), "task_form_pending": len(pending), **errors.as_json()}


# A mode: its config (JSON) -> its result (JSON).
Mode = Callable[[dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]
MODES: dict[str, Mode] = {"first_completed": first_completed, "hedged": hedged, "wait_coroutines": wait_coroutines}


def main() -> None:
    try:
        config = json.loads(sys.argv[1])
        result: dict[str, Any] = asyncio.run(MODES[config["mode"]](config))
        result["python"] = platform.python_version()
        result["aiohttp"] = aiohttp.__version__
    except Exception as e:  # reported to bench, which records the benchmark as failed
        result = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
