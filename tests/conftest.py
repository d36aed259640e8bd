"""Shared fixtures: one emulator server per session on a free loopback port, reset before
every test; a client pointed at it whose every request is checked against the official
route table and request messages (the contract check of issue #2).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from connector.config import ClarifaiConfig, RetryPolicy
from connector.emulator.options import VALIDATE_ENV, EmulatorOptions
from connector.emulator.testing import EmulatorServer

# Every emulator the suite starts (this session's, the ones tests and the demo command
# start in process, and `python -m connector.emulator` subprocesses, which inherit the
# environment) checks each response against its official message; a violation answers
# 500, is listed by the admin API, and fails the `emulator` fixture / EmulatorServer exit.
os.environ.setdefault(VALIDATE_ENV, "1")

#: Retry waits short enough for tests; the policy itself is the default one otherwise.
FAST_RETRY = RetryPolicy(max_attempts=5, max_elapsed=20.0, initial_wait=0.01, max_wait=0.05, max_retry_after=2.0, hourly_limit_wait=0.05)

#: Every request the clients built by these fixtures sent: (rpc name, method, path).
SENT_REQUESTS: list[tuple[str, str, str]] = []


def _contract_check(request: httpx.Request) -> None:
    """Fail the test at once if a request has no official route or does not parse into
    its official request message (unknown fields included)."""
    from connector.emulator.routing import RequestParseError, build_request_message, route_table

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
    return {"request": [_contract_check]}


async def _acontract_check(request: httpx.Request) -> None:
    _contract_check(request)


def async_contract_hooks() -> dict[str, list]:
    return {"request": [_acontract_check]}


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(
        port=0,
        seed="empty",
        seed_inputs=0,
        validate_responses=True,
        version_pending_seconds=0.02,
        version_in_progress_seconds=0.03,
        bulk_operation_seconds=0.05,
        inputs_add_job_seconds=0.05,
        hang_seconds=5.0,
    )
    with EmulatorServer(options) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session's emulator, reset to an empty app with no faults and a fresh log;
    after the test, no response may have violated its official message."""
    emulator_server.admin.reset(seed="empty")
    yield emulator_server
    violations = emulator_server.admin.violations()
    assert not violations, f"emulator produced responses that break the official contract: {violations}"


@pytest.fixture
def client_config(emulator: EmulatorServer) -> ClarifaiConfig:
    return emulator.client_config(retry=FAST_RETRY, rate_limit=0)


@pytest.fixture
def client(client_config: ClarifaiConfig):
    from connector.client import ClarifaiClient

    with ClarifaiClient(client_config, event_hooks=contract_hooks()) as c:
        yield c
