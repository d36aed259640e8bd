"""What the operations and inventories need of a client, as ``typing.Protocol``\\s.

:class:`ClientProtocol` is the synchronous surface (what :class:`~connector.client.ClarifaiClient`
offers), :class:`AsyncClientProtocol` the asyncio one (what
:class:`~connector.aio.AsyncClarifaiClient` offers). They list only the members the
operations (:mod:`connector.operations`) and inventories (:mod:`connector.inventory`)
use, with the exact argument and result types of the clients' endpoint methods (the
result types are the API object shapes of :mod:`connector.objects`). Both clients
satisfy them; mypy checks that where each client is defined. A code path typed against a
protocol can be followed from an operation to the wire, and can run with any object that
offers the same members (a recording wrapper, another transport).

Every endpoint method here has the behaviour documented on
:class:`~connector.endpoints.EndpointMethods`: reads are retried, ``get_*`` raise
:class:`~connector.errors.NotFoundError`, a ``post_*`` whose items all carry ids is
retried and answers :class:`~connector.errors.AlreadyExistsError` when an earlier attempt
landed, ``delete_*`` treat "not found" as done. Adding a member here means every client
must have it (mypy says which does not).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, Protocol

from connector.config import ClarifaiConfig
from connector.objects import (
    ApiResponse,
    App,
    BulkOperation,
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
)
from connector.retry import ClientStats

__all__ = ["AsyncClientProtocol", "ClientProtocol"]


class ClientProtocol(Protocol):
    """The synchronous client surface the operations and inventories use."""

    @property
    def config(self) -> ClarifaiConfig:
        """The client's configuration (``config.app_id`` names the app in messages)."""
        ...

    @property
    def stats(self) -> ClientStats:
        """Request counters (``stats.requests``: an operation's result reports its requests)."""
        ...

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
        expected_items: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages (``body[key]`` lists) of any listing, in order (inventories read these)."""
        ...

    # -- the app (operations read it to tell "not found" from "no such app")
    def get_app(self, app_id: str | None = None) -> App: ...

    # -- datasets and their versions and inputs
    def list_datasets(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[Dataset]: ...
    def get_dataset(self, id: str) -> Dataset: ...
    def post_datasets(self, datasets: Iterable[Mapping[str, Any]]) -> list[Dataset]: ...
    def list_dataset_versions(
        self,
        dataset_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[DatasetVersion]: ...
    def get_dataset_version(self, dataset_id: str, version_id: str) -> DatasetVersion: ...
    def post_dataset_versions(self, dataset_id: str, versions: Iterable[Mapping[str, Any]]) -> list[DatasetVersion]: ...
    def delete_dataset_versions(
        self, dataset_id: str, ids: Iterable[str], *, missing_ok: bool = True
    ) -> ApiResponse: ...
    def list_dataset_inputs(
        self,
        dataset_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[DatasetInput]: ...
    def post_dataset_inputs(
        self, dataset_id: str, input_ids: Iterable[str], ignore_duplicates: bool = False
    ) -> list[DatasetInput]: ...
    def delete_dataset_inputs(
        self, dataset_id: str, input_ids: Iterable[str], *, missing_ok: bool = True
    ) -> ApiResponse: ...

    # -- inputs
    def list_inputs(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[Input]: ...
    def get_input_count(self) -> InputCounts: ...
    def get_inputs_add_job(self, id: str) -> InputsAddJob: ...

    # -- tasks
    def list_tasks(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[Task]: ...
    def get_task(self, id: str) -> Task: ...
    def post_tasks(self, tasks: Iterable[Mapping[str, Any]]) -> list[Task]: ...
    def patch_tasks(self, tasks: Iterable[Mapping[str, Any]], action: str = "overwrite") -> list[Task]: ...
    def delete_tasks(self, ids: Iterable[str], *, missing_ok: bool = True) -> ApiResponse: ...
    def get_task_annotation_count(self, id: str) -> TaskCounts: ...
    def get_task_input_count(self, id: str) -> TaskCounts: ...

    # -- bulk operations
    def post_bulk_operations(self, ops: Iterable[Mapping[str, Any]]) -> list[BulkOperation]: ...
    def get_bulk_operation(self, id: str) -> BulkOperation: ...

    # -- models
    def list_models(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[Model]: ...
    def get_model(self, id: str) -> Model: ...
    def list_model_versions(
        self,
        model_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[ModelVersion]: ...


class AsyncClientProtocol(Protocol):
    """The asyncio client surface: the members of :class:`ClientProtocol` with the same
    arguments and results, awaited (single requests are coroutines, listings async
    iterators). The async waits use it; orchestrator triggers and sensors build on it."""

    @property
    def config(self) -> ClarifaiConfig:
        """The client's configuration (``config.app_id`` names the app in messages)."""
        ...

    @property
    def stats(self) -> ClientStats:
        """Request counters (``stats.requests``: an operation's result reports its requests)."""
        ...

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
        expected_items: int | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages (``body[key]`` lists) of any listing, in order (inventories read these)."""
        ...

    # -- the app
    async def get_app(self, app_id: str | None = None) -> App: ...

    # -- datasets and their versions and inputs
    def list_datasets(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Dataset]: ...
    async def get_dataset(self, id: str) -> Dataset: ...
    async def post_datasets(self, datasets: Iterable[Mapping[str, Any]]) -> list[Dataset]: ...
    def list_dataset_versions(
        self,
        dataset_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[DatasetVersion]: ...
    async def get_dataset_version(self, dataset_id: str, version_id: str) -> DatasetVersion: ...
    async def post_dataset_versions(
        self, dataset_id: str, versions: Iterable[Mapping[str, Any]]
    ) -> list[DatasetVersion]: ...
    async def delete_dataset_versions(
        self, dataset_id: str, ids: Iterable[str], *, missing_ok: bool = True
    ) -> ApiResponse: ...
    def list_dataset_inputs(
        self,
        dataset_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[DatasetInput]: ...
    async def post_dataset_inputs(
        self, dataset_id: str, input_ids: Iterable[str], ignore_duplicates: bool = False
    ) -> list[DatasetInput]: ...
    async def delete_dataset_inputs(
        self, dataset_id: str, input_ids: Iterable[str], *, missing_ok: bool = True
    ) -> ApiResponse: ...

    # -- inputs
    def list_inputs(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Input]: ...
    async def get_input_count(self) -> InputCounts: ...
    async def get_inputs_add_job(self, id: str) -> InputsAddJob: ...

    # -- tasks
    def list_tasks(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Task]: ...
    async def get_task(self, id: str) -> Task: ...
    async def post_tasks(self, tasks: Iterable[Mapping[str, Any]]) -> list[Task]: ...
    async def patch_tasks(self, tasks: Iterable[Mapping[str, Any]], action: str = "overwrite") -> list[Task]: ...
    async def delete_tasks(self, ids: Iterable[str], *, missing_ok: bool = True) -> ApiResponse: ...
    async def get_task_annotation_count(self, id: str) -> TaskCounts: ...
    async def get_task_input_count(self, id: str) -> TaskCounts: ...

    # -- bulk operations
    async def post_bulk_operations(self, ops: Iterable[Mapping[str, Any]]) -> list[BulkOperation]: ...
    async def get_bulk_operation(self, id: str) -> BulkOperation: ...

    # -- models
    def list_models(
        self,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Model]: ...
    async def get_model(self, id: str) -> Model: ...
    def list_model_versions(
        self,
        model_id: str,
        *,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[ModelVersion]: ...
