"""The clients' own connections send small requests at once: Nagle's algorithm is off on
every connection they open. httpcore sets TCP_NODELAY on the sockets of the sync client
and asyncio on those of the async one, so the connector sets no socket option itself;
these tests pin that the dependencies keep doing so (a POST's headers and body go out
as two writes, and with Nagle on the second would wait for the server's delayed ACK)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from connector.aio import AsyncClarifaiClient
from connector.client import ClarifaiClient


def _nodelay(response: Any) -> int:
    stream = response.extensions["network_stream"]
    sock = stream.get_extra_info("socket")
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_the_sync_clients_connections_have_nagle_off(client_config, emulator):
    seen: list[int] = []
    with ClarifaiClient(client_config, event_hooks={"response": [lambda r: seen.append(_nodelay(r))]}) as c:
        c.post_datasets([{"id": "nodelay"}])
        c.get_dataset("nodelay")
    assert seen and all(seen), seen


def test_the_async_clients_connections_have_nagle_off(client_config, emulator):
    seen: list[int] = []

    async def hook(response: Any) -> None:
        seen.append(_nodelay(response))

    async def main() -> None:
        async with AsyncClarifaiClient(client_config, event_hooks={"response": [hook]}) as c:
            await c.post_datasets([{"id": "nodelay-async"}])
            await c.get_dataset("nodelay-async")

    asyncio.run(main())
    assert seen and all(seen), seen
