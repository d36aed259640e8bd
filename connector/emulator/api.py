"""The emulator's Clarifai API v2 as an ASGI app (Starlette).

Every request goes: lazy progress tick → auth (``Authorization: Key <PAT>``) → route
match against the official route table → parse into the official request message
(unknown fields rejected) → app access check → handler → response in the official
response message shape with ``status: {code, description, details, req_id}`` and the
header ``X-Clarifai-Request-ID``. Errors are always Clarifai JSON bodies, never HTML.

After each request the scope holds the RPC name (or None) at ``asgi.RPC_KEY`` and
whether the request changed the state at ``asgi.MUTATED_KEY``; middlewares read them.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from google.protobuf.json_format import MessageToDict
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector.emulator.asgi import ANSWERED_KEY, MUTATED_KEY, RPC_KEY
from connector.emulator.backend.errors import ApiError
from connector.emulator.backend.state import EmulatorState
from connector.emulator.handlers import HANDLERS, Ctx
from connector.emulator.handlers.common import MAX_PER_PAGE
from connector.emulator.routing import (
    Match,
    RequestParseError,
    build_request_message,
    route_table,
    validate_response,
    validate_status_body,
)
from connector.emulator.wire import encode, http_status_for, new_req_id, numeric_status
from connector.status_codes import StatusCode, parse_status_code

__all__ = ["build_api", "handle_request"]

logger = logging.getLogger(__name__)

#: Methods that address a user rather than one app.
_USER_SCOPED = frozenset({"ListApps", "PostApps"})
_VERBS = ["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"]


def build_api(state: EmulatorState) -> Starlette:
    """The ASGI app serving every official route under ``/v2`` (long and short forms)
    from ``state``. Anything else answers a Clarifai JSON 404."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        query = parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        http_status, content, req_id, rpc, mutated = handle_request(
            state, request.method, request.scope["path"], query, request.headers.get("authorization"), body
        )
        request.scope[RPC_KEY] = rpc
        request.scope[MUTATED_KEY] = mutated
        request.scope[ANSWERED_KEY] = True
        return Response(
            content, status_code=http_status, media_type="application/json", headers={"X-Clarifai-Request-ID": req_id}
        )

    async def other_method(request: Request, exc: Exception) -> Response:
        # a verb outside _VERBS (TRACE, ...): no route, answered as a Clarifai JSON 404
        return await endpoint(request)

    return Starlette(
        routes=[Route("/{path:path}", endpoint, methods=_VERBS)], exception_handlers={HTTPException: other_method}
    )


def handle_request(
    state: EmulatorState, verb: str, path: str, query: list[tuple[str, str]], authorization: str | None, body: bytes
) -> tuple[int, bytes, str, str | None, bool]:
    """Serve one request synchronously: (HTTP status, JSON body, req_id, rpc, mutated)."""
    req_id = new_req_id()
    with state.lock:
        state.tick()
        before = state.mutations
        rpc: str | None = None
        match = None
        payload: dict[str, Any]
        try:
            match = route_table().match(verb, path)
            if match is not None:
                rpc = match.method.name
            payload, code = _serve(state, verb, path, query, authorization, body, match)
        except ApiError as exc:
            payload, code = dict(exc.payload), exc.code
            payload["status"] = {"code": int(code), "description": exc.description}
            if exc.details:
                payload["status"]["details"] = exc.details
        except Exception as exc:  # a bug in a handler: answer like the API would
            logger.exception("emulator handler %s failed", rpc)
            code = StatusCode.INTERNAL_UNCATEGORIZED
            payload = {
                "status": {
                    "code": int(code),
                    "description": "Internal error",
                    "details": f"{type(exc).__name__}: {exc}",
                }
            }
        mutated = state.mutations != before
        payload["status"]["req_id"] = req_id
        http_status = http_status_for(code)
        names = state.options.status_as_names
        content = encode(payload, names)
        if state.options.validate_responses:
            # what is checked is exactly what is sent (names mode included); a body of
            # no official route is checked as a bare status answer
            sent = json.loads(content) if names else payload
            violation = validate_response(match.method, sent) if match is not None else validate_status_body(sent)
            if violation is None and names:
                violation = numeric_status(sent)
            if violation is not None:
                state.violations.append({"rpc": rpc, "verb": verb, "path": path, "error": violation})
                http_status = 500
                payload = {
                    "status": {
                        "code": int(StatusCode.INTERNAL_UNCATEGORIZED),
                        "description": "Internal error",
                        "details": f"response broke its official message: {violation}",
                        "req_id": req_id,
                    }
                }
                content = encode(payload, names)
    return http_status, content, req_id, rpc, mutated


