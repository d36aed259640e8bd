"""Split apply never writes outside its targets, and never treats a real batch failure
as done.

A split plan may be reviewed as JSON and applied by another step
(``apply_split(client, SplitPlan.from_dict(d))``). Exact mode removes inputs from the
datasets its rows name: a row (or a targets map) naming the source or an unrelated
dataset must be refused before the first write, not obeyed."""

from __future__ import annotations

import pytest

from connector.errors import PartialFailureError, ValidationError
from connector.operations import SplitPlan, SplitSpec, apply_split, plan_split
from tests.support.scenarios import make_dataset, make_inputs, writes


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
    # Without the recheck (an input deleted between the recheck and the write) the
    # batch failure is an error, never counted as done.
    with pytest.raises(PartialFailureError) as info:
        apply_split(client, plan, recheck=False)
    assert [i.id for i in info.value.items] == [ids[0]]


def test_the_recheck_narrows_a_plan_to_inputs_still_in_the_source(client, emulator):
    ids = make_inputs(client, 6)
    make_dataset(client, "src", ids)
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    gone_target = next(r["target"] for r in plan.rows if r["input_id"] == ids[0])
    client.delete_inputs([ids[0]])
    result = apply_split(client, plan)
    assert result.details["skipped"] == {f"{gone_target}/{ids[0]}": "skipped: no longer in the source"}
    assert result.counts["added"] == 5
    placed = _members(client, "src-train") + _members(client, "src-test")
    assert sorted(placed) == sorted(ids[1:])


def test_a_rerun_onto_a_cancelled_server_split_says_how_to_start_afresh(client, emulator):
    from connector.errors import WaitFailedError, WaitTimeoutError
    from connector.operations import split

    make_dataset(client, "src", make_inputs(client, 6))
    spec = SplitSpec(dataset_id="src", mode="server", run_key="once")
    before = emulator.admin.options()["bulk_operation_seconds"]
    emulator.admin.set_options(bulk_operation_seconds=3600)  # the operation stays in progress
    try:
        with pytest.raises(WaitTimeoutError):
            split(client, spec, timeout=0)
        plan = plan_split(client, spec)
        client.cancel_bulk_operations([plan.bulk_operation_id])
    finally:
        emulator.admin.set_options(bulk_operation_seconds=before)
    emulator.admin.clear_requests()
    with pytest.raises(WaitFailedError) as info:
        split(client, spec, poll_interval=0.01)
    assert [w["rpc"] for w in writes(emulator)] == []  # the operation is adopted, not started twice
    message = str(info.value)
    assert plan.bulk_operation_id in message and "BULK_OPERATION_CANCELLED" in message
    assert "run_key" in message and "run again once fixed" not in message
