"""Fault injection for the emulator: added latency, random faults and scripted faults.

:class:`FaultMiddleware` is an ASGI middleware that sits in front of the API. For each
``/v2`` request it may

* wait ``latency_ms`` (+ uniform jitter) before passing the request on;
* answer with one of :data:`~connector.emulator.options.FAULT_KINDS` instead, chosen
  at random (per-kind rates plus ``fault_rate`` spread evenly over every kind) or by a
  scripted rule ("fail the next N requests matching this RPC / method / path");
* for a scripted rule only, answer ``lost_write``
  (:data:`~connector.emulator.options.SCRIPTED_ONLY_FAULT_KINDS`): 200 SUCCESS without
  applying the request, the state a client's read-back verification must catch.

Every random draw comes from one :class:`random.Random` seeded with
``options.random_seed`` (reseeded on reset), so a run is reproducible.
"""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
import logging
import random
import re
from collections.abc import Callable
from typing import Any

from connector.emulator.asgi import (
    FAULT_KEY,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    cut_connection,
    send_bytes,
    send_status_json,
)
from connector.emulator.options import FAULT_KINDS, SCRIPTED_ONLY_FAULT_KINDS, EmulatorOptions
from connector.emulator.routing import route_table
from connector.status_codes import StatusCode

__all__ = ["HTTP_VERBS", "FaultInjector", "FaultMiddleware", "ScriptedFault", "check_kind", "check_rpc"]

logger = logging.getLogger(__name__)

_PROXY_503_PAGE = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
    b"<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

#: The verbs a scripted fault's ``method`` may name.
HTTP_VERBS = ("GET", "POST", "PATCH", "PUT", "DELETE")


@dataclasses.dataclass
class ScriptedFault:
    """Fail the next ``remaining`` requests that match with ``kind``."""

    kind: str
    remaining: int
    rpc: str | None = None
    method: str | None = None
    path_regex: str | None = None
    retry_after: float | None = None

    def __post_init__(self) -> None:
        check_kind(self.kind, scripted=True)
        if self.remaining < 1:
            raise ValueError("count must be at least 1")
        for name in ("rpc", "method", "path_regex"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name} must be a non-empty string")
        if self.method:
            self.method = self.method.upper()
            if self.method not in HTTP_VERBS:
                raise ValueError(f"method must be an HTTP verb ({', '.join(HTTP_VERBS)}), got {self.method!r}")
        if self.path_regex:
            try:
                re.compile(self.path_regex)
            except re.error as exc:
                raise ValueError(f"path_regex {self.path_regex!r} is not a valid regular expression: {exc}") from None
        if self.rpc is not None:
            check_rpc(self.rpc)

    def matches(self, method: str, path: str, rpc: Callable[[], str | None]) -> bool:
        """Whether a request matches every filter given (``rpc()`` names its RPC)."""
        if self.method is not None and self.method != method.upper():
            return False
        if self.path_regex is not None and re.search(self.path_regex, path) is None:
            return False
        return not (self.rpc is not None and self.rpc != rpc())

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_rpc(name: str) -> str:
    """Return ``name`` if it is an official method of the V2 service (``ListDatasets``,
    ``PostDatasetVersions``, ...), else raise ValueError: a misspelled name would
    otherwise make a scripted fault that never fires."""
    methods = route_table().methods
    if name not in methods:
        close = difflib.get_close_matches(name, list(methods), n=3, cutoff=0.8)
        hint = f"; did you mean {', '.join(close)}?" if close else " (use the official method name, e.g. ListDatasets)"
        raise ValueError(f"unknown RPC {name!r}{hint}")
    return name


def check_kind(kind: str, *, scripted: bool = False) -> str:
    """Return ``kind`` if it is a known fault kind, else raise ValueError. ``scripted``
    also accepts the kinds only a scripted rule may inject (never drawn at random)."""
    allowed = FAULT_KINDS + SCRIPTED_ONLY_FAULT_KINDS if scripted else FAULT_KINDS
    if kind not in allowed:
        hint = " (a scripted fault only: POST /_emulator/faults/script)" if kind in SCRIPTED_ONLY_FAULT_KINDS else ""
        raise ValueError(f"unknown fault kind {kind!r}{hint}; expected one of {', '.join(allowed)}")
    return kind