def _serve(
    state: EmulatorState,
    verb: str,
    path: str,
    query: list[tuple[str, str]],
    authorization: str | None,
    body: bytes,
    match: Match | None,
) -> tuple[dict[str, Any], int]:
    pat = _pat(authorization)
    if pat is None:
        raise ApiError(StatusCode.CONN_KEY_INVALID, "API key not found", "send the header 'Authorization: Key <PAT>'")
    if not state.accounts.knows(pat):
        raise ApiError(StatusCode.CONN_KEY_INVALID, "API key not found", "the personal access token is not valid")
    allowed = state.accounts.apps_of(pat)
    if match is None:
        if path.rstrip("/") == "/v2" or path.startswith("/v2/"):
            raise ApiError(StatusCode.CONN_DOES_NOT_EXIST, "Resource does not exist", f"no API route for {verb} {path}")
        raise ApiError(
            StatusCode.CONN_DOES_NOT_EXIST,
            "Resource does not exist",
            f"{path} is not an API path (the API lives under /v2)",
        )
    data: Any = None
    if body.strip():
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ApiError(
                StatusCode.CONN_BAD_REQUEST_FORMAT, "Bad request format", f"the request body is not valid JSON: {exc}"
            ) from None
    _check_per_page(query, data)
    try:
        msg = build_request_message(match, query, data)
    except RequestParseError as exc:
        raise ApiError(StatusCode.CONN_INVALID_REQUEST, "Invalid request", exc.details) from None
    req: dict[str, Any] = MessageToDict(msg, preserving_proto_field_name=True)
    uai = req.get("user_app_id", {})
    user_id = uai.get("user_id") or state.options.user_id
    app_id = uai.get("app_id") or state.options.app_id
    if not uai.get("app_id") and allowed is not None and app_id not in allowed:
        app_id = min(allowed)  # short forms use the key's own app
    rpc = match.method.name
    if user_id != state.options.user_id:
        raise ApiError(
            StatusCode.CONN_INSUFFICIENT_SCOPES, "Insufficient scopes", f"this key cannot access user {user_id!r}"
        )
    app = None
    if rpc not in _USER_SCOPED:
        if allowed is not None and app_id not in allowed:
            raise ApiError(
                StatusCode.CONN_INSUFFICIENT_SCOPES,
                "Insufficient scopes",
                f"this key has no access to app {app_id!r} of user {user_id!r}",
            )
        app = state.app_data(user_id, app_id)
        if app is None:
            raise ApiError(
                StatusCode.CONN_DOES_NOT_EXIST,
                "Resource does not exist",
                f"app {app_id!r} of user {user_id!r} does not exist",
            )
    fn = HANDLERS.get(rpc)
    if fn is None:
        raise ApiError(
            StatusCode.RPC_UNKNOWN_METHOD,
            "Method not implemented",
            f"the emulator does not implement {rpc} ({match.template})",
        )
    ctx = Ctx(store=state, method=rpc, req=req, user_id=user_id, app_id=app_id, app=app, allowed=allowed)
    payload = fn(ctx)
    st = payload.pop("status", None)
    if st is None:
        return {"status": {"code": int(StatusCode.SUCCESS), "description": "Ok"}, **payload}, StatusCode.SUCCESS
    return {"status": dict(st), **payload}, parse_status_code(st["code"]) or StatusCode.ZERO


def _pat(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "key" or not value.strip():
        return None
    return value.strip()


def _check_per_page(query: list[tuple[str, str]], data: Any) -> None:
    values = [v for k, v in query if k == "per_page"]
    if isinstance(data, dict) and "per_page" in data:
        values.append(str(data["per_page"]))
    for raw in values:
        try:
            n = int(raw)
        except ValueError:
            continue  # the message parse names the field
        if n < 0 or n > MAX_PER_PAGE:
            raise ApiError(
                StatusCode.CONN_INVALID_REQUEST,
                "Invalid request",
                f"per_page must be between 0 and {MAX_PER_PAGE}, got {n}",
            )
