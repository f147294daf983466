"""The material's line-based chat server on asyncio streams, in three designs,
run as a child of bench (scenario `streams`, bench/scenarios/streams.cpp).

Every line a client sends is broadcast to every other client. The designs:
  drain_in_loop  for each client: write, then `await writer.drain()`, inside
                 the broadcast loop (the material's code): a client whose
                 buffers are full holds the loop, and with it every message
                 after it;
  no_drain       write without draining: nothing waits, the transport keeps
                 whatever the client has not taken (up to CAP bytes a client,
                 then that client is cut off, so a run stays bounded);
  bounded_queue  a queue of `queue_max` lines and a writer task per client;
                 a client whose queue is full is disconnected.
`iterate`: "set" walks the live set of clients (with an await inside the loop,
a join or leave meanwhile raises "Set changed size during iteration"), "copy"
walks a copy (the fix). Every such RuntimeError is counted, not hidden.

Protocol: argv[1] is the JSON config; the script prints one JSON line
{"ready": ..., "port": P} once listening, then, after bench writes "stop" on
stdin, one JSON line with its counters and its samples over time.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from collections.abc import Collection
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
MAX_SAMPLES = 6000


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class Member:
    """One connected client: its writer, and for bounded_queue its queue and writer task."""

    def __init__(self, writer: asyncio.StreamWriter, queue_max: int) -> None:
        self.writer = writer
        self.queue: asyncio.Queue[bytes] | None = asyncio.Queue(maxsize=queue_max) if queue_max else None
        self.queued_bytes = 0
        self.task: asyncio.Task[None] | None = None
        self.written_bytes = 0

    def backlog(self) -> int:
        """Bytes this server holds for the client: its queue plus its transport's buffer."""
        transport = self.writer.transport
        buffered = 0 if transport.is_closing() else transport.get_write_buffer_size()
        return self.queued_bytes + buffered


