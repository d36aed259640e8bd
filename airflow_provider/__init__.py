"""Airflow provider for Clarifai: connection type ``clarifai``, hook, operators, sensors,
deferrable triggers, extra links, ``clarifai://`` assets and OpenLineage facets.

It wraps ``connector`` (the client, the operations, the inventories) and adds only Airflow
concerns. Airflow finds it through the ``apache_airflow_provider`` entry point
(:func:`airflow_provider.get_provider_info.get_provider_info`). Importing this package
imports nothing from Airflow; the names below load on first use. See docs/airflow.md.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ClarifaiHook": "airflow_provider.hooks.clarifai",
    "ClarifaiPruneDatasetVersionsOperator": "airflow_provider.operators.datasets",
    "ClarifaiSplitDatasetOperator": "airflow_provider.operators.datasets",
    "ClarifaiCreateDatasetVersionOperator": "airflow_provider.operators.datasets",
    "ClarifaiCreateTaskOperator": "airflow_provider.operators.tasks",
    "ClarifaiUpdateTaskOperator": "airflow_provider.operators.tasks",
    "ClarifaiMarkTaskDoneOperator": "airflow_provider.operators.tasks",
    "ClarifaiDeleteTasksOperator": "airflow_provider.operators.tasks",
    "ClarifaiCleanupTasksOperator": "airflow_provider.operators.tasks",
    "ClarifaiExportInventoryOperator": "airflow_provider.operators.inventory",
    "ClarifaiDatasetVersionSensor": "airflow_provider.sensors.clarifai",
    "ClarifaiTaskSensor": "airflow_provider.sensors.clarifai",
    "ClarifaiBulkOperationSensor": "airflow_provider.sensors.clarifai",
    "ClarifaiDatasetVersionTrigger": "airflow_provider.triggers.clarifai",
    "ClarifaiTaskTrigger": "airflow_provider.triggers.clarifai",
    "ClarifaiBulkOperationTrigger": "airflow_provider.triggers.clarifai",
    "ClarifaiRetryPolicy": "airflow_provider.retry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'airflow_provider' has no attribute {name!r}")
