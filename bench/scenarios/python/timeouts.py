"""The asyncio/aiohttp side of scenario `timeouts` (claim C7), run by
bench/scenarios/timeouts.cpp as a child process: one JSON config as argv[1],
one JSON line of results on stdout, then exit.

Three experiments ("part" in the config):

tail      N requests from `concurrency` worker tasks over one ClientSession to
          heavy-tailed mockd URLs (round-robin), bounded by one of: nothing, asyncio.wait_for,
          asyncio.timeout (3.11), aiohttp's ClientTimeout(total=T). Every
          request's elapsed time is returned, timed out or not, since the
          claim is about how long the caller waits.
overrun   a request to a URL far slower than the timeout, wrapped in a task
          whose cancellation handler awaits `cleanup_ms` (async clean-up)
          before re-raising; wait_for / timeout() return only after it.
          Returns how far past the timeout control came back, per trial.
pool_wait TCPConnector(limit=1): a first request holds the only connection
          for `hold_ms`; `waiters` more, each with ClientTimeout(total=T),
          queue for the slot. Counts how many got a connection (aiohttp's
          trace hooks), so bench can compare with what mockd saw.

Times come from time.monotonic() (CLOCK_MONOTONIC). Errors are returned by
kind with an example, never raised out of the script.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp  # imported where it is used, so a missing package is reported as a skip

KINDS = ("timeout", "status", "body_size", "connect", "read", "other")


def now_ms() -> float:
    return time.monotonic() * 1000.0


class Outcomes:
    """Counts per kind ("ok" or an error kind) and one example message per kind."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.examples: dict[str, str] = {}

    def add(self, kind: str, message: str = "") -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if message and kind not in self.examples:
            self.examples[kind] = message[:200]

    def as_json(self) -> dict[str, Any]:
        return {"outcomes": self.counts, "examples": self.examples}


def classify(exc: BaseException) -> str:
    import aiohttp
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    if isinstance(exc, aiohttp.ClientError):
        return "read"
    return "other"


async def get_checked(session: aiohttp.ClientSession, url: str, expected_bytes: int | None,
                      **kwargs: Any) -> str | None:
    """GET url; returns None when the response is as expected, else the error kind."""
    async with session.get(url, **kwargs) as response:
        body = await response.read()
        if response.status != 200:
            return "status"
        if expected_bytes is not None and len(body) != expected_bytes:
            return "body_size"
    return None


# ---- tail ---------------------------------------------------------------------

async def run_tail(cfg: dict[str, Any]) -> dict[str, Any]:
    import aiohttp
    urls, n, c = cfg["urls"], cfg["requests"], cfg["concurrency"]
    variant, expected = cfg["variant"], cfg.get("expected_bytes")
    t_s = cfg["timeout_ms"] / 1000.0 if cfg.get("timeout_ms") else None
    elapsed: list[float] = []
    timed_out_ms: list[float] = []
    ok_ms: list[float] = []
    outcomes = Outcomes()
    next_i = 0

    # One connection per worker: no request waits for a pool slot here, so the
    # only bound on a request's time is the one under test.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=c),
                                     timeout=aiohttp.ClientTimeout(total=None)) as session:
        async def once(url: str) -> str | None:
            if variant == "none":
                return await get_checked(session, url, expected)
            if variant == "wait_for":
                return await asyncio.wait_for(get_checked(session, url, expected), t_s)
            if variant == "timeout":
                async with asyncio.timeout(t_s):
                    return await get_checked(session, url, expected)
            if variant == "client_timeout":
                return await get_checked(session, url, expected, timeout=aiohttp.ClientTimeout(total=t_s))
            raise ValueError(f"unknown variant {variant!r}")

        async def worker() -> None:
            nonlocal next_i
            while next_i < n:
                url = urls[next_i % len(urls)]  # round-robin, as the C++ models take a plan's URLs
                next_i += 1
                start = now_ms()
                try:
                    kind = await once(url)
                except Exception as e:  # noqa: BLE001 - every failure is counted by kind
                    kind = classify(e)
                    message = f"{type(e).__name__}: {e}"
                else:
                    message = "unexpected response"
                took = now_ms() - start
                elapsed.append(took)
                outcomes.add(kind or "ok", "" if kind is None else message)
                if kind == "timeout":
                    timed_out_ms.append(took)
                elif kind is None:
                    ok_ms.append(took)

        began = now_ms()
        await asyncio.gather(*(worker() for _ in range(c)))
        wall = now_ms() - began
    return {"elapsed_ms": elapsed, "timed_out_ms": timed_out_ms, "ok_ms": ok_ms, "wall_ms": wall, **outcomes.as_json()}


# ---- overrun ------------------------------------------------------------------

