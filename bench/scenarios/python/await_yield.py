"""The `blocking` scenario's await_yield experiment (question Q7: does `await`
give the loop a turn?), run by bench as a child process:

    /usr/bin/python3 await_yield.py '<JSON config>'

It prints one JSON line on stdout: the result, or {"error": why}.

One asyncio loop runs a heartbeat (sleeps 1 ms again and again and records how
late it wakes) and, once the heartbeat is ticking, one task that awaits
`awaits` times a coroutine `f` that never suspends: `async def f()` doing
`work_steps` steps of pure-Python arithmetic and returning. The kinds:

  no_yield   for _ in range(N): await f()
  sleep0     the same, plus `await asyncio.sleep(0)` every `every` iterations

Awaiting a coroutine runs it inline, like a call: control returns to the loop
only where something suspends (a future not yet done). `f` never suspends, so
with no_yield the loop gets no turn until the whole loop ends and the
heartbeat cannot wake during it; `asyncio.sleep(0)` is the one await that
always yields. The work is a fixed amount (N × work_steps steps), so the
difference in the loop's total time is the price of yielding.

Answer: total_ms (the awaiting loop, first await to last), the heartbeat's lag
over the ticks due before the loop ended that woke after it began (lag_us; with
no_yield only the tick pending when it began, which wakes after it ends),
heartbeats_during (ticks that woke while it ran: 0 with no_yield),
yields (sleep(0) calls made).
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

HEARTBEAT_S = 0.001
WARM_UP_S = 0.02  # heartbeat ticks before the loop starts, so one is pending when it does


def make_f(steps: int) -> Callable[[], Coroutine[Any, Any, int]]:
    async def f() -> int:
        """A coroutine that never suspends: a fixed amount of work, then return."""
        x = 0
        for i in range(steps):
            x = (x * 1103515245 + i) & 0x7FFFFFFF
        return x
    return f


async def experiment(config: dict[str, Any]) -> dict[str, Any]:
    kind = config["kind"]
    if kind not in ("no_yield", "sleep0"):
        raise ValueError(f"unknown kind {kind!r}")
    awaits, steps = int(config["awaits"]), int(config["work_steps"])
    every = int(config.get("every", 1)) if kind == "sleep0" else 0
    if awaits <= 0 or steps < 0 or (kind == "sleep0" and every <= 0):
        raise ValueError("awaits must be positive, work_steps >= 0, every positive")
    f = make_f(steps)
    loop = asyncio.get_running_loop()
    ticks: list[tuple[float, float]] = []  # (due, woke)
    stop = False

    async def heartbeat() -> None:
        while not stop:
            due = loop.time() + HEARTBEAT_S
            await asyncio.sleep(HEARTBEAT_S)
            ticks.append((due, loop.time()))

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(WARM_UP_S)
    yields = 0
    start = loop.time()
    if every:
        for i in range(awaits):
            await f()
            if (i + 1) % every == 0:
                await asyncio.sleep(0)
                yields += 1
    else:
        for _ in range(awaits):
            await f()
    end = loop.time()
    # Let the tick pending at `end` wake (with no_yield: the one that waited out the loop).
    await asyncio.sleep(2 * HEARTBEAT_S)
    stop = True
    await beat
    lag_us = [(woke - due) * 1e6 for due, woke in ticks if woke > start and due < end]
    return {
        "total_ms": (end - start) * 1000,
        "lag_us": lag_us,
        "heartbeats_during": sum(1 for _, woke in ticks if start < woke < end),
        "yields": yields,
        "awaits": awaits,
        "work_steps": steps,
        "every": every,
    }


def main() -> None:
    ready = time.monotonic()  # CLOCK_MONOTONIC, the clock bench's steady_clock reads
    try:
        out = asyncio.run(experiment(json.loads(sys.argv[1])))
        out.update({"ready_monotonic_s": ready, "python": sys.version.split()[0]})
    except Exception as e:  # reported to bench, which records the benchmark as failed
        out = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
