"""A prune plan judged again against the app as it is now: a version trained on, pinned
or become the newest READY since the plan was made is kept."""

from __future__ import annotations

from datetime import timedelta

from connector.operations import PrunePolicy, plan_prune
from connector.operations.base import utcnow
from connector.operations.prune import recheck_protections
from tests.support.scenarios import make_dataset, make_versions, train_model_on


def test_recheck_names_what_is_protected_now(client, emulator) -> None:
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{n}"} for n in range(1, 5)])
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1), now=utcnow() + timedelta(days=1))
    assert sorted(plan.to_delete["ds"]) == ["v1", "v2", "v3"]
    assert recheck_protections(client, plan) == {}
    train_model_on(client, "m1", "ds", "v2")
    client.delete_dataset_versions("ds", ["v4"])  # v3 is now the newest READY version
    client.delete_dataset_versions("ds", ["v1"])  # gone: nothing to say about it
    assert recheck_protections(client, plan) == {
        "ds/v2": "protected: a model version was trained on it (rechecked when applied)",
        "ds/v3": "protected: newest READY version (rechecked when applied)",
    }
