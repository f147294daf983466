"""Gather N requests at once over one aiohttp ClientSession whose TCPConnector has limit L (0: no
limit, as the material's "fix" for slow crawls suggests). Each request waits D ms at the server, so
all of them are in flight together and the connector's limit is what bounds the connections.

    gather_limit.py [--count N] [--limit L] [--delay-ms D]
"""
import argparse
import asyncio
import os

import aiohttp


async def fetch(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        await response.read()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--delay-ms", type=int, default=2000)
    args = parser.parse_args()
    url = f"{os.environ['MOCKD_URL']}/?delay_ms={args.delay_ms}"
    connector = aiohttp.TCPConnector(limit=args.limit)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(fetch(session, url) for _ in range(args.count)))
    print(f"{args.count} requests done")


asyncio.run(main())
