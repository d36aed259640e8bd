"""Types shared by every operation: plans, results, progress events, deterministic ids.

An operation is split in three steps: ``plan`` reads and decides (a pure function of
what it read), ``apply`` writes, and a final read-back verifies. A plan is inspectable
as rows (``to_dataframe()``) and as JSON (``to_dict()``); a dry run is "plan, don't apply".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any, ClassVar, TypeVar

from connector.errors import (
    ConflictError,  # noqa: F401  (re-exported: its old home)
    ValidationError,
)
from connector.ids import id_problem, is_valid_id, kind_of, shown  # noqa: F401  (is_valid_id re-exported)
from connector.protocols import ClientProtocol

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

T = TypeVar("T")
P = TypeVar("P", bound="Plan")


@dataclasses.dataclass(frozen=True)
class ProgressEvent:
    """One progress report: ``stage`` of ``operation``, ``done`` out of ``total`` units
    (``total`` None when unknown), and a short human ``message``."""

    operation: str
    stage: str
    done: int = 0
    total: int | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


ProgressCallback = Callable[[ProgressEvent], None]


def report(
    progress: ProgressCallback | None,
    operation: str,
    stage: str,
    done: int = 0,
    total: int | None = None,
    message: str = "",
) -> None:
    """Send one event to ``progress`` if given. A failing callback never breaks an
    operation (its error is swallowed after logging)."""
    if progress is None:
        return
    try:
        progress(ProgressEvent(operation, stage, done, total, message))
    except Exception:  # pragma: no cover - a broken callback must not break the write path
        import logging

        logging.getLogger(__name__).exception("progress callback failed")


@dataclasses.dataclass
class Plan:
    """Base of every plan: a list of row dicts plus operation-specific fields.

    Subclasses add their own fields; all of them must be JSON-serializable. A subclass
    states what its JSON must hold (``OPERATION``, the row ``ACTIONS``, the row keys that
    are ids, the types of the others) so :meth:`from_dict` can refuse a malformed plan
    with a :class:`~connector.errors.ValidationError` naming the field.
    """

    operation: str
    rows: list[dict[str, Any]]

    #: The ``operation`` values a plan of this class may carry (empty: any string).
    OPERATIONS: ClassVar[tuple[str, ...]] = ()
    #: The ``action`` values a row may hold (empty: any).
    ACTIONS: ClassVar[frozenset[str]] = frozenset()
    #: Row keys that must be present and hold an id.
    ROW_IDS: ClassVar[tuple[str, ...]] = ()
    #: Row keys that, when present, must hold a value of these types.
    ROW_TYPES: ClassVar[Mapping[str, tuple[type, ...]]] = {}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable form of the whole plan (a copy: changing it changes
        nothing in the plan)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def iter_json(self, *, indent: int | None = None, level: int = 0) -> Iterator[str]:
        """The JSON text of :meth:`to_dict` in pieces, rows a few at a time, so a large
        plan is written without building its whole dict or its whole text. Joined, the
        pieces parse to ``to_dict()``; ``indent`` as for ``json.dumps``, ``level`` the
        depth the object sits at (for a plan nested in a larger document)."""
        newline = "" if indent is None else "\n"
        item_sep = ", " if indent is None else ","
        yield "{"
        for n, field in enumerate(dataclasses.fields(self)):
            yield ("" if n == 0 else item_sep) + newline + _pad(indent, level + 1) + json.dumps(field.name) + ": "
            value = getattr(self, field.name)
            if field.name == "rows" and isinstance(value, list):
                yield from _iter_json_list(value, indent, level + 1)
            else:
                yield _dumps_at(_jsonable(value), indent, level + 1)
        yield newline + _pad(indent, level) + "}"

    def write_json(self, stream: IO[str], *, indent: int | None = None) -> None:
        """Write the plan's JSON to a text stream, piece by piece (see :meth:`iter_json`)."""
        self.write_json_at(stream, indent=indent)

    def write_json_at(self, stream: IO[str], *, indent: int | None = None, level: int = 0) -> None:
        """:meth:`write_json` for a plan nested ``level`` deep in a larger document."""
        for piece in self.iter_json(indent=indent, level=level):
            stream.write(piece)

    @classmethod
    def from_dict(cls: type[P], data: Mapping[str, Any]) -> P:
        """Rebuild a plan from :meth:`to_dict` (e.g. planned in one orchestrator task,
        reviewed, applied in another). Unknown keys are ignored. Raises ValidationError
        naming the field (``rows[3].action``, ``policy.keep_last``...) when the plan is
        not a mapping, misses a field, or holds a value of the wrong type."""
        if not isinstance(data, Mapping):
            raise ValidationError(
                "{argument} must be a plan as a dict (from plan.to_dict()), got {value}",
                argument="data",
                value=shown(data),
            )
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required and name not in data:
                raise ValidationError(
                    "the plan has no {argument} field: rebuild it from the JSON a plan's to_json() wrote",
                    argument=name,
                )
        values = {k: v for k, v in data.items() if k in fields}
        cls.check_fields(values)
        return cls(**values)

    @classmethod
    def from_json(cls: type[P], text: str | bytes) -> P:
        """Rebuild a plan from :meth:`to_json`; ValidationError when ``text`` is not JSON
        or not a plan of this kind (naming the field)."""
        if not isinstance(text, (str, bytes, bytearray)):
            raise ValidationError(
                "{argument} must be the plan's JSON text, got {value}", argument="text", value=shown(text)
            )
        try:
            data = json.loads(text)
        except ValueError as exc:
            where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            problem = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            raise ValidationError(
                "{argument} is not valid JSON: {problem}{where}", argument="text", problem=problem, where=where
            ) from None
        if not isinstance(data, Mapping):
            raise ValidationError(
                "{argument} must hold a JSON object (a plan), got {kind}", argument="text", kind=kind_of(data)
            )
        return cls.from_dict(data)

    @classmethod
    def check_fields(cls, values: Mapping[str, Any]) -> None:
        """Raise ValidationError naming the first field of ``values`` (a plan's JSON) that
        is malformed. Subclasses extend it for their own fields."""
        operation = values.get("operation")
        if not isinstance(operation, str) or (cls.OPERATIONS and operation not in cls.OPERATIONS):
            want = " or ".join(repr(o) for o in cls.OPERATIONS) or "a string"
            raise ValidationError(
                "plan field {argument} must be {want} (this is a {kind}), got {value}",
                argument="operation",
                want=want,
                kind=cls.__name__,
                value=shown(operation),
            )
        rows = values.get("rows")
        if not isinstance(rows, list):
            raise ValidationError(
                "plan field {argument} must be a list of rows, got {value}", argument="rows", value=shown(rows)
            )
        for n, row in enumerate(rows):
            cls.check_row(n, row)

    @classmethod
    def check_row(cls, n: int, row: object) -> None:
        """ValidationError naming ``rows[n]`` (or one of its keys) when the row is malformed."""
        if not isinstance(row, dict):
            raise ValidationError(
                "plan field {argument} must be a row (a dict), got {value}", argument=f"rows[{n}]", value=shown(row)
            )
        for key in cls.ROW_IDS:
            problem = id_problem(row.get(key))
            if problem:
                missing = key not in row
                raise ValidationError(
                    "plan field {argument} is missing"
                    if missing
                    else "plan field {argument} {value} is not an id: it {problem}",
                    argument=f"rows[{n}].{key}",
                    value=shown(row.get(key)),
                    problem=problem,
                )
        if cls.ACTIONS and row.get("action") not in cls.ACTIONS:
            raise ValidationError(
                "plan field {argument} must be one of {allowed}, got {value}",
                argument=f"rows[{n}].action",
                allowed=sorted(cls.ACTIONS),
                value=shown(row.get("action")),
            )
        for key, types in cls.ROW_TYPES.items():
            if key in row:
                check_field(f"rows[{n}].{key}", row[key], types)

    def to_dataframe(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows as a pandas DataFrame (pandas imported here, lazily)."""
        import pandas as pd

        frame = pd.DataFrame(self.rows, columns=list(columns) if columns else None)
        if columns is None and not self.rows:
            frame = pd.DataFrame(columns=list(self.columns()))
        return frame

    def columns(self) -> Sequence[str]:
        return ()


_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false", type(None): "null"}
_TYPE_NAMES.update({list: "a list", dict: "an object"})


def check_field(field: str, value: object, types: tuple[type, ...]) -> None:
    """ValidationError naming the plan ``field`` unless ``value`` has one of ``types``
    (a bool is not a number here)."""
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        names = [_TYPE_NAMES.get(t, t.__name__) for t in types if not (t is int and float in types)]
        want = " or ".join(names)
        raise ValidationError(
            "plan field {argument} must be {want}, got {value}", argument=field, want=want, value=shown(value)
        )


def check_id_list(field: str, value: object) -> None:
    """ValidationError naming the plan ``field`` unless ``value`` is a list of ids."""
    check_field(field, value, (list,))
    assert isinstance(value, list)
    for n, item in enumerate(value):
        problem = id_problem(item)
        if problem:
            raise ValidationError(
                "plan field {argument} {value} is not an id: it {problem}",
                argument=f"{field}[{n}]",
                value=shown(item),
                problem=problem,
            )


def check_timestamp(field: str, value: object, *, empty: bool = True) -> None:
    """ValidationError naming the plan ``field`` unless ``value`` is an RFC 3339 / ISO
    8601 timestamp (or, with ``empty``, ``""``/None)."""
    if empty and value in ("", None):
        return
    try:
        if not isinstance(value, str) or parse_time(value) is None:  # "" when empty is not allowed
            raise ValueError
    except ValueError:
        raise ValidationError(
            "plan field {argument} must be an ISO 8601 timestamp, got {value}", argument=field, value=shown(value)
        ) from None


@dataclasses.dataclass
class OperationResult:
    """What an apply did: counts, ids touched, wall time, API requests made."""

    operation: str
    dry_run: bool = False
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    ids: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    elapsed: float = 0.0
    requests: int = 0
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _jsonable(dataclasses.asdict(self))
        return data


class Stopwatch:
    """Elapsed time and request count of one apply (``client.stats.requests`` delta)."""

    def __init__(self, client: ClientProtocol) -> None:
        self._client = client
        self._start = time.monotonic()
        self._requests = requests_made(client)

    @property
    def elapsed(self) -> float:
        return round(time.monotonic() - self._start, 6)

    @property
    def requests(self) -> int:
        return requests_made(self._client) - self._requests


def requests_made(client: ClientProtocol) -> int:
    stats = getattr(client, "stats", None)
    return int(getattr(stats, "requests", 0) or 0)


def stable_hash(*parts: object, size: int = 8) -> bytes:
    """blake2b of the parts (joined unambiguously): the same on every machine and run."""
    h = hashlib.blake2b(digest_size=size)
    for part in parts:
        data = str(part).encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.digest()


def deterministic_id(prefix: str, *parts: object, length: int = 16) -> str:
    """A Clarifai-valid id ``<prefix>-<hex>`` derived only from ``parts``; a rerun with
    the same parts gets the same id and so finds its earlier work."""
    digest = stable_hash(prefix, *parts, size=16).hex()[:length]
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", prefix)[: 47 - length] or "x"
    return f"{prefix}-{digest}"


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp (as the API sends) to an aware datetime; None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, dict):  # {"seconds": .., "nanos": ..}: to the microsecond, as the text
        seconds, nanos = int(value.get("seconds") or 0), int(value.get("nanos") or 0)
        return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=nanos // 1000)
    text = _FRACTION.sub(r"\1", str(value))
    if text[-1:] in ("Z", "z"):  # RFC 3339 allows either for UTC; fromisoformat takes only "Z"
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def human_duration(value: timedelta) -> str:
    """``timedelta(days=7)`` -> ``"7d"``; ``timedelta(hours=36)`` -> ``"1d 12h"``;
    ``timedelta(0)`` -> ``"0s"`` (whole seconds; a negative duration is shown as 0s)."""
    total = max(0, int(value.total_seconds()))
    days, rest = divmod(total, 24 * 60 * 60)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if n]
    return " ".join(parts) or "0s"


def iter_document_json(document: Mapping[str, Any], *, indent: int | None = None) -> Iterator[str]:
    """The JSON text of ``document`` (a mapping of JSON values) in pieces, with every
    :class:`Plan` among its values written by :meth:`Plan.iter_json` (streamed, never
    turned into one dict). Joined, the pieces are ``json.dumps`` of the document with
    each plan as its ``to_dict()``."""
    if not document:
        yield "{}"
        return
    newline = "" if indent is None else "\n"
    item_sep = ", " if indent is None else ","
    yield "{"
    for n, (key, value) in enumerate(document.items()):
        yield ("" if n == 0 else item_sep) + newline + _pad(indent, 1) + json.dumps(str(key)) + ": "
        if isinstance(value, Plan):
            yield from value.iter_json(indent=indent, level=1)
        else:
            yield _dumps_at(_jsonable(value), indent, 1)
    yield newline + "}"


def _pad(indent: int | None, level: int) -> str:
    return "" if indent is None else " " * (indent * level)


def _dumps_at(value: Any, indent: int | None, level: int) -> str:
    """``json.dumps(value, indent=indent)`` for a value nested ``level`` deep."""
    text = json.dumps(value, indent=indent)
    return text if indent is None or level == 0 else text.replace("\n", "\n" + _pad(indent, level))


#: Rows serialized per piece of :meth:`Plan.iter_json`.
_ROWS_PER_PIECE = 500


def _iter_json_list(items: list[Any], indent: int | None, level: int) -> Iterator[str]:
    if not items:
        yield "[]"
        return
    newline = "" if indent is None else "\n"
    sep = (", " if indent is None else ",") + newline + _pad(indent, level + 1)
    yield "[" + newline + _pad(indent, level + 1)
    for start in range(0, len(items), _ROWS_PER_PIECE):
        chunk = items[start : start + _ROWS_PER_PIECE]
        text = sep.join(_dumps_at(_jsonable(item), indent, level + 1) for item in chunk)
        yield (sep if start else "") + text
    yield newline + _pad(indent, level) + "]"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if hasattr(value, "total_seconds"):
        return value.total_seconds()
    return value


def unique(items: Iterable[T]) -> list[T]:
    seen: set[T] = set()
    out: list[T] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
