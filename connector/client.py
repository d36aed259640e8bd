"""The synchronous Clarifai client: one pooled ``httpx.Client`` plus thin endpoint methods.

Every request goes through :meth:`ClarifaiClient.call`, which builds the request from
:mod:`connector.routes`, takes a token from the client's rate limiter for every attempt,
retries by the policy in :mod:`connector.retry`, and decodes the answer into a dict or a
typed :mod:`connector.errors` exception. The endpoint methods are defined once, in
:class:`EndpointMethods`, and shared with :class:`connector.aio.AsyncClarifaiClient`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import httpx
import tenacity

from connector import pagination, transport
from connector.config import ClarifaiConfig
from connector.errors import ValidationError
from connector.pagination import PagePlan
from connector.ratelimit import TokenBucket
from connector.retry import ClientStats, attempt_scope, retrying_kwargs
from connector.status_codes import StatusCode
from connector.transport import CallSpec

Obj = dict[str, Any]


def _items(items: Iterable[Mapping[str, Any]] | None, what: str) -> list[Obj]:
    if items is None or isinstance(items, (str, bytes, Mapping)):
        raise ValidationError(f"{what} must be a list of objects, got {type(items).__name__}")
    out = [dict(i) for i in items]
    for i in out:
        if not isinstance(i, dict):
            raise ValidationError(f"every item of {what} must be a dict")
    return out


def _ids(ids: Iterable[str] | None, what: str) -> list[str]:
    if ids is None or isinstance(ids, (str, bytes)):
        raise ValidationError(f"{what} must be a list of ids, got {type(ids).__name__}")
    out = [str(i) for i in ids]
    if any(not i for i in out):
        raise ValidationError(f"{what} must not contain empty ids")
    return out


def _all_have_ids(items: Sequence[Mapping[str, Any]]) -> bool:
    """A create is safe to repeat when every item carries a client-chosen id."""
    return bool(items) and all(isinstance(i, Mapping) and i.get("id") for i in items)


def _extract(body: Obj, key: str | None) -> Any:
    if key is None:
        return body
    return body.get(key)


class EndpointMethods:
    """Thin endpoint methods, written once for both clients.

    Subclasses provide ``_run`` (one call; returns the extracted value, or an awaitable
    of it) and ``_list`` (an item iterator, or an async one). Every list method takes
    ``per_page``, ``concurrency``, ``max_pages`` and ``params`` (extra query fields) and
    yields items in order. Every ``post_*`` returns the created objects; when every item
    has an ``id`` the create is marked idempotent and retried like a read; if an earlier
    attempt was applied before its answer was lost, the retry answers "already exists"
    and the method raises :class:`~connector.errors.AlreadyExistsError` (read back and
    adopt: the operations do). Without ids an ambiguous failure raises
    :class:`~connector.errors.OutcomeUnknownError`. Every ``delete_*`` is idempotent and
    treats not-found as done unless ``missing_ok=False``.
    """

    def _run(
        self,
        rpc: str,
        *,
        extract: str | None,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        ok_item_codes: Iterable[int] = (),
        missing_ok: bool = False,
    ) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _list(
        self,
        rpc: str,
        key: str,
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
    ) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _create(
        self,
        rpc: str,
        field: str,
        items: Any,
        key: str,
        *,
        path: Mapping[str, Any] | None = None,
        ok_item_codes: Iterable[int] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> Any:
        objs = _items(items, field)
        return self._run(
            rpc,
            extract=key,
            path=path,
            body={field: objs, **(extra or {})},
            idempotent=_all_have_ids(objs),
            ok_item_codes=ok_item_codes,
        )

    def _patch(
        self, rpc: str, field: str, items: Any, action: str, key: str, *, path: Mapping[str, Any] | None = None
    ) -> Any:
        if action not in ("merge", "overwrite", "remove"):
            raise ValidationError(f"action must be 'merge', 'overwrite' or 'remove', got {action!r}")
        return self._run(rpc, extract=key, path=path, body={field: _items(items, field), "action": action})

    def _delete(
        self, rpc: str, field: str, ids: Any, *, path: Mapping[str, Any] | None = None, missing_ok: bool = True
    ) -> Any:
        return self._run(rpc, extract=None, path=path, body={field: _ids(ids, field)}, missing_ok=missing_ok)

    # -- apps ---------------------------------------------------------------------------
    def list_apps(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Apps of the configured user (ListApps). Retried; yields app dicts."""
        return self._list(
            "ListApps", "apps", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    def get_app(self, app_id: str | None = None) -> Any:
        """One app (GetApp), the configured one by default. Raises NotFoundError."""
        return self._run("GetApp", extract="app", path={"app_id": app_id})

    def post_apps(self, apps: Iterable[Mapping[str, Any]]) -> Any:
        """Create apps (PostApps); returns the created apps."""
        return self._create("PostApps", "apps", apps, "apps")

    # -- datasets -----------------------------------------------------------------------
    def list_datasets(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Datasets of the app (ListDatasets); yields dataset dicts."""
        return self._list(
            "ListDatasets", "datasets", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    def get_dataset(self, id: str) -> Any:
        """One dataset (GetDataset). Raises NotFoundError."""
        return self._run("GetDataset", extract="dataset", path={"dataset_id": id})

    def post_datasets(self, datasets: Iterable[Mapping[str, Any]]) -> Any:
        """Create datasets (PostDatasets); returns the created datasets."""
        return self._create("PostDatasets", "datasets", datasets, "datasets")

    def patch_datasets(self, datasets: Iterable[Mapping[str, Any]], action: str = "merge") -> Any:
        """Patch datasets (PatchDatasets); returns the patched datasets. Retried."""
        return self._patch("PatchDatasets", "datasets", datasets, action, "datasets")

    def delete_datasets(self, ids: Iterable[str], *, missing_ok: bool = True) -> Any:
        """Delete datasets by id (DeleteDatasets). Idempotent; returns the response."""
        return self._delete("DeleteDatasets", "dataset_ids", ids, missing_ok=missing_ok)

    # -- dataset versions ---------------------------------------------------------------
    def list_dataset_versions(
        self,
        dataset_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Versions of a dataset (ListDatasetVersions); yields version dicts."""
        return self._list(
            "ListDatasetVersions",
            "dataset_versions",
            path={"dataset_id": dataset_id},
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    def get_dataset_version(self, dataset_id: str, version_id: str) -> Any:
        """One dataset version (GetDatasetVersion). Raises NotFoundError."""
        return self._run(
            "GetDatasetVersion",
            extract="dataset_version",
            path={"dataset_id": dataset_id, "dataset_version_id": version_id},
        )

    def post_dataset_versions(self, dataset_id: str, versions: Iterable[Mapping[str, Any]]) -> Any:
        """Create dataset versions (PostDatasetVersions); returns them."""
        return self._create(
            "PostDatasetVersions", "dataset_versions", versions, "dataset_versions", path={"dataset_id": dataset_id}
        )

    def patch_dataset_versions(
        self, dataset_id: str, versions: Iterable[Mapping[str, Any]], action: str = "merge"
    ) -> Any:
        """Patch dataset versions (PatchDatasetVersions); returns them. Retried."""
        return self._patch(
            "PatchDatasetVersions",
            "dataset_versions",
            versions,
            action,
            "dataset_versions",
            path={"dataset_id": dataset_id},
        )

    def delete_dataset_versions(self, dataset_id: str, ids: Iterable[str], *, missing_ok: bool = True) -> Any:
        """Delete dataset versions (DeleteDatasetVersions). Idempotent."""
        return self._delete(
            "DeleteDatasetVersions", "dataset_version_ids", ids, path={"dataset_id": dataset_id}, missing_ok=missing_ok
        )

    # -- dataset inputs -----------------------------------------------------------------
    def list_dataset_inputs(
        self,
        dataset_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Inputs of a dataset (ListDatasetInputs); yields dataset-input dicts ({input: ...})."""
        return self._list(
            "ListDatasetInputs",
            "dataset_inputs",
            path={"dataset_id": dataset_id},
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    def get_dataset_input(self, dataset_id: str, input_id: str) -> Any:
        """One dataset input (GetDatasetInput). Raises NotFoundError."""
        return self._run(
            "GetDatasetInput", extract="dataset_input", path={"dataset_id": dataset_id, "input_id": input_id}
        )

    def post_dataset_inputs(self, dataset_id: str, input_ids: Iterable[str], ignore_duplicates: bool = False) -> Any:
        """Add inputs to a dataset by id (PostDatasetInputs). Idempotent (ids are given),
        so retried; with ``ignore_duplicates`` inputs already in the dataset
        (DATASET_INPUT_DUPLICATE) are not an error. Returns the dataset inputs."""
        ids = _ids(input_ids, "input_ids")
        return self._run(
            "PostDatasetInputs",
            extract="dataset_inputs",
            path={"dataset_id": dataset_id},
            body={"dataset_inputs": [{"input": {"id": i}} for i in ids]},
            idempotent=True,
            ok_item_codes=(StatusCode.DATASET_INPUT_DUPLICATE,) if ignore_duplicates else (),
        )

    def delete_dataset_inputs(self, dataset_id: str, input_ids: Iterable[str], *, missing_ok: bool = True) -> Any:
        """Remove inputs from a dataset (DeleteDatasetInputs). Idempotent."""
        return self._delete(
            "DeleteDatasetInputs", "input_ids", input_ids, path={"dataset_id": dataset_id}, missing_ok=missing_ok
        )

    # -- inputs -------------------------------------------------------------------------
    def list_inputs(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Inputs of the app (ListInputs); yields input dicts."""
        return self._list(
            "ListInputs", "inputs", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    def get_input(self, id: str) -> Any:
        """One input (GetInput). Raises NotFoundError."""
        return self._run("GetInput", extract="input", path={"input_id": id})

    def post_inputs(self, inputs: Iterable[Mapping[str, Any]], ignore_duplicates: bool = False) -> Any:
        """Create inputs (PostInputs); returns the inputs. With ``ignore_duplicates``
        items answered INPUT_DUPLICATE are not an error."""
        return self._create(
            "PostInputs",
            "inputs",
            inputs,
            "inputs",
            ok_item_codes=(StatusCode.INPUT_DUPLICATE,) if ignore_duplicates else (),
        )

    def patch_inputs(self, inputs: Iterable[Mapping[str, Any]], action: str = "merge") -> Any:
        """Patch inputs (PatchInputs); returns them. Retried."""
        return self._patch("PatchInputs", "inputs", inputs, action, "inputs")

    def delete_inputs(self, ids: Iterable[str], *, missing_ok: bool = True) -> Any:
        """Delete inputs (DeleteInputs). Idempotent."""
        return self._delete("DeleteInputs", "ids", ids, missing_ok=missing_ok)

    def list_inputs_add_jobs(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Inputs add jobs (ListInputsAddJobs); yields job dicts."""
        return self._list(
            "ListInputsAddJobs",
            "inputs_add_jobs",
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    def get_inputs_add_job(self, id: str) -> Any:
        """One inputs add job (GetInputsAddJob). Raises NotFoundError."""
        return self._run("GetInputsAddJob", extract="inputs_add_job", path={"id": id})

    # -- annotations --------------------------------------------------------------------
    def list_annotations(
        self,
        input_ids: Iterable[str] | None = None,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Annotations (ListAnnotations), optionally of some inputs; yields annotation dicts."""
        query = dict(params or {})
        if input_ids is not None:
            query["input_ids"] = _ids(input_ids, "input_ids")
        return self._list(
            "ListAnnotations",
            "annotations",
            params=query,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    def post_annotations(self, annotations: Iterable[Mapping[str, Any]]) -> Any:
        """Create annotations (PostAnnotations); returns them."""
        return self._create("PostAnnotations", "annotations", annotations, "annotations")

    # -- concepts -----------------------------------------------------------------------
    def list_concepts(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Concepts of the app (ListConcepts); yields concept dicts."""
        return self._list(
            "ListConcepts", "concepts", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    def get_concept(self, id: str) -> Any:
        """One concept (GetConcept). Raises NotFoundError."""
        return self._run("GetConcept", extract="concept", path={"concept_id": id})

    def post_concepts(self, concepts: Iterable[Mapping[str, Any]]) -> Any:
        """Create concepts (PostConcepts); returns them."""
        return self._create("PostConcepts", "concepts", concepts, "concepts")

    # -- tasks --------------------------------------------------------------------------
    def list_tasks(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Labeling tasks (ListTasks); yields task dicts."""
        return self._list(
            "ListTasks", "tasks", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    def get_task(self, id: str) -> Any:
        """One task (GetTask). Raises NotFoundError."""
        return self._run("GetTask", extract="task", path={"task_id": id})

    def post_tasks(self, tasks: Iterable[Mapping[str, Any]]) -> Any:
        """Create tasks (PostTasks); returns them."""
        return self._create("PostTasks", "tasks", tasks, "tasks")

    def patch_tasks(self, tasks: Iterable[Mapping[str, Any]], action: str = "overwrite") -> Any:
        """Patch tasks (PatchTasks, ``action`` as in PatchTasksRequest); returns them. Retried."""
        return self._patch("PatchTasks", "tasks", tasks, action, "tasks")

    def delete_tasks(self, ids: Iterable[str], *, missing_ok: bool = True) -> Any:
        """Delete tasks (DeleteTasks). Idempotent."""
        return self._delete("DeleteTasks", "ids", ids, missing_ok=missing_ok)

    def get_task_annotation_count(self, id: str) -> Any:
        """Annotation counts of a task (GetTaskAnnotationCount): the response dict
        (``counts`` list, ``task_id``, ``app_id``)."""
        return self._run("GetTaskAnnotationCount", extract=None, path={"task_id": id})

    def get_task_input_count(self, id: str) -> Any:
        """Input counts of a task (GetTaskInputCount): the response dict (``counts`` ...)."""
        return self._run("GetTaskInputCount", extract=None, path={"task_id": id})

    # -- bulk operations ----------------------------------------------------------------
    def post_bulk_operations(self, ops: Iterable[Mapping[str, Any]]) -> Any:
        """Start bulk operations (PostBulkOperations); returns them."""
        return self._create("PostBulkOperations", "bulk_operations", ops, "bulk_operation")

    def list_bulk_operations(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Bulk operations (ListBulkOperations); yields operation dicts."""
        return self._list(
            "ListBulkOperations",
            "bulk_operation",
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    def get_bulk_operation(self, id: str) -> Any:
        """One bulk operation (GetBulkOperation). Raises NotFoundError."""
        return self._run("GetBulkOperation", extract="bulk_operation", path={"id": id})

    def cancel_bulk_operations(self, ids: Iterable[str]) -> Any:
        """Cancel bulk operations (CancelBulkOperations, a PATCH); returns them. Retried."""
        return self._run("CancelBulkOperations", extract="bulk_operation", body={"ids": _ids(ids, "ids")})

    def delete_bulk_operations(self, ids: Iterable[str], *, missing_ok: bool = True) -> Any:
        """Delete bulk operations (DeleteBulkOperations). Idempotent."""
        return self._delete("DeleteBulkOperations", "ids", ids, missing_ok=missing_ok)

    # -- models -------------------------------------------------------------------------
    def list_models(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Models of the app (ListModels); yields model dicts."""
        return self._list(
            "ListModels", "models", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    def get_model(self, id: str) -> Any:
        """One model (GetModel). Raises NotFoundError."""
        return self._run("GetModel", extract="model", path={"model_id": id})

    def post_models(self, model: Mapping[str, Any]) -> Any:
        """Create one model (PostModels); returns the created model dict."""
        if not isinstance(model, Mapping):
            raise ValidationError("model must be a dict")
        obj = dict(model)
        return self._run("PostModels", extract="model", body={"model": obj}, idempotent=_all_have_ids([obj]))

    def list_model_versions(
        self,
        model_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Versions of a model (ListModelVersions); yields model-version dicts."""
        return self._list(
            "ListModelVersions",
            "model_versions",
            path={"model_id": model_id},
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    def get_model_version(self, model_id: str, version_id: str) -> Any:
        """One model version (GetModelVersion). Raises NotFoundError."""
        return self._run(
            "GetModelVersion", extract="model_version", path={"model_id": model_id, "version_id": version_id}
        )

    def post_model_versions(self, model_id: str, versions: Iterable[Mapping[str, Any]]) -> Any:
        """Create model versions (PostModelVersions); returns the model dict the API
        answers with (SingleModelResponse, its ``model_version`` is the new one)."""
        return self._create("PostModelVersions", "model_versions", versions, "model", path={"model_id": model_id})

    # -- workflows ----------------------------------------------------------------------
    def list_workflows(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Workflows of the app (ListWorkflows); yields workflow dicts."""
        return self._list(
            "ListWorkflows", "workflows", params=params, per_page=per_page, concurrency=concurrency, max_pages=max_pages
        )

    def get_workflow(self, id: str) -> Any:
        """One workflow (GetWorkflow). Raises NotFoundError."""
        return self._run("GetWorkflow", extract="workflow", path={"workflow_id": id})

    def post_workflows(self, workflows: Iterable[Mapping[str, Any]]) -> Any:
        """Create workflows (PostWorkflows); returns them."""
        return self._create("PostWorkflows", "workflows", workflows, "workflows")

    # -- collaborators ------------------------------------------------------------------
    def list_collaborators(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Collaborators of the app (ListCollaborators); yields collaborator dicts."""
        return self._list(
            "ListCollaborators",
            "collaborators",
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
        )

    def post_collaborators(self, collaborators: Iterable[Mapping[str, Any]]) -> Any:
        """Add collaborators (PostCollaborators); returns them."""
        return self._create("PostCollaborators", "collaborators", collaborators, "collaborators")


def page_items(body: Obj, key: str) -> list[Obj]:
    """The items of one listing page."""
    return list(body.get(key) or [])


class ClientBase(EndpointMethods):
    """What the sync and the async client share: configuration, stats, the rate
    limiter, the pooled httpx client, and how calls and listings are prepared."""

    def __init__(
        self,
        config: ClarifaiConfig | None,
        http_class: type[httpx.Client] | type[httpx.AsyncClient],
        transport_: Any,
        event_hooks: Mapping[str, list] | None,
    ) -> None:
        self.config = config if config is not None else ClarifaiConfig.from_env()
        self.stats = ClientStats()
        self._limiter = TokenBucket(self.config.rate_limit, self.config.rate_burst)
        kwargs: dict[str, Any] = {
            "base_url": self.config.base_url,
            "headers": transport.default_headers(self.config),
            "timeout": transport.httpx_timeout(self.config),
            "limits": transport.httpx_limits(self.config),
            "follow_redirects": False,
            "event_hooks": dict(event_hooks or {}),
        }
        if transport_ is not None:
            kwargs["transport"] = transport_
        self._http: Any = http_class(**kwargs)

    def __repr__(self) -> str:
        cfg = self.config
        return f"{type(self).__name__}(user_id={cfg.user_id!r}, app_id={cfg.app_id!r}, base_url={cfg.base_url!r})"

    def _spec(self, rpc: str, **kwargs: Any) -> CallSpec:
        return transport.build_call(self.config, rpc, **kwargs)

    def _retrying(self, retrying_class: type[tenacity.BaseRetrying], spec: CallSpec) -> Any:
        return retrying_class(**retrying_kwargs(self.config.retry, self.stats, spec.describe()))

    def _listing(
        self,
        rpc: str,
        path: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
        per_page: int | None,
        concurrency: int | None,
        max_pages: int | None,
    ) -> tuple[PagePlan, Callable[[int], dict[str, Any]]]:
        """The paging plan and, per page number, the ``call`` arguments. Checks the
        arguments now, before the first request."""
        plan = PagePlan(
            per_page=self.config.per_page if per_page is None else per_page,
            concurrency=self.config.page_concurrency if concurrency is None else concurrency,
            max_pages=max_pages,
        )
        self._spec(rpc, path=path, params=params)

        def page_call(page: int) -> dict[str, Any]:
            return {"path": path, "params": {**(params or {}), "page": page, "per_page": plan.per_page}}

        return plan, page_call


class ClarifaiClient(ClientBase):
    """A synchronous, thread-safe client for one Clarifai user/app.

    ``config`` defaults to :meth:`ClarifaiConfig.from_env`. ``transport`` and
    ``event_hooks`` are passed to the underlying ``httpx.Client``. Use as a context
    manager or call :meth:`close`.
    """

    def __init__(
        self,
        config: ClarifaiConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        event_hooks: Mapping[str, list] | None = None,
    ) -> None:
        super().__init__(config, httpx.Client, transport, event_hooks)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ClarifaiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one call path --------------------------------------------------------------
    def call(
        self,
        rpc: str,
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        ok_item_codes: Iterable[int] = (),
    ) -> Obj:
        """Call ``rpc`` (a key of :data:`connector.routes.ROUTES`) and return the decoded body.

        Retried per ``config.retry`` when safe (``idempotent=None``: GET/DELETE/PATCH
        yes, POST no). Raises a :class:`~connector.errors.ClarifaiError` subclass:
        PartialFailureError for MIXED_STATUS unless every failed item's code is in
        ``ok_item_codes``; OutcomeUnknownError when a write not safe to repeat failed
        ambiguously.
        """
        return self._execute(
            self._spec(rpc, path=path, params=params, body=body, idempotent=idempotent, ok_item_codes=ok_item_codes)
        )

    def _execute(self, spec: CallSpec) -> Obj:
        request = self._http.build_request(**transport.request_kwargs(spec))
        for attempt in self._retrying(tenacity.Retrying, spec):
            with attempt:
                self._limiter.acquire()
                with attempt_scope(self.stats, spec):
                    return transport.decode_response(self._http.send(request), spec)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _run(self, rpc: str, *, extract: str | None, **kwargs: Any) -> Any:
        return _extract(self._execute(self._spec(rpc, **kwargs)), extract)

    # -- listings -----------------------------------------------------------------------
    def iter_pages(
        self,
        rpc: str,
        key: str,
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
    ) -> Iterator[list[Obj]]:
        """Pages (lists of ``body[key]`` items) of a listing, in order; see
        :mod:`connector.pagination`. Arguments are checked before the first request."""
        plan, page_call = self._listing(rpc, path, params, per_page, concurrency, max_pages)
        return pagination.iter_pages(lambda page: page_items(self.call(rpc, **page_call(page)), key), plan)

    def paginate(self, rpc: str, key: str, **kwargs: Any) -> Iterator[Obj]:
        """Items of a listing, in order (same arguments as :meth:`iter_pages`)."""
        return _flatten(self.iter_pages(rpc, key, **kwargs))

    def _list(self, rpc: str, key: str, **kwargs: Any) -> Iterator[Obj]:
        return self.paginate(rpc, key, **kwargs)


def _flatten(pages: Iterator[list[Obj]]) -> Iterator[Obj]:
    try:
        for page in pages:
            yield from page
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()
