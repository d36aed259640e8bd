"""Drive the emulator with the OFFICIAL clarifai-grpc JSON client.

Run with a Python that has ``clarifai-grpc`` and ``protobuf>=6,<7`` (its JSON channel
reads ``FieldDescriptor.label``, which protobuf 7 removed)::

    CLARIFAI_PAT=... python tests/emulator/official_client_scenario.py BASE_URL --user-id demo --app-id demo

(``--pat`` works too, but a key on the command line shows in the process list.)

Every call must answer SUCCESS and parse into its official response message (the
client does the parsing). Prints one line per call and ``SCENARIO OK <n> calls`` at the
end; exits 1 with the failing call's status otherwise. Ids are prefixed with a run tag
so a rerun against the same server does not collide with an earlier one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid

from clarifai_grpc.channel.clarifai_channel import ClarifaiChannel
from clarifai_grpc.grpc.api import resources_pb2, service_pb2, service_pb2_grpc
from clarifai_grpc.grpc.api.status import status_code_pb2
from google.protobuf import struct_pb2


class ScenarioFailed(Exception):
    pass


class Scenario:
    def __init__(self, base_url: str, pat: str, user_id: str, app_id: str) -> None:
        channel = ClarifaiChannel.get_json_channel(base_url=base_url.rstrip("/"))
        self.stub = service_pb2_grpc.V2Stub(channel)
        self.metadata = (("authorization", f"Key {pat}"),)
        self.app = resources_pb2.UserAppIDSet(user_id=user_id, app_id=app_id)
        self.calls: list[str] = []
        self.tag = uuid.uuid4().hex[:6]

    def call(self, rpc: str, request, accept=(status_code_pb2.SUCCESS,)):
        response = getattr(self.stub, rpc)(request, metadata=self.metadata)
        code = response.status.code
        self.calls.append(rpc)
        name = status_code_pb2.StatusCode.Name(code) if code in status_code_pb2.StatusCode.values() else str(code)
        print(f"{len(self.calls):3d} {rpc:28s} {name}", flush=True)
        if code not in accept:
            raise ScenarioFailed(f"{rpc} answered {name}: {response.status.description} {response.status.details}")
        return response

    def id(self, name: str) -> str:
        return f"{self.tag}-{name}"

    def poll(self, rpc: str, request, done, what: str, attempts: int = 100):
        """Call ``rpc`` until ``done(response)`` (bounded)."""
        for _ in range(attempts):
            response = self.call(rpc, request)
            if done(response):
                return response
            time.sleep(0.05)
        raise ScenarioFailed(f"{what} did not finish after {attempts} polls")

    def run(self) -> None:
        app = self.app
        # apps
        self.call("ListApps", service_pb2.ListAppsRequest(user_app_id=resources_pb2.UserAppIDSet(user_id=app.user_id)))
        self.call("GetApp", service_pb2.GetAppRequest(user_app_id=app))

        # datasets
        train, test = self.id("train"), self.id("test")
        self.call(
            "PostDatasets",
            service_pb2.PostDatasetsRequest(
                user_app_id=app,
                datasets=[resources_pb2.Dataset(id=train, description="training data"), resources_pb2.Dataset(id=test)],
            ),
        )
        listed = self.call("ListDatasets", service_pb2.ListDatasetsRequest(user_app_id=app, page=1, per_page=100))
        if {train, test} - {d.id for d in listed.datasets}:
            raise ScenarioFailed("ListDatasets does not show the new datasets")
        got = self.call("GetDataset", service_pb2.GetDatasetRequest(user_app_id=app, dataset_id=train))
        if got.dataset.description != "training data":
            raise ScenarioFailed("GetDataset lost the description")
        self.call(
            "PatchDatasets",
            service_pb2.PatchDatasetsRequest(
                user_app_id=app, action="merge", datasets=[resources_pb2.Dataset(id=test, description="held out")]
            ),
        )

        # concepts
        concept = self.id("cat")
        self.call(
            "PostConcepts",
            service_pb2.PostConceptsRequest(user_app_id=app, concepts=[resources_pb2.Concept(id=concept, name="cat")]),
        )
        self.call("ListConcepts", service_pb2.ListConceptsRequest(user_app_id=app, per_page=50))

        # inputs
        input_ids = [self.id(f"img{i}") for i in range(4)]
        metadata = struct_pb2.Struct()
        metadata.update({"source": "scenario"})
        self.call(
            "PostInputs",
            service_pb2.PostInputsRequest(
                user_app_id=app,
                inputs=[
                    resources_pb2.Input(
                        id=input_id,
                        data=resources_pb2.Data(
                            image=resources_pb2.Image(url=f"https://samples.example.com/{input_id}.jpg"),
                            metadata=metadata,
                        ),
                    )
                    for input_id in input_ids
                ],
            ),
        )
        listed_inputs = self.call("ListInputs", service_pb2.ListInputsRequest(user_app_id=app, page=1, per_page=100))
        if set(input_ids) - {i.id for i in listed_inputs.inputs}:
            raise ScenarioFailed("ListInputs does not show the new inputs")
        self.call("GetInput", service_pb2.GetInputRequest(user_app_id=app, input_id=input_ids[0]))
        counts = self.call("GetInputCount", service_pb2.GetInputCountRequest(user_app_id=app)).counts
        if counts.processed + counts.to_process + counts.errors + counts.processing != len(listed_inputs.inputs):
            raise ScenarioFailed("GetInputCount does not count the listed inputs")
        patch_meta = struct_pb2.Struct()
        patch_meta.update({"reviewed": True})
        self.call(
            "PatchInputs",
            service_pb2.PatchInputsRequest(
                user_app_id=app,
                action="merge",
                inputs=[resources_pb2.Input(id=input_ids[0], data=resources_pb2.Data(metadata=patch_meta))],
            ),
        )

        # dataset inputs
        self.call(
            "PostDatasetInputs",
            service_pb2.PostDatasetInputsRequest(
                user_app_id=app,
                dataset_id=train,
                dataset_inputs=[resources_pb2.DatasetInput(input=resources_pb2.Input(id=i)) for i in input_ids],
            ),
        )
        members = self.call(
            "ListDatasetInputs", service_pb2.ListDatasetInputsRequest(user_app_id=app, dataset_id=train, per_page=100)
        )
        if len(members.dataset_inputs) != len(input_ids):
            raise ScenarioFailed(
                f"ListDatasetInputs shows {len(members.dataset_inputs)} inputs, expected {len(input_ids)}"
            )
        self.call(
            "GetDatasetInput",
            service_pb2.GetDatasetInputRequest(user_app_id=app, dataset_id=train, input_id=input_ids[1]),
        )

        # dataset versions
        version = self.id("v1")
        self.call(
            "PostDatasetVersions",
            service_pb2.PostDatasetVersionsRequest(
                user_app_id=app,
                dataset_id=train,
                dataset_versions=[resources_pb2.DatasetVersion(id=version, description="first cut")],
            ),
        )
        self.poll(
            "GetDatasetVersion",
            service_pb2.GetDatasetVersionRequest(user_app_id=app, dataset_id=train, dataset_version_id=version),
            lambda r: r.dataset_version.status.code == status_code_pb2.DATASET_VERSION_READY,
            "dataset version",
        )
        self.call(
            "ListDatasetVersions",
            service_pb2.ListDatasetVersionsRequest(user_app_id=app, dataset_id=train, per_page=20),
        )
        self.call(
            "PatchDatasetVersions",
            service_pb2.PatchDatasetVersionsRequest(
                user_app_id=app,
                dataset_id=train,
                action="merge",
                dataset_versions=[resources_pb2.DatasetVersion(id=version, description="first cut, checked")],
            ),
        )

        # labeling tasks
        task = self.id("label")
        self.call(
            "PostTasks",
            service_pb2.PostTasksRequest(
                user_app_id=app,
                tasks=[
                    resources_pb2.Task(
                        id=task,
                        type=resources_pb2.Task.CONCEPTS_CLASSIFICATION,
                        description="label the training set",
                        worker=resources_pb2.TaskWorker(strategy=resources_pb2.TaskWorker.FULL, user_ids=[app.user_id]),
                        concepts=[resources_pb2.TaskConcept(concept=resources_pb2.Concept(id=concept))],
                        input_source=resources_pb2.TaskInputSource(
                            type=resources_pb2.TaskInputSource.DATASET, id=train
                        ),
                        review=resources_pb2.TaskReview(strategy=resources_pb2.TaskReview.NONE),
                    )
                ],
            ),
        )
        self.call("ListTasks", service_pb2.ListTasksRequest(user_app_id=app, per_page=20))
        self.call("GetTask", service_pb2.GetTaskRequest(user_app_id=app, task_id=task))

        # bulk operations: copy the training inputs into the test dataset
        operation = self.id("copy")
        self.call(
            "PostBulkOperations",
            service_pb2.PostBulkOperationsRequest(
                user_app_id=app,
                bulk_operations=[
                    resources_pb2.BulkOperation(
                        id=operation,
                        input_ids=resources_pb2.InputIDs(input_ids=input_ids[:2]),
                        operation=resources_pb2.Operation(add_to_dataset=resources_pb2.AddToDataset(dataset_id=test)),
                    )
                ],
            ),
        )
        terminal = {
            status_code_pb2.JOB_COMPLETED,
            status_code_pb2.JOB_FAILED,
            status_code_pb2.JOB_CANCELLED,
            status_code_pb2.BULK_OPERATION_SUCCESS,
            status_code_pb2.BULK_OPERATION_FAILED,
            status_code_pb2.BULK_OPERATION_CANCELLED,
            status_code_pb2.BULK_OPERATION_UNEXPECTED_ERROR,
        }
        finished = self.poll(
            "GetBulkOperation",
            service_pb2.GetBulkOperationRequest(user_app_id=app, id=operation),
            lambda r: r.bulk_operation.status.code in terminal,
            "bulk operation",
        )
        if finished.bulk_operation.status.code in {
            status_code_pb2.JOB_FAILED,
            status_code_pb2.BULK_OPERATION_FAILED,
            status_code_pb2.BULK_OPERATION_UNEXPECTED_ERROR,
        }:
            raise ScenarioFailed("the bulk operation failed")
        self.call("ListBulkOperations", service_pb2.ListBulkOperationsRequest(user_app_id=app, per_page=20))
        copied = self.call(
            "ListDatasetInputs", service_pb2.ListDatasetInputsRequest(user_app_id=app, dataset_id=test, per_page=100)
        )
        if {m.input.id for m in copied.dataset_inputs} != set(input_ids[:2]):
            raise ScenarioFailed("the bulk operation did not add the inputs to the test dataset")

        # clean up
        self.call(
            "DeleteDatasetInputs",
            service_pb2.DeleteDatasetInputsRequest(user_app_id=app, dataset_id=test, input_ids=input_ids[:1]),
        )
        self.call("DeleteTasks", service_pb2.DeleteTasksRequest(user_app_id=app, ids=[task]))
        self.call(
            "DeleteDatasetVersions",
            service_pb2.DeleteDatasetVersionsRequest(user_app_id=app, dataset_id=train, dataset_version_ids=[version]),
        )
        self.call("DeleteInputs", service_pb2.DeleteInputsRequest(user_app_id=app, ids=input_ids))
        self.call("DeleteDatasets", service_pb2.DeleteDatasetsRequest(user_app_id=app, dataset_ids=[train, test]))
        left = self.call("ListDatasets", service_pb2.ListDatasetsRequest(user_app_id=app, per_page=100))
        if {train, test} & {d.id for d in left.datasets}:
            raise ScenarioFailed("DeleteDatasets left the datasets behind")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--pat", default=os.environ.get("CLARIFAI_PAT", ""))
    parser.add_argument("--user-id", required=True)
    parser.add_argument("--app-id", required=True)
    args = parser.parse_args(argv)
    if not args.pat:
        parser.error("no PAT: set CLARIFAI_PAT or pass --pat")
    scenario = Scenario(args.base_url, args.pat, args.user_id, args.app_id)
    try:
        scenario.run()
    except ScenarioFailed as exc:
        print(f"SCENARIO FAILED after {len(scenario.calls)} calls: {exc}", flush=True)
        return 1
    print(f"SCENARIO OK {len(scenario.calls)} calls, {len(set(scenario.calls))} distinct RPCs", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
