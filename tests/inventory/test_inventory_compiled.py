"""The compiled extractors (one walk per item, conversions once per page) give exactly
what reading each item column by column with the extract helpers gives, for every
inventory, on well-formed items and on every odd form a field may take."""

from __future__ import annotations

import copy
import itertools
import random
import types
from collections.abc import Mapping
from typing import Any, ClassVar

import pyarrow as pa
import pytest

from connector.inventory import INVENTORIES, Column, InventorySpec, record_batch
from connector.inventory import extract as x
from connector.inventory.compiled import TIMESTAMP, compile_extractor, timestamps

ODD = [
    None,
    "",
    "12",
    " 7 ",
    "x",
    "true",
    "2024-01-02T03:04:05.123456789Z",
    "2024-01-02T03:04:05+02:00",
    12,
    0,
    12.0,
    2.5,
    True,
    False,
    {"value": 3},
    {"value": "false"},
    {},
    [],
    ["a", "b"],
    ["a", 1, None],
    [{"id": "c1"}, {"id": ""}, {"concept": {"id": "k"}}],
    {"id": "n", "url": "u"},
    {"code": 21100},
    {"code": "SUCCESS"},
    {"code": "NOT_A_CODE"},
    {"/": {"inputs_count": "5"}},
    types.MappingProxyType({"id": "proxy", "code": 10000, "url": "p"}),
]


def reference_batch(spec: InventorySpec, items: list[Any], scope: Mapping[str, Any]) -> pa.RecordBatch:
    """What a page was before compiling: every column reads every item from its root."""
    arrays = []
    for col in spec.columns:
        values = [col.get(item, scope) for item in items]
        arrays.append(timestamps(values) if col.type == TIMESTAMP else pa.array(values, type=col.type))
    return pa.RecordBatch.from_arrays(arrays, schema=spec.schema)


