"""UDP echo over loopback with asyncio's DatagramProtocol, as a child of bench
(scenario `streams`, bench/scenarios/streams.cpp). Two roles, two processes:

  server  echoes every datagram back to its sender, counting what it got and
          sent; prints {"ready": ..., "port": P}, then its counts after bench
          writes "stop" on stdin;
  client  keeps `window` datagrams in flight for `duration_ms`: each reply
          (checked: same size, same sequence number) frees a slot for the next
          datagram; a slot whose datagram has no reply after `timeout_ms` is
          freed too (the datagram is counted as timed out; a reply that comes
          later still counts as received). After the sending period it waits
          `grace_ms` for stragglers, then prints one JSON line: sent,
          received, lost = sent - received, round trips per second.

Sequence numbers tell replies apart; a reply of the wrong size or with an
unknown number is counted as `corrupt`, never as received.
"""
from __future__ import annotations

import asyncio
import json
import os
import struct
import sys
import time
from typing import Any, cast

Address = tuple[str | Any, int]  # a datagram's address, as typeshed's DatagramProtocol has it

HEADER = struct.Struct("!Q")


class EchoServer(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received = 0
        self.sent = 0
        self.send_errors = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.received += 1
        try:
            self.transport.sendto(data, addr)
            self.sent += 1
        except OSError:
            self.send_errors += 1

    def error_received(self, exc: Exception) -> None:
        self.send_errors += 1


class EchoClient(asyncio.DatagramProtocol):
    def __init__(self, config: dict[str, Any]) -> None:
        self.size = int(config["bytes"])
        self.window = int(config["window"])
        self.timeout_s = float(config.get("timeout_ms", 100)) / 1000.0
        self.pad = b"x" * (self.size - HEADER.size)
        self.sending = True
        self.next_seq = 0
        self.outstanding: dict[int, float] = {}  # seq -> send time, for the slots still waiting
        self.replied: set[int] = set()
        self.counts = dict(sent=0, received=0, corrupt=0, timed_out=0, send_errors=0)
        self.rtt_us: list[float] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # a datagram endpoint's

    def send_one(self) -> None:
        seq = self.next_seq
        self.next_seq += 1
        try:
            self.transport.sendto(HEADER.pack(seq) + self.pad)
        except OSError:
            self.counts["send_errors"] += 1
            return
        self.counts["sent"] += 1
        self.outstanding[seq] = time.monotonic()

    def fill(self) -> None:
        while self.sending and len(self.outstanding) < self.window:
            self.send_one()

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if len(data) != self.size:
            self.counts["corrupt"] += 1
            return
        (seq,) = HEADER.unpack_from(data)
        if seq >= self.next_seq or seq in self.replied:
            self.counts["corrupt"] += 1
            return
        self.replied.add(seq)
        self.counts["received"] += 1
        sent_at = self.outstanding.pop(seq, None)
        if sent_at is not None and len(self.rtt_us) < 200000:
            self.rtt_us.append((time.monotonic() - sent_at) * 1e6)
        self.fill()

    def error_received(self, exc: Exception) -> None:
        self.counts["send_errors"] += 1

    def expire(self) -> None:
        now = time.monotonic()
        late = [s for s, t in self.outstanding.items() if now - t > self.timeout_s]
        for s in late:
            del self.outstanding[s]
        self.counts["timed_out"] += len(late)
        self.fill()


async def serve(config: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(EchoServer, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    print(json.dumps({"ready": True, "port": port}), flush=True)
    try:
        await asyncio.wait_for(stdin.readline(), timeout=float(config.get("max_s", 60)))
    except asyncio.TimeoutError:
        pass
    print(json.dumps({"received": proto.received, "sent": proto.sent, "send_errors": proto.send_errors}),
          flush=True)
    transport.close()


async def run_client(config: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(
        lambda: EchoClient(config), remote_addr=("127.0.0.1", int(config["port"])))
    cpu0 = time.process_time()
    start = time.monotonic()
    end = start + float(config["duration_ms"]) / 1000.0
    proto.fill()
    while time.monotonic() < end:
        await asyncio.sleep(0.005)
        proto.expire()
    proto.sending = False
    sending_s = time.monotonic() - start
    received_while_sending = proto.counts["received"]
    await asyncio.sleep(float(config.get("grace_ms", 200)) / 1000.0)
    transport.close()
    c = proto.counts
    rtt = sorted(proto.rtt_us)
    pct = lambda q: rtt[min(len(rtt) - 1, int(q / 100.0 * len(rtt)))] if rtt else None  # noqa: E731
    print(json.dumps(dict(c, lost=c["sent"] - c["received"], sending_s=sending_s,
                          received_while_sending=received_while_sending,
                          round_trips_per_s=received_while_sending / sending_s if sending_s > 0 else 0,
                          rtt_p50_us=pct(50), rtt_p99_us=pct(99), cpu_s=time.process_time() - cpu0,
                          python=sys.version.split()[0])), flush=True)


if __name__ == "__main__":
    cfg = json.loads(sys.argv[1])
    if cfg.get("cpus"):
        try:
            os.sched_setaffinity(0, cfg["cpus"])
        except OSError:
            pass
    asyncio.run(serve(cfg) if cfg["role"] == "server" else run_client(cfg))
