"""The inventories and their schemas: the single source of truth.

Each inventory is a list of :class:`Column` specs (name, Arrow type, how to read the
value from an API item, a description). The pyarrow schema, the pandas dtypes
(``pd.ArrowDtype`` of each Arrow type) and the tables of ``docs/inventories.md``
(:func:`schema_markdown`) are all derived from them; a test checks the docs.

How a column reads an item is data, not code: the dotted paths it reads
(:attr:`Column.paths`) and a function of the values found there (:attr:`Column.fn`),
then its type's conversion. :mod:`connector.inventory.compiled` turns that into one
function per inventory that walks each item once for every column
(:attr:`InventorySpec.extractor`); :attr:`Column.get` reads one item the same way.

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
from connector.inventory.compiled import TIMESTAMP, Extractor, compile_extractor, distinct

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Extractor: ``(item, scope) -> python value``; ``scope`` carries e.g. ``dataset_id``.
Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

STRING = pa.string()
INT64 = pa.int64()
FLOAT64 = pa.float64()
BOOL = pa.bool_()
STRING_LIST = pa.list_(pa.string())


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its name, Arrow type, how it reads an item, and what it holds.

    A column reads ``paths`` (dotted, ``""`` for the item itself) and, with ``fn``,
    becomes ``fn(*values)`` (without it, its one path's value); then its type's
    conversion (:mod:`connector.inventory.extract` helpers: ``as_str``, ``as_int``,
    ``json_text`` ...). ``scope_key`` fills an empty value from the listing's scope;
    ``default`` fills a null. ``get`` may be given instead of paths (a getter of
    ``(item, scope)``); otherwise it is derived and reads one item like the compiled
    extractor does.
    """

    name: str
    type: pa.DataType
    get: Getter = None  # type: ignore[assignment]  # derived in __post_init__ when not given
    doc: str = ""
    #: JSON text of a nested message (a string column, documented as ``json``).
    is_json: bool = False
    #: Dotted field paths of the official message this column reads (checked by a test).
    sources: tuple[str, ...] = ()
    #: The dotted paths walked for this column (``""``: the item itself).
    paths: tuple[str, ...] = ()
    #: ``fn(*values at paths)``: the column's value before its type's conversion.
    fn: Callable[..., Any] | None = None
    #: A scope key (e.g. ``dataset_id``) whose value fills an empty value.
    scope_key: str | None = None
    #: The value of a null (booleans whose absence means false).
    default: Any = None

    def __post_init__(self) -> None:
        if self.get is None:
            if not self.paths and self.scope_key is None:
                raise ValueError(f"column {self.name!r} needs paths, a scope_key or a getter")
            object.__setattr__(self, "get", self._read)

    def _read(self, item: Mapping[str, Any], scope: Mapping[str, Any]) -> Any:
        """One item's value, exactly as the compiled extractor computes it."""
        from connector.inventory.compiled import convert_one

        values = [x.dig(item, p) if p else item for p in self.paths]
        raw = self.fn(*values) if self.fn is not None else next((v for v in values if v is not None), None)
        return convert_one(self, raw, scope)

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

    @functools.cached_property
    def extractor(self) -> Extractor:
        """Compiled once: ``extractor(items, scope)`` is a page's record batch."""
        return compile_extractor(self)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# -- column builders --------------------------------------------------------------------
def string(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, STRING, doc=doc or f"`{p}`", sources=(p,), paths=(p,))


def scope_or(name: str, path: str, doc: str) -> Column:
    """A string read from the item, else from the listing's scope (e.g. ``dataset_id``)."""
    return Column(name, STRING, doc=doc, sources=(path,), paths=(path,), scope_key=name)


def from_scope(name: str, doc: str) -> Column:
    """A string from the listing's scope only (e.g. the dataset listed)."""
    return Column(name, STRING, doc=doc, scope_key=name)


def integer(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, INT64, doc=doc or f"`{p}`", sources=(p,), paths=(p,))


def count(name: str, path: str, doc: str = "") -> Column:
    """A proto3 scalar count: absent means 0 when the parent message is present."""
    parent, _, leaf = path.rpartition(".")

    def get(holder: Any) -> int | None:
        if not isinstance(holder, Mapping):
            return None
        value = x.as_int(holder.get(leaf))
        return 0 if value is None else value

    return Column(
        name,
        INT64,
        doc=doc or f"`{path}` (0 when absent, null without `{parent or 'item'}`)",
        sources=(path,),
        paths=(parent,),
        fn=get,
    )


def floating(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, FLOAT64, doc=doc or f"`{p}`", sources=(p,), paths=(p,))


def boolean(name: str, path: str | None = None, doc: str = "", default: bool | None = False) -> Column:
    p = path or name
    return Column(name, BOOL, doc=doc or f"`{p}`", sources=(p,), paths=(p,), default=default)


def timestamp(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, TIMESTAMP, doc=doc or f"`{p}` (UTC)", sources=(p,), paths=(p,))


def json_col(name: str, path: str | None = None, doc: str = "") -> Column:
    p = path or name
    return Column(name, STRING, doc=doc or f"`{p}` as JSON text", is_json=True, sources=(p,), paths=(p,))


