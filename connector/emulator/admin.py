"""The emulator's admin API: JSON endpoints under ``/_emulator`` to reset, seed, inject
faults, throttle, drive background work and read the request log.

These endpoints are for tests and demos: they need no PAT, are never rate limited,
faulted or logged, and answer ``{"error": "..."}`` with HTTP 400 on bad input.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.emulator.faults import ScriptedFault
from connector.emulator.runtime import EmulatorRuntime

__all__ = ["build_admin"]

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]


class _JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_jsonable, separators=(",", ":")).encode()


def _jsonable(value: Any) -> Any:
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _error(message: str, status: int = 400) -> Response:
    return _JSON({"error": message}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("the request body must be a JSON object")
    return data


def _bool_param(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _guarded(handler: Handler) -> Handler:
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except LookupError as exc:
            return _error(str(exc.args[0]) if exc.args else "not found", 404)
        except (ValueError, TypeError) as exc:
            return _error(str(exc))

    wrapper.__name__ = handler.__name__
    return wrapper


def build_admin(runtime: EmulatorRuntime) -> Starlette:
    """The admin ASGI app for one :class:`~connector.emulator.runtime.EmulatorRuntime`."""
    state = runtime.state

    def _check_user(user_id: str) -> None:
        if user_id != runtime.options.user_id:
            raise KeyError(f"user {user_id!r} does not exist (the emulator serves {runtime.options.user_id!r})")

    async def health(request: Request) -> Response:
        options = runtime.options
        return _JSON({"status": "ok", "user_id": options.user_id, "app_id": options.app_id})

    async def reset(request: Request) -> Response:
        body = await _body(request)
        runtime.reset(**body)
        return _JSON({"status": "reset", "seed": runtime.options.seed, "seed_inputs": runtime.options.seed_inputs})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            runtime.log.clear()
            return _JSON({"status": "cleared"})
        mutated = _bool_param(request.query_params.get("mutated"))
        since_text = request.query_params.get("since")
        try:
            since = int(since_text) if since_text else None
        except ValueError:
            raise ValueError(f"since must be a request log seq (an integer), got {since_text!r}") from None
        return _JSON({"requests": runtime.log.entries(mutated=mutated, since=since)})

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            runtime.faults.update(await _body(request))
        elif request.method == "DELETE":
            runtime.faults.update({"latency_ms": 0, "latency_jitter_ms": 0, "fault_rate": 0})
            runtime.faults.reset()
        return _JSON(runtime.faults.settings())

    async def script_fault(request: Request) -> Response:
        body = await _body(request)
        allowed = {"kind", "count", "rpc", "method", "path_regex", "retry_after"}
        unknown = set(body) - allowed
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; expected {sorted(allowed)}")
        if "kind" not in body:
            raise ValueError("kind is required")
        count = body.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValueError("count must be an integer")
        retry_after = body.get("retry_after")
        if retry_after is not None and (
            isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)) or retry_after < 0
        ):
            raise ValueError("retry_after must be a non-negative number of seconds")
        rule = ScriptedFault(
            kind=body["kind"],
            remaining=count,
            rpc=body.get("rpc"),
            method=body.get("method"),
            path_regex=body.get("path_regex"),
            retry_after=retry_after,
        )
        runtime.faults.add_script(rule)
        return _JSON(runtime.faults.settings())

    async def rate_limit(request: Request) -> Response:
        body = await _body(request)
        rate = body.get("rate")
        burst = body.get("burst")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)):
            raise ValueError("rate (requests per second, 0 = off) is required")
        if burst is not None and (isinstance(burst, bool) or not isinstance(burst, (int, float))):
            raise ValueError("burst must be a number")
        runtime.limiter.configure(rate, burst)
        runtime.options.rate_limit = float(rate)
        return _JSON({"rate": runtime.limiter.rate, "burst": runtime.limiter.burst})

    async def options(request: Request) -> Response:
        if request.method == "PATCH":
            runtime.set_options(await _body(request))
        shown = dataclasses.asdict(runtime.options)
        shown.pop("pat", None)
        shown.pop("extra_pats", None)
        return _JSON(shown)

    async def task_progress(request: Request) -> Response:
        body = await _body(request)
        p = request.path_params
        allowed = {"status", "work_percent", "review_percent"}
        unknown = set(body) - allowed
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; expected {sorted(allowed)}")
        _check_user(p["user_id"])
        result = state.set_task_progress(p["task_id"], app_id=p["app_id"], **body)
        return _JSON({"status": "ok", "task": result})

    async def _status_only(request: Request) -> dict[str, Any]:
        """The body of a request that may name only a ``status``."""
        body = await _body(request)
        unknown = set(body) - {"status"}
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; expected ['status']")
        return body

    async def fail_version(request: Request) -> Response:
        p = request.path_params
        body = await _status_only(request)
        _check_user(p["user_id"])
        result = state.fail_dataset_version(p["dataset_id"], p["version_id"], app_id=p["app_id"], **body)
        return _JSON({"status": "ok", "dataset_version": result})

    async def end_bulk_operation(request: Request) -> Response:
        p = request.path_params
        status = await _status_only(request)
        _check_user(p["user_id"])
        result = state.end_bulk_operation(p["operation_id"], **status, app_id=p["app_id"])
        return _JSON({"status": "ok", "bulk_operation": result})

    async def end_inputs_add_job(request: Request) -> Response:
        p = request.path_params
        status = await _status_only(request)
        _check_user(p["user_id"])
        result = state.end_inputs_add_job(p["job_id"], **status, app_id=p["app_id"])
        return _JSON({"status": "ok", "inputs_add_job": result})

    async def pats(request: Request) -> Response:
        body = await _body(request)
        pat = body.get("pat")
        if not isinstance(pat, str) or not pat:
            raise ValueError("pat is required")
        apps = body.get("apps")
        if apps is not None and not (isinstance(apps, list) and all(isinstance(a, str) for a in apps)):
            raise ValueError("apps must be a list of app ids")
        with state.lock:
            state.accounts.add(pat, apps)
        return _JSON({"status": "ok"})

    async def snapshot(request: Request) -> Response:
        return _JSON(state.snapshot())

    async def violations(request: Request) -> Response:
        return _JSON({"violations": list(state.violations)})

    routes = [
        Route("/_emulator/health", _guarded(health), methods=["GET"]),
        Route("/_emulator/reset", _guarded(reset), methods=["POST"]),
        Route("/_emulator/requests", _guarded(requests), methods=["GET", "DELETE"]),
        Route("/_emulator/faults", _guarded(faults), methods=["GET", "PUT", "DELETE"]),
        Route("/_emulator/faults/script", _guarded(script_fault), methods=["POST"]),
        Route("/_emulator/rate_limit", _guarded(rate_limit), methods=["PUT"]),
        Route("/_emulator/options", _guarded(options), methods=["GET", "PATCH"]),
        Route("/_emulator/tasks/{user_id}/{app_id}/{task_id}/progress", _guarded(task_progress), methods=["POST"]),
        Route(
            "/_emulator/dataset_versions/{user_id}/{app_id}/{dataset_id}/{version_id}/fail",
            _guarded(fail_version),
            methods=["POST"],
        ),
        Route(
            "/_emulator/bulk_operations/{user_id}/{app_id}/{operation_id}/end",
            _guarded(end_bulk_operation),
            methods=["POST"],
        ),
        Route(
            "/_emulator/inputs_add_jobs/{user_id}/{app_id}/{job_id}/end",
            _guarded(end_inputs_add_job),
            methods=["POST"],
        ),
        Route("/_emulator/pats", _guarded(pats), methods=["POST"]),
        Route("/_emulator/snapshot", _guarded(snapshot), methods=["GET"]),
        Route("/_emulator/violations", _guarded(violations), methods=["GET"]),
    ]

    async def no_route(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 405:
            return _error(f"{request.method} is not allowed on {request.url.path}", 405)
        return _error(f"no admin endpoint {request.url.path} (see docs/emulator.md, 'The admin API')", 404)

    async def crashed(request: Request, exc: Exception) -> Response:
        logger.exception("emulator admin %s %s failed", request.method, request.url.path)
        return _error(f"internal error: {type(exc).__name__}: {exc}", 500)

    return Starlette(routes=routes, exception_handlers={HTTPException: no_route, Exception: crashed})
