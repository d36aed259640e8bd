"""Every endpoint method of the client with arguments that make a valid call, and the RPC
it must send: shared by the route test and the contract-coverage test."""

from __future__ import annotations

import inspect
from typing import Any

from connector.endpoints import EndpointMethod, EndpointMethods

#: endpoint method -> (positional args, the RPC it must call)
ENDPOINT_CALLS: dict[str, tuple[tuple[Any, ...], str]] = {
    "list_apps": ((), "ListApps"),
    "get_app": ((), "GetApp"),
    "post_apps": (([{"id": "app1"}],), "PostApps"),
    "list_datasets": ((), "ListDatasets"),
    "get_dataset": (("ds1",), "GetDataset"),
    "post_datasets": (([{"id": "ds1"}],), "PostDatasets"),
    "patch_datasets": (([{"id": "ds1", "description": "x"}],), "PatchDatasets"),
    "delete_datasets": ((["ds1"],), "DeleteDatasets"),
    "list_dataset_versions": (("ds1",), "ListDatasetVersions"),
    "get_dataset_version": (("ds1", "v1"), "GetDatasetVersion"),
    "post_dataset_versions": (("ds1", [{"id": "v1"}]), "PostDatasetVersions"),
    "patch_dataset_versions": (("ds1", [{"id": "v1", "description": "x"}]), "PatchDatasetVersions"),
    "delete_dataset_versions": (("ds1", ["v1"]), "DeleteDatasetVersions"),
    "list_dataset_inputs": (("ds1",), "ListDatasetInputs"),
    "get_dataset_input": (("ds1", "in1"), "GetDatasetInput"),
    "post_dataset_inputs": (("ds1", ["in1"]), "PostDatasetInputs"),
    "delete_dataset_inputs": (("ds1", ["in1"]), "DeleteDatasetInputs"),
    "list_inputs": ((), "ListInputs"),
    "get_input": (("in1",), "GetInput"),
    "get_input_count": ((), "GetInputCount"),
    "post_inputs": (([{"id": "in1", "data": {"text": {"raw": "hello"}}}],), "PostInputs"),
    "patch_inputs": (([{"id": "in1", "data": {"metadata": {"k": "v"}}}],), "PatchInputs"),
    "delete_inputs": ((["in1"],), "DeleteInputs"),
    "list_inputs_add_jobs": ((), "ListInputsAddJobs"),
    "get_inputs_add_job": (("job1",), "GetInputsAddJob"),
    "list_annotations": ((["in1", "in2"],), "ListAnnotations"),
    "post_annotations": (([{"id": "an1", "input_id": "in1"}],), "PostAnnotations"),
    "list_concepts": ((), "ListConcepts"),
    "get_concept": (("c1",), "GetConcept"),
    "post_concepts": (([{"id": "c1", "name": "cat"}],), "PostConcepts"),
    "list_tasks": ((), "ListTasks"),
    "get_task": (("t1",), "GetTask"),
    "post_tasks": (([{"id": "t1", "type": "CONCEPTS_CLASSIFICATION"}],), "PostTasks"),
    "patch_tasks": (([{"id": "t1", "name": "x"}],), "PatchTasks"),
    "delete_tasks": ((["t1"],), "DeleteTasks"),
    "get_task_annotation_count": (("t1",), "GetTaskAnnotationCount"),
    "get_task_input_count": (("t1",), "GetTaskInputCount"),
    "post_bulk_operations": (([{"id": "op1", "input_ids": {"input_ids": ["in1"]}}],), "PostBulkOperations"),
    "list_bulk_operations": ((), "ListBulkOperations"),
    "get_bulk_operation": (("op1",), "GetBulkOperation"),
    "cancel_bulk_operations": ((["op1"],), "CancelBulkOperations"),
    "delete_bulk_operations": ((["op1"],), "DeleteBulkOperations"),
    "list_models": ((), "ListModels"),
    "get_model": (("m1",), "GetModel"),
    "post_models": (({"id": "m1"},), "PostModels"),
    "list_model_versions": (("m1",), "ListModelVersions"),
    "get_model_version": (("m1", "mv1"), "GetModelVersion"),
    "post_model_versions": (("m1", [{"id": "mv1"}]), "PostModelVersions"),
    "list_workflows": ((), "ListWorkflows"),
    "get_workflow": (("w1",), "GetWorkflow"),
    "post_workflows": (([{"id": "w1"}],), "PostWorkflows"),
    "list_collaborators": ((), "ListCollaborators"),
    "post_collaborators": (([{"id": "co1", "user": {"id": "someone"}}],), "PostCollaborators"),
}

_PREFIXES = ("list_", "get_", "post_", "patch_", "delete_", "cancel_")


def endpoint_method_names() -> list[str]:
    return sorted(
        name
        for name, member in inspect.getmembers(EndpointMethods, lambda m: isinstance(m, EndpointMethod))
        if name.startswith(_PREFIXES)
    )
