"""Crash safety: kill each operation after its k-th request (for k across the whole
run), run it again with the same arguments, and compare the final emulator state with
an uninterrupted run's. Also "applied then dropped" on every create the operations make.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from connector.client import ClarifaiClient
from connector.operations import (
    PrunePolicy,
    SplitSpec,
    TaskSpec,
    cleanup_tasks,
    create_task,
    mark_done,
    prune,
    split,
    update_task,
)
from connector.operations.base import utcnow
from connector.operations.tasks import essence
from tests.support.contract import contract_hooks
from tests.support.scenarios import (
    make_dataset,
    make_inputs,
    make_versions,
    train_model_on,
)


class Killed(BaseException):
    """Stands for the process being killed: not an Exception, so nothing catches it."""


class Budget:
    """A request hook that lets ``limit`` requests through, then kills the run."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.count = 0

    def __call__(self, request: Any) -> None:
        if self.limit is not None and self.count >= self.limit:
            raise Killed(f"killed before request {self.count + 1}")
        self.count += 1


def _client(emulator: Any, budget: Budget) -> ClarifaiClient:
    from tests.support.contract import FAST_RETRY

    hooks = contract_hooks()
    hooks["request"].append(budget)
    return ClarifaiClient(emulator.client_config(retry=FAST_RETRY, rate_limit=0), event_hooks=hooks)


LATER = utcnow() + timedelta(days=10)


def _prune_setup(client: Any, emulator: Any) -> None:
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{i}"} for i in range(5)])
    train_model_on(client, "m", "ds", "v1")


def _prune_run(client: Any) -> Any:
    return prune(client, None, PrunePolicy(keep_last=1, max_delete_share=None), batch_size=2, now=LATER)


def _split_setup(client: Any, emulator: Any) -> None:
    make_dataset(client, "src", make_inputs(client, 9))
    # A stray input sits in a target already: exact mode removes it (with force: the
    # guard refuses a target holding inputs that are not from the source).
    make_dataset(client, "src-train", make_inputs(client, 1, prefix="stray"))


SPLIT = SplitSpec(
    dataset_id="src",
    ratios={"train": 0.6, "test": 0.4},
    seed="c",
    stratify=True,
    mode="exact",
    snapshot=True,
    run_key="k",
)


def _split_run(client: Any) -> Any:
    return split(client, SPLIT, force=True, batch_size=4, timeout=20, poll_interval=0.01)


SPLIT_INCREMENTAL = SplitSpec(
    dataset_id="src", ratios={"train": 0.5, "test": 0.3, "validation": 0.2}, seed="i", group_by="subject", run_key="k"
)


def _split_incremental_setup(client: Any, emulator: Any) -> None:
    make_dataset(client, "src", make_inputs(client, 12, groups=5))
    make_dataset(client, "src-test", ["in001"])  # one target exists already and holds an input


def _split_incremental_run(client: Any) -> Any:
    return split(client, SPLIT_INCREMENTAL, batch_size=2, timeout=20, poll_interval=0.01)


TASK = TaskSpec(name="crash", concept_ids=("cat",), workers=("alice",), run_key="k")


def _tasks_setup(client: Any, emulator: Any) -> None:
    make_inputs(client, 2)


def _tasks_run(client: Any) -> Any:
    create_task(client, TASK)
    update_task(client, TASK.id, workers=["bob"], concepts=["dog"], mode="merge")
    return mark_done(client, TASK.id)


def _cleanup_setup(client: Any, emulator: Any) -> None:
    for n, status in enumerate(("TASK_DONE", "TASK_WONT_DO", "TASK_DONE", None)):
        spec = TaskSpec(name=f"old {n}", concept_ids=("cat",), workers=("alice",))
        create_task(client, spec)
        if status:
            emulator.admin.set_task_progress(spec.id, status=status)


def _cleanup_run(client: Any) -> Any:
    return cleanup_tasks(client, timedelta(days=1), now=LATER)


def _state(emulator: Any, client: Any) -> dict[str, Any]:
    snap = emulator.admin.snapshot()
    tasks = {t["id"]: essence(t) for t in client.list_tasks()}
    return {"snapshot": snap, "tasks": tasks}


SCENARIOS: dict[str, tuple[Callable[[Any, Any], None], Callable[[Any], Any]]] = {
    "prune": (_prune_setup, _prune_run),
    "split-exact-snapshot": (_split_setup, _split_run),
    "split-incremental": (_split_incremental_setup, _split_incremental_run),
    "tasks": (_tasks_setup, _tasks_run),
    "tasks-cleanup": (_cleanup_setup, _cleanup_run),
}


_REFERENCES: dict[str, tuple[dict[str, Any], int]] = {}


def _reset(emulator: Any) -> None:
    """An empty app whose dataset versions are READY at their first read, so a run makes
    the same number of requests however fast the emulator answers (the kill points are
    request numbers)."""
    emulator.admin.reset(seed="empty", version_pending_seconds=0, version_in_progress_seconds=0)


