"""What every Clarifai operator shares: the hook, error mapping, run keys, XCom, links,
assets and lineage.

* Errors: a permanent connector error (see :mod:`airflow_provider.retry`) becomes an
  ``AirflowFailException`` (no retry); the others are raised as they are, for Airflow's
  retries, and :class:`~airflow_provider.retry.ClarifaiRetryPolicy` (the default
  ``retry_policy``) stretches the delay to the server's ``Retry-After``.
* Run keys: ids of what an operator creates derive from ``dag_id / task_id / run_id /
  map_index`` (:func:`run_key`), never from the operator instance:
  a retry of the same task instance finds its earlier work, a new run creates anew.
* XCom: small JSON only (counts, ids, URIs); plans go under their own key.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider.assets import dataset_uri
from airflow_provider.hooks.clarifai import ClarifaiHook
from airflow_provider.links.clarifai import ClarifaiLinksMixin
from airflow_provider.retry import ClarifaiRetryPolicy, is_permanent

if TYPE_CHECKING:
    from airflow.sdk import Context

    from connector.client import ClarifaiClient
    from connector.operations.base import ProgressEvent


@contextlib.contextmanager
def clarifai_errors(what: str) -> Iterator[None]:
    """Raise permanent connector errors as ``AirflowFailException`` (``what`` failed: ...),
    keeping the original as the cause; let every other error through unchanged."""
    try:
        yield
    except Exception as exc:
        if is_permanent(exc):
            raise AirflowFailException(f"{what} failed, and a retry cannot fix it: {exc}") from exc
        raise


def run_key(context: Context) -> str:
    """``dag_id/task_id/run_id/map_index`` of the running task instance: the same for
    every try of it, different for each run and each mapped instance."""
    ti = context["ti"]
    return f"{ti.dag_id}/{ti.task_id}/{ti.run_id}/{getattr(ti, 'map_index', -1)}"


class ClarifaiBaseOperator(ClarifaiLinksMixin, BaseOperator):
    """Base of the Clarifai operators.

    :param clarifai_conn_id: the Clarifai connection (default ``clarifai_default``).
    :param user_id: the user owning the app, instead of the connection's.
    :param app_id: the app to work on, instead of the connection's.
    """

    template_fields: Sequence[str] = ("clarifai_conn_id", "user_id", "app_id")

    def __init__(
        self,
        *,
        clarifai_conn_id: str = ClarifaiHook.default_conn_name,
        user_id: str | None = None,
        app_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("retry_policy", ClarifaiRetryPolicy())
        super().__init__(**kwargs)
        self.clarifai_conn_id = clarifai_conn_id
        self.user_id = user_id
        self.app_id = app_id

    # -- hook and client --------------------------------------------------------------
    @property
    def hook(self) -> ClarifaiHook:
        """A hook for this operator's connection, user and app (built on each access;
        it reads the connection only when a client is asked for)."""
        return ClarifaiHook(self.clarifai_conn_id, user_id=self.user_id, app_id=self.app_id)

    @contextlib.contextmanager
    def client(self, hook: ClarifaiHook | None = None) -> Iterator[ClarifaiClient]:
        """A synchronous client for the duration of the block; errors mapped as in
        :func:`clarifai_errors`."""
        hook = hook or self.hook
        with clarifai_errors(f"{type(self).__name__} {self.task_id!r}"), hook.get_client() as client:
            self._portal = hook.portal_url
            yield client

    def progress(self, event: ProgressEvent) -> None:
        """Log an operation's progress events in the task log."""
        total = f"/{event.total}" if event.total is not None else ""
        self.log.info("%s %s: %s%s %s", event.operation, event.stage, event.done, total, event.message)

    # -- links and assets -------------------------------------------------------------
    @property
    def portal(self) -> str:
        return getattr(self, "_portal", None) or "https://clarifai.com"

    def emit_datasets(
        self,
        context: Context,
        user_id: str,
        app_id: str,
        dataset_ids: Iterable[str],
        extra: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Record an asset event for each dataset written, on the matching ``clarifai://``
        Asset outlets and on every AssetAlias outlet. Returns the URIs."""
        from airflow.sdk import Asset, AssetAlias

        uris = [dataset_uri(user_id, app_id, d) for d in dataset_ids]
        events = context.get("outlet_events")
        if events is None:
            return uris
        for outlet in self.outlets or ():
            if isinstance(outlet, AssetAlias):
                for uri in uris:
                    events[outlet].add(Asset(uri), extra=dict(extra or {}))
            elif isinstance(outlet, Asset) and outlet.uri in uris:
                events[outlet].extra.update(dict(extra or {}))
        return uris


def default_dataset_outlets(
    task_id: str, user_id: str | None, app_id: str | None, dataset_ids: Sequence[str] | None
) -> list[Any]:
    """Outlets for an operator that writes datasets: their Assets when user, app and
    dataset ids are plain values known when the DAG is parsed; otherwise one AssetAlias
    (``clarifai/<task_id>``) that the task fills with the datasets it wrote."""
    from airflow.sdk import Asset, AssetAlias

    values = [user_id, app_id, *(dataset_ids or [])]
    if dataset_ids and all(isinstance(v, str) and "{{" not in v for v in values):
        try:
            return [Asset(dataset_uri(user_id, app_id, d)) for d in dataset_ids]  # type: ignore[arg-type]
        except ValueError:
            pass
    return [AssetAlias(f"clarifai/{task_id}")]


def as_timedelta(value: Any, what: str) -> timedelta | None:
    """A duration from a timedelta, a number of seconds, or text like ``90s``, ``30m``,
    ``12h``, ``30d``, ``2w`` (templated arguments arrive as text). None stays None."""
    from connector.errors import ValidationError

    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValidationError(f"{what} must be a duration, got {value!r}")
    if isinstance(value, (int, float)):
        return timedelta(seconds=float(value))
    text = str(value).strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    try:
        if text and text[-1] in units:
            return timedelta(seconds=float(text[:-1]) * units[text[-1]])
        return timedelta(seconds=float(text))
    except ValueError:
        raise ValidationError(
            f"bad duration for {what}: {value!r}; use seconds or a number and a unit s/m/h/d/w, e.g. 30d"
        ) from None


def is_object_storage(path: Any) -> bool:
    """Whether ``path`` is an ``ObjectStoragePath`` or an object-store URI (``s3://...``;
    ``file://`` and plain paths are local)."""
    from airflow.sdk import ObjectStoragePath

    if isinstance(path, ObjectStoragePath):
        return True
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    return "://" in text and not text.startswith("file://")


def as_list(value: Any) -> list[str] | None:
    """A list of ids from a list, one id, or comma-separated text (templated arguments)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def as_mapping(value: Any, what: str) -> dict[str, Any]:
    """A dict from a dict or its JSON text (a plan pulled from XCom through a template)."""
    import json

    from connector.errors import ValidationError

    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    raise ValidationError(
        f"{what} must be a dict or its JSON text (pull it with .output['plan'] or a native template), "
        f"got {type(value).__name__}"
    )
