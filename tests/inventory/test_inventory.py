"""Inventory schemas and flatteners, on items shaped exactly like the official messages
(built with clarifai_grpc and rendered by json_format, as the API sends them)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from clarifai_grpc.grpc.api import resources_pb2 as r
from clarifai_grpc.grpc.api.status import status_code_pb2 as sc
from clarifai_grpc.grpc.api.status import status_pb2
from google.protobuf import timestamp_pb2
from google.protobuf.json_format import MessageToDict

from connector.errors import ValidationError
from connector.inventory import (
    INVENTORIES,
    empty_frame,
    get_spec,
    pandas_dtypes,
    record_batch,
    schema_markdown,
)
from connector.inventory import extract as x
from connector.inventory.frames import rechunk, table_to_frame

DOCS = Path(__file__).resolve().parents[2] / "docs" / "inventories.md"
TS = timestamp_pb2.Timestamp(seconds=1_700_000_000, nanos=123_456_789)
TS_VALUE = dt.datetime(2023, 11, 14, 22, 13, 20, 123_456, tzinfo=dt.UTC)


def as_api(message) -> dict:
    return MessageToDict(message, preserving_proto_field_name=True)


def row(inventory: str, message, scope=None) -> dict:
    batch = record_batch(inventory, [as_api(message)], scope)
    assert batch.schema == get_spec(inventory).schema
    return batch.to_pylist()[0]


# -- schemas ------------------------------------------------------------------------------
def _resolve(desc, path: str) -> str | None:
    """None if ``path`` names a field of the official message ``desc``, else why not."""
    parts = path.split(".")
    for i, part in enumerate(parts):
        field = desc.fields_by_name.get(part)
        if field is None:
            return f"{desc.full_name} has no field {part!r}"
        if field.message_type is None:
            return None if i == len(parts) - 1 else f"{part} is a scalar"
        desc = field.message_type
    return None


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_every_column_reads_official_fields(name):
    spec = INVENTORIES[name]
    message = r.DESCRIPTOR.message_types_by_name[spec.message]
    problems = [(c.name, p, _resolve(message, p)) for c in spec.columns for p in c.sources if _resolve(message, p)]
    assert not problems
    # scope columns are the only ones without a source field
    assert [c.name for c in spec.columns if not c.sources] in ([], ["dataset_id"], ["model_id"])


def test_inventory_rpcs_and_keys_match_the_official_responses():
    from clarifai_grpc.grpc.api import service_pb2

    from connector.routes import ROUTES

    service = service_pb2.DESCRIPTOR.services_by_name["V2"]
    for spec in INVENTORIES.values():
        assert spec.rpc in ROUTES
        out = service.methods_by_name[spec.rpc].output_type
        field = out.fields_by_name[spec.key]
        assert field.is_repeated and field.message_type.name == spec.message, spec.name


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_docs_table_matches_code(name):
    text = DOCS.read_text(encoding="utf-8")
    assert f"### `{name}`" in text
    assert schema_markdown(name) in text, f"docs/inventories.md is out of date for {name}"


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_empty_listing_keeps_the_schema(name):
    spec = get_spec(name)
    batch = record_batch(name, [])
    assert batch.num_rows == 0 and batch.schema == spec.schema
    frame = empty_frame(name)
    assert list(frame.columns) == spec.column_names
    assert dict(frame.dtypes) == pandas_dtypes(name)
    assert all(isinstance(dtype, pd.ArrowDtype) for dtype in frame.dtypes)


def test_schema_types_are_the_documented_kinds():
    allowed = {pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.timestamp("us", tz="UTC"), pa.list_(pa.string())}
    for spec in INVENTORIES.values():
        names = spec.column_names
        assert len(names) == len(set(names)), spec.name
        for field in spec.schema:
            assert field.type in allowed, (spec.name, field.name, field.type)
            assert field.metadata[b"description"]


def test_unknown_inventory_names_the_known_ones():
    with pytest.raises(ValidationError, match="dataset_versions"):
        get_spec("dataset_verions")
    assert get_spec("Dataset-Versions").name == "dataset_versions"


# -- flatteners ---------------------------------------------------------------------------
def test_dataset_version_status_and_metrics_are_flattened():
    version = r.DatasetVersion(
        id="v1",
        dataset_id="train",
        app_id="a",
        user_id="u",
        created_at=TS,
        modified_at=TS,
        status=status_pb2.Status(code=sc.DATASET_VERSION_READY, description="Ready"),
        request_origin=r.TRAINING,
        embed_model_version_ids=["e1"],
        metrics={
            "/": r.DatasetVersionMetrics(inputs_count={"value": 12345678901}, regions_count={"value": 0}),
            "/concepts/cat": r.DatasetVersionMetrics(inputs_count={"value": 3}),
        },
    )
    got = row("dataset_versions", version)
    assert got["dataset_id"] == "train" and got["id"] == "v1"
    assert (got["status_code"], got["status_name"], got["status_description"]) == (
        sc.DATASET_VERSION_READY,
        "DATASET_VERSION_READY",
        "Ready",
    )
    assert got["request_origin"] == "TRAINING"
    assert got["metrics_inputs_count"] == 12345678901  # int64 sent as a JSON string
    assert got["metrics_regions_count"] == 0
    assert got["metrics_polygons_count"] is None
    assert json.loads(got["metrics"])["/concepts/cat"] == {"inputs_count": "3"}
    assert got["created_at"] == TS_VALUE
    assert got["embed_model_version_ids"] == ["e1"]


def test_status_code_given_as_a_name_or_a_number():
    item = {"id": "v", "status": {"code": "DATASET_VERSION_PENDING"}}
    by_name = record_batch("dataset_versions", [item], {"dataset_id": "d"}).to_pylist()[0]
    item = {"id": "v", "status": {"code": 64005}}
    by_number = record_batch("dataset_versions", [item], {"dataset_id": "d"}).to_pylist()[0]
    assert by_name["status_code"] == by_number["status_code"] == 64005
    assert by_name["status_name"] == by_number["status_name"] == "DATASET_VERSION_PENDING"
    assert by_name["dataset_id"] == "d"  # from the scope when the item lacks it


def test_dataset_input_rows_carry_the_dataset_and_the_input():
    item = r.DatasetInput(
        created_at=TS,
        input=r.Input(
            id="in1",
            created_at=TS,
            dataset_ids=["train"],
            data=r.Data(
                image=r.Image(url="https://example.com/1.jpg"),
                concepts=[r.Concept(id="cat", value=1)],
                geo=r.Geo(geo_point=r.GeoPoint(latitude=1.5, longitude=-2.25)),
            ),
            status=status_pb2.Status(code=sc.INPUT_SUCCESS),
        ),
    )
    got = row("dataset_inputs", item, {"dataset_id": "train"})
    assert got["dataset_id"] == "train" and got["input_id"] == "in1"
    assert got["added_at"] == TS_VALUE
    assert got["input_data_kind"] == "image" and got["input_url"] == "https://example.com/1.jpg"
    assert got["input_concept_ids"] == ["cat"]
    assert (got["input_geo_latitude"], got["input_geo_longitude"]) == (1.5, -2.25)
    assert got["input_status_name"] == "INPUT_SUCCESS"


def test_input_metadata_is_json_text_and_text_inputs_are_read():
    from google.protobuf import struct_pb2

    meta = struct_pb2.Struct()
    meta.update({"b": 1, "a": {"nested": True}})
    got = row("inputs", r.Input(id="t1", data=r.Data(text=r.Text(raw="hello"), metadata=meta)))
    assert got["data_kind"] == "text" and got["text_raw"] == "hello" and got["url"] is None
    assert got["metadata"] == '{"a":{"nested":true},"b":1.0}'
    assert got["dataset_ids"] == [] and got["concept_ids"] == []


def test_annotation_concepts_user_task_and_status():
    ann = r.Annotation(
        id="an1",
        input_id="in1",
        user_id="alice",
        task_id="t1",
        created_at=TS,
        status=status_pb2.Status(code=sc.ANNOTATION_SUCCESS),
        input_level=True,
        worker=r.Worker(user=r.User(id="alice")),
        data=r.Data(
            concepts=[r.Concept(id="cat", value=1)],
            regions=[r.Region(data=r.Data(concepts=[r.Concept(id="dog"), r.Concept(id="cat")]))],
        ),
    )
    got = row("annotations", ann)
    assert (got["user_id"], got["task_id"], got["worker_user_id"]) == ("alice", "t1", "alice")
    assert got["status_name"] == "ANNOTATION_SUCCESS"
    assert got["concept_ids"] == ["cat", "dog"] and got["region_count"] == 1
    assert got["input_level"] is True and got["trusted"] is False


def test_task_type_strategies_and_metrics():
    task = r.Task(
        id="t1",
        type=r.Task.BOUNDING_BOX_DETECTION,
        name="boxes",
        worker=r.TaskWorker(
            strategy=r.TaskWorker.PARTITIONED,
            workers=[r.Worker(user=r.User(id="w1")), r.Worker(user=r.User(id="w2"))],
            partitioned_strategy_info=r.TaskWorkerPartitionedStrategyInfo(
                type=r.TaskWorkerPartitionedStrategyInfo.EVENLY, workers_per_input=1
            ),
        ),
        review=r.TaskReview(
            strategy=r.TaskReview.CONSENSUS,
            user_ids=["rev"],
            consensus_strategy_info=r.TaskReviewConsensusStrategyInfo(approval_threshold=2),
        ),
        input_source=r.TaskInputSource(type=r.TaskInputSource.DATASET, id="train"),
        concepts=[r.TaskConcept(concept=r.Concept(id="cat"))],
        status=status_pb2.Status(code=sc.TASK_IN_PROGRESS),
        metrics=r.TaskMetrics(
            work=r.TaskWorkMetrics(inputs_count_estimated=40, inputs_percent_estimated=25), review=r.TaskReviewMetrics()
        ),
        created_at=TS,
    )
    got = row("tasks", task)
    assert got["type"] == "BOUNDING_BOX_DETECTION" and got["status_name"] == "TASK_IN_PROGRESS"
    assert got["worker_strategy"] == "PARTITIONED" and got["worker_partitioned_strategy"] == "EVENLY"
    assert got["worker_user_ids"] == ["w1", "w2"] and got["workers_per_input"] == 1
    assert got["review_strategy"] == "CONSENSUS" and got["review_user_ids"] == ["rev"]
    assert got["review_approval_threshold"] == 2
    assert (got["input_source_type"], got["input_source_id"]) == ("DATASET", "train")
    assert got["concept_ids"] == ["cat"]
    assert got["metrics_work_inputs_count_estimated"] == 40 and got["metrics_work_inputs_percent_estimated"] == 25
    assert got["metrics_review_inputs_count_estimated"] == 0  # parent present, value default
    assert got["metrics_input_source_inputs_count_estimated"] is None  # parent absent


def test_model_version_records_its_training_dataset_version():
    mv = r.ModelVersion(
        id="mv1",
        status=status_pb2.Status(code=sc.MODEL_TRAINED),
        created_at=TS,
        total_input_count=7,
        train_info=r.TrainInfo(dataset=r.Dataset(id="train", version=r.DatasetVersion(id="v3"))),
    )
    got = row("model_versions", mv, {"model_id": "m1"})
    assert got["model_id"] == "m1" and got["id"] == "mv1"
    assert (got["train_dataset_id"], got["train_dataset_version_id"]) == ("train", "v3")
    assert got["status_name"] == "MODEL_TRAINED" and got["total_input_count"] == 7


def test_models_workflows_concepts_apps_collaborators():
    model = row(
        "models",
        r.Model(
            id="m",
            model_type_id="embedding-classifier",
            model_version=r.ModelVersion(id="mv", status=status_pb2.Status(code=sc.MODEL_TRAINED)),
        ),
    )
    assert (model["latest_version_id"], model["latest_version_status_name"]) == ("mv", "MODEL_TRAINED")
    wf = row(
        "workflows",
        r.Workflow(id="w", nodes=[r.WorkflowNode(id="n1", model=r.Model(id="m"))], version=r.WorkflowVersion(id="wv")),
    )
    assert (wf["node_count"], wf["model_ids"], wf["version_id"]) == (1, ["m"], "wv")
    concept = row(
        "concepts",
        r.Concept(id="cat", name="Cat", language="en", visibility=r.Visibility(gettable=r.Visibility.PRIVATE)),
    )
    assert (concept["name"], concept["visibility"]) == ("Cat", "PRIVATE")
    app = row("apps", r.App(id="a", name="A", user_id="u", created_at=TS))
    assert (app["id"], app["is_template"], app["created_at"]) == ("a", None, TS_VALUE)
    collab = row("collaborators", r.Collaborator(id="c", user=r.User(id="bob"), app=r.App(id="a"), scopes=["All"]))
    assert (collab["user_id"], collab["app_id"], collab["scopes"]) == ("bob", "a", ["All"])


def test_bulk_operation_split_targets():
    op = r.BulkOperation(
        id="b1",
        dataset=r.Dataset(id="all"),
        status=status_pb2.Status(code=sc.BULK_OPERATION_PENDING),
        progress=r.Progress(processed=5),
        operation=r.Operation(
            split_into_datasets=r.SplitIntoDatasets(
                dataset_splits=[
                    r.DatasetSplit(dataset=r.Dataset(id="train"), percentage=80),
                    r.DatasetSplit(dataset=r.Dataset(id="test"), percentage=20),
                ]
            )
        ),
    )
    got = row("bulk_operations", op)
    assert got["operation"] == "split_into_datasets" and got["source_dataset_id"] == "all"
    assert got["target_dataset_ids"] == ["train", "test"]
    assert got["status_name"] == "BULK_OPERATION_PENDING" and got["progress_processed"] == 5


def test_inputs_add_job_never_exposes_its_pat():
    job = r.InputsAddJob(
        id="j1",
        app_pat="very-secret-pat",
        call_back_url="https://hook.example/cb?token=x",
        progress=r.InputsAddJobProgress(success_count=3, failed_count=1),
        status=status_pb2.Status(code=sc.JOB_COMPLETED),
    )
    got = row("inputs_add_jobs", job)
    assert "very-secret-pat" not in json.dumps(got, default=str)
    assert "hook.example" not in json.dumps(got, default=str)
    assert (got["progress_success_count"], got["progress_failed_count"], got["progress_pending_count"]) == (3, 1, 0)
    assert got["status_name"] == "JOB_COMPLETED"


def test_unexpected_shapes_do_not_break_a_page():
    items = [
        {"id": 5, "created_at": "not a time", "metrics": "oops", "status": {"code": "NOT_A_CODE"}},
        {"id": "ok", "created_at": "2024-02-03T04:05:06+02:00"},
    ]
    rows = record_batch("dataset_versions", items, {"dataset_id": "d"}).to_pylist()
    assert rows[0]["id"] == "5" and rows[0]["created_at"] is None and rows[0]["status_code"] is None
    assert rows[1]["created_at"] == dt.datetime(2024, 2, 3, 2, 5, 6, tzinfo=dt.UTC)


def test_extract_helpers():
    assert x.as_int("12345678901234") == 12345678901234
    assert x.as_int({"value": "7"}) == 7 and x.as_int(None) is None and x.as_int("x") is None
    assert x.as_float({"value": 0.5}) == 0.5
    assert x.as_bool({"value": True}) is True and x.as_bool("false") is False
    assert x.dig({"a": {"b": [1]}}, "a.b") == [1] and x.dig({"a": 1}, "a.b") is None
    assert x.status_name({"code": 10000}) == "SUCCESS" and x.status_code({"code": "SUCCESS"}) == 10000
    assert x.json_text({"b": 1, "a": 2}) == '{"a":2,"b":1}'
    assert x.version_metrics({"only": {"inputs_count": "1"}}) == {"inputs_count": "1"}


def test_rechunk_gives_exact_sizes_in_order():
    spec = get_spec("concepts")
    batches = [record_batch("concepts", [{"id": f"c{i}-{j}"} for j in range(n)]) for i, n in enumerate([3, 0, 5, 1])]
    tables = list(rechunk(batches, spec.schema, 4))
    assert [t.num_rows for t in tables] == [4, 4, 1]
    ids = [i for t in tables for i in t.column("id").to_pylist()]
    assert ids == [f"c{i}-{j}" for i, n in enumerate([3, 0, 5, 1]) for j in range(n)]
    frame = table_to_frame(tables[0])
    assert dict(frame.dtypes) == pandas_dtypes("concepts")


def test_importing_connector_does_not_import_pandas():
    code = "import sys, connector, connector.cli, connector.inventory.schemas; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
