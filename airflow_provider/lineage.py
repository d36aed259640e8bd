"""OpenLineage facets of the Clarifai operators (the ``openlineage`` extra).

The OpenLineage provider calls ``get_openlineage_facets_on_complete`` on an operator when
its task finishes; the operators build their answer here, importing the provider only
then, so the operators work without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def operator_lineage(
    user_id: str,
    app_id: str,
    *,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] = (),
    extra_outputs: Sequence[Any] = (),
) -> Any:
    """``OperatorLineage`` with the named Clarifai datasets of one app as inputs and
    outputs (plus any other OpenLineage datasets in ``extra_outputs``)."""
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_provider.assets import openlineage_dataset

    return OperatorLineage(
        inputs=[openlineage_dataset(user_id, app_id, d) for d in inputs],
        outputs=[*(openlineage_dataset(user_id, app_id, d) for d in outputs), *extra_outputs],
    )


def file_dataset(uri: str) -> Any:
    """The OpenLineage dataset of an exported file (local path or object-store URI)."""
    from urllib.parse import urlsplit

    from airflow.providers.common.compat.openlineage.facet import Dataset

    parts = urlsplit(uri)
    if parts.scheme and parts.scheme != "file":
        return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path.lstrip("/"))
    return Dataset(namespace="file", name=parts.path if parts.scheme else uri)
