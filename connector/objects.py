"""The shapes of the API objects the connector reads, as ``TypedDict``\\s.

Every endpoint method of the clients returns these (``get_dataset`` a :class:`Dataset`,
``list_tasks`` an iterator of :class:`Task` ...), so a type checker follows a value from
the wire to the operation that reads it. They describe the JSON the API sends: proto
field names in snake_case, timestamps as RFC 3339 strings, enums as names, 64-bit and
wrapped integers (``uint64``, ``UInt64Value``) as strings, and **absent fields for
default values** (an empty list, a zero, an unset message). That is why every type is
``total=False`` and every field may be missing: read them with ``.get(...)`` (the API
sets ``id`` on every object it returns, so ``obj["id"]`` is safe there; an empty ``{}``
is a valid value of each type, for the ``obj.get("x") or {}`` idiom).

Only the fields the connector reads, or that identify an object, are listed; the API
sends more (a ``TypedDict`` does not forbid them at run time, and ``dict(obj)`` keeps
them). These are plain dicts at run time: nothing here validates or converts.
"""

from __future__ import annotations

from typing import Any, TypedDict

#: A ``google.protobuf.Struct`` (``metadata`` fields): any JSON object.
Struct = dict[str, Any]


class Status(TypedDict, total=False):
    """``status`` of a response or of an object. ``code`` is a number, or the code's enum
    name when the server sends names (read it with
    :func:`connector.status_codes.status_code_of` / :func:`~connector.status_codes.parse_status_code`)."""

    code: int | str
    description: str
    details: str
    req_id: str
    percent_completed: int
    time_remaining: int
    stack_trace: list[str]


class ApiResponse(TypedDict, total=False):
    """A whole response body whose only promised field is ``status`` (what the ``delete_*``
    methods return)."""

    status: Status


class User(TypedDict, total=False):
    id: str


class Concept(TypedDict, total=False):
    id: str
    name: str
    #: 1.0 present, 0.0 absent (absent from the JSON when 0)
    value: float
    created_at: str
    language: str
    app_id: str
    user_id: str
    metadata: Struct


class Data(TypedDict, total=False):
    """An input's or an annotation's ``data``. Media (``image``, ``video``, ``audio``,
    ``text``) carry a ``url`` (text also ``raw``); regions and frames are left untyped."""

    image: Struct
    video: Struct
    audio: Struct
    text: Struct
    concepts: list[Concept]
    metadata: Struct
    regions: list[Struct]
    frames: list[Struct]


class Input(TypedDict, total=False):
    id: str
    data: Data
    created_at: str
    modified_at: str
    status: Status
    dataset_ids: list[str]


class DatasetInput(TypedDict, total=False):
    """A dataset's membership record of one input (ListDatasetInputs, PostDatasetInputs);
    the input itself is under ``input``. Batch answers put an item's status in
    ``input.status``."""

    created_at: str
    input: Input


class DatasetVersionMetrics(TypedDict, total=False):
    """Counts of one part of a dataset version; each a ``UInt64Value``: a decimal string
    (or a number)."""

    inputs_count: str | int
    unlabeled_inputs_count: str | int
    regions_count: str | int
    bounding_boxes_count: str | int
    polygons_count: str | int
    frames_count: str | int
    embeddings_count: str | int


class DatasetVersion(TypedDict, total=False):
    id: str
    #: Set by the API on versions it returns; the listing of one dataset may omit it.
    dataset_id: str
    app_id: str
    user_id: str
    created_at: str
    modified_at: str
    status: Status
    description: str
    metadata: Struct
    #: ``DatasetVersionRequestOrigin`` name (``MANUAL``, ``TRAINING``, ...) or number
    request_origin: str | int
    #: counts keyed by path; ``"/"`` holds the whole dataset's totals
    metrics: dict[str, DatasetVersionMetrics]
    embed_model_version_ids: list[str]


class Dataset(TypedDict, total=False):
    id: str
    app_id: str
    user_id: str
    created_at: str
    modified_at: str
    description: str
    notes: str
    metadata: Struct
    #: the latest version, when the API includes it
    version: DatasetVersion


class InputsAddJobProgress(TypedDict, total=False):
    """Counts of an inputs add job, each a ``uint64``: a decimal string (or a number)."""

    pending_count: str | int
    in_progress_count: str | int
    success_count: str | int
    failed_count: str | int


class InputsAddJob(TypedDict, total=False):
    id: str
    status: Status
    progress: InputsAddJobProgress
    created_at: str
    modified_at: str


class Annotation(TypedDict, total=False):
    id: str
    input_id: str
    data: Data
    status: Status
    user_id: str
    task_id: str
    model_version_id: str
    created_at: str
    modified_at: str


class Worker(TypedDict, total=False):
    user: User


class TaskWorkerPartitionedStrategyInfo(TypedDict, total=False):
    type: str
    workers_per_input: int
    #: worker user id -> weight
    weights: dict[str, float]


class TaskWorker(TypedDict, total=False):
    """Who labels. The API names workers three ways (``user_ids``, ``users``, ``workers``);
    read them all (:func:`connector.operations.tasks.worker_ids`)."""

    strategy: str
    user_ids: list[str]
    users: list[User]
    workers: list[Worker]
    partitioned_strategy_info: TaskWorkerPartitionedStrategyInfo


