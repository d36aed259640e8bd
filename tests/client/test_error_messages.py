"""How the connector's errors read and travel: every part of an API error's message in
its place, the items of a batch (at most five shown), the attempts made, and errors
that survive pickling (Airflow and Dagster ship them between processes) with their
facts and without the response body."""

from __future__ import annotations

import pickle

import pytest

from connector.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ClarifaiError,
    ItemStatus,
    NotFoundError,
    PartialFailureError,
    WaitFailedError,
    WaitTimeoutError,
)
from connector.status_codes import StatusCode


def _full(cls: type[ClarifaiError] = NotFoundError, **extra) -> ClarifaiError:
    fields = {
        "code": StatusCode.CONN_DOES_NOT_EXIST,
        "description": "Resource does not exist",
        "details": "dataset 'x'",
        "req_id": "rq-1",
        "http_status": 404,
        "method": "GET",
        "path": "/v2/users/u/apps/a/datasets/x",
        "rpc": "GetDataset",
    }
    fields.update(extra)
    return cls(**fields)


def test_an_api_error_reads_call_status_http_description_details_request_id_and_advice() -> None:
    assert str(_full()) == (
        "GetDataset (GET /v2/users/u/apps/a/datasets/x) failed; status CONN_DOES_NOT_EXIST (11101); HTTP 404; "
        "Resource does not exist; details: dataset 'x'; req_id=rq-1; "
        "check the id, and that user_id and app_id name the app that holds it"
    )


def test_absent_parts_are_left_out() -> None:
    assert str(ClarifaiError()) == "request failed"
    assert str(ClarifaiError(rpc="GetDataset", method="GET")) == "GetDataset failed"  # no path: no "(GET ...)"
    assert str(ClarifaiError("custom head", http_status=502)) == "custom head; HTTP 502"
    assert ClarifaiError().code_name == "NO_STATUS"
    assert ClarifaiError(code=12345).code_name == "UNKNOWN_12345"


def test_at_most_five_failed_items_are_shown() -> None:
    items = [ItemStatus(index=n, id=f"i{n}" if n % 2 else None, code=StatusCode.INPUT_DUPLICATE) for n in range(7)]
    text = str(PartialFailureError(items=items))
    assert (
        "failed items: #0: INPUT_DUPLICATE, i1: INPUT_DUPLICATE, #2: INPUT_DUPLICATE, "
        "i3: INPUT_DUPLICATE, #4: INPUT_DUPLICATE (+2 more)"
    ) in text
    five = str(PartialFailureError(items=items[:5]))
    assert "#4: INPUT_DUPLICATE;" in five and "more" not in five
    assert ItemStatus(index=0, id=None, code=None).code_name == "UNKNOWN"


def test_the_attempts_made_show_once_there_were_several() -> None:
    err = _full(AuthenticationError)
    err.note_attempts(1)
    assert "gave up" not in str(err) and err.attempts == 1
    err.note_attempts(2)
    assert err.attempts == 2 and "; gave up after 2 attempts; check the PAT" in str(err)
    assert err.args == (str(err),)


def test_the_repr_names_the_facts_never_the_message_body() -> None:
    assert repr(_full()) == (
        "NotFoundError(code=<StatusCode.CONN_DOES_NOT_EXIST: 11101>, code_name='CONN_DOES_NOT_EXIST', "
        "http_status=404, method='GET', path='/v2/users/u/apps/a/datasets/x', req_id='rq-1')"
    )


def test_an_api_error_pickles_with_its_facts_but_not_the_response() -> None:
    items = [ItemStatus(index=1, id="b", code=StatusCode.INPUT_DUPLICATE, description="dup", details="d")]
    err = _full(AlreadyExistsError, items=items, response={"status": {}, "secret-ish": "body"})
    err.note_attempts(3)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is AlreadyExistsError
    for name in ("code", "description", "details", "req_id", "http_status", "method", "path", "rpc", "items"):
        assert getattr(back, name) == getattr(err, name), name
    assert back.response is None
    custom = pickle.loads(pickle.dumps(ClarifaiError("a head of its own", code=10020)))
    assert str(custom).startswith("a head of its own; status FAILURE (10020)")


