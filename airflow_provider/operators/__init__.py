"""The Clarifai operators (datasets, labeling tasks, inventories, the app report).

Importing this module is cheap: connector clients, operations and pandas load only when a
task runs (see benchmarks/airflow_import.py).
"""

from __future__ import annotations

from airflow_provider.operators.base import ClarifaiBaseOperator
from airflow_provider.operators.datasets import (
    ClarifaiCreateDatasetVersionOperator,
    ClarifaiPruneDatasetVersionsOperator,
    ClarifaiSplitDatasetOperator,
    prune_plan_markdown,
)
from airflow_provider.operators.inventory import ClarifaiExportInventoryOperator
from airflow_provider.operators.report import ClarifaiReportOperator
from airflow_provider.operators.tasks import (
    ClarifaiCleanupTasksOperator,
    ClarifaiCreateTaskOperator,
    ClarifaiDeleteTasksOperator,
    ClarifaiMarkTaskDoneOperator,
    ClarifaiUpdateTaskOperator,
)

__all__ = [
    "ClarifaiBaseOperator",
    "ClarifaiCleanupTasksOperator",
    "ClarifaiCreateDatasetVersionOperator",
    "ClarifaiCreateTaskOperator",
    "ClarifaiDeleteTasksOperator",
    "ClarifaiExportInventoryOperator",
    "ClarifaiMarkTaskDoneOperator",
    "ClarifaiPruneDatasetVersionsOperator",
    "ClarifaiReportOperator",
    "ClarifaiSplitDatasetOperator",
    "ClarifaiUpdateTaskOperator",
    "prune_plan_markdown",
]
