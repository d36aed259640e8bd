"""Transport edge cases with httpx.MockTransport: response decoding, error typing,
request building, and the safe-write rules for ambiguous failures."""

from __future__ import annotations

import email.utils
import json
import time

import httpx
import pytest

from connector import transport
from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig, RetryPolicy
from connector.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ClarifaiError,
    ConfigurationError,
    ConnectionFailedError,
    InvalidArgumentError,
    NotFoundError,
    OutcomeUnknownError,
    PartialFailureError,
    ThrottledError,
    TransientServerError,
)

FAST = RetryPolicy(
    max_attempts=3, max_elapsed=5.0, initial_wait=0.0, max_wait=0.0, max_retry_after=0.01, hourly_limit_wait=0.0
)


def make_client(handler, **overrides) -> ClarifaiClient:
    values = {
        "pat": "unit-pat",
        "user_id": "u",
        "app_id": "a",
        "base_url": "http://127.0.0.1:9",
        "rate_limit": 0,
        "retry": FAST,
    }
    values.update(overrides)
    return ClarifaiClient(ClarifaiConfig(**values), transport=httpx.MockTransport(handler))


def spec(rpc: str = "GetDataset", **kw) -> transport.CallSpec:
    config = ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9")
    return transport.build_call(config, rpc, path={"dataset_id": "d1"}, **kw)


def status_body(code, **extra):
    return {"status": {"code": code, "description": "desc", "details": "more", "req_id": "req-1"}, **extra}


# -- decoding ----------------------------------------------------------------------------


def test_success_with_code_as_int_or_name() -> None:
    for code in (10000, "SUCCESS"):
        body = transport.decode_response(httpx.Response(200, json=status_body(code, dataset={"id": "d1"})), spec())
        assert body["dataset"] == {"id": "d1"}


@pytest.mark.parametrize(
    ("http", "code", "cls"),
    [
        (401, 11008, AuthenticationError),
        (403, "CONN_INSUFFICIENT_SCOPES", AuthenticationError),
        (404, 11101, NotFoundError),
        (400, 40010, AlreadyExistsError),
        (400, 11102, InvalidArgumentError),
        (429, 11005, ThrottledError),
        (500, 98004, TransientServerError),
        (503, "RPC_SERVER_UNAVAILABLE", TransientServerError),
    ],
)
def test_error_typing(http, code, cls) -> None:
    with pytest.raises(cls) as info:
        transport.decode_response(httpx.Response(http, json=status_body(code)), spec())
    err = info.value
    assert err.http_status == http
    assert err.req_id == "req-1"
    assert err.method == "GET" and err.path == "/v2/users/u/apps/a/datasets/d1" and err.rpc == "GetDataset"
    assert err.description == "desc" and err.details == "more"
    assert err.code_name in str(err) and "req_id=req-1" in str(err)


def test_body_status_failure_with_http_200_is_an_error() -> None:
    with pytest.raises(NotFoundError):
        transport.decode_response(httpx.Response(200, json=status_body("CONN_DOES_NOT_EXIST")), spec())


def test_req_id_from_header_when_body_has_none() -> None:
    response = httpx.Response(404, json={"status": {"code": 11101}}, headers={"X-Clarifai-Request-ID": "hdr-7"})
    with pytest.raises(NotFoundError) as info:
        transport.decode_response(response, spec())
    assert info.value.req_id == "hdr-7"


@pytest.mark.parametrize("content", [b"<html><body>502 Bad Gateway</body></html>", b'{"status": {"co', b""])
def test_non_json_body_is_transient_not_decode_error(content: bytes) -> None:
    with pytest.raises(TransientServerError) as info:
        transport.decode_response(httpx.Response(502, content=content, headers={"Content-Type": "text/html"}), spec())
    assert info.value.ambiguous
    assert "JSON" in str(info.value) or "empty" in str(info.value)


def test_mixed_status_lists_failed_items() -> None:
    body = status_body(
        10010,
        inputs=[
            {"id": "ok", "status": {"code": 10000}},
            {"id": "dup", "status": {"code": "INPUT_DUPLICATE", "description": "exists"}},
            {"id": "bad", "status": {"code": 30102}},
        ],
    )
    s = transport.build_call(
        ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9"), "PostInputs", body={}
    )
    with pytest.raises(PartialFailureError) as info:
        transport.decode_response(httpx.Response(200, json=body), s)
    items = info.value.items
    assert [(i.index, i.id, i.code) for i in items] == [(1, "dup", 30100), (2, "bad", 30102)]
    assert items[0].description == "exists"
    assert "dup: INPUT_DUPLICATE" in str(info.value)
    ok_all = transport.build_call(
        ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9"),
        "PostInputs",
        body={},
        ok_item_codes=(30100, 30102),
    )
    assert transport.decode_response(httpx.Response(200, json=body), ok_all)["inputs"][0]["id"] == "ok"


def test_batch_failure_carries_items() -> None:
    body = status_body(40010, datasets=[{"id": "a", "status": {"code": 40010}}, {"id": "b", "status": {"code": 40010}}])
    with pytest.raises(AlreadyExistsError) as info:
        transport.decode_response(httpx.Response(400, json=body), spec())
    assert [i.id for i in info.value.items] == ["a", "b"]


