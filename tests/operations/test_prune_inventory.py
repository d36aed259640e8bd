"""plan_prune_from_inventory decides from inventories already read exactly what plan_prune
decides from the API, whatever form the inventory comes in, and sends no request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.errors import ValidationError
from connector.inventory import to_dataframe
from connector.operations import PrunePolicy, plan_prune, plan_prune_from_inventory

POLICIES = [
    PrunePolicy(keep_last=2),
    PrunePolicy(keep_last=1, delete_failed_older_than=timedelta(days=3)),
    PrunePolicy(keep_younger_than=timedelta(days=5), keep_pinned=False, max_delete=3),
    PrunePolicy(keep_last=1, allow_trained=True),
]


@pytest.fixture
def showcase(emulator):
    emulator.admin.reset(seed="showcase", seed_inputs=50)
    return emulator


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: repr(p)[:60])
def test_the_same_rows_and_guard_as_plan_prune(showcase, client, policy):
    now = datetime.now(UTC)
    from_api = plan_prune(client, None, policy, now=now)
    versions = to_dataframe(client, "dataset_versions")
    models = to_dataframe(client, "model_versions")
    before = len(showcase.admin.requests())
    for form in (lambda f: f, lambda f: _arrow(f), lambda f: _arrow(f).to_pylist()):
        plan = plan_prune_from_inventory(form(versions), form(models), policy, now=now)
        assert plan.rows == from_api.rows
        assert plan.guard == from_api.guard and plan.policy == from_api.policy and plan.now == from_api.now
        assert plan.datasets == sorted(d for d in from_api.datasets if d in set(versions["dataset_id"]))
    assert len(showcase.admin.requests()) == before  # decided without a request
    assert from_api.delete_count > 0 or policy.keep_younger_than


def _arrow(frame):
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def test_trained_versions_are_protected_only_with_the_lineage(showcase, client):
    versions = to_dataframe(client, "dataset_versions")
    with pytest.raises(ValidationError, match="model_versions inventory"):
        plan_prune_from_inventory(versions, None, PrunePolicy(keep_last=1))
    plan = plan_prune_from_inventory(versions, None, PrunePolicy(keep_last=1, allow_trained=True))
    verdict = {(r["dataset_id"], r["version_id"]): r["action"] for r in plan.rows}
    assert verdict[("traffic-cams", "tc-night-06")] == "delete"  # trained on, but allowed


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ("dataset_versions.parquet", "must be the inventory"),
        ([{"id": "v1", "status_name": "DATASET_VERSION_READY"}], "lacks the columns \\['dataset_id'\\]"),
        ([1, 2], "must be the inventory"),
    ],
)
def test_a_bad_inventory_is_refused_with_what_is_wrong(versions, message):
    with pytest.raises(ValidationError, match=message):
        plan_prune_from_inventory(versions, [], PrunePolicy(keep_last=1))


def test_a_bad_policy_is_refused():
    with pytest.raises(ValidationError, match="policy must be a PrunePolicy"):
        plan_prune_from_inventory([], [], {"keep_last": 1})
