"""Export an inventory of an app's resources to a file: a local path or object storage.

The rows never pass through XCom: the file is written page by page (memory bounded by a
Parquet row group) and XCom gets its URI, row count and schema.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.operators.base import ClarifaiBaseOperator, as_list, clarifai_errors, is_object_storage

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath


class ClarifaiExportInventoryOperator(ClarifaiBaseOperator):
    """Write one inventory (``datasets``, ``dataset_versions``, ``inputs``, ``annotations``,
    ``tasks``... any of ``connector.inventory.INVENTORIES``) as Parquet, CSV or JSON Lines.

    ``path`` is a local path (written under a temporary name and renamed into place when
    complete: a failed export never leaves a truncated file) or an ``ObjectStoragePath`` /
    object-store URI (``s3://...``, ``gs://...``; credentials from the path's ``conn_id``;
    the object is removed again if the export fails). The format comes from ``format`` or
    the path's suffix. Read-only on the API; a rerun rewrites the same file.

    Returns ``{"inventory", "uri", "format", "rows", "pages", "schema"}`` where schema is
    ``[{"name", "type"}, ...]``; the URI is also pushed under key ``uri``.
    """

    template_fields: Sequence[str] = (
        *ClarifaiBaseOperator.template_fields,
        "inventory",
        "path",
        "format",
        "datasets",
        "models",
    )
    ui_color = "#ede7f6"

    def __init__(
        self,
        *,
        inventory: str,
        path: str | os.PathLike[str] | ObjectStoragePath,
        format: str | None = None,
        datasets: str | Sequence[str] | None = None,
        models: str | Sequence[str] | None = None,
        query_params: Mapping[str, Any] | None = None,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        row_group_rows: int = 65_536,
        compression: str = "zstd",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.inventory = inventory
        self.path = path
        self.format = format
        self.datasets = datasets
        self.models = models
        self.query_params = query_params
        self.per_page = per_page
        self.concurrency = concurrency
        self.max_pages = max_pages
        self.row_group_rows = row_group_rows
        self.compression = compression
        self._lineage: tuple[str, str, list[str], str] | None = None

    def _listing(self) -> dict[str, Any]:
        return {
            "datasets": as_list(self.datasets),
            "models": as_list(self.models),
            "params": dict(self.query_params) if self.query_params else None,
            "per_page": self.per_page,
            "concurrency": self.concurrency,
            "max_pages": self.max_pages,
        }

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.inventory import export, get_spec

        with clarifai_errors(f"export {self.inventory} ({self.task_id})"), self.client() as client:
            spec = get_spec(self.inventory)
            if is_object_storage(self.path):
                uri, fmt, rows, pages = self._to_object_storage(client, spec)
            else:
                result = export(
                    client,
                    spec.name,
                    os.fspath(self.path),  # type: ignore[arg-type]  # not object storage here
                    format=self.format or None,
                    row_group_rows=self.row_group_rows,
                    compression=self.compression,
                    **self._listing(),
                )
                uri, fmt, rows, pages = result.path, result.format, result.rows, result.pages
            cfg = client.config
            scoped = as_list(self.datasets) or []
            self._lineage = (cfg.user_id, cfg.app_id or "", scoped, uri)
        self.log.info("exported %d %s rows (%d pages) to %s", rows, spec.name, pages, uri)
        context["ti"].xcom_push(key="uri", value=uri)
        return {
            "inventory": spec.name,
            "uri": uri,
            "format": fmt,
            "rows": rows,
            "pages": pages,
            "schema": [{"name": f.name, "type": str(f.type)} for f in spec.schema],
        }

    def _to_object_storage(self, client: Any, spec: Any) -> tuple[str, str, int, int]:
        """Write through Airflow's ObjectStoragePath (its connection's credentials); remove
        the object if the export fails."""
        from airflow.sdk import ObjectStoragePath

        from connector.inventory import infer_format, iter_batches
        from connector.inventory.export import write_batches

        dest = self.path if isinstance(self.path, ObjectStoragePath) else ObjectStoragePath(str(self.path))
        fmt = infer_format(str(dest), self.format or None)
        batches = iter_batches(client, spec.name, **self._listing())
        ok = False
        try:
            with dest.open("wb") as sink:
                rows, pages = write_batches(
                    batches,
                    spec.schema,
                    sink,
                    fmt,
                    row_group_rows=self.row_group_rows,
                    compression=self.compression,
                )
            ok = True
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()
            if not ok:
                with contextlib.suppress(Exception):
                    dest.unlink(missing_ok=True)
        return str(dest), fmt, rows, pages

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Inputs: the datasets listed (dataset-scoped inventories); output: the file."""
        from airflow_provider.lineage import file_dataset, operator_lineage

        if self._lineage is None:
            return None
        user_id, app_id, datasets, uri = self._lineage
        return operator_lineage(user_id, app_id, inputs=datasets, extra_outputs=[file_dataset(uri)])
