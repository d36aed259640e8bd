"""Extra links from a task to the Clarifai portal pages of what it touched.

An operator records the URLs while it runs (:meth:`ClarifaiLinksMixin.set_link`); Airflow
computes each link on the worker when the task finishes and keeps it in XCom, so the UI
never calls the API. The portal base comes from the connection (extra ``portal_url``,
default ``https://clarifai.com``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey


def portal_url(base: str, user_id: str, app_id: str, *parts: str) -> str:
    """``<base>/<user_id>/<app_id>/<parts...>`` with every segment quoted."""
    path = "/".join(quote(str(p), safe="") for p in (user_id, app_id, *parts))
    return f"{base.rstrip('/')}/{path}"


def dataset_page(base: str, user_id: str, app_id: str, dataset_id: str) -> str:
    return portal_url(base, user_id, app_id, "datasets", dataset_id)


def dataset_version_page(base: str, user_id: str, app_id: str, dataset_id: str, version_id: str) -> str:
    return portal_url(base, user_id, app_id, "datasets", dataset_id, "versions", version_id)


def task_page(base: str, user_id: str, app_id: str, task_id: str) -> str:
    return portal_url(base, user_id, app_id, "tasks", task_id)


class _ClarifaiLink(BaseOperatorLink):
    """A link whose URL the operator recorded under :attr:`kind` while it ran."""

    kind: ClassVar[str] = ""

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        links: dict[str, str] = getattr(operator, "clarifai_links", None) or {}
        return links.get(self.kind, "")


class ClarifaiDatasetLink(_ClarifaiLink):
    """The dataset a task read or wrote (a split's source, a version's dataset...)."""

    name = "Clarifai dataset"
    kind = "dataset"


class ClarifaiDatasetVersionLink(_ClarifaiLink):
    """The dataset version a task created or waited for."""

    name = "Clarifai dataset version"
    kind = "dataset_version"


class ClarifaiTaskLink(_ClarifaiLink):
    """The labeling task a task created, changed or waited for."""

    name = "Clarifai labeling task"
    kind = "task"


class ClarifaiLinksMixin:
    """Where an operator records the portal URLs its extra links show."""

    clarifai_links: dict[str, str]

    def set_link(self, kind: str, url: str) -> None:
        links = getattr(self, "clarifai_links", None)
        if links is None:
            links = {}
            self.clarifai_links = links
        links[kind] = url


__all__ = [
    "ClarifaiDatasetLink",
    "ClarifaiDatasetVersionLink",
    "ClarifaiLinksMixin",
    "ClarifaiTaskLink",
    "dataset_page",
    "dataset_version_page",
    "portal_url",
    "task_page",
]
