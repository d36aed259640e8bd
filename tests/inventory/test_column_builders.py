"""The column builders an inventory is declared with (docs/architecture.md, "A new
inventory"), called here at test time: what each builds (type, doc, the paths it reads,
the official fields it names) and what it reads from an item, odd values included; and
the shared column sets rebuilt now equal the ones the inventories were built with."""

from __future__ import annotations

import dataclasses
from typing import Any

import pyarrow as pa
import pytest

from connector.inventory import schemas as s
from connector.inventory.frames import record_batch


def _shape(col: s.Column) -> tuple[Any, ...]:
    """What declares a column (its getter is derived from these)."""
    fn = col.fn.__name__ if col.fn is not None else None
    return (col.name, col.type, col.doc, col.is_json, col.sources, col.paths, fn, col.scope_key, col.default)


def _read(col: s.Column, item: Any, scope: dict | None = None) -> Any:
    """The column's value read through a one-column inventory's compiled extractor, and
    through the column's own getter (they must agree)."""
    spec = s.InventorySpec("probe", "ListDatasets", "datasets", "app", (col,), "a probe")
    (value,) = record_batch(spec, [item], scope or {}).to_pylist()[0].values()
    own = col.get(item, scope or {})
    if isinstance(own, str) and col.type == s.TIMESTAMP:
        own = value  # the getter keeps the text; the batch holds the parsed time
    assert own == value
    return value


@pytest.mark.parametrize(
    ("build", "shape"),
    [
        (lambda: s.string("id"), ("id", pa.string(), "`id`", False, ("id",), ("id",), None, None, None)),
        (
            lambda: s.string("v", "version.id", "the version"),
            ("v", pa.string(), "the version", False, ("version.id",), ("version.id",), None, None, None),
        ),
        (lambda: s.integer("n", "a.n"), ("n", pa.int64(), "`a.n`", False, ("a.n",), ("a.n",), None, None, None)),
        (lambda: s.floating("f"), ("f", pa.float64(), "`f`", False, ("f",), ("f",), None, None, None)),
        (lambda: s.boolean("b"), ("b", pa.bool_(), "`b`", False, ("b",), ("b",), None, None, False)),
        (lambda: s.boolean("b", default=None), ("b", pa.bool_(), "`b`", False, ("b",), ("b",), None, None, None)),
        (lambda: s.timestamp("t"), ("t", s.TIMESTAMP, "`t` (UTC)", False, ("t",), ("t",), None, None, None)),
        (
            lambda: s.json_col("m", "data.metadata"),
            (
                "m",
                pa.string(),
                "`data.metadata` as JSON text",
                True,
                ("data.metadata",),
                ("data.metadata",),
                None,
                None,
                None,
            ),
        ),
        (
            lambda: s.enum("e", "x.y"),
            ("e", pa.string(), "`x.y` (enum name)", False, ("x.y",), ("x.y",), None, None, None),
        ),
        (
            lambda: s.scope_or("dataset_id", "dataset_id", "d"),
            ("dataset_id", pa.string(), "d", False, ("dataset_id",), ("dataset_id",), None, "dataset_id", None),
        ),
        (
            lambda: s.from_scope("dataset_id", "d"),
            ("dataset_id", pa.string(), "d", False, (), (), None, "dataset_id", None),
        ),
        (
            lambda: s.count("c", "metrics.inputs_count"),
            (
                "c",
                pa.int64(),
                "`metrics.inputs_count` (0 when absent, null without `metrics`)",
                False,
                ("metrics.inputs_count",),
                ("metrics",),
                "get",
                None,
                None,
            ),
        ),
        (
            lambda: s.count("c", "total"),
            (
                "c",
                pa.int64(),
                "`total` (0 when absent, null without `item`)",
                False,
                ("total",),
                ("",),
                "get",
                None,
                None,
            ),
        ),
        (
            lambda: s.strings("ids", "dataset_ids", "ids", ("dataset_ids",)),
            ("ids", s.STRING_LIST, "ids", False, ("dataset_ids",), ("dataset_ids",), None, None, None),
        ),
        (
            lambda: s.visibility(),
            (
                "visibility",
                pa.string(),
                "`visibility.gettable` (PRIVATE, ORG, PUBLIC)",
                False,
                ("visibility.gettable",),
                ("visibility.gettable",),
                None,
                None,
                None,
            ),
        ),
    ],
)
def test_each_builder_declares_its_column(build, shape) -> None:
    col = build()  # built now, not when the tests were collected
    assert _shape(col) == shape
    field = col.field()
    assert field.nullable is True and field.metadata == {b"description": shape[2].encode()}
    assert field.equals(
        pa.field(shape[0], shape[1], nullable=True, metadata={"description": shape[2]}), check_metadata=True
    )


