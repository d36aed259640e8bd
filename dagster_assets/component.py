"""``ClarifaiAppComponent``: a whole Clarifai app in a ``defs.yaml`` (``dg`` projects).

One component instance wires, for one app: the resource and the Parquet IO manager,
inventory assets with their checks, split assets with their blocking checks, the prune
job (and its schedule), the create-task job, the task-annotations asset and its sensor,
and the dataset-version asset and its sensor; every Clarifai step in one pool, with a
step retry policy that permanent errors bypass.

``pat`` (and ``user_id``, ``app_id``, ``base_url``) written as ``{{ env.NAME }}`` become
``EnvVar("NAME")``: read when a run starts, never at load time, so the PAT stays out of
the code location's snapshot and definitions load without it. ``dg scaffold defs
dagster_assets.ClarifaiAppComponent <name>`` writes a working ``defs.yaml``.
"""

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from dagster import (
    AssetCheckSeverity,
    AutomationCondition,
    Backoff,
    DefaultSensorStatus,
    Definitions,
    DynamicPartitionsDefinition,
    EnvVar,
    Jitter,
    RetryPolicy,
    ScheduleDefinition,
)
from dagster.components import (
    Component,
    ComponentLoadContext,
    Injected,
    Model,
    ResolutionContext,
    Resolvable,
    Resolver,
    Scaffolder,
    ScaffoldRequest,
    scaffold_component,
    scaffold_with,
)
from pydantic import BaseModel, ConfigDict, Field

from connector.config import DEFAULT_BASE_URL
from connector.operations import SplitSpec
from dagster_assets.checks import InventoryCheckPolicy, build_inventory_checks
from dagster_assets.inventory import DEFAULT_INVENTORIES, IO_MANAGER_KEY, RESOURCE_KEY, build_inventory_assets
from dagster_assets.io_manager import ClarifaiParquetIOManager
from dagster_assets.prune import PruneConfig, build_prune_job
from dagster_assets.resource import ClarifaiResource
from dagster_assets.split import build_split_assets
from dagster_assets.tasks import (
    LabelingTaskConfig,
    build_create_task_job,
    build_task_annotations_asset,
    build_task_sensor,
)
from dagster_assets.versions import build_dataset_version_asset, build_dataset_version_sensor

__all__ = ["ClarifaiAppComponent", "ClarifaiAppScaffolder"]

_ENV_TEMPLATE = re.compile(r"""^\s*\{\{\s*env(?:\.(\w+)|\(\s*['"](\w+)['"]\s*\))\s*\}\}\s*$""")


def _env_or_value(context: ResolutionContext, raw: Any) -> Any:
    """``{{ env.NAME }}`` / ``{{ env('NAME') }}`` alone -> ``EnvVar("NAME")`` (read at run
    time); anything else is rendered as usual."""
    if isinstance(raw, str):
        match = _ENV_TEMPLATE.match(raw)
        if match:
            return EnvVar(match.group(1) or match.group(2))
    return context.resolve_value(raw)


def _env_field(description: str) -> Resolver:
    return Resolver(_env_or_value, model_field_type=str, inject_before_resolve=False, description=description)


def _optional_env(description: str) -> Resolver:
    return Resolver(_env_or_value, model_field_type=str | None, inject_before_resolve=False, description=description)


class InventoriesModel(Model, Resolvable):
    """Inventory assets and their checks."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    names: list[str] = Field(default_factory=lambda: list(DEFAULT_INVENTORIES), description="Inventories to build.")
    scopes: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per inventory, listing scope, e.g. {dataset_versions: {datasets: [a]}}."
    )
    automation_condition: Injected[AutomationCondition] | None = None
    stale_task_days: float | None = Field(default=14, description="Stale-task threshold in days (null: no check).")
    failed_versions_check: bool = Field(default=True, description="Check for unresolved failed dataset versions.")
    row_count_bounds: dict[str, list[int | None]] = Field(
        default_factory=dict, description="Per inventory [min_rows, max_rows] (either may be null)."
    )
    blocking_checks: bool = Field(default=False, description="Make the ERROR-severity checks blocking.")


class SplitModel(Model, Resolvable):
    """One split (the fields of connector.operations.SplitSpec, plus a ratio tolerance)."""

    dataset_id: str | None = None
    version_id: str | None = None
    app: bool = False
    concepts: list[str] = Field(default_factory=list)
    ratios: dict[str, float] = Field(default_factory=lambda: {"train": 0.8, "test": 0.2})
    targets: dict[str, str] = Field(default_factory=dict)
    seed: str | int = "0"  # `seed: 2026` in YAML is a number; a seed is text
    stratify: bool = False
    group_by: str | None = None
    mode: Literal["incremental", "exact", "server"] = "incremental"
    snapshot: bool = False
    run_key: str | int | None = None
    ratio_tolerance: float = 0.05

    def spec(self) -> SplitSpec:
        return SplitSpec(
            dataset_id=self.dataset_id,
            version_id=self.version_id,
            app=self.app,
            concepts=tuple(self.concepts),
            ratios=self.ratios,
            targets=self.targets,
            seed=str(self.seed),
            stratify=self.stratify,
            group_by=self.group_by,
            mode=self.mode,
            snapshot=self.snapshot,
            run_key=None if self.run_key is None else str(self.run_key),
        )


class PruningModel(Model, Resolvable):
    """The prune job's default run config, and an optional schedule."""

    datasets: list[str] | None = None
    keep_last: int | None = 3
    keep_younger_than_days: float | None = None
    delete_failed_older_than_days: float | None = None
    keep_ids: list[str] = Field(default_factory=list)
    allow_trained: bool = False
    max_delete: int | None = None
    max_delete_share: float | None = 0.9
    dry_run: bool = True
    force: bool = False
    cron_schedule: str | None = Field(default=None, description="Run the prune job on this cron schedule.")

    def config(self) -> PruneConfig:
        return PruneConfig(**self.model_dump(exclude={"cron_schedule"}))