class FaultInjector:
    """The fault settings of a running emulator and the decisions made from them.

    Latency, ``fault_rate``, ``hang_seconds`` and ``random_seed`` live on the emulator's
    options (so ``PATCH /_emulator/options`` and ``PUT /_emulator/faults`` agree);
    per-kind rates and scripted faults live here. Not thread-safe: used from the
    server's event loop only.
    """

    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.rates: dict[str, float] = dict.fromkeys(FAULT_KINDS, 0.0)
        self.scripted: list[ScriptedFault] = []
        self.rng = random.Random(options.random_seed)
        #: Set when the server is stopping, so held ("hang") requests end early.
        self.stopping: asyncio.Event | None = None

    def reset(self) -> None:
        """Forget per-kind rates and scripted faults; reseed the random generator."""
        self.rates = dict.fromkeys(FAULT_KINDS, 0.0)
        self.scripted.clear()
        self.rng.seed(self.options.random_seed)

    def settings(self) -> dict[str, Any]:
        """The current fault settings, as ``GET /_emulator/faults`` returns them."""
        return {
            "latency_ms": self.options.latency_ms,
            "latency_jitter_ms": self.options.latency_jitter_ms,
            "fault_rate": self.options.fault_rate,
            "hang_seconds": self.options.hang_seconds,
            "random_seed": self.options.random_seed,
            "rates": dict(self.rates),
            "scripted": [rule.as_dict() for rule in self.scripted],
        }

    def update(self, settings: dict[str, Any]) -> None:
        """Apply a partial settings dict (validated in full before anything changes).

        Accepts ``latency_ms``, ``latency_jitter_ms``, ``fault_rate``, ``hang_seconds``,
        ``random_seed`` (reseeds), ``rates`` ({kind: probability}) and, as a shortcut,
        a kind name as a key with its probability. Raises ValueError on bad input.
        """
        numbers: dict[str, float] = {}
        rates: dict[str, float] = {}
        seed: int | None = None
        for key, value in settings.items():
            if key in ("latency_ms", "latency_jitter_ms", "hang_seconds", "fault_rate"):
                numbers[key] = _non_negative(key, value)
            elif key == "random_seed":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError("random_seed must be an integer")
                seed = value
            elif key == "rates":
                if not isinstance(value, dict):
                    raise ValueError("rates must be an object {kind: probability}")
                for kind, rate in value.items():
                    rates[check_kind(kind)] = _probability(kind, rate)
            elif key in FAULT_KINDS or key in SCRIPTED_ONLY_FAULT_KINDS:
                rates[check_kind(key)] = _probability(key, value)
            else:
                raise ValueError(f"unknown fault setting {key!r}")
        if "fault_rate" in numbers:
            _probability("fault_rate", numbers["fault_rate"])
        for key, value in numbers.items():
            setattr(self.options, key, value)
        self.rates.update(rates)
        if seed is not None:
            self.options.random_seed = seed
            self.rng.seed(seed)

    def add_script(self, rule: ScriptedFault) -> None:
        self.scripted.append(rule)

    # -- decisions ------------------------------------------------------------------
    def pick(self, method: str, path: str, rpc: Callable[[], str | None]) -> tuple[str, float | None] | None:
        """The fault to inject into this request (kind, Retry-After) or None.

        Scripted rules are consulted first, in the order they were added, and each
        match uses up one of its count. Random faults draw once per request (only when
        some rate is set, so turning faults on does not shift other random draws).
        ``rpc()`` is called only when a rule filters on the RPC name.
        """
        for rule in self.scripted:
            if rule.matches(method, path, rpc):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.scripted.remove(rule)
                return rule.kind, rule.retry_after
        share = self.options.fault_rate / len(FAULT_KINDS)
        weights = [(kind, self.rates.get(kind, 0.0) + share) for kind in FAULT_KINDS]
        if not any(weight > 0 for _, weight in weights):
            return None
        draw = self.rng.random()
        total = sum(weight for _, weight in weights)
        if draw >= total:
            return None
        cumulative = 0.0
        for kind, weight in weights:
            cumulative += weight
            if draw < cumulative:
                return kind, None
        last = [kind for kind, weight in weights if weight > 0][-1]  # rounding at total ~ 1
        return last, None

    def latency_seconds(self) -> float:
        base = self.options.latency_ms
        jitter = self.options.latency_jitter_ms
        if base <= 0 and jitter <= 0:
            return 0.0
        extra = self.rng.uniform(0.0, jitter) if jitter > 0 else 0.0
        return max(0.0, base + extra) / 1000.0


