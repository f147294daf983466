"""Retry a flaky call with exponential backoff and full jitter.

    /usr/bin/python3 examples/retry_backoff.py http://127.0.0.1:PORT

mockd answers 500 to half the requests (fail_rate=0.5); `seed` makes each answer a pure
function of the URL, so this run is reproducible. Ten calls run at once; each retries up to
6 times, sleeping a random time in [0, 10 ms x 2^attempt] ("full jitter"): without the jitter
all ten would retry at the same instants, in waves that hit the server together.
Expected output (the counts are fixed by the seeds):
    10 of 10 calls succeeded after 20 attempts (10 retries)
    server answered 200 x 10, 500 x 10: matches the client: True
"""
import asyncio, random, sys
import aiohttp

async def call(session, base, job, attempts=6):
    for attempt in range(attempts):
        async with session.get(f"{base}/job/{job}?fail_rate=0.5&seed={100 * job + attempt}") as r:
            if r.status == 200:
                return attempt + 1
        await asyncio.sleep(random.uniform(0, 0.010 * 2 ** attempt))  # backoff with full jitter
    raise RuntimeError(f"job {job}: gave up after {attempts} attempts")

async def main(base):
    async with aiohttp.ClientSession() as session:
        while (await (await session.get(f"{base}/stats")).json())["connections_active"]:
            await asyncio.sleep(0.05)  # an earlier client's answer still due would count below
        await session.post(f"{base}/stats/reset")
        tries = await asyncio.gather(*(call(session, base, job) for job in range(10)))
        by_status = (await (await session.get(f"{base}/stats")).json())["requests_by_status"]
    total = sum(tries)
    print(f"{len(tries)} of 10 calls succeeded after {total} attempts ({total - len(tries)} retries)")
    print(f"server answered 200 x {by_status.get('200', 0)}, 500 x {by_status.get('500', 0)}: matches the "
          f"client: {by_status == {'200': len(tries), '500': total - len(tries)}}")

asyncio.run(main(sys.argv[1].rstrip("/")))
