"""Write the app report (one self-contained HTML page, see docs/report.md) to a local
path or to object storage.

The page never passes through XCom: it is written where ``path`` says, and XCom gets its
URI, its size and the report's headline numbers (``connector.report.report_facts``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider.operators.base import (
    ClarifaiBaseOperator,
    as_list,
    as_mapping,
    as_timedelta,
    clarifai_errors,
    is_object_storage,
)

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath


class ClarifaiReportOperator(ClarifaiBaseOperator):
    """Build the app report and write it to ``path``.

    The report is read from the app through the connection (every inventory, or those
    named in ``inventories``; read-only, rate limited and retried by the connection's
    policy), or, with ``from_parquet``, from a local directory of
    ``<inventory>.parquet`` files such as :class:`ClarifaiExportInventoryOperator` tasks
    write (no API call then).

    ``path`` is a local path (written under a temporary name and renamed into place, so
    an older report stays until the new one is complete; checked before anything is
    read) or an ``ObjectStoragePath`` / object-store URI (``s3://...``; credentials
    from the path's ``conn_id``). A rerun writes the same file again.

    ``prune_plan`` shows a prune plan against the dataset versions: the plan a dry-run
    prune task pushed (``plan_prune.output["plan"]``), its JSON text, or None. The report
    shows the plan; it never plans or deletes anything itself.

    Returns ``{"uri", "bytes", "source", "facts"}`` (``facts``: rows per inventory,
    split leaks, version and task counts, the plan's deletions; see
    ``connector.report.report_facts``); the URI is also pushed under key ``uri``.

    :param splits: splits to check besides those found by name,
        ``{source: {split: target dataset}}``.
    :param stale_after: an open task unchanged this long is stale (timedelta, seconds
        or text like ``"7d"``; default 7 days).
    :param title: the page's title.
    """

    template_fields: Sequence[str] = (
        *ClarifaiBaseOperator.template_fields,
        "path",
        "from_parquet",
        "prune_plan",
        "inventories",
        "splits",
        "stale_after",
        "title",
    )
    ui_color = "#e8f5e9"

    def __init__(
        self,
        *,
        path: str | os.PathLike[str] | ObjectStoragePath,
        from_parquet: str | os.PathLike[str] | None = None,
        prune_plan: Mapping[str, Any] | str | None = None,
        inventories: str | Sequence[str] | None = None,
        splits: Mapping[str, Mapping[str, str]] | str | None = None,
        stale_after: timedelta | float | str | None = "7d",
        title: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.from_parquet = from_parquet
        self.prune_plan = prune_plan
        self.inventories = inventories
        self.splits = splits
        self.stale_after = stale_after
        self.title = title
        self._uri: str | None = None

    def _options(self) -> dict[str, Any]:
        plan = self.prune_plan
        options: dict[str, Any] = {
            "prune_plan": as_mapping(plan, "prune_plan") if plan not in (None, "", "None") else None,
            "splits": as_mapping(self.splits, "splits") if self.splits else None,
            "inventories": as_list(self.inventories),
            "title": self.title or None,
        }
        stale = as_timedelta(self.stale_after, "stale_after")
        if stale is not None:
            options["stale_after"] = stale
        return options

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.errors import ValidationError
        from connector.report import check_target, make_report, report_facts

        what = f"report ({self.task_id})"
        with clarifai_errors(what):
            remote = is_object_storage(self.path)
            target = None if remote else check_target(os.fspath(self.path))  # type: ignore[arg-type]  # local here
            options = self._options()
            if self.from_parquet:
                source = os.fspath(self.from_parquet)
                if is_object_storage(source):
                    raise ValidationError(
                        f"from_parquet must be a local directory, got {source!r}; export to a local directory, "
                        "or leave from_parquet out to read the app through the connection"
                    )
                page, data = make_report(source, **options)
                origin = "parquet"
            else:
                with self.client() as client:
                    page, data = make_report(client, **options)
                origin = "api"
            size = len(page.encode("utf-8"))
            uri = self._write_remote(page) if target is None else self._write_local(page, target)
            facts = report_facts(data)
        self._uri = uri
        self.log.info(
            "wrote the app report to %s (%d KB, from %s): %s",
            uri,
            round(size / 1024),
            "the API" if origin == "api" else f"Parquet files in {self.from_parquet}",
            ", ".join(f"{n} {name}" for name, n in facts["rows"].items()),
        )
        context["ti"].xcom_push(key="uri", value=uri)
        return {"uri": uri, "bytes": size, "source": origin, "facts": facts}

    @staticmethod
    def _write_local(page: str, target: Any) -> str:
        from connector.report import write_html

        return str(write_html(page, target))

    def _write_remote(self, page: str) -> str:
        """Write through Airflow's ObjectStoragePath (its connection's credentials)."""
        from airflow.sdk import ObjectStoragePath

        dest = self.path if isinstance(self.path, ObjectStoragePath) else ObjectStoragePath(str(self.path))
        if getattr(dest, "protocol", "") in ("file", "local"):  # object stores have no directories to make
            dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("wb") as sink:
            sink.write(page.encode("utf-8"))
        return str(dest)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Output: the report file (it reads the whole app: no dataset is named as input)."""
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_provider.lineage import file_dataset

        if self._uri is None:
            return None
        return OperatorLineage(outputs=[file_dataset(self._uri)])
