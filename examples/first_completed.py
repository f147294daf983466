"""Take the first answer with asyncio.wait(return_when=FIRST_COMPLETED), then cancel the rest.

    /usr/bin/python3 examples/first_completed.py http://127.0.0.1:PORT

Three mirrors of one resource answer after 100 ms, 1 s and 1 s. Each request is wrapped in a task
(Python 3.11's wait() refuses bare coroutines with TypeError), and wait() returns (done, pending)
as soon as the first finishes. wait() cancels nothing: the pending tasks keep their requests open
until we cancel them, and awaiting them lets the cancellation finish (aiohttp closes their
connections). mockd counts the requests whose client went away before the answer.
Expected output:
    first: mirror 0 answered 200 after at least 100 ms: True
    pending 2, cancelled 2; server saw 2 requests cancelled
    asyncio.wait([coroutine]) raises TypeError
"""
import asyncio
import sys
import time
from typing import Any

import aiohttp

DELAYS_MS = (100, 1000, 1000)


async def stats(session: aiohttp.ClientSession, base: str) -> Any:  # the server's JSON
    async with session.get(f"{base}/stats") as response:
        return await response.json()


async def fetch(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as response:
        await response.read()
        return response.status


async def main(base: str) -> None:
    async with aiohttp.ClientSession() as control:  # a separate session: mockd does not count /stats
        while (await stats(control, base))["connections_active"]:
            await asyncio.sleep(0.05)  # an earlier client's request still open would count below
        async with control.post(f"{base}/stats/reset"):
            pass
        start = time.monotonic()
        async with aiohttp.ClientSession() as session:
            tasks = {asyncio.create_task(fetch(session, f"{base}/mirror/{i}?delay_ms={ms}")): i
                     for i, ms in enumerate(DELAYS_MS)}
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            took = time.monotonic() - start
            first = done.pop()
            print(f"first: mirror {tasks[first]} answered {first.result()} after at least 100 ms: {took >= 0.1}")
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)  # let each cancellation finish
        async with asyncio.timeout(5):  # the server notices the closed connections a moment later
            while (await stats(control, base))["requests_cancelled"] < len(pending):
                await asyncio.sleep(0.02)
        seen = (await stats(control, base))["requests_cancelled"]
    print(f"pending {len(pending)}, cancelled {sum(t.cancelled() for t in pending)}; "
          f"server saw {seen} requests cancelled")
    coro = asyncio.sleep(0)
    try:
        await asyncio.wait([coro])
    except TypeError:
        print("asyncio.wait([coroutine]) raises TypeError")
    finally:
        coro.close()  # never scheduled: close it so Python does not warn it was never awaited


asyncio.run(main(sys.argv[1].rstrip("/")))
