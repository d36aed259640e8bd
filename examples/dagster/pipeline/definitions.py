"""A complete Dagster code location for one Clarifai app, written in Python.

Run it:  dagster dev -f examples/dagster/pipeline/definitions.py  (see README.md here).

* inventories of the app as Parquet-backed DataFrame assets, with checks;
* a stratified train/test/validation split of ``cats-dogs`` with blocking checks, and a
  training manifest downstream of it that a failed check stops;
* a prune job (dry run unless told otherwise) and a weekly schedule that applies it;
* the labeling-task flow: a job that creates a task, a sensor that fires when the task
  is done, and the per-task annotation export it requests;
* the training manifest of each new dataset version, found by a sensor;
* the app report, one HTML page built from the inventory assets (no second read), with
  what the weekly prune would delete.

Every step that calls Clarifai runs in the concurrency pool ``clarifai``. Its limit
(``dagster instance concurrency set clarifai 3``) times the resource's ``rate_limit``
(5 requests/s per step) stays within the API's 15 requests/s per account. Settings come
from the environment: ``CLARIFAI_PAT``, ``CLARIFAI_USER_ID``, ``CLARIFAI_APP_ID``,
(read when a run starts), ``CLARIFAI_API_BASE`` (default: the real API), ``CLARIFAI_STORAGE`` (where the Parquet
files go; default: the Dagster instance's storage directory) and
``CLARIFAI_SENSOR_INTERVAL`` (seconds between sensor ticks; default 60). The report
goes to ``$CLARIFAI_STORAGE/report.html`` (default: the instance's storage directory).
"""

import os
from datetime import timedelta

import pandas as pd
from dagster import (
    AssetIn,
    AssetKey,
    Backoff,
    DefaultSensorStatus,
    Definitions,
    EnvVar,
    Jitter,
    RetryPolicy,
    RunConfig,
    ScheduleDefinition,
    asset,
)

from connector.config import DEFAULT_BASE_URL
from connector.operations import PrunePolicy, SplitSpec
from dagster_assets import (
    ClarifaiParquetIOManager,
    ClarifaiResource,
    InventoryCheckPolicy,
    LabelingTaskConfig,
    PruneConfig,
    build_create_task_job,
    build_dataset_version_asset,
    build_dataset_version_sensor,
    build_inventory_assets,
    build_inventory_checks,
    build_prune_job,
    build_report_asset,
    build_split_assets,
    build_task_annotations_asset,
    build_task_sensor,
    split_asset_keys,
)

#: Every Clarifai step shares this pool; size it for the account's rate limit.
POOL = "clarifai"
#: Transient failures (throttling or 5xx after the client's own retries, timeouts) are
#: retried with exponential, jittered delays; bad arguments, auth and guards never are.
RETRY = RetryPolicy(max_retries=2, delay=10, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
SENSOR_INTERVAL = int(os.environ.get("CLARIFAI_SENSOR_INTERVAL", "60"))
STORAGE = os.environ.get("CLARIFAI_STORAGE") or None
COMMON = {"pool": POOL, "retry_policy": RETRY, "owners": ["team:vision"], "tags": {"source": "clarifai"}}

INVENTORIES = ["datasets", "dataset_versions", "dataset_inputs", "tasks", "models", "model_versions"]
inventory_assets = build_inventory_assets(INVENTORIES, **COMMON)
inventory_checks = build_inventory_checks(
    INVENTORIES,
    policy=InventoryCheckPolicy(stale_task_after=timedelta(days=14), row_count_bounds={"datasets": (1, None)}),
)

#: The report reads the inventory assets' frames (no second read of the app); it shows what
#: the weekly prune's policy would delete, decided from the same frames.
app_report = build_report_asset(
    INVENTORIES,
    path=os.path.join(STORAGE, "report.html") if STORAGE else None,
    prune_policy=PrunePolicy(keep_last=3, max_delete=20),
    stale_after=timedelta(days=14),
    owners=COMMON["owners"],
    tags=COMMON["tags"],
)

PETS_SPLIT = SplitSpec(
    dataset_id="cats-dogs", ratios={"train": 0.7, "test": 0.2, "validation": 0.1}, seed="2026", stratify=True
)
split_assets = build_split_assets(PETS_SPLIT, ratio_tolerance=0.02, **COMMON)
_split_keys = split_asset_keys(PETS_SPLIT)


@asset(
    key=AssetKey(["clarifai", "cats_dogs_training_manifest"]),
    ins={split: AssetIn(key=key) for split, key in _split_keys.items()},
    io_manager_key="clarifai_io_manager",
    group_name="clarifai",
    kinds={"pandas"},
    description="One row per input of the pets split with its split name: what training reads.",
)
def cats_dogs_training_manifest(train: pd.DataFrame, test: pd.DataFrame, validation: pd.DataFrame) -> pd.DataFrame:
    """Runs only when the split's blocking checks passed (no leakage, ratios, union)."""
    splits = {"train": train, "test": test, "validation": validation}
    parts = [frame[["input_id", "input_url"]].assign(split=name) for name, frame in splits.items()]
    return pd.concat(parts, ignore_index=True)


prune_job = build_prune_job(config=PruneConfig(keep_last=3, max_delete=20), pool=POOL, retry_policy=RETRY)
weekly_prune = ScheduleDefinition(
    name="clarifai_weekly_prune",
    job=prune_job,
    cron_schedule="0 3 * * 0",
    run_config=RunConfig(ops={"clarifai_prune": PruneConfig(keep_last=3, max_delete=20, dry_run=False)}),
)

create_task_job = build_create_task_job(
    config=LabelingTaskConfig(
        name="label pets",
        concept_ids=["cat", "dog"],
        workers=["labeler-1"],
        input_source="DATASET",
        input_source_id="cats-dogs",
    ),
    pool=POOL,
    retry_policy=RETRY,
)
task_annotations = build_task_annotations_asset(**COMMON)
task_sensor = build_task_sensor(
    target=task_annotations,
    until="done",
    minimum_interval_seconds=SENSOR_INTERVAL,
    default_status=DefaultSensorStatus.RUNNING,
)

version_manifest = build_dataset_version_asset(**COMMON)
version_sensor = build_dataset_version_sensor(
    target=version_manifest, datasets=["cats-dogs"], minimum_interval_seconds=SENSOR_INTERVAL
)

defs = Definitions(
    assets=[
        *inventory_assets,
        app_report,
        *split_assets,
        cats_dogs_training_manifest,
        task_annotations,
        version_manifest,
    ],
    asset_checks=inventory_checks,
    jobs=[prune_job, create_task_job],
    schedules=[weekly_prune],
    sensors=[task_sensor, version_sensor],
    resources={
        "clarifai": ClarifaiResource(
            pat=EnvVar("CLARIFAI_PAT"),
            user_id=EnvVar("CLARIFAI_USER_ID"),
            app_id=EnvVar("CLARIFAI_APP_ID"),
            base_url=os.environ.get("CLARIFAI_API_BASE") or DEFAULT_BASE_URL,
            rate_limit=5,
        ),
        "clarifai_io_manager": ClarifaiParquetIOManager(base_path=STORAGE),
    },
)