class TasksModel(Model, Resolvable):
    """Labeling tasks: the create-task job, the annotations asset and the task sensor."""

    export_when: Literal["done", "work", "review"] = Field(
        default="done", description="Export when the task is done, or its work / review percent reached `percent`."
    )
    percent: float | None = None
    task_ids: list[str] | None = Field(default=None, description="Watch these tasks (default: those the job made).")
    sensor: bool = True
    sensor_running: bool = Field(default=False, description="Start the sensor running (default: stopped).")
    minimum_interval_seconds: int = 60
    create_task: dict[str, Any] | None = Field(
        default=None, description="Default run config of the create-task job (LabelingTaskConfig fields)."
    )


class DatasetVersionsModel(Model, Resolvable):
    """The per-version manifest asset and the new-version sensor."""

    datasets: list[str] | None = None
    sensor: bool = True
    sensor_running: bool = False
    minimum_interval_seconds: int = 60


class ClarifaiAppScaffolderParams(BaseModel):
    app_id: str | None = None
    user_id: str | None = None


class ClarifaiAppScaffolder(Scaffolder[ClarifaiAppScaffolderParams]):
    """Writes a ``defs.yaml`` that loads as is: credentials from the environment,
    the default inventories with their checks, a dry-run prune job, the task flow."""

    @classmethod
    def get_scaffold_params(cls) -> type[ClarifaiAppScaffolderParams]:
        return ClarifaiAppScaffolderParams

    def scaffold(self, request: ScaffoldRequest[ClarifaiAppScaffolderParams]) -> None:
        params = request.params or ClarifaiAppScaffolderParams()
        scaffold_component(
            request,
            {
                "pat": "{{ env.CLARIFAI_PAT }}",
                "user_id": params.user_id or "{{ env.CLARIFAI_USER_ID }}",
                "app_id": params.app_id or "{{ env.CLARIFAI_APP_ID }}",
                "base_url": "{{ env('CLARIFAI_API_BASE', '" + DEFAULT_BASE_URL + "') }}",
                "pool": "clarifai",
                "rate_limit": 5,
                "inventories": {"names": list(DEFAULT_INVENTORIES), "stale_task_days": 14},
                "pruning": {"keep_last": 3, "dry_run": True},
                "tasks": {"export_when": "done"},
                "dataset_versions": {"sensor": True},
            },
        )


