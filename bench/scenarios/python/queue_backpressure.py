"""The queue scenario's Python side (claim C10): one producer and N consumers
around an asyncio.Queue, bounded (maxsize > 0) or not (maxsize 0), on one
event loop. Run by bench/scenarios/queue.cpp as a child process:
the configuration arrives as one JSON line on stdin, the outcome leaves as one
JSON line on stdout (ok, counts, the exact peak depth, per-item latencies and
the sampler's series).

Not named queue.py: that would shadow the standard library's queue module,
which asyncio imports.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from typing import Any

PAGE = os.sysconf("SC_PAGESIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / (1024 * 1024)


Item = tuple[float, int, bytes]  # (when it was made, its sequence number, its payload)


class CountingQueue(asyncio.Queue[Item]):
    """asyncio.Queue that counts its depth where items enter (_put, called by
    put_nowait and by put once a slot is free) and leave (_get), so the peak
    is exact, not sampled."""

    def _init(self, maxsize: int) -> None:
        super()._init(maxsize)
        self.depth = 0
        self.max_depth = 0

    def _put(self, item: Item) -> None:
        super()._put(item)
        self.depth += 1
        if self.depth > self.max_depth:
            self.max_depth = self.depth

    def _get(self) -> Item:
        item = super()._get()
        self.depth -= 1
        return item


async def experiment(cfg: dict[str, Any]) -> dict[str, Any]:
    items, n_consumers = cfg["items"], cfg["consumers"]
    interval_s, work_s = cfg["producer_us"] / 1e6, cfg["work_us"] / 1e6
    size, sample_s = cfg["item_bytes"], cfg["sample_ms"] / 1e3
    queue = CountingQueue(maxsize=cfg["maxsize"])
    out: dict[str, Any] = {"produced": 0, "consumed": 0, "corrupt": 0, "latencies_us": [],
           "t_ms": [], "depth": [], "queued_bytes": [], "rss_mb": []}
    out["rss_start_mb"] = out["rss_peak_mb"] = rss_mb()
    start = time.monotonic()
    done = asyncio.Event()

    async def produce() -> None:
        for i in range(items):
            # On schedule from the start: a producer that fell behind catches up at once.
            wait = start + i * interval_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            payload = bytes([i % 256]) * size  # a distinct object per item, as real data would be
            await queue.put((time.monotonic(), i, payload))
            out["produced"] += 1
        out["production_s"] = time.monotonic() - start

    async def consume() -> None:
        while True:
            made, seq, payload = await queue.get()
            await asyncio.sleep(work_s)  # the consumer awaiting I/O
            if len(payload) != size or payload[0] != seq % 256:
                out["corrupt"] += 1
            out["latencies_us"].append((time.monotonic() - made) * 1e6)
            out["consumed"] += 1
            queue.task_done()

    async def sample() -> None:
        due = start
        while not done.is_set():
            rss = rss_mb()
            out["rss_peak_mb"] = max(out["rss_peak_mb"], rss)
            out["t_ms"].append((time.monotonic() - start) * 1e3)
            out["depth"].append(queue.depth)
            out["queued_bytes"].append(queue.depth * size)
            out["rss_mb"].append(rss)
            due += sample_s
            await asyncio.sleep(max(0.0, due - time.monotonic()))

    consumers = [asyncio.create_task(consume()) for _ in range(n_consumers)]
    sampler = asyncio.create_task(sample())
    await produce()
    await queue.join()
    out["total_s"] = time.monotonic() - start
    done.set()
    for task in consumers:
        task.cancel()
    await asyncio.gather(*consumers, sampler, return_exceptions=True)
    out["max_depth"] = queue.max_depth
    out["threads"] = threading.active_count()
    return out


def main() -> None:
    try:
        cfg = json.loads(sys.stdin.readline())
        out: dict[str, Any] = asyncio.run(experiment(cfg))
        out["ok"] = True
    except Exception as e:  # reported to bench, which records the benchmark as failed
        out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
