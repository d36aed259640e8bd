"""Jobs the re-execution tests rebuild by reference (``dagster.reconstructable`` needs
module-level functions): the create-task job and a snapshotting split, each with the
resource read from the CLARIFAI_* variables and the in-process executor."""

import os

from dagster import Definitions, EnvVar, JobDefinition, define_asset_job, in_process_executor

from connector.operations import SplitSpec
from dagster_assets import (
    ClarifaiParquetIOManager,
    ClarifaiResource,
    LabelingTaskConfig,
    build_create_task_job,
    build_split_assets,
)

TASK = LabelingTaskConfig(name="label pets", concept_ids=["cat", "dog"], workers=["labeler-1"])
SPLIT = SplitSpec(
    dataset_id="cats-dogs", ratios={"train": 0.7, "test": 0.2, "validation": 0.1}, seed="r", snapshot=True
)


def _defs(**kwargs: object) -> Definitions:
    resource = ClarifaiResource(
        pat=EnvVar("CLARIFAI_PAT"),
        user_id=EnvVar("CLARIFAI_USER_ID"),
        app_id=EnvVar("CLARIFAI_APP_ID"),
        base_url=EnvVar("CLARIFAI_API_BASE"),
        rate_limit=0,
        retry_max_attempts=3,
        retry_initial_wait=0.01,
        retry_max_wait=0.05,
    )
    io = ClarifaiParquetIOManager(base_path=os.environ["CLARIFAI_TEST_STORAGE"])
    return Definitions(
        resources={"clarifai": resource, "clarifai_io_manager": io}, executor=in_process_executor, **kwargs
    )


def task_job() -> JobDefinition:
    return _defs(jobs=[build_create_task_job(config=TASK)]).resolve_job_def("clarifai_create_task_job")


def split_job() -> JobDefinition:
    defs = _defs(assets=build_split_assets(SPLIT, ratio_tolerance=0.1), jobs=[define_asset_job("split_job")])
    return defs.resolve_job_def("split_job")