@scaffold_with(ClarifaiAppScaffolder)
class ClarifaiAppComponent(Component, Model, Resolvable):
    """A Clarifai app as Dagster definitions: inventories with checks, splits with
    blocking checks, pruning, the labeling-task flow and the dataset-version sensor,
    all in one concurrency pool."""

    name: str = Field(
        default="clarifai", description="Prefix of the job, sensor, schedule and partition names (one per app)."
    )
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    pat: Annotated[EnvVar | str, _env_field("Clarifai PAT; write `{{ env.CLARIFAI_PAT }}` (read at run time).")]
    user_id: Annotated[EnvVar | str, _env_field("User that owns the app (may be `{{ env.CLARIFAI_USER_ID }}`).")]
    app_id: Annotated[EnvVar | str | None, _optional_env("The app (may be `{{ env.CLARIFAI_APP_ID }}`).")] = None
    base_url: Annotated[EnvVar | str, _env_field("API address (may be `{{ env.CLARIFAI_API_BASE }}`).")] = (
        DEFAULT_BASE_URL
    )
    rate_limit: float = Field(default=15.0, description="Requests per second per step process (15 / pool limit).")
    retry_max_attempts: int = Field(default=6, description="HTTP attempts per call.")
    pool: str | None = Field(default="clarifai", description="Concurrency pool of every Clarifai step.")
    step_retries: int = Field(default=2, description="Step retries for transient failures (never permanent ones).")
    step_retry_delay_seconds: float = Field(default=10.0, description="First step retry delay (exponential).")
    key_prefix: list[str] = Field(default_factory=lambda: ["clarifai"], description="Asset key prefix.")
    group_name: str = "clarifai"
    resource_key: str = RESOURCE_KEY
    io_manager_key: str = IO_MANAGER_KEY
    storage_path: str | None = Field(
        default=None, description="Where Parquet files go (path or fsspec URI; default: the instance storage)."
    )
    owners: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    inventories: InventoriesModel | None = Field(default_factory=InventoriesModel)
    splits: list[SplitModel] = Field(default_factory=list)
    pruning: PruningModel | None = None
    tasks: TasksModel | None = None
    dataset_versions: DatasetVersionsModel | None = None

    def resource(self) -> ClarifaiResource:
        return ClarifaiResource(
            pat=self.pat,
            user_id=self.user_id,
            app_id=self.app_id,
            base_url=self.base_url,
            rate_limit=self.rate_limit,
            retry_max_attempts=self.retry_max_attempts,
        )

    def retry_policy(self) -> RetryPolicy | None:
        if self.step_retries <= 0:
            return None
        return RetryPolicy(
            max_retries=self.step_retries,
            delay=self.step_retry_delay_seconds,
            backoff=Backoff.EXPONENTIAL,
            jitter=Jitter.PLUS_MINUS,
        )

    def build_defs(self, context: ComponentLoadContext) -> Definitions:
        common: dict[str, Any] = {
            "key_prefix": self.key_prefix,
            "group_name": self.group_name,
            "tags": self.tags,
            "owners": self.owners,
            "pool": self.pool,
            "retry_policy": self.retry_policy(),
            "resource_key": self.resource_key,
            "io_manager_key": self.io_manager_key,
        }
        name = self.name
        assets: list[Any] = []
        checks: list[Any] = []
        jobs: list[Any] = []
        schedules: list[Any] = []
        sensors: list[Any] = []
        if self.inventories is not None:
            inv = self.inventories
            assets += build_inventory_assets(
                inv.names, scopes=inv.scopes, automation_condition=inv.automation_condition, **common
            )
            bounds = {k: (v[0] if v else None, v[1] if len(v) > 1 else None) for k, v in inv.row_count_bounds.items()}
            checks += build_inventory_checks(
                inv.names,
                key_prefix=self.key_prefix,
                policy=InventoryCheckPolicy(
                    failed_versions=inv.failed_versions_check,
                    stale_task_after=timedelta(days=inv.stale_task_days) if inv.stale_task_days else None,
                    stale_task_severity=AssetCheckSeverity.WARN,
                    row_count_bounds=bounds,
                    blocking=inv.blocking_checks,
                ),
            )
        for split in self.splits:
            spec = split.spec()
            op_name = f"{name}_split_{spec.source_name}".replace("-", "_")
            assets += build_split_assets(spec, name=op_name, ratio_tolerance=split.ratio_tolerance, **common)
        job_kwargs = {k: common[k] for k in ("resource_key", "pool", "retry_policy", "tags")}
        if self.pruning is not None:
            prune_job = build_prune_job(f"{name}_prune_job", config=self.pruning.config(), **job_kwargs)
            jobs.append(prune_job)
            if self.pruning.cron_schedule:
                schedules.append(
                    ScheduleDefinition(
                        name=f"{name}_prune_schedule", job=prune_job, cron_schedule=self.pruning.cron_schedule
                    )
                )
        if self.tasks is not None:
            task_cfg = LabelingTaskConfig(**self.tasks.create_task) if self.tasks.create_task else None
            jobs.append(build_create_task_job(f"{name}_create_task_job", config=task_cfg, **job_kwargs))
            task_partitions = DynamicPartitionsDefinition(name=f"{name}_labeling_tasks")
            annotations = build_task_annotations_asset(partitions_def=task_partitions, **common)
            assets.append(annotations)
            if self.tasks.sensor:
                sensors.append(
                    build_task_sensor(
                        name=f"{name}_task_sensor",
                        partitions_def=task_partitions,
                        target=annotations,
                        until=self.tasks.export_when,
                        percent=self.tasks.percent,
                        task_ids=self.tasks.task_ids,
                        minimum_interval_seconds=self.tasks.minimum_interval_seconds,
                        default_status=_status(self.tasks.sensor_running),
                        resource_key=self.resource_key,
                    )
                )
        if self.dataset_versions is not None:
            version_partitions = DynamicPartitionsDefinition(name=f"{name}_dataset_versions")
            manifest = build_dataset_version_asset(partitions_def=version_partitions, **common)
            assets.append(manifest)
            if self.dataset_versions.sensor:
                sensors.append(
                    build_dataset_version_sensor(
                        name=f"{name}_dataset_version_sensor",
                        partitions_def=version_partitions,
                        target=manifest,
                        datasets=self.dataset_versions.datasets,
                        minimum_interval_seconds=self.dataset_versions.minimum_interval_seconds,
                        default_status=_status(self.dataset_versions.sensor_running),
                        resource_key=self.resource_key,
                    )
                )
        return Definitions(
            assets=assets,
            asset_checks=checks,
            jobs=jobs,
            schedules=schedules,
            sensors=sensors,
            resources={
                self.resource_key: self.resource(),
                self.io_manager_key: ClarifaiParquetIOManager(base_path=self.storage_path),
            },
        )


def _status(running: bool) -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if running else DefaultSensorStatus.STOPPED
