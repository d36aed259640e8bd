"""Run the emulator inside a test process: for this project's tests and for users' own
Airflow / Dagster / plain pytest tests.

::

    from connector.emulator.testing import EmulatorServer

    with EmulatorServer(seed="empty") as server:
        config = server.client_config()            # a ClarifaiConfig pointed at it
        server.admin.script_fault("http_429", count=2, retry_after=1)
        ...
        assert server.admin.mutations() == []

The server runs uvicorn on a background thread, on a free loopback port by default.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import Iterator
from typing import Any

import httpx

from connector.emulator.backend.state import EmulatorState
from connector.emulator.options import EmulatorOptions, validate_forced

logger = logging.getLogger(__name__)

#: How long start() waits for the server to accept connections.
START_TIMEOUT = 30.0
#: How long stop() waits for the server thread to end.
STOP_TIMEOUT = 10.0


class EmulatorError(RuntimeError):
    """The admin API refused a request (bad argument, unknown object)."""


class EmulatorAdmin:
    """A small client for the emulator's admin API (``/_emulator``).

    Every method raises :class:`EmulatorError` with the server's message when the admin
    API answers an error. No call is retried; none needs a PAT.
    """

    def __init__(self, base_url: str, *, user_id: str = "demo", app_id: str = "demo", timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.app_id = app_id
        self._http = httpx.Client(base_url=self.base_url + "/_emulator", timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmulatorAdmin:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _call(self, method: str, path: str, *, json: Any = None, params: Any = None) -> dict[str, Any]:
        """The admin API's answer (always a JSON object); EmulatorError for an error."""
        response = self._http.request(method, path, json=json, params=params)
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            message = data.get("error") if isinstance(data, dict) else response.text
            raise EmulatorError(f"emulator admin {method} {path} failed ({response.status_code}): {message}")
        if not isinstance(data, dict):
            raise EmulatorError(f"emulator admin {method} {path} answered no JSON object: {response.text[:200]}")
        return data

    # -- lifecycle --------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self, seed: str = "empty", seed_inputs: int | None = None, **options: Any) -> None:
        """Reset state, faults, rate limit, request log, violations and options (to the
        start options plus ``options``), then seed with ``seed`` ("empty", "demo" or "showcase")."""
        body: dict[str, Any] = {"seed": seed, **options}
        if seed_inputs is not None:
            body["seed_inputs"] = seed_inputs
        self._call("POST", "/reset", json=body)

    def set_options(self, **options: Any) -> dict[str, Any]:
        """Change live options (e.g. ``status_as_names=True``, version delays)."""
        return self._call("PATCH", "/options", json=options)

    def options(self) -> dict[str, Any]:
        return self._call("GET", "/options")

    # -- request log ------------------------------------------------------------------
    def requests(self, mutated: bool | None = None, since: int | None = None) -> list[dict[str, Any]]:
        """Logged ``/v2`` requests, oldest first (``mutated=True``: only those that changed state)."""
        params: dict[str, Any] = {}
        if mutated is not None:
            params["mutated"] = "true" if mutated else "false"
        if since is not None:
            params["since"] = since
        return list(self._call("GET", "/requests", params=params)["requests"])

    def mutations(self) -> list[dict[str, Any]]:
        """Logged requests that changed state."""
        return self.requests(mutated=True)

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    # -- faults and throttling --------------------------------------------------------
    def faults(self) -> dict[str, Any]:
        return self._call("GET", "/faults")

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Change fault settings: ``latency_ms``, ``latency_jitter_ms``, ``fault_rate``,
        ``hang_seconds``, ``random_seed``, ``rates={kind: p}`` or ``<kind>=p``."""
        return self._call("PUT", "/faults", json=settings)

    def clear_faults(self) -> dict[str, Any]:
        """No latency, no random faults, no scripted faults."""
        return self._call("DELETE", "/faults")

    def script_fault(
        self,
        kind: str,
        count: int = 1,
        rpc: str | None = None,
        method: str | None = None,
        path_regex: str | None = None,
        retry_after: float | None = None,
    ) -> dict[str, Any]:
        """Fail the next ``count`` requests matching ``rpc`` / ``method`` / ``path_regex``
        (all given filters must match; none means every request) with ``kind``."""
        body: dict[str, Any] = {"kind": kind, "count": count}
        for name, value in (("rpc", rpc), ("method", method), ("path_regex", path_regex), ("retry_after", retry_after)):
            if value is not None:
                body[name] = value
        return self._call("POST", "/faults/script", json=body)

    def set_rate_limit(self, rate: float, burst: float | None = None) -> dict[str, Any]:
        """Throttle each account to ``rate`` requests/s (0 = off)."""
        body: dict[str, Any] = {"rate": rate}
        if burst is not None:
            body["burst"] = burst
        return self._call("PUT", "/rate_limit", json=body)

    # -- background work and accounts -------------------------------------------------
    def set_task_progress(
        self,
        task_id: str,
        status: str | None = None,
        work_percent: float | None = None,
        review_percent: float | None = None,
        user_id: str | None = None,
        app_id: str | None = None,
    ) -> dict[str, Any]:
        """Move a labeling task along (status name like "SUCCESS"/"TASK_DONE" as the state
        accepts it, and/or its work and review percentages)."""
        body = {
            key: value
            for key, value in (("status", status), ("work_percent", work_percent), ("review_percent", review_percent))
            if value is not None
        }
        path = f"/tasks/{user_id or self.user_id}/{app_id or self.app_id}/{task_id}/progress"
        return self._call("POST", path, json=body)

    def fail_dataset_version(
        self, dataset_id: str, version_id: str, user_id: str | None = None, app_id: str | None = None
    ) -> dict[str, Any]:
        """Make a dataset version end in a failure status."""
        path = f"/dataset_versions/{user_id or self.user_id}/{app_id or self.app_id}/{dataset_id}/{version_id}/fail"
        return self._call("POST", path, json={})

    def end_bulk_operation(
        self, operation_id: str, status: str | None = None, user_id: str | None = None, app_id: str | None = None
    ) -> dict[str, Any]:
        """End a bulk operation in a terminal status (BULK_OPERATION_FAILED by default; or
        CANCELLED, INVALID_REQUEST, UNEXPECTED_ERROR, SUCCESS); its effect is never applied."""
        path = f"/bulk_operations/{user_id or self.user_id}/{app_id or self.app_id}/{operation_id}/end"
        return self._call("POST", path, json={} if status is None else {"status": status})

    def end_inputs_add_job(
        self, job_id: str, status: str | None = None, user_id: str | None = None, app_id: str | None = None
    ) -> dict[str, Any]:
        """End an inputs add job in a terminal status (JOB_FAILED by default; or
        JOB_CANCELLED, JOB_UNEXPECTED_ERROR, JOB_CONFLICT, JOB_COMPLETED)."""
        path = f"/inputs_add_jobs/{user_id or self.user_id}/{app_id or self.app_id}/{job_id}/end"
        return self._call("POST", path, json={} if status is None else {"status": status})

    def add_pat(self, pat: str, apps: list[str] | None = None) -> None:
        """Accept another PAT, limited to ``apps`` (None: every app)."""
        self._call("POST", "/pats", json={"pat": pat, "apps": apps})

    # -- inspection -------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole emulated state as plain JSON."""
        return self._call("GET", "/snapshot")

    def violations(self) -> list[Any]:
        """Responses that broke their official response message (with validate_responses)."""
        return list(self._call("GET", "/violations")["violations"])


