"""Typed errors raised by the connector.

Every API error carries what a person needs to act: the status code and its name, the
API's description and details, the ``req_id`` to quote to support, the HTTP status, and
the method and path that failed. Headers (and so the PAT) are never stored on an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self

from connector.status_codes import code_name


class ConnectorError(Exception):
    """Base of every error this package raises."""


class _Shown:
    """A fact of a message kept as the text it shows (so an error pickles whatever the
    value was): ``repr``, ``str`` and any format of it give that text."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return self.text

    def __reduce__(self) -> Any:
        return (_Shown, (self.text,))


_PLAIN = (str, int, float, bool, type(None))


def _plain(value: object) -> object:
    """``value`` itself when it is plain data (strings, numbers, lists and dicts of
    them), else its ``repr`` kept as text."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, _PLAIN) for v in value):
        return value
    if isinstance(value, dict) and all(isinstance(v, _PLAIN) for v in (*value, *value.values())):
        return value
    return _Shown(repr(value))


class _Placeholders(dict[str, object]):
    """What a message template's ``{fields}`` stand for: a fact given with the error, or
    else the name of an argument, spelled for the entry point that shows the error."""

    def __init__(self, facts: Mapping[str, object], names: Mapping[str, str], argument: str) -> None:
        super().__init__(facts)
        self._names = names
        self._argument = argument

    def __missing__(self, key: str) -> str:
        if key == "argument":  # the error's own argument, whatever its name
            key = self._argument
        return self._names.get(key, key)


class ArgumentError(ConnectorError):
    """An error that names the argument (or setting) at fault, so each entry point can
    show it in its own words: Python code reads ``keep_ids``, the command line reads
    ``--keep-id``, a variable read by :meth:`ClarifaiConfig.from_env` reads its name
    (``CLARIFAI_API_BASE``).

    Fields: ``argument`` (the Python name of the argument at fault, or None when the
    error names none), ``message`` (the template), ``facts`` (the values the message
    shows). When ``argument`` is given, ``message`` is a :meth:`str.format` template
    whose ``{fields}`` are either facts (``value=...``) or argument names: ``{keep_ids}``
    shows as ``keep_ids`` in ``str(error)`` (or as ``spell["keep_ids"]``, e.g.
    ``"force=True"``) and as whatever :meth:`render` is given for it; ``{argument}``
    stands for the error's own argument. Without ``argument`` the message is plain
    text. Facts never include a secret.
    """

    def __init__(
        self,
        message: str = "",
        *,
        argument: str | None = None,
        spell: Mapping[str, str] | None = None,
        **facts: object,
    ) -> None:
        self.message = message
        self.argument = argument
        self.spell: dict[str, str] = dict(spell or {})
        self.facts: dict[str, object] = {k: _plain(v) for k, v in facts.items()}
        #: Names fixed by where a value came from (``CLARIFAI_API_BASE`` for a base URL
        #: read from the environment); they win over any entry point's names.
        self.bound: dict[str, str] = {}
        super().__init__(self.render())

    def render(self, names: Mapping[str, str] | None = None) -> str:
        """The message with each argument spelled as ``names`` says (else as in Python)."""
        if self.argument is None:
            return self.message
        spelled = {**self.spell, **(names or {}), **self.bound}
        return self.message.format_map(_Placeholders(self.facts, spelled, self.argument))

    def bind(self, names: Mapping[str, str]) -> None:
        """Fix how arguments are named whatever the entry point (used by ``from_env``:
        a value read from a variable is named by the variable)."""
        self.bound.update(names)
        self.args = (self.render(),)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields: error class, argument, message (as ``str(error)``)."""
        return {"error": type(self).__name__, "argument": self.argument, "message": str(self)}

    def __reduce__(self) -> Any:
        return (
            _rebuild_argument_error,
            (type(self), self.message, self.argument, self.spell, self.facts, self.bound),
        )


def _rebuild_argument_error(
    cls: type[ArgumentError],
    message: str,
    argument: str | None,
    spell: dict[str, str],
    facts: dict[str, object],
    bound: dict[str, str],
) -> ArgumentError:
    error = cls(message, argument=argument, spell=spell, **facts)
    if bound:
        error.bind(bound)
    return error


class ConfigurationError(ArgumentError, ValueError):
    """The connector was configured wrongly (missing PAT, bad URL, bad option);
    ``argument`` names the setting (``base_url``, ``user_id``...)."""


class ValidationError(ArgumentError, ValueError):
    """An argument to an operation is invalid; nothing was written. ``argument`` names
    it (the Python name; the command line shows the flag)."""


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


class GuardError(OperationError, ArgumentError):
    """A destructive plan exceeded its guard (count or share, or a split target holding
    inputs from elsewhere); pass ``force`` to apply it. ``argument`` is ``"force"``."""


class ConflictError(OperationError):
    """An object with the deterministic id an operation wants already exists and differs
    from what the operation would create; nothing was overwritten. Choose another
    name/run key, or delete the existing object first."""


#: What a wait waited for.
WaitKind = Literal["dataset_version", "bulk_operation", "inputs_add_job", "task", "object"]


class WaitError(OperationError):
    """A wait ended without the object being done. Carries the facts as fields, so callers
    (an Airflow trigger event, Dagster metadata, a retry decision) never parse the message:

    ``kind`` (what was waited for), ``object_id`` (``"<dataset_id>/<version_id>"`` for a
    version), ``status_code`` / ``status_name`` and ``description`` of the last read,
    ``elapsed`` seconds, and ``hint`` (what to do, the message's last part).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: WaitKind = "object",
        object_id: str = "",
        status_code: int | None = None,
        description: str = "",
        elapsed: float = 0.0,
        hint: str = "",
    ) -> None:
        self.head = message
        self.kind: WaitKind = kind
        self.object_id = object_id
        self.status_code = status_code
        self.description = description or ""
        self.elapsed = float(elapsed)
        self.hint = hint
        super().__init__(f"{message}; {hint}" if hint else message)

    @property
    def status_name(self) -> str:
        return code_name(self.status_code) if self.status_code is not None else "UNKNOWN"

    def with_hint(self, hint: str) -> Self:
        """The same error with another ``hint`` (what to do) in its message."""
        return type(self)(self.head, hint=hint, **self._fields())

    def _fields(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "object_id": self.object_id,
            "status_code": self.status_code,
            "description": self.description,
            "elapsed": self.elapsed,
        }

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain JSON values (no secrets: ids, codes and texts of the API)."""
        out = {
            "error": type(self).__name__,
            **self._fields(),
            "status_code": None if self.status_code is None else int(self.status_code),
            "status_name": self.status_name,
            "message": str(self),
        }
        return out

    def __reduce__(self) -> Any:
        return (_rebuild_wait_error, (type(self), self.head, {"hint": self.hint, **self._fields()}))


def _rebuild_wait_error(cls: type[WaitError], message: str, kwargs: dict[str, Any]) -> WaitError:
    return cls(message, **kwargs)


class WaitTimeoutError(WaitError):
    """A wait reached its deadline before the object reached a terminal state; ``timeout``
    is the deadline in seconds."""

    def __init__(self, message: str, *, timeout: float = 0.0, **fields: Any) -> None:
        self.timeout = float(timeout)
        super().__init__(message, **fields)

    def _fields(self) -> dict[str, Any]:
        return {**super()._fields(), "timeout": self.timeout}


class WaitFailedError(WaitError):
    """A wait ended on a terminal error status (FAILURE, CANCELLED, WONT_DO...)."""


class VerificationError(OperationError):
    """Reading back after apply found a state different from the plan (e.g. leakage)."""
