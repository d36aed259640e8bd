"""The emulator's JSON on the wire: response bodies (status codes as numbers, or as
enum names with ``status_as_names``), reading a body's status code back, request ids,
and the HTTP status that carries each Clarifai status.

Every regular expression over status objects lives here (:data:`STATUS_CODE`).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from connector.status_codes import StatusCode, code_name

__all__ = [
    "STATUS_CODE",
    "body_code",
    "encode",
    "http_status_for",
    "new_req_id",
    "numeric_status",
    "status_body",
]

#: A status object's code: ``"status": {"code": 10000`` (group 1) or
#: ``"status": {"code": "SUCCESS"`` (group 2). Every status the emulator builds has
#: ``code`` as its first key; inside a JSON string the quotes would be escaped, so this
#: only matches real status objects.
STATUS_CODE = re.compile(rb'"status"\s*:\s*\{\s*"code"\s*:\s*(?:(\d+)|"([A-Z0-9_]+)")')


def new_req_id() -> str:
    """A fresh request id, as the API puts in ``status.req_id`` and the
    ``X-Clarifai-Request-ID`` header (32 hex digits)."""
    return uuid.uuid4().hex


def http_status_for(code: int) -> int:
    """The HTTP status the emulator answers for a Clarifai status code."""
    name = code_name(code)
    if code in (StatusCode.SUCCESS, StatusCode.MIXED_STATUS):
        return 200
    if code == StatusCode.CONN_INSUFFICIENT_SCOPES or name.endswith("_PERMISSION_DENIED"):
        return 403
    if name.startswith(("CONN_KEY", "CONN_TOKEN", "CONN_CREDENTIALS", "CONN_ACCOUNT")):
        return 401
    if name.endswith("_DOES_NOT_EXIST") or code in (StatusCode.TASK_MISSING, StatusCode.CONN_DOES_NOT_EXIST):
        return 404
    if code in (
        StatusCode.CONN_THROTTLED,
        StatusCode.CONN_EXCEED_HOURLY_LIMIT,
        StatusCode.CONN_EXCEED_MONTHLY_LIMIT,
        StatusCode.CONN_EXCEEDS_LIMITS,
    ):
        return 429
    if code == StatusCode.RPC_SERVER_UNAVAILABLE:
        return 503
    if code in (StatusCode.RPC_UNKNOWN_METHOD, StatusCode.NOT_IMPLEMENTED):
        return 501
    if name.startswith("INTERNAL_"):
        return 500
    return 400


def _code_as_name(match: re.Match[bytes]) -> bytes:
    number = match.group(1)
    if number is None:
        return match.group(0)
    prefix = match.group(0)[: match.start(1) - match.start(0)]
    return prefix + b'"' + code_name(int(number)).encode() + b'"'


def encode(payload: dict[str, Any], names: bool) -> bytes:
    """The response body: compact JSON, status codes as enum names in names mode (done on
    the bytes, so stored objects are never copied or changed)."""
    content = json.dumps(payload, separators=(",", ":")).encode()
    return STATUS_CODE.sub(_code_as_name, content) if names else content


def status_body(code: StatusCode, description: str, *, names: bool, details: str = "") -> bytes:
    """A JSON ``{"status": {...}}`` body with a fresh ``req_id``, the code as an integer
    or (``names``) its enum name."""
    status: dict[str, Any] = {
        "code": code_name(code) if names else int(code),
        "description": description,
        "req_id": new_req_id(),
    }
    if details:
        status["details"] = details
    return json.dumps({"status": status}).encode()


def body_code(body: bytes) -> int | str | None:
    """The ``status.code`` of a JSON response body (int or name), if it has one."""
    match = STATUS_CODE.search(body[:512])
    if match:
        return int(match.group(1)) if match.group(1) is not None else match.group(2).decode()
    try:
        data = json.loads(body)
    except ValueError:
        return None
    status = data.get("status") if isinstance(data, dict) else None
    value = status.get("code") if isinstance(status, dict) else None
    return value if isinstance(value, (int, str)) else None


def numeric_status(node: Any, where: str = "") -> str | None:
    """In names mode: where a status code was still sent as a number, else None."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "status" and isinstance(value, dict) and isinstance(value.get("code"), int):
                return f"status code {value['code']} at {where or '/'}status sent as a number in names mode"
            if isinstance(value, (dict, list)):
                found = numeric_status(value, f"{where}{key}/")
                if found:
                    return found
    elif isinstance(node, list):
        for n, value in enumerate(node):
            if isinstance(value, (dict, list)):
                found = numeric_status(value, f"{where}{n}/")
                if found:
                    return found
    return None
