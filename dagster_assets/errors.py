"""Connector errors as Dagster failures: retried only when a retry can help.

First-party integrations let every exception reach the step's ``RetryPolicy``, so a bad
argument or a revoked token is retried like a timeout. Here a failure a retry cannot fix
(bad argument, authentication, not found, a guard, a conflict, a terminal wait failure)
becomes ``dagster.Failure(allow_retries=False)``; a transient one (throttling or server
errors after the client's own retries, a wait past its deadline, an ambiguous write)
stays retryable by the step's policy. Either way the failure carries the API status,
``req_id`` and call as metadata, never a header or the PAT.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from dagster import Failure

from connector.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ClarifaiError,
    ConfigurationError,
    ConflictError,
    ConnectorError,
    GuardError,
    InvalidArgumentError,
    NotFoundError,
    PartialFailureError,
    ValidationError,
    WaitError,
    WaitFailedError,
)

__all__ = ["PERMANENT_ERRORS", "error_metadata", "is_permanent", "raise_as_failure"]

#: Failures that a retry of the same step cannot fix.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    ConfigurationError,
    ValidationError,
    AuthenticationError,
    NotFoundError,
    InvalidArgumentError,
    AlreadyExistsError,
    PartialFailureError,
    ConflictError,
    GuardError,
    WaitError,
    WaitFailedError,
)


def is_permanent(exc: BaseException) -> bool:
    """True when retrying the step cannot help (see the module docstring)."""
    return isinstance(exc, PERMANENT_ERRORS)


def error_metadata(exc: BaseException) -> dict[str, Any]:
    """JSON-safe facts about ``exc`` for Dagster metadata: its class, and for API errors
    the status name and code, HTTP status, call and ``req_id``; for structured wait
    errors their fields. Never headers or the request body."""
    meta: dict[str, Any] = {"error": type(exc).__name__}
    if isinstance(exc, ClarifaiError):
        meta.update(
            {
                "status": exc.code_name,
                "status_code": None if exc.code is None else int(exc.code),
                "http_status": exc.http_status,
                "rpc": exc.rpc,
                "req_id": exc.req_id,
                "attempts": exc.attempts,
            }
        )
    if isinstance(exc, WaitError):
        facts = exc.to_dict()
        facts.pop("message", None)  # the failure's description says it already
        meta.update({k: v for k, v in facts.items() if k not in meta})
    return {k: v for k, v in meta.items() if v is not None}


@contextlib.contextmanager
def raise_as_failure(what: str) -> Iterator[None]:
    """Turn a :class:`~connector.errors.ConnectorError` raised inside the block into a
    ``dagster.Failure`` whose description says what failed and what to do, with
    ``allow_retries=False`` for permanent errors. Other exceptions pass unchanged."""
    try:
        yield
    except Failure:
        raise
    except ConnectorError as exc:
        permanent = is_permanent(exc)
        raise Failure(
            description=f"{what} failed: {exc}",
            metadata=error_metadata(exc),
            allow_retries=False if permanent else None,
        ) from exc
