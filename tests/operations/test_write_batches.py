"""Concurrent write batches: how many run at once, where, in what order progress is
told, and what happens at the first failure (nothing new starts, what runs is waited
for, the first failure is raised)."""

from __future__ import annotations

import threading
import types

import pytest

from connector.operations.batches import DEFAULT_CONCURRENCY, run_batches, write_concurrency

#: A guard, not a measure: batches that must be in flight together meet at once.
MEET_TIMEOUT = 30.0


def test_one_at_a_time_runs_in_the_callers_thread_in_order() -> None:
    seen: list[tuple[int, str]] = []
    done: list[int] = []
    run_batches([1, 2, 3], lambda b: seen.append((b, threading.current_thread().name)), concurrency=1, done=done.append)
    assert seen == [(b, threading.current_thread().name) for b in (1, 2, 3)] and done == [1, 2, 3]
    seen.clear()
    run_batches([7], lambda b: seen.append((b, threading.current_thread().name)), concurrency=4)  # one batch: no thread
    assert seen == [(7, threading.current_thread().name)]
    run_batches([], lambda b: seen.append(b), concurrency=4)


@pytest.mark.parametrize("concurrency", [2, 3])
def test_up_to_concurrency_batches_run_together_and_no_more(concurrency: int) -> None:
    meet = threading.Barrier(concurrency, timeout=MEET_TIMEOUT)
    lock = threading.Lock()
    running = 0
    most = 0
    names: set[str] = set()

    def write(batch: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            names.add(threading.current_thread().name)
        meet.wait()  # every `concurrency` batches wait for each other
        with lock:
            running -= 1

    done: list[int] = []
    run_batches(list(range(concurrency * 3)), write, concurrency=concurrency, done=done.append)
    assert most == concurrency and sorted(done) == list(range(concurrency * 3))
    assert all(name.startswith("clarifai-writes") for name in names) and len(names) <= concurrency


def test_the_first_failure_stops_new_batches_waits_for_the_running_and_is_raised() -> None:
    started: list[int] = []
    ended: list[int] = []
    release = threading.Event()
    first_started = threading.Event()

    def write(batch: int) -> None:
        started.append(batch)
        if batch == 0:
            first_started.set()
            release.wait(MEET_TIMEOUT)  # still running when batch 1 fails
        elif batch == 1:
            first_started.wait(MEET_TIMEOUT)
            release.set()
            raise RuntimeError("batch 1 failed")
        ended.append(batch)

    done: list[int] = []
    with pytest.raises(RuntimeError, match=r"^batch 1 failed$"):
        run_batches(list(range(10)), write, concurrency=2, done=done.append)
    assert sorted(started) == [0, 1] and ended == [0]  # nothing started after the failure; batch 0 awaited
    assert 1 not in done


def test_a_failure_raised_is_the_first_one() -> None:
    def write(batch: int) -> None:
        raise ValueError(f"batch {batch}")

    with pytest.raises(ValueError, match=r"^batch 0$"):
        run_batches([0], write, concurrency=1)
    with pytest.raises(ValueError, match=r"^batch [01]$"):
        run_batches([0, 1, 2, 3], write, concurrency=2)


def test_the_write_concurrency_follows_the_clients_page_concurrency() -> None:
    def client(value: object) -> object:
        return types.SimpleNamespace(config=types.SimpleNamespace(page_concurrency=value))

    assert write_concurrency(client(6)) == 6
    assert write_concurrency(client(0)) == 1 and write_concurrency(client(None)) == 1
    assert write_concurrency(types.SimpleNamespace()) == DEFAULT_CONCURRENCY == 4  # type: ignore[arg-type]
    assert write_concurrency(types.SimpleNamespace(config=object())) == 4  # type: ignore[arg-type]
