"""N requests together, one of which fails: it answers 500 after 100 ms while the others take 1 s.
The program catches the failure and goes on with other work (here: a 1.5 s sleep) with its session
still open. With asyncio.gather (the default) the other N-1 requests run on unseen and are answered;
with --taskgroup, asyncio.TaskGroup (Python 3.11) cancels them at the failure.

    one_fails.py [--taskgroup] [--count N]
"""
import argparse
import asyncio
import os

import aiohttp


async def fetch(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.read()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--taskgroup", action="store_true")
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    base = os.environ["MOCKD_URL"]
    urls = [f"{base}/slow?delay_ms=1000"] * (args.count - 1) + [f"{base}/broken?status=500&delay_ms=100"]
    async with aiohttp.ClientSession() as session:
        if args.taskgroup:
            try:
                async with asyncio.TaskGroup() as group:
                    for url in urls:
                        group.create_task(fetch(session, url))
            except* aiohttp.ClientResponseError as errors:
                print(f"TaskGroup: {errors.exceptions[0].status}; the other tasks were cancelled")
        else:
            try:
                await asyncio.gather(*(fetch(session, url) for url in urls))
            except aiohttp.ClientResponseError as error:
                print(f"gather: {error.status}; the other tasks run on")
        await asyncio.sleep(1.5)  # other work, while the session stays open


asyncio.run(main())
