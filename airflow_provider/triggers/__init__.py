"""The Clarifai triggers (run on the triggerer)."""

from __future__ import annotations

from airflow_provider.triggers.clarifai import (
    ClarifaiBulkOperationTrigger,
    ClarifaiDatasetVersionTrigger,
    ClarifaiTaskTrigger,
    ClarifaiWaitTrigger,
    raise_for_event,
)

__all__ = [
    "ClarifaiBulkOperationTrigger",
    "ClarifaiDatasetVersionTrigger",
    "ClarifaiTaskTrigger",
    "ClarifaiWaitTrigger",
    "raise_for_event",
]