def strings(
    name: str,
    paths: str | tuple[str, ...],
    doc: str,
    sources: tuple[str, ...] = (),
    fn: Callable[..., Any] | None = None,
) -> Column:
    """A list of strings: the value at ``paths`` (one path), or ``fn(*values)``."""
    walked = (paths,) if isinstance(paths, str) else paths
    return Column(name, STRING_LIST, doc=doc, sources=sources, paths=walked, fn=fn)


def computed(
    name: str, type_: pa.DataType, paths: tuple[str, ...], fn: Callable[..., Any], doc: str, sources: tuple[str, ...]
) -> Column:
    """A column computed by ``fn`` from the values at ``paths``."""
    return Column(name, type_, doc=doc, sources=sources, paths=paths, fn=fn)


def enum(name: str, path: str, doc: str = "") -> Column:
    return Column(name, STRING, doc=doc or f"`{path}` (enum name)", sources=(path,), paths=(path,))


def _code_number(code: Any) -> int | None:
    return x.status_code({"code": code})


def _code_name(code: Any) -> str | None:
    return x.status_name({"code": code})


#: Status codes repeat on every row: each distinct code is parsed once.
code_number = distinct(_code_number)
code_name = distinct(_code_name)


def status_columns(prefix: str = "status", path: str = "status") -> list[Column]:
    return [
        computed(
            f"{prefix}_code", INT64, (f"{path}.code",), code_number, f"`{path}.code` as a number", (f"{path}.code",)
        ),
        computed(
            f"{prefix}_name",
            STRING,
            (f"{path}.code",),
            code_name,
            f"`{path}.code` as its name (e.g. `SUCCESS`)",
            (f"{path}.code",),
        ),
        string(f"{prefix}_description", f"{path}.description"),
    ]


def visibility(path: str = "visibility.gettable") -> Column:
    return enum("visibility", path, f"`{path}` (PRIVATE, ORG, PUBLIC)")


# -- inventories ------------------------------------------------------------------------
_MEDIA_KINDS = ("image", "video", "audio", "text")


def _media_kind(*media: Any) -> str | None:
    """:func:`extract.data_kind` from the values of ``data.image``, ``data.video`` ...
    (the first one set)."""
    for kind, value in zip(_MEDIA_KINDS, media, strict=True):
        if value:
            return kind
    return None


def _media_url(*media: Any) -> str | None:
    """:func:`extract.data_url` from the same values: the URL of the first one set."""
    for value in media:
        if value:
            return x.as_str(value.get("url") if value.__class__ is dict else x.dig(value, "url"))
    return None


