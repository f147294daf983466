"""A UDP echo server on asyncio.DatagramProtocol, and a client that checks the echoes.

    /usr/bin/python3 examples/udp_echo.py

The server's protocol class derives from asyncio.DatagramProtocol (the base class gives the
callbacks it does not override, such as error_received) and answers each datagram in
datagram_received. UDP keeps message boundaries: five sends arrive as five datagrams.
Expected output:
    echoed 5 of 5 datagrams, boundaries kept: True
"""
import asyncio

class EchoServer(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport
    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)  # no await: sendto queues the datagram

class EchoClient(asyncio.DatagramProtocol):
    def __init__(self):
        self.replies = asyncio.Queue()
    def datagram_received(self, data, addr):
        self.replies.put_nowait(data)

async def main():
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(EchoServer, local_addr=("127.0.0.1", 0))
    client, protocol = await loop.create_datagram_endpoint(
        EchoClient, remote_addr=server.get_extra_info("sockname"))
    sent = [f"message {i}".encode() for i in range(5)]
    for message in sent:
        client.sendto(message)
    async with asyncio.timeout(2):  # UDP may drop datagrams: never wait forever
        got = [await protocol.replies.get() for _ in sent]
    print(f"echoed {len(got)} of {len(sent)} datagrams, boundaries kept: {sorted(got) == sent}")
    client.close(); server.close()

asyncio.run(main())
