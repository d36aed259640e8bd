"""The emulator's ASGI application and its uvicorn runner.

``create_app`` composes, for every ``/v2`` request::

    request log -> rate limiter -> fault injection (+ latency) -> the API

and serves the admin API at ``/_emulator/...`` beside it (never rate limited, faulted
or logged). ``run`` serves the app with uvicorn and prints where it listens.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import logging
import re
import socket
import sys
import threading
import time
from typing import Any

from connector.emulator.faults import (
    FAULT_SCOPE_KEY,
    RAW_SEND_SCOPE_KEY,
    ASGIApp,
    FaultInjector,
    FaultMiddleware,
    Message,
    Receive,
    Scope,
    Send,
    send_status_json,
)
from connector.emulator.options import DEV_PAT, EmulatorOptions
from connector.emulator.routing import route_table, validate_status_body

logger = logging.getLogger(__name__)

#: Options that cannot change while the server runs.
FIXED_OPTIONS = frozenset({"host", "port"})

#: Scope key the API sets on requests it answered itself (and checked, in validate mode).
API_ANSWERED_SCOPE_KEY = "emulator.answered"

_STATUS_CODE_RE = re.compile(rb'"status"\s*:\s*\{\s*"code"\s*:\s*("?)([A-Z0-9_]+)\1')


def _option_types() -> dict[str, str]:
    return {field.name: str(field.type) for field in dataclasses.fields(EmulatorOptions)}


def _checked_option(key: str, kind: str, value: Any) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"option {key!r} must be true or false")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"option {key!r} must be a number")
        if value < 0:
            raise ValueError(f"option {key!r} must not be negative")
        if kind == "int":
            if not float(value).is_integer():
                raise ValueError(f"option {key!r} must be a whole number")
            return int(value)
        return float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"option {key!r} must be a string")
        return value
    if kind.startswith("dict"):
        if not isinstance(value, dict):
            raise ValueError(f"option {key!r} must be an object")
        return value
    return value


def apply_options(options: EmulatorOptions, changes: dict[str, Any]) -> None:
    """Set ``changes`` on ``options`` after checking every name and type (all or nothing).

    Raises ValueError for an unknown or fixed field or a value of the wrong type.
    """
    types = _option_types()
    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in types:
            raise ValueError(f"unknown emulator option {key!r}")
        if key in FIXED_OPTIONS:
            raise ValueError(f"option {key!r} cannot change while the emulator runs")
        checked[key] = _checked_option(key, types[key], value)
    if "pat" in checked and not checked["pat"].strip():
        raise ValueError("option 'pat' must not be empty")
    if "extra_pats" in checked and not all(
        isinstance(k, str) and k and isinstance(v, list) and all(isinstance(a, str) for a in v)
        for k, v in checked["extra_pats"].items()
    ):
        raise ValueError("option 'extra_pats' must be an object {pat: [app ids]} ([] = every app)")
    if "request_log_size" in checked and checked["request_log_size"] < 1:
        raise ValueError("option 'request_log_size' must be at least 1")
    if "fault_rate" in checked and checked["fault_rate"] > 1:
        raise ValueError("fault_rate is a probability and must be between 0 and 1")
    if "seed" in checked and checked["seed"] not in ("demo", "empty"):
        raise ValueError("seed must be 'demo' or 'empty'")
    for key, value in checked.items():
        setattr(options, key, value)


# -- request log ---------------------------------------------------------------------
class RequestLog:
    """The last ``size`` finished ``/v2`` requests, each a plain dict, listed in the order
    they arrived (``seq``)."""

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
            items = sorted(self._entries, key=lambda e: e["seq"])
        if since is not None:
            items = [e for e in items if e["seq"] > since]
        if mutated is not None:
            items = [e for e in items if e["mutated"] is mutated]
        return items

    def clear(self, size: int | None = None) -> None:
        """Forget every entry (the sequence keeps counting up)."""
        with self._lock:
            if size is not None and size != self._entries.maxlen:
                self._entries = collections.deque(maxlen=max(1, int(size)))
            else:
                self._entries.clear()


def _body_code(body: bytes) -> int | str | None:
    """The ``status.code`` of a JSON response body (int or name), if it has one."""
    match = _STATUS_CODE_RE.search(body[:512])
    if match:
        text = match.group(2).decode()
        return int(text) if text.isdigit() else text
    try:
        data = json.loads(body)
    except ValueError:
        return None
    status = data.get("status") if isinstance(data, dict) else None
    return status.get("code") if isinstance(status, dict) else None


class RequestLogMiddleware:
    """Record one entry per request: what was asked, what was answered, what changed."""

    def __init__(self, app: ASGIApp, log: RequestLog, rpc_of: Any, check: Any = None) -> None:
        self.app = app
        self.log = log
        self.rpc_of = rpc_of
        #: ``check(scope, http_status, content_type, body)``, called for every answered request.
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
            code = _body_code(body) if chunks else None
            if self.check is not None and http_status is not None:
                self.check(scope, http_status, content_type, body)
            self.log.append(
                {
                    "seq": seq,
                    "time": started,
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "rpc": scope.get("emulator.rpc") or self.rpc_of(scope["method"], scope["path"]),
                    "http_status": http_status,
                    "code": code,
                    "mutated": bool(scope.get("emulator.mutated", False)),
                    "fault": scope.get(FAULT_SCOPE_KEY),
                }
            )


# -- rate limiter ----------------------------------------------------------------------
class RateLimiter:
    """Token buckets per account: ``rate`` requests/s, bursts of ``burst`` (default
    ``max(1, rate)``). ``rate`` 0 turns limiting off."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.configure(rate, burst)

    def configure(self, rate: float, burst: float | None = None) -> None:
        if rate < 0 or (burst is not None and burst <= 0):
            raise ValueError("rate must not be negative and burst must be positive")
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, account: str, now: float | None = None) -> bool:
        """Take one token from ``account``'s bucket; False when it is empty."""
        if self.rate <= 0:
            return True
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(account, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[account] = (tokens - 1.0, now)
            return True
        self._buckets[account] = (tokens, now)
        return False


_USER_IN_PATH = re.compile(r"^/v2/users/([^/]+)")


def account_of(scope: Scope) -> str:
    """Who a request counts against: its Authorization header, else the path's user."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return value.decode("latin-1")
    match = _USER_IN_PATH.match(scope.get("path", ""))
    return "user:" + match.group(1) if match else "anonymous"


class RateLimitMiddleware:
    """Answer 429 CONN_THROTTLED (no Retry-After) when an account is over its rate."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, options: EmulatorOptions) -> None:
        self.app = app
        self.limiter = limiter
        self.options = options

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.limiter.allow(account_of(scope)):
            await send_status_json(
                send,
                429,
                "CONN_THROTTLED",
                f"Making too many requests: the limit is {self.limiter.rate:g} requests per second",
                self.options,
            )
            return
        await self.app(scope, receive, send)


# -- the runtime and the app -----------------------------------------------------------
class EmulatorRuntime:
    """Everything a running emulator holds: state, live options, faults, limiter, log.

    ``start_options`` is what ``reset`` returns the live ``options`` to.
    """

    def __init__(self, options: EmulatorOptions, state: Any = None) -> None:
        if state is None:
            from connector.emulator.state import EmulatorState

            state = EmulatorState(dataclasses.replace(options))
        self.state = state
        self.options: EmulatorOptions = state.options
        self.start_options = dataclasses.replace(self.options)
        self.faults = FaultInjector(self.options)
        self.limiter = RateLimiter(self.options.rate_limit)
        self.log = RequestLog(self.options.request_log_size)

    def check_answer(self, scope: Scope, http_status: int, content_type: bytes, body: bytes) -> None:
        """With ``validate_responses``: record a violation for a ``/v2`` answer that is
        not a Clarifai JSON body (only the injected ``http_503_html`` fault may be HTML),
        or whose body, produced outside the API (rate limiter, injected faults), does
        not parse as an official status response. The API checks its own answers."""
        if not self.options.validate_responses:
            return
        fault = scope.get(FAULT_SCOPE_KEY)
        error: str | None = None
        if b"json" not in content_type:
            if fault != "http_503_html":
                error = f"HTTP {http_status} answered with content type {content_type.decode('latin-1') or 'none'}, not JSON"
        elif not scope.get(API_ANSWERED_SCOPE_KEY):
            try:
                data = json.loads(body)
            except ValueError as exc:
                error = f"HTTP {http_status}: the body is not JSON: {exc}"
            else:
                error = validate_status_body(data) if isinstance(data, dict) else "the body is not a JSON object"
        if error is not None:
            self.state.violations.append(
                {
                    "rpc": scope.get("emulator.rpc") or self.rpc_of(scope["method"], scope["path"]),
                    "verb": scope["method"],
                    "path": scope["path"],
                    "error": error,
                }
            )

    def rpc_of(self, method: str, path: str) -> str | None:
        """The official RPC name a request maps to, or None."""
        match = route_table().match(method, path)
        return match.method.name if match is not None else None

    def reset(self, seed: str | None = None, seed_inputs: int | None = None, **overrides: Any) -> None:
        """Return options to the start options plus ``overrides``, then reseed the state
        and clear faults, scripted faults, the rate limiter, the log and violations.

        Options are validated first; a bad override raises ValueError and changes nothing.
        """
        changes = dict(overrides)
        if seed is not None:
            changes["seed"] = seed
        if seed_inputs is not None:
            changes["seed_inputs"] = seed_inputs
        candidate = dataclasses.replace(self.start_options)
        apply_options(candidate, changes)
        for field in dataclasses.fields(EmulatorOptions):
            setattr(self.options, field.name, getattr(candidate, field.name))
        self.state.reset(self.options.seed, self.options.seed_inputs)  # clears violations too
        self.faults.reset()
        self.limiter.configure(self.options.rate_limit)
        self.log.clear(self.options.request_log_size)

    def set_options(self, changes: dict[str, Any]) -> None:
        """Change live options (validated first); keeps faults and limiter in step."""
        old_pat = self.options.pat
        apply_options(self.options, changes)
        if "pat" in changes or "extra_pats" in changes:
            with self.state.lock:
                if self.options.pat != old_pat:
                    self.state.pats.pop(old_pat, None)
                self.state.add_option_pats()
        if "rate_limit" in changes:
            self.limiter.configure(self.options.rate_limit)
        if "random_seed" in changes:
            self.faults.rng.seed(self.options.random_seed)
        if "request_log_size" in changes:
            self.log.clear(self.options.request_log_size)


class EmulatorApp:
    """The ASGI entry point: ``/_emulator/...`` to the admin API, ``/v2/...`` through
    the middleware chain to the API, anything else straight to the API."""

    def __init__(self, runtime: EmulatorRuntime, api: ASGIApp, admin: ASGIApp) -> None:
        self.runtime = runtime
        self.api = api
        self.admin = admin
        chain: ASGIApp = FaultMiddleware(api, runtime.faults, runtime.rpc_of)
        chain = RateLimitMiddleware(chain, runtime.limiter, runtime.options)
        self.v2 = RequestLogMiddleware(chain, runtime.log, runtime.rpc_of, runtime.check_answer)

    @property
    def state(self) -> Any:
        return self.runtime.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.admin(scope, receive, send)
            return
        path = scope.get("path", "")
        scope[RAW_SEND_SCOPE_KEY] = send
        if path == "/_emulator" or path.startswith("/_emulator/"):
            await self.admin(scope, receive, send)
        elif path == "/v2" or path.startswith("/v2/"):
            await self.v2(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(options: EmulatorOptions, state: Any = None) -> EmulatorApp:
    """Build the emulator's ASGI app for ``options`` (copied; the app's live options are
    ``app.runtime.options``). ``state`` defaults to a fresh ``EmulatorState``."""
    from connector.emulator.admin import build_admin
    from connector.emulator.api import build_api

    runtime = EmulatorRuntime(options, state)
    return EmulatorApp(runtime, build_api(runtime.state), build_admin(runtime))


# -- serving -------------------------------------------------------------------------
def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one).

    Made with ``proto=IPPROTO_TCP``: asyncio turns Nagle's algorithm off (TCP_NODELAY) only
    on accepted sockets whose protocol says TCP, and a socket made with the default
    protocol 0 says nothing. Without it, every answer on a kept-alive connection whose
    headers and body go out in two writes waited for the client's delayed ACK (~40 ms)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def base_url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def uvicorn_config(app: Any, options: EmulatorOptions, log_level: str = "warning", http: str = "auto") -> Any:
    """The uvicorn configuration used by ``run`` and the test helper."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ws="none",
        http=http,
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )


def banner(options: EmulatorOptions, base_url: str, pat_source: str = "CLARIFAI_PAT") -> str:
    """The start-up line; shows the PAT only when it is the fixed development key."""
    pat = f"PAT {options.pat}" if options.pat == DEV_PAT else f"PAT taken from {pat_source}"
    return (
        f"Clarifai emulator ready at {base_url} (user {options.user_id}, app {options.app_id}, {pat})\n"
        f"  admin API: {base_url}/_emulator   use it with: CLARIFAI_API_BASE={base_url}"
    )


def run(
    options: EmulatorOptions, *, pat_source: str = "CLARIFAI_PAT", log_level: str = "warning", echo: Any = print
) -> None:
    """Serve the emulator until interrupted (Ctrl-C / SIGTERM), printing where it is
    once it accepts connections. Port 0 picks a free port (the banner shows which)."""
    import uvicorn

    app = create_app(options)
    sock = bind_socket(options.host, options.port)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, options, log_level=log_level))

    async def serve() -> None:
        app.runtime.faults.stopping = asyncio.Event()
        task = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            echo(banner(options, base_url_of(options.host, port), pat_source))
            sys.stdout.flush()
        while not task.done() and not server.should_exit:
            await asyncio.sleep(0.05)
        app.runtime.faults.stopping.set()
        await task

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
