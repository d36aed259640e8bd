"""What create_task reports for a task it creates, would create, adopts or would adopt:
the operation, the dry-run flag, the counts, the task id, the action in words, the task
as stored (or as it would be sent), the drift from the spec, the requests made (each
one in the emulator's log) and one progress event naming the action; and its arguments
checked by name before any request."""

from __future__ import annotations

from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations import ProgressEvent, TaskSpec, create_task
from tests.support.scenarios import writes


def _spec(key: str, **kw: Any) -> TaskSpec:
    base: dict[str, Any] = {"name": f"label {key}", "concept_ids": ("cat",), "workers": ("alice", "bob")}
    base.update(kw)
    return TaskSpec(run_key=key, **base)


def _reported(result, emulator) -> dict[str, Any]:
    data = result.to_dict()
    assert data["elapsed"] > 0  # measured over the requests made, never left unset
    assert data["requests"] == len(emulator.admin.requests())
    del data["elapsed"]
    return data


def test_what_a_create_and_its_dry_run_report(client, emulator) -> None:
    spec = _spec("made")
    events: list[ProgressEvent] = []
    dry = create_task(client, spec, dry_run=True, progress=events.append)
    assert dry.dry_run is True
    assert _reported(dry, emulator) == {
        "operation": "tasks.create",
        "dry_run": True,
        "counts": {"created": 0, "adopted": 0},
        "ids": {"task": [spec.id]},
        "requests": 2,  # the task read (not found), the app read
        "details": {"action": "would create", "task": spec.to_task(), "drift": ""},
    }
    assert writes(emulator) == []
    emulator.admin.clear_requests()
    made = create_task(client, spec, progress=events.append)
    assert made.dry_run is False
    reported = _reported(made, emulator)
    assert reported == {
        "operation": "tasks.create",
        "dry_run": False,
        "counts": {"created": 1, "adopted": 0},
        "ids": {"task": [spec.id]},
        "requests": 3,  # the task read, the app read, the create
        "details": {"action": "create", "task": client.get_task(spec.id), "drift": ""},
    }
    assert made.details["task"]["created_at"]  # the task as the API stored it, not the body sent
    # One event per call, its stage the action (a dry run's too), for the one task.
    assert events == [ProgressEvent("tasks", "create", 1, 1, spec.id)] * 2


@pytest.mark.parametrize("dry_run", [False, True])
def test_what_an_adoption_reports(client, emulator, dry_run) -> None:
    spec = _spec("kept", review="MANUAL", reviewers=("carol",))
    create_task(client, spec)
    stored = client.get_task(spec.id)
    emulator.admin.clear_requests()
    events: list[ProgressEvent] = []
    again = create_task(
        client, _spec("kept", review="MANUAL", reviewers=("dave",)), dry_run=dry_run, progress=events.append
    )
    assert _reported(again, emulator) == {
        "operation": "tasks.create",
        "dry_run": dry_run,
        "counts": {"created": 0, "adopted": 1},
        "ids": {"task": [spec.id]},
        "requests": 1,  # the task read: found, nothing else to do
        "details": {
            "action": "would adopt" if dry_run else "adopt",
            "task": stored,
            "drift": "reviewers: ['carol'] != ['dave']",
        },
    }
    assert events == [ProgressEvent("tasks", "adopt", 1, 1, spec.id)]


@pytest.mark.parametrize(("progress", "kind"), [("print", "a str"), (3, "an int")])
def test_a_progress_that_is_not_callable_is_refused_by_name(client, emulator, progress, kind) -> None:
    with pytest.raises(ValidationError) as info:
        create_task(client, _spec("progress"), progress=progress)  # type: ignore[arg-type]
    assert info.value.argument == "progress"
    assert str(info.value) == f"progress must be a function or None, got {kind}"
    assert emulator.admin.requests() == []


@pytest.mark.parametrize(
    ("argument", "value", "choices"),
    [
        ("priority", 1, ["HIGH", "LOW", "MEDIUM"]),
        ("review", None, ["CONSENSUS", "MANUAL", "NONE"]),
        ("worker_strategy", ["FULL"], ["FULL", "PARTITIONED"]),
        (
            "type",
            b"polygon",
            [
                "BOUNDING_BOX_DETECTION",
                "CONCEPTS_CLASSIFICATION",
                "POLYGON_DETECTION",
                "bounding_box",
                "classification",
                "polygon",
            ],
        ),
    ],
)
def test_a_choice_that_is_not_a_string_is_refused_by_name(argument, value, choices) -> None:
    with pytest.raises(ValidationError) as info:
        _spec("choice", **{argument: value})
    assert info.value.argument == argument
    assert str(info.value) == f"{argument} must be one of {choices}, got {value!r}"
