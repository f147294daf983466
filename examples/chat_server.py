"""A line-based chat server whose broadcast survives a reader that stops reading and one that resets.

    /usr/bin/python3 examples/chat_server.py

The usual version awaits drain() for each client inside the broadcast loop: one client that
stops reading stalls every broadcast; a client that resets makes drain() raise
ConnectionResetError in the *sender's* handler, which ends the sender's session; and iterating
the live client set while awaiting fails when someone joins or leaves. Here the broadcast never
awaits: it writes into each client's buffer, over a copy of the set, skips connections already
closing, and drops a client that has fallen more than LIMIT bytes behind. Each handler catches
the reset of its own client, and closes its writer with close() + wait_closed().
The demo runs the server, a fast reader, a reader that never reads, a client that resets in the
middle, and a sender of 10,000 lines of 1,000 bytes.
Expected output:
    fast reader got 10000 of 10000 lines
    slow reader dropped, and only it: True
    client that reset mid-stream: its handler caught ConnectionResetError: True
"""
import asyncio
import contextlib
import socket
import struct

N = 10_000  # 10 MB: more than the kernel buffers a stalled reader can absorb
LIMIT = 1024 * 1024  # bytes a client may fall behind before it is dropped
clients: set[asyncio.StreamWriter] = set()
dropped: list[asyncio.StreamWriter] = []
resets_seen: list[tuple[tuple[str, int], str]] = []  # (peer, exception class)


def broadcast(line: bytes, sender: asyncio.StreamWriter) -> None:
    for writer in list(clients):  # a copy: clients join and leave while we loop
        if writer is sender or writer.is_closing():
            continue
        if writer.transport.get_write_buffer_size() > LIMIT:  # too slow: drop it, never wait for it
            clients.discard(writer)
            dropped.append(writer)
            writer.transport.abort()
        else:
            writer.write(line)  # no drain(): a slow or vanished client cannot stall the sender


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError):  # wait_closed() re-raises a reset the connection saw
        await writer.wait_closed()


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    clients.add(writer)
    try:
        while line := await reader.readline():
            broadcast(line, writer)
    except ConnectionError as error:  # a reset (ConnectionResetError): the client vanished, not the server
        resets_seen.append((writer.get_extra_info("peername"), type(error).__name__))
    finally:
        clients.discard(writer)
        await close(writer)


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:  # closes the listening socket on the way out
        address = server.sockets[0].getsockname()
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, soon full
        slow.setblocking(False)
        await asyncio.get_running_loop().sock_connect(slow, address)  # connected, never reads
        fast, fast_writer = await asyncio.open_connection(*address)
        vanishing, vanishing_writer = await asyncio.open_connection(*address)
        _, sender = await asyncio.open_connection(*address)
        while len(clients) < 4:
            await asyncio.sleep(0.01)

        async def read_all() -> int:  # the fast reader keeps reading while the sender sends
            return sum([len(await fast.readline()) == 1000 for _ in range(N)])

        async def read_then_reset() -> tuple[str, int]:  # reads a while, then vanishes the way a crashed client does
            for _ in range(100):
                await vanishing.readline()
            vanishing_socket = vanishing_writer.get_extra_info("socket")
            reset_from = vanishing_socket.getsockname()
            vanishing_socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            vanishing_writer.transport.abort()  # SO_LINGER 0: the close sends RST, not FIN
            return reset_from

        reading = asyncio.create_task(read_all())
        resetting = asyncio.create_task(read_then_reset())
        for _ in range(N):
            sender.write(b"x" * 999 + b"\n")
            await sender.drain()
        got = await asyncio.wait_for(reading, 10)
        reset_from = await resetting
        async with asyncio.timeout(5):
            while len(clients) > 2:  # the server sees the reset a moment after it is sent
                await asyncio.sleep(0.01)
        slow_dropped = [w.get_extra_info("peername") for w in dropped] == [slow.getsockname()]
        print(f"fast reader got {got} of {N} lines")
        print(f"slow reader dropped, and only it: {slow_dropped}")
        print(f"client that reset mid-stream: its handler caught "
              f"{', '.join(name for peer, name in resets_seen if peer == reset_from) or 'nothing'}: "
              f"{[peer for peer, _ in resets_seen] == [reset_from]}")
        slow.close()
        await close(fast_writer)
        await close(sender)


asyncio.run(main())
