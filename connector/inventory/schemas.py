"""The inventories and their schemas: the single source of truth.

Each inventory is a list of :class:`Column` specs (name, Arrow type, how to read the
value from an API item, a description). The pyarrow schema, the pandas dtypes
(``pd.ArrowDtype`` of each Arrow type) and the tables of ``docs/inventories.md``
(:func:`schema_markdown`) are all derived from them; a test checks the docs.

Column types: pyarrow-backed strings, tz-aware UTC timestamps (microseconds), nullable
64-bit integers and floats, booleans, lists of strings; nested messages and metadata
are kept as compact JSON text with sorted keys. Field names come from the official
messages of ``clarifai_grpc.grpc.api.resources_pb2``. Secrets the API may return
(``InputsAddJob.app_pat``) are never read.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from connector.inventory import extract as x

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Extractor: ``(item, scope) -> python value``; ``scope`` carries e.g. ``dataset_id``.
Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

STRING = pa.string()
INT64 = pa.int64()
FLOAT64 = pa.float64()
BOOL = pa.bool_()
TIMESTAMP = pa.timestamp("us", tz="UTC")
STRING_LIST = pa.list_(pa.string())


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its name, Arrow type, extractor, and what it holds."""

    name: str
    type: pa.DataType
    get: Getter
    doc: str
    #: JSON text of a nested message (a string column, documented as ``json``).
    is_json: bool = False
    #: Dotted field paths of the official message this column reads (checked by a test).
    sources: tuple[str, ...] = ()

    @property
    def is_timestamp(self) -> bool:
        return bool(pa.types.is_timestamp(self.type))

    @property
    def type_label(self) -> str:
        """How the docs name the type."""
        if self.is_json:
            return "string (JSON)"
        if pa.types.is_list(self.type):
            return f"list<{self.type.value_type}>"
        return {"double": "float64", "bool": "bool"}.get(str(self.type), str(self.type))

    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=True, metadata={"description": self.doc})


@dataclasses.dataclass(frozen=True)
class InventorySpec:
    """An inventory: what it lists (rpc + response key), its scope and its columns.

    ``scope`` is ``"user"`` (apps), ``"app"``, ``"dataset"`` (one listing per dataset)
    or ``"model"`` (one listing per model). ``params`` are fixed query parameters.
    """

    name: str
    rpc: str
    key: str
    scope: str
    columns: tuple[Column, ...]
    doc: str
    #: The official message (``resources_pb2``) of one listed item.
    message: str = ""
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @functools.cached_property
    def schema(self) -> pa.Schema:
        """Built once: every page's record batch is made against it."""
        return pa.schema([c.field() for c in self.columns], metadata={"inventory": self.name})

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# -- column builders --------------------------------------------------------------------
def _path(path: str) -> Getter:
    return lambda item, scope: x.dig(item, path)


def string(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, STRING, lambda item, scope: x.as_str(x.dig(item, p)), doc or f"`{p}`", sources=(p,))


def scope_or(name: str, path: str, doc: str) -> Column:
    """A string read from the item, else from the listing's scope (e.g. ``dataset_id``)."""
    return Column(
        name,
        STRING,
        lambda item, scope: x.as_str(x.dig(item, path)) or x.as_str(scope.get(name)),
        doc,
        sources=(path,),
    )


def integer(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, INT64, lambda item, scope: x.as_int(x.dig(item, p)), doc or f"`{p}`", sources=(p,))


def count(name: str, path: str, doc: str = "") -> Column:
    """A proto3 scalar count: absent means 0 when the parent message is present."""
    parent, _, leaf = path.rpartition(".")

    def get(item: Mapping[str, Any], scope: Mapping[str, Any]) -> int | None:
        holder = x.dig(item, parent) if parent else item
        if not isinstance(holder, Mapping):
            return None
        value = x.as_int(holder.get(leaf))
        return 0 if value is None else value

    return Column(
        name, INT64, get, doc or f"`{path}` (0 when absent, null without `{parent or 'item'}`)", sources=(path,)
    )


def floating(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, FLOAT64, lambda item, scope: x.as_float(x.dig(item, p)), doc or f"`{p}`", sources=(p,))