class ChatServer:
    def __init__(self, config: dict[str, Any]) -> None:
        self.design = config["design"]
        self.iterate = config.get("iterate", "copy")
        self.queue_max = int(config.get("queue_max", 64)) if self.design == "bounded_queue" else 0
        self.cap_bytes = int(config.get("cap_bytes", 256 << 20))
        self.sample_ms = float(config.get("sample_ms", 10))
        self.members: dict[asyncio.StreamWriter, Member] = {}  # the set the broadcast walks is its keys
        self.clients: set[asyncio.StreamWriter] = set()
        self.counts = dict(joined=0, left=0, lines_in=0, broadcasts=0, writes=0, set_errors=0,
                           write_errors=0, skipped_closing=0, dropped=0, capped=0)
        self.set_error_example = ""
        self.backlog_peak = 0        # the largest backlog of one client, checked at every write
        self.total_backlog_peak = 0  # the largest sum over clients, checked after every broadcast
        self.drain_wait_max_s = 0.0  # the longest single `await drain()` inside a broadcast
        self.drain_wait_sum_s = 0.0
        self.high_water: int | None = None
        self.sndbuf_max = 0
        self.sampler_start = time.monotonic()
        self.samples: dict[str, list[float]] = {"t_ms": [], "backlog_bytes": [], "backlog_max_bytes": [],
                                                "rss_bytes": []}

    # -- per-client bookkeeping --------------------------------------------------

    def note(self, member: Member) -> None:
        b = member.backlog()
        if b > self.backlog_peak:
            self.backlog_peak = b
        if self.design == "no_drain" and b > self.cap_bytes:
            # The cap keeps the run's memory bounded: the client is cut off and counted.
            self.counts["capped"] += 1
            self.drop(member)

    def total_backlog(self) -> int:
        return sum(m.backlog() for m in self.members.values())

    def drop(self, member: Member) -> None:
        if member.writer in self.members:
            del self.members[member.writer]
            self.clients.discard(member.writer)
            if member.task:
                member.task.cancel()
            member.writer.transport.abort()  # discards what it buffered

    # -- the three broadcasts ----------------------------------------------------

    def targets(self) -> Collection[asyncio.StreamWriter]:
        return self.clients if self.iterate == "set" else list(self.clients)

    async def broadcast_drain_in_loop(self, sender: asyncio.StreamWriter, line: bytes) -> None:
        for w in self.targets():
            if w is sender:
                continue
            m = self.members.get(w)
            if m is None or w.transport.is_closing():
                self.counts["skipped_closing"] += 1  # left during this broadcast
                continue
            try:
                w.write(line)
                m.written_bytes += len(line)
                self.counts["writes"] += 1
                self.note(m)
                start = time.monotonic()
                await w.drain()
                waited = time.monotonic() - start
                self.drain_wait_sum_s += waited
                self.drain_wait_max_s = max(self.drain_wait_max_s, waited)
            except ConnectionError:
                self.counts["write_errors"] += 1  # the client left while we wrote to it

    async def broadcast_no_drain(self, sender: asyncio.StreamWriter, line: bytes) -> None:
        for w in self.targets():
            if w is sender:
                continue
            m = self.members.get(w)
            if m is None or w.transport.is_closing():
                continue
            w.write(line)
            m.written_bytes += len(line)
            self.counts["writes"] += 1
            self.note(m)

    async def broadcast_bounded_queue(self, sender: asyncio.StreamWriter, line: bytes) -> None:
        for w in self.targets():
            if w is sender:
                continue
            m = self.members.get(w)
            if m is None:
                continue
            assert m.queue is not None  # bounded_queue: every member has one
            try:
                m.queue.put_nowait(line)
            except asyncio.QueueFull:
                self.counts["dropped"] += 1  # too slow: disconnected, its backlog freed
                self.drop(m)
                continue
            m.queued_bytes += len(line)
            self.note(m)

    async def writer_task(self, m: Member) -> None:
        assert m.queue is not None  # started for members with a queue only
        try:
            while True:
                line = await m.queue.get()
                m.queued_bytes -= len(line)
                m.writer.write(line)
                m.written_bytes += len(line)
                self.counts["writes"] += 1
                self.note(m)
                await m.writer.drain()
        except ConnectionError:
            self.counts["write_errors"] += 1

    # -- connections -----------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        m = Member(writer, self.queue_max)
        self.members[writer] = m
        self.clients.add(writer)
        self.counts["joined"] += 1
        if self.high_water is None:
            self.high_water = writer.transport.get_write_buffer_limits()[1]
        sock = writer.get_extra_info("socket")
        if sock is not None:
            self.sndbuf_max = max(self.sndbuf_max, sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))
        if m.queue is not None:
            m.task = asyncio.create_task(self.writer_task(m))
        broadcast = getattr(self, "broadcast_" + self.design)
        writer.write(b"hello\n")  # tells the client it is in the set
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                self.counts["lines_in"] += 1
                try:
                    await broadcast(writer, line)
                    self.counts["broadcasts"] += 1
                except RuntimeError as e:
                    # The material's bug: the set changed while the loop awaited. Its code lets
                    # this end the sender's connection; here it is counted and the next line goes on.
                    if "changed size during iteration" not in str(e):
                        raise
                    self.counts["set_errors"] += 1
                    self.set_error_example = str(e)
                total = self.total_backlog()
                if total > self.total_backlog_peak:
                    self.total_backlog_peak = total
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            self.counts["left"] += 1
            self.members.pop(writer, None)
            self.clients.discard(writer)
            if m.task:
                m.task.cancel()
            writer.close()

    async def sampler(self) -> None:
        start = self.sampler_start = time.monotonic()
        while len(self.samples["t_ms"]) < MAX_SAMPLES:
            self.samples["t_ms"].append(round((time.monotonic() - start) * 1000.0, 2))
            per_client = [m.backlog() for m in self.members.values()]
            self.samples["backlog_bytes"].append(sum(per_client))
            self.samples["backlog_max_bytes"].append(max(per_client, default=0))
            self.samples["rss_bytes"].append(rss_bytes())
            await asyncio.sleep(self.sample_ms / 1000.0)

    def report(self) -> dict[str, Any]:
        return dict(self.counts, design=self.design, iterate=self.iterate, queue_max=self.queue_max,
                    cap_bytes=self.cap_bytes, backlog_peak_bytes=self.backlog_peak,
                    total_backlog_peak_bytes=self.total_backlog_peak,
                    drain_wait_max_ms=self.drain_wait_max_s * 1000.0,
                    drain_wait_sum_ms=self.drain_wait_sum_s * 1000.0, high_water_bytes=self.high_water or 0,
                    sndbuf_max_bytes=self.sndbuf_max, rss_end_bytes=rss_bytes(),
                    sampler_start_monotonic_s=self.sampler_start, set_error_example=self.set_error_example,
                    samples=self.samples, python=sys.version.split()[0])


async def main(config: dict[str, Any]) -> None:
    chat = ChatServer(config)
    server = await asyncio.start_server(chat.handle, "127.0.0.1", 0, limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    sampler = asyncio.create_task(chat.sampler())
    started = time.monotonic()
    print(json.dumps({"ready": True, "port": port, "rss_bytes": rss_bytes()}), flush=True)
    # Bounded: bench says stop, or closes stdin, or the run's own ceiling passes.
    try:
        await asyncio.wait_for(stdin.readline(), timeout=float(config.get("max_s", 60)))
    except asyncio.TimeoutError:
        pass
    sampler.cancel()
    report = chat.report()
    report["server_s"] = time.monotonic() - started
    print(json.dumps(report), flush=True)
    server.close()
    for m in list(chat.members.values()):
        m.writer.transport.abort()


if __name__ == "__main__":
    cfg = json.loads(sys.argv[1])
    cpus = cfg.get("cpus")
    if cpus:
        try:
            os.sched_setaffinity(0, cpus)
        except OSError:
            pass
    asyncio.run(main(cfg))
