"""Split apply never writes outside its targets, and never treats a real batch failure
as done.

A split plan may be reviewed as JSON and applied by another step
(``apply_split(client, SplitPlan.from_dict(d))``). Exact mode removes inputs from the
datasets its rows name: a row (or a targets map) naming the source or an unrelated
dataset must be refused before the first write, not obeyed."""

from __future__ import annotations

import pytest

from connector.errors import ConflictError, GuardError, PartialFailureError, ValidationError
from connector.operations import SplitPlan, SplitSpec, apply_split, plan_split, split
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


# -- the split guard: targets holding inputs from elsewhere, targets that are sources ----


def test_a_target_holding_inputs_from_elsewhere_is_refused_unless_forced(client, emulator):
    ids = make_inputs(client, 8)
    make_dataset(client, "src", ids[:6])
    make_dataset(client, "shelf", ids[6:])  # two inputs that are not in src
    for mode in ("exact", "incremental"):
        spec = SplitSpec(dataset_id="src", mode=mode, seed="g", targets={"train": "shelf"})
        plan, result = split(client, spec, dry_run=True)
        assert plan.guard == "target 'shelf' holds 2 input(s) not from dataset 'src' (e.g. 'in006')"
        assert result.details["guard"] == plan.guard
        emulator.admin.clear_requests()
        with pytest.raises(GuardError, match=r"target 'shelf' holds 2 input.s. not from dataset 'src'") as caught:
            split(client, spec)
        assert caught.value.argument == "force" and "pass force=True" in str(caught.value)
        assert writes(emulator) == []
        with pytest.raises(GuardError):
            apply_split(client, SplitPlan.from_json(plan.to_json()))
        assert writes(emulator) == []
    assert _members(client, "shelf") == sorted(ids[6:])
    # Forced, exact mode makes the target what the plan says: the foreign inputs go.
    plan, _ = split(client, SplitSpec(dataset_id="src", mode="exact", seed="g", targets={"train": "shelf"}), force=True)
    assert _members(client, "shelf") == sorted(plan.members["train"])
    assert not set(ids[6:]) & set(_members(client, "shelf"))


def test_a_rerun_after_the_source_lost_inputs_is_not_guarded(client, emulator):
    """Targets a split created record their source: inputs the source has lost since are
    leftovers of this same split, not foreign ones."""
    ids = make_inputs(client, 10)
    make_dataset(client, "src", ids)
    spec = SplitSpec(dataset_id="src", mode="exact", seed="r")
    split(client, spec)
    assert client.get_dataset("src-train")["metadata"] == {"split_source": {"dataset_id": "src"}}
    gone = _members(client, "src-train")[0]
    client.delete_dataset_inputs("src", [gone])
    plan, result = split(client, spec)
    assert plan.guard is None and result.counts["removed"] == 1
    assert gone not in _members(client, "src-train") + _members(client, "src-test")


def test_a_target_that_is_the_source_of_another_split_is_refused(client, emulator):
    ids = make_inputs(client, 10)
    make_dataset(client, "all", ids)
    make_dataset(client, "pets", ids[:6])
    split(client, SplitSpec(dataset_id="pets", seed="p"))  # pets -> pets-train, pets-test
    # Splitting "all" into "pets" would change the source of the pets split.
    spec = SplitSpec(dataset_id="all", seed="a", targets={"train": "pets"})
    emulator.admin.clear_requests()
    with pytest.raises(GuardError, match="target 'pets' is the source of another split"):
        split(client, spec)
    assert writes(emulator) == []
    plan, _ = split(client, spec, dry_run=True)
    assert "dataset 'pets-t" in (plan.guard or "")


def test_an_empty_selection_is_an_error_not_an_empty_split(client, emulator):
    ids = make_inputs(client, 4)
    make_dataset(client, "empty")
    client.post_inputs([{"id": "noted", "data": {"text": {"raw": "x"}}}])
    client.post_annotations([{"input_id": "noted", "data": {"concepts": [{"id": "zebra", "value": 1}]}}])
    emulator.admin.clear_requests()
    cases = [
        (SplitSpec(dataset_id="empty"), "dataset_id", "source dataset 'empty' (dataset_id) holds no inputs"),
        (SplitSpec(app=True, concepts=["nope"]), "concepts", "carries concept(s) ['nope']"),
        (SplitSpec(app=True, concepts=["zebra"]), "concepts", "concepts only on annotations do not count"),
    ]
    for spec, argument, text in cases:
        with pytest.raises(ValidationError) as caught:
            split(client, spec)
        assert caught.value.argument == argument and text in str(caught.value)
    assert writes(emulator) == []
    assert [d["id"] for d in client.list_datasets()] == ["empty"]  # no target was created
    assert ids  # the app does hold inputs with concepts (cat, dog, bird), just not these


def test_a_saved_plan_is_guarded_on_the_targets_as_they_are_when_applied(client, emulator):
    ids = make_inputs(client, 8)
    make_dataset(client, "src", ids[:6])
    make_dataset(client, "shelf")
    spec = SplitSpec(dataset_id="src", mode="exact", seed="s", targets={"train": "shelf"})
    clean = plan_split(client, spec)
    assert clean.guard is None
    client.post_dataset_inputs("shelf", ids[6:])  # meanwhile, someone filled the target
    dropped = dict(plan_split(client, spec).to_dict(), guard=None)  # an edit that drops the verdict
    emulator.admin.clear_requests()
    # The recheck refuses the clean plan outright: a plan made now would also remove them.
    with pytest.raises(ConflictError, match="also removes"):
        apply_split(client, SplitPlan.from_json(clean.to_json()))
    # Without it, or with a plan whose verdict was dropped, the guard judges the targets now.
    for plan, recheck in ((clean, False), (SplitPlan.from_dict(dropped), True), (SplitPlan.from_dict(dropped), False)):
        with pytest.raises(GuardError, match="target 'shelf' holds 2 input"):
            apply_split(client, SplitPlan.from_json(plan.to_json()), recheck=recheck)
    assert writes(emulator) == []
    assert _members(client, "shelf") == sorted(ids[6:])
