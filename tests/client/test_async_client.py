"""The async client against the emulator: same endpoint methods, same retry and
safe-write rules, listings as async iterators, shared rate limiter between tasks."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from connector import aio
from connector import client as sync_client
from connector.aio import AsyncClarifaiClient
from connector.client import ClarifaiClient
from connector.endpoints import EndpointMethod, EndpointMethods
from connector.errors import (
    AlreadyExistsError,
    NotFoundError,
    OutcomeUnknownError,
    TransientServerError,
)
from connector.ratelimit import TokenBucket
from tests.support.contract import async_contract_hooks
from tests.support.endpoints import ENDPOINT_CALLS


def run(coro):
    return asyncio.run(coro)


def _requests(emulator, rpc: str) -> list[dict]:
    return [r for r in emulator.admin.requests() if r["rpc"] == rpc]


def test_async_crud_and_listing(client_config, emulator) -> None:
    async def main() -> None:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as c:
            created = await c.post_datasets([{"id": f"a{i}"} for i in range(12)])
            assert len(created) == 12
            assert (await c.get_dataset("a3"))["id"] == "a3"
            got = [d["id"] async for d in c.list_datasets(per_page=5, concurrency=2)]
            assert sorted(got) == sorted(f"a{i}" for i in range(12))
            await c.delete_datasets(["a3", "never"])
            with pytest.raises(NotFoundError):
                await c.get_dataset("a3")
            with pytest.raises(AlreadyExistsError):
                await c.post_datasets([{"id": "a4"}])
            assert (await c.call("GetApp"))["app"]["id"] == client_config.app_id

    run(main())


def test_async_retries_transient_faults(client_config, emulator) -> None:
    async def main() -> AsyncClarifaiClient:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as c:
            await c.post_datasets([{"id": "r"}])
            emulator.admin.script_fault("http_429", count=1, rpc="GetDataset")
            emulator.admin.script_fault("http_503_html", count=1, rpc="GetDataset")
            assert (await c.get_dataset("r"))["id"] == "r"
            return c

    c = run(main())
    assert len(_requests(emulator, "GetDataset")) == 3
    assert c.stats.retries == 2 and c.stats.throttled == 1


def test_async_unsafe_write_is_outcome_unknown(client_config, emulator) -> None:
    async def main() -> None:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as c:
            emulator.admin.script_fault("applied_then_dropped", count=1, rpc="PostInputs")
            with pytest.raises(OutcomeUnknownError) as info:
                await c.post_inputs([{"data": {"text": {"raw": "x"}}}])
            assert info.value.__cause__ is not None
            assert len([i async for i in c.list_inputs()]) == 1  # it was applied: read back

    run(main())
    assert len(_requests(emulator, "PostInputs")) == 1


def test_async_retries_exhausted(client_config, emulator) -> None:
    attempts = client_config.retry.max_attempts

    async def main() -> None:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as c:
            emulator.admin.script_fault("http_500_internal", count=attempts, rpc="ListDatasets")
            with pytest.raises(TransientServerError) as info:
                [d async for d in c.list_datasets()]
            assert info.value.attempts == attempts

    run(main())
    assert len(_requests(emulator, "ListDatasets")) == attempts


def test_tasks_share_one_rate_limiter(client_config, emulator) -> None:
    config = client_config.replace(rate_limit=100.0, rate_burst=2)
    waits: list[float] = []

    async def main() -> AsyncClarifaiClient:
        async with AsyncClarifaiClient(config, event_hooks=async_contract_hooks()) as c:
            # a frozen clock: no refill, so the reservations show the sharing exactly
            c._limiter = TokenBucket(config.rate_limit, config.rate_burst, clock=lambda: 0.0)
            reserve = c._limiter.reserve
            c._limiter.reserve = lambda: waits.append(reserve()) or waits[-1]
            await asyncio.gather(*(c.call("ListDatasets") for _ in range(6)))
            return c

    c = run(main())
    assert c.stats.requests == 6 and len(waits) == 6
    # Six tasks took from one bucket of two: four had to wait their turn, in order.
    assert sorted(waits) == pytest.approx([0.0, 0.0, 0.01, 0.02, 0.03, 0.04])


def test_endpoint_methods_are_shared_not_duplicated() -> None:
    """Both clients get their endpoint methods from one class, and the async one is a
    real twin: every public sync method exists on it with the same parameters."""
    shared = inspect.getmembers(EndpointMethods, lambda member: isinstance(member, EndpointMethod))
    assert len(shared) == len(ENDPOINT_CALLS)
    for name, method in shared:
        assert getattr(AsyncClarifaiClient, name) is method
        assert getattr(ClarifaiClient, name) is method
    for name in ("call", "iter_pages", "paginate"):
        sync_params = list(inspect.signature(getattr(ClarifaiClient, name)).parameters)
        async_params = list(inspect.signature(getattr(AsyncClarifaiClient, name)).parameters)
        assert sync_params == async_params, name
    assert inspect.iscoroutinefunction(AsyncClarifaiClient.call)
    assert aio.transport is sync_client.transport
