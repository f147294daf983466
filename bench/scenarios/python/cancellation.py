"""Scenario `cancellation` (claim C8), the Python side: what happens to the
other requests when one of N fails, under asyncio.gather, asyncio.TaskGroup
and gather(return_exceptions=True), and the cancellation semantics the
interview material gets half right (cancel() swallowed, shield(), a task
nobody references, an exception nobody retrieves).

Run by bench (bench/scenarios/cancellation.cpp) as
    /usr/bin/python3 cancellation.py '<config JSON>'
and answers with one JSON line on stdout: {"counts": {...}, "times_ms": {...},
"stats": <mockd /stats after the run>, "python": "3.11.2"}, or {"error": "..."}
(a failure of the experiment itself, never of the one request meant to fail).

The script resets mockd's /stats itself, right before the experiment starts,
so its own clock (time.monotonic from that moment) and the server's timeline
buckets share an origin to within one loopback round trip.
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import platform
import sys
import time
import types
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

import aiohttp

# mockd's default body: every successful response is checked against it.
DEFAULT_BODY_BYTES = 16
# How long, beyond the slow delay, the script waits for the siblings it lets run.
SETTLE_S = 5.0


class BodySizeError(Exception):
    pass


class Clock:
    """Milliseconds since the experiment began (just after mockd's reset)."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def ms(self) -> float:
        return (time.monotonic() - self.t0) * 1000.0


async def fetch(session: aiohttp.ClientSession, url: str) -> int:
    """One GET whose status and size are checked: a 500 raises (raise_for_status)."""
    async with session.get(url) as response:
        response.raise_for_status()
        body = await response.read()
        if len(body) != DEFAULT_BODY_BYTES:
            raise BodySizeError(f"{len(body)} bytes, expected {DEFAULT_BODY_BYTES}")
        return response.status


def error_kind(exc: BaseException) -> str:
    """The suite's error kinds (clients/README.md)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return "status"
    if isinstance(exc, BodySizeError):
        return "body_size"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    # A reset while waiting for the response arrives as ClientOSError (ConnectionResetError).
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError,
                        ConnectionResetError)):
        return "read"
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    return "other"


async def control_request(control: aiohttp.ClientSession, base: str, method: str, path: str) -> Any:
    async with control.request(method, base + path) as response:
        if response.status != 200:
            raise RuntimeError(f"{method} {path} answered {response.status}")
        return await response.json(content_type=None)


class Urls:
    def __init__(self, cfg: dict[str, Any]) -> None:
        self.base = f"http://{cfg['host']}:{cfg['port']}"
        self.slow = f"{self.base}/?delay_ms={cfg['slow_ms']:g}"
        fail = cfg.get("failure", "status500")
        fault = "status=500" if fail == "status500" else "fault=reset"
        self.fail = f"{self.base}/?delay_ms={cfg['fail_ms']:g}&{fault}"
        self.fast = f"{self.base}/"


def new_session() -> aiohttp.ClientSession:
    # limit=0: every request gets a connection of its own at once, so all N
    # are in the server together and a closed one is one abandoned request.
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                 timeout=aiohttp.ClientTimeout(total=60))


# ---- one of N fails: gather, TaskGroup, gather(return_exceptions=True) --------

async def race(cfg: dict[str, Any], variant: str) -> dict[str, Any]:
    urls = Urls(cfg)
    n = int(cfg["n"])
    outcomes = ["pending"] * n  # request 0 fails fast, 1..n-1 are slow
    ends_ms: list[float | None] = [None] * n
    async with new_session() as session, aiohttp.ClientSession() as control:
        await control_request(control, urls.base, "POST", "/stats/reset")
        clock = Clock()

        async def one(i: int) -> None:
            try:
                await fetch(session, urls.fail if i == 0 else urls.slow)
                outcomes[i] = "ok"
            except asyncio.CancelledError:
                outcomes[i] = "cancelled"
                raise
            except Exception as e:  # noqa: BLE001: classified, then re-raised to the group
                outcomes[i] = error_kind(e)
                raise
            finally:
                ends_ms[i] = clock.ms()

        caught = "none"
        tasks: list[asyncio.Task[None]]
        if variant == "gather":
            tasks = [asyncio.create_task(one(i)) for i in range(n)]
            try:
                await asyncio.gather(*tasks)
            except Exception as e:  # noqa: BLE001: the failure under test
                caught = type(e).__name__
            error_ms = clock.ms()
            # gather has returned; the siblings are still running. Wait (bounded)
            # to see what they do, as a long-lived program's loop would.
            await asyncio.wait(tasks, timeout=cfg["slow_ms"] / 1000.0 + SETTLE_S)
        elif variant == "taskgroup":
            tasks = []
            try:
                async with asyncio.TaskGroup() as tg:
                    tasks = [tg.create_task(one(i)) for i in range(n)]
            except BaseExceptionGroup as eg:  # noqa: F821 (a builtin since 3.11)
                caught = type(eg).__name__
            error_ms = clock.ms()
        elif variant == "gather_return_exceptions":
            tasks = [asyncio.create_task(one(i)) for i in range(n)]
            answers = await asyncio.gather(*tasks, return_exceptions=True)
            caught = "returned: " + ", ".join(sorted({type(a).__name__ for a in answers
                                                       if isinstance(a, BaseException)}))
            error_ms = clock.ms()
        else:
            raise ValueError(f"unknown variant {variant!r}")
        all_done_ms = clock.ms()
        for t in tasks:  # every exception retrieved: nothing left to log at exit
            if t.done() and not t.cancelled():
                t.exception()
        # mockd counts a close while it waits out a delay as soon as it reads the
        # EOF; give it a moment before reading the counters.
        await asyncio.sleep(0.05)
        stats = await control_request(control, urls.base, "GET", "/stats")

    siblings = range(1, n)
    after = [i for i in siblings if outcomes[i] == "ok" and (end := ends_ms[i]) is not None and end >= error_ms]
    counts: dict[str, int] = {
        "n": n,
        "siblings": n - 1,
        "failing_outcome_" + outcomes[0]: 1,
        "siblings_ok": sum(outcomes[i] == "ok" for i in siblings),
        "siblings_ok_after_error": len(after),
        "siblings_cancelled": sum(outcomes[i] == "cancelled" for i in siblings),
        "siblings_pending": sum(outcomes[i] == "pending" for i in siblings),
    }
    # Unexpected failures of the slow requests, by kind (never folded into a rate).
    for i in siblings:
        if outcomes[i] not in ("ok", "cancelled", "pending"):
            counts["errors_" + outcomes[i]] = counts.get("errors_" + outcomes[i], 0) + 1
    return {
        "counts": counts,
        "times_ms": {"error": error_ms, "all_done": all_done_ms,
                     "failure_seen": ends_ms[0] if ends_ms[0] is not None else -1},
        "caught": caught,
        "stats": stats,
    }


# ---- the semantics, each shown by a count ------------------------------------

async def cancel_swallowed(cfg: dict[str, Any]) -> dict[str, Any]:
    """Two tasks in the same slow request, both cancelled after cancel_after_ms: one
    lets CancelledError propagate, the other catches it and carries on with a second
    request. cancel() only asks: the swallowing task finishes normally."""
    urls = Urls(cfg)
    counts = {"cancel_calls": 0, "swallowed": 0, "follow_up_ok": 0}
    async with new_session() as session, aiohttp.ClientSession() as control:
        await control_request(control, urls.base, "POST", "/stats/reset")
        clock = Clock()

        async def propagating() -> None:
            await fetch(session, urls.slow)

        async def swallowing() -> str:
            try:
                await fetch(session, urls.slow)
            except asyncio.CancelledError:
                counts["swallowed"] += 1  # and no re-raise: the bug under test
            await fetch(session, urls.fast)  # work done after cancel() "stopped" it
            counts["follow_up_ok"] += 1
            return "finished"

        a, b = asyncio.create_task(propagating()), asyncio.create_task(swallowing())
        await asyncio.sleep(cfg["cancel_after_ms"] / 1000.0)
        for t in (a, b):
            counts["cancel_calls"] += int(t.cancel())
        cancel_ms = clock.ms()
        await asyncio.wait([a, b], timeout=SETTLE_S)
        done_ms = clock.ms()
        counts["propagating_task_cancelled"] = int(a.cancelled())
        counts["swallowing_task_cancelled"] = int(b.cancelled())
        counts["swallowing_task_finished"] = int(b.done() and not b.cancelled() and b.exception() is None
                                                 and b.result() == "finished")
        await asyncio.sleep(0.05)
        stats = await control_request(control, urls.base, "GET", "/stats")
    return {"counts": counts, "times_ms": {"cancel": cancel_ms, "all_done": done_ms}, "stats": stats}


async def shield(cfg: dict[str, Any]) -> dict[str, Any]:
    """A caller awaits shield(inner) and is cancelled after cancel_after_ms: the caller
    gets CancelledError at once, the inner request (referenced by the script) runs on
    and the server completes it."""
    urls = Urls(cfg)
    counts = {"caller_cancelled": 0, "inner_ok": 0, "inner_cancelled": 0}
    async with new_session() as session, aiohttp.ClientSession() as control:
        await control_request(control, urls.base, "POST", "/stats/reset")
        clock = Clock()
        inner = asyncio.create_task(fetch(session, urls.slow))  # the reference shield() needs

        async def caller() -> int:
            return await asyncio.shield(inner)

        c = asyncio.create_task(caller())
        await asyncio.sleep(cfg["cancel_after_ms"] / 1000.0)
        c.cancel()
        try:
            await c
        except asyncio.CancelledError:
            counts["caller_cancelled"] = 1
        caller_ms = clock.ms()
        await asyncio.wait([inner], timeout=cfg["slow_ms"] / 1000.0 + SETTLE_S)
        inner_ms = clock.ms()
        if inner.done() and not inner.cancelled() and inner.exception() is None:
            counts["inner_ok"] = 1
        counts["inner_cancelled"] = int(inner.cancelled())
        await asyncio.sleep(0.05)
        stats = await control_request(control, urls.base, "GET", "/stats")
    return {"counts": counts, "times_ms": {"caller_cancelled": caller_ms, "inner_done": inner_ms},
            "stats": stats}


class AsyncioLog(logging.Handler):
    """Counts the asyncio logger's records whose message starts with one of `prefixes`."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        super().__init__(logging.DEBUG)
        self.counts = {p: 0 for p in prefixes}

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        for p in self.counts:
            if text.startswith(p):
                self.counts[p] += 1

    def __enter__(self) -> AsyncioLog:
        logging.getLogger("asyncio").addHandler(self)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | types.TracebackType | None) -> None:
        logging.getLogger("asyncio").removeHandler(self)


