"""The generated route and status tables match the official descriptors, and every
endpoint method of the client sends its route's verb and path with a body that parses
into the official request message (checked by the conftest contract hook)."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from clarifai_grpc.grpc.api import service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2
from google.api import annotations_pb2

from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig
from connector.routes import ROUTES
from connector.status_codes import STATUS_CODES
from tests.support.contract import contract_hooks
from tests.support.endpoints import ENDPOINT_CALLS, endpoint_method_names

V2 = service_pb2.DESCRIPTOR.services_by_name["V2"]


def _official_binding(rpc: str) -> tuple[str, str]:
    rule = V2.methods_by_name[rpc].GetOptions().Extensions[annotations_pb2.http]
    verb = rule.WhichOneof("pattern")
    path = getattr(rule, verb)
    return verb.upper(), path.replace("{user_app_id.user_id}", "{user_id}").replace("{user_app_id.app_id}", "{app_id}")


@pytest.mark.parametrize("rpc", sorted(ROUTES))
def test_route_matches_official_descriptor(rpc: str) -> None:
    assert rpc in V2.methods_by_name, f"{rpc} is not a method of the official V2 service"
    method = V2.methods_by_name[rpc]
    route = ROUTES[rpc]
    assert (route.verb, route.path) == _official_binding(rpc)
    assert route.request == method.input_type.name
    assert route.response == method.output_type.name


def test_status_code_table_matches_official_enum() -> None:
    official: dict[int, set[str]] = {}
    for value in status_code_pb2.StatusCode.DESCRIPTOR.values:
        official.setdefault(value.number, set()).add(value.name)
    assert set(STATUS_CODES) == set(official)
    for number, name in STATUS_CODES.items():
        assert name in official[number], (number, name)


# -- every endpoint method sends its route ---------------------------------------------


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


def _recording_client() -> tuple[ClarifaiClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": {"code": 10000, "req_id": "r"}})

    config = ClarifaiConfig(
        pat="routes-test-pat", user_id="u1", app_id="a1", base_url="http://127.0.0.1:9", rate_limit=0
    )
    client = ClarifaiClient(config, transport=httpx.MockTransport(handler), event_hooks=contract_hooks())
    return client, seen


def test_endpoint_table_covers_every_endpoint_method() -> None:
    assert endpoint_method_names() == sorted(ENDPOINT_CALLS)


@pytest.mark.parametrize("name", sorted(ENDPOINT_CALLS))
def test_endpoint_method_sends_its_route(name: str) -> None:
    args, rpc = ENDPOINT_CALLS[name]
    route = ROUTES[rpc]
    client, seen = _recording_client()
    with client:
        result = getattr(client, name)(*args)
        if name.startswith("list_"):
            assert list(result) == []
    assert len(seen) == 1
    request = seen[0]
    assert request.method == route.verb
    assert _template_regex(route.path).match(request.url.path), (request.url.path, route.path)
    assert request.headers["authorization"] == "Key routes-test-pat"
    if route.verb == "GET":
        assert request.content == b""
        if name.startswith("list_"):
            assert request.url.params["page"] == "1"
            assert request.url.params["per_page"] == str(client.config.per_page)
    else:
        assert isinstance(json.loads(request.content), dict)


def test_request_bodies_use_official_field_names() -> None:
    client, seen = _recording_client()
    with client:
        client.delete_dataset_versions("ds1", ["v1", "v2"])
        client.cancel_bulk_operations(["op1"])
        client.patch_tasks([{"id": "t1"}], action="merge")
        client.post_dataset_inputs("ds1", ["a", "b"])
        list(client.list_annotations(["a", "b"]))
    bodies = [json.loads(r.content) if r.method != "GET" else None for r in seen]
    assert bodies[0] == {"dataset_version_ids": ["v1", "v2"]}
    assert bodies[1] == {"ids": ["op1"]}
    assert bodies[2] == {"tasks": [{"id": "t1"}], "action": "merge"}
    assert bodies[3] == {"dataset_inputs": [{"input": {"id": "a"}}, {"input": {"id": "b"}}]}
    assert seen[4].url.params.get_list("input_ids") == ["a", "b"]
    assert seen[0].url.path == "/v2/users/u1/apps/a1/datasets/ds1/versions"
