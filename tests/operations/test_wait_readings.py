"""What the waits read from each object and say about it, on a fake clock: task status and
counts, job progress, the messages and fields of failures and timeouts, the schedule's
edges, and the percent a task wait stops at."""

from __future__ import annotations

import random

import pytest

from connector.errors import ValidationError, WaitFailedError, WaitTimeoutError
from connector.operations.waits import (
    DONE,
    FAILED,
    PENDING,
    TaskStatus,
    WaitSpec,
    bulk_operation_waiter,
    check_schedule,
    check_task_until,
    classify_task,
    inputs_add_job_waiter,
    poll,
    read_bulk_operation,
    read_dataset_version,
    read_inputs_add_job,
    task_reader,
    task_status_from,
    task_waiter,
    version_waiter,
)
from connector.status_codes import StatusCode
from tests.support.clock import FakeClock

# -- what is read from an object ------------------------------------------------------------


def test_task_status_from_a_task_and_its_counts() -> None:
    task = {
        "id": "t1",
        "status": {"code": "TASK_IN_PROGRESS", "description": "working"},
        "metrics": {
            "work": {"inputs_percent_estimated": 40, "inputs_count_estimated": "12"},
            "review": {"inputs_percent_estimated": 5.5},
        },
    }
    annotations = {
        "counts": [
            {"user_id": "alice", "pending": 1, "awaiting_review": "2", "success": 3},
            {"worker": {"user": {"id": "bob"}}, "review_denied": 4, "awaiting_consensus_review": 5},
            {},
        ]
    }
    inputs = {"counts": [{"user_id": "carol", "success": "7"}]}
    st = task_status_from("t1", task, annotations, inputs)
    assert (st.task_id, st.status, st.status_code, st.description) == (
        "t1",
        "TASK_IN_PROGRESS",
        StatusCode.TASK_IN_PROGRESS,
        "working",
    )
    assert (st.work_percent, st.review_percent, st.inputs_estimated) == (40.0, 5.5, 12)
    zero = {"pending": 0, "awaiting_review": 0, "success": 0, "review_denied": 0, "awaiting_consensus_review": 0}
    assert st.annotation_counts == [
        {**zero, "user_id": "alice", "pending": 1, "awaiting_review": 2, "success": 3},
        {**zero, "user_id": "bob", "review_denied": 4, "awaiting_consensus_review": 5},
        {**zero, "user_id": ""},
    ]
    assert st.input_counts == [{**zero, "user_id": "carol", "success": 7}]
    assert st.to_dict()["annotation_counts"][0]["user_id"] == "alice"


def test_task_status_of_a_bare_task() -> None:
    st = task_status_from("t2", {})
    assert (st.status, st.status_code, st.description) == ("UNKNOWN", None, "")
    assert (st.work_percent, st.review_percent, st.inputs_estimated) == (0.0, 0.0, 0)
    assert st.annotation_counts == [] and st.input_counts == []


def test_job_progress_and_status_are_read() -> None:
    job = {
        "status": {"code": 64000, "description": "adding"},
        "progress": {"success_count": "3", "failed_count": 1, "pending_count": 2, "in_progress_count": "4"},
    }
    reading = read_inputs_add_job(job)
    assert (reading.state, reading.status_code, reading.description) == (PENDING, 64000, "adding")
    assert (reading.done, reading.total, reading.summary) == (4, 10, "JOB_QUEUED")
    empty = read_inputs_add_job({})
    assert (empty.state, empty.done, empty.total, empty.summary) == (PENDING, 0, 0, "UNKNOWN")
    op = read_bulk_operation({"status": {"code": "BULK_OPERATION_IN_PROGRESS"}, "progress": {"processed": "5"}})
    assert (op.state, op.done, op.total, op.summary) == (PENDING, 5, None, "BULK_OPERATION_IN_PROGRESS")
    assert read_bulk_operation({"status": {"code": 25401, "description": "no"}}).description == "no"
    version = read_dataset_version({"status": {"code": 64020, "description": "broken"}})
    assert (version.state, version.status_code, version.description, version.summary) == (
        FAILED,
        64020,
        "broken",
        "DATASET_VERSION_FAILURE",
    )


def test_a_task_reading_reports_the_percent_it_waits_on() -> None:
    st = TaskStatus("t", "TASK_IN_PROGRESS", 62.5, 30.0, 8, [], [], StatusCode.TASK_IN_PROGRESS, "d")
    work = task_reader("work", 50.0)(st)
    assert (work.state, work.done, work.total) == (DONE, 62, 100)
    assert work.summary == "TASK_IN_PROGRESS work 62.5% review 30%"
    assert (work.status_code, work.description) == (StatusCode.TASK_IN_PROGRESS, "d")
    review = task_reader("review", 50.0)(st)
    assert (review.state, review.done) == (PENDING, 30)
    assert task_reader("done", None)(st).state == PENDING


