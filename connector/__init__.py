"""clarifai-connector: run Clarifai from your orchestrator.

The core has no Airflow or Dagster import, and pandas is imported only when a
DataFrame is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.config import ClarifaiConfig, RetryPolicy, Secret, Timeouts
from connector.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ClarifaiError,
    ConfigurationError,
    ConnectorError,
    InvalidArgumentError,
    MissingObjectError,
    NotFoundError,
    OutcomeUnknownError,
    PartialFailureError,
    ThrottledError,
    TransientServerError,
    ValidationError,
)

if TYPE_CHECKING:  # pragma: no cover
    from connector.aio import AsyncClarifaiClient
    from connector.client import ClarifaiClient

__version__ = "0.1.0"

__all__ = [
    "AlreadyExistsError",
    "AsyncClarifaiClient",
    "AuthenticationError",
    "ClarifaiClient",
    "ClarifaiConfig",
    "ClarifaiError",
    "ConfigurationError",
    "ConnectorError",
    "InvalidArgumentError",
    "MissingObjectError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PartialFailureError",
    "RetryPolicy",
    "Secret",
    "ThrottledError",
    "Timeouts",
    "TransientServerError",
    "ValidationError",
]


def __getattr__(name: str) -> Any:
    # Lazy so that `import connector` stays cheap (no httpx until a client is built).
    if name == "ClarifaiClient":
        from connector.client import ClarifaiClient

        return ClarifaiClient
    if name == "AsyncClarifaiClient":
        from connector.aio import AsyncClarifaiClient

        return AsyncClarifaiClient
    raise AttributeError(f"module 'connector' has no attribute {name!r}")