def test_a_column_needs_something_to_read() -> None:
    with pytest.raises(ValueError, match=r"^column 'x' needs paths, a scope_key or a getter$"):
        s.Column("x", pa.string())


def test_what_the_builders_read() -> None:
    assert _read(s.string("id"), {"id": 5}) == "5"
    assert _read(s.integer("n"), {"n": "12"}) == 12 and _read(s.integer("n"), {"n": 1.5}) is None
    assert _read(s.floating("f"), {"f": "0.5"}) == 0.5
    assert _read(s.boolean("b"), {}) is False and _read(s.boolean("b", default=None), {}) is None
    assert _read(s.boolean("b"), {"b": "1"}) is True
    assert _read(s.enum("e", "x.y"), {"x": {"y": "PUBLIC"}}) == "PUBLIC"
    assert _read(s.json_col("m"), {"m": {"b": 1, "a": [2]}}) == '{"a":[2],"b":1}'
    assert _read(s.strings("ids", "ids", "ids"), {"ids": ["a", None, 3]}) == ["a", "3"]
    assert _read(s.strings("ids", "ids", "ids"), {}) == []


def test_a_count_is_zero_inside_its_parent_and_null_without_it() -> None:
    col = s.count("c", "metrics.inputs_count")
    assert _read(col, {"metrics": {"inputs_count": "7"}}) == 7
    assert _read(col, {"metrics": {}}) == 0
    assert _read(col, {}) is None and _read(col, {"metrics": "oops"}) is None
    top = s.count("c", "total")
    assert _read(top, {}) == 0 and _read(top, {"total": 3}) == 3


def test_a_scope_fills_an_empty_value() -> None:
    col = s.scope_or("dataset_id", "dataset_id", "d")
    assert _read(col, {"dataset_id": "own"}, {"dataset_id": "listed"}) == "own"
    assert _read(col, {}, {"dataset_id": "listed"}) == "listed"
    assert _read(s.from_scope("dataset_id", "d"), {"dataset_id": "own"}, {"dataset_id": "listed"}) == "listed"


def test_status_columns_read_a_code_given_either_way() -> None:
    cols = s.status_columns("input_status", "input.status")
    assert [_shape(c)[:3] for c in cols] == [
        ("input_status_code", pa.int64(), "`input.status.code` as a number"),
        ("input_status_name", pa.string(), "`input.status.code` as its name (e.g. `SUCCESS`)"),
        ("input_status_description", pa.string(), "`input.status.description`"),
    ]
    assert all(c.sources in ((("input.status.code",)), ("input.status.description",)) for c in cols)
    item = {"input": {"status": {"code": "INPUT_SUCCESS", "description": "ok"}}}
    assert [_read(c, item) for c in cols] == [30000, "INPUT_SUCCESS", "ok"]
    assert [_read(c, {"input": {"status": {"code": 30000}}}) for c in cols] == [30000, "INPUT_SUCCESS", None]
    assert [c.name for c in s.status_columns()] == ["status_code", "status_name", "status_description"]