def test_retry_after_parsing() -> None:
    assert transport.parse_retry_after("3") == 3.0
    assert transport.parse_retry_after(None) is None
    assert transport.parse_retry_after("soon") is None
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 25 <= transport.parse_retry_after(date) <= 31  # from the clock
    assert transport.parse_retry_after(email.utils.formatdate(now - 100, usegmt=True)) == 0.0
    # A date counts from the `now` given, not the clock: whole seconds, so exact.
    then = 1_600_000_000.0
    assert transport.parse_retry_after(email.utils.formatdate(then + 30, usegmt=True), now=then) == 30.0
    assert transport.parse_retry_after(email.utils.formatdate(then - 100, usegmt=True), now=then) == 0.0


def test_a_parameter_without_a_value_is_left_out_and_the_rest_kept() -> None:
    assert transport.encode_params({"a": None, "b": 1, "c": [True, "x"], "d": None, "e": "f"}) == (
        ("b", "1"),
        ("c", "true"),
        ("c", "x"),
        ("e", "f"),
    )


# -- request building --------------------------------------------------------------------


def test_build_call_quotes_path_and_repeats_params() -> None:
    config = ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9")
    s = transport.build_call(config, "GetDataset", path={"dataset_id": "a b/c"})
    assert s.path == "/v2/users/u/apps/a/datasets/a%20b%2Fc"
    s = transport.build_call(
        config, "ListInputs", params={"ids": ["x", "y"], "per_page": 5, "flag": True, "none": None}
    )
    assert s.params == (("ids", "x"), ("ids", "y"), ("per_page", "5"), ("flag", "true"))
    assert s.idempotent and s.method == "GET"
    assert not transport.build_call(config, "PostInputs", body={}).idempotent
    assert transport.build_call(config, "DeleteInputs", body={}).idempotent
    with pytest.raises(ConfigurationError, match="unknown RPC"):
        transport.build_call(config, "NoSuchRpc")
    with pytest.raises(ConfigurationError, match="app_id"):
        transport.build_call(config.replace(app_id=None), "ListInputs")


def test_query_string_is_sent_repeated() -> None:
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"status": {"code": 10000}, "inputs": []})

    with make_client(handler) as client:
        client.call("ListInputs", params={"ids": ["a", "b"], "page": 2})
    assert seen[0].url.query == b"ids=a&ids=b&page=2"


# -- retries and ambiguity ---------------------------------------------------------------


def _sequence(*responses):
    calls = []

    def handler(request):
        calls.append(request)
        item = responses[min(len(calls), len(responses)) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, calls


def ok(**extra):
    return httpx.Response(200, json={"status": {"code": 10000}, **extra})


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, text="<html>Service Unavailable</html>"),
        httpx.Response(500, json={"status": {"code": 98004}}),
        httpx.Response(429, json={"status": {"code": 11005}}, headers={"Retry-After": "0"}),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ConnectError("refused"),
    ],
)
def test_get_is_retried_then_succeeds(failure) -> None:
    handler, calls = _sequence(failure, ok(dataset={"id": "d1"}))
    with make_client(handler) as client:
        assert client.get_dataset("d1") == {"id": "d1"}
        assert client.stats.requests == 2 and client.stats.retries == 1
        assert client.stats.throttled == (
            1 if isinstance(failure, httpx.Response) and failure.status_code == 429 else 0
        )
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.Response(401, json={"status": {"code": 11008}}), AuthenticationError),
        (httpx.Response(404, json={"status": {"code": 11101}}), NotFoundError),
        (httpx.Response(400, json={"status": {"code": 11102}}), InvalidArgumentError),
        (httpx.Response(400, json={"status": {"code": 40010}}), AlreadyExistsError),
    ],
)
def test_permanent_errors_are_not_retried(failure, error) -> None:
    handler, calls = _sequence(failure, ok())
    with make_client(handler) as client, pytest.raises(error) as info:
        client.call("GetDataset", path={"dataset_id": "d1"})
    assert len(calls) == 1 and info.value.attempts == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.Response(502, text="<html>Bad Gateway</html>"),
        httpx.Response(500, json={"status": {"code": 98004}}),
    ],
)
def test_unsafe_post_fails_ambiguously_as_outcome_unknown(failure) -> None:
    handler, calls = _sequence(failure, ok())
    with make_client(handler) as client, pytest.raises(OutcomeUnknownError) as info:
        client.post_datasets([{"description": "no id"}])
    assert len(calls) == 1
    assert isinstance(info.value.__cause__, ClarifaiError)
    assert "PostDatasets" in str(info.value) and "read the object back" in str(info.value)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("connect timeout"),
        httpx.PoolTimeout("pool"),
        httpx.Response(429, json={"status": {"code": "CONN_THROTTLED"}}),
    ],
)
def test_unsafe_post_is_retried_when_request_never_reached_server(failure) -> None:
    handler, calls = _sequence(failure, ok(datasets=[{"description": "x"}]))
    with make_client(handler) as client:
        assert client.post_datasets([{"description": "x"}]) == [{"description": "x"}]
    assert len(calls) == 2


