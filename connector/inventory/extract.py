"""Pure helpers that pull column values out of API items (JSON dicts).

Items arrive exactly as the API sends them: snake_case proto field names, RFC 3339
timestamps, enum names, 64-bit integers as strings, status codes as numbers or names,
and absent fields for default values. Every helper here accepts all of those forms,
never raises on a missing or oddly-typed field, and returns ``None`` for "absent".
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from connector.status_codes import code_name, parse_status_code


@functools.lru_cache(maxsize=1024)
def _keys(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def dig(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` of nested mappings, or ``None`` if any step is
    missing (or is not a mapping)."""
    cur = obj
    for key in _keys(path):
        # decoded JSON is made of plain dicts: test that first (ABC checks are slow)
        if cur.__class__ is not dict and not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
        if cur is None:
            return None
    return cur


def as_str(value: Any) -> str | None:
    """A string, or ``None`` for absent/empty containers."""
    if value.__class__ is str:
        return value
    if value is None or isinstance(value, (Mapping, list)):
        return None
    return str(value)


def as_int(value: Any) -> int | None:
    """An integer from an int, an int64-as-string, a float with no fraction, or a
    ``{"value": n}`` wrapper; ``None`` otherwise."""
    if value.__class__ is int:
        return value
    if isinstance(value, Mapping):
        value = value.get("value")
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            try:
                f = float(value)
            except ValueError:
                return None
            return int(f) if f.is_integer() else None
    return None


def as_float(value: Any) -> float | None:
    """A float from a number, a numeric string, or a ``{"value": x}`` wrapper."""
    if isinstance(value, Mapping):
        value = value.get("value")
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def as_bool(value: Any) -> bool | None:
    """A bool from a bool, a ``{"value": b}`` wrapper, or ``"true"``/``"false"``."""
    if isinstance(value, Mapping):
        value = value.get("value")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
    if isinstance(value, (int, float)):
        return bool(value)
    return None


def json_text(value: Any) -> str | None:
    """Compact JSON text with sorted keys (stable across runs), or ``None`` if absent."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    """What ``json_text`` writes for a value decoded JSON never holds: a mapping as an
    object, any other iterable as a list, anything else as its text."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return list(value)
    return str(value)


def str_list(values: Any) -> list[str]:
    """A list of strings (``[]`` when absent: a repeated proto field is never null)."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [str(values)]
    return [str(v) for v in values if v is not None]


def ids_of(items: Any, path: str = "id") -> list[str]:
    """``[dig(item, path) for item in items]`` without the missing ones."""
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        value = dig(item, path)
        if value is not None and value != "":
            out.append(str(value))
    return out


def unique(values: Iterable[str]) -> list[str]:
    """The values without repeats, first occurrence order kept."""
    return list(dict.fromkeys(values))


def status_code(status: Any) -> int | None:
    """The numeric code of a ``status`` object whose ``code`` is a number or a name."""
    try:
        return parse_status_code(dig(status, "code"))
    except ValueError:
        return None


def status_name(status: Any) -> str | None:
    """The code name (``"DATASET_VERSION_READY"``) of a ``status`` object; a name the
    official enum lacks is kept as sent, an unknown number becomes its digits."""
    code = dig(status, "code")
    if code is None:
        return None
    try:
        number = parse_status_code(code)
    except ValueError:
        return str(code).strip() or None
    if number is None:
        return None
    name = code_name(number)
    return str(int(number)) if name.startswith("UNKNOWN") else name


def first_key(obj: Any) -> str | None:
    """The first key of a mapping (the set member of a proto ``oneof``), else ``None``."""
    if isinstance(obj, Mapping) and obj:
        return str(next(iter(obj)))
    return None


def data_kind(data: Any) -> str | None:
    """Which media an input's ``data`` holds: image, video, audio or text (else None)."""
    if data.__class__ is not dict and not isinstance(data, Mapping):
        return None
    for kind in ("image", "video", "audio", "text"):
        if data.get(kind):
            return kind
    return None


def data_url(data: Any) -> str | None:
    """The URL of an input's media (``data.image.url`` and the like)."""
    kind = data_kind(data)
    if kind is None:
        return None
    return as_str(dig(data, f"{kind}.url"))


def annotation_concept_ids(data: Any) -> list[str]:
    """Concept ids of an annotation: input-level concepts, then those of regions and
    frames, without repeats."""
    if not isinstance(data, Mapping):
        return []
    found = ids_of(data.get("concepts"))
    for region in _list(data.get("regions")):
        found.extend(ids_of(dig(region, "data.concepts")))
    for frame in _list(data.get("frames")):
        found.extend(ids_of(dig(frame, "data.concepts")))
        for region in _list(dig(frame, "data.regions")):
            found.extend(ids_of(dig(region, "data.concepts")))
    return unique(found)


def _list(value: Any) -> list[Any]:
    """A repeated field's items (``[]`` when absent or not a list)."""
    return value if isinstance(value, list) else []


def length(value: Any) -> int:
    """How many items a repeated field holds (0 when absent or not a list)."""
    return len(value) if isinstance(value, list) else 0


def version_metrics(metrics: Any) -> Mapping[str, Any]:
    """The whole-dataset entry of ``DatasetVersion.metrics`` (a map keyed by a path; the
    key ``"/"`` holds the totals). With no ``"/"`` key and a single entry, that entry."""
    if not isinstance(metrics, Mapping) or not metrics:
        return {}
    if "/" in metrics and isinstance(metrics["/"], Mapping):
        return metrics["/"]
    if len(metrics) == 1:
        only = next(iter(metrics.values()))
        return only if isinstance(only, Mapping) else {}
    return {}


__all__ = [
    "annotation_concept_ids",
    "as_bool",
    "as_float",
    "as_int",
    "as_str",
    "data_kind",
    "data_url",
    "dig",
    "first_key",
    "ids_of",
    "json_text",
    "length",
    "status_code",
    "status_name",
    "str_list",
    "unique",
    "version_metrics",
]
