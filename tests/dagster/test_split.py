"""Split assets: one asset per target from one run of the split, blocking checks computed
from what the targets hold afterwards."""

from typing import Any

import pandas as pd
import pytest
from dagster import AssetKey, RetryPolicy, asset, materialize

from connector.client import ClarifaiClient
from connector.emulator.testing import EmulatorServer
from connector.errors import ValidationError
from connector.operations import SplitSpec
from dagster_assets import SPLIT_CHECKS, build_split_assets, evaluate_split, split_asset_keys
from tests.dagster.helpers import checks_by_name, materialized, rpcs

SPEC = SplitSpec(dataset_id="cats-dogs", ratios={"train": 0.7, "test": 0.2, "validation": 0.1}, seed="t", stratify=True)
KEYS = split_asset_keys(SPEC)


def _assets(ran: list[str]) -> list[Any]:
    @asset(deps=[KEYS["train"], KEYS["test"]])
    def training_job() -> None:
        ran.append("training_job")

    return [*build_split_assets(SPEC, ratio_tolerance=0.03), training_job]


def _members(server: EmulatorServer) -> dict[str, set[str]]:
    snap = server.admin.snapshot()["demo/demo"]["dataset_inputs"]
    return {ds: set(ids) for ds, ids in snap.items()}


def test_split_materializes_each_target_and_its_checks_pass(demo: EmulatorServer, resources: dict[str, Any]) -> None:
    ran: list[str] = []
    result = materialize(_assets(ran), resources=resources)
    assert result.success and ran == ["training_job"]

    members = _members(demo)
    targets = {split: SPEC.target_of(split) for split in SPEC.ratios}
    held = {split: members[ds] for split, ds in targets.items()}
    # The emulator's state: disjoint targets whose union is the source.
    assert not held["train"] & held["test"] and not held["train"] & held["validation"]
    assert not held["test"] & held["validation"]
    assert set().union(*held.values()) == members["cats-dogs"]
    total = len(members["cats-dogs"])
    for split, ratio in SPEC.ratios.items():
        assert abs(len(held[split]) / total - ratio) < 0.03

    meta = materialized(result)
    for split, key in KEYS.items():
        md = meta[key.to_user_string()]
        assert md["dagster/row_count"].value == len(held[split])
        assert md["target_dataset"].value == targets[split]
        assert f"| {split} | {targets[split]} |" in md["plan_summary"].value
    checks = checks_by_name(result)
    assert len(checks) == len(KEYS) * len(SPLIT_CHECKS)
    assert all(c.passed for c in checks.values())
    # One multi-asset step: the split ran once, its inputs were added in batches.
    assert rpcs(demo, mutated=True).count("PostDatasets") == 3

    # A rerun finds everything in place and writes nothing.
    since = demo.admin.requests()[-1]["seq"]
    assert materialize(_assets(ran), resources=resources).success
    assert demo.admin.requests(mutated=True, since=since) == []


def test_seeded_leakage_fails_the_blocking_check_and_stops_downstream(
    demo: EmulatorServer, resources: dict[str, Any]
) -> None:
    leaked = "img-000010"  # a cats-dogs input, put in two targets before the split runs
    with ClarifaiClient(demo.client_config()) as client:
        client.post_datasets([{"id": "cats-dogs-train"}, {"id": "cats-dogs-test"}])
        client.post_dataset_inputs("cats-dogs-train", [leaked])
        client.post_dataset_inputs("cats-dogs-test", [leaked])
    ran: list[str] = []
    result = materialize(_assets(ran), resources=resources, raise_on_error=False)
    assert not result.success
    assert ran == []  # the blocking check stopped the downstream asset
    checks = checks_by_name(result)
    for split in ("train", "test"):
        check = checks[(KEYS[split].to_user_string(), "no_leakage")]
        assert not check.passed
        assert check.metadata["leaked_inputs"].value == 1
        assert leaked in check.description
    assert checks[(KEYS["validation"].to_user_string(), "no_leakage")].passed
    # The targets were still materialized, so the UI shows what they hold.
    assert set(materialized(result)) == {k.to_user_string() for k in KEYS.values()}
    members = _members(demo)
    assert leaked in members["cats-dogs-train"] and leaked in members["cats-dogs-test"]
    assert set().union(*(members[SPEC.target_of(s)] for s in SPEC.ratios)) == members["cats-dogs"]