def test_post_with_ids_is_idempotent_and_retried() -> None:
    handler, calls = _sequence(httpx.ReadTimeout("slow"), ok(datasets=[{"id": "d1"}]))
    with make_client(handler) as client:
        assert client.post_datasets([{"id": "d1"}]) == [{"id": "d1"}]
    assert len(calls) == 2


def test_retries_exhausted_raise_the_typed_error_with_attempts() -> None:
    handler, calls = _sequence(httpx.Response(503, text="<html>down</html>"))
    with make_client(handler) as client, pytest.raises(TransientServerError) as info:
        client.get_dataset("d1")
    assert len(calls) == FAST.max_attempts
    assert info.value.attempts == FAST.max_attempts
    assert f"gave up after {FAST.max_attempts} attempts" in str(info.value)


def test_connection_failure_type_when_exhausted() -> None:
    handler, calls = _sequence(httpx.ConnectError("refused"))
    with make_client(handler) as client, pytest.raises(ConnectionFailedError) as info:
        client.get_dataset("d1")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(calls) == FAST.max_attempts


def test_delete_missing_ok_and_not() -> None:
    handler, calls = _sequence(httpx.Response(404, json={"status": {"code": 11101, "details": "missing: x"}}))
    with make_client(handler) as client:
        client.delete_datasets(["x"])
        with pytest.raises(NotFoundError):
            client.delete_datasets(["x"], missing_ok=False)
    assert json.loads(calls[0].content) == {"dataset_ids": ["x"]}


def test_ignore_duplicates_accepts_whole_batch_of_duplicates() -> None:
    body = {"status": {"code": 30100}, "inputs": [{"id": "a", "status": {"code": 30100}}]}
    handler, _ = _sequence(httpx.Response(400, json=body))
    with make_client(handler) as client:
        assert client.post_inputs([{"id": "a"}], ignore_duplicates=True) == [{"id": "a", "status": {"code": 30100}}]
        with pytest.raises(AlreadyExistsError):
            client.post_inputs([{"id": "a"}])


# -- answers that cannot come from the API (a wrong base_url) ------------------------------


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (
            httpx.Response(200, text="<html>Welcome</html>", headers={"Content-Type": "text/html"}),
            "text/html page (HTTP 200)",
        ),
        (httpx.Response(404, text="Not Found", headers={"Content-Type": "text/plain"}), "text/plain page (HTTP 404)"),
        (
            httpx.Response(301, headers={"Location": "https://api.clarifai.com/v2/users/u"}),
            "redirected (HTTP 301 to https://api.clarifai.com/v2/users/u)",
        ),
    ],
)
def test_wrong_base_url_is_reported_not_retried(response: httpx.Response, words: str) -> None:
    handler, calls = _sequence(response)
    with make_client(handler) as client, pytest.raises(ClarifaiError) as info:
        client.post_datasets([{"description": "no id"}])
    assert type(info.value) is ClarifaiError  # not transient: no retry, not "outcome unknown"
    assert len(calls) == 1
    message = str(info.value)
    assert words in message and "http://127.0.0.1:9" in message and "base_url" in message
    assert "PostDatasets" in message


def test_5xx_page_from_a_proxy_stays_transient() -> None:
    handler, calls = _sequence(
        httpx.Response(502, text="<html>Bad Gateway</html>", headers={"Content-Type": "text/html"})
    )
    with make_client(handler) as client, pytest.raises(TransientServerError):
        client.get_dataset("d1")
    assert len(calls) == FAST.max_attempts


def test_connection_failure_names_the_server_and_what_to_check() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with make_client(refuse) as client, pytest.raises(ConnectionFailedError) as info:
        client.get_dataset("d1")
    message = str(info.value)
    assert "GetDataset" in message and "to http://127.0.0.1:9 failed before the request was sent" in message
    assert "Connection refused" in message and "CLARIFAI_API_BASE" in message
    assert f"gave up after {FAST.max_attempts} attempts" in message


@pytest.mark.parametrize(
    ("http", "code", "advice"),
    [
        (401, 11008, "check the PAT"),
        (404, 11101, "check the id"),
        (400, 40010, "read it back"),
        (400, 11102, "fix the arguments"),
        (429, 11005, "rate_limit"),
        (500, 98004, "retry later"),
    ],
)
def test_every_error_says_what_to_do(http, code, advice) -> None:
    with pytest.raises(ClarifaiError) as info:
        transport.decode_response(httpx.Response(http, json=status_body(code)), spec())
    assert advice in str(info.value)


def test_partial_failure_says_the_rest_was_applied() -> None:
    body = status_body(10010, inputs=[{"id": "a", "status": {"code": 10000}}, {"id": "b", "status": {"code": 30100}}])
    s = transport.build_call(
        ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9"), "PostInputs", body={}
    )
    with pytest.raises(PartialFailureError) as info:
        transport.decode_response(httpx.Response(200, json=body), s)
    assert "b: INPUT_DUPLICATE" in str(info.value) and "other items were applied" in str(info.value)
