"""Split apply never writes outside its targets, and never treats a real batch failure
as done.

A split plan may be reviewed as JSON and applied by another step
(``apply_split(client, SplitPlan.from_dict(d))``). Exact mode removes inputs from the
datasets its rows name: a row (or a targets map) naming the source or an unrelated
dataset must be refused before the first write, not obeyed."""
from __future__ import annotations

import pytest

from _ops_scenarios import make_dataset, make_inputs, writes
from connector.errors import PartialFailureError, ValidationError
from connector.operations import SplitPlan, SplitSpec, apply_split, plan_split


def _members(client, dataset_id):
    return sorted(i["input"]["id"] for i in client.list_dataset_inputs(dataset_id))


def test_a_plan_row_naming_the_source_is_refused_before_any_write(client, emulator):
    ids = make_inputs(client, 6)
    make_dataset(client, "src", ids)
    make_dataset(client, "keep-me", ids[:2])
    data = plan_split(client, SplitSpec(dataset_id="src", mode="exact", seed="s")).to_dict()
    edited = [dict(r, target="src", action="remove") for r in data["rows"][:2]]
    unrelated = [dict(r, target="keep-me", action="remove") for r in data["rows"][:2]]
    for rows in (edited, unrelated):
        bad = dict(data, rows=data["rows"] + rows)
        emulator.admin.clear_requests()
        with pytest.raises(ValidationError, match="not one of the plan's targets"):
            apply_split(client, SplitPlan.from_dict(bad))
        assert writes(emulator) == []
    retargeted = dict(data, targets={**data["targets"], "train": "keep-me"})
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError, match="targets"):
        apply_split(client, SplitPlan.from_dict(retargeted))
    assert writes(emulator) == []
    assert _members(client, "src") == sorted(ids) and _members(client, "keep-me") == sorted(ids[:2])


def test_an_input_gone_since_planning_is_a_failure_not_done(client, emulator):
    ids = make_inputs(client, 6)
    make_dataset(client, "src", ids)
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    client.delete_inputs([ids[0]])
    with pytest.raises(PartialFailureError) as info:
        apply_split(client, plan)
    assert [i.id for i in info.value.items] == [ids[0]]
