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
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from connector.errors import ConflictError  # noqa: F401  (re-exported: its old home)
from connector.protocols import ClientProtocol

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

T = TypeVar("T")
P = TypeVar("P", bound="Plan")

#: Clarifai ids: letters, digits, ``_`` and ``-``.
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$")


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

    Subclasses add their own fields; all of them must be JSON-serializable.
    """

    operation: str
    rows: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable form of the whole plan."""
        data: dict[str, Any] = _jsonable(dataclasses.asdict(self))
        return data

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls: type[P], data: dict[str, Any]) -> P:
        """Rebuild a plan from :meth:`to_dict` (e.g. planned in one orchestrator task,
        reviewed, applied in another). Unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_json(cls: type[P], text: str) -> P:
        return cls.from_dict(json.loads(text))

    def to_dataframe(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows as a pandas DataFrame (pandas imported here, lazily)."""
        import pandas as pd

        frame = pd.DataFrame(self.rows, columns=list(columns) if columns else None)
        if columns is None and not self.rows:
            frame = pd.DataFrame(columns=list(self.columns()))
        return frame

    def columns(self) -> Sequence[str]:
        return ()


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


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID_RE.match(value))


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
    if isinstance(value, dict):  # {"seconds": .., "nanos": ..}
        return datetime.fromtimestamp(float(value.get("seconds", 0)) + value.get("nanos", 0) / 1e9, UTC)
    text = _FRACTION.sub(r"\1", str(value)).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def human_duration(value: timedelta) -> str:
    """``timedelta(days=7)`` -> ``"7d"``; ``timedelta(hours=36)`` -> ``"1d 12h"``;
    ``timedelta(0)`` -> ``"0s"`` (whole seconds; a negative duration is shown as 0s)."""
    total = max(0, int(value.total_seconds()))
    days, rest = divmod(total, 24 * 60 * 60)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if n]
    return " ".join(parts) or "0s"


def utcnow() -> datetime:
    return datetime.now(UTC)


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
