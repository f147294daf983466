"""GET $MOCKD_URL N times one after another with aiohttp: a ClientSession per request (a new
connection each time), or with --shared one ClientSession for all (one pooled connection).

    aiohttp_sessions.py [--shared] [--count N]
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
    parser.add_argument("--shared", action="store_true")
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("MOCKD_HTTPS_URL", os.environ["MOCKD_URL"]) + "/"
    if args.shared:
        async with aiohttp.ClientSession() as session:
            for _ in range(args.count):
                await fetch(session, url)
    else:
        for _ in range(args.count):
            async with aiohttp.ClientSession() as session:
                await fetch(session, url)
    print(f"{args.count} requests done")


asyncio.run(main())
