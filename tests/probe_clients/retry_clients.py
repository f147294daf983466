"""Many clients that retry a failing request with exponential backoff, with or without jitter.

    retry_clients.py [--jitter] [--clients N] [--retries R] [--base-ms B] [--query Q]

N clients (default 100) share one aiohttp ClientSession and start together (a gather); each GETs
$MOCKD_URL/?Q and retries a 5xx answer or a reset connection up to R times (default 3) after B, 2B, 4B... ms (default
B = 500). With --jitter each wait is drawn uniformly from [0, that bound] ("full jitter"); without
it, clients that failed together retry together. The server decides the failures (mockd's flaky
profile, or fail_rate in Q).
"""
import argparse
import asyncio
import os
import random

import aiohttp


async def one_client(session, url, jitter, retries, base_s):
    for attempt in range(retries + 1):
        try:
            async with session.get(url) as response:
                await response.read()
                if response.status < 500:
                    return True
        except aiohttp.ClientConnectionError:
            pass  # a reset connection: as retryable as a 5xx
        if attempt == retries:
            return False
        bound = base_s * 2 ** attempt
        await asyncio.sleep(random.uniform(0, bound) if jitter else bound)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jitter", action="store_true")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--retries", type=int, default=3)
    parser.add_argument("--base-ms", type=float, default=500)
    parser.add_argument("--query", default="")
    args = parser.parse_args()
    url = os.environ["MOCKD_URL"] + "/?" + args.query
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        results = await asyncio.gather(*(one_client(session, url, args.jitter, args.retries, args.base_ms / 1000) for _ in range(args.clients)))
    print(f"{sum(results)} of {len(results)} clients succeeded")


asyncio.run(main())
