"""The endpoint methods, written once for the sync and the async client, with precise types.

Each endpoint method of :class:`EndpointMethods` is written as a *builder*: a function of
the method's arguments that checks them and describes the request, as a :class:`Call`
(one request; the response field that holds the result) or a :class:`Listing` (a paged
listing), typed by what it yields: ``Call[Dataset]``, ``Listing[Task]``. The decorators
:class:`unary` and :class:`listing` turn a builder into a method whose type depends on
the client it is read from:

    written as (the builder)            on ClarifaiClient                    on AsyncClarifaiClient
    get_dataset(id) -> Call[Dataset]    get_dataset(id) -> Dataset           async get_dataset(id) -> Dataset
    list_tasks(...) -> Listing[Task]    list_tasks(...) -> Iterator[Task]    list_tasks(...) -> AsyncIterator[Task]

Calling the method builds the description (so bad arguments raise
:class:`~connector.errors.ValidationError` at once, before anything is sent or awaited)
and hands it to the client: ``client._perform(call)`` (sync, or a coroutine) or
``client._items(listing)`` (an iterator, or an async one). The object types are in
:mod:`connector.objects`; what the operations and inventories need of a client is stated
by :mod:`connector.protocols`, which both clients satisfy (checked by mypy).
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from connector.errors import ValidationError
from connector.objects import (
    Annotation,
    ApiResponse,
    App,
    BulkOperation,
    Collaborator,
    Concept,
    Dataset,
    DatasetInput,
    DatasetVersion,
    Input,
    InputCounts,
    InputsAddJob,
    Model,
    ModelVersion,
    Task,
    TaskCounts,
    Workflow,
)
from connector.status_codes import StatusCode

P = ParamSpec("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

__all__ = [
    "AsyncEndpointMethods",
    "Call",
    "EndpointMethod",
    "EndpointMethods",
    "Listing",
    "SyncEndpointMethods",
    "listing",
    "unary",
]


# -- what a builder returns --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Call(Generic[T_co]):
    """One request, described; the client performs it (``ClarifaiClient.call`` rules:
    retried when ``idempotent``, errors as :mod:`connector.errors`).

    The result is the response field ``extract`` (the whole body when None); with
    ``many`` it is a list, ``[]`` when the field is absent (protobuf JSON omits empty
    lists). The type parameter says what that result is.
    """

    rpc: str
    extract: str | None
    path: Mapping[str, Any] | None = None
    params: Mapping[str, Any] | None = None
    body: Mapping[str, Any] | None = None
    idempotent: bool | None = None
    ok_item_codes: Iterable[int] = ()
    missing_ok: bool = False
    many: bool = False

    def result(self, body: Mapping[str, Any]) -> Any:
        """The part of a decoded answer this call returns (untyped: the client casts it)."""
        if self.extract is None:
            return body
        value = body.get(self.extract)
        if value is None and self.many:
            return []
        return value


@dataclasses.dataclass(frozen=True)
class Listing(Generic[T_co]):
    """A paged listing, described: the items of ``key`` in the pages of ``rpc``
    (``ClarifaiClient.paginate`` rules: in order, each page retried)."""

    rpc: str
    key: str
    path: Mapping[str, Any] | None = None
    params: Mapping[str, Any] | None = None
    per_page: int | None = None
    concurrency: int | None = None
    max_pages: int | None = None


# -- the decorators ------------------------------------------------------------------------


class EndpointMethod(Generic[P, T]):
    """Base of :class:`unary` and :class:`listing`: wraps a builder. Read from a client it
    gives a bound method that builds the description and hands it to the client's
    ``runner`` method; read from the class it gives itself, callable like a plain function
    with the client first (``ClarifaiClient.get_dataset(client, "id")``), with the
    builder's name, docstring and arguments (for ``help()`` and ``inspect``)."""

    runner: str = ""

    def __init__(self, build: Callable[Concatenate[Any, P], T]) -> None:
        self.build = build
        self.__doc__, self.__name__, self.__qualname__ = build.__doc__, build.__name__, build.__qualname__
        self.__module__, self.__wrapped__ = build.__module__, build
        # The method's arguments are the builder's; its result depends on the client.
        self.__signature__ = inspect.signature(build).replace(return_annotation=inspect.Signature.empty)

    def __call__(self, client: Any, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        return getattr(client, self.runner)(self.build(client, *args, **kwargs))

    def _bind(self, client: object) -> Any:
        return types.MethodType(self, client)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} endpoint {self.__qualname__}>"


