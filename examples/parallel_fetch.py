"""Fetch many URLs concurrently with one ClientSession whose connector caps the connections.

    /usr/bin/python3 examples/parallel_fetch.py http://127.0.0.1:PORT

Twenty requests that each wait 100 ms at the server go through one session with
TCPConnector(limit=5): the session reuses its five connections and the other requests wait
for a free one (they do not fail), so the batch takes about 20 / 5 x 100 ms = 0.4 s.
Expected output (the time varies a little):
    fetched 20 of 20, statuses [200]
    server: 5 connections opened, at most 5 open at once
    took 0.41 s (at least 4 rounds of 100 ms)
"""
import asyncio, sys, time
import aiohttp

async def main(base):
    async with aiohttp.ClientSession() as control:  # a separate session: mockd does not count /stats
        while (await (await control.get(f"{base}/stats")).json())["connections_active"]:
            await asyncio.sleep(0.05)  # an earlier client's connection still open would count in the peak
        await control.post(f"{base}/stats/reset")
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=5)) as session:
        async def fetch(i):
            async with session.get(f"{base}/item/{i}?delay_ms=100") as response:
                await response.read()
                return response.status
        statuses = await asyncio.gather(*(fetch(i) for i in range(20)))
    took = time.monotonic() - start
    async with aiohttp.ClientSession() as control:
        stats = await (await control.get(f"{base}/stats")).json()
    print(f"fetched {len(statuses)} of 20, statuses {sorted(set(statuses))}")
    print(f"server: {stats['connections_accepted']} connections opened, "
          f"at most {stats['connections_peak']} open at once")
    print(f"took {took:.2f} s (at least 4 rounds of 100 ms)")

asyncio.run(main(sys.argv[1].rstrip("/")))