DESTROYED = "Task was destroyed but it is pending"
NEVER_RETRIEVED = "Task exception was never retrieved"


async def unreferenced_task(cfg: dict[str, Any]) -> dict[str, Any]:
    """k tasks created without keeping a reference, gc.collect() run while they wait:
    those waiting on a request finish (the socket's callbacks keep them reachable);
    those waiting on a future only they can reach are collected mid-flight (the
    docs' warning), which asyncio logs as 'Task was destroyed but it is pending!'."""
    urls = Urls(cfg)
    k = int(cfg["k"])
    counts = {"k": k, "request_tasks_ok": 0, "orphan_tasks_finished": 0}
    loop = asyncio.get_running_loop()
    async with new_session() as session, aiohttp.ClientSession() as control:
        await control_request(control, urls.base, "POST", "/stats/reset")
        clock = Clock()

        async def request_task() -> None:
            await fetch(session, urls.slow)
            counts["request_tasks_ok"] += 1

        async def orphan_task() -> None:
            await loop.create_future()  # nothing else holds this future
            counts["orphan_tasks_finished"] += 1

        with AsyncioLog([DESTROYED]) as log:
            for _ in range(k):
                asyncio.create_task(request_task())  # reference dropped at once
                asyncio.create_task(orphan_task())
            deadline = time.monotonic() + cfg["slow_ms"] / 1000.0 + SETTLE_S
            while counts["request_tasks_ok"] < k and time.monotonic() < deadline:
                gc.collect()
                await asyncio.sleep(0.01)
            gc.collect()
            counts["destroyed_pending_logged"] = log.counts[DESTROYED]
        done_ms = clock.ms()
        await asyncio.sleep(0.05)
        stats = await control_request(control, urls.base, "GET", "/stats")
    return {"counts": counts, "times_ms": {"all_done": done_ms}, "stats": stats}