def _reference(emulator: Any, client: Any, name: str) -> tuple[dict[str, Any], int]:
    """The state an uninterrupted run reaches, and how many requests it makes (computed
    once per scenario: the emulator state holds no clock values that differ per run)."""
    if name not in _REFERENCES:
        _REFERENCES[name] = _uninterrupted(emulator, client, name)
    return _REFERENCES[name]


def _uninterrupted(emulator: Any, client: Any, name: str) -> tuple[dict[str, Any], int]:
    setup, run = SCENARIOS[name]
    _reset(emulator)
    setup(client, emulator)
    budget = Budget(None)
    with _client(emulator, budget) as c:
        run(c)
    return _state(emulator, client), budget.count


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_killed_after_k_requests_then_rerun_converges(client, emulator, name):
    setup, run = SCENARIOS[name]
    expected, total = _reference(emulator, client, name)
    assert total >= 3
    # Every k for short runs; the first two, the last, and points spread over the run
    # (about 6 in all) for longer ones, so the sweep stays quick.
    ks = sorted({0, 1, total - 1} | {round(i * (total - 1) / 4) for i in range(5)})
    killed = 0
    for k in ks:
        _reset(emulator)
        setup(client, emulator)
        with _client(emulator, Budget(k)) as c:
            try:
                run(c)
            except Killed:
                killed += 1
        with _client(emulator, Budget(None)) as c:
            run(c)
        assert _state(emulator, client) == expected, f"{name}: state after a kill at request {k + 1} differs"
    assert killed == len(ks)


@pytest.mark.parametrize(
    ("name", "rpc"),
    [
        ("split-exact-snapshot", "PostDatasets"),
        ("split-exact-snapshot", "PostDatasetInputs"),
        ("split-exact-snapshot", "DeleteDatasetInputs"),
        ("split-exact-snapshot", "PostDatasetVersions"),
        ("split-incremental", "PostDatasetInputs"),
        ("tasks", "PostTasks"),
        ("tasks", "PatchTasks"),
        ("tasks-cleanup", "DeleteTasks"),
        ("prune", "DeleteDatasetVersions"),
    ],
)
def test_applied_then_dropped_on_every_write(client, emulator, name, rpc):
    setup, run = SCENARIOS[name]
    expected, _ = _reference(emulator, client, name)
    _reset(emulator)
    setup(client, emulator)
    emulator.admin.script_fault("applied_then_dropped", 1, rpc=rpc)
    with _client(emulator, Budget(None)) as c:
        run(c)
    assert any(r["fault"] == "applied_then_dropped" for r in emulator.admin.requests())
    assert _state(emulator, client) == expected


def test_server_split_killed_and_dropped_never_duplicates_the_bulk_operation(client, emulator):
    spec = SplitSpec(dataset_id="src", mode="server", run_key="srv")

    def check() -> None:
        snap = emulator.admin.snapshot()["demo/demo"]
        assert len(snap["bulk_operations"]) == 1
        train, test = set(snap["dataset_inputs"]["src-train"]), set(snap["dataset_inputs"]["src-test"])
        assert not train & test and len(train | test) == 9

    killed = 0
    for k in (3, 5, 7):
        _reset(emulator)
        make_dataset(client, "src", make_inputs(client, 9))
        with _client(emulator, Budget(k)) as c:
            try:
                split(c, spec, timeout=20, poll_interval=0.01)
            except Killed:
                killed += 1
        split(client, spec, timeout=20, poll_interval=0.01)
        check()
    assert killed == 3  # every run was really cut short
    _reset(emulator)
    make_dataset(client, "src", make_inputs(client, 9))
    emulator.admin.script_fault("applied_then_dropped", 1, rpc="PostBulkOperations")
    split(client, spec, timeout=20, poll_interval=0.01)
    check()


@pytest.mark.parametrize(
    ("name", "rpc"), [("split-exact-snapshot", "PostDatasetInputs"), ("prune", "DeleteDatasetVersions")]
)
def test_killed_while_write_batches_are_in_flight(client, emulator, name, rpc):
    """Writes run as concurrent batches: a kill at the second batch of a phase, while
    the first may still be in flight, surfaces only once every request sent has been
    answered (none outlives the run), and a rerun converges."""
    setup, run = SCENARIOS[name]
    expected, _ = _reference(emulator, client, name)
    _reset(emulator)
    setup(client, emulator)
    emulator.admin.clear_requests()
    with _client(emulator, Budget(None)) as c:
        run(c)
    log = emulator.admin.requests()
    writes = [n for n, r in enumerate(log) if r["rpc"] == rpc]
    assert len(writes) >= 2, writes
    _reset(emulator)
    setup(client, emulator)
    emulator.admin.clear_requests()
    budget = Budget(writes[1])  # lets requests through up to the second batch's
    with _client(emulator, budget) as c, pytest.raises(Killed):
        run(c)
    assert len(emulator.admin.requests()) == budget.count  # every request sent was answered
    with _client(emulator, Budget(None)) as c:
        run(c)
    assert _state(emulator, client) == expected
