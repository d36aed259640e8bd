"""create_or_adopt and read_or_none: each answer of a create and what it leads to
(adopt, conflict, create again, give up), with the number of creates and reads made."""

from __future__ import annotations

import pytest

from connector.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    ItemStatus,
    NotFoundError,
    OutcomeUnknownError,
    PartialFailureError,
)
from connector.operations import create_or_adopt, read_or_none
from connector.status_codes import StatusCode


class Store:
    """One object slot; ``creates`` answers each create in turn (an exception is raised,
    ``"apply"`` stores the object and returns it, ``"apply+raise:<exc>"`` stores, then raises)."""

    def __init__(self, *answers: object, existing: dict | None = None) -> None:
        self.answers = list(answers)
        self.obj = existing
        self.creates = 0
        self.reads = 0

    def create(self) -> dict:
        self.creates += 1
        answer = self.answers.pop(0)
        if isinstance(answer, tuple):  # (exception, applied)
            exc, applied = answer
            if applied:
                self.obj = {"id": "x", "v": 1}
            raise exc
        if isinstance(answer, BaseException):
            raise answer
        self.obj = {"id": "x", "v": 1}
        return self.obj

    def read(self) -> dict | None:
        self.reads += 1
        return self.obj


def _partial(*codes: int) -> PartialFailureError:
    items = [ItemStatus(index=n, id=f"i{n}", code=code) for n, code in enumerate(codes)]
    return PartialFailureError(code=StatusCode.MIXED_STATUS, items=items)


def test_a_plain_create_reads_nothing() -> None:
    store = Store("apply")
    assert create_or_adopt(store.create, store.read, what="x") == ({"id": "x", "v": 1}, True)
    assert (store.creates, store.reads) == (1, 0)


def test_already_exists_adopts_the_existing_object_when_it_is_the_same() -> None:
    store = Store(AlreadyExistsError("dup"), existing={"id": "x", "v": 1})
    assert create_or_adopt(store.create, store.read, what="x", same=lambda o: o["v"] == 1) == (store.obj, False)
    assert (store.creates, store.reads) == (1, 1)


def test_without_same_any_existing_object_is_adopted() -> None:
    store = Store(AlreadyExistsError("dup"), existing={"id": "x", "v": 9})
    assert create_or_adopt(store.create, store.read, what="x") == ({"id": "x", "v": 9}, False)


def test_already_exists_but_different_is_a_conflict_naming_the_object() -> None:
    store = Store(AlreadyExistsError("dup"), existing={"id": "x", "v": 2})
    with pytest.raises(ConflictError) as info:
        create_or_adopt(store.create, store.read, what="task t1", same=lambda o: o["v"] == 1)
    assert str(info.value) == (
        "task t1 already exists and differs from the requested one; "
        "use another name/run key or delete the existing object"
    )
    assert isinstance(info.value.__cause__, AlreadyExistsError)


def test_already_exists_yet_not_found_is_raised_not_retried() -> None:
    dup = AlreadyExistsError("dup")
    store = Store(dup, "apply")
    with pytest.raises(AlreadyExistsError) as info:
        create_or_adopt(store.create, store.read, what="x")
    assert info.value is dup and (store.creates, store.reads) == (1, 1)


def test_an_unknown_outcome_that_was_applied_is_adopted() -> None:
    store = Store((OutcomeUnknownError("lost answer"), True))
    assert create_or_adopt(store.create, store.read, what="x") == ({"id": "x", "v": 1}, False)
    assert (store.creates, store.reads) == (1, 1)


def test_an_unknown_outcome_that_was_not_applied_creates_again() -> None:
    store = Store((OutcomeUnknownError("lost request"), False), "apply")
    assert create_or_adopt(store.create, store.read, what="x") == ({"id": "x", "v": 1}, True)
    assert (store.creates, store.reads) == (2, 1)


@pytest.mark.parametrize(("attempts", "creates"), [(1, 1), (2, 2), (3, 3), (0, 1)])
def test_unknown_outcomes_give_up_after_the_attempts(attempts: int, creates: int) -> None:
    errors = [OutcomeUnknownError(f"lost {n}") for n in range(4)]
    store = Store(*[(e, False) for e in errors])
    with pytest.raises(OutcomeUnknownError) as info:
        create_or_adopt(store.create, store.read, what="x", attempts=attempts)
    assert info.value is errors[creates - 1]  # the last one
    assert (store.creates, store.reads) == (creates, creates)


def test_a_batch_whose_failed_items_all_exist_is_adopted() -> None:
    store = Store(_partial(StatusCode.DATABASE_DUPLICATE_KEY, StatusCode.INPUT_DUPLICATE), existing={"id": "x"})
    assert create_or_adopt(store.create, store.read, what="x") == ({"id": "x"}, False)


@pytest.mark.parametrize(
    "exc",
    [
        _partial(StatusCode.DATABASE_DUPLICATE_KEY, StatusCode.INPUT_INVALID_REQUEST),
        _partial(),  # no items: nothing says the object exists
        InvalidArgumentError("bad"),
        NotFoundError("missing container"),
    ],
)
def test_other_failures_propagate_without_a_read(exc) -> None:
    store = Store(exc, existing={"id": "x"})
    with pytest.raises(type(exc)) as info:
        create_or_adopt(store.create, store.read, what="x")
    assert info.value is exc and store.reads == 0


def test_read_or_none() -> None:
    assert read_or_none(lambda: {"id": "x"}) == {"id": "x"}

    def missing() -> dict:
        raise NotFoundError("gone")

    assert read_or_none(missing) is None

    def broken() -> dict:
        raise InvalidArgumentError("bad id")

    with pytest.raises(InvalidArgumentError):
        read_or_none(broken)


def test_by_default_three_unknown_outcomes_give_up() -> None:
    errors = [OutcomeUnknownError(f"lost {n}") for n in range(5)]
    store = Store(*[(e, False) for e in errors])
    with pytest.raises(OutcomeUnknownError) as info:
        create_or_adopt(store.create, store.read, what="x")
    assert info.value is errors[2] and store.creates == 3