def test_computed_columns_read_every_path_they_name() -> None:
    col = s.computed("sum", pa.int64(), ("a", "b"), lambda a, b: (a or 0) + (b or 0), "a + b", ("a", "b"))
    assert _shape(col)[:7] == ("sum", pa.int64(), "a + b", False, ("a", "b"), ("a", "b"), "<lambda>")
    assert _read(col, {"a": 2, "b": 3}) == 5 and _read(col, {"b": 1}) == 1


@pytest.mark.parametrize(
    ("inventory", "build"),
    [
        ("inputs", lambda: s._input_columns("", "")),
        ("dataset_inputs", lambda: s._input_columns("input_", "input")),
        ("dataset_versions", lambda: [s._metric(m) for m in s._VERSION_METRICS]),
        ("dataset_versions", lambda: s.status_columns()),
    ],
)
def test_shared_column_sets_rebuilt_now_equal_the_inventorys(inventory, build) -> None:
    built = [_shape(c) for c in build()]
    declared = {c.name: _shape(c) for c in s.get_spec(inventory).columns}
    assert built == [declared[shape[0]] for shape in built]


def test_input_columns_read_media_and_metrics() -> None:
    cols = {c.name: c for c in s._input_columns("", "")}
    item = {
        "data": {
            "video": {"url": "https://v"},
            "concepts": [{"id": "cat"}, {"id": ""}],
            "geo": {"geo_point": {"latitude": 1.5}},
        }
    }
    assert _read(cols["data_kind"], item) == "video" and _read(cols["url"], item) == "https://v"
    assert _read(cols["concept_ids"], item) == ["cat"] and _read(cols["geo_latitude"], item) == 1.5
    assert _read(cols["data_kind"], {"data": {"image": {}, "audio": {"url": "a"}}}) == "audio"
    assert _read(cols["url"], {"data": {"text": {"raw": "t"}}}) is None
    metric = s._metric("inputs_count")
    assert _read(metric, {"metrics": {"/": {"inputs_count": "4"}}}) == 4 and _read(metric, {}) is None


