"""Dagster integration of clarifai-connector: a resource, asset and check factories
(the app report among them), jobs, sensors, a Parquet IO manager and a ``dg``
component, all wrapping the core (:mod:`connector`) and adding only Dagster concerns.

    import dagster as dg
    from dagster_assets import ClarifaiParquetIOManager, ClarifaiResource, build_inventory_assets

    defs = dg.Definitions(
        assets=build_inventory_assets(["datasets", "dataset_versions"], pool="clarifai"),
        resources={
            "clarifai": ClarifaiResource(pat=dg.EnvVar("CLARIFAI_PAT"), user_id="me", app_id="my-app"),
            "clarifai_io_manager": ClarifaiParquetIOManager(base_path="s3://bucket/clarifai"),
        },
    )

See ``docs/dagster.md``.
"""

from dagster_assets.checks import InventoryCheckPolicy, build_inventory_checks
from dagster_assets.component import ClarifaiAppComponent
from dagster_assets.errors import error_metadata, is_permanent, raise_as_failure
from dagster_assets.inventory import DEFAULT_INVENTORIES, build_inventory_assets, inventory_asset_key
from dagster_assets.io_manager import ClarifaiParquetIOManager, ParquetUPathIOManager
from dagster_assets.prune import PruneConfig, build_prune_job, build_prune_op
from dagster_assets.report import build_report_asset
from dagster_assets.resource import ClarifaiResource
from dagster_assets.split import SPLIT_CHECKS, build_split_assets, evaluate_split, split_asset_keys
from dagster_assets.tasks import (
    TASK_MARKER_KEY,
    TASK_PARTITIONS,
    LabelingTaskConfig,
    WaitTaskConfig,
    build_create_task_job,
    build_create_task_op,
    build_task_annotations_asset,
    build_task_sensor,
    build_wait_task_op,
    task_run_key,
)
from dagster_assets.versions import (
    DATASET_VERSION_PARTITIONS,
    build_dataset_version_asset,
    build_dataset_version_sensor,
    version_key,
)

__all__ = [
    "DATASET_VERSION_PARTITIONS",
    "DEFAULT_INVENTORIES",
    "SPLIT_CHECKS",
    "TASK_MARKER_KEY",
    "TASK_PARTITIONS",
    "ClarifaiAppComponent",
    "ClarifaiParquetIOManager",
    "ClarifaiResource",
    "InventoryCheckPolicy",
    "LabelingTaskConfig",
    "ParquetUPathIOManager",
    "PruneConfig",
    "WaitTaskConfig",
    "build_create_task_job",
    "build_create_task_op",
    "build_dataset_version_asset",
    "build_dataset_version_sensor",
    "build_inventory_assets",
    "build_inventory_checks",
    "build_prune_job",
    "build_prune_op",
    "build_report_asset",
    "build_split_assets",
    "build_task_annotations_asset",
    "build_task_sensor",
    "build_wait_task_op",
    "error_metadata",
    "evaluate_split",
    "inventory_asset_key",
    "is_permanent",
    "raise_as_failure",
    "split_asset_keys",
    "task_run_key",
    "version_key",
]
