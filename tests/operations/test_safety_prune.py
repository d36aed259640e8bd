"""The prune guard holds for the plan that is actually applied.

A prune plan is made in one step, reviewed (and possibly edited) as JSON, and applied in
another with ``apply_prune(client, PrunePlan.from_json(text))``. The guard
(``max_delete`` / ``max_delete_share``) must be judged on the deletions being applied,
not trusted from the plan's ``guard`` field, which was computed on the rows as planned
(and is absent from a hand-written or older plan)."""

from __future__ import annotations

import json

import pytest

from connector.errors import GuardError
from connector.operations import PrunePlan, PrunePolicy, apply_prune, plan_prune
from tests.support.scenarios import make_dataset, make_versions, writes


def _plan(client):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{n}"} for n in range(1, 6)])
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=4, max_delete=1))
    assert plan.to_delete == {"ds": ["v1"]} and plan.guard is None
    return plan


def test_rows_edited_after_planning_are_guarded(client, emulator):
    data = _plan(client).to_dict()
    for row in data["rows"]:
        if row["version_id"] in ("v2", "v3"):
            row["action"] = "delete"
    emulator.admin.clear_requests()
    with pytest.raises(GuardError, match="deletes 3 versions, more than max_delete=1"):
        apply_prune(client, PrunePlan.from_json(json.dumps(data)))
    assert writes(emulator) == []
    assert len(list(client.list_dataset_versions("ds"))) == 5
    # --force passes the guard, but never what the plan's own policy keeps: v2 and v3
    # are among the newest 4 READY versions, so the edit that flipped them is ignored.
    result = apply_prune(client, PrunePlan.from_json(json.dumps(data)), force=True)
    assert sorted(result.ids["deleted"]) == ["ds/v1"]
    assert result.details["skipped"] == {
        "ds/v2": "kept: among the newest 4 READY versions (rechecked when applied)",
        "ds/v3": "kept: among the newest 4 READY versions (rechecked when applied)",
    }
    assert sorted(v["id"] for v in client.list_dataset_versions("ds")) == ["v2", "v3", "v4", "v5"]


def test_a_plan_without_its_guard_field_is_guarded(client, emulator):
    data = _plan(client).to_dict()
    data["rows"][-2]["action"] = "delete"  # v2
    data.pop("guard")
    emulator.admin.clear_requests()
    with pytest.raises(GuardError):
        apply_prune(client, PrunePlan.from_dict(data))
    assert writes(emulator) == []
