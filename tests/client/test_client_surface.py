"""What both clients promise beyond single calls: the generic async call path with every
argument, async listings and their early close, the endpoint-method decorators, the
request shapes of patches and deletes, and how a client shows itself."""

from __future__ import annotations

import asyncio
import inspect
import os
from urllib.parse import parse_qs

import httpx
import pytest

from connector.aio import AsyncClarifaiClient
from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig, RetryPolicy
from connector.endpoints import Call, Listing, listing, unary
from connector.errors import ClarifaiError, ConfigurationError, OutcomeUnknownError, ValidationError
from connector.status_codes import StatusCode
from tests.support.contract import async_contract_hooks

OFFLINE = ClarifaiConfig(pat="surface-pat", user_id="u", app_id="a", base_url="http://127.0.0.1:9", rate_limit=0)


def test_a_client_shows_its_class_user_app_and_base_url_never_the_pat() -> None:
    for cls in (ClarifaiClient, AsyncClarifaiClient):
        client = cls(OFFLINE)
        text = repr(client)
        assert text == f"{cls.__name__}(user_id='u', app_id='a', base_url='http://127.0.0.1:9')"
        assert "surface-pat" not in text


def _run(coro):
    return asyncio.run(coro)


def test_the_async_call_path_sends_path_body_and_honours_its_options(client_config, emulator, client) -> None:
    client.post_datasets([{"id": "ds"}])

    async def main() -> None:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as aclient:
            got = await aclient.call("GetDataset", path={"dataset_id": "ds"})
            assert got["dataset"]["id"] == "ds"
            with pytest.raises(ConfigurationError, match="dataset_id"):
                await aclient.call("GetDataset")
            created = await aclient.call("PostDatasets", body={"datasets": [{"id": "ds2"}]})
            assert [d["id"] for d in created["datasets"]] == ["ds2"]

    _run(main())
    assert sorted(d["id"] for d in client.list_datasets()) == ["ds", "ds2"]


def test_the_async_call_accepts_item_codes_and_marks_a_write_idempotent(client_config, emulator, client) -> None:
    client.post_inputs([{"id": "in1", "data": {"text": {"raw": "x"}}}])
    client.post_datasets([{"id": "ds"}])
    client.post_dataset_inputs("ds", ["in1"])
    body = {"dataset_inputs": [{"input": {"id": "in1"}}]}

    async def main() -> None:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as aclient:
            accepted = await aclient.call(
                "PostDatasetInputs",
                path={"dataset_id": "ds"},
                body=body,
                ok_item_codes=[StatusCode.DATASET_INPUT_DUPLICATE],
            )
            assert accepted["dataset_inputs"][0]["input"]["id"] == "in1"
            emulator.admin.script_fault("reset", 1, rpc="PostDatasets")
            with pytest.raises(OutcomeUnknownError):  # a POST is not retried by default ...
                await aclient.call("PostDatasets", body={"datasets": [{"description": "no id"}]})
            emulator.admin.script_fault("reset", 1, rpc="PostDatasets")
            retried = await aclient.call("PostDatasets", body={"datasets": [{"id": "ds9"}]}, idempotent=True)
            assert [d["id"] for d in retried["datasets"]] == ["ds9"]  # ... unless told it is safe

    _run(main())


def test_the_call_path_sends_its_body_and_honours_its_options(client, emulator) -> None:
    """The sync twin of the two tests above: ``call`` sends the body it is given, accepts
    the failed items whose codes it is told to, and retries a POST only when told it is
    safe."""
    client.post_inputs([{"id": "in1", "data": {"text": {"raw": "x"}}}])
    created = client.call("PostDatasets", body={"datasets": [{"id": "ds", "description": "sent"}]})
    assert [d["id"] for d in created["datasets"]] == ["ds"]
    assert client.get_dataset("ds")["description"] == "sent"
    client.post_dataset_inputs("ds", ["in1"])
    body = {"dataset_inputs": [{"input": {"id": "in1"}}]}
    with pytest.raises(ClarifaiError, match="DATASET_INPUT_DUPLICATE"):
        client.call("PostDatasetInputs", path={"dataset_id": "ds"}, body=body)
    accepted = client.call(
        "PostDatasetInputs", path={"dataset_id": "ds"}, body=body, ok_item_codes=[StatusCode.DATASET_INPUT_DUPLICATE]
    )
    assert accepted["dataset_inputs"][0]["input"]["id"] == "in1"
    emulator.admin.script_fault("reset", 1, rpc="PostDatasets")
    with pytest.raises(OutcomeUnknownError):  # a POST is not retried by default ...
        client.call("PostDatasets", body={"datasets": [{"id": "ds8"}]})
    emulator.admin.script_fault("reset", 1, rpc="PostDatasets")
    emulator.admin.clear_requests()
    retried = client.call("PostDatasets", body={"datasets": [{"id": "ds9"}]}, idempotent=True)
    assert [d["id"] for d in retried["datasets"]] == ["ds9"]  # ... unless told it is safe
    assert [r["rpc"] for r in emulator.admin.requests()] == ["PostDatasets", "PostDatasets"]


