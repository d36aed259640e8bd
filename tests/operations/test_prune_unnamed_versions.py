"""A dataset version listed without its ``dataset_id`` (the field is optional in the
API's JSON) belongs to the dataset it was listed from: planning and the recheck file it
there, so a plan names it and a recheck still protects it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.operations import PrunePolicy, plan_prune
from connector.operations.base import utcnow
from connector.operations.prune import recheck_policy
from tests.support.scenarios import make_dataset, make_versions, train_model_on


class _UnnamedVersions(httpx.BaseTransport):
    """Real HTTP to the emulator, with ``dataset_id`` dropped from listed versions."""

    def __init__(self) -> None:
        self._http = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._http.handle_request(request)
        if request.method != "GET" or not request.url.path.endswith("/versions"):
            return response
        response.read()
        body = json.loads(response.content)
        for version in body.get("dataset_versions") or []:
            version.pop("dataset_id", None)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return httpx.Response(response.status_code, headers=headers, json=body, request=request)

    def close(self) -> None:
        self._http.close()


@pytest.fixture
def unnamed(client_config) -> Iterator[ClarifaiClient]:
    with ClarifaiClient(client_config, transport=_UnnamedVersions()) as client:
        yield client


def test_the_listing_drops_the_field(client, unnamed) -> None:
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}])
    assert [v.get("dataset_id") for v in client.list_dataset_versions("ds")] == ["ds"]
    assert [v.get("dataset_id") for v in unnamed.list_dataset_versions("ds")] == [None]


def test_a_plan_files_unnamed_versions_under_the_listed_dataset(client, unnamed) -> None:
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{n}"} for n in range(1, 4)])
    plan = plan_prune(unnamed, "ds", PrunePolicy(keep_last=1), now=utcnow() + timedelta(days=1))
    assert {(r["dataset_id"], r["version_id"]) for r in plan.rows} == {("ds", "v1"), ("ds", "v2"), ("ds", "v3")}
    assert plan.to_delete == {"ds": ["v2", "v1"]}


def test_a_recheck_protects_unnamed_versions(client, unnamed) -> None:
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{n}"} for n in range(1, 4)])
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1), now=utcnow() + timedelta(days=1))
    train_model_on(client, "m1", "ds", "v2")
    assert recheck_policy(unnamed, plan) == {
        "ds/v2": "protected: a model version was trained on it (rechecked when applied)"
    }
