"""The source of a split: a dataset version that is not READY and an empty dataset or
app are refused naming the argument; an input's concepts are those with a positive
value (a concept the API sends without a value counts as present)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig
from connector.errors import ValidationError
from connector.operations import SplitSpec, plan_split, split
from connector.operations.split import read_source
from tests.support.scenarios import make_dataset, make_inputs, writes


def test_a_version_that_is_not_ready_is_refused(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 4))
    client.post_dataset_versions("src", [{"id": "sv1"}])
    emulator.admin.fail_dataset_version("src", "sv1")
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError) as info:
        split(client, SplitSpec(dataset_id="src", version_id="sv1"))
    assert info.value.argument == "version_id"
    assert str(info.value) == "version_id: dataset version src/sv1 is not READY"
    assert writes(emulator) == []


def test_an_empty_source_dataset_is_refused(client, emulator) -> None:
    make_dataset(client, "src")
    with pytest.raises(ValidationError) as info:
        plan_split(client, SplitSpec(dataset_id="src"))
    assert info.value.argument == "dataset_id"
    assert str(info.value) == "source dataset 'src' (dataset_id) holds no inputs: nothing to split"


def test_an_app_without_inputs_is_refused(client, emulator) -> None:
    with pytest.raises(ValidationError) as info:
        split(client, SplitSpec(app=True))
    assert info.value.argument == "app"
    assert str(info.value) == "the app holds no inputs: nothing to split (app)"
    assert writes(emulator) == []


INPUTS: list[dict[str, Any]] = [
    {"id": "pos", "data": {"concepts": [{"id": "cat", "value": 1}]}},
    {"id": "weak", "data": {"concepts": [{"id": "cat", "value": 0.25}]}},
    {"id": "unset", "data": {"concepts": [{"id": "cat"}]}},
    {"id": "absent", "data": {"concepts": [{"id": "cat", "value": 0}, {"id": "dog", "value": 1}]}},
    {"id": "below", "data": {"concepts": [{"id": "cat", "value": -1}]}},
    {"id": "nameless", "data": {"concepts": [{"id": "", "value": 1}, {"name": "cat", "value": 1}]}},
]


def _listing(request: httpx.Request) -> httpx.Response:
    assert request.url.path == "/v2/users/u/apps/a/inputs"
    page = int(request.url.params.get("page", "1"))
    return httpx.Response(200, json={"status": {"code": 10000}, "inputs": INPUTS if page == 1 else []})


def test_an_inputs_concepts_are_those_with_a_positive_value() -> None:
    config = ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9", rate_limit=0)
    with ClarifaiClient(config, transport=httpx.MockTransport(_listing)) as client:
        items = read_source(client, SplitSpec(app=True))
        assert {i.id: i.concepts for i in items} == {
            "pos": ("cat",),
            "weak": ("cat",),
            "unset": ("cat",),
            "absent": ("dog",),
            "below": (),
            "nameless": (),
        }
        assert {i.id: i.stratum for i in items}["absent"] == "dog"
        assert [i.id for i in read_source(client, SplitSpec(app=True, concepts=["cat"]))] == ["pos", "weak", "unset"]