class unary(EndpointMethod[P, "Call[T]"]):
    """A single-request endpoint method: ``T`` on the sync client, a coroutine of ``T``
    on the async one."""

    runner = "_perform"

    @overload
    def __get__(self, client: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, client: SyncEndpointMethods, owner: type | None = None) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, client: AsyncEndpointMethods, owner: type | None = None
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, client: object, owner: type | None = None) -> Any:
        return self if client is None else self._bind(client)


class listing(EndpointMethod[P, "Listing[T]"]):
    """A listing endpoint method: an iterator of ``T`` on the sync client, an async
    iterator on the async one."""

    runner = "_items"

    @overload
    def __get__(self, client: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, client: SyncEndpointMethods, owner: type | None = None) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, client: AsyncEndpointMethods, owner: type | None = None) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, client: object, owner: type | None = None) -> Any:
        return self if client is None else self._bind(client)


# -- argument checks and request shapes shared by the builders ------------------------------


def _item_list(items: Iterable[Mapping[str, Any]] | None, what: str) -> list[dict[str, Any]]:
    if items is None or isinstance(items, (str, bytes, Mapping)):
        raise ValidationError(f"{what} must be a list of objects, got {type(items).__name__}")
    out = [dict(i) for i in items]
    for i in out:
        if not isinstance(i, dict):
            raise ValidationError(f"every item of {what} must be a dict")
    return out


def _id_list(ids: Iterable[str] | None, what: str) -> list[str]:
    if ids is None or isinstance(ids, (str, bytes)):
        raise ValidationError(f"{what} must be a list of ids, got {type(ids).__name__}")
    out = [str(i) for i in ids]
    if any(not i for i in out):
        raise ValidationError(f"{what} must not contain empty ids")
    return out


def _all_have_ids(items: Sequence[Mapping[str, Any]]) -> bool:
    """A create is safe to repeat when every item carries a client-chosen id."""
    return bool(items) and all(isinstance(i, Mapping) and i.get("id") for i in items)


def _create(
    rpc: str,
    field: str,
    items: Iterable[Mapping[str, Any]],
    key: str,
    *,
    path: Mapping[str, Any] | None = None,
    ok_item_codes: Iterable[int] = (),
    many: bool = True,
) -> Call[Any]:
    objs = _item_list(items, field)
    return Call(
        rpc,
        extract=key,
        path=path,
        body={field: objs},
        idempotent=_all_have_ids(objs),
        ok_item_codes=ok_item_codes,
        many=many,
    )


def _patch(
    rpc: str,
    field: str,
    items: Iterable[Mapping[str, Any]],
    action: str,
    key: str,
    *,
    path: Mapping[str, Any] | None = None,
) -> Call[Any]:
    if action not in ("merge", "overwrite", "remove"):
        raise ValidationError(f"action must be 'merge', 'overwrite' or 'remove', got {action!r}")
    return Call(rpc, extract=key, path=path, body={field: _item_list(items, field), "action": action}, many=True)


def _delete(
    rpc: str, field: str, ids: Iterable[str], *, path: Mapping[str, Any] | None = None, missing_ok: bool = True
) -> Call[ApiResponse]:
    return Call(rpc, extract=None, path=path, body={field: _id_list(ids, field)}, missing_ok=missing_ok)


def _list(
    rpc: str,
    key: str,
    *,
    path: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None,
    per_page: int | None,
    concurrency: int | None,
    max_pages: int | None,
) -> Listing[Any]:
    return Listing(rpc, key, path=path, params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages)


# -- the endpoints ------------------------------------------------------------------------


