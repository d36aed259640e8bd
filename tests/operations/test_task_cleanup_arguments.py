"""The cleanup, delete and watch entry points refuse a bad argument before their first
request, naming it; a cleanup plan's JSON is refused field by field; a zero or short
duration is a valid age limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations import (
    CleanupPlan,
    TaskSpec,
    apply_cleanup,
    cleanup_tasks,
    create_task,
    plan_cleanup,
    plan_delete_tasks,
    watch_task,
)
from connector.operations.base import utcnow

NAIVE = datetime(2026, 3, 1)  # no time zone: refused, the API's times are aware


def _done_task(client, emulator, key: str) -> str:
    spec = TaskSpec(name=f"label {key}", concept_ids=("cat",), workers=("alice",), run_key=key)
    create_task(client, spec)
    emulator.admin.set_task_progress(spec.id, status="TASK_DONE")
    return spec.id


@pytest.mark.parametrize(
    ("kwargs", "message", "argument"),
    [
        ({"dry_run": "yes"}, "dry_run must be True or False, got 'yes'", "dry_run"),
        ({"progress": 5}, "progress must be a function or None, got an int", "progress"),
        ({"include_idle": None}, "include_idle must be True or False, got None", "include_idle"),
        ({"now": "2026-03-01"}, "now must be a datetime or None, got '2026-03-01'", "now"),
        ({"older_than": timedelta(seconds=-1)}, "older_than must be a non-negative duration, got ", "older_than"),
    ],
)
def test_cleanup_tasks_names_a_bad_argument_before_any_request(
    client, emulator, kwargs: dict[str, Any], message: str, argument: str
) -> None:
    emulator.admin.clear_requests()
    call = {"older_than": timedelta(days=1), **kwargs}
    with pytest.raises(ValidationError) as info:
        cleanup_tasks(client, **call)
    assert str(info.value).startswith(message) and info.value.argument == argument
    assert emulator.admin.requests() == []


def test_cleanup_tasks_names_a_bad_moment_first_as_plan_cleanup_does(client, emulator) -> None:
    emulator.admin.clear_requests()
    for call in (
        lambda: plan_cleanup(client, timedelta(days=1), now="today", include_idle="no"),  # type: ignore[arg-type]
        lambda: cleanup_tasks(client, timedelta(days=1), now="today", dry_run="no", progress=5),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError) as info:
            call()
        assert str(info.value) == "now must be a datetime or None, got 'today'" and info.value.argument == "now"
    assert emulator.admin.requests() == []


@pytest.mark.parametrize(
    ("kwargs", "message", "argument"),
    [
        ({"recheck": "yes"}, "recheck must be True or False, got 'yes'", "recheck"),
        ({"recheck": None}, "recheck must be True or False, got None", "recheck"),
        ({"progress": 5}, "progress must be a function or None, got an int", "progress"),
        ({"progress": "print"}, "progress must be a function or None, got a str", "progress"),
    ],
)
def test_apply_cleanup_names_a_bad_argument_before_any_request(
    client, emulator, kwargs: dict[str, Any], message: str, argument: str
) -> None:
    tid = _done_task(client, emulator, "a")
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError) as info:
        apply_cleanup(client, plan, **kwargs)
    assert str(info.value) == message and info.value.argument == argument
    assert emulator.admin.requests() == [] and [t["id"] for t in client.list_tasks()] == [tid]


@pytest.mark.parametrize("now", ["2026-03-01T00:00:00Z", NAIVE.date()])
def test_the_plans_refuse_a_moment_that_is_not_a_datetime_before_any_request(client, emulator, now: object) -> None:
    _done_task(client, emulator, "p")
    emulator.admin.clear_requests()
    for plan in (
        lambda: plan_cleanup(client, timedelta(0), now=now),  # type: ignore[arg-type]
        lambda: plan_delete_tasks(client, ["t1"], now=now),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError) as info:
            plan()
        assert str(info.value) == f"now must be a datetime or None, got {now!r}" and info.value.argument == "now"
    assert emulator.admin.requests() == []


def test_a_naive_moment_is_refused_before_any_request(client, emulator) -> None:
    tid = _done_task(client, emulator, "n")
    emulator.admin.clear_requests()
    message = "now must be a timezone-aware datetime (such as datetime.now(UTC)), got " + repr(NAIVE)
    for plan in (
        lambda: plan_cleanup(client, timedelta(0), now=NAIVE),
        lambda: cleanup_tasks(client, timedelta(0), now=NAIVE),
        lambda: plan_delete_tasks(client, [tid], now=NAIVE),
    ):
        with pytest.raises(ValidationError) as info:
            plan()
        assert str(info.value) == message and info.value.argument == "now"
    assert emulator.admin.requests() == [] and [t["id"] for t in client.list_tasks()] == [tid]
    aware = NAIVE.replace(tzinfo=UTC) + timedelta(days=365 * 10)  # the same moment, with its zone
    assert plan_delete_tasks(client, [tid], now=aware).rows[0]["action"] == "delete"
    assert plan_cleanup(client, timedelta(0), now=aware).to_delete == [tid]


@pytest.mark.parametrize("older_than", [timedelta(0), timedelta(hours=1), timedelta(hours=23, minutes=59)])
def test_an_age_limit_of_zero_or_under_a_day_is_valid(client, emulator, older_than: timedelta) -> None:
    tid = _done_task(client, emulator, "z")
    later = utcnow() + timedelta(days=1)
    assert plan_cleanup(client, older_than, now=later).to_delete == [tid]
    plan, result = cleanup_tasks(client, older_than, now=later)
    assert plan.older_than_seconds == older_than.total_seconds() and result.ids == {"deleted": [tid]}
    assert list(client.list_tasks()) == []


def test_watch_task_passes_its_schedule_on(client, emulator) -> None:
    spec = TaskSpec(name="watched", concept_ids=("cat",), workers=("alice",))
    create_task(client, spec)
    emulator.admin.set_task_progress(spec.id, status="TASK_DONE")
    for name, value in (("max_interval", "1s"), ("interval", None), ("timeout", "never")):
        with pytest.raises(ValidationError) as info:
            watch_task(client, spec.id, **{name: value})
        assert str(info.value) == f"{name} must be a number of seconds, got {value!r}" and info.value.argument == name
    with pytest.raises(ValidationError) as info:
        watch_task(client, spec.id, progress=5)  # type: ignore[arg-type]
    assert info.value.argument == "progress"


# -- a cleanup plan's JSON, field by field ---------------------------------------------------------

ROW = {
    "task_id": "t1",
    "name": "old",
    "status": "TASK_DONE",
    "modified_at": "2026-01-01T00:00:00+00:00",
    "age_days": 59.0,
    "action": "delete",
    "reason": "delete: done and untouched for more than 30d",
}
PLAN = {
    "operation": "tasks.cleanup",
    "rows": [ROW],
    "older_than_seconds": 2592000.0,
    "now": "2026-03-01T00:00:00+00:00",
}


@pytest.mark.parametrize(
    ("change", "message", "argument"),
    [
        (
            {"rows": [ROW, dict(ROW, task_id="t2", modified_at="last tuesday")]},
            "plan field rows[1].modified_at must be an ISO 8601 timestamp, got 'last tuesday'",
            "rows[1].modified_at",
        ),
        (
            {"rows": [dict(ROW, modified_at="2026-13-45T00:00:00Z")]},
            "plan field rows[0].modified_at must be an ISO 8601 timestamp, got '2026-13-45T00:00:00Z'",
            "rows[0].modified_at",
        ),
        (
            {"older_than_seconds": "30d"},
            "plan field older_than_seconds must be a number, got '30d'",
            "older_than_seconds",
        ),
        (
            {"older_than_seconds": -1},
            "plan field older_than_seconds must be 0 or more, got -1",
            "older_than_seconds",
        ),
        ({"now": "yesterday"}, "plan field now must be an ISO 8601 timestamp, got 'yesterday'", "now"),
        ({"now": 0}, "plan field now must be an ISO 8601 timestamp, got 0", "now"),
    ],
)
def test_a_cleanup_plans_json_is_refused_field_by_field(change: dict[str, Any], message: str, argument: str) -> None:
    with pytest.raises(ValidationError) as info:
        CleanupPlan.from_json(json.dumps({**PLAN, **change}))
    assert str(info.value) == message and info.value.argument == argument


def test_a_cleanup_plan_changed_after_loading_is_refused_by_apply(client, emulator) -> None:
    tid = _done_task(client, emulator, "c")
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    for field, value, argument in (
        ("now", "soon", "now"),
        ("older_than_seconds", None, "older_than_seconds"),
        ("rows", [dict(plan.rows[0], modified_at="then")], "rows[0].modified_at"),
    ):
        changed = CleanupPlan.from_dict(plan.to_dict())
        setattr(changed, field, value)
        emulator.admin.clear_requests()
        with pytest.raises(ValidationError) as info:
            apply_cleanup(client, changed)
        assert info.value.argument == argument and emulator.admin.requests() == []
    assert [t["id"] for t in client.list_tasks()] == [tid]
    assert CleanupPlan.from_json(json.dumps({"operation": "tasks.cleanup", "rows": []})).to_dict() == {
        "operation": "tasks.cleanup",
        "rows": [],
        "older_than_seconds": 0.0,
        "now": "",
    }


def test_watch_task_waits_as_long_as_wait_task_by_default() -> None:
    import inspect

    from connector.operations import waits

    def defaults(function: object) -> tuple[object, ...]:
        params = inspect.signature(function).parameters  # type: ignore[arg-type]
        return tuple(params[name].default for name in ("until", "timeout", "interval", "max_interval"))

    assert defaults(watch_task) == defaults(waits.wait_task) == ("done", 3600.0, 1.0, 30.0)