def test_async_listings_pass_every_paging_argument(client_config, emulator, client) -> None:
    client.post_datasets([{"id": "ds"}])
    for n in range(7):
        client.post_dataset_versions("ds", [{"id": f"v{n}", "description": "keep" if n % 2 else "skip"}])
    emulator.admin.clear_requests()

    async def main() -> tuple[list[list[str]], list[str], list[str]]:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as aclient:
            pages = [
                [v["id"] for v in page]
                async for page in aclient.iter_pages(
                    "ListDatasetVersions",
                    "dataset_versions",
                    path={"dataset_id": "ds"},
                    params={"request_origins": ["MANUAL", "TRAINING"]},
                    per_page=3,
                    concurrency=2,
                    max_pages=2,
                )
            ]
            items = [
                v["id"]
                async for v in aclient.paginate(
                    "ListDatasetVersions", "dataset_versions", path={"dataset_id": "ds"}, per_page=2, max_pages=1
                )
            ]
            listed = [v["id"] async for v in aclient.list_dataset_versions("ds", per_page=4, max_pages=1)]
            return pages, items, listed

    pages, items, listed = _run(main())
    assert [len(p) for p in pages] == [3, 3] and len(items) == 2 and len(listed) == 4
    queries = [parse_qs(r["query"]) for r in emulator.admin.requests() if r["rpc"] == "ListDatasetVersions"]
    assert [q["per_page"] for q in queries] == [["3"], ["3"], ["2"], ["4"]]
    assert all(q.get("request_origins") == ["MANUAL", "TRAINING"] for q in queries[:2])
    assert all(r["path"] == "/v2/users/demo/apps/demo/datasets/ds/versions" for r in emulator.admin.requests())


def test_closing_an_async_listing_early_stops_its_prefetch(client_config, emulator, client) -> None:
    client.post_datasets([{"id": f"ds{n:02d}"} for n in range(30)])

    async def main() -> list[asyncio.Task]:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as aclient:
            items = aclient.paginate("ListDatasets", "datasets", per_page=2, concurrency=4)
            first = await items.__anext__()
            assert first["id"]
            await items.aclose()  # must close the pages under it, prefetch included
            return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert _run(main()) == []


# -- the endpoint-method decorators ------------------------------------------------------------


class _Probe(ClarifaiClient):
    @unary
    def describe_dataset(self, dataset_id: str, *, verbose: bool = False) -> Call[dict]:
        """Read one dataset (a probe built by the test)."""
        return Call("GetDataset", extract="dataset", path={"dataset_id": dataset_id})

    @listing
    def all_datasets(self, *, per_page: int | None = None) -> Listing[dict]:
        """Every dataset (a probe built by the test)."""
        return Listing("ListDatasets", "datasets", per_page=per_page)


def test_a_decorated_builder_keeps_its_name_doc_and_arguments(client_config, emulator) -> None:
    for method, name, params in (
        (_Probe.describe_dataset, "describe_dataset", ["self", "dataset_id", "verbose"]),
        (_Probe.all_datasets, "all_datasets", ["self", "per_page"]),
    ):
        assert method.__name__ == name and method.__qualname__ == f"_Probe.{name}"
        assert "a probe built by the test" in (method.__doc__ or "")
        assert method.__module__ == __name__
        assert list(inspect.signature(method).parameters) == params
        assert inspect.signature(method).return_annotation is inspect.Signature.empty
        assert method.__wrapped__.__name__ == name
        assert repr(method) == f"<{type(method).__name__} endpoint _Probe.{name}>"
    with _Probe(client_config) as probe:
        probe.post_datasets([{"id": "ds"}])
        assert probe.describe_dataset("ds")["id"] == "ds"
        assert _Probe.describe_dataset(probe, "ds")["id"] == "ds"
        assert [d["id"] for d in probe.all_datasets(per_page=1)] == ["ds"]


