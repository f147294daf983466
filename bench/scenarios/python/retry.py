"""Scenario `retry` (claim C6), the Python side: many clients, each making one
logical request against mockd's `fail_rate`, retried up to k times with
exponential backoff, with or without full jitter. One asyncio loop, one
aiohttp.ClientSession, asyncio.gather over the clients: what the interview
material's retry helper looks like when many callers use it at once.

Run by bench/scenarios/retry.cpp as a child (no shell): after its imports it
prints {"ready": true, ...versions}; then, for each JSON line on stdin (one
run's configuration) it opens the session and warms its pool (one request
per client at once, so the clients start with open connections, as
long-lived callers do), prints {"warmed": ...}, waits for the line "go" (bench
resets mockd's counters in between, so the warm-up is not counted), runs, and
prints one JSON line with what the run did; it exits at end of input. A
missing aiohttp is reported as {"skip": reason}.

Attempt a of client i asks mockd for seed = run_seed + 16 i + a, so whether
it fails is fixed by the seed: the same in every policy and in the C++ peer,
independent between attempts and between repetitions (another run_seed).
"""
from __future__ import annotations

import asyncio
import json
import platform
import random
import sys
import time
from typing import Any

try:
    import aiohttp
except ImportError as e:  # reported, never a traceback: bench records the benchmark as skipped
    print(json.dumps({"skip": f"aiohttp not importable ({e}); Debian package python3-aiohttp"}), flush=True)
    sys.exit(0)

SEEDS_PER_CLIENT = 16  # attempts a client may make: retries up to 15


def wait_ms(policy: str, base_ms: float, retry: int, rng: random.Random) -> float:
    """The wait before retry number `retry` (1, 2, ...): base * 2^(retry-1), or uniform in
    [0, that] with full jitter."""
    cap = base_ms * 2 ** (retry - 1)
    return rng.uniform(0, cap) if policy == "backoff_jitter" else cap


def classify(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "connect"
    if isinstance(exc, aiohttp.ClientError):
        return "read"
    return "other"


async def one_client(session: aiohttp.ClientSession, cfg: dict[str, Any], i: int, t0: float,
                     tally: dict[str, Any]) -> None:
    """One caller's logical request: attempts until a 200 with the expected body, or k retries."""
    retries = cfg["retries"] if cfg["policy"] != "none" else 0
    rng = random.Random(cfg["run_seed"] * 100003 + i)  # the jitter, reproducible per client
    for attempt in range(retries + 1):
        if attempt > 0:
            await asyncio.sleep(wait_ms(cfg["policy"], cfg["base_ms"], attempt, rng) / 1000)
        seed = cfg["run_seed"] + SEEDS_PER_CLIENT * i + attempt
        url = f"{cfg['url']}/retry/{i}?fail_rate={cfg['fail_rate']}&seed={seed}"
        (tally["retry_send_ms"] if attempt else tally["first_send_ms"]).append(
            (time.perf_counter() - t0) * 1000)
        tally["attempts"] += 1
        try:
            async with session.get(url) as resp:
                body = await resp.read()
                if resp.status == 200 and len(body) == cfg["expected_bytes"]:
                    tally["successes"] += 1
                    return
                if resp.status == cfg["fail_status"]:
                    tally["failed_attempts"] += 1  # what fail_rate asks for: retried
                    continue
                kind = "body_size" if resp.status == 200 else "status"
        except Exception as e:  # noqa: BLE001: every failure is counted by kind, the run goes on
            kind = classify(e)
            tally.setdefault("example", f"{type(e).__name__}: {e}")
        tally["errors"][kind] = tally["errors"].get(kind, 0) + 1


async def read_line(loop: asyncio.AbstractEventLoop) -> str:
    """The next line of stdin without blocking the loop ('' at end of input)."""
    return await loop.run_in_executor(None, sys.stdin.readline)


async def warm(session: aiohttp.ClientSession, cfg: dict[str, Any]) -> None:
    """One request per client at once: the pool opens its connections before the run."""
    async def one() -> int:
        async with session.get(f"{cfg['url']}/warm") as resp:
            await resp.read()
            return resp.status
    statuses = await asyncio.gather(*(one() for _ in range(cfg["clients"])))
    bad = [s for s in statuses if s != 200]
    if bad:
        raise RuntimeError(f"warm-up: {len(bad)} answers were not 200 (first: {bad[0]})")


async def run(cfg: dict[str, Any], loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
    tally: dict[str, Any] = {"attempts": 0, "successes": 0, "failed_attempts": 0, "errors": {}, "first_send_ms": [],
             "retry_send_ms": []}
    # One session for every client; its pool may hold a connection per client, so that
    # aiohttp's default cap (100) does not queue the first wave behind itself.
    connector = aiohttp.TCPConnector(limit=cfg["clients"])
    timeout = aiohttp.ClientTimeout(total=cfg["timeout_s"])
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await warm(session, cfg)
        print(json.dumps({"warmed": True}), flush=True)
        go = await read_line(loop)
        if go.strip() != "go":
            raise RuntimeError(f"expected 'go', got {go.strip()[:40]!r}")
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        await asyncio.gather(*(one_client(session, cfg, i, t0, tally) for i in range(cfg["clients"])))
        tally["wall_ms"] = (time.perf_counter() - t0) * 1000
        tally["cpu_s"] = time.process_time() - cpu0
    return tally


async def serve() -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await read_line(loop)
        if not line:
            return
        if not line.strip():
            continue
        answer: dict[str, Any]
        try:
            answer = await run(json.loads(line), loop)
        except Exception as e:  # noqa: BLE001: the run is recorded as failed, with the reason
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)


def main() -> None:
    print(json.dumps({"ready": True, "python": platform.python_version(), "aiohttp": aiohttp.__version__}),
          flush=True)
    asyncio.run(serve())


if __name__ == "__main__":
    main()
