"""Which existing task create_task takes for the requested one when the API leaves fields
out: a task with no input source reads as ALL_INPUTS and one with no review as NONE (so
the spec's defaults adopt it); a missing name, type or worker strategy reads as empty,
and the conflict lists each field that differs, both values shown."""

from __future__ import annotations

import pytest

from connector.errors import ConflictError
from connector.operations import TaskSpec, create_task
from tests.support.scenarios import writes

SPEC = TaskSpec(name="label bare", concept_ids=("cat",), workers=("alice", "bob"), run_key="bare")


def test_a_task_without_input_source_or_review_is_the_default_task(client, emulator) -> None:
    bare = {k: v for k, v in SPEC.to_task().items() if k not in ("input_source", "review")}
    client.post_tasks([bare])
    stored = client.get_task(SPEC.id)
    assert "input_source" not in stored and "review" not in stored
    emulator.admin.clear_requests()
    result = create_task(client, SPEC)
    assert result.counts == {"created": 0, "adopted": 1} and result.details["drift"] == ""
    assert writes(emulator) == []


def test_a_conflict_lists_every_field_that_differs(client, emulator) -> None:
    task = SPEC.to_task()
    del task["name"], task["type"], task["worker"]["strategy"]
    client.post_tasks([task])
    emulator.admin.clear_requests()
    with pytest.raises(ConflictError) as info:
        create_task(client, SPEC)
    assert str(info.value) == (
        f"task {SPEC.id!r} exists and differs from the requested one ("
        "name: '' != 'label bare', type: '' != 'CONCEPTS_CLASSIFICATION', worker_strategy: '' != 'FULL'"
        "); use another name/run key or delete it first"
    )
    assert writes(emulator) == []
