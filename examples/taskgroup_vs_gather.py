"""What happens to the other tasks when one fails: asyncio.gather vs asyncio.TaskGroup (3.11).

    /usr/bin/python3 examples/taskgroup_vs_gather.py http://127.0.0.1:PORT

Two tasks fetch a URL that answers after 300 ms; a third fails after 50 ms. gather (with the
default return_exceptions=False) raises the first error at once but cancels nothing: the two
fetches run on to the end. TaskGroup cancels the others on the first failure and raises an
ExceptionGroup once they have all finished.
Expected output:
    gather: ValueError raised; siblings finished 2, cancelled 0
    TaskGroup: ExceptionGroup([ValueError]) raised; siblings finished 0, cancelled 2
"""
import asyncio, sys
import aiohttp

async def fail() -> None:
    await asyncio.sleep(0.05)
    raise ValueError("one task failed")

async def main(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        async def fetch() -> bytes:
            async with session.get(f"{base}/?delay_ms=300") as response:
                return await response.read()
        siblings = [asyncio.create_task(fetch()) for _ in range(2)]
        try:
            await asyncio.gather(fail(), *siblings)
        except ValueError as e:
            await asyncio.wait(siblings)  # gather did not cancel them: they run on
            print(f"gather: {type(e).__name__} raised; siblings finished "
                  f"{sum(not t.cancelled() for t in siblings)}, cancelled {sum(t.cancelled() for t in siblings)}")
        try:
            async with asyncio.TaskGroup() as group:
                siblings = [group.create_task(fetch()) for _ in range(2)]
                group.create_task(fail())
        except* ValueError as e:
            print(f"TaskGroup: ExceptionGroup([{type(e.exceptions[0]).__name__}]) raised; siblings finished "
                  f"{sum(not t.cancelled() for t in siblings)}, cancelled {sum(t.cancelled() for t in siblings)}")

asyncio.run(main(sys.argv[1].rstrip("/")))