class EmulatorServer:
    """An emulator served by uvicorn on a background thread.

    ``EmulatorServer(options=None, **overrides)``: ``options`` defaults to
    ``EmulatorOptions(port=0)`` (a free port); keyword overrides replace fields.
    ``start()`` returns once the server accepts connections; ``stop()`` (or leaving the
    ``with`` block) shuts it down, ending held "hang" requests early.
    """

    def __init__(self, options: EmulatorOptions | None = None, *, http: str = "auto", **overrides: Any) -> None:
        base = options if options is not None else EmulatorOptions(port=0)
        self._requested = dataclasses.replace(base, **overrides)
        if validate_forced():
            self._requested.validate_responses = True
        self._http_impl = http
        self._app: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port: int | None = None
        self._admin: EmulatorAdmin | None = None
        self._error: BaseException | None = None

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> EmulatorServer:
        """Start serving (idempotent). Raises RuntimeError if it does not come up."""
        if self._thread is not None:
            return self
        import uvicorn

        from connector.emulator.server import bind_socket, create_app, uvicorn_config

        self._app = create_app(self._requested)
        sock = bind_socket(self._requested.host, self._requested.port)
        self._port = sock.getsockname()[1]
        self._server = uvicorn.Server(uvicorn_config(self._app, self._requested, http=self._http_impl))
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(sock, ready))
            except BaseException as exc:  # pragma: no cover - reported by start()
                self._error = exc
            finally:
                ready.set()
                sock.close()
                try:
                    loop.run_until_complete(loop.shutdown_asyncgens())
                    loop.run_until_complete(loop.shutdown_default_executor())
                finally:
                    loop.close()

        self._thread = threading.Thread(target=serve, name=f"clarifai-emulator-{self._port}", daemon=True)
        self._thread.start()
        if not ready.wait(START_TIMEOUT) or not self._server.started:
            self.stop()
            raise RuntimeError(f"the emulator did not start on port {self._port}: {self._error!r}")
        self._admin = EmulatorAdmin(self.base_url, user_id=self.user_id, app_id=self.app_id)
        return self

    async def _serve(self, sock: Any, ready: threading.Event) -> None:
        self._app.runtime.faults.stopping = asyncio.Event()
        task = asyncio.ensure_future(self._server.serve(sockets=[sock]))
        while not self._server.started and not task.done():
            await asyncio.sleep(0.005)
        ready.set()
        await task

    def stop(self) -> None:
        """Stop serving and join the thread (idempotent)."""
        thread, server, loop = self._thread, self._server, self._loop
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if thread is None:
            return
        if server is not None:
            server.should_exit = True
            faults = self._app.runtime.faults if self._app is not None else None
            if loop is not None and faults is not None and faults.stopping is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(faults.stopping.set)
        thread.join(STOP_TIMEOUT)
        if thread.is_alive() and server is not None:
            server.force_exit = True
            thread.join(STOP_TIMEOUT)
        self._thread = None
        self._loop = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        violations = self.violations() if exc_type is None else []
        self.stop()
        if violations:
            raise EmulatorError(
                f"the emulator sent {len(violations)} response(s) that break their official message: {violations[:5]}"
            )

    def violations(self) -> list[dict[str, Any]]:
        """Responses that broke their official message so far (``validate_responses``)."""
        if self._app is None:
            return []
        return list(self._app.runtime.state.violations)

    # -- what tests use ---------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: the value for ``CLARIFAI_API_BASE``."""
        from connector.emulator.server import base_url_of

        return base_url_of(self._requested.host, self.port)

    @property
    def options(self) -> EmulatorOptions:
        """The live options (changed by ``admin.set_options`` / ``admin.reset``)."""
        return self._app.runtime.options if self._app is not None else self._requested

    @property
    def pat(self) -> str:
        return self.options.pat

    @property
    def user_id(self) -> str:
        return self.options.user_id

    @property
    def app_id(self) -> str:
        return self.options.app_id

    @property
    def state(self) -> EmulatorState:
        """The in-process ``EmulatorState`` (read it; change it through ``admin``)."""
        if self._app is None:
            raise RuntimeError("the emulator is not started")
        state: EmulatorState = self._app.runtime.state
        return state

    @property
    def admin(self) -> EmulatorAdmin:
        if self._admin is None:
            raise RuntimeError("the emulator is not started")
        return self._admin

    def client_config(self, **overrides: Any) -> Any:
        """A :class:`connector.config.ClarifaiConfig` for this server's user, app and PAT."""
        from connector.config import ClarifaiConfig

        values: dict[str, Any] = {
            "pat": self.pat,
            "user_id": self.user_id,
            "app_id": self.app_id,
            "base_url": self.base_url,
        }
        values.update(overrides)
        return ClarifaiConfig(**values)

    def env(self) -> dict[str, str]:
        """Environment variables that point ``ClarifaiConfig.from_env()`` here."""
        return {
            "CLARIFAI_API_BASE": self.base_url,
            "CLARIFAI_PAT": self.pat,
            "CLARIFAI_USER_ID": self.user_id,
            "CLARIFAI_APP_ID": self.app_id,
        }

    def __repr__(self) -> str:
        where = self.base_url if self._port is not None else "not started"
        return f"EmulatorServer({where}, user={self.user_id!r}, app={self.app_id!r})"


@contextlib.contextmanager
def run_emulator(options: EmulatorOptions | None = None, **overrides: Any) -> Iterator[EmulatorServer]:
    """``with run_emulator(seed="empty") as server: ...``: a started EmulatorServer."""
    with EmulatorServer(options, **overrides) as server:
        yield server
