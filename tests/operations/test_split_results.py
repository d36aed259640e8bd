"""What a split reports: the dry run's counts, ids and guard verdict; an apply's counts,
ids and per-split and per-concept tallies (checked against the targets as listed); the
progress events of each stage."""

from __future__ import annotations

from collections import Counter

from connector.operations import SplitSpec, apply_split, plan_split, split
from connector.operations.base import ProgressEvent
from tests.support.scenarios import CONCEPTS, make_dataset, make_inputs, writes


def members(client, dataset_id: str) -> set[str]:
    return {str((i.get("input") or i)["id"]) for i in client.list_dataset_inputs(dataset_id)}


def _exact_setup(client) -> SplitSpec:
    """Dataset src (9 inputs) split exactly once; then a stray in src-train, one source
    input moved into the other target, and src-test deleted."""
    make_dataset(client, "src", make_inputs(client, 9))
    spec = SplitSpec(dataset_id="src", seed="s", mode="exact")
    plan, _ = split(client, spec)
    client.post_dataset_inputs("src-train", make_inputs(client, 1, prefix="stray"))
    moved = plan.members["test"][0]
    client.post_dataset_inputs("src-train", [moved])
    client.delete_datasets(["src-test"])
    return spec


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(client, emulator) -> None:
    spec = _exact_setup(client)
    emulator.admin.clear_requests()
    events: list[ProgressEvent] = []
    plan, result = split(client, spec, dry_run=True, progress=events.append)
    logged = emulator.admin.requests()
    assert writes(emulator) == []
    actions = Counter(r["action"] for r in plan.rows)
    assert actions["add"] >= 1 and actions["remove"] == 2  # the stray, and the moved input
    assert result.operation == "split" and result.dry_run is True
    assert result.counts == {
        "source": 9,
        "would_add": actions["add"],
        "would_remove": 2,
        "would_create": 1,
        "split_train": len(plan.members["train"]),
        "split_test": len(plan.members["test"]),
    }
    assert result.counts["split_train"] + result.counts["split_test"] == 9
    assert result.ids == {"targets": ["src-train", "src-test"], "would_create": ["src-test"]}
    # The targets record this source, so the stray is taken for an input it has lost.
    assert result.details == {"guard": None}
    assert result.requests == len(logged) > 0
    assert isinstance(result.elapsed, float) and result.elapsed > 0
    assert ProgressEvent("split", "read source", 9, 9, "src") in events


def test_an_apply_reports_its_counts_ids_and_tallies(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 12))
    client.post_inputs([{"id": "plain", "data": {"text": {"raw": "no concept"}}}])
    client.post_dataset_inputs("src", ["plain"])
    _, result = split(client, SplitSpec(dataset_id="src", seed="s"))
    train, test = members(client, "src-train"), members(client, "src-test")
    assert train and test and len(train) + len(test) == 13
    assert result.operation == "split" and result.dry_run is False
    assert result.counts == {
        "source": 13,
        "added": 13,
        "removed": 0,
        "datasets_created": 2,
        "split_train": len(train),
        "split_test": len(test),
    }
    assert result.ids == {"targets": ["src-train", "src-test"], "datasets_created": ["src-train", "src-test"]}
    assert result.details["per_split"] == {"train": len(train), "test": len(test)}
    concept = {f"in{i:03d}": CONCEPTS[i % 3] for i in range(12)}
    want: dict[str, dict[str, int]] = {}
    for split_name, ids in (("train", train), ("test", test)):
        for iid in ids:
            key = concept.get(iid, "(none)")
            want.setdefault(key, {}).setdefault(split_name, 0)
            want[key][split_name] += 1
    assert result.details["per_concept"] == want
    assert "(none)" in want


def test_an_apply_of_a_plan_as_made_reports_nothing_skipped_or_left_out(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 6))
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    for recheck in (False, True):
        result = apply_split(client, plan, recheck=recheck)
        assert "not_in_plan" not in result.details and "skipped" not in result.details


def test_a_server_split_reports_no_input_writes_and_no_concept_tally(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 10))
    _, result = split(client, SplitSpec(dataset_id="src", mode="server"), poll_interval=0.02)
    assert result.counts["added"] == 0 and result.counts["removed"] == 0
    assert result.counts["source"] == 10 and result.counts["datasets_created"] == 2
    assert result.details["per_concept"] == {}
    assert sum(result.details["per_split"].values()) == 10


def test_every_write_stage_reports_progress_by_target(client, emulator) -> None:
    spec = _exact_setup(client)
    client.post_datasets([{"id": "src-test"}])
    events: list[ProgressEvent] = []
    plan, result = split(client, spec, batch_size=1, progress=events.append)
    removes = [e for e in events if e.stage == "remove"]
    adds = [e for e in events if e.stage == "add"]
    assert result.counts["removed"] == 2 and len(removes) == 2
    assert {e.operation for e in removes + adds} == {"split"}
    assert {e.message for e in removes} == {"src-train"}
    assert sorted(e.done for e in removes) == [1, 2] and {e.total for e in removes} == {2}
    assert len(adds) == result.counts["added"] == len(plan.members["test"])
    assert {e.message for e in adds} == {"src-test"}
