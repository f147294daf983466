"""Five requests at once over one aiohttp ClientSession, against a server that may never answer
(probe --profile stall, or a long --default delay). Without --timeout they wait as long as the
server takes; with --timeout S each gives up after S seconds (aiohttp.ClientTimeout) and the
program goes on.

    timeouts.py [--timeout S]
"""
import argparse
import asyncio
import os

import aiohttp


async def fetch(session, url):
    try:
        async with session.get(url) as response:
            await response.read()
            return "answered"
    except asyncio.TimeoutError:
        return "gave up"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float)
    args = parser.parse_args()
    timeout = aiohttp.ClientTimeout(total=args.timeout)  # None: no limit at all
    async with aiohttp.ClientSession(timeout=timeout) as session:
        results = await asyncio.gather(*(fetch(session, os.environ["MOCKD_URL"] + "/") for _ in range(5)))
    print(", ".join(results))


asyncio.run(main())