def test_a_target_holding_inputs_from_outside_the_source_is_refused_before_any_write(
    demo: EmulatorServer, resources: dict[str, Any]
) -> None:
    with ClarifaiClient(demo.client_config()) as client:
        strays = [i["input"]["id"] for i in client.list_dataset_inputs("products")][:60]
        client.post_datasets([{"id": "cats-dogs-validation"}])
        client.post_dataset_inputs("cats-dogs-validation", strays)
    since = demo.admin.requests()[-1]["seq"]
    result = materialize(_assets([]), resources=resources, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data
    assert "target 'cats-dogs-validation' holds 60 input(s) not from dataset 'cats-dogs'" in failure.error.message
    assert failure.user_failure_data.metadata["error"].value == "GuardError"
    assert demo.admin.requests(mutated=True, since=since) == []


def test_inputs_from_outside_the_source_fail_union_and_ratio(demo: EmulatorServer, resources: dict[str, Any]) -> None:
    """Inputs from elsewhere that reach a target the split made (the guard leaves targets
    that record this source alone) fail the checks."""
    assert materialize(_assets([]), resources=resources).success
    with ClarifaiClient(demo.client_config()) as client:
        strays = [i["input"]["id"] for i in client.list_dataset_inputs("products")][:60]
        client.post_dataset_inputs("cats-dogs-validation", strays)
    result = materialize(_assets([]), resources=resources, raise_on_error=False)
    assert not result.success
    checks = checks_by_name(result)
    union = checks[(KEYS["train"].to_user_string(), "union_equals_source")]
    assert not union.passed and union.metadata["not_in_source"].value == 60
    ratio = checks[(KEYS["validation"].to_user_string(), "ratio_within_tolerance")]
    assert not ratio.passed
    assert "is not within 0.03 of ratio 0.1" in ratio.description
    assert checks[(KEYS["validation"].to_user_string(), "no_leakage")].passed


def test_evaluate_split_is_pure_and_exact() -> None:
    members = {"train": {"a", "b", "c"}, "test": {"c", "d"}}
    out = {
        (o.split, o.check): o
        for o in evaluate_split(members, {"a", "b", "c", "d", "e"}, {"train": 0.6, "test": 0.4}, 0.01)
    }
    assert not out[("train", "no_leakage")].passed and out[("train", "no_leakage")].metadata["leaked_inputs"] == 1
    assert out[("train", "ratio_within_tolerance")].passed  # 3 of 5 rows
    assert out[("test", "ratio_within_tolerance")].passed
    assert not out[("test", "union_equals_source")].passed
    assert out[("test", "union_equals_source")].metadata["missing"] == 1
    clean = evaluate_split({"train": {"a"}, "test": {"b"}}, {"a", "b"}, {"train": 0.5, "test": 0.5}, 0.0)
    assert all(o.passed for o in clean)


def test_factory_options_and_refusals() -> None:
    retry = RetryPolicy(max_retries=2)
    (split,) = build_split_assets(
        SPEC, key_prefix="ml", pool="clarifai", retry_policy=retry, tags={"t": "1"}, owners=["team:ml"], deps=["up"]
    )
    assert split.keys == {AssetKey(["ml", "splits", f"cats-dogs-{s}"]) for s in SPEC.ratios}
    assert split.op.pool == "clarifai" and split.op.retry_policy == retry
    assert {spec.tags["t"] for spec in split.specs} == {"1"}
    assert AssetKey("up") in {dep.asset_key for spec in split.specs for dep in spec.deps}
    assert {c.blocking for c in split.check_specs} == {True}
    with pytest.raises(ValidationError, match="ratio_tolerance"):
        build_split_assets(SPEC, ratio_tolerance=1.5)
    with pytest.raises(ValidationError, match="SplitSpec"):
        build_split_assets({"dataset_id": "x"})  # type: ignore[arg-type]


def test_output_frames_have_the_dataset_inputs_schema(
    demo: EmulatorServer, resources: dict[str, Any], storage: Any
) -> None:
    from connector.inventory import pandas_dtypes

    assert materialize(build_split_assets(SPEC, ratio_tolerance=0.03), resources=resources).success
    frame = pd.read_parquet(storage / "clarifai" / "splits" / "cats-dogs-test.parquet", dtype_backend="pyarrow")
    assert list(frame.columns) == list(pandas_dtypes("dataset_inputs"))
    assert set(frame["dataset_id"]) == {"cats-dogs-test"}
