"""The arguments of a task update (update_task, plan_update_task, mark_done) are checked
before the first request, and each refusal names the argument at fault in words a person
can act on: which argument, which value, what it should be."""

from __future__ import annotations

from typing import Any

import pytest

from connector.errors import NotFoundError, ValidationError
from connector.operations import mark_done, plan_update_task, update_task

BAD = "no spaces"
PROBLEM = "may hold only letters, digits, '_' and '-'"


def _refused(emulator, call, *args: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert emulator.admin.requests() == []  # refused before any request
    return info.value


@pytest.mark.parametrize("call", [plan_update_task, update_task], ids=["plan", "update"])
@pytest.mark.parametrize(
    ("argument", "what"),
    [("workers", "worker user id"), ("reviewers", "reviewer user id"), ("concepts", "concept id")],
)
def test_an_invalid_member_id_is_named_with_its_argument(client, emulator, call, argument, what) -> None:
    error = _refused(emulator, call, client, "t1", **{argument: ["ok", BAD]})
    assert error.argument == argument
    assert str(error) == f"{argument} {BAD!r} is not a valid {what}: it {PROBLEM}"


@pytest.mark.parametrize("call", [plan_update_task, update_task, mark_done], ids=["plan", "update", "done"])
def test_an_invalid_task_id_is_named_task_id(client, emulator, call) -> None:
    kwargs = {} if call is mark_done else {"workers": ["alice"]}
    error = _refused(emulator, call, client, BAD, **kwargs)
    assert error.argument == "task_id"
    assert str(error) == f"task_id {BAD!r} is not a valid task id: it {PROBLEM}"


@pytest.mark.parametrize("call", [update_task, mark_done], ids=["update", "done"])
def test_dry_run_must_be_a_bool(client, emulator, call) -> None:
    kwargs = {} if call is mark_done else {"workers": ["alice"]}
    error = _refused(emulator, call, client, "t1", dry_run="no", **kwargs)
    assert error.argument == "dry_run"
    assert str(error) == "dry_run must be True or False, got 'no'"


def test_done_must_be_a_bool(client, emulator) -> None:
    error = _refused(emulator, plan_update_task, client, "t1", workers=["alice"], done="yes")
    assert error.argument == "done"
    assert str(error) == "done must be True or False, got 'yes'"


@pytest.mark.parametrize("call", [plan_update_task, update_task], ids=["plan", "update"])
@pytest.mark.parametrize("mode", [3, None, b"merge"])
def test_a_mode_that_is_not_a_string_is_refused_by_name(client, emulator, call, mode) -> None:
    error = _refused(emulator, call, client, "t1", workers=["alice"], mode=mode)
    assert error.argument == "mode"
    assert str(error) == f"mode must be one of ['overwrite', 'merge', 'remove'], got {mode!r}"


def test_a_plan_of_nothing_says_what_to_give(client, emulator) -> None:
    error = _refused(emulator, plan_update_task, client, "t1")
    assert error.argument == "workers"
    assert str(error) == "nothing to update: give workers=[...], reviewers=[...] or concepts=[...], or done=True"
    assert error.render({"workers": "--worker", "done": "--done"}) == (
        "nothing to update: give --worker, reviewers=[...] or concepts=[...], or --done"
    )


@pytest.mark.parametrize("given", ["workers", "reviewers", "concepts"])
def test_one_member_list_alone_is_something_to_plan(client, emulator, given) -> None:
    """Any one of the lists (or done) is enough: the "nothing to update" refusal needs
    all three missing. The task does not exist, so the read that follows the checks
    answers not found."""
    with pytest.raises(NotFoundError):
        plan_update_task(client, "t1", **{given: ["alice"]})
    assert [r["rpc"] for r in emulator.admin.requests()] == ["GetTask", "GetApp"]
