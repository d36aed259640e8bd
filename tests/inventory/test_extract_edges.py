"""The inventory extract helpers on the odd values the API (or a proxy) can send:
fractions where an integer belongs, numbers and strings where a bool belongs, empty and
missing ids, names with blanks around them. Each helper returns None (or an empty list)
for what it cannot read, and never raises."""

from __future__ import annotations

import pytest

from connector.errors import ValidationError
from connector.inventory import extract as x
from connector.inventory.frames import resolve_scopes
from connector.inventory.schemas import get_spec


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        ("7", 7),
        (" 7 ", 7),
        ("-3", -3),
        ("12345678901234567", 12345678901234567),  # int64 as a string, beyond float precision
        (2.0, 2),
        ("2.0", 2),
        ("1e3", 1000),
        (2.5, None),  # a fraction is not an integer
        ("2.5", None),
        ("0.1", None),
        (True, 1),
        (False, 0),
        ({"value": "9"}, 9),
        ({"value": 1.5}, None),
        ({"other": 1}, None),
        (None, None),
        ("", None),
        ("seven", None),
        ([], None),
        ({}, None),
    ],
)
def test_as_int(value, expected) -> None:
    got = x.as_int(value)
    assert got == expected and (got is None or type(got) is int)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.25, 0.25),
        (3, 3.0),
        ("0.5", 0.5),
        (" 1.5 ", 1.5),
        ({"value": "2.5"}, 2.5),
        (True, None),
        (False, None),
        ({"value": None}, None),
        ("half", None),
        ([1.0], None),
        (None, None),
    ],
)
def test_as_float(value, expected) -> None:
    got = x.as_float(value)
    assert got == expected and (got is None or type(got) is float)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        (" TRUE ", True),
        ("1", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("yes", None),
        ("", None),
        (1, True),
        (2, True),
        (0, False),
        (0.0, False),
        (0.5, True),
        ({"value": "1"}, True),
        ({"value": False}, False),
        ({}, None),
        ([True], None),
        (None, None),
    ],
)
def test_as_bool(value, expected) -> None:
    assert x.as_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a", "a"),
        ("", ""),
        (5, "5"),
        (1.5, "1.5"),
        (True, "True"),
        (None, None),
        ({}, None),
        ([], None),
        ({"a": 1}, None),
    ],
)
def test_as_str(value, expected) -> None:
    assert x.as_str(value) == expected


def test_ids_skip_missing_and_empty_ids() -> None:
    items = [{"id": "a"}, {"id": ""}, {}, {"id": None}, {"id": 7}, "not an item", {"id": " b "}]
    assert x.ids_of(items) == ["a", "7", " b "]
    assert x.ids_of([{"user": {"id": "u1"}}, {"user": {}}, {"user": "u2"}], "user.id") == ["u1"]
    assert x.ids_of({"id": "a"}) == [] and x.ids_of(None) == []


def test_str_list() -> None:
    assert x.str_list(None) == []
    assert x.str_list("one") == ["one"]
    assert x.str_list(["a", None, 3]) == ["a", "3"]
    assert x.str_list(("a", "b")) == ["a", "b"]
    assert x.str_list(5) == ["5"]
    assert x.str_list([]) == []


def test_dig_stops_at_anything_but_a_mapping() -> None:
    obj = {"a": {"b": {"c": 0}}, "l": [{"b": 1}], "s": "text", "n": None}
    assert x.dig(obj, "a.b.c") == 0
    assert x.dig(obj, "a.b") == {"c": 0}
    assert x.dig(obj, "l.b") is None and x.dig(obj, "s.b") is None and x.dig(obj, "n.b") is None
    assert x.dig(obj, "missing") is None and x.dig(None, "a") is None and x.dig("text", "a") is None


@pytest.mark.parametrize(
    ("status", "code", "name"),
    [
        ({"code": 10000}, 10000, "SUCCESS"),
        ({"code": "10000"}, 10000, "SUCCESS"),
        ({"code": "DATASET_VERSION_READY"}, 64015, "DATASET_VERSION_READY"),
        ({"code": 99999999}, 99999999, "99999999"),  # a number the enum lacks stays a number
        ({"code": "SOME_NEW_CODE"}, None, "SOME_NEW_CODE"),  # a name the enum lacks is kept as sent
        ({"code": "  "}, None, None),
        ({"code": None}, None, None),
        ({}, None, None),
        (None, None, None),
        ("SUCCESS", None, None),
    ],
)
def test_status_code_and_name(status, code, name) -> None:
    assert x.status_code(status) == code
    assert x.status_name(status) == name


