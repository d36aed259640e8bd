"""The request log: one entry per ``/v2`` request (what was asked, what was answered,
whether it changed data, which fault was injected), read through the admin API."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

from connector.emulator.asgi import FAULT_KEY, MUTATED_KEY, RPC_KEY, ASGIApp, Message, Receive, Scope, Send
from connector.emulator.wire import body_code

__all__ = ["RequestLog", "RequestLogMiddleware"]


class RequestLog:
    """The last ``size`` finished ``/v2`` requests, each a plain dict, listed in the order
    they arrived (``seq``). Thread-safe."""

    def __init__(self, size: int) -> None:
        self._entries: collections.deque[dict[str, Any]] = collections.deque(maxlen=max(1, int(size)))
        self._seq = 0
        self._lock = threading.Lock()

    def next_seq(self) -> int:
        """Number a request as it arrives (entries are ordered by arrival)."""
        with self._lock:
            self._seq += 1
            return self._seq

    def append(self, entry: dict[str, Any]) -> None:
        """Add a finished request's entry (``entry["seq"]`` from :meth:`next_seq`)."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, mutated: bool | None = None, since: int | None = None) -> list[dict[str, Any]]:
        """Entries in arrival order; a request still being served is not listed yet."""
        with self._lock:
            items = sorted(self._entries, key=lambda e: int(e["seq"]))
        if since is not None:
            items = [e for e in items if e["seq"] > since]
        if mutated is not None:
            items = [e for e in items if e["mutated"] is mutated]
        return items

    def clear(self, size: int | None = None) -> None:
        """Forget every entry (the sequence keeps counting up); ``size`` changes how many
        are kept."""
        with self._lock:
            if size is not None and size != self._entries.maxlen:
                self._entries = collections.deque(maxlen=max(1, int(size)))
            else:
                self._entries.clear()


#: ``check(scope, http_status, content_type, body)``: called for every answered request.
AnswerCheck = Callable[[Scope, int, bytes, bytes], None]


class RequestLogMiddleware:
    """Record one entry per request: what was asked, what was answered, what changed."""

    def __init__(
        self,
        app: ASGIApp,
        log: RequestLog,
        rpc_of: Callable[[str, str], str | None],
        check: AnswerCheck | None = None,
    ) -> None:
        self.app = app
        self.log = log
        self.rpc_of = rpc_of
        self.check = check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.time()
        seq = self.log.next_seq()
        http_status: int | None = None
        content_type = b""
        chunks: list[bytes] = []

        async def recording_send(message: Message) -> None:
            nonlocal http_status, content_type
            if message["type"] == "http.response.start":
                http_status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value
            elif message["type"] == "http.response.body" and b"json" in content_type:
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            body = b"".join(chunks)
            code = body_code(body) if chunks else None
            if self.check is not None and http_status is not None:
                self.check(scope, http_status, content_type, body)
            self.log.append(
                {
                    "seq": seq,
                    "time": started,
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "rpc": scope.get(RPC_KEY) or self.rpc_of(scope["method"], scope["path"]),
                    "http_status": http_status,
                    "code": code,
                    "mutated": bool(scope.get(MUTATED_KEY, False)),
                    "fault": scope.get(FAULT_KEY),
                }
            )
