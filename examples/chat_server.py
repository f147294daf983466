"""A line-based chat server whose broadcast survives a reader that stops reading.

    /usr/bin/python3 examples/chat_server.py

The usual version awaits drain() for each client inside the broadcast loop: one client that
stops reading stalls every broadcast, and iterating the live client set while awaiting fails
when someone joins or leaves. Here the broadcast never awaits: it writes into each client's
buffer and drops a client that has fallen more than LIMIT bytes behind, over a copy of the set.
The demo runs the server, a fast reader, a reader that never reads, and a sender of 10,000
lines of 1,000 bytes.
Expected output:
    fast reader got 10000 of 10000 lines
    slow reader dropped, and only it: True
"""
import asyncio, socket
N = 10_000  # 10 MB: more than the kernel buffers a stalled reader can absorb
LIMIT = 1024 * 1024  # bytes a client may fall behind before it is dropped
clients, dropped = set(), []

def broadcast(line, sender):
    for writer in list(clients):  # a copy: clients join and leave while we loop
        if writer is sender:
            continue
        if writer.transport.get_write_buffer_size() > LIMIT:  # too slow: drop it, never wait for it
            clients.discard(writer); dropped.append(writer); writer.transport.abort()
        else:
            writer.write(line)

async def handle(reader, writer):
    clients.add(writer)
    try:
        while line := await reader.readline():
            broadcast(line, writer)
    finally:
        clients.discard(writer); writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    address = server.sockets[0].getsockname()
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, soon full
    slow.connect(address)  # connected, never reads
    fast, _ = await asyncio.open_connection(*address)
    _, sender = await asyncio.open_connection(*address)
    while len(clients) < 3:
        await asyncio.sleep(0.01)
    async def read_all():  # the fast reader keeps reading while the sender sends
        return sum([len(await fast.readline()) == 1000 for _ in range(N)])
    reading = asyncio.create_task(read_all())
    for _ in range(N):
        sender.write(b"x" * 999 + b"\n"); await sender.drain()
    got = await asyncio.wait_for(reading, 10)
    slow_dropped = [w.get_extra_info("peername") for w in dropped] == [slow.getsockname()]
    print(f"fast reader got {got} of {N} lines\nslow reader dropped, and only it: {slow_dropped}")

asyncio.run(main())
