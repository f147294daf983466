"""Three timeouts and what each really bounds.

    /usr/bin/python3 examples/timeouts.py http://127.0.0.1:PORT

1. asyncio.timeout (Python 3.11) cancels a 1 s request after 0.2 s.
2. aiohttp's ClientTimeout(total=...) also counts the wait for a free connection: with
   limit=1, the second of two 300 ms requests waits 300 ms for the slot and misses a 500 ms total.
3. wait_for cancels the task and then waits for it to finish: a task that cleans up for 200 ms
   after the cancellation makes a 100 ms wait_for return after about 300 ms.
Expected output:
    asyncio.timeout(0.2) on a 1 s request: TimeoutError
    ClientTimeout(total=0.5), limit=1, two 300 ms requests: ['200', 'TimeoutError']
    wait_for(timeout=0.1) took at least 0.3 s: True
"""
import asyncio, sys, time
import aiohttp

async def status(session: aiohttp.ClientSession, url: str) -> str:
    try:
        async with session.get(url) as response:
            return str(response.status)
    except TimeoutError:  # aiohttp raises asyncio.TimeoutError, the same class as TimeoutError since 3.11
        return "TimeoutError"

async def slow_cleanup() -> None:
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        await asyncio.sleep(0.2)  # cleanup that wait_for has to wait for
        raise

async def main(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        try:
            async with asyncio.timeout(0.2):
                async with session.get(f"{base}/?delay_ms=1000") as response:
                    await response.read()
        except TimeoutError:
            print("asyncio.timeout(0.2) on a 1 s request: TimeoutError")
    limited = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1),
                                    timeout=aiohttp.ClientTimeout(total=0.5))
    async with limited:
        got = await asyncio.gather(*(status(limited, f"{base}/{i}?delay_ms=300") for i in range(2)))
    print(f"ClientTimeout(total=0.5), limit=1, two 300 ms requests: {sorted(got)}")
    start = time.monotonic()
    try:
        await asyncio.wait_for(slow_cleanup(), timeout=0.1)
    except TimeoutError:
        print(f"wait_for(timeout=0.1) took at least 0.3 s: {time.monotonic() - start >= 0.3}")

asyncio.run(main(sys.argv[1].rstrip("/")))
