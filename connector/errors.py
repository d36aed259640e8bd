"""Typed errors raised by the connector.

Every API error carries what a person needs to act: the status code and its name, the
API's description and details, the ``req_id`` to quote to support, the HTTP status, and
the method and path that failed. Headers (and so the PAT) are never stored on an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.status_codes import code_name

#: Codes that mean "the thing already exists".
ALREADY_EXISTS_CODES = frozenset({30100, 31100, 40010, 64101, 22100, 54100})
#: Codes that mean authentication or authorisation failed.
AUTH_CODES = frozenset({11000, 11001, 11002, 11007, 11008, 11009, 11200, 21201, 22103, 24156, 30103, 54103})
#: Codes that mean the API is rate limiting this account.
THROTTLE_CODES = frozenset({11005, 11003, 11004, 11006, 40030})
#: Codes that mean a transient server-side failure worth retrying.
TRANSIENT_CODES = frozenset({40030, 40031, 40032, 40035, 41000, 41003, 43040, 47201, 99009, 99001})


def is_not_found_code(code: int | None) -> bool:
    name = code_name(code)
    return name.endswith("_DOES_NOT_EXIST") or name in {"TASK_MISSING", "CONN_DOES_NOT_EXIST"}


def is_invalid_argument_code(code: int | None) -> bool:
    name = code_name(code)
    return name.endswith(("_INVALID_ARGUMENT", "_INVALID_REQUEST")) or name in {
        "CONN_BAD_REQUEST_FORMAT",
        "CONN_INVALID_REQUEST",
        "CONN_INVALID_RANGE",
        "CONN_METHOD_NOT_ALLOWED",
        "FAILURE",
    }


def is_transient_code(code: int | None) -> bool:
    if code is None:
        return False
    return (
        code in TRANSIENT_CODES
        or 98000 <= code < 99000
        or (code_name(code).startswith("RPC_") and code not in {40033, 40036})
    )


class ConnectorError(Exception):
    """Base of every error this package raises."""


class ConfigurationError(ConnectorError, ValueError):
    """The connector was configured wrongly (missing PAT, bad URL, bad option)."""


class ValidationError(ConnectorError, ValueError):
    """An argument to an operation is invalid; nothing was written."""


class MissingObjectError(ValidationError):
    """An object the arguments name (a dataset, a version...) does not exist; found while
    validating, so nothing was written. The CLI exits with its not-found code."""


@dataclass(frozen=True)
class ItemStatus:
    """The status of one item of a batch answered with MIXED_STATUS (or a batch failure)."""

    index: int
    id: str | None
    code: int | None
    description: str = ""
    details: str = ""

    @property
    def code_name(self) -> str:
        return code_name(self.code)


class ClarifaiError(ConnectorError):
    """An API call failed.

    Attributes: ``code`` and ``code_name`` (Clarifai status), ``description``,
    ``details``, ``req_id``, ``http_status``, ``method`` and ``path`` of the call,
    ``items`` (per-item statuses when the API returned them). Never headers.
    """

    hint: str = ""
    #: Seconds the server asked to wait (``Retry-After``), when it said so.
    retry_after: float | None = None
    #: True when the request may have reached the server (a read timeout, a reset after
    #: sending, a 5xx): a write that is not safe to repeat then has an unknown outcome.
    ambiguous: bool = False
    #: How many attempts were made before this error was raised.
    attempts: int = 1

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        description: str = "",
        details: str = "",
        req_id: str | None = None,
        http_status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        rpc: str | None = None,
        items: list[ItemStatus] | None = None,
        response: dict[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.description = description or ""
        self.details = details or ""
        self.req_id = req_id
        self.http_status = http_status
        self.method = method
        self.path = path
        self.rpc = rpc
        self.items = list(items or [])
        self.response = response
        self._message = message
        super().__init__(self._render())

    @property
    def code_name(self) -> str:
        return code_name(self.code) if self.code is not None else "NO_STATUS"

    def _render(self) -> str:
        what = f"{self.rpc or 'request'}"
        where = f" ({self.method} {self.path})" if self.method and self.path else ""
        head = self._message or f"{what}{where} failed"
        parts = [head]
        if self.code is not None:
            parts.append(f"status {self.code_name} ({self.code})")
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.description:
            parts.append(self.description)
        if self.details:
            parts.append(f"details: {self.details}")
        if self.items:
            shown = ", ".join(f"{it.id or '#' + str(it.index)}: {it.code_name}" for it in self.items[:5])
            more = f" (+{len(self.items) - 5} more)" if len(self.items) > 5 else ""
            parts.append(f"failed items: {shown}{more}")
        if self.req_id:
            parts.append(f"req_id={self.req_id}")
        if self.attempts > 1:
            parts.append(f"gave up after {self.attempts} attempts")
        if self.hint:
            parts.append(self.hint)
        return "; ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, code_name={self.code_name!r}, "
            f"http_status={self.http_status!r}, method={self.method!r}, path={self.path!r}, "
            f"req_id={self.req_id!r})"
        )

    def __reduce__(self) -> Any:
        # Picklable (Airflow/Dagster ship errors across processes) without the response body.
        return (
            _rebuild_error,
            (
                type(self),
                self._message,
                {
                    "code": self.code,
                    "description": self.description,
                    "details": self.details,
                    "req_id": self.req_id,
                    "http_status": self.http_status,
                    "method": self.method,
                    "path": self.path,
                    "rpc": self.rpc,
                    "items": self.items,
                },
            ),
        )

    def note_attempts(self, attempts: int) -> None:
        """Record how many attempts were made (shown in the message)."""
        self.attempts = attempts
        self.args = (self._render(),)


def _rebuild_error(cls: type[ClarifaiError], message: str | None, kwargs: dict[str, Any]) -> ClarifaiError:
    return cls(message, **kwargs)


class AuthenticationError(ClarifaiError):
    """The PAT is missing, wrong, or lacks the scope for this app or call. Not retried."""

    hint = "check the PAT (CLARIFAI_PAT) and that it has access to this user/app"


class NotFoundError(ClarifaiError):
    """The object (or the app/user in the path) does not exist. Not retried."""

    hint = "check the id, and that user_id and app_id name the app that holds it"


class AlreadyExistsError(ClarifaiError):
    """An object with this id already exists."""

    hint = "an object with this id exists: read it back and use it, or choose another id"


class InvalidArgumentError(ClarifaiError):
    """The API rejected the request as invalid. Not retried."""

    hint = "the API refused the request as sent (see details); fix the arguments, retrying will not help"


class ThrottledError(ClarifaiError):
    """The API rate limited the account (HTTP 429 / CONN_THROTTLED) and retries ran out."""

    hint = "lower the client rate_limit or page_concurrency, or retry later"


class TransientServerError(ClarifaiError):
    """A server-side failure that may pass (5xx, RPC_*, INTERNAL_*, a non-JSON body),
    raised when retries ran out."""

    hint = "the API had a transient failure; retry later"


class ConnectionFailedError(TransientServerError):
    """The connection failed (refused, reset, timed out) and retries ran out."""

    hint = "check the network and that base_url (CLARIFAI_API_BASE) points at the API, then retry"


class OutcomeUnknownError(ClarifaiError):
    """A write that is not safe to repeat failed ambiguously: it may or may not have been
    applied. Read back before writing again (the operations do so themselves)."""

    hint = "the write may have been applied; read the object back before retrying"


class PartialFailureError(ClarifaiError):
    """A batch call answered MIXED_STATUS: some items failed, listed in ``items``;
    ``response`` holds the whole body, with the items that succeeded."""

    hint = "the other items were applied; fix or resend only the failed items (error.items)"


class OperationError(ConnectorError):
    """An operation (prune, split, task lifecycle, wait) could not complete."""


class GuardError(OperationError):
    """A destructive plan exceeded its guard (count or share); pass ``force`` to apply it."""


class ConflictError(OperationError):
    """An object with the deterministic id an operation wants already exists and differs
    from what the operation would create; nothing was overwritten. Choose another
    name/run key, or delete the existing object first."""


class WaitTimeoutError(OperationError):
    """A wait reached its deadline before the object reached a terminal state."""


class WaitFailedError(OperationError):
    """A wait ended on a terminal error status (FAILURE, CANCELLED, ...)."""


class VerificationError(OperationError):
    """Reading back after apply found a state different from the plan (e.g. leakage)."""
