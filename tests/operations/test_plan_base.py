"""What every operation builds on: plans as JSON and back (refusing a malformed plan and
naming the field), timestamps as the API sends them, ids derived from a run's
arguments, durations as people write them, batches, progress, results."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from connector.errors import ValidationError
from connector.operations.base import (
    OperationResult,
    Plan,
    ProgressEvent,
    Stopwatch,
    chunked,
    deterministic_id,
    human_duration,
    parse_time,
    report,
    requests_made,
    stable_hash,
    unique,
)
from connector.operations.prune import PrunePlan


@dataclasses.dataclass
class _DemoPlan(Plan):
    OPERATIONS = ("demo",)
    ACTIONS = frozenset({"keep", "drop"})
    ROW_IDS = ("id",)
    ROW_TYPES = {"n": (int, float), "flag": (bool,)}  # noqa: RUF012  (the base declares it a ClassVar)

    note: str = ""


def _demo(**changes) -> dict:
    data = {"operation": "demo", "rows": [{"id": "a", "action": "keep", "n": 1, "flag": True}], "note": "x"}
    data.update(changes)
    return data


def test_a_plan_round_trips_through_json() -> None:
    plan = _DemoPlan.from_json(json.dumps(_demo(extra="ignored")))
    assert (plan.operation, plan.rows, plan.note) == (
        "demo",
        [{"id": "a", "action": "keep", "n": 1, "flag": True}],
        "x",
    )
    assert _DemoPlan.from_json(plan.to_json()) == plan
    assert _DemoPlan.from_json(plan.to_json().encode()) == plan  # bytes as read from a file


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "data must be a plan as a dict (from plan.to_dict()), got []"),
        ({"rows": []}, "the plan has no operation field: rebuild it from the JSON a plan's to_json() wrote"),
        ({"operation": "demo"}, "the plan has no rows field: rebuild it from the JSON a plan's to_json() wrote"),
        (_demo(operation="prune"), "plan field operation must be 'demo' (this is a _DemoPlan), got 'prune'"),
        (_demo(operation=3), "plan field operation must be 'demo' (this is a _DemoPlan), got 3"),
        (_demo(rows={}), "plan field rows must be a list of rows, got {}"),
        (_demo(rows=["row"]), "plan field rows[0] must be a row (a dict), got 'row'"),
        (_demo(rows=[{"action": "keep"}]), "plan field rows[0].id is missing"),
        (
            _demo(rows=[{"id": "bad id", "action": "keep"}]),
            "plan field rows[0].id 'bad id' is not an id: it may hold only letters, digits, '_' and '-'",
        ),
        (
            _demo(rows=[{"id": "a", "action": "burn"}]),
            "plan field rows[0].action must be one of ['drop', 'keep'], got 'burn'",
        ),
        (_demo(rows=[{"id": "a", "action": "keep", "n": "1"}]), "plan field rows[0].n must be a number, got '1'"),
        (_demo(rows=[{"id": "a", "action": "keep", "n": True}]), "plan field rows[0].n must be a number, got True"),
        (
            _demo(rows=[{"id": "a", "action": "keep", "flag": 1}]),
            "plan field rows[0].flag must be true or false, got 1",
        ),
    ],
)
def test_a_malformed_plan_is_refused_naming_the_field(data, message) -> None:
    with pytest.raises(ValidationError) as info:
        _DemoPlan.from_dict(data)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"operation": ', "text is not valid JSON: Expecting value (line 1, column 15)"),
        (b"\x80abc", "text is not valid JSON: not UTF-8"),
        ("[1, 2]", "text must hold a JSON object (a plan), got a list"),
        (3, "text must be the plan's JSON text, got 3"),
    ],
)
def test_text_that_is_not_a_plans_json_is_refused(text, message) -> None:
    with pytest.raises(ValidationError) as info:
        _DemoPlan.from_json(text)
    assert str(info.value) == message and info.value.argument == "text"


def test_an_empty_plan_still_has_its_columns() -> None:
    frame = PrunePlan(operation="prune", rows=[]).to_dataframe()
    assert list(frame.columns) == list(PrunePlan(operation="prune", rows=[]).columns()) and frame.empty
    rows = [{"a": 1, "b": 2}]
    assert list(Plan("x", rows).to_dataframe(columns=["b"]).columns) == ["b"]
    assert Plan("x", rows).to_dataframe().to_dict("records") == rows
    assert list(Plan("x", []).to_dataframe().columns) == []


def test_plans_and_results_turn_every_value_into_json() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    result = OperationResult(
        operation="demo",
        counts={"n": 1},
        details={
            "when": moment,
            "ids": {"b", "a", "c"},
            "frozen": frozenset({2, 10, 1}),
            "pair": (1, 2),
            "ratio": math.nan,
            "wait": timedelta(minutes=2),
            "event": ProgressEvent("op", "stage", 1, 2, "m"),
            3: "a key that is not a string",
        },
    )
    data = result.to_dict()
    assert data["details"] == {
        "when": "2026-01-02T03:04:05+00:00",
        "ids": ["a", "b", "c"],
        "frozen": [1, 10, 2],  # sorted by their text
        "pair": [1, 2],
        "ratio": None,
        "wait": 120.0,
        "event": {"operation": "op", "stage": "stage", "done": 1, "total": 2, "message": "m"},
        "3": "a key that is not a string",
    }
    assert data["dry_run"] is False and data["elapsed"] == 0.0 and data["requests"] == 0
    json.dumps(data)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05.123456789Z", datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),  # nanoseconds cut
        ("2026-01-02T03:04:05.5+02:00", datetime(2026, 1, 2, 1, 4, 5, 500000, tzinfo=UTC)),
        ("2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),  # no offset: UTC
        ({"seconds": "10", "nanos": 500_000_000}, datetime(1970, 1, 1, 0, 0, 10, 500000, tzinfo=UTC)),
        ({"seconds": 5}, datetime(1970, 1, 1, 0, 0, 5, tzinfo=UTC)),
        ({}, datetime(1970, 1, 1, tzinfo=UTC)),
        (datetime(2026, 1, 2), datetime(2026, 1, 2, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_parse_time(value, expected) -> None:
    got = parse_time(value)
    assert got == expected and (got is None or got.tzinfo is not None)


def test_parse_time_keeps_an_aware_datetime_and_refuses_text_that_is_no_time() -> None:
    aware = datetime(2026, 1, 2, tzinfo=timezone(timedelta(hours=5)))
    assert parse_time(aware) is aware
    with pytest.raises(ValueError, match="Invalid isoformat string"):
        parse_time("yesterday")


def test_deterministic_ids() -> None:
    one = deterministic_id("task", "label cats", "")
    assert one == deterministic_id("task", "label cats", "") and one.startswith("task-") and len(one) == 21
    assert one != deterministic_id("task", "label cats", "r2") != deterministic_id("split", "label cats", "")
    assert deterministic_id("a b/c", 1).startswith("a-b-c-")  # characters an id cannot hold become '-'
    assert deterministic_id("", 1).startswith("x-")
    long = deterministic_id("p" * 60, 1, length=10)
    assert len(long) == 48 and long.startswith("p" * 37 + "-")
    assert len(deterministic_id("p", 1, length=8).split("-")[1]) == 8


def test_stable_hashes_join_their_parts_unambiguously() -> None:
    assert stable_hash("ab", "c") != stable_hash("a", "bc")
    assert stable_hash("x", size=16) != stable_hash("x") and len(stable_hash("x", size=16)) == 16
    assert stable_hash("x").hex() == stable_hash("x").hex() and len(stable_hash("x")) == 8


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(days=7), "7d"),
        (timedelta(hours=36), "1d 12h"),
        (timedelta(minutes=90, seconds=5), "1h 30m 5s"),
        (timedelta(seconds=59), "59s"),
        (timedelta(0), "0s"),
        (timedelta(seconds=-5), "0s"),
        (timedelta(days=1, seconds=1), "1d 1s"),
    ],
)
def test_human_duration(value, text) -> None:
    assert human_duration(value) == text


def test_chunks_and_unique() -> None:
    assert list(chunked([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunked([], 3)) == [] and list(chunked((1, 2), 5)) == [[1, 2]]
    assert unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_progress_goes_to_the_callback_when_there_is_one() -> None:
    events: list[ProgressEvent] = []
    report(events.append, "prune", "delete", 2, 5, "ds")
    report(events.append, "prune", "read")
    report(None, "prune", "ignored")
    assert [e.to_dict() for e in events] == [
        {"operation": "prune", "stage": "delete", "done": 2, "total": 5, "message": "ds"},
        {"operation": "prune", "stage": "read", "done": 0, "total": None, "message": ""},
    ]


def test_a_stopwatch_counts_the_requests_made_since_it_started() -> None:
    class Stats:
        requests = 3

    class Client:
        stats = Stats()

    client = Client()
    watch = Stopwatch(client)  # type: ignore[arg-type]
    Stats.requests = 7
    assert watch.requests == 4 and watch.elapsed >= 0
    assert requests_made(object()) == 0  # type: ignore[arg-type]


def test_rows_and_document_values_that_are_dataclasses_become_json_objects() -> None:
    """A dataclass instance among a plan's rows, or as a value of a document streamed
    with iter_document_json, is written as the object of its fields (a dataclass is
    turned into JSON here, not only inside another dataclass)."""
    from connector.operations.base import iter_document_json

    event = ProgressEvent("op", "stage", 1, 2, "m")
    fields = {"operation": "op", "stage": "stage", "done": 1, "total": 2, "message": "m"}
    plan = Plan("x", [event])
    assert plan.to_dict()["rows"] == [fields]
    assert json.loads("".join(plan.iter_json(indent=2))) == {"operation": "x", "rows": [fields]}
    assert json.loads("".join(iter_document_json({"event": event}))) == {"event": fields}


def test_to_json_passes_its_options_to_json_dumps() -> None:
    plan = _DemoPlan.from_dict(_demo())
    assert plan.to_json(indent=2, sort_keys=True) == json.dumps(plan.to_dict(), indent=2, sort_keys=True)
    assert plan.to_json(indent=2) != plan.to_json()


def test_a_prune_plan_with_an_empty_now_and_its_dataset_list_round_trips() -> None:
    """``now`` may be empty (a plan that names no reference time), and a malformed
    dataset list is refused naming its field."""
    from connector.operations.prune import PrunePlan

    plan = PrunePlan(operation="prune", rows=[], policy={"keep_last": 2}, datasets=["ds"])
    assert plan.to_dict()["now"] == ""
    assert PrunePlan.from_dict(plan.to_dict()) == plan
    with pytest.raises(ValidationError) as info:
        PrunePlan.from_dict({**plan.to_dict(), "datasets": "ds"})
    assert str(info.value).startswith("plan field datasets must be a list")


def test_a_malformed_field_is_refused_with_every_type_or_operation_it_may_have() -> None:
    """The messages name every allowed type or operation, joined with "or"; a plan
    class that names no operation wants a string; a type without a plain name is
    named by its class name."""
    from connector.operations.base import check_field
    from connector.operations.tasks import CleanupPlan

    refusals = {
        "guard": lambda: check_field("guard", 5, (str, type(None))),
        "blob": lambda: check_field("blob", "x", (bytes,)),
        "cleanup": lambda: CleanupPlan.from_dict({"operation": "x", "rows": []}),
        "plan": lambda: Plan.from_dict({"operation": 5, "rows": []}),
    }
    messages = {}
    for name, refuse in refusals.items():
        with pytest.raises(ValidationError) as info:
            refuse()
        messages[name] = str(info.value)
    assert messages == {
        "guard": "plan field guard must be a string or null, got 5",
        "blob": "plan field blob must be bytes, got 'x'",
        "cleanup": "plan field operation must be 'tasks.cleanup' or 'tasks.delete' (this is a CleanupPlan), got 'x'",
        "plan": "plan field operation must be a string (this is a Plan), got 5",
    }


def test_a_derived_id_keeps_the_prefixs_letters_in_either_case() -> None:
    assert deterministic_id("Nightly Split", "a").startswith("Nightly-Split-")


def test_a_plan_timestamp_may_be_empty_only_where_allowed():
    from connector.operations.base import check_timestamp

    check_timestamp("now", "")  # allowed by default: the plan says nothing
    check_timestamp("now", None)
    check_timestamp("now", "2026-01-02T03:04:05Z", empty=False)
    for value in ("", None, "yesterday", 20260102):
        with pytest.raises(ValidationError, match=r"^plan field now must be an ISO 8601 timestamp, got "):
            check_timestamp("now", value, empty=False)
    with pytest.raises(ValidationError, match=r"^plan field now must be an ISO 8601 timestamp, got 'yesterday'$"):
        check_timestamp("now", "yesterday")


def test_a_plan_time_may_end_in_a_lower_case_z_as_rfc_3339_allows():
    from connector.operations.base import check_timestamp, parse_time

    utc = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert parse_time("2024-01-02T03:04:05.123456789z") == parse_time("2024-01-02t03:04:05.123456Z") == utc
    check_timestamp("now", "2024-01-02T03:04:05z", empty=False)
