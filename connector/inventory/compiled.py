"""Page -> Arrow record batch, compiled once per inventory.

Each column of an inventory names the dotted paths it reads (:attr:`Column.paths`) and
how to turn the values found there into its own (:attr:`Column.fn`, then the column
kind's conversion). :func:`compile_extractor` merges every column's paths into one tree
and writes one Python function per inventory that walks an item down that tree once,
binding each node to a local, and returns the row as a tuple of raw column values. A
page is ``map(row, items)`` transposed with ``zip``: one call per item, each node of
each item looked up once, whatever the number of columns.

Conversions run once per column per page: a column whose values already have the
column's Python type (decoded JSON nearly always does) goes to ``pyarrow.array`` as is,
after one C-level scan of the value types; only a column holding other forms (an int64
sent as a string, a ``{"value": ..}`` wrapper) is converted value by value with the
helpers of :mod:`connector.inventory.extract`, so results match those helpers exactly.
Timestamps are parsed by one Arrow cast per column.

A column that gives only a getter (``Column.get``, no paths) still works: the compiled
function calls its getter with the item and the scope.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import pyarrow as pa

from connector.inventory import extract as x

logger = logging.getLogger(__name__)

#: The Arrow type of every timestamp column.
TIMESTAMP = pa.timestamp("us", tz="UTC")


class Column(Protocol):
    """What compiling needs of a column (:class:`connector.inventory.schemas.Column`;
    restated here so this module does not import the schemas that use it)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> pa.DataType: ...
    @property
    def get(self) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Any]: ...
    @property
    def is_json(self) -> bool: ...
    @property
    def is_timestamp(self) -> bool: ...
    @property
    def paths(self) -> tuple[str, ...]: ...
    @property
    def fn(self) -> Callable[..., Any] | None: ...
    @property
    def scope_key(self) -> str | None: ...
    @property
    def default(self) -> Any: ...


class InventorySpec(Protocol):
    """What compiling needs of an inventory (:class:`connector.inventory.schemas.InventorySpec`)."""

    @property
    def columns(self) -> Sequence[Column]: ...
    @property
    def schema(self) -> pa.Schema: ...


#: What a non-mapping node descends into: every child of it is absent.
_EMPTY: Mapping[str, Any] = {}

_NONE = type(None)
_STR_TYPES: frozenset[type] = frozenset({str, _NONE})
_INT_TYPES: frozenset[type] = frozenset({int, _NONE})
_FLOAT_TYPES: frozenset[type] = frozenset({float, int, _NONE})
_BOOL_TYPES: frozenset[type] = frozenset({bool, _NONE})
_LIST_TYPES: frozenset[type] = frozenset({list, _NONE})
_STR_ONLY: frozenset[type] = frozenset({str})
#: Value types for which "one result per distinct value" is safe (bool is left out: True == 1).
_HASHABLE_TYPES: frozenset[type] = frozenset({str, int, float, _NONE})


def descend(value: Any) -> Mapping[str, Any]:
    """The mapping to look children up in: ``value`` itself when it is a mapping,
    else an empty one (a path through a missing or non-mapping node is absent)."""
    if value.__class__ is dict or isinstance(value, Mapping):
        return value
    return _EMPTY


class Extractor:
    """The compiled extractor of one inventory: ``extractor(items, scope)`` is the
    page's record batch. ``source`` is the generated row function, for reading."""

    def __init__(self, spec: InventorySpec) -> None:
        self.spec = spec
        self.columns: tuple[Column, ...] = tuple(spec.columns)
        self.source, self.row, self._needs_scope = _compile(spec.columns)
        self._finishers = [_Finisher(col) for col in spec.columns]

    def __call__(self, items: Sequence[Mapping[str, Any]], scope: Mapping[str, Any]) -> pa.RecordBatch:
        if items:
            # A getter-only column reads the scope too.
            rows = [self.row(item, scope) for item in items] if self._needs_scope else list(map(self.row, items))
            columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        else:
            columns = [()] * len(self.columns)
        arrays = [finish(values, scope) for finish, values in zip(self._finishers, columns, strict=True)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.spec.schema)


def compile_extractor(spec: InventorySpec) -> Extractor:
    """The compiled extractor of ``spec`` (see the module docstring). Pure."""
    return Extractor(spec)


# -- the row function -------------------------------------------------------------------


class _Node:
    __slots__ = ("children", "key", "var")

    def __init__(self, key: str, var: str) -> None:
        self.key = key
        self.var = var
        self.children: dict[str, _Node] = {}


def _compile(columns: Sequence[Column]) -> tuple[str, Callable[..., tuple[Any, ...]], bool]:
    """Source and function of ``row(item[, scope]) -> tuple``: every path of every
    column walked once per item, in one tree."""
    root = _Node("", "v0")
    count = 1

    def node_of(path: str) -> _Node:
        nonlocal count
        node = root
        for key in path.split(".") if path else ():
            child = node.children.get(key)
            if child is None:
                child = node.children[key] = _Node(key, f"v{count}")
                count += 1
            node = child
        return node

    namespace: dict[str, Any] = {"_descend": descend, "_EMPTY": _EMPTY}
    outputs: list[str] = []
    needs_scope = False
    for i, col in enumerate(columns):
        if col.paths:
            args = [node_of(p).var for p in col.paths]
            if col.fn is None and len(args) == 1:
                outputs.append(args[0])
            else:
                fn = col.fn if col.fn is not None else _first
                namespace[f"f{i}"] = fn
                outputs.append(f"f{i}({', '.join(args)})")
        elif col.scope_key is not None:
            outputs.append("None")  # filled from the scope, once per page
        else:
            namespace[f"g{i}"] = col.get
            outputs.append(f"g{i}(v0, scope)")
            needs_scope = True

    lines = [f"def row(v0{', scope' if needs_scope else ''}):"]

    def emit(node: _Node) -> None:
        if not node.children:
            return
        holder = f"d{node.var[1:]}"
        var = node.var
        lines.append(
            f"    {holder} = {var} if {var}.__class__ is dict else _EMPTY if {var} is None else _descend({var})"
        )
        for key, child in node.children.items():
            lines.append(f"    {child.var} = {holder}.get({key!r})")
            emit(child)

    emit(root)
    lines.append(f"    return ({', '.join(outputs)}{',' if len(outputs) == 1 else ''})")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<inventory row>", "exec"), namespace)  # our own generated code, from the column specs
    return source, namespace["row"], needs_scope


