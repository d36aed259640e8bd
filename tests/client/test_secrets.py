"""Canary: a unique PAT must never appear in any log record (DEBUG, every logger,
httpx/httpcore included), error message, repr, or pickled error."""

from __future__ import annotations

import asyncio
import logging
import pickle
import uuid

import pytest

from connector.aio import AsyncClarifaiClient
from connector.client import ClarifaiClient
from connector.config import Timeouts
from connector.errors import (
    AuthenticationError,
    ClarifaiError,
    InvalidArgumentError,
    NotFoundError,
    OutcomeUnknownError,
    TransientServerError,
)
from tests.support.contract import async_contract_hooks, contract_hooks


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _assert_clean(canary: str, errors: list[BaseException], caplog) -> None:
    assert caplog.records, "nothing was logged: the canary check would be empty"
    for record in caplog.records:
        assert canary not in record.getMessage(), record.name
        assert canary not in repr(record.args), record.name
        assert canary not in repr(record.__dict__), record.name
    assert canary not in caplog.text
    for error in errors:
        for exc in _chain(error):
            assert canary not in str(exc) and canary not in repr(exc), type(exc)
            if isinstance(exc, ClarifaiError):
                assert canary not in repr(pickle.dumps(exc))
                assert canary.encode() not in pickle.dumps(exc)
                assert canary not in repr(vars(exc))


def test_pat_never_leaks_from_sync_client(client_config, emulator, caplog) -> None:
    canary = f"canary-pat-{uuid.uuid4().hex}"
    emulator.admin.add_pat(canary)
    caplog.set_level(logging.DEBUG)  # root: every logger, httpx and httpcore included
    config = client_config.replace(pat=canary, timeouts=Timeouts(connect=5, read=1.0, write=5, pool=5))
    errors: list[BaseException] = []
    with ClarifaiClient(config, event_hooks=contract_hooks()) as client:
        assert canary not in repr(config) and canary not in str(config) and canary not in repr(client)
        client.post_datasets([{"id": "ok"}])
        assert [d["id"] for d in client.list_datasets()] == ["ok"]
        with pytest.raises(NotFoundError) as info:
            client.get_dataset("missing")
        errors.append(info.value)
        with pytest.raises(InvalidArgumentError) as info:
            client.call("ListDatasets", params={"per_page": 5000})
        errors.append(info.value)
        emulator.admin.script_fault("reset", count=1, rpc="PostInputs")
        with pytest.raises(OutcomeUnknownError) as info:
            client.post_inputs([{"data": {"text": {"raw": "x"}}}])
        errors.append(info.value)
        emulator.admin.script_fault("hang", count=1, rpc="PostInputs")
        with pytest.raises(OutcomeUnknownError) as info:
            client.post_inputs([{"data": {"text": {"raw": "y"}}}])
        errors.append(info.value)
        emulator.admin.script_fault("http_503_html", count=client_config.retry.max_attempts, rpc="GetApp")
        with pytest.raises(TransientServerError) as info:
            client.get_app()
        errors.append(info.value)
        assert client.stats.retries >= 1
    bad = client_config.replace(pat=canary + "-wrong")
    with ClarifaiClient(bad, event_hooks=contract_hooks()) as client, pytest.raises(AuthenticationError) as info:
        client.get_app()
    errors.append(info.value)
    assert any(r.name.startswith("httpx") for r in caplog.records)
    assert any(r.name == "connector.retry" for r in caplog.records)
    _assert_clean(canary, errors, caplog)


def test_pat_never_leaks_from_async_client(client_config, emulator, caplog) -> None:
    canary = f"canary-pat-{uuid.uuid4().hex}"
    emulator.admin.add_pat(canary)
    caplog.set_level(logging.DEBUG)
    config = client_config.replace(pat=canary)
    errors: list[BaseException] = []

    async def main() -> None:
        async with AsyncClarifaiClient(config, event_hooks=async_contract_hooks()) as client:
            assert canary not in repr(client)
            await client.post_datasets([{"id": "ok"}])
            try:
                await client.get_dataset("missing")
            except NotFoundError as exc:
                errors.append(exc)
            emulator.admin.script_fault("applied_then_dropped", count=1, rpc="PostInputs")
            try:
                await client.post_inputs([{"data": {"text": {"raw": "x"}}}])
            except OutcomeUnknownError as exc:
                errors.append(exc)

    asyncio.run(main())
    assert [type(e) for e in errors] == [NotFoundError, OutcomeUnknownError]
    _assert_clean(canary, errors, caplog)