def test_a_wait_error_carries_its_facts_as_fields_and_json() -> None:
    err = WaitTimeoutError(
        "task t1 not finished after 5s",
        hint="wait longer",
        kind="task",
        object_id="t1",
        status_code=StatusCode.TASK_IN_PROGRESS,
        description="busy",
        elapsed=5,
        timeout=5,
    )
    assert str(err) == "task t1 not finished after 5s; wait longer"
    assert err.to_dict() == {
        "error": "WaitTimeoutError",
        "kind": "task",
        "object_id": "t1",
        "status_code": int(StatusCode.TASK_IN_PROGRESS),
        "status_name": "TASK_IN_PROGRESS",
        "description": "busy",
        "elapsed": 5.0,
        "timeout": 5.0,
        "message": "task t1 not finished after 5s; wait longer",
    }
    assert type(err.to_dict()["status_code"]) is int
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is WaitTimeoutError and back.to_dict() == err.to_dict()


def test_a_wait_error_without_a_status_or_hint() -> None:
    err = WaitFailedError("op ended")
    assert str(err) == "op ended" and err.status_name == "UNKNOWN"
    assert err.to_dict()["status_code"] is None and err.to_dict()["kind"] == "object"


def test_with_hint_keeps_every_fact_and_changes_the_advice() -> None:
    err = WaitFailedError("op1 ended in X", hint="run again", kind="bulk_operation", object_id="op1", status_code=25401)
    other = err.with_hint("start afresh with another run_key")
    assert type(other) is WaitFailedError
    assert str(other) == "op1 ended in X; start afresh with another run_key"
    assert {k: v for k, v in other.to_dict().items() if k != "message"} == {
        k: v for k, v in err.to_dict().items() if k != "message"
    }


@pytest.mark.parametrize("cls", [WaitFailedError, WaitTimeoutError])
def test_a_wait_error_pickles_with_its_hint(cls) -> None:
    err = cls("head", hint="advice", kind="dataset_version", object_id="ds/v", status_code=64020, elapsed=1.5)
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == "head; advice" and back.hint == "advice" and back.to_dict() == err.to_dict()


def test_an_argument_error_pickles_with_its_spelling_and_facts() -> None:
    from connector.errors import ConfigurationError, ValidationError

    err = ConfigurationError(
        "no PAT given: set CLARIFAI_PAT or pass {pat}; seen {value} in {where}",
        argument="pat",
        spell={"pat": "pat=..."},
        value={"a": 1, "b": "two"},
        where=("x", "y"),
    )
    assert str(err) == "no PAT given: set CLARIFAI_PAT or pass pat=...; seen {'a': 1, 'b': 'two'} in ('x', 'y')"
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ConfigurationError and str(back) == str(err) and back.spell == {"pat": "pat=..."}
    assert back.facts == {"value": {"a": 1, "b": "two"}, "where": ("x", "y")}
    odd = ValidationError("{argument} got {value}", argument="x", value={"k": object()})
    assert pickle.loads(pickle.dumps(odd)).args == odd.args  # a fact that is not plain data travels as its text
    assert str(ValidationError()) == "" and ValidationError().argument is None


def test_a_wait_errors_defaults() -> None:
    err = WaitTimeoutError("slow")
    assert (err.kind, err.object_id, err.description, err.elapsed, err.timeout, err.hint) == (
        "object",
        "",
        "",
        0.0,
        0.0,
        "",
    )
    assert WaitFailedError("x", description=None).description == ""  # type: ignore[arg-type]


def test_a_value_is_shown_unless_it_may_be_a_token() -> None:
    from connector.ids import kind_of, shown

    assert shown("cats-dogs") == "'cats-dogs'"
    assert shown("0123456789abcdef0123456789abcdef") == "(a value that looks like a token, not shown)"
    # a value whose repr escapes a character is judged as written, not as shown
    line = "a\n" + "1" * 20
    assert shown(line) == repr(line)
    assert shown(["0123456789abcdef0123456789abcdef"]) == "(a value that looks like a token, not shown)"
    assert kind_of(3) == "an int" and kind_of([]) == "a list" and kind_of(None) == "a NoneType"