def _first(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


# -- conversions, once per column per page ------------------------------------------------


class _Finisher:
    """How one column's raw values of a page become its Arrow array: the kind's
    conversion (skipped when every value already has the right type), the default for
    nulls, the scope for empty values, then one ``pyarrow.array`` or timestamp cast."""

    def __init__(self, col: Column) -> None:
        self.convert, self.fast = _conversion(col)
        self.type = col.type
        self.is_list = pa.types.is_list(col.type)
        self.is_timestamp = col.is_timestamp
        self.default = col.default
        self.scope_key = col.scope_key

    def __call__(self, raw: Sequence[Any], scope: Mapping[str, Any]) -> pa.Array:
        values: Sequence[Any]
        if self.fast is not None and self.fast.issuperset(map(type, raw)):
            values = raw
        elif self.is_list and _LIST_TYPES.issuperset(kinds := set(map(type, raw))):
            values = [v if v is not None else [] for v in raw] if _NONE in kinds else raw
            if not _STR_ONLY.issuperset(map(type, itertools.chain.from_iterable(values))):
                values = [_str_list(v) for v in values]
        else:
            convert = self.convert
            values = [convert(v) for v in raw]
        if self.default is not None and None in values:
            default = self.default
            values = [default if v is None else v for v in values]
        if self.scope_key is not None:
            from_scope = x.as_str(scope.get(self.scope_key))
            values = [v or from_scope for v in values]
        if self.is_timestamp:
            return timestamps(list(values))
        return pa.array(values, type=self.type)


def timestamps(values: list[str | None]) -> pa.Array:
    """RFC 3339 strings -> ``timestamp[us, UTC]`` (nanoseconds truncated): one Arrow cast
    for the column; odd forms (offsets other than Z, dates beyond the ns range) are
    parsed one by one."""
    strings = pa.array(values, type=pa.string())
    try:
        return strings.cast(pa.timestamp("ns", tz="UTC")).cast(TIMESTAMP, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        import datetime as dt

        parsed: list[dt.datetime | None] = []
        for value in values:
            if not value:
                parsed.append(None)
                continue
            try:
                stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                logger.warning("unparseable timestamp %r left empty", value)
                parsed.append(None)
                continue
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=dt.UTC)
            parsed.append(stamp.astimezone(dt.UTC))
        return pa.array(parsed, type=TIMESTAMP)


def convert_one(col: Column, raw: Any, scope: Mapping[str, Any]) -> Any:
    """One value of ``col`` (before Arrow), as the page conversion makes it: the
    kind's conversion, then the default for a null, then the scope for an empty value."""
    value = _conversion(col)[0](raw)
    if value is None and col.default is not None:
        value = col.default
    if col.scope_key is not None:
        value = value or x.as_str(scope.get(col.scope_key))
    return value


def _conversion(col: Column) -> tuple[Callable[[Any], Any], frozenset[type] | None]:
    """The per-value conversion of a column's kind (the helpers' exact semantics) and
    the value types that need none."""
    typ = col.type
    if col.is_json:
        return x.json_text, None
    if pa.types.is_list(typ):
        return _str_list, None
    if pa.types.is_string(typ) or col.is_timestamp:
        return x.as_str, _STR_TYPES
    if pa.types.is_integer(typ):
        return x.as_int, _INT_TYPES
    if pa.types.is_floating(typ):
        return x.as_float, _FLOAT_TYPES
    if pa.types.is_boolean(typ):
        return x.as_bool, _BOOL_TYPES
    return _identity, None  # pragma: no cover - every schema type is one of the above


def _identity(value: Any) -> Any:  # pragma: no cover - see _conversion
    return value


def _str_list(value: Any) -> list[str]:
    if value.__class__ is list and all(v.__class__ is str for v in value):
        return value
    return x.str_list(value)


#: The caches of every :func:`distinct` function, for :func:`clear_distinct_caches`.
_DISTINCT_CACHES: list[dict[tuple[type, Any], Any]] = []


def clear_distinct_caches() -> None:
    """Forget every value :func:`distinct` functions have cached (each computes it again
    when next asked). The results do not change; a test suite calls this between tests
    so that each test that reads a code reaches the function that parses it."""
    for cache in _DISTINCT_CACHES:
        cache.clear()


def distinct(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` of one value, computed once per distinct value (a small cache) when the
    value is a plain hashable scalar: for codes and names that repeat on every row."""
    cache: dict[tuple[type, Any], Any] = {}
    _DISTINCT_CACHES.append(cache)

    def cached(value: Any) -> Any:
        kind = value.__class__
        if kind not in _HASHABLE_TYPES:
            return fn(value)
        key = (kind, value)
        try:
            return cache[key]
        except KeyError:
            pass
        result = fn(value)
        if len(cache) < 4096:
            cache[key] = result
        return result

    cached.__doc__ = fn.__doc__
    cached.__name__ = getattr(fn, "__name__", "cached")
    return cached


__all__ = ["TIMESTAMP", "Extractor", "clear_distinct_caches", "compile_extractor", "descend", "distinct", "timestamps"]
