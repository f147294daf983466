"""Sequential requests vs asyncio.gather, compared fairly: both sides reuse connections.

    /usr/bin/python3 examples/sync_vs_async.py http://127.0.0.1:PORT

The usual demo times `requests.get` in a loop (a new connection per call) against aiohttp
(a pooled session), so it measures pooling and concurrency at once. Here both sides pool:
one requests.Session one by one, one aiohttp.ClientSession gathering. K = 10 URLs of 100 ms:
sequential takes at least K x 100 ms = 1 s, gathered about 100 ms, so the gain is at most K.
Expected output (times vary a little):
    sequential, one requests.Session: 1.01 s, 1 connection(s) opened
    gathered, one aiohttp.ClientSession: 0.11 s, 10 connection(s) opened
    sequential >= K x 100 ms: True; gathered >= 100 ms: True; speed-up 9.4x (at most K = 10)
"""
import asyncio, sys, time
import aiohttp, requests

def opened(base: str) -> int:  # connections the server accepted since the last reset
    return requests.get(f"{base}/stats").json()["connections_accepted"]

def sequential(base: str, urls: list[str]) -> None:
    with requests.Session() as session:
        for url in urls:
            session.get(url).raise_for_status()

async def gathered(urls: list[str]) -> None:
    async with aiohttp.ClientSession() as session:
        async def fetch(url: str) -> None:
            async with session.get(url) as response:
                response.raise_for_status()
                await response.read()
        await asyncio.gather(*(fetch(url) for url in urls))

base = sys.argv[1].rstrip("/")
urls = [f"{base}/item/{i}?delay_ms=100" for i in range(10)]
times = {}
for name, run in (("sequential, one requests.Session", lambda: sequential(base, urls)),
                  ("gathered, one aiohttp.ClientSession", lambda: asyncio.run(gathered(urls)))):
    requests.post(f"{base}/stats/reset")
    start = time.monotonic()
    run()
    times[name] = time.monotonic() - start
    print(f"{name}: {times[name]:.2f} s, {opened(base)} connection(s) opened")
seq, gat = times.values()
print(f"sequential >= K x 100 ms: {seq >= 1.0}; gathered >= 100 ms: {gat >= 0.1}; "
      f"speed-up {seq / gat:.1f}x (at most K = 10)")