def _set(item: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        nxt = item.get(key)
        if not isinstance(nxt, dict):
            nxt = item[key] = {}
        item = nxt
    item[keys[-1]] = value


def _fresh(value: Any) -> Any:
    """A copy of an odd value (they are shared; items are built by setting into them)."""
    if isinstance(value, types.MappingProxyType):
        return types.MappingProxyType(copy.deepcopy(dict(value)))
    return copy.deepcopy(value)


def _paths(spec: InventorySpec) -> list[str]:
    found = {p for col in spec.columns for p in col.paths if p}
    found |= {p for col in spec.columns for p in col.sources}
    return sorted(found)


def _items(spec: InventorySpec, seed: int, n: int = 60) -> list[Any]:
    rng = random.Random(seed)
    paths = _paths(spec)
    items: list[Any] = []
    for _ in range(n):
        item: dict[str, Any] = {}
        for path in rng.sample(paths, k=min(len(paths), rng.randint(0, len(paths)))):
            _set(item, path, _fresh(rng.choice(ODD)))
        items.append(item)
    # Whole-item oddities: a mapping that is not a dict, and an empty item.
    items.append(types.MappingProxyType({"id": "m", "status": {"code": 10000}}))
    items.append({})
    return items


@pytest.mark.parametrize("name", sorted(INVENTORIES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_page_equals_reading_each_column(name, seed):
    spec = INVENTORIES[name]
    scope = {"dataset_id": "ds-scope", "model_id": "m-scope"}
    items = _items(spec, seed)
    got = record_batch(spec, items, scope)
    want = reference_batch(spec, items, scope)
    assert got.schema == spec.schema
    for col, got_col, want_col in zip(spec.columns, got.columns, want.columns, strict=True):
        assert got_col.to_pylist() == want_col.to_pylist(), col.name


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_pages_of_one_odd_value_match(name):
    """Every item of a page holds the same odd value at one path: the page-level
    decision (convert nothing, or every value) must give the helpers' results."""
    spec = INVENTORIES[name]
    scope = {"dataset_id": "ds-scope", "model_id": "m-scope"}
    for path in _paths(spec):
        for value in ODD:
            items: list[Any] = []
            for _ in range(3):
                item: dict[str, Any] = {}
                _set(item, path, _fresh(value))
                items.append(item)
            got = record_batch(spec, items, scope).to_pylist()
            assert got == reference_batch(spec, items, scope).to_pylist(), (path, value)


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_well_formed_pages_take_the_fast_path_and_match(name):
    """Items whose fields all have their usual types (what the API sends)."""
    spec = INVENTORIES[name]
    items = []
    for i in range(50):
        item: dict[str, Any] = {}
        for col in spec.columns:
            for path in col.paths:
                if not path:
                    continue
                if col.type == TIMESTAMP:
                    value: Any = f"2024-01-{1 + i % 28:02d}T00:00:00.5Z"
                elif pa.types.is_integer(col.type) and col.fn is None:
                    value = i
                elif pa.types.is_floating(col.type):
                    value = i / 4
                elif pa.types.is_boolean(col.type):
                    value = i % 3 == 0
                elif pa.types.is_list(col.type) and col.fn is None:
                    value = [f"s{i}", "t"]
                elif path.endswith(".code"):
                    value = "SUCCESS" if i % 2 else 10000
                elif col.fn is None and not col.is_json:
                    value = f"{col.name}-{i}"
                else:
                    value = {"id": f"n{i}"}
                _set(item, path, value)
        items.append(item)
    scope = {"dataset_id": "d", "model_id": "m"}
    assert record_batch(spec, items, scope).to_pylist() == reference_batch(spec, items, scope).to_pylist()


def test_each_node_of_an_item_is_looked_up_once():
    """One walk per item: a node read by several columns is fetched from its parent once."""

    class Counting(dict):
        lookups: ClassVar[dict[str, int]] = {}

        def get(self, key, default=None):
            Counting.lookups[key] = Counting.lookups.get(key, 0) + 1
            return super().get(key, default)

    spec = INVENTORIES["inputs"]
    status = Counting(code=10000, description="ok")
    data = Counting(image=Counting(url="u"), concepts=[{"id": "c"}], metadata={"k": 1})
    item = Counting(id="i1", data=data, status=status, created_at="2024-01-01T00:00:00Z")
    row = record_batch(spec, [item]).to_pylist()[0]
    assert row["url"] == "u" and row["status_code"] == 10000 and row["status_name"] == "SUCCESS"
    # "data" feeds 6 columns, "status" 3, "image" 2 (kind and url): each looked up once.
    assert Counting.lookups["data"] == Counting.lookups["status"] == Counting.lookups["image"] == 1


def test_a_getter_only_column_still_works():
    spec = InventorySpec(
        "custom",
        "ListInputs",
        "inputs",
        "app",
        doc="",
        columns=(
            Column("id", pa.string(), doc="", paths=("id",)),
            Column("twice", pa.string(), lambda item, scope: f"{item.get('id')}-{scope.get('k')}", "getter"),
        ),
    )
    batch = compile_extractor(spec)([{"id": "a"}, {"id": "b"}], {"k": 1})
    assert batch.to_pylist() == [{"id": "a", "twice": "a-1"}, {"id": "b", "twice": "b-1"}]


def test_a_column_needs_a_way_to_read():
    with pytest.raises(ValueError, match="needs paths"):
        Column("nothing", pa.string())


def test_distinct_values_are_converted_once_each():
    from connector.inventory.compiled import distinct

    calls: list[Any] = []

    def name(code: Any) -> Any:
        calls.append(code)
        return x.status_name({"code": code})

    cached = distinct(name)
    values = [10000, "SUCCESS", 10000, 10000, True, True, {"a": 1}, {"a": 1}]
    assert [cached(v) for v in values] == [x.status_name({"code": v}) for v in values]
    # ints and strings once each; bool (== 1) and unhashable values are never cached
    assert calls.count(10000) == 1 and calls.count("SUCCESS") == 1
    assert sum(1 for c in calls if c is True) == 2 and calls.count({"a": 1}) == 2


def test_empty_page_and_scope_columns():
    for name, spec in INVENTORIES.items():
        batch = record_batch(spec, [], {"dataset_id": "d"})
        assert batch.num_rows == 0 and batch.schema == spec.schema, name
    rows = record_batch("dataset_inputs", [{"input": {"id": "i"}}] * 2, {"dataset_id": "d"}).to_pylist()
    assert [r["dataset_id"] for r in rows] == ["d", "d"]
    rows = record_batch(
        "dataset_versions", [{"id": "v", "dataset_id": ""}, {"id": "w", "dataset_id": "own"}], {"dataset_id": "d"}
    ).to_pylist()
    assert [r["dataset_id"] for r in rows] == ["d", "own"]


def test_odd_values_cover_every_conversion():
    """The odd values reach each kind's slow path (not only the fast one)."""
    kinds = {type(v) for v in ODD}
    assert {str, int, float, bool, dict, list, type(None), types.MappingProxyType} <= kinds
    assert any(isinstance(a, str) and isinstance(b, int) for a, b in itertools.product(ODD, ODD))
