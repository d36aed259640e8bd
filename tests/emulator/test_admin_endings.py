"""The admin API ends background work in a terminal status: a bulk operation (its effect
never applied) or an inputs add job; refusals change nothing."""

from __future__ import annotations

import pytest

from connector.emulator.testing import EmulatorError
from tests.support.scenarios import make_dataset, make_inputs


def _split(client, op_id: str) -> None:
    client.post_bulk_operations(
        [
            {
                "id": op_id,
                "dataset": {"id": "src"},
                "operation": {
                    "split_into_datasets": {
                        "dataset_splits": [
                            {"dataset": {"id": "a"}, "percentage": 50},
                            {"dataset": {"id": "b"}, "percentage": 50},
                        ],
                        "method": "RANDOM_PERCENTAGE_SPLIT",
                    }
                },
            }
        ]
    )


def test_a_bulk_operation_ended_failed_is_never_applied(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 4))
    make_dataset(client, "a")
    make_dataset(client, "b")
    emulator.admin.set_options(bulk_operation_seconds=0.2)
    _split(client, "op1")
    ended = emulator.admin.end_bulk_operation("op1")
    assert ended["bulk_operation"]["status"]["code"] == 25401
    emulator.admin.set_options(bulk_operation_seconds=0)
    op = client.get_bulk_operation("op1")
    assert op["status"]["code"] == 25401  # time no longer moves it
    assert list(client.list_dataset_inputs("a")) == [] and list(client.list_dataset_inputs("b")) == []
    _split(client, "op2")
    emulator.admin.end_bulk_operation("op2", status="BULK_OPERATION_UNEXPECTED_ERROR")
    assert client.get_bulk_operation("op2")["status"]["code"] == 25406


def test_an_inputs_add_job_ended_in_a_status(client, emulator) -> None:
    emulator.admin.set_options(inputs_add_job_seconds=3600)
    make_inputs(client, 2)
    (job,) = list(client.list_inputs_add_jobs())
    emulator.admin.end_inputs_add_job(job["id"])
    assert client.get_inputs_add_job(job["id"])["status"]["code"] == 64003
    emulator.admin.end_inputs_add_job(job["id"], status="JOB_CANCELLED")
    assert client.get_inputs_add_job(job["id"])["status"]["code"] == 64004


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda admin: admin.end_bulk_operation("nope"), "does not exist"),
        (lambda admin: admin.end_bulk_operation("op1", status="BULK_OPERATION_IN_PROGRESS"), "terminal"),
        (lambda admin: admin.end_bulk_operation("op1", status="JOB_FAILED"), "BULK_OPERATION_"),
        (lambda admin: admin.end_inputs_add_job("nope"), "does not exist"),
        (lambda admin: admin.end_inputs_add_job("job", status="JOB_RUNNING"), "terminal"),
    ],
)
def test_refusals_change_nothing(client, emulator, call, match) -> None:
    make_dataset(client, "src", make_inputs(client, 2))
    make_dataset(client, "a")
    make_dataset(client, "b")
    emulator.admin.set_options(bulk_operation_seconds=3600, inputs_add_job_seconds=3600)
    _split(client, "op1")
    (job,) = list(client.list_inputs_add_jobs())
    before = emulator.admin.snapshot()
    with pytest.raises(EmulatorError, match=match):
        call(_AdminWithJob(emulator.admin, job["id"]))
    assert emulator.admin.snapshot() == before


class _AdminWithJob:
    """The admin client, with the placeholder job id "job" replaced by the real one."""

    def __init__(self, admin, job_id: str) -> None:
        self._admin, self._job_id = admin, job_id

    def end_bulk_operation(self, op_id: str, **kw):
        return self._admin.end_bulk_operation(op_id, **kw)

    def end_inputs_add_job(self, job_id: str, **kw):
        return self._admin.end_inputs_add_job(self._job_id if job_id == "job" else job_id, **kw)
