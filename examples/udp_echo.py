"""A UDP echo server on asyncio.DatagramProtocol, and a client that checks the echoes and the errors.

    /usr/bin/python3 examples/udp_echo.py

Both protocol classes derive from asyncio.DatagramProtocol: the base class supplies every callback
a class does not override. Without it, the loop's own calls fail: transport.close() calls
connection_lost, and an ICMP error calls error_received, each an AttributeError the loop logs.
The server answers each datagram in datagram_received. The client overrides error_received to
hear of a datagram sent to a closed port (the ICMP port-unreachable comes back to a connected UDP
socket as ConnectionRefusedError). UDP keeps message boundaries, and may drop datagrams: the
client waits with a timeout, never forever.
Expected output:
    echoed 5 of 5 datagrams, boundaries kept: True
    a datagram to a closed port: error_received(ConnectionRefusedError)
"""
import asyncio
import socket
from typing import cast


class EchoServer(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(data, addr)  # no await: sendto queues the datagram


class EchoClient(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()
        self.errors: asyncio.Queue[Exception] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.replies.put_nowait(data)

    def error_received(self, exc: Exception) -> None:  # e.g. ConnectionRefusedError: nobody listens at the address
        self.errors.put_nowait(exc)


def closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free again once closed: nobody listens there


async def main() -> None:
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(EchoServer, local_addr=("127.0.0.1", 0))
    client, protocol = await loop.create_datagram_endpoint(
        EchoClient, remote_addr=server.get_extra_info("sockname"))
    try:
        sent = [f"message {i}".encode() for i in range(5)]
        for message in sent:
            client.sendto(message)
        async with asyncio.timeout(2):  # UDP may drop datagrams: never wait forever
            got = [await protocol.replies.get() for _ in sent]
        print(f"echoed {len(got)} of {len(sent)} datagrams, boundaries kept: {sorted(got) == sent}")
    finally:
        client.close()
        server.close()

    nowhere, protocol = await loop.create_datagram_endpoint(EchoClient, remote_addr=("127.0.0.1", closed_udp_port()))
    try:
        nowhere.sendto(b"anyone?")
        async with asyncio.timeout(2):
            error = await protocol.errors.get()
        print(f"a datagram to a closed port: error_received({type(error).__name__})")
    finally:
        nowhere.close()


asyncio.run(main())
