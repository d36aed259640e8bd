"""Deferrable operators, sensors and triggers: each defers with a trigger whose
serialize() round-trips, and each trigger yields the right event on success, a terminal
failure, its deadline, a throttled stretch longer than the client's own retries, and a
permanent error; the task then ends as the event says."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSensorTimeout, TaskDeferred

from airflow_provider.operators import ClarifaiCreateDatasetVersionOperator
from airflow_provider.sensors import ClarifaiBulkOperationSensor, ClarifaiDatasetVersionSensor, ClarifaiTaskSensor
from airflow_provider.triggers import (
    ClarifaiBulkOperationTrigger,
    ClarifaiDatasetVersionTrigger,
    ClarifaiTaskTrigger,
    raise_for_event,
)
from tests.airflow.conftest import CANARY_PAT, connection_json
from tests.support.airflow import make_context, roundtrip, run_trigger

FAST = {"poll_interval": 0.05, "max_interval": 0.2}


def _client(server: Any) -> Any:
    from connector.client import ClarifaiClient

    return ClarifaiClient(server.client_config(rate_limit=0))


def _slow_version(server: Any, version_id: str = "v-slow") -> str:
    """A dataset version of 'products' that stays PENDING until the options change."""
    server.admin.set_options(version_pending_seconds=3600)
    with _client(server) as client:
        client.post_dataset_versions("products", [{"id": version_id}])
    return version_id


def _open_task(server: Any, task_id: str = "t-open") -> str:
    with _client(server) as client:
        client.post_tasks(
            [
                {
                    "id": task_id,
                    "name": "open task",
                    "type": "CONCEPTS_CLASSIFICATION",
                    "concept_ids": ["cat"],
                    "worker": {"strategy": "FULL", "workers": [{"user": {"id": "labeler-1"}}]},
                    "input_source": {"type": "ALL_INPUTS"},
                    "review": {"strategy": "NONE"},
                }
            ]
        )
    return task_id


def _slow_bulk_operation(server: Any, op_id: str = "op-slow") -> str:
    server.admin.set_options(bulk_operation_seconds=3600)
    with _client(server) as client:
        client.post_bulk_operations(
            [
                {
                    "id": op_id,
                    "input_ids": {"input_ids": ["img-000001"]},
                    "operation": {"add_metadata": {"metadata": {"k": "v"}}},
                }
            ]
        )
    return op_id


def _events_are_plain(event: dict[str, Any]) -> dict[str, Any]:
    assert json.loads(json.dumps(event)) == event
    assert CANARY_PAT not in json.dumps(event)
    return event


# -- the deferrable operator ----------------------------------------------------------------


def test_create_version_defers_and_resumes_from_the_trigger_event(clarifai_env: Any) -> None:
    clarifai_env.admin.set_options(version_pending_seconds=3600)
    op = ClarifaiCreateDatasetVersionOperator(
        task_id="snapshot", dataset_id="products", deferrable=True, poll_interval=0.05
    )
    ctx = make_context("snapshot")
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(ctx)
    assert deferred.value.method_name == "execute_complete" and deferred.value.kwargs == {"created": True}
    trigger = roundtrip(deferred.value.trigger)
    assert isinstance(trigger, ClarifaiDatasetVersionTrigger)
    assert trigger.serialize()[1]["version_id"] == ctx["ti"].xcom["version_id"]
    clarifai_env.admin.set_options(version_pending_seconds=0.01, version_in_progress_seconds=0.01)
    event = _events_are_plain(run_trigger(trigger))
    assert event["status"] == "success" and event["status_name"] == "DATASET_VERSION_READY"
    resumed = ClarifaiCreateDatasetVersionOperator(task_id="snapshot", dataset_id="products", deferrable=True)
    result = resumed.execute_complete(make_context("snapshot"), event, created=True)
    assert result["status"] == "DATASET_VERSION_READY" and result["created"] is True
    assert result["version_id"] == ctx["ti"].xcom["version_id"]
    assert resumed.clarifai_links["dataset_version"].endswith(f"/datasets/products/versions/{result['version_id']}")

    # A retry of this task instance finds its version READY: nothing to create or wait for.
    retry = ClarifaiCreateDatasetVersionOperator(task_id="snapshot", dataset_id="products", deferrable=True)
    again = retry.execute(make_context("snapshot", try_number=2))
    assert again["version_id"] == result["version_id"] and again["created"] is False
    assert len([r for r in clarifai_env.admin.mutations() if r["rpc"] == "PostDatasetVersions"]) == 1


def test_deferrable_defaults_to_airflows_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "true")
    assert ClarifaiCreateDatasetVersionOperator(task_id="v", dataset_id="d").deferrable is True
    assert ClarifaiTaskSensor(task_id="s", labeling_task_id="t").deferrable is True
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "false")
    assert ClarifaiDatasetVersionSensor(task_id="s", dataset_id="d", version_id="v").deferrable is False


# -- sensors defer with a round-tripping trigger ---------------------------------------------


def _version_sensor(server: Any) -> Any:
    return ClarifaiDatasetVersionSensor(
        task_id="wait",
        dataset_id="products",
        version_id=_slow_version(server),
        deferrable=True,
        poke_interval=0.05,
        timeout=60,
    )


def _task_sensor(server: Any) -> Any:
    return ClarifaiTaskSensor(
        task_id="wait",
        labeling_task_id=_open_task(server),
        until="work",
        percent=50,
        deferrable=True,
        poke_interval=0.05,
        timeout=60,
    )


def _bulk_sensor(server: Any) -> Any:
    return ClarifaiBulkOperationSensor(
        task_id="wait", operation_id=_slow_bulk_operation(server), deferrable=True, poke_interval=0.05, timeout=60
    )


@pytest.mark.parametrize(
    ("make_sensor", "trigger_class"),
    [
        (_version_sensor, ClarifaiDatasetVersionTrigger),
        (_task_sensor, ClarifaiTaskTrigger),
        (_bulk_sensor, ClarifaiBulkOperationTrigger),
    ],
)
def test_sensors_poke_once_then_defer(
    clarifai_env: Any, make_sensor: Callable[[Any], Any], trigger_class: type
) -> None:
    sensor = make_sensor(clarifai_env)
    clarifai_env.admin.clear_requests()
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(make_context("wait"))
    trigger = roundtrip(deferred.value.trigger)
    assert isinstance(trigger, trigger_class)
    assert deferred.value.timeout.total_seconds() == 60
    assert 59 < trigger.end_time - time.time() <= 60  # the sensor's timeout is the trigger's deadline
    assert len(clarifai_env.admin.requests()) == 1  # one cheap read before deferring


def test_a_sensor_whose_object_is_already_done_does_not_defer(clarifai_env: Any) -> None:
    sensor = ClarifaiDatasetVersionSensor(task_id="wait", dataset_id="cats-dogs", version_id="cd-v5", deferrable=True)
    assert sensor.execute(make_context("wait")) is None
    assert (
        sensor.clarifai_links["dataset_version"] == "https://clarifai.com/demo/demo/datasets/cats-dogs/versions/cd-v5"
    )


def test_poking_sensor_fails_without_retry_on_a_terminal_failure(clarifai_env: Any) -> None:
    sensor = ClarifaiDatasetVersionSensor(
        task_id="wait", dataset_id="cats-dogs", version_id="cd-v3", poke_interval=0.05
    )
    with pytest.raises(AirflowFailException, match="DATASET_VERSION_FAILURE"):
        sensor.execute(make_context("wait"))


def test_poking_task_sensor_waits_for_the_percent(clarifai_env: Any) -> None:
    task_id = _open_task(clarifai_env)
    sensor = ClarifaiTaskSensor(task_id="wait", labeling_task_id=task_id, until="work", percent=50, deferrable=False)
    assert sensor.poke(make_context("wait")) is False
    clarifai_env.admin.set_task_progress(task_id, work_percent=60)
    assert sensor.poke(make_context("wait")) is True


# -- trigger events -----------------------------------------------------------------------------


def _deadline(seconds: float = 30.0) -> float:
    return time.time() + seconds


def test_version_trigger_success_failure_and_timeout(clarifai_env: Any) -> None:
    version_id = _slow_version(clarifai_env)

    def trigger(**kw: Any) -> ClarifaiDatasetVersionTrigger:
        return ClarifaiDatasetVersionTrigger(dataset_id="products", version_id=version_id, **FAST, **kw)

    timeout = _events_are_plain(run_trigger(trigger(end_time=time.time() + 0.3)))
    assert timeout["status"] == "timeout" and timeout["status_name"] == "DATASET_VERSION_PENDING"
    with pytest.raises(AirflowSensorTimeout):
        raise_for_event(timeout, what="x", sensor=True)
    with pytest.raises(AirflowException) as info:  # an operator past its deadline is retried
        raise_for_event(timeout, what="x")
    assert not isinstance(info.value, AirflowFailException)

    clarifai_env.admin.fail_dataset_version("products", version_id)
    failed = _events_are_plain(run_trigger(trigger(end_time=_deadline())))
    assert failed["status"] == "failed" and failed["status_name"] == "DATASET_VERSION_FAILURE"
    assert failed["object_id"] == f"products/{version_id}"
    with pytest.raises(AirflowFailException, match="DATASET_VERSION_FAILURE"):
        raise_for_event(failed, what="x")

    success = run_trigger(
        ClarifaiDatasetVersionTrigger(dataset_id="cats-dogs", version_id="cd-v5", end_time=_deadline(), **FAST)
    )
    assert (
        success["status"] == "success"
        and success["user_id"] == "demo"
        and success["portal_url"] == "https://clarifai.com"
    )


def test_task_trigger_success_failure_and_timeout(clarifai_env: Any) -> None:
    task_id = _open_task(clarifai_env)
    timeout = run_trigger(ClarifaiTaskTrigger(labeling_task_id=task_id, end_time=time.time() + 0.3, **FAST))
    assert timeout["status"] == "timeout" and timeout["kind"] == "task"

    clarifai_env.admin.set_task_progress(task_id, work_percent=75)
    work = run_trigger(
        ClarifaiTaskTrigger(labeling_task_id=task_id, until="work", percent=70, end_time=_deadline(), **FAST)
    )
    assert work["status"] == "success" and work["task_status"]["work_percent"] == 75

    clarifai_env.admin.set_task_progress(task_id, status="TASK_WONT_DO")
    failed = _events_are_plain(run_trigger(ClarifaiTaskTrigger(labeling_task_id=task_id, end_time=_deadline(), **FAST)))
    assert failed["status"] == "failed" and failed["status_name"] == "TASK_WONT_DO"

    done = run_trigger(ClarifaiTaskTrigger(labeling_task_id="review-products", end_time=_deadline(), **FAST))
    assert done["status"] == "success" and done["task_status"]["status"] == "TASK_DONE"


def test_bulk_trigger_success_failure_timeout_and_on_kill_cancels(clarifai_env: Any) -> None:
    import asyncio

    op_id = _slow_bulk_operation(clarifai_env)
    trigger = ClarifaiBulkOperationTrigger(operation_id=op_id, end_time=time.time() + 0.3, **FAST)
    assert run_trigger(trigger)["status"] == "timeout"
    asyncio.run(roundtrip(trigger).on_kill())  # a user killed the task: the operation is cancelled
    cancels = [r for r in clarifai_env.admin.mutations() if r["rpc"] == "CancelBulkOperations"]
    assert len(cancels) == 1
    failed = run_trigger(ClarifaiBulkOperationTrigger(operation_id=op_id, end_time=_deadline(), **FAST))
    assert failed["status"] == "failed" and failed["status_name"] == "BULK_OPERATION_CANCELLED"
    asyncio.run(roundtrip(trigger).on_kill())  # finished already: nothing more is cancelled
    assert len([r for r in clarifai_env.admin.requests() if r["rpc"] == "CancelBulkOperations"]) == 1

    done = run_trigger(ClarifaiBulkOperationTrigger(operation_id="bulk-tag-street", end_time=_deadline(), **FAST))
    with _client(clarifai_env) as client:
        street = len(list(client.list_dataset_inputs("street-scenes")))
    assert done["status"] == "success" and done["processed"] == min(50, street)  # the seed tags up to 50


@pytest.mark.parametrize(
    ("trigger_factory", "rpc"),
    [
        (
            lambda: ClarifaiDatasetVersionTrigger(
                dataset_id="cats-dogs", version_id="cd-v5", end_time=_deadline(), **FAST
            ),
            "GetDatasetVersion",
        ),
        (lambda: ClarifaiTaskTrigger(labeling_task_id="review-products", end_time=_deadline(), **FAST), "GetTask"),
        (
            lambda: ClarifaiBulkOperationTrigger(operation_id="bulk-tag-street", end_time=_deadline(), **FAST),
            "GetBulkOperation",
        ),
    ],
)
def test_triggers_outlast_a_throttled_stretch_longer_than_the_clients_retries(
    clarifai_env: Any, trigger_factory: Callable[[], Any], rpc: str
) -> None:
    """Five 429s in a row: the client gives up after its 3 attempts, the trigger pauses
    (the server's Retry-After) and reads again, and still ends with success."""
    clarifai_env.admin.script_fault("http_429", count=5, rpc=rpc, retry_after=0.1)
    event = run_trigger(trigger_factory())
    assert event["status"] == "success"
    statuses = [r["http_status"] for r in clarifai_env.admin.requests() if r["rpc"] == rpc]
    assert statuses == [429] * 5 + [200]


def test_trigger_error_events_for_a_bad_key_and_a_missing_object(
    clarifai_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = run_trigger(
        ClarifaiDatasetVersionTrigger(dataset_id="cats-dogs", version_id="nope", end_time=_deadline(), **FAST)
    )
    assert missing["status"] == "error" and missing["error"] == "NotFoundError" and missing["permanent"] is True
    with pytest.raises(AirflowFailException, match="NotFoundError"):
        raise_for_event(missing, what="x")

    conn = json.loads(connection_json(clarifai_env))
    conn["password"] = "not-the-key-123456"
    monkeypatch.setenv("AIRFLOW_CONN_CLARIFAI_DEFAULT", json.dumps(conn))
    denied = _events_are_plain(
        run_trigger(ClarifaiTaskTrigger(labeling_task_id="label-pets", end_time=_deadline(), **FAST))
    )
    assert denied["status"] == "error" and denied["error"] == "AuthenticationError" and denied["permanent"] is True
    assert "not-the-key" not in json.dumps(denied)

    monkeypatch.delenv("AIRFLOW_CONN_CLARIFAI_DEFAULT")
    no_conn = run_trigger(ClarifaiTaskTrigger(labeling_task_id="label-pets", end_time=_deadline(), **FAST))
    assert no_conn["status"] == "error" and no_conn["permanent"] is True and "clarifai_default" in no_conn["message"]


def test_sensor_resumes_by_the_event(clarifai_env: Any) -> None:
    sensor = ClarifaiTaskSensor(task_id="wait", labeling_task_id="label-pets", deferrable=True)
    ok = {
        "status": "success",
        "kind": "task",
        "task_id": "label-pets",
        "user_id": "demo",
        "app_id": "demo",
        "portal_url": "https://p.example",
    }
    assert sensor.execute_complete(make_context("wait"), ok) is None
    assert sensor.clarifai_links == {"task": "https://p.example/demo/demo/tasks/label-pets"}
    with pytest.raises(AirflowSensorTimeout):
        sensor.execute_complete(make_context("wait"), {**ok, "status": "timeout", "message": "late"})
    with pytest.raises(AirflowFailException):
        sensor.execute_complete(make_context("wait"), {**ok, "status": "failed", "message": "won't do"})
    transient = {**ok, "status": "error", "permanent": False, "message": "server trouble"}
    with pytest.raises(AirflowException) as info:
        sensor.execute_complete(make_context("wait"), transient)
    assert not isinstance(info.value, AirflowFailException)
