"""The argument checks every operation runs before its first request: their limits
exactly at the edges, what they take for a client, and messages that name the argument,
the kind of thing expected and the value given."""

from __future__ import annotations

import types

import pytest

from connector.aio import AsyncClarifaiClient
from connector.errors import ValidationError
from connector.operations.batches import write_in_batches
from connector.operations.checks import MAX_BATCH_SIZE, check_batch_size, check_client, check_id, check_ids


@pytest.mark.parametrize("size", [1, 2, MAX_BATCH_SIZE - 1, MAX_BATCH_SIZE])
def test_a_batch_size_from_1_to_the_apis_maximum_is_taken(size):
    assert check_batch_size(size) == size


@pytest.mark.parametrize("size", [0, -1, MAX_BATCH_SIZE + 1, True, 2.0, "10"])
def test_a_batch_size_outside_or_not_a_whole_number_is_refused(size):
    with pytest.raises(ValidationError, match=r"^batch_size must be a whole number from 1 to 1000, got "):
        check_batch_size(size)


def test_a_client_needs_both_the_endpoint_methods_and_a_config(client_config):
    def get_dataset(**_: object) -> None:
        return None

    for fake in (
        types.SimpleNamespace(get_dataset=get_dataset, config=None),  # methods, no config
        types.SimpleNamespace(get_dataset="not callable", config=client_config),
        types.SimpleNamespace(config=client_config),  # a config, no methods
    ):
        with pytest.raises(ValidationError, match=r"^client must be a ClarifaiClient \(connector.client\), got "):
            check_client(fake)
    check_client(types.SimpleNamespace(get_dataset=get_dataset, config=client_config))  # duck-typed: taken


def test_an_async_client_is_refused_with_where_async_code_can_wait(client_config):
    async_client = AsyncClarifaiClient(client_config)
    try:
        with pytest.raises(ValidationError) as refused:
            check_client(async_client)
    finally:
        import asyncio

        asyncio.run(async_client.aclose())
    assert str(refused.value) == (
        "client is an AsyncClarifaiClient: the operations take a ClarifaiClient "
        "(async code can wait with connector.operations.async_waits)"
    )


def test_an_invalid_id_is_named_as_an_id_unless_said_otherwise():
    with pytest.raises(ValidationError, match=r"^dataset_id 'no spaces please' is not a valid id: it "):
        check_id("dataset_id", "no spaces please")
    with pytest.raises(ValidationError, match=r"^version 'a b' is not a valid dataset version id: it "):
        check_id("version", "a b", "dataset version id")


@pytest.mark.parametrize("values", [None, b"i1", {"i1": 1}, 7])
def test_ids_given_as_bytes_a_mapping_or_no_collection_are_refused(values):
    with pytest.raises(ValidationError, match=r"^input_ids must be an id or a list of ids, got "):
        check_ids("input_ids", values)
    with pytest.raises(ValidationError, match=r"^input_ids must be a list of ids, got "):
        check_ids("input_ids", values, single=False)
    with pytest.raises(ValidationError, match=r"^task_ids must be a task id or a list of task ids, got "):
        check_ids("task_ids", values, "task id")


def test_ids_are_kept_in_order_once_each():
    assert check_ids("input_ids", ["b", "a", "b"]) == ["b", "a"]
    assert check_ids("input_ids", "a") == ["a"]


def test_batched_writes_report_the_operation_and_each_container_as_they_go():
    events: list[tuple] = []
    written: list[tuple[str, list[str]]] = []
    client = types.SimpleNamespace(config=types.SimpleNamespace(page_concurrency=1))
    count = write_in_batches(
        client,  # type: ignore[arg-type]
        {"train": ["a", "b", "c"], "test": ["d"]},
        lambda container, batch: written.append((container, batch)),
        batch_size=2,
        progress=lambda *event: events.append(event),
        operation="split",
        stage="add",
    )
    assert count == 4
    assert written == [("train", ["a", "b"]), ("train", ["c"]), ("test", ["d"])]
    assert [(e.operation, e.stage, e.done, e.total, e.message) for e in _events(events)] == [
        ("split", "add", 2, 4, "train"),
        ("split", "add", 3, 4, "train"),
        ("split", "add", 4, 4, "test"),
    ]


def _events(raw: list[tuple]) -> list[types.SimpleNamespace]:
    """Progress events as called: one argument, an object with the event's fields."""
    return [event[0] for event in raw]
