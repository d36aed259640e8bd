"""A plan whose own ``guard`` field refuses it is not applied without ``force``, even
when its rows are within the policy's limits: the error quotes the plan's verdict and
names ``force`` (spelled ``force=True`` in Python, as each entry point spells it)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.errors import GuardError
from connector.operations import PrunePlan, PrunePolicy, apply_prune, plan_prune
from connector.operations.base import utcnow
from connector.operations.prune import check_guard
from tests.support.scenarios import make_dataset, make_versions, writes

VERDICT = "the plan deletes 1 of 3 versions, refused on review"
MESSAGE = f"refusing to prune: {VERDICT}; pass force=True to apply it anyway"


def _refused_plan(client) -> PrunePlan:
    """A plan within its policy's limits (1 of 3 versions) whose guard field refuses it."""
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{n}"} for n in range(1, 4)])
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=2), now=utcnow() + timedelta(days=1))
    assert plan.to_delete == {"ds": ["v1"]} and plan.guard is None
    data = plan.to_dict()
    data["guard"] = VERDICT
    return PrunePlan.from_json(PrunePlan.from_dict(data).to_json())


def test_apply_refuses_a_plan_its_own_guard_refuses(client, emulator) -> None:
    plan = _refused_plan(client)
    emulator.admin.clear_requests()
    with pytest.raises(GuardError) as caught:
        apply_prune(client, plan)
    assert str(caught.value) == MESSAGE
    assert caught.value.argument == "force"
    assert caught.value.render({"force": "--force"}) == (
        f"refusing to prune: {VERDICT}; pass --force to apply it anyway"
    )
    assert writes(emulator) == []
    assert sorted(v["id"] for v in client.list_dataset_versions("ds")) == ["v1", "v2", "v3"]


def test_check_guard_gives_the_same_error_and_force_lets_it_through(client, emulator) -> None:
    plan = _refused_plan(client)
    with pytest.raises(GuardError) as caught:
        check_guard(plan)
    assert (str(caught.value), caught.value.argument) == (MESSAGE, "force")
    check_guard(plan, force=True)
    result = apply_prune(client, plan, force=True)
    assert result.ids["deleted"] == ["ds/v1"]
    assert sorted(v["id"] for v in client.list_dataset_versions("ds")) == ["v2", "v3"]
