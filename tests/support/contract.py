"""The contract check every request the suite sends goes through: an official route, a
body that parses into the official request message, proto field names and enum names only.
Also the retry policy the fixtures use."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import httpx

from connector.config import RetryPolicy

#: Retry waits short enough for tests; the policy itself is the default one otherwise.
FAST_RETRY = RetryPolicy(
    max_attempts=5, max_elapsed=20.0, initial_wait=0.01, max_wait=0.05, max_retry_after=2.0, hourly_limit_wait=0.05
)

#: Every request the clients built by these fixtures sent: (rpc name, method, path).
SENT_REQUESTS: list[tuple[str, str, str]] = []


def contract_check(request: httpx.Request) -> None:
    """Fail the test at once if a request has no official route or does not parse into
    its official request message (unknown fields included)."""
    from connector.emulator.routing import (
        RequestParseError,
        build_request_message,
        route_table,
    )

    path = urlsplit(str(request.url)).path
    match = route_table().match(request.method, path)
    assert match is not None, f"no official route for {request.method} {path}"
    body = None
    content = request.content if request.method != "GET" else b""
    if content:
        body = json.loads(content)
    query = parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True)
    try:
        build_request_message(match, query, body)
    except RequestParseError as exc:  # pragma: no cover - this is the failure we look for
        raise AssertionError(f"{match.method.name}: request does not parse: {exc}") from exc
    if isinstance(body, dict):
        # The parse above also accepts camelCase JSON names and enum numbers; the official
        # JSON client sends proto field names and enum names, and so must this one.
        desc = match.method.input_type
        if match.body_field not in ("*", ""):
            desc = desc.fields_by_name[match.body_field].message_type
        problems = wire_form_problems(desc, body, match.method.name)
        assert not problems, f"{match.method.name}: not the official wire form: {problems}"
    SENT_REQUESTS.append((match.method.name, request.method, path))


#: Messages whose JSON form has free keys (metadata and the like).
_FREE_FORM = {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"}


def wire_form_problems(desc, obj, where: str) -> list[str]:
    """Keys that are not proto field names (a camelCase JSON name, say) and enum
    values that are not names, anywhere in ``obj`` read as message ``desc``."""
    if desc.full_name in _FREE_FORM or not isinstance(obj, dict):
        return []
    problems = []
    for key, value in obj.items():
        field = desc.fields_by_name.get(key)
        if field is None:
            problems.append(f"{where}.{key}: not a proto field name of {desc.name}")
            continue
        values = value if isinstance(value, list) else [value]
        for i, item in enumerate(values):
            at = f"{where}.{key}[{i}]" if isinstance(value, list) else f"{where}.{key}"
            if field.enum_type is not None and not isinstance(item, str):
                problems.append(f"{at}: enum sent as {item!r}, not its name")
            elif field.message_type is not None and not field.message_type.GetOptions().map_entry:
                problems.extend(wire_form_problems(field.message_type, item, at))
    return problems


def contract_hooks() -> dict[str, list]:
    """httpx event hooks that check every request against the official contract."""
    return {"request": [contract_check]}


async def _acontract_check(request: httpx.Request) -> None:
    contract_check(request)


def async_contract_hooks() -> dict[str, list]:
    return {"request": [_acontract_check]}
