"""Airflow Assets for Clarifai datasets: ``clarifai://<user_id>/<app_id>/datasets/<dataset_id>``.

Registered for the ``clarifai`` scheme in ``get_provider_info()`` (``asset-uris``):
:func:`sanitize_uri` checks and normalizes a URI when an Asset is made, :func:`create_asset`
builds one from ids, and :func:`convert_asset_to_openlineage` names the dataset for
OpenLineage (namespace ``clarifai://<user_id>``, name ``<app_id>/datasets/<dataset_id>``).

A dataset version is an event on its dataset's Asset (its id is in the event's ``extra``),
so a DAG scheduled on a dataset runs after each new snapshot or split of it.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from urllib.parse import SplitResult

    from airflow.sdk import Asset

SCHEME = "clarifai"

#: A Clarifai id: letters, digits, ``_`` and ``-`` (as the API accepts them).
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def dataset_uri(user_id: str, app_id: str, dataset_id: str) -> str:
    """``clarifai://<user_id>/<app_id>/datasets/<dataset_id>`` (ids checked)."""
    for what, value in (("user_id", user_id), ("app_id", app_id), ("dataset_id", dataset_id)):
        if not isinstance(value, str) or not _ID.match(value):
            raise ValueError(f"a Clarifai asset needs a valid {what}, got {value!r}")
    return f"{SCHEME}://{user_id}/{app_id}/datasets/{dataset_id}"


def parse_uri(uri: str) -> tuple[str, str, str]:
    """``(user_id, app_id, dataset_id)`` of a Clarifai dataset URI; ValueError otherwise."""
    parts = urllib.parse.urlsplit(uri)
    segments = parts.path.strip("/").split("/")
    if parts.scheme != SCHEME or len(segments) != 3 or segments[1] != "datasets":
        raise ValueError(
            f"not a Clarifai dataset URI: {uri!r}; expected clarifai://<user_id>/<app_id>/datasets/<dataset_id>"
        )
    user_id, app_id, dataset_id = parts.netloc, segments[0], segments[2]
    dataset_uri(user_id, app_id, dataset_id)  # validates the ids
    return user_id, app_id, dataset_id


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Airflow's URI handler for the ``clarifai`` scheme: the URI must name one dataset of
    one app; ids keep their case (Clarifai ids are case-sensitive); no query or port."""
    if uri.query or uri.port is not None or "@" in uri.netloc:
        raise ValueError("a Clarifai asset URI has no user info, port or query")
    parse_uri(urllib.parse.urlunsplit(uri))
    return uri


def create_asset(*, user_id: str, app_id: str, dataset_id: str, extra: dict[str, Any] | None = None) -> Asset:
    """The Asset of one Clarifai dataset (Airflow's asset factory for the scheme)."""
    from airflow.sdk import Asset

    return Asset(uri=dataset_uri(user_id, app_id, dataset_id), extra=extra or {})


def openlineage_dataset(user_id: str, app_id: str, dataset_id: str) -> Any:
    """The OpenLineage dataset of one Clarifai dataset (needs the openlineage extra)."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    dataset_uri(user_id, app_id, dataset_id)
    return Dataset(namespace=f"{SCHEME}://{user_id}", name=f"{app_id}/datasets/{dataset_id}")


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any) -> Any:
    """Airflow's Asset-to-OpenLineage converter for the scheme."""
    return openlineage_dataset(*parse_uri(asset.uri))