def test_a_spec_is_frozen_and_keeps_its_order() -> None:
    spec = s.get_spec("datasets")
    assert spec.column_names[:3] == ["id", "app_id", "user_id"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "other"  # type: ignore[misc]


def test_distinct_computes_each_plain_value_once() -> None:
    from connector.inventory.compiled import distinct

    calls: list[Any] = []

    def name_of(value: Any) -> str:
        """Names a value."""
        calls.append(value)
        return f"<{value}>"

    cached = distinct(name_of)
    assert cached.__name__ == "name_of" and cached.__doc__ == "Names a value."
    assert [cached(v) for v in (1, 1, "1", "1", 1.0, True)] == ["<1>", "<1>", "<1>", "<1>", "<1.0>", "<True>"]
    assert calls == [1, "1", 1.0, True]  # 1, "1", 1.0 and True are told apart by their type
    assert cached([1]) == "<[1]>" and cached([1]) == "<[1]>" and calls[-2:] == [[1], [1]]  # not cached
    for n in range(5000):
        cached(n)
    calls.clear()
    cached(4999)
    assert calls == [4999]  # past 4096 cached values, new ones are computed every time
    cached(3)
    assert calls == [4999]


def test_a_column_over_several_paths_takes_the_first_value_set() -> None:
    col = s.Column("either", pa.string(), paths=("a", "b.c"))
    assert _read(col, {"a": "first", "b": {"c": "second"}}) == "first"
    assert _read(col, {"b": {"c": "second"}}) == "second" and _read(col, {}) is None


def test_an_inventorys_schema_by_name() -> None:
    assert s.schema("datasets") == s.get_spec("datasets").schema
    assert s.schema("datasets").metadata == {b"inventory": b"datasets"}


def test_a_compiled_inventory_reads_nested_paths_shared_parents_and_odd_containers() -> None:
    """A probe inventory compiled now (inventories compile once, on first use): columns
    share parents, a parent may be missing or not a dict, a page may be empty."""
    from types import MappingProxyType

    cols = (
        s.string("abc", "a.b.c"),
        s.string("ad", "a.d"),
        s.integer("ae", "a.e.f"),
        s.string("e", "e"),
        s.Column("either", pa.string(), paths=("x.y", "a.d")),
        s.timestamp("at", "t.at"),
        s.strings("ids", "l", "ids"),
        s.boolean("flag", "g.h"),
        s.string("deep", "p.q.r.s.t.u.v.w.x.y.z"),
    )
    spec = s.InventorySpec("probe2", "ListDatasets", "datasets", "app", cols, "a probe")
    items = [
        {"a": {"b": {"c": "c1"}, "d": "d1", "e": {"f": "7"}}, "e": 5, "t": {"at": "2026-01-02T03:04:05Z"}, "l": ["x"]},
        {"a": MappingProxyType({"b": MappingProxyType({"c": "c2"}), "d": None}), "x": {"y": "xy"}, "g": {"h": "true"}},
        {
            "a": None,
            "e": None,
            "t": "not a map",
            "l": None,
            "g": {},
            "p": {"q": {"r": {"s": {"t": {"u": {"v": {"w": {"x": {"y": {"z": "deep"}}}}}}}}}},
        },
        {},
    ]
    rows = record_batch(spec, items, {}).to_pylist()
    assert rows == [
        {
            "abc": "c1",
            "ad": "d1",
            "ae": 7,
            "e": "5",
            "either": "d1",
            "at": rows[0]["at"],
            "ids": ["x"],
            "flag": False,
            "deep": None,
        },
        {
            "abc": "c2",
            "ad": None,
            "ae": None,
            "e": None,
            "either": "xy",
            "at": None,
            "ids": [],
            "flag": True,
            "deep": None,
        },
        {
            "abc": None,
            "ad": None,
            "ae": None,
            "e": None,
            "either": None,
            "at": None,
            "ids": [],
            "flag": False,
            "deep": "deep",
        },
        {
            "abc": None,
            "ad": None,
            "ae": None,
            "e": None,
            "either": None,
            "at": None,
            "ids": [],
            "flag": False,
            "deep": None,
        },
    ]
    assert rows[0]["at"].isoformat() == "2026-01-02T03:04:05+00:00"
    empty = record_batch(spec, [], {})
    assert empty.num_rows == 0 and empty.schema == spec.schema
    nulls = record_batch(
        s.InventorySpec("probe3", "ListDatasets", "datasets", "app", (s.integer("n"),), "p"), [{}, {}], {}
    )
    assert nulls.schema.field("n").type == pa.int64() and nulls.to_pylist() == [{"n": None}, {"n": None}]


def test_distinct_names_a_function_without_a_name_cached_and_caches_exactly_4096_values() -> None:
    import functools

    from connector.inventory.compiled import distinct

    assert distinct(functools.partial(str)).__name__ == "cached"
    calls: list[int] = []
    cached = distinct(lambda v: calls.append(v) or v)
    for n in range(4097):
        cached(n)
    calls.clear()
    cached(4095)
    assert calls == []  # the 4096th value was kept
    cached(4096)
    assert calls == [4096]  # the 4097th was not


def test_frames_of_exactly_the_rows_asked_for(client) -> None:
    from connector.errors import ValidationError
    from connector.inventory.frames import iter_frames

    client.post_datasets([{"id": f"ds{n}"} for n in range(5)])
    frames = list(iter_frames(client, "datasets", chunk_rows=1))
    assert [len(f) for f in frames] == [1] * 5
    limited = list(iter_frames(client, "datasets", chunk_rows=2, per_page=2, max_pages=1))
    assert [len(f) for f in limited] == [2]  # the listing's own arguments are passed on
    with pytest.raises(ValidationError, match=r"^chunk_rows must be at least 1, got 0$"):
        iter_frames(client, "datasets", chunk_rows=0)
