"""Which Clarifai failures an Airflow retry can fix, and how long the retry waits.

* **Permanent** (:func:`is_permanent`): bad arguments (``ValidationError``, missing objects,
  a bad connection), a refused guard, a conflicting object, authentication, not found, an
  invalid request, an ambiguous write (``OutcomeUnknownError``: read back before writing
  again), a partial batch failure, and a wait that ended on a terminal failure. Operators
  raise these as ``AirflowFailException``: the task fails at once, without retries.
* **Everything else** (throttling, transient server errors, lost connections, a wait past
  its deadline, a read-back that disagreed) is raised as is, and Airflow's retries apply.
  Every operator is idempotent, so a retry adopts what the failed try created.
* **Retry-After**: :class:`ClarifaiRetryPolicy` (the default ``retry_policy`` of every
  operator and sensor here) makes the next try wait at least what the server asked for
  (``Retry-After`` on the last answer) and never less than the task's own ``retry_delay``.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import RetryDecision, RetryPolicy

if TYPE_CHECKING:
    from airflow.sdk import Context


@functools.cache
def permanent_errors() -> tuple[type[BaseException], ...]:
    """The connector errors no retry can fix (imported on first use: DAG files that
    import the operators never load the connector)."""
    from connector.errors import (
        AlreadyExistsError,
        AuthenticationError,
        ConfigurationError,
        ConflictError,
        GuardError,
        InvalidArgumentError,
        NotFoundError,
        OutcomeUnknownError,
        PartialFailureError,
        ValidationError,
        WaitFailedError,
    )

    return (
        ValidationError,
        ConfigurationError,
        GuardError,
        ConflictError,
        AuthenticationError,
        NotFoundError,
        InvalidArgumentError,
        AlreadyExistsError,
        OutcomeUnknownError,
        PartialFailureError,
        WaitFailedError,
    )


def is_permanent(exc: BaseException) -> bool:
    """True when retrying the task cannot succeed (see the module docstring)."""
    return isinstance(exc, permanent_errors())


def retry_after_of(exc: BaseException | None) -> float | None:
    """The ``Retry-After`` (seconds) the server sent with the error, or with the error it
    was raised from; None when it sent none."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        value = getattr(exc, "retry_after", None)
        if isinstance(value, (int, float)) and value >= 0:
            return float(value)
        exc = exc.__cause__ or exc.__context__
    return None


class ClarifaiRetryPolicy(RetryPolicy):
    """Fail at once on a permanent Clarifai error; after a throttled or transient one
    whose answer carried ``Retry-After``, retry no sooner than the server asked (and no
    sooner than the task's ``retry_delay``); otherwise Airflow's usual retry rules.

    The number of retries is still the task's ``retries``: this policy only shortens a
    hopeless run and stretches the delay when the server asked for it."""

    def evaluate(
        self,
        exception: BaseException,
        try_number: int,
        max_tries: int,
        context: Context | None = None,
    ) -> RetryDecision:
        if is_permanent(exception):
            return RetryDecision.fail(reason=f"{type(exception).__name__}: a retry cannot fix this")
        wait = retry_after_of(exception)
        if wait is None:
            return RetryDecision.default()
        task = context.get("task") if context else None
        own = getattr(task, "retry_delay", None)
        own_seconds = own.total_seconds() if isinstance(own, timedelta) else float(own or 0)
        delay = max(wait, own_seconds)
        return RetryDecision.retry(
            delay=timedelta(seconds=delay),
            reason=f"the Clarifai API asked to wait {wait:g} s (Retry-After); next try in {delay:g} s",
        )

    def serialize(self) -> dict[str, Any]:
        return {"__type": "ClarifaiRetryPolicy"}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> ClarifaiRetryPolicy:
        return cls()