# -- when a task wait stops -------------------------------------------------------------------


def _status(code, work: float = 0.0, review: float = 0.0, name: str | None = None) -> TaskStatus:
    return TaskStatus("t", name or "X", work, review, 0, [], [], code)


@pytest.mark.parametrize(
    ("status", "until", "percent", "state"),
    [
        (_status(StatusCode.TASK_DONE), "done", None, DONE),
        (_status(StatusCode.TASK_WONT_DO), "work", 10, FAILED),
        (_status(StatusCode.TASK_FAILED), "done", None, FAILED),
        (_status(StatusCode.TASK_IN_PROGRESS, work=50.0), "work", 50, DONE),  # exactly the percent
        (_status(StatusCode.TASK_IN_PROGRESS, work=49.9), "work", 50, PENDING),
        (_status(StatusCode.TASK_IN_PROGRESS, review=50.0), "review", 50, DONE),
        (_status(StatusCode.TASK_IN_PROGRESS, review=49.9, work=100), "review", 50, PENDING),
        (_status(StatusCode.TASK_IN_PROGRESS, work=100), "done", None, PENDING),
        (_status(None, name="TASK_DONE"), "done", None, DONE),  # the name is read when no code came
        (_status(None, name="TASK_WONT_DO"), "done", None, FAILED),
    ],
)
def test_classify_task(status, until, percent, state) -> None:
    assert classify_task(status, until, percent) == state


@pytest.mark.parametrize(
    ("until", "percent", "expected"),
    [("done", 999, ("done", None)), ("work", 100, ("work", 100.0)), ("review", 0.5, ("review", 0.5))],
)
def test_task_until_accepted(until, percent, expected) -> None:
    assert check_task_until(until, percent) == expected


@pytest.mark.parametrize(
    ("until", "percent"), [("work", 0), ("work", 100.01), ("review", None), ("work", True), ("work", "50"), ("all", 50)]
)
def test_task_until_refused(until, percent) -> None:
    with pytest.raises(ValidationError):
        check_task_until(until, percent)


# -- the schedule ----------------------------------------------------------------------------


def test_the_schedule_at_its_edges() -> None:
    check_schedule(0, 0.001, 0.001, 1)  # a zero timeout (read once), tiny intervals, no backoff
    for bad in (
        (-0.001, 1, 1, 1.6),
        (1, 0, 1, 1.6),
        (1, 1, 0, 1.6),
        (1, 1, 1, 0.999),
        (float("nan"), 1, 1, 1.6),
        (True, 1, 1, 1.6),
        ("1", 1, 1, 1.6),
    ):
        with pytest.raises(ValidationError):
            check_schedule(*bad)


def test_a_zero_timeout_reads_once() -> None:
    clock, reads = FakeClock(), []
    with pytest.raises(WaitTimeoutError) as info:
        poll(lambda: reads.append(1) or {}, lambda o: PENDING, what="x", timeout=0, sleep=clock.sleep, clock=clock)
    assert reads == [1] and clock.sleeps == [] and info.value.timeout == 0.0
    assert poll(lambda: {"id": 1}, lambda o: DONE, what="x", timeout=0, sleep=clock.sleep, clock=clock) == {"id": 1}


def test_the_backoff_grows_by_its_factor_up_to_max_interval() -> None:
    clock = FakeClock()

    class High(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    with pytest.raises(WaitTimeoutError):
        poll(
            dict,
            lambda o: PENDING,
            what="x",
            timeout=30,
            interval=1,
            max_interval=5,
            backoff=2,
            sleep=clock.sleep,
            clock=clock,
            rng=High(),
        )
    assert clock.sleeps[:5] == [1, 2, 4, 5, 5]
    assert sum(clock.sleeps) == pytest.approx(30)


def test_poll_refuses_a_classifier_answer_it_does_not_know() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError, match="classify returned 'maybe', not 'done', 'pending' or 'failed'"):
        poll(dict, lambda o: "maybe", what="x", sleep=clock.sleep, clock=clock)


