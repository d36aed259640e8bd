"""Write batches run concurrently, under the client's one limiter, and stop cleanly at
the first failure: the helper alone, then split, prune and task cleanup against the
emulator (two writes must be in flight together or the run cannot finish)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from connector.client import ClarifaiClient
from connector.operations import PrunePolicy, SplitSpec, TaskSpec, cleanup_tasks, create_task, prune, split
from connector.operations.base import utcnow
from connector.operations.batches import run_batches, write_concurrency
from tests.support.contract import FAST_RETRY, contract_hooks
from tests.support.scenarios import make_dataset, make_inputs, make_versions

# A barrier that is never met breaks after this long, failing the test (not a timing
# assertion: with the promised concurrency it is met at once).
MEET = 20.0


def test_batches_run_together_up_to_the_concurrency():
    barrier = threading.Barrier(3, timeout=MEET)
    done: list[int] = []
    run_batches([1, 2, 3, 4, 5, 6], lambda b: barrier.wait(), concurrency=3, done=done.append)
    assert sorted(done) == [1, 2, 3, 4, 5, 6]


def test_never_more_in_flight_than_the_concurrency():
    lock = threading.Lock()
    in_flight = peak = 0
    release = threading.Event()

    def write(batch: int) -> None:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight == 2:
                release.set()
        release.wait(MEET)
        with lock:
            in_flight -= 1

    run_batches(list(range(10)), write, concurrency=2)
    assert peak == 2


def test_first_failure_stops_new_batches_and_waits_for_those_in_flight():
    started: list[int] = []
    finished: list[int] = []
    gate = threading.Event()

    def write(batch: int) -> None:
        started.append(batch)
        if batch == 0:
            gate.wait(MEET)  # in flight when batch 1 fails
            finished.append(batch)
            return
        gate.set()
        raise RuntimeError(f"batch {batch} failed")

    done: list[int] = []
    with pytest.raises(RuntimeError, match="batch 1 failed"):
        run_batches(list(range(8)), write, concurrency=2, done=done.append)
    assert finished == [0]  # the batch in flight ended before the error surfaced
    assert sorted(started) == [0, 1]  # nothing started after the failure
    assert 1 not in done


def test_base_exceptions_stop_the_batches_too():
    class Stop(BaseException):
        pass

    def write(batch: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        run_batches([1, 2, 3], write, concurrency=2)


def test_one_at_a_time_runs_in_order():
    seen: list[int] = []
    run_batches([3, 1, 2], seen.append, concurrency=1)
    assert seen == [3, 1, 2]


def test_write_concurrency_follows_the_clients_page_concurrency(client_config):
    with ClarifaiClient(client_config.replace(page_concurrency=6)) as c:
        assert write_concurrency(c) == 6


class MeetOn:
    """A request hook that holds the first ``n`` requests of ``rpc`` until all ``n`` are
    in flight together (and lets every later one through)."""

    def __init__(self, rpc_path_part: str, method: str, n: int = 2) -> None:
        self.part, self.method = rpc_path_part, method
        self.barrier = threading.Barrier(n, timeout=MEET)
        self.left = n
        self.lock = threading.Lock()

    def __call__(self, request: Any) -> None:
        if request.method != self.method or self.part not in request.url.path:
            return
        with self.lock:
            if self.left == 0:
                return
            self.left -= 1
        self.barrier.wait()


def _client(emulator: Any, hook: MeetOn) -> ClarifaiClient:
    hooks = contract_hooks()
    hooks["request"].append(hook)
    return ClarifaiClient(emulator.client_config(retry=FAST_RETRY, rate_limit=0), event_hooks=hooks)


def test_split_adds_and_removes_concurrently(client, emulator):
    make_dataset(client, "src", make_inputs(client, 12))
    make_dataset(client, "src-train", make_inputs(client, 4, prefix="stray"))
    spec = SplitSpec(dataset_id="src", ratios={"train": 0.5, "test": 0.5}, seed="c", mode="exact")
    with _client(emulator, MeetOn("/inputs", "DELETE")) as c:
        # exact mode removes the 4 strays in 2 batches of 2, which must be in flight together
        # (force: the guard refuses a target holding inputs from elsewhere)
        split(c, spec, force=True, batch_size=2, timeout=20, poll_interval=0.01)
    with _client(emulator, MeetOn("/inputs", "POST")) as c:
        spec2 = SplitSpec(
            dataset_id="src", ratios={"train": 0.5, "test": 0.5}, seed="other", targets={"train": "t2", "test": "t3"}
        )
        plan, result = split(c, spec2, batch_size=2, timeout=20, poll_interval=0.01)
    assert result.counts["added"] == 12
    snap = emulator.admin.snapshot()["demo/demo"]["dataset_inputs"]
    assert sorted(snap["t2"]) == plan.members["train"] and sorted(snap["t3"]) == plan.members["test"]
    assert not {i for i in snap["src-train"] if i.startswith("stray")}


def test_prune_deletes_concurrently(client, emulator):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{i}"} for i in range(6)])
    with _client(emulator, MeetOn("/versions", "DELETE")) as c:
        _, result = prune(
            c,
            "ds",
            PrunePolicy(keep_last=1, max_delete_share=None),
            batch_size=2,
            now=utcnow() + timedelta(days=10),
        )
    assert result.counts["deleted"] == 5
    assert [v["id"] for v in client.list_dataset_versions("ds")] == ["v5"]


def test_task_cleanup_deletes_concurrently(client, emulator):
    ids = []
    for n in range(101):  # two batches of at most 100
        spec = TaskSpec(name=f"old {n}", concept_ids=("cat",), workers=("alice",))
        create_task(client, spec)
        emulator.admin.set_task_progress(spec.id, status="TASK_DONE")
        ids.append(spec.id)
    with _client(emulator, MeetOn("/tasks", "DELETE")) as c:
        _, result = cleanup_tasks(c, timedelta(days=1), now=utcnow() + timedelta(days=10))
    assert result.counts["deleted"] == 101 and list(client.list_tasks()) == []