def test_first_key_and_media() -> None:
    assert x.first_key({"split_into_datasets": {}, "other": 1}) == "split_into_datasets"
    assert x.first_key({}) is None and x.first_key(["a"]) is None and x.first_key(None) is None
    assert x.data_kind({"image": {"url": "u"}}) == "image"
    assert x.data_kind({"image": {}, "text": {"raw": "t"}}) == "text"  # an empty media part is no media
    assert x.data_kind({"metadata": {}}) is None and x.data_kind("image") is None and x.data_kind(None) is None
    assert x.data_url({"video": {"url": "https://v"}}) == "https://v"
    assert x.data_url({"text": {"raw": "t"}}) is None and x.data_url({}) is None


def test_annotation_concepts_from_every_level_without_repeats() -> None:
    data = {
        "concepts": [{"id": "cat"}, {"id": ""}],
        "regions": [{"data": {"concepts": [{"id": "dog"}, {"id": "cat"}]}}],
        "frames": [
            {"data": {"concepts": [{"id": "bird"}], "regions": [{"data": {"concepts": [{"id": "fish"}]}}]}},
            {"data": {}},
        ],
    }
    assert x.annotation_concept_ids(data) == ["cat", "dog", "bird", "fish"]
    assert x.annotation_concept_ids({}) == [] and x.annotation_concept_ids(None) == []


def test_version_metrics_prefers_the_whole_dataset_entry() -> None:
    assert x.version_metrics({"/": {"inputs_count": "3"}, "/a": {"inputs_count": "1"}}) == {"inputs_count": "3"}
    assert x.version_metrics({"/a": {"inputs_count": "1"}}) == {"inputs_count": "1"}
    assert x.version_metrics({"/a": {}, "/b": {}}) == {}
    assert x.version_metrics({"/": "oops", "/a": {"x": 1}}) == {}
    assert x.version_metrics({"/a": "oops"}) == {}
    assert x.version_metrics({}) == {} and x.version_metrics(None) == {}


def test_json_text_is_stable_and_unicode() -> None:
    assert x.json_text({"b": [1, {"d": 1, "c": 2}], "a": "é"}) == '{"a":"é","b":[1,{"c":2,"d":1}]}'
    assert x.json_text(None) is None and x.json_text({}) == "{}" and x.json_text(0) == "0"


def test_unique_keeps_the_first_occurrence() -> None:
    assert x.unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


# -- dataset and model names given to an inventory ----------------------------------------


class NoCalls:
    """A client that must not be called: names are checked before any request."""

    def __getattr__(self, name: str):
        raise AssertionError(f"unexpected call {name}")


@pytest.mark.parametrize("bad", ["", "   ", ["ds", " "], [None], [3]])
def test_blank_or_non_string_dataset_names_are_refused_before_any_request(bad) -> None:
    with pytest.raises(ValidationError, match="dataset ids must be non-empty strings"):
        resolve_scopes(NoCalls(), get_spec("dataset_versions"), datasets=bad)


def test_an_empty_list_of_names_is_refused_not_read_as_all() -> None:
    with pytest.raises(
        ValidationError, match="an empty list of model ids was given in models; pass None for all models"
    ):
        resolve_scopes(NoCalls(), get_spec("model_versions"), models=[])


def test_names_are_stripped_and_deduplicated(client) -> None:
    client.post_datasets([{"id": "ds1"}, {"id": "ds2"}])
    scopes = resolve_scopes(client, get_spec("dataset_inputs"), datasets=[" ds1", "ds2 ", "ds1"])
    assert scopes == [{"dataset_id": "ds1"}, {"dataset_id": "ds2"}]


def test_a_scope_the_inventory_does_not_take_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not take datasets"):
        resolve_scopes(NoCalls(), get_spec("concepts"), datasets=["ds"])
    with pytest.raises(ValidationError, match="does not take models"):
        resolve_scopes(NoCalls(), get_spec("dataset_versions"), models=["m"])


def test_any_mapping_is_read_not_only_a_dict() -> None:
    from types import MappingProxyType

    data = MappingProxyType({"audio": MappingProxyType({"url": "https://a"})})
    assert x.data_kind(data) == "audio" and x.data_url(data) == "https://a"
    assert x.dig(MappingProxyType({"a": {"b": 1}}), "a.b") == 1
    assert x.version_metrics(MappingProxyType({"/": {"inputs_count": "2"}})) == {"inputs_count": "2"}


@pytest.mark.parametrize("metrics", ["/", "x", ["/"], [{"inputs_count": 1}], 5])
def test_version_metrics_of_something_that_is_not_a_map(metrics) -> None:
    assert x.version_metrics(metrics) == {}
