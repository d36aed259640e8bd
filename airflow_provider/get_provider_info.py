"""What Airflow reads to register this provider (entry point ``apache_airflow_provider``).

Every Airflow process (scheduler, api-server, workers, triggerer, the CLI) calls
:func:`get_provider_info` while it discovers providers, so this module imports nothing:
a slow or failing import here would slow down or break discovery for every provider.
The connection form is declared here (``conn-fields`` / ``ui-field-behaviour``), not in
hook methods, so the UI shows it without importing the hook.
"""

from __future__ import annotations

from typing import Any

INTEGRATION = "Clarifai"


def get_provider_info() -> dict[str, Any]:
    """The provider description Airflow validates against ``provider_info.schema.json``."""
    return {
        "package-name": "clarifai-connector",
        "name": "Clarifai",
        "description": (
            "Clarifai (https://www.clarifai.com/): dataset version pruning, train/test splits, "
            "labeling-task lifecycle and resource inventories, with deferrable waits."
        ),
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://docs.clarifai.com/",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": INTEGRATION, "python-modules": ["airflow_provider.hooks.clarifai"]}],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": [
                    "airflow_provider.operators.datasets",
                    "airflow_provider.operators.tasks",
                    "airflow_provider.operators.inventory",
                    "airflow_provider.operators.report",
                ],
            }
        ],
        "sensors": [{"integration-name": INTEGRATION, "python-modules": ["airflow_provider.sensors.clarifai"]}],
        "triggers": [{"integration-name": INTEGRATION, "python-modules": ["airflow_provider.triggers.clarifai"]}],
        "connection-types": [
            {
                "connection-type": "clarifai",
                "hook-class-name": "airflow_provider.hooks.clarifai.ClarifaiHook",
                "hook-name": "Clarifai",
                "conn-fields": {
                    "user_id": {
                        "label": "User ID",
                        "schema": {"type": ["string", "null"]},
                        "description": "The Clarifai user that owns the app.",
                    },
                    "app_id": {
                        "label": "App ID",
                        "schema": {"type": ["string", "null"]},
                        "description": "The app the operators work on (an operator's app_id overrides it).",
                    },
                    "rate_limit": {
                        "label": "Rate limit (requests/s)",
                        "schema": {"type": ["number", "null"], "default": 15},
                        "description": (
                            "Ceiling of each task's client; it lowers itself when the API answers 429. "
                            "0 turns the client-side limiter off."
                        ),
                    },
                    "portal_url": {
                        "label": "Portal base URL",
                        "schema": {"type": ["string", "null"], "default": "https://clarifai.com"},
                        "description": "Where the task's extra links point to.",
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["login", "schema", "port"],
                    "relabeling": {"host": "API base URL", "password": "Personal access token (PAT)"},
                    "placeholders": {"host": "https://api.clarifai.com"},
                },
            }
        ],
        "extra-links": [
            "airflow_provider.links.clarifai.ClarifaiDatasetLink",
            "airflow_provider.links.clarifai.ClarifaiDatasetVersionLink",
            "airflow_provider.links.clarifai.ClarifaiTaskLink",
        ],
        "asset-uris": [
            {
                "schemes": ["clarifai"],
                "handler": "airflow_provider.assets.sanitize_uri",
                "factory": "airflow_provider.assets.create_asset",
                "to_openlineage_converter": "airflow_provider.assets.convert_asset_to_openlineage",
            }
        ],
    }
