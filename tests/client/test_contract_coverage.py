"""Every endpoint method of the client, exercised against the emulator, so that the
conftest contract check (official route + request message) has seen every RPC the
client can send, and every body it sent uses the proto (snake_case) field names and
enum names, as the official JSON client sends them."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
import pytest

from connector.emulator.routing import route_table
from tests.support import contract
from tests.support.endpoints import ENDPOINT_CALLS, endpoint_method_names

_wire_form_problems = contract.wire_form_problems


def test_wire_form_check_catches_camel_case_and_enum_numbers() -> None:
    desc = route_table().match("POST", "/v2/users/u/apps/a/tasks").method.input_type
    assert (
        _wire_form_problems(
            desc, {"tasks": [{"id": "t", "type": "CONCEPTS_CLASSIFICATION", "metadata": {"anyKey": 1}}]}, ""
        )
        == []
    )
    assert len(_wire_form_problems(desc, {"tasks": [{"conceptIds": ["c"], "type": 1}]}, "")) == 2


def test_the_contract_check_rejects_camel_case_enum_numbers_and_unknown_fields() -> None:
    url = "http://127.0.0.1:9/v2/users/u/apps/a/tasks"

    def check(body: dict) -> None:
        contract.contract_check(httpx.Request("POST", url, json=body))

    check({"tasks": [{"id": "t", "type": "CONCEPTS_CLASSIFICATION", "concept_ids": ["c"], "metadata": {"anyKey": 1}}]})
    for bad, words in (
        ({"tasks": [{"id": "t", "conceptIds": ["c"]}]}, "conceptIds: not a proto field name"),
        ({"tasks": [{"id": "t", "type": 1}]}, "enum sent as 1"),
        ({"tasks": [{"id": "t", "colour": "red"}]}, "does not parse"),
    ):
        with pytest.raises(AssertionError, match=words):
            check(bad)
    with pytest.raises(AssertionError, match="no official route"):
        contract.contract_check(httpx.Request("POST", "http://127.0.0.1:9/v2/nowhere", json={}))


def test_every_endpoint_method_against_the_emulator(client, emulator) -> None:
    start = len(contract.SENT_REQUESTS)
    called: set[str] = set()
    bodies: list[httpx.Request] = []
    client._http.event_hooks["request"].append(bodies.append)

    def use(name: str, *args, **kwargs):
        called.add(name)
        result = getattr(client, name)(*args, **kwargs)
        return list(result) if name.startswith("list_") else result

    app_id = client.config.app_id
    assert use("get_app")["id"] == app_id
    assert app_id in [a["id"] for a in use("list_apps")]
    use("post_apps", [{"id": "second-app"}])
    assert client.get_app("second-app")["id"] == "second-app"

    use("post_datasets", [{"id": "ds"}, {"id": "ds-other"}])
    assert use("get_dataset", "ds")["id"] == "ds"
    use("patch_datasets", [{"id": "ds", "description": "patched"}])
    assert {d["id"] for d in use("list_datasets")} == {"ds", "ds-other"}
    use("delete_datasets", ["ds-other"])

    inputs = [{"id": f"in-{i}", "data": {"text": {"raw": f"text {i}"}}} for i in range(4)]
    use("post_inputs", inputs)
    assert use("get_input", "in-0")["id"] == "in-0"
    use("patch_inputs", [{"id": "in-0", "data": {"metadata": {"k": "v"}}}])
    assert len(use("list_inputs")) == 4
    assert sum(use("get_input_count")["counts"].values()) == 4
    jobs = use("list_inputs_add_jobs")
    assert jobs
    assert use("get_inputs_add_job", jobs[0]["id"])["id"] == jobs[0]["id"]

    use("post_dataset_inputs", "ds", ["in-0", "in-1", "in-2"])
    assert use("get_dataset_input", "ds", "in-1")["input"]["id"] == "in-1"
    assert len(use("list_dataset_inputs", "ds")) == 3
    use("delete_dataset_inputs", "ds", ["in-2"])

    use("post_dataset_versions", "ds", [{"id": "v1"}])
    assert use("get_dataset_version", "ds", "v1")["id"] == "v1"
    use("patch_dataset_versions", "ds", [{"id": "v1", "description": "snap"}])
    assert [v["id"] for v in use("list_dataset_versions", "ds")] == ["v1"]
    use("delete_dataset_versions", "ds", ["v1"])

    use("post_concepts", [{"id": "cat", "name": "cat"}])
    assert use("get_concept", "cat")["id"] == "cat"
    assert "cat" in [c["id"] for c in use("list_concepts")]

    use("post_annotations", [{"id": "an-1", "input_id": "in-0", "data": {"concepts": [{"id": "cat", "value": 1}]}}])
    assert [a["id"] for a in use("list_annotations", ["in-0"])] == ["an-1"]

    task = {
        "id": "task-1",
        "type": "CONCEPTS_CLASSIFICATION",
        "concept_ids": ["cat"],
        "input_source": {"type": "DATASET", "id": "ds"},
    }
    use("post_tasks", [task])
    assert use("get_task", "task-1")["id"] == "task-1"
    use("patch_tasks", [{**task, "name": "renamed"}], action="overwrite")
    assert [t["id"] for t in use("list_tasks")] == ["task-1"]
    annotation_count = use("get_task_annotation_count", "task-1")
    input_count = use("get_task_input_count", "task-1")
    assert annotation_count["task_id"] == input_count["task_id"] == "task-1"
    use("delete_tasks", ["task-1"])

    op = {"id": "op-1", "input_ids": {"input_ids": ["in-3"]}, "operation": {"add_metadata": {"metadata": {"k": "v"}}}}
    use("post_bulk_operations", [op])
    assert use("get_bulk_operation", "op-1")["id"] == "op-1"
    assert [o["id"] for o in use("list_bulk_operations")] == ["op-1"]
    # running or already finished, the answer names the operation (a finished one unchanged)
    assert [o["id"] for o in use("cancel_bulk_operations", ["op-1"])] == ["op-1"]
    use("delete_bulk_operations", ["op-1"])
    use("delete_inputs", ["in-3"])
    assert "in-3" not in [i["id"] for i in client.list_inputs()]

    use("post_models", {"id": "model-1", "model_type_id": "embedding-classifier"})
    assert use("get_model", "model-1")["id"] == "model-1"
    assert "model-1" in [m["id"] for m in use("list_models")]
    use("post_model_versions", "model-1", [{"id": "mv-1"}])
    assert use("get_model_version", "model-1", "mv-1")["id"] == "mv-1"
    assert "mv-1" in [v["id"] for v in use("list_model_versions", "model-1")]

    use("post_workflows", [{"id": "wf-1"}])
    assert use("get_workflow", "wf-1")["id"] == "wf-1"
    assert "wf-1" in [w["id"] for w in use("list_workflows")]

    use("post_collaborators", [{"id": "collab-1", "user": {"id": "friend"}}])
    use("list_collaborators")

    # Every endpoint method was exercised, and the contract check saw each one's RPC.
    assert called == set(endpoint_method_names())
    seen = {rpc for rpc, _method, _path in contract.SENT_REQUESTS[start:]}
    expected = {rpc for _args, rpc in ENDPOINT_CALLS.values()}
    assert expected <= seen, sorted(expected - seen)

    problems = []
    for request in bodies:
        if request.content:
            match = route_table().match(request.method, urlsplit(str(request.url)).path)
            desc = match.method.input_type
            if match.body_field not in ("*", ""):
                desc = desc.fields_by_name[match.body_field].message_type
            problems += _wire_form_problems(desc, json.loads(request.content), match.method.name)
    assert sum(1 for r in bodies if r.content) >= 20  # every write was seen
    assert problems == []