def _non_negative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return float(value)


def _probability(name: str, value: Any) -> float:
    number = _non_negative(name, value)
    if number > 1:
        raise ValueError(f"{name} is a probability and must be between 0 and 1")
    return number


class FaultMiddleware:
    """ASGI middleware applying :class:`FaultInjector` decisions, then latency.

    ``rpc_of(method, path)`` names the RPC a request is for (for scripted rules).
    The kind injected is recorded in ``scope["emulator.fault"]`` for the request log.
    """

    def __init__(self, app: ASGIApp, injector: FaultInjector, rpc_of: Callable[[str, str], str | None]) -> None:
        self.app = app
        self.injector = injector
        self.rpc_of = rpc_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        decision = self.injector.pick(method, path, lambda: self.rpc_of(method, path))
        scope[FAULT_KEY] = decision[0] if decision else None
        delay = self.injector.latency_seconds()
        if decision is not None:
            kind, retry_after = decision
            logger.debug("injecting fault %s into %s %s", kind, method, path)
            await self._inject(kind, retry_after, scope, receive, send, delay)
            return
        if delay:
            await asyncio.sleep(delay)
        await self.app(scope, receive, send)

    async def _inject(
        self, kind: str, retry_after: float | None, scope: Scope, receive: Receive, send: Send, delay: float
    ) -> None:
        options = self.injector.options
        if delay:
            await asyncio.sleep(delay)
        if kind == "http_503_html":
            await send_bytes(send, 503, _PROXY_503_PAGE, "text/html")
        elif kind == "http_500_internal":
            await send_status_json(
                send,
                500,
                StatusCode.INTERNAL_SERVER_ISSUE,
                "Internal server issue (injected by the emulator)",
                names=options.status_as_names,
            )
        elif kind == "http_429":
            headers = []
            if retry_after is not None:
                headers.append((b"retry-after", _format_seconds(retry_after).encode()))
            await send_status_json(
                send,
                429,
                StatusCode.CONN_THROTTLED,
                "Making too many requests (injected by the emulator)",
                names=options.status_as_names,
                headers=headers,
            )
        elif kind == "reset":
            await cut_connection(scope, send)
        elif kind == "hang":
            await self._hang(scope, receive, send)
        elif kind == "applied_then_dropped":
            await self._applied_then_dropped(scope, receive, send)
        elif kind == "lost_write":
            # The request never reaches the API: nothing is applied, yet the answer is
            # a plain success (a bare status is a valid answer of every method).
            await send_status_json(send, 200, StatusCode.SUCCESS, "Ok", names=options.status_as_names)
        else:  # pragma: no cover - check_kind guards every way in
            raise ValueError(kind)

    async def _hang(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the request ``hang_seconds``, then serve it, unless the client gives up
        (disconnects) or the server stops first, in which case nothing is applied."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                break
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(asyncio.sleep(self.injector.options.hang_seconds))]
        disconnect = asyncio.ensure_future(receive())
        waiters.append(disconnect)
        if self.injector.stopping is not None:
            waiters.append(asyncio.ensure_future(self.injector.stopping.wait()))
        try:
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
        if waiters[0] not in done:
            await cut_connection(scope, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _applied_then_dropped(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the API in full (so a write commits), discard its answer, cut the line."""

        async def discard(message: Message) -> None:
            return None

        await self.app(scope, receive, discard)
        await cut_connection(scope, send)


def _format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
