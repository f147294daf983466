"""Read files concurrently from asyncio, the way aiofiles does it: on a thread pool.

    /usr/bin/python3 examples/read_files.py

Linux has no non-blocking read for regular files (a read blocks in the kernel; only io_uring
offers more), so aiofiles hands each call to the loop's default executor, a thread pool of
min(32, cpus + 4) threads. This example uses asyncio.to_thread, the same mechanism with no
package to install; the files scenario measures aiofiles itself (python3-aiofiles). The loop
stays free; the reads run on worker threads.
Expected output (threads used varies between 1 and the pool size; 6 on 2 CPUs):
    read 8 files, same bytes as one by one: True
    reads on worker threads: True (2 used; pool size min(32, cpus + 4) = 6)
"""
import asyncio, os, tempfile, threading

def read(path: str, threads: set[int]) -> bytes:
    threads.add(threading.get_ident())  # which thread did the blocking read
    with open(path, "rb") as f:
        return f.read()

async def main(paths: list[str], one_by_one: list[bytes]) -> None:
    threads: set[int] = set()
    together = await asyncio.gather(*(asyncio.to_thread(read, p, threads) for p in paths))
    print(f"read {len(paths)} files, same bytes as one by one: {together == one_by_one}")
    off_loop = threading.get_ident() not in threads
    print(f"reads on worker threads: {off_loop} ({len(threads)} used; pool size min(32, cpus + 4) = "
          f"{min(32, (os.cpu_count() or 1) + 4)})")

with tempfile.TemporaryDirectory() as tmp:
    paths = [os.path.join(tmp, f"file{i}") for i in range(8)]
    for p in paths:
        with open(p, "wb") as f:
            f.write(os.urandom(1 << 20))
    one_by_one = [read(p, set()) for p in paths]  # the reference, read before the loop starts
    asyncio.run(main(paths, one_by_one))
