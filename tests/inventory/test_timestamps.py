"""timestamps(): RFC 3339 text to ``timestamp[us, UTC]``, on the one-cast path (every value
a UTC time) and on the value-by-value path (offsets, naive times, empty or unparseable
values), checked against hand-computed instants rather than against itself."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from connector.inventory.compiled import TIMESTAMP, timestamps

T = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_utc_text_keeps_microseconds_and_drops_nanoseconds():
    got = timestamps(["2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05Z", None])
    assert got.type == TIMESTAMP
    assert got.to_pylist() == [T.replace(microsecond=123456), T, None]


@pytest.fixture
def far_from_utc(monkeypatch):
    """The process's local time zone five and a half hours east of UTC, so a naive time
    read as local time would land on another instant."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_offsets_naive_times_and_odd_values_are_read_one_by_one_as_utc(far_from_utc, caplog):
    values = [
        "2024-01-02T05:04:05+02:00",  # an offset: not the one-cast path
        "2024-01-02T03:04:05Z",
        "2024-01-02T03:04:05.5",  # naive: taken as UTC, not as local time
        "",
        None,
        "last tuesday",
    ]
    got = timestamps(values)
    assert got.type == TIMESTAMP
    assert got.to_pylist() == [T, T, T.replace(microsecond=500000), None, None, None]
    assert [r.getMessage() for r in caplog.records] == ["unparseable timestamp 'last tuesday' left empty"]


def test_a_column_with_no_time_in_it_is_still_a_timestamp_column():
    for values in (["", None], [None, None], []):
        got = timestamps(values)
        assert got.type == TIMESTAMP and got.to_pylist() == [None] * len(values)
