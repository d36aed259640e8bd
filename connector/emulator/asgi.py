"""ASGI plumbing shared by the emulator's middlewares and apps: the callable types, the
scope keys they pass information through, and whole-response senders.

Scope keys (all set on ``/v2`` requests):

* :data:`RAW_SEND_KEY` the server's own ``send`` (set by the outermost app);
* :data:`FAULT_KEY` the fault kind injected, or None (fault middleware);
* :data:`RPC_KEY`, :data:`MUTATED_KEY`, :data:`ANSWERED_KEY` the official method
  name, whether the data changed, and that the API answered (and, in validate mode,
  checked) the request itself (the API).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from connector.emulator.wire import status_body
from connector.status_codes import StatusCode

__all__ = [
    "ANSWERED_KEY",
    "FAULT_KEY",
    "MUTATED_KEY",
    "RAW_SEND_KEY",
    "RPC_KEY",
    "ASGIApp",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "cut_connection",
    "send_bytes",
    "send_status_json",
]

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

RAW_SEND_KEY = "emulator.raw_send"
FAULT_KEY = "emulator.fault"
RPC_KEY = "emulator.rpc"
MUTATED_KEY = "emulator.mutated"
ANSWERED_KEY = "emulator.answered"


async def send_bytes(
    send: Send, status: int, body: bytes, content_type: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Send a complete response."""
    raw_headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_status_json(
    send: Send,
    http_status: int,
    code: StatusCode,
    description: str,
    *,
    names: bool,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Send a Clarifai-style JSON status answer (code as a number, or its name)."""
    await send_bytes(send, http_status, status_body(code, description, names=names), "application/json", headers)


async def cut_connection(scope: Scope, send: Send) -> None:
    """Close the client's connection at once, without sending any (further) byte.

    uvicorn hands the application a bound ``send`` method of its request/response cycle,
    which holds the connection's transport (both the h11 and the httptools protocols).
    ``abort()`` drops the socket; the cycle is then marked disconnected so the server
    does not try to answer the request itself. Without such a transport (another
    server), the fallback starts a response that promises a body and never sends it,
    then ends the request; the server closes the connection mid-response.
    """
    cycle = getattr(scope.get(RAW_SEND_KEY, send), "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
        # connection_lost runs on a later loop iteration; mark the cycle ourselves so the
        # server neither logs nor tries to write a 500 to the dead socket.
        if cycle is not None and hasattr(cycle, "disconnected"):
            cycle.disconnected = True
        for _ in range(3):
            await asyncio.sleep(0)
        return
    logger.debug("no transport to abort; cutting the response short instead")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000000")]})
    raise ConnectionAbortedError("emulator fault: connection cut")
