"""Fetch many URLs concurrently with one ClientSession whose connector caps the connections.

    /usr/bin/python3 examples/parallel_fetch.py http://127.0.0.1:PORT

Twenty requests go through one session with TCPConnector(limit=5): the session reuses its five
connections and the other requests wait for a free one (they do not fail). Nineteen wait 100 ms
at the server; one is reset by the server (mockd's fault=reset), as a flaky network does. Each
request handles its own connection errors (aiohttp raises a reset as ClientOSError, an
aiohttp.ClientConnectionError with errno ECONNRESET), so one failure neither sinks the batch
(gather would raise it and leave the others unobserved) nor goes unreported; the session
replaces the lost connection. Every response is used inside `async with`, which releases its
connection to the pool even when reading fails. The batch takes about 20 / 5 x 100 ms = 0.4 s.
Expected output (the time varies a little):
    fetched 19 of 20, statuses [200]; failed: ['connection reset']
    server: 6 connections opened (one replaced the reset one), at most 5 open at once
    took 0.41 s (at least 4 rounds of 100 ms)
"""
import asyncio
import errno
import sys
import time
from typing import Any

import aiohttp


async def stats(session: aiohttp.ClientSession, base: str) -> Any:  # the server's JSON
    async with session.get(f"{base}/stats") as response:
        return await response.json()


async def fetch(session: aiohttp.ClientSession, url: str) -> int | str:
    try:
        async with session.get(url) as response:
            await response.read()
            return response.status
    except aiohttp.ClientConnectionError as error:  # reset, refused or dropped: report it, do not crash
        return "connection reset" if getattr(error, "errno", None) == errno.ECONNRESET else type(error).__name__


async def main(base: str) -> None:
    async with aiohttp.ClientSession() as control:  # a separate session: mockd does not count /stats
        while (await stats(control, base))["connections_active"]:
            await asyncio.sleep(0.05)  # an earlier client's connection still open would count in the peak
        async with control.post(f"{base}/stats/reset"):
            pass
        urls = [f"{base}/item/0?fault=reset"] + [f"{base}/item/{i}?delay_ms=100" for i in range(1, 20)]
        start = time.monotonic()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=5)) as session:
            results = await asyncio.gather(*(fetch(session, url) for url in urls))
        took = time.monotonic() - start
        server = await stats(control, base)
    statuses = [r for r in results if isinstance(r, int)]
    failed = [r for r in results if not isinstance(r, int)]
    print(f"fetched {len(statuses)} of {len(urls)}, statuses {sorted(set(statuses))}; failed: {failed}")
    print(f"server: {server['connections_accepted']} connections opened (one replaced the reset one), "
          f"at most {server['connections_peak']} open at once")
    print(f"took {took:.2f} s (at least 4 rounds of 100 ms)")


asyncio.run(main(sys.argv[1].rstrip("/")))
