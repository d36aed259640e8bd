"""New dataset versions as dynamic partitions: a sensor and a per-version asset.

:func:`build_dataset_version_sensor` lists the versions of the app's datasets (or of
some) on each tick and, for every READY version it has not seen, adds the partition
``<dataset_id>/<version_id>`` and requests a run of its target for it. Its cursor holds
the versions already handled, and it also skips any version that is already a
partition, so a version is added and requested once however many ticks see it.

:func:`build_dataset_version_asset` is the natural target: the training manifest of a
dataset version (its inputs, ``dataset_inputs`` schema), one Parquet file per version.
The API cannot list a version's inputs (``ListDatasetInputs`` has no version filter), so
the asset lists the dataset and refuses, without a retry, when the dataset no longer
holds as many inputs as the version: materialize new versions promptly (the sensor does).
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from dagster import (
    AddDynamicPartitionsRequest,
    AssetExecutionContext,
    AssetsDefinition,
    AutomationCondition,
    DefaultSensorStatus,
    DynamicPartitionsDefinition,
    Failure,
    JobDefinition,
    MetadataValue,
    Output,
    RetryPolicy,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    asset,
    sensor,
)

from connector.errors import ConnectorError, ValidationError
from connector.inventory import to_dataframe
from connector.status_codes import VERSION_FAILED, VERSION_READY, code_name, status_code_of
from dagster_assets.errors import is_permanent, raise_as_failure
from dagster_assets.inventory import IO_MANAGER_KEY, RESOURCE_KEY, prefixed_key
from dagster_assets.metadata import column_schema, frame_metadata

__all__ = [
    "DATASET_VERSION_PARTITIONS",
    "build_dataset_version_asset",
    "build_dataset_version_sensor",
    "split_version_key",
    "version_key",
]

#: Dynamic partitions of dataset versions, keyed ``<dataset_id>/<version_id>``.
DATASET_VERSION_PARTITIONS = DynamicPartitionsDefinition(name="clarifai_dataset_versions")


def version_key(dataset_id: str, version_id: str) -> str:
    """The partition key of a dataset version."""
    return f"{dataset_id}/{version_id}"


def split_version_key(key: str) -> tuple[str, str]:
    """``"<dataset>/<version>"`` -> ``(dataset, version)``; ValidationError otherwise."""
    dataset_id, sep, version_id = key.partition("/")
    if not sep or not dataset_id or not version_id or "/" in version_id:
        raise ValidationError(f"a dataset version partition key is '<dataset_id>/<version_id>', got {key!r}")
    return dataset_id, version_id


def _inputs_count(version: Mapping[str, Any]) -> int | None:
    root = (version.get("metrics") or {}).get("/") or {}
    count = (root.get("metrics") or root).get("inputs_count")
    return int(count) if count is not None else None


def build_dataset_version_asset(
    *,
    key_prefix: str | Sequence[str] | None = "clarifai",
    partitions_def: DynamicPartitionsDefinition = DATASET_VERSION_PARTITIONS,
    group_name: str | None = "clarifai",
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    automation_condition: AutomationCondition | None = None,
    resource_key: str = RESOURCE_KEY,
    io_manager_key: str = IO_MANAGER_KEY,
) -> AssetsDefinition:
    """The inputs of one dataset version per partition (``<dataset_id>/<version_id>``),
    as a DataFrame with the ``dataset_inputs`` inventory schema."""

    @asset(
        key=prefixed_key(key_prefix, "dataset_version_inputs"),
        partitions_def=partitions_def,
        description=(
            "The inputs of a dataset version (partition = dataset_id/version_id), dataset_inputs schema: "
            "the training manifest of the version."
        ),
        group_name=group_name,
        tags=dict(tags or {}),
        owners=list(owners or []),
        pool=pool,
        retry_policy=retry_policy,
        automation_condition=automation_condition,
        io_manager_key=io_manager_key,
        required_resource_keys={resource_key},
        kinds={"clarifai", "pandas"},
        metadata={"dagster/column_schema": column_schema("dataset_inputs")},
    )
    def _dataset_version_inputs(context: AssetExecutionContext) -> Output[pd.DataFrame]:
        resource = getattr(context.resources, resource_key)
        dataset_id, version_id = split_version_key(context.partition_key)
        what = f"dataset version {dataset_id}/{version_id}"
        with raise_as_failure(f"reading {what}"), resource.get_client() as client:
            version = client.get_dataset_version(dataset_id, version_id)
            code = status_code_of(version)
            if code in VERSION_FAILED:
                raise Failure(
                    description=f"{what} is {code_name(code)}: it has no content to export",
                    metadata={"status": code_name(code)},
                    allow_retries=False,
                )
            if code not in VERSION_READY:
                raise Failure(description=f"{what} is still {code_name(code)}; run again once it is READY")
            frame = to_dataframe(client, "dataset_inputs", datasets=[dataset_id])
        expected = _inputs_count(version)
        if expected is not None and expected != len(frame):
            raise Failure(
                description=(
                    f"dataset {dataset_id!r} changed since version {version_id!r} ({len(frame)} inputs now, "
                    f"{expected} in the version); the API cannot list a version's inputs, so this version's "
                    "manifest can no longer be read: snapshot a fresh version"
                ),
                metadata={"inputs_now": len(frame), "inputs_in_version": expected},
                allow_retries=False,
            )
        meta = frame_metadata("dataset_inputs", frame)
        meta.update(
            {
                "dataset_id": dataset_id,
                "version_id": version_id,
                "version_status": code_name(code),
                "version_created_at": str(version.get("created_at") or ""),
                "verified_count": MetadataValue.bool(expected is not None),
            }
        )
        return Output(frame, metadata=meta)

    return _dataset_version_inputs


def _read_seen(cursor: str | None) -> set[str]:
    if not cursor:
        return set()
    try:
        return set(json.loads(cursor).get("seen") or [])
    except (ValueError, AttributeError):
        return set()


def build_dataset_version_sensor(
    *,
    target: AssetsDefinition | JobDefinition | Any,
    name: str = "clarifai_dataset_version_sensor",
    datasets: Sequence[str] | None = None,
    partitions_def: DynamicPartitionsDefinition = DATASET_VERSION_PARTITIONS,
    minimum_interval_seconds: int = 60,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    resource_key: str = RESOURCE_KEY,
) -> SensorDefinition:
    """A sensor adding every new READY dataset version of ``datasets`` (None: every
    dataset of the app) as a partition of ``partitions_def`` and requesting one run of
    ``target`` for it. The cursor is JSON ``{"seen": ["<dataset>/<version>", ...]}``
    (versions no longer listed drop out of it)."""
    fixed = list(datasets) if datasets is not None else None

    @sensor(
        name=name,
        target=target,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        required_resource_keys={resource_key},
        description="Adds each new READY Clarifai dataset version as a partition and requests its run.",
    )
    def _dataset_version_sensor(context: SensorEvaluationContext, **resources: Any) -> SensorResult:
        # Dagster passes the resource as a keyword when the sensor is called directly
        # (tests), and through the context when the daemon evaluates it.
        resource = resources.get(resource_key) or getattr(context.resources, resource_key)
        seen = _read_seen(context.cursor)
        ready: list[str] = []
        listed: set[str] = set()
        try:
            with resource.get_client() as client:
                ids = fixed if fixed is not None else [str(d["id"]) for d in client.list_datasets()]
                for dataset_id in ids:
                    for version in client.list_dataset_versions(dataset_id):
                        key = version_key(dataset_id, str(version.get("id")))
                        listed.add(key)
                        if status_code_of(version) in VERSION_READY:
                            ready.append(key)
        except ConnectorError as exc:
            if is_permanent(exc):  # misconfigured (auth, a dataset that does not exist...): fail loudly
                raise
            return SensorResult(skip_reason=SkipReason(f"could not list dataset versions, will try again: {exc}"))
        existing = set(context.instance.get_dynamic_partitions(partitions_def.name or ""))
        new = sorted(k for k in ready if k not in seen and k not in existing)
        cursor = json.dumps({"seen": sorted((seen | set(new) | (set(ready) & existing)) & listed)})
        if not new:
            return SensorResult(
                skip_reason=SkipReason(f"no new READY dataset version ({len(ready)} READY seen)"), cursor=cursor
            )
        return SensorResult(
            run_requests=[
                RunRequest(run_key=f"{name}:{key}", partition_key=key, tags={"clarifai/dataset_version": key})
                for key in new
            ],
            dynamic_partitions_requests=[AddDynamicPartitionsRequest(partitions_def.name or "", new)],
            cursor=cursor,
        )

    return _dataset_version_sensor
