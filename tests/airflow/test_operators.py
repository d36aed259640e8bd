"""The operators against the emulator, run outside a DAG run with a minimal task
context: what they write (emulator state and request log), what they return to XCom,
how they fail, and that a retry adopts the work of the try before it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pyarrow.parquet as pq
import pytest
from airflow.sdk import Asset, AssetAlias
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider.operators import (
    ClarifaiCleanupTasksOperator,
    ClarifaiCreateDatasetVersionOperator,
    ClarifaiCreateTaskOperator,
    ClarifaiDeleteTasksOperator,
    ClarifaiExportInventoryOperator,
    ClarifaiMarkTaskDoneOperator,
    ClarifaiPruneDatasetVersionsOperator,
    ClarifaiReportOperator,
    ClarifaiSplitDatasetOperator,
    ClarifaiUpdateTaskOperator,
)
from airflow_provider.retry import ClarifaiRetryPolicy
from airflow_provider.sensors import ClarifaiBulkOperationSensor, ClarifaiDatasetVersionSensor, ClarifaiTaskSensor
from connector.errors import ThrottledError, TransientServerError
from tests.airflow.conftest import CANARY_PAT, connection_json
from tests.support.airflow import make_context


def _mutations(server: Any, rpc: str) -> list[dict[str, Any]]:
    return [r for r in server.admin.mutations() if r["rpc"] == rpc]


def _versions(server: Any, dataset_id: str) -> list[str]:
    with server_client(server) as client:
        return sorted(v["id"] for v in client.list_dataset_versions(dataset_id))


def _tasks(server: Any) -> dict[str, str]:
    return {t["id"]: t["status"] for t in server.admin.snapshot()["demo/demo"]["tasks"]}


def server_client(server: Any) -> Any:
    from connector.client import ClarifaiClient

    return ClarifaiClient(server.client_config(rate_limit=0))


# -- prune ---------------------------------------------------------------------------------


def test_prune_dry_run_pushes_the_plan_and_writes_nothing_then_a_plan_is_applied(clarifai_env: Any) -> None:
    plan_ctx = make_context("plan_prune")
    summary = ClarifaiPruneDatasetVersionsOperator(
        task_id="plan_prune", dataset_ids="cats-dogs", keep_last="1", dry_run=True
    ).execute(plan_ctx)
    assert summary["dry_run"] is True and summary["guard"] is None
    assert summary["ids"] == {"would_delete": ["cats-dogs/cd-v1"]}
    assert "| cats-dogs | cd-v1 |" in summary["summary"]
    plan = plan_ctx["ti"].xcom["plan"]
    assert {r["version_id"]: r["action"] for r in plan["rows"]}["cd-v1"] == "delete"
    assert clarifai_env.admin.mutations() == []

    op = ClarifaiPruneDatasetVersionsOperator(task_id="prune", plan=json.dumps(plan))  # JSON text works too
    result = op.execute(make_context("prune"))
    assert result["ids"] == {"deleted": ["cats-dogs/cd-v1"]} and result["dry_run"] is False
    assert _versions(clarifai_env, "cats-dogs") == ["cd-v2", "cd-v3", "cd-v4", "cd-v5"]
    assert op.clarifai_links == {"dataset": "https://clarifai.com/demo/demo/datasets/cats-dogs"}

    # A retry of the apply finds the version gone ("not found" is deleted) and deletes nothing else.
    ClarifaiPruneDatasetVersionsOperator(task_id="prune", plan=plan).execute(make_context("prune"))
    assert _versions(clarifai_env, "cats-dogs") == ["cd-v2", "cd-v3", "cd-v4", "cd-v5"]
    assert len(_mutations(clarifai_env, "DeleteDatasetVersions")) == 1


def test_prune_refused_by_its_guard_fails_without_retry_and_deletes_nothing(clarifai_env: Any) -> None:
    op = ClarifaiPruneDatasetVersionsOperator(task_id="prune", dataset_ids=["cats-dogs"], keep_last=1, max_delete=0)
    with pytest.raises(
        AirflowFailException, match="refusing to prune: the plan deletes 1 versions, more than max_delete=0"
    ) as info:
        op.execute(make_context("prune"))
    assert type(info.value.__cause__).__name__ == "GuardError"
    assert clarifai_env.admin.mutations() == []


def test_bad_arguments_fail_without_retry_before_any_request(clarifai_env: Any) -> None:
    op = ClarifaiPruneDatasetVersionsOperator(task_id="prune", keep_younger_than="soon", dry_run=True)
    with pytest.raises(AirflowFailException, match="bad duration for keep_younger_than: 'soon'"):
        op.execute(make_context("prune"))
    assert clarifai_env.admin.requests() == []


# -- split -----------------------------------------------------------------------------------


def test_split_writes_targets_emits_their_assets_and_a_rerun_writes_nothing(clarifai_env: Any) -> None:
    op = ClarifaiSplitDatasetOperator(
        task_id="split", dataset_id="cats-dogs", ratios={"train": 0.8, "test": 0.2}, seed="s"
    )
    assert op.outlets == [AssetAlias("clarifai/split")]  # user and app come from the connection at run time
    ctx = make_context("split")
    result = op.execute(ctx)
    assert result["targets"] == {"train": "cats-dogs-train", "test": "cats-dogs-test"}
    assert result["counts"]["split_train"] + result["counts"]["split_test"] == result["counts"]["source"] == 100
    assert result["uris"] == [
        "clarifai://demo/demo/datasets/cats-dogs-train",
        "clarifai://demo/demo/datasets/cats-dogs-test",
    ]
    events = ctx["outlet_events"][AssetAlias("clarifai/split")].asset_alias_events
    assert sorted(e.dest_asset_key.uri for e in events) == sorted(result["uris"])
    state = clarifai_env.admin.snapshot()["demo/demo"]
    assert {"cats-dogs-train", "cats-dogs-test"} <= set(state["datasets"])
    added = len(_mutations(clarifai_env, "PostDatasetInputs"))
    assert added > 0

    rerun = ClarifaiSplitDatasetOperator(
        task_id="split", dataset_id="cats-dogs", ratios={"train": 0.8, "test": 0.2}, seed="s"
    ).execute(make_context("split"))
    assert rerun["counts"]["added"] == 0 and len(_mutations(clarifai_env, "PostDatasetInputs")) == added


def test_split_outlets_are_static_assets_when_known_at_parse_time_and_lineage_names_them(clarifai_env: Any) -> None:
    op = ClarifaiSplitDatasetOperator(
        task_id="split", user_id="demo", app_id="demo", dataset_id="street-scenes", targets={"train": "st-train"}
    )
    assert op.outlets == [
        Asset("clarifai://demo/demo/datasets/st-train"),
        Asset("clarifai://demo/demo/datasets/street-scenes-test"),
    ]
    assert op.get_openlineage_facets_on_complete(None) is None  # nothing ran yet
    ctx = make_context("split")
    op.execute(ctx)
    assert ctx["outlet_events"][Asset("clarifai://demo/demo/datasets/st-train")].extra["source"] == "street-scenes"
    lineage = op.get_openlineage_facets_on_complete(None)
    assert [(d.namespace, d.name) for d in lineage.inputs] == [("clarifai://demo", "demo/datasets/street-scenes")]
    assert [d.name for d in lineage.outputs] == ["demo/datasets/st-train", "demo/datasets/street-scenes-test"]


def test_templated_split_targets_fall_back_to_an_alias() -> None:
    op = ClarifaiSplitDatasetOperator(task_id="s", user_id="u", app_id="a", dataset_id="{{ params.ds }}")
    assert op.outlets == [AssetAlias("clarifai/s")]
    assert op.dataset_id == "{{ params.ds }}"  # stored unmodified


# -- dataset versions ------------------------------------------------------------------------


def test_create_version_retry_adopts_and_a_new_run_creates(clarifai_env: Any) -> None:
    def run(run_id: str, try_number: int) -> dict[str, Any]:
        op = ClarifaiCreateDatasetVersionOperator(
            task_id="snapshot", dataset_id="products", deferrable=False, poll_interval=0.05, description="nightly"
        )
        ctx = make_context("snapshot", run_id=run_id, try_number=try_number)
        out = op.execute(ctx)
        assert ctx["ti"].xcom["version_id"] == out["version_id"]
        assert op.clarifai_links["dataset_version"] == (
            f"https://clarifai.com/demo/demo/datasets/products/versions/{out['version_id']}"
        )
        return out

    first = run("run-a", 1)
    retry = run("run-a", 2)
    other = run("run-b", 1)
    assert first["created"] and not retry["created"] and other["created"]
    assert first["version_id"] == retry["version_id"] != other["version_id"]
    assert first["status"] == "DATASET_VERSION_READY" and first["uri"] == "clarifai://demo/demo/datasets/products"
    assert len(_mutations(clarifai_env, "PostDatasetVersions")) == 2
    assert {first["version_id"], other["version_id"]} <= set(_versions(clarifai_env, "products"))


# -- labeling tasks ----------------------------------------------------------------------------


def _create_task(run_id: str = "run-a", try_number: int = 1, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    op = ClarifaiCreateTaskOperator(
        task_id="create_task",
        name="label pets",
        concept_ids="cat,dog",
        workers=["labeler-1"],
        input_source_id="cats-dogs",
        **kwargs,
    )
    ctx = make_context("create_task", run_id=run_id, try_number=try_number)
    out = op.execute(ctx)
    assert ctx["ti"].xcom["task_id"] == out["task_id"]
    return out, op


def test_create_task_retry_adopts_its_task_and_a_new_run_creates_another(clarifai_env: Any) -> None:
    first, op = _create_task("run-a", 1)
    retry, _ = _create_task("run-a", 2)
    other, _ = _create_task("run-b", 1)
    assert (first["action"], retry["action"], other["action"]) == ("create", "adopt", "create")
    assert first["task_id"] == retry["task_id"] != other["task_id"]
    assert len(_mutations(clarifai_env, "PostTasks")) == 2
    assert {first["task_id"], other["task_id"]} <= set(_tasks(clarifai_env))
    assert op.clarifai_links == {
        "task": f"https://clarifai.com/demo/demo/tasks/{first['task_id']}",
        "dataset": "https://clarifai.com/demo/demo/datasets/cats-dogs",
    }


def test_task_lifecycle_update_done_delete_and_cleanup(clarifai_env: Any) -> None:
    created, _ = _create_task()
    task_id = created["task_id"]
    update = ClarifaiUpdateTaskOperator(task_id="update", labeling_task_id=task_id, workers="labeler-2")
    assert update.execute(make_context("update"))["changes"] == {"workers": ["labeler-1", "labeler-2"]}
    assert (
        ClarifaiUpdateTaskOperator(task_id="update", labeling_task_id=task_id, workers="labeler-2").execute(
            make_context("update")
        )["changes"]
        == {}
    )  # a rerun changes nothing
    done = ClarifaiMarkTaskDoneOperator(task_id="done", labeling_task_id=task_id)
    assert done.execute(make_context("done")) == {"task_id": task_id, "marked_done": True}
    assert done.execute(make_context("done")) == {"task_id": task_id, "marked_done": False}
    assert len(_mutations(clarifai_env, "PatchTasks")) == 2

    cleanup = ClarifaiCleanupTasksOperator(task_id="cleanup", older_than="7d", dry_run=True)
    ctx = make_context("cleanup")
    planned = cleanup.execute(ctx)
    assert sorted(planned["ids"]["would_delete"]) == ["review-products", "street-backlog"]  # old and finished
    cleaned = ClarifaiCleanupTasksOperator(task_id="apply", plan=ctx["ti"].xcom["plan"]).execute(make_context("apply"))
    assert sorted(cleaned["ids"]["deleted"]) == ["review-products", "street-backlog"]

    deleted = ClarifaiDeleteTasksOperator(task_id="delete", labeling_task_ids=[task_id, "gone-already"]).execute(
        make_context("delete")
    )
    assert deleted == {"dry_run": False, "deleted": [task_id, "gone-already"]}
    assert _tasks(clarifai_env) == {"label-pets": "TASK_IN_PROGRESS"}


def test_conflicting_task_fails_without_retry(clarifai_env: Any) -> None:
    op = ClarifaiCreateTaskOperator(
        task_id="create_task",
        name="x",
        concept_ids=["cat"],
        workers=["w"],
        labeling_task_id="label-pets",
        type="polygon",
    )
    with pytest.raises(AirflowFailException, match="task 'label-pets' exists and differs"):
        op.execute(make_context("create_task"))
    assert clarifai_env.admin.mutations() == []


# -- inventories -------------------------------------------------------------------------------


def test_export_to_a_local_path_returns_uri_rows_and_schema(clarifai_env: Any, tmp_path: Any) -> None:
    dest = tmp_path / "out" / "versions.parquet"
    op = ClarifaiExportInventoryOperator(task_id="export", inventory="dataset_versions", path=str(dest))
    ctx = make_context("export")
    result = op.execute(ctx)
    table = pq.read_table(dest)
    assert result["uri"] == str(dest) == ctx["ti"].xcom["uri"]
    assert result["rows"] == table.num_rows == 9 and result["format"] == "parquet"
    assert [c["name"] for c in result["schema"]] == table.schema.names
    assert {"name": "created_at", "type": "timestamp[us, tz=UTC]"} in result["schema"]
    assert len(json.dumps(result)) < 10_000  # small JSON: the rows stay in the file
    lineage = op.get_openlineage_facets_on_complete(None)
    assert [(d.namespace, d.name) for d in lineage.outputs] == [("file", str(dest))]


def test_export_to_object_storage(clarifai_env: Any, tmp_path: Any) -> None:
    from airflow.sdk import ObjectStoragePath

    dest = ObjectStoragePath(f"file://{tmp_path}/tasks.jsonl")
    result = ClarifaiExportInventoryOperator(task_id="export", inventory="tasks", path=dest, datasets=None).execute(
        make_context("export")
    )
    lines = (tmp_path / "tasks.jsonl").read_text().splitlines()
    assert result["rows"] == len(lines) == 3 and result["format"] == "jsonl"
    assert {json.loads(line)["id"] for line in lines} == {"label-pets", "review-products", "street-backlog"}


def test_export_of_an_unknown_inventory_fails_without_retry(clarifai_env: Any, tmp_path: Any) -> None:
    op = ClarifaiExportInventoryOperator(task_id="export", inventory="widgets", path=str(tmp_path / "w.csv"))
    with pytest.raises(AirflowFailException, match="unknown inventory 'widgets'"):
        op.execute(make_context("export"))
    assert list(tmp_path.iterdir()) == []


# -- failures and retries ---------------------------------------------------------------------------


def test_auth_failure_fails_without_retry_and_never_shows_the_pat(
    clarifai_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = json.loads(connection_json(clarifai_env))
    conn["password"] = CANARY_PAT + "-revoked"
    monkeypatch.setenv("AIRFLOW_CONN_CLARIFAI_DEFAULT", json.dumps(conn))
    op = ClarifaiExportInventoryOperator(task_id="export", inventory="datasets", path="/nonexistent/x.parquet")
    with pytest.raises(AirflowFailException, match="CONN_KEY_INVALID") as info:
        op.execute(make_context("export"))
    assert CANARY_PAT not in str(info.value) and CANARY_PAT not in repr(info.value.__cause__)


def test_throttling_raises_for_airflow_retries_after_the_servers_retry_after(clarifai_env: Any) -> None:
    clarifai_env.admin.script_fault("http_429", count=10, rpc="ListDatasets", retry_after=1)
    op = ClarifaiExportInventoryOperator(
        task_id="export", inventory="datasets", path="/tmp/never-written.parquet", retry_delay=timedelta(0)
    )
    with pytest.raises(ThrottledError) as info:
        op.execute(make_context("export"))
    assert info.value.retry_after == 1
    policy = op.retry_policy
    assert isinstance(policy, ClarifaiRetryPolicy)
    decision = policy.evaluate(info.value, 1, 3, {"task": op})
    assert decision.action.value == "retry" and decision.retry_delay == timedelta(seconds=1)
    # The task's own retry_delay wins when it is longer than the server's ask.
    slow = ClarifaiExportInventoryOperator(task_id="export", inventory="datasets", path="/tmp/x.parquet")
    assert policy.evaluate(info.value, 1, 3, {"task": slow}).retry_delay == slow.retry_delay == timedelta(minutes=5)
    assert len([r for r in clarifai_env.admin.requests() if r["http_status"] == 429]) == 3  # the client's 3 attempts


def test_transient_errors_without_retry_after_use_airflows_own_retries(clarifai_env: Any) -> None:
    clarifai_env.admin.script_fault("http_500_internal", count=10, rpc="ListDatasets")
    op = ClarifaiExportInventoryOperator(task_id="export", inventory="datasets", path="/tmp/never-written.parquet")
    with pytest.raises(TransientServerError) as info:
        op.execute(make_context("export"))
    assert op.retry_policy.evaluate(info.value, 1, 3, {"task": op}).action.value == "default"


def test_the_dry_run_argument_leaves_airflows_dry_run_method_alone() -> None:
    """BaseOperator.dry_run() is Airflow's template-rendering dry run: an attribute of
    that name would break it."""
    for op in (
        ClarifaiPruneDatasetVersionsOperator(task_id="p", keep_last=1, dry_run=True),
        ClarifaiSplitDatasetOperator(task_id="s", dataset_id="d", dry_run=True),
        ClarifaiCreateTaskOperator(task_id="c", name="n", concept_ids=["a"], workers=["w"], dry_run=True),
        ClarifaiCleanupTasksOperator(task_id="x", dry_run=True),
    ):
        assert callable(op.dry_run) and op.plan_only is True


@pytest.mark.parametrize(
    ("cls", "required"),
    [
        (ClarifaiPruneDatasetVersionsOperator, {}),
        (ClarifaiSplitDatasetOperator, {}),
        (ClarifaiCreateDatasetVersionOperator, {"dataset_id": "d"}),
        (ClarifaiCreateTaskOperator, {"name": "n", "concept_ids": ["c"], "workers": ["w"]}),
        (ClarifaiUpdateTaskOperator, {"labeling_task_id": "t"}),
        (ClarifaiMarkTaskDoneOperator, {"labeling_task_id": "t"}),
        (ClarifaiDeleteTasksOperator, {"labeling_task_ids": ["t"]}),
        (ClarifaiCleanupTasksOperator, {}),
        (ClarifaiExportInventoryOperator, {"inventory": "tasks", "path": "x.parquet"}),
        (ClarifaiReportOperator, {"path": "report.html"}),
        (ClarifaiDatasetVersionSensor, {"dataset_id": "d", "version_id": "v"}),
        (ClarifaiTaskSensor, {"labeling_task_id": "t"}),
        (ClarifaiBulkOperationSensor, {"operation_id": "o"}),
    ],
)
def test_templated_arguments_are_stored_unmodified_under_their_own_names(cls: type, required: dict[str, Any]) -> None:
    """Airflow renders template fields in place: each must be the argument as given
    (converted only when the task runs), under the argument's own name."""
    templates = {field: "{{ params." + field + " }}" for field in cls.template_fields}
    op = cls(task_id="t", **{**required, **templates})
    assert {field: getattr(op, field) for field in cls.template_fields} == templates
    assert len(cls.template_fields) > 3  # the connection, user and app, and the operator's own
