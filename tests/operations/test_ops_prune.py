"""Dataset version pruning against the emulator: dry run, apply, rerun, protections,
guard, batching, and every bad argument."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from connector.errors import GuardError
from connector.operations import PrunePolicy, apply_prune, plan_prune, prune
from connector.operations.base import utcnow
from tests.support.scenarios import (
    make_dataset,
    make_versions,
    mutations,
    train_model_on,
    writes,
)

LATER = utcnow() + timedelta(days=10)  # every version made by a test is "10 days old"


def _version_ids(client, dataset_id):
    return sorted(v["id"] for v in client.list_dataset_versions(dataset_id))


@pytest.fixture
def history(client, emulator):
    """ds-a: v1..v6 READY (v2 pinned, v3 trained on, v4 made by TRAINING); ds-b: w1..w3."""
    make_dataset(client, "ds-a")
    make_dataset(client, "ds-b")
    make_versions(
        client,
        "ds-a",
        [
            {"id": "v1"},
            {"id": "v2", "metadata": {"pinned": True}},
            {"id": "v3"},
            {"id": "v4", "request_origin": "TRAINING"},
            {"id": "v5"},
            {"id": "v6"},
        ],
    )
    make_versions(client, "ds-b", [{"id": "w1"}, {"id": "w2"}, {"id": "w3"}])
    train_model_on(client, "m1", "ds-a", "v3")
    emulator.admin.clear_requests()


def test_dry_run_writes_nothing_and_apply_reaches_the_plan(client, emulator, history):
    policy = PrunePolicy(keep_last=2)
    plan, result = prune(client, "ds-a", policy, dry_run=True, now=LATER)
    assert result.dry_run and mutations(emulator) == [] and writes(emulator) == []
    actions = {r["version_id"]: (r["action"], r["reason"]) for r in plan.rows}
    assert actions["v6"] == ("keep", "protected: newest READY version")
    assert actions["v5"][0] == "keep" and "newest 2" in actions["v5"][1]
    assert actions["v4"] == ("keep", "protected: created by TRAINING")
    assert actions["v3"] == ("keep", "protected: a model version was trained on it")
    assert actions["v2"][0] == "keep" and "pinned" in actions["v2"][1]
    assert actions["v1"][0] == "delete"
    assert plan.to_dataframe().shape[0] == 6
    json.dumps(plan.to_dict())  # JSON-serializable

    plan, result = prune(client, "ds-a", policy, now=LATER)
    assert result.counts["deleted"] == 1 and result.ids["deleted"] == ["ds-a/v1"]
    assert result.requests > 0
    assert _version_ids(client, "ds-a") == ["v2", "v3", "v4", "v5", "v6"]
    assert _version_ids(client, "ds-b") == ["w1", "w2", "w3"]

    emulator.admin.clear_requests()
    plan, result = prune(client, "ds-a", policy, now=LATER)
    assert plan.delete_count == 0 and writes(emulator) == []


def test_allow_trained_and_origins_unprotect(client, emulator, history):
    policy = PrunePolicy(keep_last=1, keep_pinned=False, allow_trained=True, allow_origins={"TRAINING"})
    prune(client, ["ds-a"], policy, now=LATER)
    assert _version_ids(client, "ds-a") == ["v6"]


def test_keep_younger_than_and_keep_ids(client, emulator, history):
    young = PrunePolicy(keep_younger_than=timedelta(days=1))
    plan = plan_prune(client, "ds-b", young)  # now: everything is seconds old
    assert plan.delete_count == 0
    plan = plan_prune(client, "ds-b", PrunePolicy(keep_younger_than=timedelta(days=1), keep_ids={"w1"}), now=LATER)
    assert plan.to_delete == {"ds-b": ["w2"]}
    assert {r["version_id"]: r["reason"] for r in plan.rows}["w1"] == "kept: listed in keep_ids"


def test_all_datasets_and_batching(client, emulator, history):
    policy = PrunePolicy(
        keep_last=1, keep_pinned=False, allow_trained=True, allow_origins={"TRAINING"}, max_delete_share=None
    )
    plan = plan_prune(client, None, policy, now=LATER)
    assert plan.datasets == ["ds-a", "ds-b"] and plan.delete_count == 7
    emulator.admin.clear_requests()
    result = apply_prune(client, plan, batch_size=2)
    deletes = [r for r in writes(emulator) if r["rpc"] == "DeleteDatasetVersions"]
    assert len(deletes) == 3 + 1  # ds-a: 5 ids in chunks of 2; ds-b: 2 ids in one chunk
    assert result.counts["deleted"] == 7
    assert _version_ids(client, "ds-a") == ["v6"] and _version_ids(client, "ds-b") == ["w3"]
    # Applying the same plan again: the versions are gone, "not found" counts as deleted.
    again = apply_prune(client, plan, batch_size=100)
    assert again.counts["deleted"] == 7


def test_failed_versions_are_deleted_after_the_grace_period(client, emulator):
    make_dataset(client, "ds-f")
    make_versions(client, "ds-f", [{"id": "ok1"}, {"id": "bad"}])
    emulator.admin.fail_dataset_version("ds-f", "bad")
    in_grace = plan_prune(client, "ds-f", PrunePolicy(delete_failed_older_than=timedelta(days=1)))
    assert in_grace.delete_count == 0
    _, result = prune(client, "ds-f", PrunePolicy(delete_failed_older_than=timedelta(days=1)), now=LATER)
    assert result.ids["deleted"] == ["ds-f/bad"]
    assert _version_ids(client, "ds-f") == ["ok1"]


def test_guard_refuses_before_any_write(client, emulator, history):
    policy = PrunePolicy(keep_last=1, keep_pinned=False, allow_trained=True, allow_origins={"TRAINING"}, max_delete=2)
    plan = plan_prune(client, "ds-a", policy, now=LATER)
    assert plan.guard and "max_delete=2" in plan.guard
    emulator.admin.clear_requests()
    with pytest.raises(GuardError, match="force"):
        apply_prune(client, plan)
    assert writes(emulator) == []
    share = PrunePolicy(
        keep_last=1, keep_pinned=False, allow_trained=True, allow_origins={"TRAINING"}, max_delete_share=0.5
    )
    with pytest.raises(GuardError, match="max_delete_share"):
        prune(client, "ds-a", share, now=LATER)
    assert writes(emulator) == []
    apply_prune(client, plan, force=True)
    assert _version_ids(client, "ds-a") == ["v6"]


def test_progress_events_and_plan_json_round_trip(client, emulator, history):
    from connector.operations import PrunePlan

    policy = PrunePolicy(
        keep_last=1, keep_pinned=False, allow_trained=True, allow_origins={"TRAINING"}, max_delete_share=None
    )
    events = []
    plan = plan_prune(client, None, policy, now=LATER, progress=events.append)
    assert [(e.stage, e.done, e.total) for e in events] == [("read versions", 1, 2), ("read versions", 2, 2)]
    assert sorted(e.message for e in events) == ["ds-a", "ds-b"]
    # Planned in one place, reviewed as JSON, applied elsewhere: the rebuilt plan is the same.
    restored = PrunePlan.from_json(plan.to_json())
    assert restored.to_dict() == plan.to_dict() and restored.to_delete == plan.to_delete
    assert restored.to_dataframe().equals(plan.to_dataframe())
    events.clear()
    result = apply_prune(client, restored, batch_size=3, progress=events.append)
    # Batches run concurrently: one event per batch as it ends, counts only going up.
    assert {(e.stage, e.total) for e in events} == {("delete", 7)}
    done = [e.done for e in events]
    assert done == sorted(done) and done[-1] == 7
    assert sorted(b - a for a, b in zip([0, *done], done, strict=False)) == [2, 2, 3]  # ds-a: 3+2, ds-b: 2
    # 2 lists to recheck protections (the policy allows trained versions: no model reads),
    # 3 batched deletes, 2 lists to verify.
    assert result.counts["deleted"] == 7 and result.elapsed > 0 and result.requests == 2 + 3 + 2
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


def test_hundreds_of_versions_are_deleted_in_batches(client, emulator):
    """Day two: an app whose nightly job has piled up 300 versions."""
    make_dataset(client, "busy")
    ids = [f"n{i:03d}" for i in range(300)]
    for start in range(0, 300, 100):
        client.post_dataset_versions("busy", [{"id": v} for v in ids[start : start + 100]])
    from connector.operations.waits import wait_dataset_version

    for vid in (ids[0], ids[-1]):
        wait_dataset_version(client, "busy", vid, timeout=10, interval=0.02, max_interval=0.05)
    # The default guard (90% share) refuses to delete 295 of 300 versions.
    with pytest.raises(GuardError, match="295 of 300"):
        prune(client, "busy", PrunePolicy(keep_last=5), now=LATER)
    emulator.admin.clear_requests()
    plan, result = prune(client, "busy", PrunePolicy(keep_last=5), force=True, now=LATER)
    deletes = [r for r in writes(emulator) if r["rpc"] == "DeleteDatasetVersions"]
    assert len(deletes) == 3 and result.counts["deleted"] == 295  # 100 ids per call
    kept = {r["version_id"] for r in plan.rows if r["action"] == "keep"}
    assert _version_ids(client, "busy") == sorted(kept) and len(kept) == 5


def test_a_delayed_apply_skips_versions_protected_since_the_plan(client, emulator, history):
    """A plan applied later (reviewed as JSON, applied by another task) must not delete a
    version a model was trained on in the meantime, nor what became the newest READY."""
    from connector.operations import PrunePlan

    policy = PrunePolicy(keep_last=1, keep_pinned=False, max_delete_share=None)
    plan = PrunePlan.from_json(plan_prune(client, "ds-b", policy, now=LATER).to_json())
    assert sorted(plan.to_delete["ds-b"]) == ["w1", "w2"]
    train_model_on(client, "m2", "ds-b", "w1")  # lineage appears after planning
    client.delete_dataset_versions("ds-b", ["w3"])  # the newest READY goes away
    emulator.admin.clear_requests()

    result = apply_prune(client, plan)
    assert result.ids["deleted"] == []
    assert result.details["skipped"] == {
        "ds-b/w1": "protected: a model version was trained on it (rechecked when applied)",
        "ds-b/w2": "protected: newest READY version (rechecked when applied)",
    }
    assert result.counts["skipped"] == 2 and writes(emulator) == []
    assert _version_ids(client, "ds-b") == ["w1", "w2"]


def test_lineage_without_a_dataset_id_still_protects_the_version():
    from connector.operations.prune import decide

    versions = [
        {"id": f"v{i}", "dataset_id": "ds", "status": {"code": 64015}, "created_at": f"2026-01-0{i}T00:00:00Z"}
        for i in range(1, 5)
    ]
    rows = decide(versions, PrunePolicy(keep_last=1), trained=[("", "v2")], now=LATER)
    actions = {r["version_id"]: (r["action"], r["reason"]) for r in rows}
    assert actions["v2"] == ("keep", "protected: a model version was trained on it")
    assert actions["v1"][0] == actions["v3"][0] == "delete"


def test_reasons_show_durations_as_people_write_them(client, emulator, history):
    plan = plan_prune(client, "ds-b", PrunePolicy(keep_younger_than=timedelta(days=1, hours=12)))
    reasons = {r["reason"] for r in plan.rows}
    assert "kept: younger than 1d 12h" in reasons


def test_prune_judges_the_rows_it_just_planned_without_reading_again(client, emulator, history):
    """prune() plans and applies at once: the plan's own reads proved the dataset exists
    and gave the facts, so the apply reads nothing more than the final verification."""
    emulator.admin.clear_requests()
    _, result = prune(client, "ds-b", PrunePolicy(keep_last=1, max_delete_share=None), now=LATER)
    rpcs = [r["rpc"] for r in emulator.admin.requests()]
    assert sorted(result.ids["deleted"]) == ["ds-b/w1", "ds-b/w2"]
    assert rpcs.count("GetDataset") == 1 and rpcs.count("ListDatasetVersions") == 2  # plan, verify
    assert rpcs.count("DeleteDatasetVersions") == 1 and result.requests == len(rpcs)
