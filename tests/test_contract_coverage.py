"""Every endpoint method of the client, exercised against the emulator, so that the
conftest contract check (official route + request message) has seen every RPC the
client can send."""
from __future__ import annotations

import conftest
from test_routes import ENDPOINT_CALLS, endpoint_method_names

from connector.errors import ClarifaiError


def test_every_endpoint_method_against_the_emulator(client, emulator) -> None:
    start = len(conftest.SENT_REQUESTS)
    called: set[str] = set()

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

    task = {"id": "task-1", "type": "CONCEPTS_CLASSIFICATION", "concept_ids": ["cat"], "input_source": {"type": "DATASET", "id": "ds"}}
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
    try:
        use("cancel_bulk_operations", ["op-1"])
    except ClarifaiError:
        pass  # already finished: the call was still made and checked
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
    seen = {rpc for rpc, _method, _path in conftest.SENT_REQUESTS[start:]}
    expected = {rpc for _args, rpc in ENDPOINT_CALLS.values()}
    assert expected <= seen, sorted(expected - seen)
