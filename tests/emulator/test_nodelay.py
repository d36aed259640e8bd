"""The emulator's connections send small answers at once: Nagle's algorithm is off on every
accepted connection (asyncio disables it only when the listening socket says TCP)."""

from __future__ import annotations

import asyncio
import socket

from connector.emulator.server import bind_socket


def _nodelay_of_an_accepted_connection(sock: socket.socket) -> int:
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            raw = transport.get_extra_info("socket")
            seen.append(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Probe, sock=sock)
        host, port = sock.getsockname()[:2]
        _reader, writer = await asyncio.open_connection(host, port)
        for _ in range(200):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    return seen[0]


def test_accepted_connections_have_nagle_off() -> None:
    assert _nodelay_of_an_accepted_connection(bind_socket("127.0.0.1", 0)) != 0


def test_a_socket_without_the_tcp_protocol_would_keep_nagle_on() -> None:
    """Why bind_socket names the protocol: the default socket() leaves Nagle on."""
    plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    plain.bind(("127.0.0.1", 0))
    plain.listen(8)
    assert _nodelay_of_an_accepted_connection(plain) == 0