async def run_overrun(cfg: dict[str, Any]) -> dict[str, Any]:
    import aiohttp
    url, trials, variant = cfg["url"], cfg["trials"], cfg["variant"]
    t_s, cleanup_s = cfg["timeout_ms"] / 1000.0, cfg["cleanup_ms"] / 1000.0
    elapsed: list[float] = []
    cleanup_seen: list[bool] = []
    outcomes = Outcomes()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        for _ in range(trials):
            cleaned: list[float] = []

            async def work() -> None:
                try:
                    await get_checked(session, url, None)
                except asyncio.CancelledError:
                    # Asynchronous clean-up (a rollback, a log flush, a goodbye to
                    # the server) before letting the cancellation through.
                    if cleanup_s > 0:
                        await asyncio.sleep(cleanup_s)
                    cleaned.append(now_ms())
                    raise

            start = now_ms()
            try:
                if variant == "wait_for":
                    await asyncio.wait_for(work(), t_s)
                else:
                    async with asyncio.timeout(t_s):
                        await work()
            except (asyncio.TimeoutError, TimeoutError):
                returned = now_ms()
                elapsed.append(returned - start)
                # Did control come back only after the clean-up had finished?
                cleanup_seen.append(bool(cleaned) and cleaned[0] <= returned)
                outcomes.add("timeout")
            except Exception as e:  # noqa: BLE001
                outcomes.add(classify(e), f"{type(e).__name__}: {e}")
            else:
                outcomes.add("ok")  # the slow request finished first: not what the trial needs
    return {"elapsed_ms": elapsed, "cleanup_before_return": cleanup_seen, **outcomes.as_json()}


# ---- pool_wait ----------------------------------------------------------------

async def run_pool_wait(cfg: dict[str, Any]) -> dict[str, Any]:
    import aiohttp
    base, limit, waiters = cfg["base_url"], cfg["limit"], cfg["waiters"]
    t_s = cfg["timeout_ms"] / 1000.0
    got_connection = 0

    # a new connection, or an idle one reused
    async def on_got(session: aiohttp.ClientSession, ctx: object, params: object) -> None:
        nonlocal got_connection
        got_connection += 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(on_got)
    trace.on_connection_reuseconn.append(on_got)
    outcomes = Outcomes()
    waiter_ms: list[float] = []

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit),
                                     timeout=aiohttp.ClientTimeout(total=None),
                                     trace_configs=[trace]) as session:
        async def holder() -> str | None:
            # No timeout of its own: it only has to hold the slot for hold_ms.
            return await get_checked(session, f"{base}/hold?delay_ms={cfg['hold_ms']:g}", cfg.get("expected_bytes"))

        async def waiter(i: int) -> None:
            start = now_ms()
            try:
                kind = await get_checked(session, f"{base}/waiter/{i}?delay_ms={cfg['waiter_delay_ms']:g}",
                                         cfg.get("expected_bytes"), timeout=aiohttp.ClientTimeout(total=t_s))
                message = "unexpected response"
            except Exception as e:  # noqa: BLE001
                kind, message = classify(e), f"{type(e).__name__}: {e}"
            waiter_ms.append(now_ms() - start)
            outcomes.add(kind or "ok", "" if kind is None else message)

        hold_task = asyncio.create_task(holder())
        # Let the holder take the connection before anyone queues behind it.
        while got_connection == 0 and not hold_task.done():
            await asyncio.sleep(0.001)
        await asyncio.gather(*(waiter(i) for i in range(waiters)))
        try:
            hold_kind = await hold_task
        except Exception as e:  # noqa: BLE001
            hold_kind = classify(e)
    return {"waiter_ms": waiter_ms, "got_connection": got_connection, "holder_outcome": hold_kind or "ok",
            **outcomes.as_json()}


# A part: its config (JSON) -> its result (JSON).
Part = Callable[[dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]
PARTS: dict[str, Part] = {"tail": run_tail, "overrun": run_overrun, "pool_wait": run_pool_wait}


def main() -> int:
    try:
        cfg = json.loads(sys.argv[1])
    except (IndexError, json.JSONDecodeError) as e:
        print(json.dumps({"error": f"bad config: {e}"}), flush=True)
        return 2
    try:
        import aiohttp
    except ImportError as e:
        print(json.dumps({"skip": f"aiohttp not importable ({e}); Debian package python3-aiohttp"}), flush=True)
        return 0
    try:
        result = asyncio.run(PARTS[cfg["part"]](cfg))
    except Exception as e:  # noqa: BLE001 - reported to bench, which skips the benchmark
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
        return 1
    result["python"] = sys.version.split()[0]
    result["aiohttp"] = aiohttp.__version__
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