# -- request shapes of patches and deletes ------------------------------------------------------


def _recording_client(bodies: list[dict]) -> ClarifaiClient:
    import json

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content) if request.content else {})
        return httpx.Response(200, json={"status": {"code": 10000}})

    config = OFFLINE.replace(retry=RetryPolicy(max_attempts=1))
    return ClarifaiClient(config, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("action", ["merge", "overwrite", "remove"])
def test_a_patch_sends_its_action(action: str) -> None:
    bodies: list[dict] = []
    with _recording_client(bodies) as client:
        assert client.patch_tasks([{"id": "t1"}], action=action) == []
    assert bodies == [{"tasks": [{"id": "t1"}], "action": action}]


def test_a_patch_with_another_action_or_bad_items_is_refused_before_sending() -> None:
    bodies: list[dict] = []
    with _recording_client(bodies) as client:
        with pytest.raises(ValidationError) as info:
            client.patch_tasks([{"id": "t1"}], action="replace")
        assert str(info.value) == "action must be 'merge', 'overwrite' or 'remove', got 'replace'"
        with pytest.raises(ValidationError) as info:
            client.patch_tasks({"id": "t1"})
        assert str(info.value) == "tasks must be a list of objects, got dict"
        with pytest.raises(ValidationError) as info:
            client.post_datasets("a")
        assert str(info.value) == "datasets must be a list of objects, got str"
    assert bodies == []


def test_a_delete_sends_its_ids_under_the_rpcs_field_and_refuses_bad_ids() -> None:
    bodies: list[dict] = []
    with _recording_client(bodies) as client:
        client.delete_datasets(["a", "b"])
        client.delete_tasks(("t1",))
        client.delete_dataset_versions("ds", ["v1"])
        with pytest.raises(ValidationError) as info:
            client.delete_datasets("a")
        assert str(info.value) == "dataset_ids must be a list of ids, got str"
        with pytest.raises(ValidationError) as info:
            client.delete_tasks(["t1", ""])
        assert str(info.value) == "ids must not contain empty ids"
    assert bodies == [{"dataset_ids": ["a", "b"]}, {"ids": ["t1"]}, {"dataset_version_ids": ["v1"]}]


def test_a_delete_treats_not_found_as_done_by_default() -> None:
    def gone(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"status": {"code": 11101}})

    with ClarifaiClient(OFFLINE, transport=httpx.MockTransport(gone)) as client:
        for delete in (
            lambda **kw: client.delete_datasets(["x"], **kw),
            lambda **kw: client.delete_inputs(["x"], **kw),
            lambda **kw: client.delete_tasks(["x"], **kw),
            lambda **kw: client.delete_bulk_operations(["x"], **kw),
            lambda **kw: client.delete_dataset_versions("ds", ["x"], **kw),
            lambda **kw: client.delete_dataset_inputs("ds", ["x"], **kw),
        ):
            assert delete()["status"]["code"] == 11101
            with pytest.raises(Exception, match="CONN_DOES_NOT_EXIST"):
                delete(missing_ok=False)


def test_the_package_hands_out_both_clients_lazily_and_nothing_else() -> None:
    import connector

    assert connector.ClarifaiClient is ClarifaiClient
    assert connector.AsyncClarifaiClient is AsyncClarifaiClient
    with pytest.raises(AttributeError, match=r"^module 'connector' has no attribute 'Nope'$"):
        connector.Nope  # noqa: B018


def test_a_client_without_a_config_reads_it_from_the_environment(monkeypatch, client_config, client) -> None:
    """``config`` defaults to :meth:`ClarifaiConfig.from_env`: with the ``CLARIFAI_*``
    variables naming the emulator, both clients built with no argument talk to it."""
    client.post_datasets([{"id": "from-env"}])
    for name in [n for n in os.environ if n.startswith("CLARIFAI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLARIFAI_PAT", client_config.pat.reveal())
    monkeypatch.setenv("CLARIFAI_USER_ID", client_config.user_id)
    monkeypatch.setenv("CLARIFAI_APP_ID", client_config.app_id)
    monkeypatch.setenv("CLARIFAI_API_BASE", client_config.base_url)
    with ClarifaiClient() as plain:
        assert plain.config.base_url == client_config.base_url
        assert plain.get_dataset("from-env")["id"] == "from-env"

    async def main() -> str:
        async with AsyncClarifaiClient() as aclient:
            return (await aclient.get_dataset("from-env"))["id"]

    assert _run(main()) == "from-env"
