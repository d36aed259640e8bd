"""The Clarifai sensors (deferrable)."""

from __future__ import annotations

from airflow_provider.sensors.clarifai import (
    ClarifaiBaseSensor,
    ClarifaiBulkOperationSensor,
    ClarifaiDatasetVersionSensor,
    ClarifaiTaskSensor,
)

__all__ = ["ClarifaiBaseSensor", "ClarifaiBulkOperationSensor", "ClarifaiDatasetVersionSensor", "ClarifaiTaskSensor"]
