"""The names the command line offers before it imports pyarrow: the inventories and the
export formats. :mod:`connector.inventory` defines what each one is (its schema, its
file suffixes); a test keeps the two in step."""

from __future__ import annotations

__all__ = ["FORMAT_NAMES", "INVENTORY_NAMES"]

#: Every inventory, by name (``connector.inventory.INVENTORIES`` holds their schemas).
INVENTORY_NAMES = (
    "annotations",
    "apps",
    "bulk_operations",
    "collaborators",
    "concepts",
    "dataset_inputs",
    "dataset_versions",
    "datasets",
    "inputs",
    "inputs_add_jobs",
    "model_versions",
    "models",
    "tasks",
    "workflows",
)

#: The export formats (``connector.inventory.FORMATS`` maps each to its file suffixes).
FORMAT_NAMES = ("csv", "jsonl", "parquet")
