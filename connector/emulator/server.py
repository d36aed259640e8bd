"""The emulator's ASGI application and its uvicorn runner.

``create_app`` composes, for every ``/v2`` request::

    request log -> rate limiter -> fault injection (+ latency) -> the API

and serves the admin API at ``/_emulator/...`` beside it (never rate limited, faulted
or logged). ``run`` serves the app with uvicorn and prints where it listens.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable
from typing import Any

from connector.emulator.admin import build_admin
from connector.emulator.api import build_api
from connector.emulator.asgi import RAW_SEND_KEY, ASGIApp, Receive, Scope, Send
from connector.emulator.backend.state import EmulatorState
from connector.emulator.faults import FaultMiddleware
from connector.emulator.options import DEV_PAT, EmulatorOptions
from connector.emulator.ratelimit import RateLimitMiddleware
from connector.emulator.requestlog import RequestLogMiddleware
from connector.emulator.runtime import EmulatorRuntime

__all__ = ["EmulatorApp", "banner", "base_url_of", "bind_socket", "create_app", "run", "uvicorn_config"]


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
    def state(self) -> EmulatorState:
        return self.runtime.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.admin(scope, receive, send)
            return
        path = scope.get("path", "")
        scope[RAW_SEND_KEY] = send
        if path == "/_emulator" or path.startswith("/_emulator/"):
            await self.admin(scope, receive, send)
        elif path == "/v2" or path.startswith("/v2/"):
            await self.v2(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(options: EmulatorOptions, state: EmulatorState | None = None) -> EmulatorApp:
    """Build the emulator's ASGI app for ``options`` (copied; the app's live options are
    ``app.runtime.options``). ``state`` defaults to a fresh ``EmulatorState``."""
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
    """``http://host:port`` (an IPv6 host in brackets)."""
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
    """The start-up lines: where it listens, and one ``export CLARIFAI_...`` line to
    copy into a shell. The PAT is shown only when it is the fixed development key."""
    import shlex

    dev_key = options.pat == DEV_PAT
    pat = f"PAT {options.pat}" if dev_key else f"PAT taken from {pat_source}"
    env = [("CLARIFAI_API_BASE", base_url)]
    if dev_key:
        env.append(("CLARIFAI_PAT", options.pat))
    env += [("CLARIFAI_USER_ID", options.user_id), ("CLARIFAI_APP_ID", options.app_id)]
    export = "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in env)
    if not dev_key:
        export += f"  # and CLARIFAI_PAT: the key given by {pat_source}"
    return (
        f"Clarifai emulator ready at {base_url} (user {options.user_id}, app {options.app_id}, {pat})\n"
        f"  admin API: {base_url}/_emulator\n"
        f"  point the connector at it:\n"
        f"  {export}"
    )


def run(
    options: EmulatorOptions,
    *,
    pat_source: str = "CLARIFAI_PAT",
    log_level: str = "warning",
    echo: Callable[[str], object] = print,
) -> None:
    """Serve the emulator until interrupted (Ctrl-C / SIGTERM), printing where it is
    once it accepts connections. Port 0 picks a free port (the banner shows which).
    Raises OSError when it cannot listen."""
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