def test_poll_reports_what_describe_says() -> None:
    clock, events = FakeClock(), []
    states = iter([PENDING, DONE])
    poll(
        lambda: {"status": {"code": 10000}},
        lambda o: next(states),
        what="thing t",
        describe=lambda o: (3, 9, "three of nine"),
        progress=events.append,
        operation="demo",
        sleep=clock.sleep,
        clock=clock,
    )
    assert [(e.operation, e.stage, e.done, e.total, e.message) for e in events] == [
        ("demo", "thing t", 3, 9, "three of nine")
    ] * 2
    events.clear()
    poll(dict, lambda o: DONE, what="bare", progress=events.append, sleep=clock.sleep, clock=clock)
    assert [(e.operation, e.stage, e.done, e.total, e.message) for e in events] == [("wait", "bare", 0, None, "done")]


# -- failures and timeouts --------------------------------------------------------------------


def test_a_failure_names_the_object_its_status_and_description() -> None:
    clock = FakeClock()
    obj = {"status": {"code": StatusCode.BULK_OPERATION_FAILED, "description": "bad split"}}
    with pytest.raises(WaitFailedError) as info:
        poll(
            lambda: obj,
            lambda o: FAILED,
            what="bulk operation op1",
            kind="bulk_operation",
            object_id="op1",
            sleep=clock.sleep,
            clock=clock,
        )
    err = info.value
    assert str(err) == (
        "bulk operation op1 ended in BULK_OPERATION_FAILED: bad split; "
        "inspect the object in the Clarifai portal and run again once fixed"
    )
    assert (err.kind, err.object_id, err.status_code, err.status_name, err.description) == (
        "bulk_operation",
        "op1",
        StatusCode.BULK_OPERATION_FAILED,
        "BULK_OPERATION_FAILED",
        "bad split",
    )
    with pytest.raises(WaitFailedError) as info:
        poll(lambda: {"status": {"code": 25401}}, lambda o: FAILED, what="op2", sleep=clock.sleep, clock=clock)
    assert str(info.value).startswith("op2 ended in BULK_OPERATION_FAILED; ")
    assert info.value.object_id == "op2" and info.value.kind == "object"


def test_a_timeout_names_the_last_state_and_the_time_waited() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeoutError) as info:
        poll(
            lambda: {"status": {"code": 64010, "description": "building"}},
            lambda o: PENDING,
            what="dataset version ds/v1",
            describe=lambda o: (0, None, "DATASET_VERSION_IN_PROGRESS"),
            timeout=2.5,
            kind="dataset_version",
            object_id="ds/v1",
            sleep=clock.sleep,
            clock=clock,
        )
    err = info.value
    assert str(err) == (
        "dataset version ds/v1 not finished after 2.5s (last state: DATASET_VERSION_IN_PROGRESS); "
        "wait longer (raise the timeout) or check the object in the portal"
    )
    assert (err.timeout, err.elapsed, err.status_code, err.description) == (2.5, 2.5, 64010, "building")
    assert err.to_dict()["timeout"] == 2.5 and err.to_dict()["status_name"] == "DATASET_VERSION_IN_PROGRESS"


def test_each_waiter_names_its_object() -> None:
    spec = WaitSpec(timeout=1.0, interval=0.1, max_interval=0.2)
    version = version_waiter("ds", "v1", spec)
    assert (version.kind, version.object_id, version.what) == ("dataset_version", "ds/v1", "dataset version ds/v1")
    op = bulk_operation_waiter("op1", spec)
    assert (op.kind, op.object_id, op.what) == ("bulk_operation", "op1", "bulk operation op1")
    job = inputs_add_job_waiter("j1", spec)
    assert (job.kind, job.object_id, job.what) == ("inputs_add_job", "j1", "inputs add job j1")
    task = task_waiter("t1", "work", 50, spec)
    assert (task.kind, task.object_id, task.what) == ("task", "t1", "task t1")


def test_a_failed_task_wait_says_how_far_it_got() -> None:
    clock = FakeClock()
    waiter = task_waiter("t1", "done", None, WaitSpec(timeout=10, interval=1, max_interval=1), clock=clock)
    st = TaskStatus("t1", "TASK_WONT_DO", 12.5, 0.0, 3, [], [], StatusCode.TASK_WONT_DO, "")
    with pytest.raises(WaitFailedError) as info:
        waiter.judge(st)
    assert str(info.value) == (
        "task t1 ended as TASK_WONT_DO without being done (work 12.5%, review 0%); "
        "reopen it in the Clarifai portal, or create a new task"
    )
    assert info.value.kind == "task" and info.value.status_code == StatusCode.TASK_WONT_DO


@pytest.mark.parametrize("bad", ["", "  ", None, 5])
def test_a_waiter_refuses_an_empty_id(bad) -> None:
    spec = WaitSpec(timeout=1.0, interval=0.1, max_interval=0.2)
    for make in (
        lambda: version_waiter("ds", bad, spec),
        lambda: version_waiter(bad, "v", spec),
        lambda: bulk_operation_waiter(bad, spec),
        lambda: inputs_add_job_waiter(bad, spec),
        lambda: task_waiter(bad, "done", None, spec),
    ):
        with pytest.raises(ValidationError):
            make()