class EndpointMethods:
    """Thin endpoint methods, written once for both clients.

    App-scoped methods use ``config.app_id``. Every list method takes ``per_page``,
    ``concurrency``, ``max_pages`` and ``params`` (extra query fields) and yields items in
    order. Every ``post_*`` returns the created objects; when every item has an ``id``
    the create is marked idempotent and retried like a read; if an earlier attempt was
    applied before its answer was lost, the retry answers "already exists" and the
    method raises :class:`~connector.errors.AlreadyExistsError` (read back and adopt:
    the operations do). Without ids an ambiguous failure raises
    :class:`~connector.errors.OutcomeUnknownError`. Every ``delete_*`` is idempotent and
    treats not-found as done unless ``missing_ok=False``; it returns the response body.
    """

    # -- apps ---------------------------------------------------------------------------
    @listing
    def list_apps(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[App]:
        """Apps of the configured user (ListApps). Retried; yields app dicts."""
        return _list("ListApps", "apps", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages)

    @unary
    def get_app(self, app_id: str | None = None) -> Call[App]:
        """One app (GetApp), the configured one by default. Raises NotFoundError."""
        return Call("GetApp", extract="app", path={"app_id": app_id})

    @unary
    def post_apps(self, apps: Iterable[Mapping[str, Any]]) -> Call[list[App]]:
        """Create apps (PostApps); returns the created apps."""
        return _create("PostApps", "apps", apps, "apps")

    # -- datasets -----------------------------------------------------------------------
    @listing
    def list_datasets(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[Dataset]:
        """Datasets of the app (ListDatasets); yields dataset dicts."""
        return _list(
            "ListDatasets", "datasets", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    @unary
    def get_dataset(self, id: str) -> Call[Dataset]:
        """One dataset (GetDataset). Raises NotFoundError."""
        return Call("GetDataset", extract="dataset", path={"dataset_id": id})

    @unary
    def post_datasets(self, datasets: Iterable[Mapping[str, Any]]) -> Call[list[Dataset]]:
        """Create datasets (PostDatasets); returns the created datasets."""
        return _create("PostDatasets", "datasets", datasets, "datasets")

    @unary
    def patch_datasets(self, datasets: Iterable[Mapping[str, Any]], action: str = "merge") -> Call[list[Dataset]]:
        """Patch datasets (PatchDatasets); returns the patched datasets. Retried."""
        return _patch("PatchDatasets", "datasets", datasets, action, "datasets")

    @unary
    def delete_datasets(self, ids: Iterable[str], *, missing_ok: bool = True) -> Call[ApiResponse]:
        """Delete datasets by id (DeleteDatasets). Idempotent; returns the response."""
        return _delete("DeleteDatasets", "dataset_ids", ids, missing_ok=missing_ok)

    # -- dataset versions ---------------------------------------------------------------
    @listing
    def list_dataset_versions(
        self,
        dataset_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[DatasetVersion]:
        """Versions of a dataset (ListDatasetVersions); yields version dicts."""
        return _list(
            "ListDatasetVersions",
            "dataset_versions",
            path={"dataset_id": dataset_id},
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    @unary
    def get_dataset_version(self, dataset_id: str, version_id: str) -> Call[DatasetVersion]:
        """One dataset version (GetDatasetVersion). Raises NotFoundError."""
        return Call(
            "GetDatasetVersion",
            extract="dataset_version",
            path={"dataset_id": dataset_id, "dataset_version_id": version_id},
        )

    @unary
    def post_dataset_versions(
        self, dataset_id: str, versions: Iterable[Mapping[str, Any]]
    ) -> Call[list[DatasetVersion]]:
        """Create dataset versions (PostDatasetVersions); returns them."""
        return _create(
            "PostDatasetVersions", "dataset_versions", versions, "dataset_versions", path={"dataset_id": dataset_id}
        )

    @unary
    def patch_dataset_versions(
        self, dataset_id: str, versions: Iterable[Mapping[str, Any]], action: str = "merge"
    ) -> Call[list[DatasetVersion]]:
        """Patch dataset versions (PatchDatasetVersions); returns them. Retried."""
        return _patch(
            "PatchDatasetVersions",
            "dataset_versions",
            versions,
            action,
            "dataset_versions",
            path={"dataset_id": dataset_id},
        )

    @unary
    def delete_dataset_versions(
        self, dataset_id: str, ids: Iterable[str], *, missing_ok: bool = True
    ) -> Call[ApiResponse]:
        """Delete dataset versions (DeleteDatasetVersions). Idempotent."""
        return _delete(
            "DeleteDatasetVersions", "dataset_version_ids", ids, path={"dataset_id": dataset_id}, missing_ok=missing_ok
        )

    # -- dataset inputs -----------------------------------------------------------------
    @listing
    def list_dataset_inputs(
        self,
        dataset_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[DatasetInput]:
        """Inputs of a dataset (ListDatasetInputs); yields dataset-input dicts ({input: ...})."""
        return _list(
            "ListDatasetInputs",
            "dataset_inputs",
            path={"dataset_id": dataset_id},
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    @unary
    def get_dataset_input(self, dataset_id: str, input_id: str) -> Call[DatasetInput]:
        """One dataset input (GetDatasetInput). Raises NotFoundError."""
        return Call("GetDatasetInput", extract="dataset_input", path={"dataset_id": dataset_id, "input_id": input_id})

    @unary
    def post_dataset_inputs(
        self, dataset_id: str, input_ids: Iterable[str], ignore_duplicates: bool = False
    ) -> Call[list[DatasetInput]]:
        """Add inputs to a dataset by id (PostDatasetInputs). Idempotent (ids are given),
        so retried; with ``ignore_duplicates`` inputs already in the dataset
        (DATASET_INPUT_DUPLICATE) are not an error. Returns the dataset inputs."""
        ids = _id_list(input_ids, "input_ids")
        return Call(
            "PostDatasetInputs",
            extract="dataset_inputs",
            path={"dataset_id": dataset_id},
            body={"dataset_inputs": [{"input": {"id": i}} for i in ids]},
            idempotent=True,
            ok_item_codes=(StatusCode.DATASET_INPUT_DUPLICATE,) if ignore_duplicates else (),
            many=True,
        )

    @unary
    def delete_dataset_inputs(
        self, dataset_id: str, input_ids: Iterable[str], *, missing_ok: bool = True
    ) -> Call[ApiResponse]:
        """Remove inputs from a dataset (DeleteDatasetInputs). Idempotent."""
        return _delete(
            "DeleteDatasetInputs", "input_ids", input_ids, path={"dataset_id": dataset_id}, missing_ok=missing_ok
        )

    # -- inputs -------------------------------------------------------------------------
    @listing
    def list_inputs(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[Input]:
        """Inputs of the app (ListInputs); yields input dicts."""
        return _list(
            "ListInputs", "inputs", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    @unary
    def get_input_count(self) -> Call[InputCounts]:
        """The app's inputs counted by processing state (GetInputCount): the whole
        answer, counts under ``counts`` (the API leaves out the states at zero)."""
        return Call("GetInputCount", extract=None)

    @unary
    def get_input(self, id: str) -> Call[Input]:
        """One input (GetInput). Raises NotFoundError."""
        return Call("GetInput", extract="input", path={"input_id": id})

    @unary
    def post_inputs(self, inputs: Iterable[Mapping[str, Any]], ignore_duplicates: bool = False) -> Call[list[Input]]:
        """Create inputs (PostInputs); returns the inputs. With ``ignore_duplicates``
        items answered INPUT_DUPLICATE are not an error."""
        return _create(
            "PostInputs",
            "inputs",
            inputs,
            "inputs",
            ok_item_codes=(StatusCode.INPUT_DUPLICATE,) if ignore_duplicates else (),
        )

    @unary
    def patch_inputs(self, inputs: Iterable[Mapping[str, Any]], action: str = "merge") -> Call[list[Input]]:
        """Patch inputs (PatchInputs); returns them. Retried."""
        return _patch("PatchInputs", "inputs", inputs, action, "inputs")

    @unary
    def delete_inputs(self, ids: Iterable[str], *, missing_ok: bool = True) -> Call[ApiResponse]:
        """Delete inputs (DeleteInputs). Idempotent."""
        return _delete("DeleteInputs", "ids", ids, missing_ok=missing_ok)

    @listing
    def list_inputs_add_jobs(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[InputsAddJob]:
        """Inputs add jobs (ListInputsAddJobs); yields job dicts."""
        return _list(
            "ListInputsAddJobs",
            "inputs_add_jobs",
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    @unary
    def get_inputs_add_job(self, id: str) -> Call[InputsAddJob]:
        """One inputs add job (GetInputsAddJob). Raises NotFoundError."""
        return Call("GetInputsAddJob", extract="inputs_add_job", path={"id": id})

    # -- annotations --------------------------------------------------------------------
    @listing
    def list_annotations(
        self,
        input_ids: Iterable[str] | None = None,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[Annotation]:
        """Annotations (ListAnnotations), optionally of some inputs; yields annotation dicts."""
        query = dict(params or {})
        if input_ids is not None:
            query["input_ids"] = _id_list(input_ids, "input_ids")
        return _list(
            "ListAnnotations",
            "annotations",
            params=query,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    @unary
    def post_annotations(self, annotations: Iterable[Mapping[str, Any]]) -> Call[list[Annotation]]:
        """Create annotations (PostAnnotations); returns them."""
        return _create("PostAnnotations", "annotations", annotations, "annotations")

    # -- concepts -----------------------------------------------------------------------
    @listing
    def list_concepts(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[Concept]:
        """Concepts of the app (ListConcepts); yields concept dicts."""
        return _list(
            "ListConcepts", "concepts", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    @unary
    def get_concept(self, id: str) -> Call[Concept]:
        """One concept (GetConcept). Raises NotFoundError."""
        return Call("GetConcept", extract="concept", path={"concept_id": id})

    @unary
    def post_concepts(self, concepts: Iterable[Mapping[str, Any]]) -> Call[list[Concept]]:
        """Create concepts (PostConcepts); returns them."""
        return _create("PostConcepts", "concepts", concepts, "concepts")

    # -- tasks --------------------------------------------------------------------------
    @listing
    def list_tasks(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[Task]:
        """Labeling tasks (ListTasks); yields task dicts."""
        return _list(
            "ListTasks", "tasks", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    @unary
    def get_task(self, id: str) -> Call[Task]:
        """One task (GetTask). Raises NotFoundError."""
        return Call("GetTask", extract="task", path={"task_id": id})

    @unary
    def post_tasks(self, tasks: Iterable[Mapping[str, Any]]) -> Call[list[Task]]:
        """Create tasks (PostTasks); returns them."""
        return _create("PostTasks", "tasks", tasks, "tasks")

    @unary
    def patch_tasks(self, tasks: Iterable[Mapping[str, Any]], action: str = "overwrite") -> Call[list[Task]]:
        """Patch tasks (PatchTasks, ``action`` as in PatchTasksRequest); returns them. Retried."""
        return _patch("PatchTasks", "tasks", tasks, action, "tasks")

    @unary
    def delete_tasks(self, ids: Iterable[str], *, missing_ok: bool = True) -> Call[ApiResponse]:
        """Delete tasks (DeleteTasks). Idempotent."""
        return _delete("DeleteTasks", "ids", ids, missing_ok=missing_ok)

    @unary
    def get_task_annotation_count(self, id: str) -> Call[TaskCounts]:
        """Annotation counts of a task (GetTaskAnnotationCount): the response dict
        (``counts`` list, ``task_id``, ``app_id``)."""
        return Call("GetTaskAnnotationCount", extract=None, path={"task_id": id})

    @unary
    def get_task_input_count(self, id: str) -> Call[TaskCounts]:
        """Input counts of a task (GetTaskInputCount): the response dict (``counts`` ...)."""
        return Call("GetTaskInputCount", extract=None, path={"task_id": id})

    # -- bulk operations ----------------------------------------------------------------
    @unary
    def post_bulk_operations(self, ops: Iterable[Mapping[str, Any]]) -> Call[list[BulkOperation]]:
        """Start bulk operations (PostBulkOperations); returns them."""
        return _create("PostBulkOperations", "bulk_operations", ops, "bulk_operation")

    @listing
    def list_bulk_operations(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[BulkOperation]:
        """Bulk operations (ListBulkOperations); yields operation dicts."""
        return _list(
            "ListBulkOperations",
            "bulk_operation",
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    @unary
    def get_bulk_operation(self, id: str) -> Call[BulkOperation]:
        """One bulk operation (GetBulkOperation). Raises NotFoundError."""
        return Call("GetBulkOperation", extract="bulk_operation", path={"id": id})

    @unary
    def cancel_bulk_operations(self, ids: Iterable[str]) -> Call[list[BulkOperation]]:
        """Cancel bulk operations (CancelBulkOperations, a PATCH); returns them. Retried."""
        return Call("CancelBulkOperations", extract="bulk_operation", body={"ids": _id_list(ids, "ids")}, many=True)

    @unary
    def delete_bulk_operations(self, ids: Iterable[str], *, missing_ok: bool = True) -> Call[ApiResponse]:
        """Delete bulk operations (DeleteBulkOperations). Idempotent."""
        return _delete("DeleteBulkOperations", "ids", ids, missing_ok=missing_ok)

    # -- models -------------------------------------------------------------------------
    @listing
    def list_models(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[Model]:
        """Models of the app (ListModels); yields model dicts."""
        return _list(
            "ListModels", "models", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    @unary
    def get_model(self, id: str) -> Call[Model]:
        """One model (GetModel). Raises NotFoundError."""
        return Call("GetModel", extract="model", path={"model_id": id})

    @unary
    def post_models(self, model: Mapping[str, Any]) -> Call[Model]:
        """Create one model (PostModels); returns the created model dict."""
        if not isinstance(model, Mapping):
            raise ValidationError("model must be a dict")
        obj = dict(model)
        return Call("PostModels", extract="model", body={"model": obj}, idempotent=_all_have_ids([obj]))

    @listing
    def list_model_versions(
        self,
        model_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[ModelVersion]:
        """Versions of a model (ListModelVersions); yields model-version dicts."""
        return _list(
            "ListModelVersions",
            "model_versions",
            path={"model_id": model_id},
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    @unary
    def get_model_version(self, model_id: str, version_id: str) -> Call[ModelVersion]:
        """One model version (GetModelVersion). Raises NotFoundError."""
        return Call("GetModelVersion", extract="model_version", path={"model_id": model_id, "version_id": version_id})

    @unary
    def post_model_versions(self, model_id: str, versions: Iterable[Mapping[str, Any]]) -> Call[Model]:
        """Create model versions (PostModelVersions); returns the model dict the API
        answers with (SingleModelResponse, its ``model_version`` is the new one)."""
        return _create(
            "PostModelVersions", "model_versions", versions, "model", path={"model_id": model_id}, many=False
        )

    # -- workflows ----------------------------------------------------------------------
    @listing
    def list_workflows(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[Workflow]:
        """Workflows of the app (ListWorkflows); yields workflow dicts."""
        return _list(
            "ListWorkflows", "workflows", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    @unary
    def get_workflow(self, id: str) -> Call[Workflow]:
        """One workflow (GetWorkflow). Raises NotFoundError."""
        return Call("GetWorkflow", extract="workflow", path={"workflow_id": id})

    @unary
    def post_workflows(self, workflows: Iterable[Mapping[str, Any]]) -> Call[list[Workflow]]:
        """Create workflows (PostWorkflows); returns them."""
        return _create("PostWorkflows", "workflows", workflows, "workflows")

    # -- collaborators ------------------------------------------------------------------
    @listing
    def list_collaborators(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Listing[Collaborator]:
        """Collaborators of the app (ListCollaborators); yields collaborator dicts."""
        return _list(
            "ListCollaborators",
            "collaborators",
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    @unary
    def post_collaborators(self, collaborators: Iterable[Mapping[str, Any]]) -> Call[list[Collaborator]]:
        """Add collaborators (PostCollaborators); returns them."""
        return _create("PostCollaborators", "collaborators", collaborators, "collaborators")


class SyncEndpointMethods(EndpointMethods):
    """The endpoint methods of a synchronous client: it performs a :class:`Call` and
    returns its result, and turns a :class:`Listing` into an iterator."""

    def _perform(self, call: Call[T]) -> T:  # pragma: no cover - implemented by the client
        raise NotImplementedError

    def _items(self, listing: Listing[T]) -> Iterator[T]:  # pragma: no cover - implemented by the client
        raise NotImplementedError


class AsyncEndpointMethods(EndpointMethods):
    """The endpoint methods of an asyncio client: it performs a :class:`Call` in a
    coroutine, and turns a :class:`Listing` into an async iterator."""

    async def _perform(self, call: Call[T]) -> T:  # pragma: no cover - implemented by the client
        raise NotImplementedError

    def _items(self, listing: Listing[T]) -> AsyncIterator[T]:  # pragma: no cover - implemented by the client
        raise NotImplementedError
