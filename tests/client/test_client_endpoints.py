"""The sync client against the emulator over loopback: endpoint behaviour, retries on
throttling and transient failures, no retries on permanent errors, and the safe-write
rules for creates with and without client-chosen ids."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from connector.client import ClarifaiClient
from connector.config import Timeouts
from connector.errors import (
    AlreadyExistsError,
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    OutcomeUnknownError,
    PartialFailureError,
    ThrottledError,
)
from tests.support.contract import FAST_RETRY, contract_hooks


def _requests(emulator, rpc: str) -> list[dict]:
    return [r for r in emulator.admin.requests() if r["rpc"] == rpc]


# -- endpoint behaviour ------------------------------------------------------------------


def test_dataset_crud(client, emulator) -> None:
    created = client.post_datasets([{"id": "ds-a", "description": "first"}, {"id": "ds-b"}])
    assert [d["id"] for d in created] == ["ds-a", "ds-b"]
    assert client.get_dataset("ds-a")["description"] == "first"
    patched = client.patch_datasets([{"id": "ds-a", "description": "second"}])
    assert patched[0]["description"] == "second"
    assert client.get_dataset("ds-a")["description"] == "second"
    client.delete_datasets(["ds-a"])
    with pytest.raises(NotFoundError) as info:
        client.get_dataset("ds-a")
    assert "GetDataset" in str(info.value) and info.value.req_id
    assert sorted(d["id"] for d in client.list_datasets()) == ["ds-b"]


def test_delete_of_missing_ids_is_done_unless_asked(client, emulator) -> None:
    client.post_datasets([{"id": "keep"}, {"id": "gone"}])
    client.delete_datasets(["gone", "never-existed"])
    assert [d["id"] for d in client.list_datasets()] == ["keep"]
    with pytest.raises(NotFoundError):
        client.delete_datasets(["never-existed"], missing_ok=False)


def test_mixed_status_is_a_partial_failure_with_items(client, emulator) -> None:
    client.post_inputs([{"id": "dup", "data": {"text": {"raw": "a"}}}])
    with pytest.raises(PartialFailureError) as info:
        client.post_inputs(
            [{"id": "dup", "data": {"text": {"raw": "a"}}}, {"id": "fresh", "data": {"text": {"raw": "b"}}}]
        )
    err = info.value
    assert err.code_name == "MIXED_STATUS" and err.http_status == 200
    assert [(i.index, i.id) for i in err.items] == [(0, "dup")]
    assert err.items[0].code_name == "INPUT_DUPLICATE"
    assert "dup: INPUT_DUPLICATE" in str(err)
    assert sorted(i["id"] for i in client.list_inputs()) == ["dup", "fresh"]


def test_batch_where_every_item_failed_carries_items(client, emulator) -> None:
    inputs = [{"id": "x1", "data": {"text": {"raw": "a"}}}, {"id": "x2", "data": {"text": {"raw": "b"}}}]
    client.post_inputs(inputs)
    with pytest.raises(AlreadyExistsError) as info:
        client.post_inputs(inputs)
    assert sorted(i.id for i in info.value.items) == ["x1", "x2"]


def test_dataset_create_conflict_is_already_exists(client, emulator) -> None:
    client.post_datasets([{"id": "taken"}])
    with pytest.raises(AlreadyExistsError) as info:
        client.post_datasets([{"id": "taken"}])
    assert info.value.code_name == "DATABASE_DUPLICATE_KEY" and info.value.req_id


def test_inputs_ignore_duplicates(client, emulator) -> None:
    inputs = [{"id": f"in-{i}", "data": {"text": {"raw": f"t{i}"}}} for i in range(3)]
    client.post_inputs(inputs)
    client.post_inputs(inputs, ignore_duplicates=True)  # all duplicates: fine
    with pytest.raises(AlreadyExistsError):
        client.post_inputs(inputs[:1])
    assert sorted(i["id"] for i in client.list_inputs()) == ["in-0", "in-1", "in-2"]
    client.post_datasets([{"id": "ds"}])
    client.post_dataset_inputs("ds", ["in-0", "in-1"])
    client.post_dataset_inputs("ds", ["in-1", "in-2"], ignore_duplicates=True)
    assert sorted(d["input"]["id"] for d in client.list_dataset_inputs("ds")) == ["in-0", "in-1", "in-2"]


def test_status_codes_as_names_are_accepted(client, emulator) -> None:
    """With every status code sent as its enum name: success, a listing over several
    pages, an error, and MIXED_STATUS with per-item names all decode as with integers."""
    emulator.admin.set_options(status_as_names=True)
    client.post_datasets([{"id": f"named-{i}"} for i in range(5)])
    raw = client.call("GetDataset", path={"dataset_id": "named-0"})
    assert raw["status"]["code"] == "SUCCESS"  # really a name on the wire
    assert client.get_dataset("named-0")["id"] == "named-0"
    assert sorted(d["id"] for d in client.list_datasets(per_page=2, concurrency=2)) == [f"named-{i}" for i in range(5)]
    with pytest.raises(NotFoundError) as info:
        client.get_dataset("nope")
    assert isinstance(info.value.code, int) and info.value.code_name.endswith("DOES_NOT_EXIST")
    assert info.value.req_id and info.value.code_name in str(info.value)
    client.post_inputs([{"id": "dup", "data": {"text": {"raw": "a"}}}])
    with pytest.raises(PartialFailureError) as partial:
        client.post_inputs(
            [{"id": "dup", "data": {"text": {"raw": "a"}}}, {"id": "fresh", "data": {"text": {"raw": "b"}}}]
        )
    assert partial.value.code == 10010 and partial.value.code_name == "MIXED_STATUS"
    assert [(i.id, i.code, i.code_name) for i in partial.value.items] == [("dup", 30100, "INPUT_DUPLICATE")]
    assert partial.value.response["status"]["code"] == "MIXED_STATUS"


# -- retries -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http_429", "http_503_html", "http_500_internal", "reset"])
def test_get_retried_after_transient_fault(client, emulator, kind: str) -> None:
    client.post_datasets([{"id": "r1"}])
    emulator.admin.script_fault(kind, count=2, rpc="GetDataset")
    assert client.get_dataset("r1")["id"] == "r1"
    assert len(_requests(emulator, "GetDataset")) == 3
    assert client.stats.retries == 2
    assert client.stats.throttled == (2 if kind == "http_429" else 0)


def test_retry_after_is_honoured(client, emulator, caplog) -> None:
    caplog.set_level(logging.INFO, logger="connector.retry")
    emulator.admin.script_fault("http_429", count=1, rpc="ListDatasets", retry_after=0.2)
    assert list(client.list_datasets()) == []
    messages = [r.getMessage() for r in caplog.records if r.name == "connector.retry"]
    assert len(messages) == 1
    assert "throttled" in messages[0] and "CONN_THROTTLED" in messages[0] and "waiting 0.20 s" in messages[0]
    assert "ListDatasets" in messages[0]
    throttled = [r for r in emulator.admin.requests() if r["http_status"] == 429]
    assert len(throttled) == 1
    # the req_id the server gave the throttled answer is in the log line
    req_id = re.search(r"req_id=(\S+)\)", messages[0]).group(1)
    assert req_id not in ("-", "None") and len(req_id) >= 8


def test_throttling_exhausts_into_throttled_error(client, emulator) -> None:
    emulator.admin.script_fault("http_429", count=FAST_RETRY.max_attempts, rpc="ListDatasets")
    with pytest.raises(ThrottledError) as info:
        list(client.list_datasets())
    assert len(_requests(emulator, "ListDatasets")) == FAST_RETRY.max_attempts
    assert info.value.http_status == 429 and info.value.attempts == FAST_RETRY.max_attempts


def test_read_timeout_on_hang_is_retried(client_config, emulator) -> None:
    config = client_config.replace(timeouts=Timeouts(connect=5, read=1.0, write=5, pool=5))
    with ClarifaiClient(config, event_hooks=contract_hooks()) as client:
        client.post_datasets([{"id": "slow"}])
        emulator.admin.script_fault("hang", count=1, rpc="GetDataset")
        assert client.get_dataset("slow")["id"] == "slow"
        assert client.stats.retries == 1
    assert len(_requests(emulator, "GetDataset")) == 2


def test_no_retry_on_bad_pat(client_config, emulator) -> None:
    config = client_config.replace(pat="definitely-not-a-valid-pat")
    with ClarifaiClient(config, event_hooks=contract_hooks()) as client, pytest.raises(AuthenticationError) as info:
        client.get_app()
    assert info.value.http_status == 401
    assert "CLARIFAI_PAT" in str(info.value)  # says what to do
    assert len(emulator.admin.requests()) == 1


def test_no_retry_on_not_found(client, emulator) -> None:
    with pytest.raises(NotFoundError):
        client.get_dataset("missing")
    assert len(emulator.admin.requests()) == 1


def test_no_retry_on_invalid_argument(client, emulator) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        client.call("ListDatasets", params={"per_page": 5000})
    assert info.value.http_status == 400 and info.value.description
    assert len(emulator.admin.requests()) == 1


# -- writes: safe to repeat or not ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["reset", "applied_then_dropped"])
def test_post_inputs_without_ids_is_outcome_unknown(client, emulator, kind: str) -> None:
    emulator.admin.script_fault(kind, count=1, rpc="PostInputs")
    with pytest.raises(OutcomeUnknownError) as info:
        client.post_inputs([{"data": {"text": {"raw": "no id"}}}])
    assert info.value.__cause__ is not None
    assert "PostInputs" in str(info.value)
    assert len(_requests(emulator, "PostInputs")) == 1  # never repeated
    stored = list(client.list_inputs())
    assert len(stored) == (1 if kind == "applied_then_dropped" else 0)


def test_bulk_operation_without_id_hang_is_outcome_unknown(client_config, emulator) -> None:
    config = client_config.replace(timeouts=Timeouts(connect=5, read=1.0, write=5, pool=5))
    with ClarifaiClient(config, event_hooks=contract_hooks()) as client:
        client.post_inputs([{"id": "i1", "data": {"text": {"raw": "a"}}}])
        emulator.admin.script_fault("hang", count=1, rpc="PostBulkOperations")
        with pytest.raises(OutcomeUnknownError):
            client.post_bulk_operations(
                [{"input_ids": {"input_ids": ["i1"]}, "operation": {"add_metadata": {"metadata": {"k": "v"}}}}]
            )
        assert client.stats.requests == 2 and client.stats.retries == 0  # the POST was sent once


def test_post_with_ids_retried_after_reset_converges(client, emulator) -> None:
    emulator.admin.script_fault("reset", count=1, rpc="PostDatasets")
    assert [d["id"] for d in client.post_datasets([{"id": "conv"}])] == ["conv"]
    assert len(_requests(emulator, "PostDatasets")) == 2
    assert [d["id"] for d in client.list_datasets()] == ["conv"]


def test_post_with_ids_applied_then_dropped_reports_already_exists(client, emulator) -> None:
    """The retry of an applied create answers "already exists": the object is there
    exactly once and the caller reads it back (documented on the endpoint methods)."""
    emulator.admin.script_fault("applied_then_dropped", count=1, rpc="PostDatasets")
    with pytest.raises(AlreadyExistsError):
        client.post_datasets([{"id": "once"}])
    assert len(_requests(emulator, "PostDatasets")) == 2
    assert [d["id"] for d in client.list_datasets()] == ["once"]


# -- import hygiene ------------------------------------------------------------------------


def test_import_connector_does_not_import_pandas_or_orchestrators() -> None:
    code = (
        "import sys, connector, connector.client, connector.aio;"
        "bad = [m for m in ('pandas', 'airflow', 'dagster') if m in sys.modules];"
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_core_sources_never_import_airflow_or_dagster() -> None:
    root = Path(__file__).resolve().parents[2] / "connector"
    offenders = []
    for path in root.rglob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and stripped.split()[1].split(".")[0] in (
                "airflow",
                "dagster",
            ):
                offenders.append(f"{path.name}: {stripped}")
    assert offenders == []