def boolean(name: str, path: str | None = None, doc: str = "", default: bool | None = False) -> Column:
    p = path or name

    def get(item: Mapping[str, Any], scope: Mapping[str, Any]) -> bool | None:
        value = x.as_bool(x.dig(item, p))
        return default if value is None else value

    return Column(name, BOOL, get, doc or f"`{p}`", sources=(p,))


def timestamp(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, TIMESTAMP, lambda item, scope: x.as_str(x.dig(item, p)), doc or f"`{p}` (UTC)", sources=(p,))


def json_col(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(
        name,
        STRING,
        lambda item, scope: x.json_text(x.dig(item, p)),
        doc or f"`{p}` as JSON text",
        is_json=True,
        sources=(p,),
    )


def strings(name: str, getter: Getter, doc: str, sources: tuple[str, ...] = ()) -> Column:
    return Column(name, STRING_LIST, lambda item, scope: x.str_list(getter(item, scope)), doc, sources=sources)


def enum(name: str, path: str, doc: str = "") -> Column:
    return Column(
        name, STRING, lambda item, scope: x.as_str(x.dig(item, path)), doc or f"`{path}` (enum name)", sources=(path,)
    )


def status_columns(prefix: str = "status", path: str = "status") -> list[Column]:
    return [
        Column(
            f"{prefix}_code",
            INT64,
            lambda item, scope: x.status_code(x.dig(item, path)),
            f"`{path}.code` as a number",
            sources=(f"{path}.code",),
        ),
        Column(
            f"{prefix}_name",
            STRING,
            lambda item, scope: x.status_name(x.dig(item, path)),
            f"`{path}.code` as its name (e.g. `SUCCESS`)",
            sources=(f"{path}.code",),
        ),
        string(f"{prefix}_description", f"{path}.description", f"`{path}.description`"),
    ]


def visibility(path: str = "visibility.gettable") -> Column:
    return enum("visibility", path, f"`{path}` (PRIVATE, ORG, PUBLIC)")


# -- inventories ------------------------------------------------------------------------
def _input_columns(prefix: str, base: str) -> list[Column]:
    """Columns describing an Input found at ``base`` (``""`` for the item itself)."""

    def p(path: str) -> str:
        return f"{base}.{path}" if base else path

    return [
        string(f"{prefix}id", p("id"), f"`{p('id')}`"),
        Column(
            f"{prefix}data_kind",
            STRING,
            lambda item, scope: x.data_kind(x.dig(item, p("data"))),
            "media kind: image, video, audio or text",
            sources=(p("data.image"), p("data.video"), p("data.audio"), p("data.text")),
        ),
        Column(
            f"{prefix}url",
            STRING,
            lambda item, scope: x.data_url(x.dig(item, p("data"))),
            "URL of the media (`data.image.url`, `data.video.url`, ...)",
            sources=(p("data.image.url"), p("data.video.url"), p("data.audio.url"), p("data.text.url")),
        ),
        string(f"{prefix}text_raw", p("data.text.raw"), f"`{p('data.text.raw')}`"),
        strings(
            f"{prefix}concept_ids",
            lambda item, scope: x.ids_of(x.dig(item, p("data.concepts"))),
            f"ids of `{p('data.concepts')}`",
            (p("data.concepts.id"),),
        ),
        floating(f"{prefix}geo_latitude", p("data.geo.geo_point.latitude"), f"`{p('data.geo.geo_point.latitude')}`"),
        floating(f"{prefix}geo_longitude", p("data.geo.geo_point.longitude"), f"`{p('data.geo.geo_point.longitude')}`"),
        strings(
            f"{prefix}dataset_ids",
            lambda item, scope: x.dig(item, p("dataset_ids")),
            f"`{p('dataset_ids')}`",
            (p("dataset_ids"),),
        ),
        *status_columns(f"{prefix}status", p("status")),
        timestamp(f"{prefix}created_at", p("created_at"), f"`{p('created_at')}` (UTC)"),
        timestamp(f"{prefix}modified_at", p("modified_at"), f"`{p('modified_at')}` (UTC)"),
        json_col(f"{prefix}metadata", p("data.metadata"), f"`{p('data.metadata')}` as JSON text"),
    ]


_VERSION_METRICS = (
    "inputs_count",
    "unlabeled_inputs_count",
    "inputs_with_metadata_count",
    "inputs_with_geo_count",
    "regions_count",
    "region_inputs_count",
    "bounding_boxes_count",
    "polygons_count",
    "points_count",
    "masks_count",
    "frames_count",
    "frame_inputs_count",
    "region_frames_count",
    "embeddings_count",
    "positive_input_tags_count",
    "positive_region_tags_count",
    "positive_frame_tags_count",
)


def _metric(name: str) -> Column:
    def get(item: Mapping[str, Any], scope: Mapping[str, Any]) -> int | None:
        return x.as_int(x.version_metrics(item.get("metrics")).get(name))

    return Column(
        f"metrics_{name}", INT64, get, f'`metrics["/"].{name}` (whole dataset)', sources=(f"metrics.value.{name}",)
    )


def _task_worker_user_ids(item: Mapping[str, Any], scope: Mapping[str, Any]) -> list[str]:
    ids = x.str_list(x.dig(item, "worker.user_ids"))
    ids += x.ids_of(x.dig(item, "worker.users"))
    ids += x.ids_of(x.dig(item, "worker.workers"), "user.id")
    return x.unique(ids)


def _task_review_user_ids(item: Mapping[str, Any], scope: Mapping[str, Any]) -> list[str]:
    ids = x.str_list(x.dig(item, "review.user_ids")) + x.ids_of(x.dig(item, "review.users"))
    return x.unique(ids)


def _task_concept_ids(item: Mapping[str, Any], scope: Mapping[str, Any]) -> list[str]:
    ids = x.str_list(item.get("concept_ids")) + x.ids_of(item.get("concepts"), "concept.id")
    return x.unique(ids)


def _review_threshold(item: Mapping[str, Any], scope: Mapping[str, Any]) -> int | None:
    for path in ("review.consensus_strategy_info.approval_threshold", "review.manual_strategy_info.approval_threshold"):
        value = x.as_int(x.dig(item, path))
        if value is not None:
            return value
    return None


def _bulk_target_datasets(item: Mapping[str, Any], scope: Mapping[str, Any]) -> list[str]:
    op = item.get("operation") or {}
    ids = x.ids_of(x.dig(op, "split_into_datasets.dataset_splits"), "dataset.id")
    ids += x.str_list(x.dig(op, "add_to_dataset.dataset_id"))
    ids += x.str_list(x.dig(op, "delete_from_dataset.dataset_id"))
    return x.unique(ids)


def _workflow_model_ids(item: Mapping[str, Any], scope: Mapping[str, Any]) -> list[str]:
    return x.unique(x.ids_of(item.get("nodes"), "model.id"))


_SPECS: list[InventorySpec] = [
    InventorySpec(
        "apps",
        "ListApps",
        "apps",
        "user",
        message="App",
        doc="Apps of the user.",
        columns=(
            string("id"),
            string("name"),
            string("user_id"),
            string("description"),
            string("default_workflow_id"),
            string("default_language"),
            visibility(),
            string("data_tier_id"),
            boolean("is_template", "is_template", "`is_template` (null when unset)", default=None),
            integer("star_count"),
            string("notes"),
            timestamp("created_at"),
            timestamp("modified_at"),
            json_col("metadata"),
        ),
    ),
    InventorySpec(
        "datasets",
        "ListDatasets",
        "datasets",
        "app",
        message="Dataset",
        doc="Datasets of the app.",
        columns=(
            string("id"),
            string("app_id"),
            string("user_id"),
            string("description"),
            string("notes"),
            visibility(),
            string("version_id", "version.id", "`version.id`: the dataset's current version"),
            integer("star_count"),
            timestamp("created_at"),
            timestamp("modified_at"),
            json_col("metadata"),
        ),
    ),
    InventorySpec(
        "dataset_versions",
        "ListDatasetVersions",
        "dataset_versions",
        "dataset",
        message="DatasetVersion",
        doc="Versions of one, some or all datasets; status and whole-dataset metrics flattened.",
        columns=(
            scope_or("dataset_id", "dataset_id", "`dataset_id` (else the dataset listed)"),
            string("id"),
            string("app_id"),
            string("user_id"),
            string("description"),
            *status_columns(),
            enum(
                "request_origin",
                "request_origin",
                "`request_origin` (MANUAL, TRAINING, EVAL_GROUND_TRUTH, EVAL_PREDICTIONS)",
            ),
            string("annotation_filter_id", "annotation_filter_config.annotation_filter.id"),
            strings(
                "embed_model_version_ids",
                _path("embed_model_version_ids"),
                "`embed_model_version_ids`",
                ("embed_model_version_ids",),
            ),
            visibility(),
            timestamp("created_at"),
            timestamp("modified_at"),
            *[_metric(m) for m in _VERSION_METRICS],
            json_col("metrics", "metrics", "`metrics` (every key) as JSON text"),
            json_col("metadata"),
        ),
    ),
    InventorySpec(
        "dataset_inputs",
        "ListDatasetInputs",
        "dataset_inputs",
        "dataset",
        message="DatasetInput",
        doc="Inputs of one, some or all datasets (one row per dataset and input).",
        columns=(
            Column("dataset_id", STRING, lambda item, scope: x.as_str(scope.get("dataset_id")), "the dataset listed"),
            timestamp("added_at", "created_at", "`created_at` of the dataset input: when it was added (UTC)"),
            *_input_columns("input_", "input"),
        ),
    ),
    InventorySpec(
        "inputs",
        "ListInputs",
        "inputs",
        "app",
        message="Input",
        doc="Inputs of the app.",
        columns=tuple(_input_columns("", "")),
    ),
    InventorySpec(
        "annotations",
        "ListAnnotations",
        "annotations",
        "app",
        message="Annotation",
        doc="Annotations of the app (all of them, not only the caller's).",
        params={"list_all_annotations": "true"},
        columns=(
            string("id"),
            string("input_id"),
            string("user_id"),
            string("task_id"),
            string("model_version_id"),
            string("embed_model_version_id"),
            string("worker_user_id", "worker.user.id"),
            string("worker_model_id", "worker.model.id"),
            string("worker_workflow_id", "worker.workflow.id"),
            *status_columns(),
            boolean("input_level"),
            boolean("trusted"),
            strings(
                "concept_ids",
                lambda item, scope: x.annotation_concept_ids(item.get("data")),
                "concept ids of `data.concepts` and of its regions and frames",
                ("data.concepts.id", "data.regions.data.concepts.id", "data.frames.data.concepts.id"),
            ),
            Column(
                "region_count",
                INT64,
                lambda item, scope: len(x.dig(item, "data.regions") or []),
                "number of `data.regions`",
                sources=("data.regions",),
            ),
            timestamp("created_at"),
            timestamp("modified_at"),
            json_col("data"),
            json_col("annotation_info"),
        ),
    ),
    InventorySpec(
        "concepts",
        "ListConcepts",
        "concepts",
        "app",
        message="Concept",
        doc="Concepts of the app.",
        columns=(
            string("id"),
            string("name"),
            string("app_id"),
            string("user_id"),
            string("language"),
            string("definition"),
            string("vocab_id"),
            visibility(),
            timestamp("created_at"),
            json_col("metadata"),
        ),
    ),
    InventorySpec(
        "tasks",
        "ListTasks",
        "tasks",
        "app",
        message="Task",
        doc="Labeling tasks of the app: status, type, worker and review strategy, metrics.",
        columns=(
            string("id"),
            string("name"),
            string("description"),
            string("app_id"),
            string("user_id"),
            enum("type", "type", "`type` (CONCEPTS_CLASSIFICATION, BOUNDING_BOX_DETECTION, POLYGON_DETECTION)"),
            *status_columns(),
            enum("priority", "priority"),
            enum("worker_strategy", "worker.strategy", "`worker.strategy` (FULL, PARTITIONED...)"),
            enum("worker_type", "worker.type"),
            strings(
                "worker_user_ids",
                _task_worker_user_ids,
                "`worker.user_ids`, `worker.users` and `worker.workers[].user` ids",
                ("worker.user_ids", "worker.users.id", "worker.workers.user.id"),
            ),
            enum(
                "worker_partitioned_strategy",
                "worker.partitioned_strategy_info.type",
                "`worker.partitioned_strategy_info.type` (EVENLY, WEIGHTED)",
            ),
            integer("workers_per_input", "worker.partitioned_strategy_info.workers_per_input"),
            enum("review_strategy", "review.strategy", "`review.strategy` (NONE, MANUAL, CONSENSUS)"),
            strings(
                "review_user_ids",
                _task_review_user_ids,
                "`review.user_ids` and `review.users` ids",
                ("review.user_ids", "review.users.id"),
            ),
            floating("review_sample_percentage", "review.manual_strategy_info.sample_percentage"),
            Column(
                "review_approval_threshold",
                INT64,
                _review_threshold,
                "`approval_threshold` of the consensus or manual review strategy",
                sources=(
                    "review.consensus_strategy_info.approval_threshold",
                    "review.manual_strategy_info.approval_threshold",
                ),
            ),
            enum(
                "input_source_type",
                "input_source.type",
                "`input_source.type` (ALL_INPUTS, SAVED_SEARCH, DATASET, INPUT)",
            ),
            string("input_source_id", "input_source.id"),
            strings(
                "concept_ids",
                _task_concept_ids,
                "`concept_ids` and `concepts[].concept.id`",
                ("concept_ids", "concepts.concept.id"),
            ),
            integer("sample_ms"),
            count("metrics_work_inputs_count_estimated", "metrics.work.inputs_count_estimated"),
            count("metrics_work_inputs_percent_estimated", "metrics.work.inputs_percent_estimated"),
            count("metrics_review_inputs_count_estimated", "metrics.review.inputs_count_estimated"),
            count("metrics_review_inputs_percent_estimated", "metrics.review.inputs_percent_estimated"),
            count("metrics_input_source_inputs_count_estimated", "metrics.input_source.inputs_count_estimated"),
            boolean("delete_previous_annotations"),
            timestamp("created_at"),
            timestamp("modified_at"),
            json_col("metadata"),
        ),
    ),
    InventorySpec(
        "models",
        "ListModels",
        "models",
        "app",
        message="Model",
        doc="Models of the app.",
        columns=(
            string("id"),
            string("name"),
            string("app_id"),
            string("user_id"),
            string("model_type_id"),
            string("description"),
            string("notes"),
            visibility(),
            string("latest_version_id", "model_version.id", "`model_version.id`: the model's current version"),
            Column(
                "latest_version_status_name",
                STRING,
                lambda item, scope: x.status_name(x.dig(item, "model_version.status")),
                "`model_version.status.code` as its name",
                sources=("model_version.status.code",),
            ),
            strings("toolkits", _path("toolkits"), "`toolkits`", ("toolkits",)),
            strings("use_cases", _path("use_cases"), "`use_cases`", ("use_cases",)),
            timestamp("created_at"),
            timestamp("modified_at"),
            json_col("metadata"),
        ),
    ),
    InventorySpec(
        "model_versions",
        "ListModelVersions",
        "model_versions",
        "model",
        message="ModelVersion",
        doc="Versions of one, some or all models, with the dataset version each was trained on.",
        columns=(
            Column("model_id", STRING, lambda item, scope: x.as_str(scope.get("model_id")), "the model listed"),
            string("id"),
            string("app_id"),
            string("user_id"),
            string("description"),
            *status_columns(),
            integer("active_concept_count"),
            integer("total_input_count"),
            string("train_dataset_id", "train_info.dataset.id", "`train_info.dataset.id`"),
            string(
                "train_dataset_version_id",
                "train_info.dataset.version.id",
                "`train_info.dataset.version.id`: the dataset version it was trained on",
            ),
            json_col("train_params", "train_info.params", "`train_info.params` as JSON text"),
            visibility(),
            string("license"),
            timestamp("created_at"),
            timestamp("modified_at"),
            timestamp("completed_at"),
            json_col("metadata"),
        ),
    ),
    InventorySpec(
        "workflows",
        "ListWorkflows",
        "workflows",
        "app",
        message="Workflow",
        doc="Workflows of the app.",
        columns=(
            string("id"),
            string("app_id"),
            string("user_id"),
            string("description"),
            string("notes"),
            visibility(),
            string("version_id", "version.id"),
            Column(
                "node_count",
                INT64,
                lambda item, scope: len(item.get("nodes") or []),
                "number of `nodes`",
                sources=("nodes",),
            ),
            strings("model_ids", _workflow_model_ids, "`nodes[].model.id`", ("nodes.model.id",)),
            strings("use_cases", _path("use_cases"), "`use_cases`", ("use_cases",)),
            timestamp("created_at"),
            timestamp("modified_at"),
            json_col("metadata"),
        ),
    ),
    InventorySpec(
        "bulk_operations",
        "ListBulkOperations",
        "bulk_operation",
        "app",
        message="BulkOperation",
        doc="Bulk operations of the app (split into datasets, add concepts, ...).",
        columns=(
            string("id"),
            string("app_id"),
            string("created_by"),
            Column(
                "operation",
                STRING,
                lambda item, scope: x.first_key(item.get("operation")),
                "which `operation` it is (e.g. `split_into_datasets`)",
                sources=("operation",),
            ),
            *status_columns(),
            count("progress_processed", "progress.processed"),
            string("progress_last_processed_id", "progress.last_processed_id"),
            Column(
                "input_id_count",
                INT64,
                lambda item, scope: len(x.dig(item, "input_ids.input_ids") or []),
                "number of `input_ids.input_ids`",
                sources=("input_ids.input_ids",),
            ),
            string("source_dataset_id", "dataset.id", "`dataset.id`: the dataset it reads"),
            strings(
                "target_dataset_ids",
                _bulk_target_datasets,
                "datasets written: split targets, `add_to_dataset`/`delete_from_dataset`",
                (
                    "operation.split_into_datasets.dataset_splits.dataset.id",
                    "operation.add_to_dataset.dataset_id",
                    "operation.delete_from_dataset.dataset_id",
                ),
            ),
            timestamp("created_at"),
            timestamp("last_modified_at"),
            json_col("operation_json", "operation", "`operation` as JSON text"),
        ),
    ),
    InventorySpec(
        "inputs_add_jobs",
        "ListInputsAddJobs",
        "inputs_add_jobs",
        "app",
        message="InputsAddJob",
        doc="Input add jobs of the app (`app_pat` and `call_back_url` are never read).",
        columns=(
            string("id"),
            *status_columns(),
            count("progress_pending_count", "progress.pending_count"),
            count("progress_in_progress_count", "progress.in_progress_count"),
            count("progress_success_count", "progress.success_count"),
            count("progress_failed_count", "progress.failed_count"),
            Column(
                "extraction_job_count",
                INT64,
                lambda item, scope: len(item.get("extraction_jobs") or []),
                "number of `extraction_jobs`",
                sources=("extraction_jobs",),
            ),
            Column(
                "upload_count",
                INT64,
                lambda item, scope: len(item.get("uploads") or []),
                "number of `uploads`",
                sources=("uploads",),
            ),
            timestamp("created_at"),
            timestamp("modified_at"),
        ),
    ),
    InventorySpec(
        "collaborators",
        "ListCollaborators",
        "collaborators",
        "app",
        message="Collaborator",
        doc="Collaborators of the app and their scopes.",
        columns=(
            string("id"),
            string("user_id", "user.id"),
            string("app_id", "app.id"),
            strings("scopes", _path("scopes"), "`scopes`", ("scopes",)),
            strings("endpoints", _path("endpoints"), "`endpoints`", ("endpoints",)),
            timestamp("created_at"),
            timestamp("modified_at"),
            timestamp("deleted_at"),
        ),
    ),
]

#: Every inventory by name.
INVENTORIES: dict[str, InventorySpec] = {spec.name: spec for spec in _SPECS}


def get_spec(name: str) -> InventorySpec:
    """The inventory called ``name``; raises ``ValidationError`` naming the known ones."""
    from connector.errors import ValidationError

    key = name.strip().lower().replace("-", "_")
    try:
        return INVENTORIES[key]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(key, list(INVENTORIES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValidationError(f"unknown inventory {name!r}{hint}; choose one of: {', '.join(INVENTORIES)}") from None


def schema(name: str) -> pa.Schema:
    """The Arrow schema of inventory ``name``."""
    return get_spec(name).schema


def pandas_dtypes(name: str) -> dict[str, pd.ArrowDtype]:
    """Column name -> ``pd.ArrowDtype`` of inventory ``name`` (what DataFrames carry)."""
    import pandas as pd

    return {f.name: pd.ArrowDtype(f.type) for f in get_spec(name).schema}


def schema_markdown(name: str) -> str:
    """The Markdown table documenting inventory ``name`` (embedded in docs/inventories.md)."""
    spec = get_spec(name)
    lines = ["| column | type | source |", "|---|---|---|"]
    for col in spec.columns:
        lines.append(f"| `{col.name}` | {col.type_label} | {col.doc} |")
    return "\n".join(lines)


__all__ = [
    "INVENTORIES",
    "Column",
    "InventorySpec",
    "get_spec",
    "pandas_dtypes",
    "schema",
    "schema_markdown",
]
