"""The dataset-version sensor (new READY versions become partitions exactly once) and the
per-version manifest asset."""

from typing import Any

import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance, SensorResult, build_sensor_context, materialize

from connector.client import ClarifaiClient
from connector.emulator.testing import EmulatorServer
from connector.errors import ValidationError
from connector.operations.waits import wait_dataset_version
from dagster_assets import DATASET_VERSION_PARTITIONS, build_dataset_version_asset, build_dataset_version_sensor
from dagster_assets.versions import split_version_key
from tests.dagster.helpers import materialized

NAME = DATASET_VERSION_PARTITIONS.name or ""


def _tick(sensor: Any, resources: dict[str, Any], instance: DagsterInstance, cursor: str | None) -> SensorResult:
    with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        result = sensor(context)
    assert isinstance(result, SensorResult)
    # What the daemon does with the result: add the partitions it asked for.
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys or []))
    return result


def test_new_versions_become_partitions_exactly_once(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    sensor = build_dataset_version_sensor(target=build_dataset_version_asset())
    first = _tick(sensor, resources, instance, None)
    ready = [
        "cats-dogs/cd-v1",
        "cats-dogs/cd-v2",
        "cats-dogs/cd-v4",
        "cats-dogs/cd-v5",
        "products/pr-v1",
        "street-scenes/st-v1",
    ]
    assert sorted(r.partition_key for r in first.run_requests) == ready
    assert sorted(instance.get_dynamic_partitions(NAME)) == ready

    second = _tick(sensor, resources, instance, first.cursor)
    assert not second.run_requests and not second.dynamic_partitions_requests

    # A version being built is not announced until it is READY, then exactly once.
    fast = demo.admin.options()["version_pending_seconds"]
    demo.admin.set_options(version_pending_seconds=60)
    with ClarifaiClient(demo.client_config()) as client:
        client.post_dataset_versions("street-scenes", [{"id": "st-v2"}])
        pending = _tick(sensor, resources, instance, second.cursor)
        assert not pending.run_requests
        demo.admin.set_options(version_pending_seconds=fast)
        wait_dataset_version(client, "street-scenes", "st-v2", timeout=10, interval=0.02)
    new = _tick(sensor, resources, instance, pending.cursor)
    assert [r.partition_key for r in new.run_requests] == ["street-scenes/st-v2"]
    assert new.run_requests[0].run_key == "clarifai_dataset_version_sensor:street-scenes/st-v2"
    for cursor in (new.cursor, None):  # a lost cursor: the instance's partitions still say "seen"
        again = _tick(sensor, resources, instance, cursor)
        assert not again.run_requests
    assert sorted(instance.get_dynamic_partitions(NAME)) == sorted([*ready, "street-scenes/st-v2"])
    # products/pr-v2 and pr-v3 are still in flight in the seed: never announced.
    assert not [k for k in instance.get_dynamic_partitions(NAME) if k in ("products/pr-v2", "products/pr-v3")]
    assert [m["rpc"] for m in demo.admin.mutations()] == ["PostDatasetVersions"]  # the test's own; the sensor reads


def test_sensor_limited_to_some_datasets(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    sensor = build_dataset_version_sensor(target=build_dataset_version_asset(), datasets=["street-scenes"])
    result = _tick(sensor, resources, instance, None)
    assert [r.partition_key for r in result.run_requests] == ["street-scenes/st-v1"]
    listed = {
        r["path"].split("/datasets/")[1].split("/")[0]
        for r in demo.admin.requests()
        if r["rpc"] == "ListDatasetVersions"
    }
    assert listed == {"street-scenes"}


def test_manifest_of_a_version(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance, storage: Any
) -> None:
    manifest = build_dataset_version_asset()
    instance.add_dynamic_partitions(NAME, ["cats-dogs/cd-v5", "cats-dogs/cd-v3"])
    result = materialize([manifest], resources=resources, instance=instance, partition_key="cats-dogs/cd-v5")
    members = demo.admin.snapshot()["demo/demo"]["dataset_inputs"]["cats-dogs"]
    meta = materialized(result)["clarifai/dataset_version_inputs"]
    assert meta["dagster/row_count"].value == len(members)
    assert meta["verified_count"].value is True
    table = pq.read_table(storage / "clarifai" / "dataset_version_inputs" / "cats-dogs" / "cd-v5.parquet")
    assert sorted(table.column("input_id").to_pylist()) == sorted(members)

    failed = materialize(
        [manifest], resources=resources, instance=instance, partition_key="cats-dogs/cd-v3", raise_on_error=False
    )
    assert not failed.success
    error = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data
    assert "cats-dogs/cd-v3 is DATASET_VERSION_FAILURE" in error.error.message


def test_manifest_refuses_a_dataset_that_changed_since_the_version(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    with ClarifaiClient(demo.client_config()) as client:
        client.delete_dataset_inputs("street-scenes", ["img-000008"])
    instance.add_dynamic_partitions(NAME, ["street-scenes/st-v1"])
    result = materialize(
        [build_dataset_version_asset()],
        resources=resources,
        instance=instance,
        partition_key="street-scenes/st-v1",
        raise_on_error=False,
    )
    assert not result.success
    error = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data
    assert "dataset 'street-scenes' changed since version 'st-v1'" in error.error.message


def test_version_keys() -> None:
    assert split_version_key("cats-dogs/cd-v1") == ("cats-dogs", "cd-v1")
    for bad in ("cats-dogs", "/v1", "ds/", "a/b/c"):
        with pytest.raises(ValidationError, match="dataset_id>/<version_id>"):
            split_version_key(bad)