def test_a_task_waiter_refuses_an_invalid_task_id() -> None:
    with pytest.raises(ValidationError, match="bad id"):
        task_waiter("bad id", "done", None, WaitSpec(timeout=1.0, interval=0.1, max_interval=0.2))


# -- the documented defaults and what each wait passes on -----------------------------------------


@pytest.mark.parametrize(
    ("name", "timeout", "interval", "max_interval"),
    [
        ("wait_dataset_version", 600.0, 0.25, 10.0),
        ("wait_bulk_operation", 600.0, 0.25, 10.0),
        ("wait_inputs_add_job", 600.0, 0.25, 10.0),
        ("wait_task", 3600.0, 1.0, 30.0),
        ("poll", 600.0, 0.25, 10.0),
    ],
)
def test_the_waits_documented_defaults(name, timeout, interval, max_interval) -> None:
    import inspect

    from connector.operations import async_waits, waits

    for module in (waits, async_waits):
        if not hasattr(module, name):
            continue
        params = inspect.signature(getattr(module, name)).parameters
        assert (params["timeout"].default, params["interval"].default, params["max_interval"].default) == (
            timeout,
            interval,
            max_interval,
        ), (module.__name__, name)


class EdgeRandom(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


@pytest.mark.parametrize("make", ["bulk", "job", "task", "version"])
def test_each_waiter_runs_on_the_clock_and_random_source_it_is_given(make) -> None:
    clock = FakeClock()
    spec = WaitSpec(timeout=10, interval=2, max_interval=8)
    waiter = {
        "bulk": lambda: bulk_operation_waiter("op", spec, rng=EdgeRandom(), clock=clock),
        "job": lambda: inputs_add_job_waiter("j", spec, rng=EdgeRandom(), clock=clock),
        "task": lambda: task_waiter("t", "done", None, spec, rng=EdgeRandom(), clock=clock),
        "version": lambda: version_waiter("ds", "v", spec, rng=EdgeRandom(), clock=clock),
    }[make]()
    assert waiter.pause() == 1.0  # half of the 2 s interval: the given source's low end
    clock.now += 10
    with pytest.raises(WaitTimeoutError) as info:
        waiter.pause()
    assert info.value.elapsed == 10.0


def test_a_task_wait_reports_progress_as_the_tasks_operation() -> None:
    events = []
    waiter = task_waiter("t", "work", 50, WaitSpec(timeout=10, interval=1, max_interval=1, progress=events.append))
    waiter.judge(TaskStatus("t", "TASK_IN_PROGRESS", 20.0, 0.0, 4, [], [], StatusCode.TASK_IN_PROGRESS, ""))
    (event,) = events
    assert (event.operation, event.stage, event.done, event.total) == ("tasks", "task t", 20, 100)
    assert event.message == "TASK_IN_PROGRESS work 20% review 0%"


def test_poll_describes_each_object_it_read_and_reads_any_object() -> None:
    clock, events = FakeClock(), []
    objects = iter([[1], [1, 2]])
    got = poll(
        lambda: next(objects),
        lambda o: DONE if len(o) == 2 else PENDING,
        what="list",
        describe=lambda o: (len(o), 2, f"{len(o)} of 2"),
        progress=events.append,
        sleep=clock.sleep,
        clock=clock,
    )
    assert got == [1, 2] and [(e.done, e.message) for e in events] == [(1, "1 of 2"), (2, "2 of 2")]
    with pytest.raises(WaitFailedError) as info:
        poll(lambda: ("not", "a", "mapping"), lambda o: FAILED, what="tuple", sleep=clock.sleep, clock=clock)
    assert info.value.description == "" and info.value.status_code is None
    assert str(info.value).startswith("tuple ended in UNKNOWN; ")


def test_a_bare_bulk_operation_or_job_reads_as_nothing_done() -> None:
    op = read_bulk_operation({"status": {"code": "BULK_OPERATION_PENDING"}})
    assert (op.done, op.description) == (0, "")
    job = read_inputs_add_job({"status": {"code": "JOB_QUEUED"}})
    assert (job.done, job.total, job.description) == (0, 0, "")


def test_a_task_without_percent_to_wait_for_is_reached_by_any_work() -> None:
    st = _status(StatusCode.TASK_IN_PROGRESS, work=0.5, review=0.5)
    assert classify_task(st, "work", None) == DONE and classify_task(st, "review", 0) == DONE
