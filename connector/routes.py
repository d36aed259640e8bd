"""Route table of the Clarifai API v2 methods the connector calls.

Generated from the official ``clarifai-grpc`` descriptors (the first
``google.api.http`` binding of each method: the long ``users/{user_id}/apps/{app_id}``
form). ``tests/test_routes.py`` checks every entry against those descriptors, so the
runtime core does not need ``clarifai-grpc`` installed.
"""

from __future__ import annotations

from typing import NamedTuple


class Route(NamedTuple):
    """One RPC: HTTP verb, path template, request and response message names."""

    verb: str
    path: str
    request: str
    response: str


ROUTES: dict[str, Route] = {
    "ListApps": Route("GET", "/v2/users/{user_id}/apps", "ListAppsRequest", "MultiAppResponse"),
    "GetApp": Route("GET", "/v2/users/{user_id}/apps/{app_id}", "GetAppRequest", "SingleAppResponse"),
    "PostApps": Route("POST", "/v2/users/{user_id}/apps", "PostAppsRequest", "MultiAppResponse"),
    "ListDatasets": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/datasets", "ListDatasetsRequest", "MultiDatasetResponse"
    ),
    "GetDataset": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}", "GetDatasetRequest", "SingleDatasetResponse"
    ),
    "PostDatasets": Route(
        "POST", "/v2/users/{user_id}/apps/{app_id}/datasets", "PostDatasetsRequest", "MultiDatasetResponse"
    ),
    "PatchDatasets": Route(
        "PATCH", "/v2/users/{user_id}/apps/{app_id}/datasets", "PatchDatasetsRequest", "MultiDatasetResponse"
    ),
    "DeleteDatasets": Route(
        "DELETE", "/v2/users/{user_id}/apps/{app_id}/datasets", "DeleteDatasetsRequest", "BaseResponse"
    ),
    "ListDatasetVersions": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/versions",
        "ListDatasetVersionsRequest",
        "MultiDatasetVersionResponse",
    ),
    "GetDatasetVersion": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/versions/{dataset_version_id}",
        "GetDatasetVersionRequest",
        "SingleDatasetVersionResponse",
    ),
    "PostDatasetVersions": Route(
        "POST",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/versions",
        "PostDatasetVersionsRequest",
        "MultiDatasetVersionResponse",
    ),
    "PatchDatasetVersions": Route(
        "PATCH",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/versions",
        "PatchDatasetVersionsRequest",
        "MultiDatasetVersionResponse",
    ),
    "DeleteDatasetVersions": Route(
        "DELETE",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/versions",
        "DeleteDatasetVersionsRequest",
        "BaseResponse",
    ),
    "ListDatasetInputs": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/inputs",
        "ListDatasetInputsRequest",
        "MultiDatasetInputResponse",
    ),
    "GetDatasetInput": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/inputs/{input_id}",
        "GetDatasetInputRequest",
        "SingleDatasetInputResponse",
    ),
    "PostDatasetInputs": Route(
        "POST",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/inputs",
        "PostDatasetInputsRequest",
        "MultiDatasetInputResponse",
    ),
    "DeleteDatasetInputs": Route(
        "DELETE",
        "/v2/users/{user_id}/apps/{app_id}/datasets/{dataset_id}/inputs",
        "DeleteDatasetInputsRequest",
        "BaseResponse",
    ),
    "ListInputs": Route("GET", "/v2/users/{user_id}/apps/{app_id}/inputs", "ListInputsRequest", "MultiInputResponse"),
    "GetInputCount": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/inputs/status", "GetInputCountRequest", "SingleInputCountResponse"
    ),
    "GetInput": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/inputs/{input_id}", "GetInputRequest", "SingleInputResponse"
    ),
    "PostInputs": Route("POST", "/v2/users/{user_id}/apps/{app_id}/inputs", "PostInputsRequest", "MultiInputResponse"),
    "PatchInputs": Route(
        "PATCH", "/v2/users/{user_id}/apps/{app_id}/inputs", "PatchInputsRequest", "MultiInputResponse"
    ),
    "DeleteInputs": Route("DELETE", "/v2/users/{user_id}/apps/{app_id}/inputs", "DeleteInputsRequest", "BaseResponse"),
    "ListInputsAddJobs": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/inputs/jobs/add",
        "ListInputsAddJobsRequest",
        "MultiInputsAddJobResponse",
    ),
    "GetInputsAddJob": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/inputs/jobs/add/{id}",
        "GetInputsAddJobRequest",
        "SingleInputsAddJobResponse",
    ),
    "ListAnnotations": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/annotations", "ListAnnotationsRequest", "MultiAnnotationResponse"
    ),
    "PostAnnotations": Route(
        "POST", "/v2/users/{user_id}/apps/{app_id}/annotations", "PostAnnotationsRequest", "MultiAnnotationResponse"
    ),
    "PatchAnnotations": Route(
        "PATCH", "/v2/users/{user_id}/apps/{app_id}/annotations", "PatchAnnotationsRequest", "MultiAnnotationResponse"
    ),
    "DeleteAnnotations": Route(
        "DELETE", "/v2/users/{user_id}/apps/{app_id}/inputs/annotations", "DeleteAnnotationsRequest", "BaseResponse"
    ),
    "ListConcepts": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/concepts", "ListConceptsRequest", "MultiConceptResponse"
    ),
    "GetConcept": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/concepts/{concept_id}", "GetConceptRequest", "SingleConceptResponse"
    ),
    "PostConcepts": Route(
        "POST", "/v2/users/{user_id}/apps/{app_id}/concepts", "PostConceptsRequest", "MultiConceptResponse"
    ),
    "ListTasks": Route("GET", "/v2/users/{user_id}/apps/{app_id}/tasks", "ListTasksRequest", "MultiTaskResponse"),
    "GetTask": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/tasks/{task_id}", "GetTaskRequest", "SingleTaskResponse"
    ),
    "PostTasks": Route("POST", "/v2/users/{user_id}/apps/{app_id}/tasks", "PostTasksRequest", "MultiTaskResponse"),
    "PatchTasks": Route("PATCH", "/v2/users/{user_id}/apps/{app_id}/tasks", "PatchTasksRequest", "MultiTaskResponse"),
    "DeleteTasks": Route("DELETE", "/v2/users/{user_id}/apps/{app_id}/tasks", "DeleteTasksRequest", "BaseResponse"),
    "GetTaskAnnotationCount": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/tasks/{task_id}/annotations/count",
        "GetTaskCountRequest",
        "SingleTaskCountResponse",
    ),
    "GetTaskInputCount": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/tasks/{task_id}/inputs/count",
        "GetTaskCountRequest",
        "SingleTaskCountResponse",
    ),
    "PostBulkOperations": Route(
        "POST",
        "/v2/users/{user_id}/apps/{app_id}/bulk_operations",
        "PostBulkOperationsRequest",
        "MultiBulkOperationsResponse",
    ),
    "ListBulkOperations": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/bulk_operations",
        "ListBulkOperationsRequest",
        "MultiBulkOperationsResponse",
    ),
    "GetBulkOperation": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/bulk_operations/{id}",
        "GetBulkOperationRequest",
        "SingleBulkOperationsResponse",
    ),
    "CancelBulkOperations": Route(
        "PATCH",
        "/v2/users/{user_id}/apps/{app_id}/bulk_operations",
        "CancelBulkOperationRequest",
        "MultiBulkOperationsResponse",
    ),
    "DeleteBulkOperations": Route(
        "DELETE", "/v2/users/{user_id}/apps/{app_id}/bulk_operations", "DeleteBulkOperationRequest", "BaseResponse"
    ),
    "ListModels": Route("GET", "/v2/users/{user_id}/apps/{app_id}/models", "ListModelsRequest", "MultiModelResponse"),
    "GetModel": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/models/{model_id}", "GetModelRequest", "SingleModelResponse"
    ),
    "PostModels": Route("POST", "/v2/users/{user_id}/apps/{app_id}/models", "PostModelsRequest", "SingleModelResponse"),
    "ListModelVersions": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/models/{model_id}/versions",
        "ListModelVersionsRequest",
        "MultiModelVersionResponse",
    ),
    "GetModelVersion": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/models/{model_id}/versions/{version_id}",
        "GetModelVersionRequest",
        "SingleModelVersionResponse",
    ),
    "PostModelVersions": Route(
        "POST",
        "/v2/users/{user_id}/apps/{app_id}/models/{model_id}/versions",
        "PostModelVersionsRequest",
        "SingleModelResponse",
    ),
    "ListWorkflows": Route(
        "GET", "/v2/users/{user_id}/apps/{app_id}/workflows", "ListWorkflowsRequest", "MultiWorkflowResponse"
    ),
    "GetWorkflow": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/workflows/{workflow_id}",
        "GetWorkflowRequest",
        "SingleWorkflowResponse",
    ),
    "PostWorkflows": Route(
        "POST", "/v2/users/{user_id}/apps/{app_id}/workflows", "PostWorkflowsRequest", "MultiWorkflowResponse"
    ),
    "ListCollaborators": Route(
        "GET",
        "/v2/users/{user_id}/apps/{app_id}/collaborators",
        "ListCollaboratorsRequest",
        "MultiCollaboratorsResponse",
    ),
    "PostCollaborators": Route(
        "POST",
        "/v2/users/{user_id}/apps/{app_id}/collaborators",
        "PostCollaboratorsRequest",
        "MultiCollaboratorsResponse",
    ),
    "DeleteCollaborators": Route(
        "DELETE", "/v2/users/{user_id}/apps/{app_id}/collaborators", "DeleteCollaboratorsRequest", "BaseResponse"
    ),
}
