"""The two forms of a timestamp the API may send (RFC 3339 text, or seconds and nanos)
read as the same instant, to the microsecond, whatever the digits past it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.operations.base import parse_time


@pytest.mark.parametrize(
    ("seconds", "nanos", "text"),
    [
        (1700000000, 40445447, "2023-11-14T22:13:20.040445447Z"),
        (1700000000, 40445999, "2023-11-14T22:13:20.040445999Z"),
        (0, 249500, "1970-01-01T00:00:00.000249500Z"),
        ("1700000000", 0, "2023-11-14T22:13:20Z"),
    ],
)
def test_seconds_and_nanos_read_as_the_text_of_the_same_instant(seconds, nanos, text) -> None:
    assert parse_time({"seconds": seconds, "nanos": nanos}) == parse_time(text)


def test_seconds_and_nanos_keep_the_microseconds_and_drop_the_rest() -> None:
    assert parse_time({"seconds": 1700000000, "nanos": 40445999}) == datetime(
        2023, 11, 14, 22, 13, 20, 40445, tzinfo=UTC
    )
    assert parse_time({"seconds": 5}) == datetime(1970, 1, 1, 0, 0, 5, tzinfo=UTC)
