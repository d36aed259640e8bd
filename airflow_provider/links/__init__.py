"""Extra links to the Clarifai portal."""

from __future__ import annotations

from airflow_provider.links.clarifai import (
    ClarifaiDatasetLink,
    ClarifaiDatasetVersionLink,
    ClarifaiLinksMixin,
    ClarifaiTaskLink,
)

__all__ = ["ClarifaiDatasetLink", "ClarifaiDatasetVersionLink", "ClarifaiLinksMixin", "ClarifaiTaskLink"]
