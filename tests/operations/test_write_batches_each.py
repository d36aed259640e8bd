"""run_batches writes each batch once, with its own value, from no more threads than
its concurrency, and leaves no writer thread behind when it returns."""

from __future__ import annotations

import threading

import pytest

from connector.operations.batches import run_batches


def _writers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("clarifai-writes")]


@pytest.mark.parametrize("concurrency", [2, 3])
def test_every_batch_is_written_once_and_reported_done_once(concurrency: int) -> None:
    batches = [f"batch-{n}" for n in range(25)]
    written: list[str] = []
    done: list[str] = []
    lock = threading.Lock()

    def write(batch: str) -> None:
        with lock:
            written.append(batch)

    run_batches(batches, write, concurrency=concurrency, done=done.append)
    assert sorted(written) == sorted(batches)
    assert sorted(done) == sorted(batches)


@pytest.mark.parametrize("concurrency", [2, 3])
def test_the_writes_run_on_no_more_threads_than_the_concurrency(concurrency: int) -> None:
    threads: set[str] = set()

    def write(batch: int) -> None:
        threads.add(threading.current_thread().name)

    run_batches(list(range(400)), write, concurrency=concurrency)
    assert 1 <= len(threads) <= concurrency
    assert all(name.startswith("clarifai-writes") for name in threads)


def test_no_writer_thread_outlives_the_call() -> None:
    assert _writers() == []
    run_batches(list(range(50)), lambda batch: None, concurrency=4)
    assert _writers() == []


def test_no_writer_thread_outlives_a_failed_call() -> None:
    def write(batch: int) -> None:
        if batch == 7:
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        run_batches(list(range(50)), write, concurrency=4)
    assert _writers() == []
