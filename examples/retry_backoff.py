"""Retry a flaky call: only transient failures, exponential backoff with full jitter, bounded.

    /usr/bin/python3 examples/retry_backoff.py http://127.0.0.1:PORT

get_with_retry() retries what a flaky network or an overloaded server produces (a 5xx or 429
answer, a connection error such as a reset, a timeout) and nothing else: a 4xx means the request
itself is wrong, and sending it again gets the same answer. Between attempts it waits a random
time in [0, min(cap, base x 2^attempt)] ("full jitter": without it, clients that failed together
retry together, in waves). It never waits after the last attempt, and it bounds both the number
of attempts and the total time: a retry loop without a deadline can hold a caller for minutes.

The demo drives it with mockd's request parameters: `fail_rate` + `seed` (reproducible 503s),
`status`, `fault=reset` (the server resets the connection) and `delay_ms` (a slow answer).
Each line after the first two shows one call's attempts in order; "wait" is a backoff sleep.
Expected output (the counts are fixed by the seeds; the last line's count varies):
    10 of 10 calls succeeded after 20 attempts (10 retries)
    server answered 200 x 10, 503 x 10: matches the client: True
    reset, 503, then 200: ok: reset, wait, 503, wait, 200
    always 503: gave up: 503, wait, 503, wait, 503, wait, 503
    404: not retried: 404
    200 ms answers, 50 ms per attempt, 0.4 s in all: gave up at the total bound after 5 attempts: timeout, wait, ...
"""
import asyncio
import errno
import random
import sys
from typing import Any

import aiohttp

RETRYABLE_STATUSES = {429, 500, 502, 503, 504}
# What a flaky network raises: resets and refused or dropped connections (ClientConnectionError,
# which includes ServerDisconnectedError and ClientOSError) and a truncated body. Timeouts, the
# other transient failure, are TimeoutError and handled apart (they may be the total bound's).
RETRYABLE_ERRORS = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)


class GaveUp(Exception):
    pass


async def get_with_retry(session: aiohttp.ClientSession, urls: list[str], *, attempts: int = 4,
                         attempt_timeout_s: float = 1.0, base_s: float = 0.01, cap_s: float = 0.2, total_s: float = 2.0,
                         trace: list[str] | None = None) -> bytes:
    """GET urls[attempt] (one URL per attempt, so the demo can script each answer; a real caller
    passes the same URL each time) and return the body. `trace` records each attempt's outcome."""
    trace = [] if trace is None else trace
    loop = asyncio.get_running_loop()
    deadline = loop.time() + total_s
    for attempt in range(attempts):
        # One timeout per attempt, never past the deadline, so the total bound needs no timer of its
        # own: aiohttp 3.8 times out by cancelling the task, and a second cancelling timer around it
        # (asyncio.timeout) can let a bare CancelledError escape when both fire together.
        remaining = deadline - loop.time()
        if remaining <= 0:  # a sleep may overshoot; and aiohttp reads total <= 0 as "no timeout"
            trace.append("no time left")
            raise GaveUp("total bound")
        timeout = aiohttp.ClientTimeout(total=min(attempt_timeout_s, remaining))
        try:
            async with session.get(urls[attempt], timeout=timeout) as response:
                trace.append(str(response.status))
                if response.status not in RETRYABLE_STATUSES:
                    response.raise_for_status()  # a 4xx: not retried, the caller sees it
                    return await response.read()
        except TimeoutError:
            if loop.time() >= deadline:
                trace.append("cut at the bound")
                raise GaveUp("total bound") from None
            trace.append("timeout")
        except RETRYABLE_ERRORS as error:
            trace.append("reset" if getattr(error, "errno", None) == errno.ECONNRESET else type(error).__name__)
        if attempt == attempts - 1:
            break  # no sleep after the last attempt: nobody is waiting for it
        delay = random.uniform(0, min(cap_s, base_s * 2 ** attempt))  # full jitter
        if loop.time() + delay >= deadline:
            raise GaveUp("total bound")  # the wait alone would pass the deadline
        trace.append("wait")
        await asyncio.sleep(delay)
    raise GaveUp(f"{attempts} attempts")


async def stats(session: aiohttp.ClientSession, base: str) -> Any:  # the server's JSON
    async with session.get(f"{base}/stats") as response:
        return await response.json()


async def seeded_batch(session: aiohttp.ClientSession, base: str) -> None:
    """Ten calls at once against a server that answers 503 to half the requests (seeded)."""
    async with aiohttp.ClientSession() as control:  # a separate session: mockd does not count /stats
        while (await stats(control, base))["connections_active"]:
            await asyncio.sleep(0.05)  # an earlier client's answer still due would count below
        async with control.post(f"{base}/stats/reset"):
            pass
        traces: list[list[str]] = [[] for _ in range(10)]
        await asyncio.gather(*(
            get_with_retry(session, [f"{base}/job/{job}?fail_rate=0.5&fail_status=503&seed={100 * job + attempt}"
                                     for attempt in range(6)], attempts=6, trace=traces[job])
            for job in range(10)))
        by_status = (await stats(control, base))["requests_by_status"]
    tries = sum(len([t for t in trace if t != "wait"]) for trace in traces)
    print(f"10 of 10 calls succeeded after {tries} attempts ({tries - 10} retries)")
    print(f"server answered 200 x {by_status.get('200', 0)}, 503 x {by_status.get('503', 0)}: matches the "
          f"client: {by_status == {'200': 10, '503': tries - 10}}")


async def one_call(session: aiohttp.ClientSession, name: str, urls: list[str],
                   **bounds: Any) -> None:  # bounds: get_with_retry's keyword arguments
    trace: list[str] = []
    try:
        await get_with_retry(session, urls, trace=trace, **bounds)
        outcome = "ok"
    except aiohttp.ClientResponseError:
        outcome = "not retried"
    except GaveUp as reason:
        attempts = len([t for t in trace if t not in ("wait", "no time left")])
        outcome = "gave up" if str(reason) != "total bound" else f"gave up at the total bound after {attempts} attempts"
    print(f"{name}: {outcome}: {', '.join(trace)}")


async def main(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        await seeded_batch(session, base)
        await one_call(session, "reset, 503, then 200",
                       [f"{base}/flaky?fault=reset", f"{base}/flaky?status=503", f"{base}/flaky"])
        await one_call(session, "always 503", [f"{base}/down?status=503"] * 4)
        await one_call(session, "404", [f"{base}/missing?status=404"] * 4)
        # Each attempt times out after 50 ms on a server that takes 200 ms: every attempt fails, and
        # the 0.4 s bound, not the 100 attempts, ends the call.
        await one_call(session, "200 ms answers, 50 ms per attempt, 0.4 s in all",
                       [f"{base}/slow?delay_ms=200"] * 100, attempts=100, attempt_timeout_s=0.05, total_s=0.4)


asyncio.run(main(sys.argv[1].rstrip("/")))