def _input_columns(prefix: str, base: str) -> list[Column]:
    """Columns describing an Input found at ``base`` (``""`` for the item itself)."""

    def p(path: str) -> str:
        return f"{base}.{path}" if base else path

    media = tuple(p(f"data.{kind}") for kind in _MEDIA_KINDS)
    return [
        string(f"{prefix}id", p("id")),
        computed(
            f"{prefix}data_kind",
            STRING,
            media,
            _media_kind,
            "media kind: image, video, audio or text",
            (p("data.image"), p("data.video"), p("data.audio"), p("data.text")),
        ),
        computed(
            f"{prefix}url",
            STRING,
            media,
            _media_url,
            "URL of the media (`data.image.url`, `data.video.url`, ...)",
            (p("data.image.url"), p("data.video.url"), p("data.audio.url"), p("data.text.url")),
        ),
        string(f"{prefix}text_raw", p("data.text.raw")),
        strings(
            f"{prefix}concept_ids",
            p("data.concepts"),
            f"ids of `{p('data.concepts')}`",
            (p("data.concepts.id"),),
            fn=x.ids_of,
        ),
        floating(f"{prefix}geo_latitude", p("data.geo.geo_point.latitude")),
        floating(f"{prefix}geo_longitude", p("data.geo.geo_point.longitude")),
        strings(f"{prefix}dataset_ids", p("dataset_ids"), f"`{p('dataset_ids')}`", (p("dataset_ids"),)),
        *status_columns(f"{prefix}status", p("status")),
        timestamp(f"{prefix}created_at", p("created_at")),
        timestamp(f"{prefix}modified_at", p("modified_at")),
        json_col(f"{prefix}metadata", p("data.metadata")),
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
    def get(metrics: Any) -> int | None:
        return x.as_int(x.version_metrics(metrics).get(name))

    return computed(
        f"metrics_{name}",
        INT64,
        ("metrics",),
        get,
        f'`metrics["/"].{name}` (whole dataset)',
        (f"metrics.value.{name}",),
    )


_TASK_WORKER_PATHS = ("worker.user_ids", "worker.users", "worker.workers")


def _task_worker_user_ids(user_ids: Any, users: Any, workers: Any) -> list[str]:
    ids = x.str_list(user_ids)
    ids += x.ids_of(users)
    ids += x.ids_of(workers, "user.id")
    return x.unique(ids)


def _task_review_user_ids(user_ids: Any, users: Any) -> list[str]:
    return x.unique(x.str_list(user_ids) + x.ids_of(users))


def _task_concept_ids(concept_ids: Any, concepts: Any) -> list[str]:
    return x.unique(x.str_list(concept_ids) + x.ids_of(concepts, "concept.id"))


_REVIEW_THRESHOLD_PATHS = (
    "review.consensus_strategy_info.approval_threshold",
    "review.manual_strategy_info.approval_threshold",
)


def _review_threshold(*thresholds: Any) -> int | None:
    for threshold in thresholds:
        value = x.as_int(threshold)
        if value is not None:
            return value
    return None


_BULK_TARGET_PATHS = (
    "operation.split_into_datasets.dataset_splits",
    "operation.add_to_dataset.dataset_id",
    "operation.delete_from_dataset.dataset_id",
)


def _bulk_target_datasets(splits: Any, add_to: Any, delete_from: Any) -> list[str]:
    ids = x.ids_of(splits, "dataset.id")
    ids += x.str_list(add_to)
    ids += x.str_list(delete_from)
    return x.unique(ids)


def _workflow_model_ids(nodes: Any) -> list[str]:
    return x.unique(x.ids_of(nodes, "model.id"))


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
                "embed_model_version_ids",
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
            from_scope("dataset_id", "the dataset listed"),
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
                "data",
                "concept ids of `data.concepts` and of its regions and frames",
                ("data.concepts.id", "data.regions.data.concepts.id", "data.frames.data.concepts.id"),
                fn=x.annotation_concept_ids,
            ),
            computed("region_count", INT64, ("data.regions",), x.length, "number of `data.regions`", ("data.regions",)),
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
                _TASK_WORKER_PATHS,
                "`worker.user_ids`, `worker.users` and `worker.workers[].user` ids",
                ("worker.user_ids", "worker.users.id", "worker.workers.user.id"),
                fn=_task_worker_user_ids,
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
                ("review.user_ids", "review.users"),
                "`review.user_ids` and `review.users` ids",
                ("review.user_ids", "review.users.id"),
                fn=_task_review_user_ids,
            ),
            floating("review_sample_percentage", "review.manual_strategy_info.sample_percentage"),
            computed(
                "review_approval_threshold",
                INT64,
                _REVIEW_THRESHOLD_PATHS,
                _review_threshold,
                "`approval_threshold` of the consensus or manual review strategy",
                _REVIEW_THRESHOLD_PATHS,
            ),
            enum(
                "input_source_type",
                "input_source.type",
                "`input_source.type` (ALL_INPUTS, SAVED_SEARCH, DATASET, INPUT)",
            ),
            string("input_source_id", "input_source.id"),
            strings(
                "concept_ids",
                ("concept_ids", "concepts"),
                "`concept_ids` and `concepts[].concept.id`",
                ("concept_ids", "concepts.concept.id"),
                fn=_task_concept_ids,
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
            computed(
                "latest_version_status_name",
                STRING,
                ("model_version.status.code",),
                code_name,
                "`model_version.status.code` as its name",
                ("model_version.status.code",),
            ),
            strings("toolkits", "toolkits", "`toolkits`", ("toolkits",)),
            strings("use_cases", "use_cases", "`use_cases`", ("use_cases",)),
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
            from_scope("model_id", "the model listed"),
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
            computed("node_count", INT64, ("nodes",), x.length, "number of `nodes`", ("nodes",)),
            strings("model_ids", "nodes", "`nodes[].model.id`", ("nodes.model.id",), fn=_workflow_model_ids),
            strings("use_cases", "use_cases", "`use_cases`", ("use_cases",)),
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
            computed(
                "operation",
                STRING,
                ("operation",),
                x.first_key,
                "which `operation` it is (e.g. `split_into_datasets`)",
                ("operation",),
            ),
            *status_columns(),
            count("progress_processed", "progress.processed"),
            string("progress_last_processed_id", "progress.last_processed_id"),
            computed(
                "input_id_count",
                INT64,
                ("input_ids.input_ids",),
                x.length,
                "number of `input_ids.input_ids`",
                ("input_ids.input_ids",),
            ),
            string("source_dataset_id", "dataset.id", "`dataset.id`: the dataset it reads"),
            strings(
                "target_dataset_ids",
                _BULK_TARGET_PATHS,
                "datasets written: split targets, `add_to_dataset`/`delete_from_dataset`",
                (
                    "operation.split_into_datasets.dataset_splits.dataset.id",
                    "operation.add_to_dataset.dataset_id",
                    "operation.delete_from_dataset.dataset_id",
                ),
                fn=_bulk_target_datasets,
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
            computed(
                "extraction_job_count",
                INT64,
                ("extraction_jobs",),
                x.length,
                "number of `extraction_jobs`",
                ("extraction_jobs",),
            ),
            computed("upload_count", INT64, ("uploads",), x.length, "number of `uploads`", ("uploads",)),
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
            strings("scopes", "scopes", "`scopes`", ("scopes",)),
            strings("endpoints", "endpoints", "`endpoints`", ("endpoints",)),
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
