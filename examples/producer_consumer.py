"""A producer and a slower consumer joined by asyncio.Queue, bounded and unbounded.

    /usr/bin/python3 examples/producer_consumer.py

With Queue() (no maxsize) a fast producer never waits: every item piles up in memory. With
Queue(maxsize=5) put() waits while the queue is full, so the producer runs at the consumer's
pace and at most 5 items are ever queued: that wait is the backpressure.
Expected output:
    unbounded: consumed 50 of 50 in order, at most 50 queued
    maxsize=5: consumed 50 of 50 in order, at most 5 queued
"""
import asyncio

async def run(maxsize: int) -> None:
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize)
    done: list[int] = []
    most = 0
    async def producer() -> None:
        nonlocal most
        for item in range(50):
            await queue.put(item)  # waits while a bounded queue is full
            most = max(most, queue.qsize())
        await queue.put(None)  # tells the consumer to stop
    async def consumer() -> None:
        while (item := await queue.get()) is not None:
            await asyncio.sleep(0.002)  # the slow part: handling one item
            done.append(item)
    await asyncio.gather(producer(), consumer())
    name = f"maxsize={maxsize}" if maxsize else "unbounded"
    print(f"{name}: consumed {len(done)} of 50 {'in order' if done == sorted(done) else 'OUT OF ORDER'}, "
          f"at most {most} queued")

asyncio.run(run(0))
asyncio.run(run(5))
