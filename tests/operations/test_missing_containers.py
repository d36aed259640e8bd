"""An operation naming an app or dataset that does not exist fails with MissingObjectError
before it writes.

The hazard (found while checking status codes): the API has no "app does not exist"
status; a delete in a missing app answers CONN_DOES_NOT_EXIST, which a delete with
``missing_ok`` takes for "already gone". So a delete in the wrong app would report
success and delete nothing. The operations read the container first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from connector.client import ClarifaiClient
from connector.errors import MissingObjectError
from connector.operations import (
    PrunePlan,
    PrunePolicy,
    SplitSpec,
    TaskSpec,
    apply_prune,
    cleanup_tasks,
    create_task,
    delete_task,
    plan_prune,
    split,
)
from connector.operations.split import apply_split, plan_split
from tests.support.scenarios import make_dataset, make_inputs, make_versions, writes


@pytest.fixture
def wrong_app(client_config) -> Iterator[ClarifaiClient]:
    with ClarifaiClient(client_config.replace(app_id="no-such-app")) as c:
        yield c


def test_the_hazard_a_raw_delete_in_a_missing_app_passes_for_done(client, emulator, wrong_app):
    """What the operations guard against: the endpoint alone cannot tell."""
    create_task(client, TaskSpec(name="t", concept_ids=["cat"], workers=["alice"], task_id="t1"))
    emulator.admin.clear_requests()
    wrong_app.delete_tasks(["t1"])  # no error: "not found" on delete counts as done
    assert [r["method"] for r in writes(emulator)] == ["DELETE"]
    assert client.get_task("t1")["id"] == "t1"  # and nothing was deleted


def test_delete_task_in_a_missing_app_fails_before_the_delete(client, emulator, wrong_app):
    create_task(client, TaskSpec(name="t", concept_ids=["cat"], workers=["alice"], task_id="t1"))
    emulator.admin.clear_requests()
    for dry_run in (False, True):
        with pytest.raises(MissingObjectError, match="app 'no-such-app' of user 'demo' does not exist") as caught:
            delete_task(wrong_app, "t1", dry_run=dry_run)
        assert caught.value.argument == "app_id"
    assert writes(emulator) == []
    # In the right app the same call deletes; a missing task there is still "done".
    assert delete_task(client, ["t1", "never-was"]).counts["deleted"] == 2
    assert [t["id"] for t in client.list_tasks()] == []


def test_a_delayed_prune_into_a_missing_app_or_dataset_writes_nothing(client, emulator, wrong_app):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}])
    plan = PrunePlan.from_json(plan_prune(client, "ds", PrunePolicy(keep_last=1)).to_json())
    gone = PrunePlan.from_dict({**plan.to_dict(), "rows": [dict(r, dataset_id="gone") for r in plan.rows]})
    emulator.admin.clear_requests()
    for recheck in (True, False):
        with pytest.raises(MissingObjectError, match="no-such-app"):
            apply_prune(wrong_app, plan, recheck=recheck)
        with pytest.raises(MissingObjectError, match="dataset 'gone' does not exist in app 'demo'"):
            apply_prune(client, gone, recheck=recheck)
    assert writes(emulator) == []
    assert len(list(client.list_dataset_versions("ds"))) == 3


def test_splits_tasks_and_cleanups_in_a_missing_app_write_nothing(client, emulator, wrong_app):
    make_dataset(client, "src", make_inputs(client, 6))
    plan = plan_split(client, SplitSpec(dataset_id="src"))
    emulator.admin.clear_requests()
    attempts = [
        lambda: split(wrong_app, SplitSpec(dataset_id="src")),
        lambda: split(wrong_app, SplitSpec(app=True)),
        lambda: apply_split(wrong_app, plan),  # a plan made elsewhere, applied to the wrong app
        lambda: create_task(wrong_app, TaskSpec(name="t", concept_ids=["cat"], workers=["alice"])),
        lambda: cleanup_tasks(wrong_app, timedelta(days=1)),
    ]
    for attempt in attempts:
        with pytest.raises(MissingObjectError, match="app 'no-such-app' of user 'demo' does not exist"):
            attempt()
    assert writes(emulator) == []


def test_an_async_client_is_refused_by_the_sync_operations(client_config, emulator):
    import asyncio

    from connector.aio import AsyncClarifaiClient
    from connector.errors import ValidationError

    async def attempt() -> ValidationError:
        async with AsyncClarifaiClient(client_config) as aclient:
            with pytest.raises(ValidationError, match="AsyncClarifaiClient: the operations take a ClarifaiClient") as e:
                plan_prune(aclient, "ds", PrunePolicy(keep_last=1))
            return e.value

    error = asyncio.run(attempt())
    assert error.argument == "client" and emulator.admin.requests() == []
