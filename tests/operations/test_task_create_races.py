"""Another writer creates the same task id between create_task's read (not found) and its
create: the create's "already exists" is resolved by reading the task back. The same
task is adopted (reported as an adoption, not a creation); a different one is a
conflict that names the task, and the other writer's task is left as it is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.errors import ConflictError
from connector.operations import ProgressEvent, TaskSpec, create_task
from tests.support.contract import contract_hooks

SPEC = TaskSpec(name="label raced", concept_ids=("cat",), workers=("alice", "bob"), run_key="race")


@contextmanager
def _raced_by(client_config, task: dict[str, Any]) -> Iterator[ClarifaiClient]:
    """A client whose first PostTasks is preceded by another client's PostTasks of ``task``."""
    raced: list[str] = []
    with ClarifaiClient(client_config, event_hooks=contract_hooks()) as other:

        def other_writer_first(request: httpx.Request) -> None:
            if request.method == "POST" and request.url.path.endswith("/tasks") and not raced:
                raced.append(request.url.path)
                other.post_tasks([task])

        hooks = contract_hooks()
        hooks["request"].append(other_writer_first)
        with ClarifaiClient(client_config, event_hooks=hooks) as client:
            yield client
    assert raced, "the other writer never ran"


def _posts(emulator) -> list[tuple[str, int]]:
    return [(r["rpc"], r["http_status"]) for r in emulator.admin.requests() if r["method"] == "POST"]


def test_the_same_task_created_meanwhile_is_adopted(client_config, emulator) -> None:
    events: list[ProgressEvent] = []
    with _raced_by(client_config, SPEC.to_task()) as client:
        result = create_task(client, SPEC, progress=events.append)
        stored = client.get_task(SPEC.id)
    assert result.counts == {"created": 0, "adopted": 1}
    assert result.details["action"] == "adopt" and result.details["task"] == stored
    assert events == [ProgressEvent("tasks", "adopt", 1, 1, SPEC.id)]
    assert [rpc for rpc, _ in _posts(emulator)] == ["PostTasks", "PostTasks"]  # the other's, then ours
    assert _posts(emulator)[1][1] != 200  # ours found the task there


def test_a_different_task_created_meanwhile_is_a_conflict(client_config, emulator) -> None:
    theirs = {**SPEC.to_task(), "type": "POLYGON_DETECTION"}
    with _raced_by(client_config, theirs) as client:
        with pytest.raises(ConflictError) as info:
            create_task(client, SPEC)
        stored = client.get_task(SPEC.id)
    assert str(info.value) == (
        f"task {SPEC.id} already exists and differs from the requested one; "
        "use another name/run key or delete the existing object"
    )
    assert stored["type"] == "POLYGON_DETECTION"