class TaskReview(TypedDict, total=False):
    strategy: str
    user_ids: list[str]
    users: list[User]
    manual_strategy_info: Struct
    consensus_strategy_info: Struct


class TaskInputSource(TypedDict, total=False):
    #: ``ALL_INPUTS``, ``DATASET`` or ``SAVED_SEARCH`` (absent: ALL_INPUTS)
    type: str
    id: str


class TaskConcept(TypedDict, total=False):
    concept: Concept


class TaskProgressMetrics(TypedDict, total=False):
    """``metrics.work`` or ``metrics.review`` of a task."""

    #: a ``uint64``: a decimal string (or a number)
    inputs_count_estimated: str | int
    inputs_percent_estimated: int


class TaskMetrics(TypedDict, total=False):
    work: TaskProgressMetrics
    review: TaskProgressMetrics


class Task(TypedDict, total=False):
    id: str
    name: str
    #: ``TaskType`` name, e.g. ``CONCEPTS_CLASSIFICATION``
    type: str
    description: str
    worker: TaskWorker
    concept_ids: list[str]
    concepts: list[TaskConcept]
    input_source: TaskInputSource
    review: TaskReview
    status: Status
    metrics: TaskMetrics
    priority: str
    metadata: Struct
    app_id: str
    user_id: str
    created_at: str
    modified_at: str


class TaskStatusCountPerUser(TypedDict, total=False):
    user_id: str
    worker: Worker
    pending: int
    awaiting_review: int
    success: int
    review_denied: int
    awaiting_consensus_review: int


class TaskCounts(TypedDict, total=False):
    """The whole answer of GetTaskAnnotationCount / GetTaskInputCount (SingleTaskCountResponse)."""

    status: Status
    app_id: str
    task_id: str
    counts: list[TaskStatusCountPerUser]


class InputCount(TypedDict, total=False):
    """An app's inputs by processing state (zero counts are left out of the answer);
    ``reindexed`` and the other ``reindex*`` counts are of inputs counted above them."""

    processed: int
    to_process: int
    errors: int
    processing: int
    reindexed: int
    to_reindex: int
    reindex_errors: int
    reindexing: int


class InputCounts(TypedDict, total=False):
    """The whole answer of GetInputCount (SingleInputCountResponse)."""

    status: Status
    counts: InputCount


class InputIds(TypedDict, total=False):
    input_ids: list[str]


class BulkOperationProgress(TypedDict, total=False):
    processed: int
    last_processed_id: str


class BulkOperation(TypedDict, total=False):
    id: str
    input_ids: InputIds
    dataset: Dataset
    #: the oneof of what the operation does (``split_into_datasets``, ``add_to_dataset`` ...)
    operation: Struct
    app_id: str
    status: Status
    progress: BulkOperationProgress
    created_by: str
    created_at: str
    last_modified_at: str


class TrainInfo(TypedDict, total=False):
    params: Struct
    #: the dataset trained on, its ``version`` the dataset version
    dataset: Dataset


class ModelVersion(TypedDict, total=False):
    id: str
    model_id: str
    app_id: str
    user_id: str
    status: Status
    description: str
    created_at: str
    modified_at: str
    completed_at: str
    total_input_count: int
    active_concept_count: int
    train_info: TrainInfo
    metadata: Struct


class Model(TypedDict, total=False):
    id: str
    name: str
    app_id: str
    user_id: str
    model_type_id: str
    description: str
    created_at: str
    modified_at: str
    metadata: Struct
    #: the latest (or, answering PostModelVersions, the new) version
    model_version: ModelVersion


class App(TypedDict, total=False):
    id: str
    name: str
    user_id: str
    description: str
    default_workflow_id: str
    created_at: str
    modified_at: str
    metadata: Struct


class Workflow(TypedDict, total=False):
    id: str
    app_id: str
    user_id: str
    description: str
    nodes: list[Struct]
    created_at: str
    modified_at: str
    metadata: Struct


class Collaborator(TypedDict, total=False):
    id: str
    app: App
    user: User
    scopes: list[str]
    endpoints: list[str]
    created_at: str


__all__ = [
    "Annotation",
    "ApiResponse",
    "App",
    "BulkOperation",
    "BulkOperationProgress",
    "Collaborator",
    "Concept",
    "Data",
    "Dataset",
    "DatasetInput",
    "DatasetVersion",
    "DatasetVersionMetrics",
    "Input",
    "InputCount",
    "InputCounts",
    "InputIds",
    "InputsAddJob",
    "InputsAddJobProgress",
    "Model",
    "ModelVersion",
    "Status",
    "Struct",
    "Task",
    "TaskConcept",
    "TaskCounts",
    "TaskInputSource",
    "TaskMetrics",
    "TaskProgressMetrics",
    "TaskReview",
    "TaskStatusCountPerUser",
    "TaskWorker",
    "TaskWorkerPartitionedStrategyInfo",
    "TrainInfo",
    "User",
    "Worker",
    "Workflow",
]