async def exception_never_retrieved(cfg: dict[str, Any]) -> dict[str, Any]:
    """k failing tasks whose exceptions nobody retrieves (awaited with asyncio.wait,
    which does not retrieve them) and k whose exceptions are retrieved: only the first
    k are logged, once each, when the task object is destroyed; nothing is raised."""
    urls = Urls(cfg)
    k = int(cfg["k"])
    counts = {"k": k}
    async with new_session() as session, aiohttp.ClientSession() as control:
        await control_request(control, urls.base, "POST", "/stats/reset")
        clock = Clock()
        with AsyncioLog([NEVER_RETRIEVED]) as log:
            ignored = [asyncio.create_task(fetch(session, urls.fail)) for _ in range(k)]
            await asyncio.wait(ignored)
            counts["ignored_failed"] = sum(t.done() and not t.cancelled() for t in ignored)
            del ignored
            gc.collect()
            counts["ignored_logged"] = log.counts[NEVER_RETRIEVED]

            retrieved = [asyncio.create_task(fetch(session, urls.fail)) for _ in range(k)]
            await asyncio.wait(retrieved)
            counts["retrieved_failed"] = sum(t.exception() is not None for t in retrieved)
            del retrieved
            gc.collect()
            counts["retrieved_logged"] = log.counts[NEVER_RETRIEVED] - counts["ignored_logged"]
        done_ms = clock.ms()
        stats = await control_request(control, urls.base, "GET", "/stats")
    return {"counts": counts, "times_ms": {"all_done": done_ms}, "stats": stats}


KINDS: dict[str, Callable[[dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]] = {
    "gather": lambda cfg: race(cfg, "gather"),
    "taskgroup": lambda cfg: race(cfg, "taskgroup"),
    "gather_return_exceptions": lambda cfg: race(cfg, "gather_return_exceptions"),
    "cancel_swallowed": cancel_swallowed,
    "shield": shield,
    "unreferenced_task": unreferenced_task,
    "exception_never_retrieved": exception_never_retrieved,
}


def main() -> None:
    try:
        cfg = json.loads(sys.argv[1])
        kind = KINDS.get(cfg.get("kind"))
        if kind is None:
            raise ValueError(f"unknown kind {cfg.get('kind')!r}")
        if sys.version_info < (3, 11):
            print(json.dumps({"skip": f"Python {platform.python_version()}: TaskGroup needs 3.11"}))
            return
        answer: dict[str, Any] = asyncio.run(kind(cfg))
        answer["python"] = platform.python_version()
        answer["aiohttp"] = aiohttp.__version__
    except Exception as e:  # noqa: BLE001: reported to bench, which skips the benchmark with it
        answer = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
