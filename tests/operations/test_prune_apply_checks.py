"""Applying a prune plan: a dataset gone since planning is named as the plan's fault
(with or without the recheck), a delete the server acknowledged but did not apply is
caught in every dataset (ten named at most), the deletes run at the client's write
concurrency, and the recheck reads the current state by default."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.errors import MissingObjectError, VerificationError
from connector.operations import PrunePolicy, apply_prune, plan_prune
from connector.operations.base import utcnow
from connector.operations.prune import recheck_policy
from tests.support.scenarios import make_dataset, make_versions, train_model_on, writes

LATER = timedelta(days=1)


def _versions(client, dataset_id: str, n: int) -> None:
    make_dataset(client, dataset_id)
    make_versions(client, dataset_id, [{"id": f"v{i:02d}"} for i in range(1, n + 1)])


@pytest.mark.parametrize("recheck", [True, False])
def test_a_dataset_gone_since_planning_is_named_as_the_plans(client, emulator, recheck) -> None:
    _versions(client, "gone", 3)
    plan = plan_prune(client, "gone", PrunePolicy(keep_last=1), now=utcnow() + LATER)
    client.delete_datasets(["gone"])
    emulator.admin.clear_requests()
    with pytest.raises(MissingObjectError) as caught:
        apply_prune(client, plan, recheck=recheck)
    assert caught.value.argument == "plan"
    assert str(caught.value).startswith("plan: dataset 'gone' does not exist in app ")
    assert writes(emulator) == []


def test_a_lost_delete_is_caught_whichever_dataset_it_was_in(client_config, emulator) -> None:
    with ClarifaiClient(client_config.replace(page_concurrency=1)) as client:
        for dataset_id in ("a", "b"):
            _versions(client, dataset_id, 2)
        plan = plan_prune(client, ["a", "b"], PrunePolicy(keep_last=1), now=utcnow() + LATER)
        assert plan.to_delete == {"a": ["v01"], "b": ["v01"]}
        # One batch at a time, in order: the first delete (dataset a) is acknowledged, not applied.
        emulator.admin.script_fault("lost_write", rpc="DeleteDatasetVersions")
        with pytest.raises(VerificationError) as caught:
            apply_prune(client, plan)
    assert str(caught.value) == "versions still listed after delete: ['a/v01']; run prune again"


def test_a_lost_delete_names_ten_versions_at_most(client, emulator) -> None:
    _versions(client, "ds", 12)
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1, max_delete_share=None), now=utcnow() + LATER)
    assert len(plan.to_delete["ds"]) == 11
    emulator.admin.script_fault("lost_write", rpc="DeleteDatasetVersions")
    with pytest.raises(VerificationError) as caught:
        apply_prune(client, plan)
    named = [f"ds/v{i:02d}" for i in range(11, 1, -1)]
    assert str(caught.value) == f"versions still listed after delete: {named}; run prune again"


def test_deletes_run_at_the_clients_write_concurrency(client_config, emulator) -> None:
    threads: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.method == "DELETE":
            threads.append(threading.current_thread().name)

    config = client_config.replace(page_concurrency=1)
    with ClarifaiClient(config, event_hooks={"request": [record]}) as client:
        _versions(client, "ds", 4)
        plan = plan_prune(client, "ds", PrunePolicy(keep_last=1, max_delete_share=None), now=utcnow() + LATER)
        result = apply_prune(client, plan, batch_size=1)
    assert result.counts["deleted"] == 3
    # One batch at a time: each delete is sent from the caller's own thread.
    assert threads == [threading.current_thread().name] * 3


def test_recheck_policy_reads_the_current_state_by_default(client, emulator) -> None:
    _versions(client, "ds", 3)
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1), now=utcnow() + LATER)
    assert plan.to_delete == {"ds": ["v02", "v01"]}
    train_model_on(client, "m1", "ds", "v02")
    kept = {"ds/v02": "protected: a model version was trained on it (rechecked when applied)"}
    assert recheck_policy(client, plan) == kept
    assert recheck_policy(client, plan, read=False) == {}
