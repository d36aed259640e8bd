"""How an answer is classified when its HTTP status and its body disagree, which batch
answers count as success, and the edges of request building and transport failures.

Each row is one answer (HTTP status, body) and the error it must raise: the body's code
wins where it is specific (not found, already exists, authentication, throttling), the
HTTP status where the body says nothing useful. ``ambiguous`` decides whether a write
that is not safe to repeat becomes OutcomeUnknownError, so it is pinned with the class.
"""

from __future__ import annotations

import json

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
from connector.status_codes import StatusCode

CONFIG = ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9")
FAST = RetryPolicy(max_attempts=3, max_elapsed=5.0, initial_wait=0.0, max_wait=0.0, max_retry_after=0.0)


def get_spec(**kw) -> transport.CallSpec:
    return transport.build_call(CONFIG, "GetDataset", path={"dataset_id": "d1"}, **kw)


def post_spec(**kw) -> transport.CallSpec:
    return transport.build_call(CONFIG, "PostInputs", body={}, **kw)


def answer(http: int, body: object | None = None, **kw) -> httpx.Response:
    if body is None:
        return httpx.Response(http, **kw)
    return httpx.Response(http, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def status(code: object, **extra: object) -> dict:
    return {"status": {"code": code, "description": "d"}, **extra}


def make_client(handler) -> ClarifaiClient:
    config = CONFIG.replace(rate_limit=0, retry=FAST)
    return ClarifaiClient(config, transport=httpx.MockTransport(handler))


# -- the body and the HTTP status disagree ------------------------------------------------


@pytest.mark.parametrize(
    ("http", "body", "cls", "ambiguous"),
    [
        # 429 is throttling whatever the body says (or does not say)
        (429, status(StatusCode.CONN_THROTTLED), ThrottledError, False),
        (429, status(StatusCode.INTERNAL_SERVER_ISSUE), ThrottledError, False),
        (429, status(StatusCode.CONN_INVALID_REQUEST), ThrottledError, False),
        (429, {}, ThrottledError, False),
        # a throttle code is throttling whatever the HTTP status
        (200, status(StatusCode.CONN_THROTTLED), ThrottledError, False),
        (400, status(StatusCode.CONN_EXCEED_HOURLY_LIMIT), ThrottledError, False),
        # a 5xx without a transient code is still transient, unless the code is specific
        (500, status(StatusCode.CONN_INVALID_REQUEST), TransientServerError, True),
        (502, status(StatusCode.FAILURE), TransientServerError, True),
        (500, {}, TransientServerError, True),
        (599, status("NOT_A_CODE"), TransientServerError, True),
        (500, status(StatusCode.CONN_DOES_NOT_EXIST), NotFoundError, False),
        (503, status(StatusCode.CONN_KEY_INVALID), AuthenticationError, False),
        (500, status(StatusCode.DATABASE_DUPLICATE_KEY), AlreadyExistsError, False),
        # a transient code is transient whatever the HTTP status
        (200, status(StatusCode.INTERNAL_SERVER_ISSUE), TransientServerError, True),
        (400, status(StatusCode.RPC_SERVER_UNAVAILABLE), TransientServerError, True),
        (404, status(StatusCode.INTERNAL_SERVER_ISSUE), TransientServerError, True),
        # 401 / 403 are authentication whatever the body
        (401, {}, AuthenticationError, False),
        (403, status(StatusCode.CONN_INVALID_REQUEST), AuthenticationError, False),
        (200, status(StatusCode.CONN_INSUFFICIENT_SCOPES), AuthenticationError, False),
        # 404 without a not-found code is not found; 400 without a code is invalid
        (404, {}, NotFoundError, False),
        (404, status(StatusCode.SUCCESS), NotFoundError, False),
        (400, {}, InvalidArgumentError, False),
        (400, status(StatusCode.SUCCESS), InvalidArgumentError, False),
        (200, status(StatusCode.CONN_INVALID_REQUEST), InvalidArgumentError, False),
        # nothing specific at all
        (418, status(StatusCode.SUCCESS), ClarifaiError, False),
        (300, status(StatusCode.SUCCESS), ClarifaiError, False),
        (200, status(StatusCode.FAILURE), InvalidArgumentError, False),
        (200, status(StatusCode.MIXED_STATUS), PartialFailureError, False),
        (500, status(StatusCode.MIXED_STATUS), PartialFailureError, False),
    ],
)
def test_classification_when_status_and_body_disagree(http, body, cls, ambiguous) -> None:
    with pytest.raises(ClarifaiError) as info:
        transport.decode_response(answer(http, body), get_spec())
    err = info.value
    assert type(err) is cls
    assert err.ambiguous is ambiguous
    assert err.http_status == http


@pytest.mark.parametrize("http", [200, 201, 299])
def test_any_2xx_with_success_is_success(http) -> None:
    assert transport.decode_response(answer(http, status(10000, dataset={"id": "d1"})), get_spec())["dataset"] == {
        "id": "d1"
    }


@pytest.mark.parametrize(
    "body",
    [{}, {"status": "ok"}, {"status": {}}, {"status": {"code": "NOT_A_CODE"}}, {"dataset": {"id": "d1"}}],
)
def test_a_2xx_without_a_readable_status_is_broken_not_success(body) -> None:
    with pytest.raises(TransientServerError) as info:
        transport.decode_response(answer(200, body), get_spec())
    assert info.value.ambiguous and info.value.http_status == 200
    assert str(info.value).startswith("GetDataset (GET /v2/users/u/apps/a/datasets/d1) got a response without a status")


def test_a_2xx_without_a_status_on_a_post_is_outcome_unknown_and_not_resent() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return answer(200, {"inputs": [{"id": "x"}]})

    with make_client(handler) as client, pytest.raises(OutcomeUnknownError) as info:
        client.post_inputs([{"data": {"text": {"raw": "no id"}}}])
    assert len(calls) == 1
    assert isinstance(info.value.__cause__, TransientServerError)
    assert "failed ambiguously (TransientServerError: TransientServerError)" in str(info.value)


def test_a_2xx_without_a_status_on_a_get_is_retried() -> None:
    bodies = iter([answer(200, {}), answer(200, status(10000, dataset={"id": "d1"}))])
    with make_client(lambda request: next(bodies)) as client:
        assert client.get_dataset("d1") == {"id": "d1"}
        assert client.stats.retries == 1


def test_a_throttled_post_is_retried_not_outcome_unknown() -> None:
    bodies = iter([answer(429, {}), answer(200, status(10000, inputs=[{"id": "x"}]))])
    with make_client(lambda request: next(bodies)) as client:
        assert client.post_inputs([{"data": {"text": {"raw": "no id"}}}]) == [{"id": "x"}]
        assert client.stats.throttled == 1


def test_an_idempotent_write_keeps_its_ambiguous_error() -> None:
    err = TransientServerError("x", http_status=500)
    err.ambiguous = True
    spec = transport.build_call(CONFIG, "PostInputs", body={}, idempotent=True)
    assert transport.settle_error(err, spec) is err
    unsafe = transport.settle_error(err, post_spec())
    assert isinstance(unsafe, OutcomeUnknownError) and unsafe.__cause__ is err
    assert unsafe.http_status == 500 and unsafe.rpc == "PostInputs" and unsafe.method == "POST"
    not_ambiguous = InvalidArgumentError("y")
    assert transport.settle_error(not_ambiguous, post_spec()) is not_ambiguous
    other = ValueError("not ours")
    assert transport.settle_error(other, post_spec()) is other


# -- batches: which item failures are accepted -----------------------------------------------


def _items(*codes: object) -> list[dict]:
    return [{"id": f"i{n}", "status": {"code": code}} for n, code in enumerate(codes)]


def test_accepted_item_codes_must_cover_every_failed_item() -> None:
    body = status(StatusCode.MIXED_STATUS, inputs=_items(10000, StatusCode.INPUT_DUPLICATE, 30102))
    with pytest.raises(PartialFailureError) as info:
        transport.decode_response(answer(200, body), post_spec(ok_item_codes=[StatusCode.INPUT_DUPLICATE]))
    assert [(i.id, i.code) for i in info.value.items] == [("i1", 30100), ("i2", 30102)]
    accepted = post_spec(ok_item_codes=[StatusCode.INPUT_DUPLICATE, 30102])
    assert transport.decode_response(answer(200, body), accepted) == body


def test_a_whole_batch_refused_is_accepted_only_when_every_item_is() -> None:
    dup = int(StatusCode.INPUT_DUPLICATE)
    all_dups = status(dup, inputs=_items(dup, dup))
    assert transport.decode_response(answer(400, all_dups), post_spec(ok_item_codes=[dup])) == all_dups
    mixed = status(StatusCode.FAILURE, inputs=_items(dup, StatusCode.INPUT_INVALID_REQUEST))
    with pytest.raises(ClarifaiError) as info:
        transport.decode_response(answer(400, mixed), post_spec(ok_item_codes=[dup]))
    assert [i.id for i in info.value.items] == ["i0", "i1"]
    with pytest.raises(AlreadyExistsError):
        transport.decode_response(answer(400, all_dups), post_spec())


def test_lifecycle_item_statuses_are_not_failures() -> None:
    body = status(
        StatusCode.MIXED_STATUS,
        inputs=[
            *_items(StatusCode.INPUT_PENDING, StatusCode.INPUT_DUPLICATE, StatusCode.SUCCESS),
            {"id": "no-status"},
            "not an item",
        ],
    )
    assert transport.decode_response(answer(200, body), post_spec(ok_item_codes=[StatusCode.INPUT_DUPLICATE])) == body
    with pytest.raises(PartialFailureError) as info:
        transport.decode_response(answer(200, body), post_spec())
    assert [(i.index, i.id) for i in info.value.items] == [(1, "i1")]


def test_dataset_inputs_carry_their_status_inside_the_input() -> None:
    dup = int(StatusCode.DATASET_INPUT_DUPLICATE)
    body = status(
        StatusCode.MIXED_STATUS,
        dataset_inputs=[
            {"input": {"id": "a", "status": {"code": 10000}}},
            {"input": {"id": "b", "status": {"code": dup, "description": "in already", "details": "ds"}}},
            {"input": {"id": "c"}},
        ],
    )
    spec = transport.build_call(CONFIG, "PostDatasetInputs", path={"dataset_id": "ds"}, body={})
    with pytest.raises(PartialFailureError) as info:
        transport.decode_response(answer(200, body), spec)
    (item,) = info.value.items
    assert (item.index, item.id, item.code, item.description, item.details) == (1, "b", dup, "in already", "ds")
    ok = transport.build_call(CONFIG, "PostDatasetInputs", path={"dataset_id": "ds"}, body={}, ok_item_codes=[dup])
    assert transport.decode_response(answer(200, body), ok) == body


def test_is_item_failure() -> None:
    assert not transport.is_item_failure(None)
    assert not transport.is_item_failure(StatusCode.SUCCESS)
    assert not transport.is_item_failure(StatusCode.INPUT_PENDING)
    assert not transport.is_item_failure(StatusCode.TASK_IN_PROGRESS)
    assert transport.is_item_failure(StatusCode.INPUT_DUPLICATE)
    assert transport.is_item_failure(StatusCode.CONN_DOES_NOT_EXIST)
    assert transport.is_item_failure(StatusCode.FAILURE)


# -- deletes of what is gone ----------------------------------------------------------------


def test_missing_ok_returns_only_a_not_found_answer() -> None:
    spec = transport.build_call(CONFIG, "DeleteDatasets", body={"dataset_ids": ["x"]}, missing_ok=True)
    for body in (status(StatusCode.CONN_DOES_NOT_EXIST), {}, status(StatusCode.INPUT_DOES_NOT_EXIST)):
        assert transport.decode_response(answer(404, body), spec) == body
    for other, cls in (
        (answer(401, status(StatusCode.CONN_KEY_INVALID)), AuthenticationError),
        (answer(400, status(StatusCode.CONN_INVALID_REQUEST)), InvalidArgumentError),
        (answer(500, status(StatusCode.INTERNAL_SERVER_ISSUE)), TransientServerError),
    ):
        with pytest.raises(cls):
            transport.decode_response(other, spec)
    strict = transport.build_call(CONFIG, "DeleteDatasets", body={"dataset_ids": ["x"]})
    with pytest.raises(NotFoundError):
        transport.decode_response(answer(404, status(StatusCode.CONN_DOES_NOT_EXIST)), strict)


# -- answers that are not JSON ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("http", "content_type", "cls", "words"),
    [
        (429, "text/html", ThrottledError, "got a non-JSON response body (text/html, HTTP 429)"),
        (503, "text/html", TransientServerError, "got a non-JSON response body (text/html, HTTP 503)"),
        (403, "text/html", TransientServerError, "got a non-JSON response body (text/html, HTTP 403)"),
        (200, "application/json", TransientServerError, "got a non-JSON response body (application/json, HTTP 200)"),
        (405, "text/plain", ClarifaiError, "got a text/plain page (HTTP 405)"),
        (204, "text/html", ClarifaiError, "got a text/html page (HTTP 204)"),
        (399, "text/html", ClarifaiError, "was redirected (HTTP 399 to ?)"),
    ],
)
def test_non_json_answers(http, content_type, cls, words) -> None:
    response = httpx.Response(http, content=b"<html>oops</html>", headers={"Content-Type": content_type})
    with pytest.raises(ClarifaiError) as info:
        transport.decode_response(response, get_spec())
    assert type(info.value) is cls
    assert words in str(info.value)
    assert info.value.ambiguous is (cls is TransientServerError)
    assert (info.value.http_status, info.value.rpc, info.value.method) == (http, "GetDataset", "GET")


def test_an_empty_answer_is_transient_and_keeps_retry_after() -> None:
    response = httpx.Response(503, headers={"Retry-After": "7"})
    with pytest.raises(TransientServerError) as info:
        transport.decode_response(response, get_spec())
    assert "got an empty response body (unknown type, HTTP 503)" in str(info.value)
    assert info.value.retry_after == 7.0
    throttled = httpx.Response(429, headers={"Retry-After": "2"})
    with pytest.raises(ThrottledError) as info2:
        transport.decode_response(throttled, get_spec())
    assert info2.value.retry_after == 2.0 and not info2.value.ambiguous


def test_a_json_error_keeps_retry_after_and_the_request_id() -> None:
    response = httpx.Response(
        429,
        json={"status": {"code": 11005}},
        headers={"Retry-After": "3", "X-Clarifai-Request-ID": "hdr-1"},
    )
    with pytest.raises(ThrottledError) as info:
        transport.decode_response(response, get_spec())
    assert info.value.retry_after == 3.0 and info.value.req_id == "hdr-1"
    body_id = httpx.Response(
        404, json={"status": {"code": 11101, "req_id": "body-1"}}, headers={"X-Clarifai-Request-ID": "hdr-2"}
    )
    with pytest.raises(NotFoundError) as info2:
        transport.decode_response(body_id, get_spec())
    assert info2.value.req_id == "body-1"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5", 5.0), ("  5  ", 5.0), ("0.5", 0.5), ("-3", 0.0), ("", None), ("soon", None), ("Mon, 99 Foo", None)],
)
def test_retry_after_values(value, seconds) -> None:
    assert transport.parse_retry_after(value) == seconds


# -- transport failures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "before"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ConnectTimeout("slow connect"), True),
        (httpx.PoolTimeout("pool"), True),
        (httpx.UnsupportedProtocol("ftp"), True),
        (httpx.ReadTimeout("slow"), False),
        (httpx.WriteTimeout("slow"), False),
        (httpx.ReadError("reset"), False),
        (httpx.RemoteProtocolError("closed"), False),
    ],
)
def test_a_failure_before_sending_is_not_ambiguous(exc, before) -> None:
    err = transport.error_from_exception(exc, post_spec())
    assert isinstance(err, ConnectionFailedError)
    assert err.ambiguous is (not before)
    assert err.__cause__ is exc
    when = "before the request was sent" if before else "after the request was sent"
    assert f"PostInputs (POST /v2/users/u/apps/a/inputs) to the API failed {when}: {type(exc).__name__}" in str(err)
    assert (err.method, err.path, err.rpc) == ("POST", "/v2/users/u/apps/a/inputs", "PostInputs")
    settled = transport.settle_error(exc, post_spec())
    assert isinstance(settled, OutcomeUnknownError) is (not before)


def test_a_request_that_cannot_be_encoded_is_a_configuration_error() -> None:
    err = transport.error_from_exception(httpx.LocalProtocolError("Illegal header value b'Key s3cr3t'"), get_spec())
    assert isinstance(err, ConfigurationError)
    assert "s3cr3t" not in str(err) and "could not be encoded" in str(err)
    assert transport.settle_error(httpx.LocalProtocolError("x"), post_spec()).__class__ is ConfigurationError
    already = NotFoundError("typed")
    assert transport.error_from_exception(already, get_spec()) is already


def test_the_origin_names_scheme_host_and_an_explicit_port_only() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for base, origin in (
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
        ("https://api.example.com", "https://api.example.com"),
    ):
        config = ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url=base, rate_limit=0, retry=FAST)
        with (
            ClarifaiClient(config, transport=httpx.MockTransport(refuse)) as client,
            pytest.raises(ConnectionFailedError) as info,
        ):
            client.get_dataset("d1")
        assert f" to {origin} failed before" in str(info.value)


# -- request building ----------------------------------------------------------------------


def test_path_values_default_to_the_config_and_can_be_overridden() -> None:
    spec = transport.build_call(CONFIG, "GetDataset", path={"dataset_id": "d1", "app_id": "other", "user_id": None})
    assert spec.path == "/v2/users/u/apps/other/datasets/d1"
    with pytest.raises(ConfigurationError) as info:
        transport.build_call(CONFIG, "GetDataset")
    assert str(info.value) == "GetDataset: missing path value 'dataset_id'"
    with pytest.raises(ConfigurationError) as info:
        transport.build_call(CONFIG, "GetDataset", path={"dataset_id": ""})
    assert str(info.value) == "GetDataset: missing path value 'dataset_id'"
    with pytest.raises(ConfigurationError) as info:
        transport.build_call(CONFIG.replace(app_id=None), "GetDataset", path={"dataset_id": "d1"})
    assert str(info.value) == "GetDataset needs an app id: set CLARIFAI_APP_ID or pass app_id=..."
    assert info.value.argument == "app_id"  # the setting a front end names in its own spelling


def test_bodies_by_verb_and_idempotency_by_verb_unless_told() -> None:
    assert transport.build_call(CONFIG, "ListInputs").body is None
    assert transport.build_call(CONFIG, "PostInputs").body == {}
    assert transport.build_call(CONFIG, "PatchInputs").idempotent
    assert transport.build_call(CONFIG, "PostInputs", idempotent=True).idempotent
    assert not transport.build_call(CONFIG, "ListInputs", idempotent=False).idempotent
    with pytest.raises(ConfigurationError, match="ListInputs is a GET: pass params=, not body="):
        transport.build_call(CONFIG, "ListInputs", body={"x": 1})
    spec = transport.build_call(CONFIG, "PostInputs", body={"a": 1}, ok_item_codes=["30100"], missing_ok=1)
    assert spec.ok_item_codes == frozenset({30100}) and spec.missing_ok is True
    assert transport.build_call(CONFIG, "PostInputs").missing_ok is False


def test_query_values() -> None:
    params = {"flag": False, "on": True, "ids": ("a", "b"), "tags": {"t"}, "n": 3, "skip": None}
    assert transport.encode_params(params) == (
        ("flag", "false"),
        ("on", "true"),
        ("ids", "a"),
        ("ids", "b"),
        ("tags", "t"),
        ("n", "3"),
    )
    assert transport.encode_params(None) == ()


def test_request_kwargs_send_compact_json_only_with_a_body() -> None:
    get = transport.request_kwargs(transport.build_call(CONFIG, "ListInputs"))
    assert get == {"method": "GET", "url": "/v2/users/u/apps/a/inputs"}
    with_params = transport.request_kwargs(transport.build_call(CONFIG, "ListInputs", params={"page": 2}))
    assert with_params["params"] == [("page", "2")]
    post = transport.request_kwargs(transport.build_call(CONFIG, "PostInputs", body={"inputs": [{"id": "a"}]}))
    assert post["content"] == b'{"inputs":[{"id":"a"}]}'
    assert post["headers"] == {"Content-Type": "application/json"}


@pytest.mark.parametrize("pat", ["with space", "tab\there", "del\x7f", "caf\u00e9", "   "])
def test_a_pat_that_cannot_be_a_header_is_refused_without_showing_it(pat) -> None:
    with pytest.raises(ConfigurationError) as info:
        transport.default_headers(ClarifaiConfig(pat=pat, user_id="u", base_url="http://127.0.0.1:9"))
    assert pat.strip() not in str(info.value) or not pat.strip()
    assert str(info.value) == (
        "no Clarifai PAT given: set CLARIFAI_PAT or pass pat=..."
        if not pat.strip()  # only spaces: no PAT at all, refused by the config already
        else "the Clarifai PAT contains spaces, control or non-ASCII characters (a pasted line break or quote?); "
        "a PAT is letters and digits only: check CLARIFAI_PAT, the PAT file or pat="
    )


def test_the_header_pat_drops_surrounding_whitespace_and_keeps_printable_ascii() -> None:
    pat = "!abc~09"  # the first and last printable ASCII characters are allowed
    headers = transport.default_headers(ClarifaiConfig(pat=f" {pat}\n", user_id="u", base_url="http://127.0.0.1:9"))
    assert headers["Authorization"] == f"Key {pat}"
    assert headers["Accept"] == "application/json" and headers["User-Agent"] == "clarifai-connector"


def test_timeouts_and_limits_come_from_the_config() -> None:
    from connector.config import Timeouts

    config = CONFIG.replace(timeouts=Timeouts(connect=1.0, read=2.0, write=3.0, pool=4.0), max_connections=7)
    timeout = transport.httpx_timeout(config)
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (1.0, 2.0, 3.0, 4.0)
    limits = transport.httpx_limits(config)
    assert limits.max_connections == 7 and limits.max_keepalive_connections == 7


def test_item_failures_by_class_or_by_name() -> None:
    # a typed error whose name says nothing of failure ...
    assert transport.is_item_failure(StatusCode.CONN_THROTTLED)
    assert transport.is_item_failure(StatusCode.INTERNAL_SERVER_ISSUE)
    # ... and a name that says failure without a typed error
    assert transport.is_item_failure(StatusCode.JOB_FAILED)
    assert not transport.is_item_failure(StatusCode.JOB_COMPLETED)


GET_WHERE = "GetDataset (GET /v2/users/u/apps/a/datasets/d1)"


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(300, content=b"<html/>", headers={"Content-Type": "text/html", "Location": "https://x"}),
            f"{GET_WHERE} was redirected (HTTP 300 to https://x) by the API; the API answers without redirects: "
            "set base_url (CLARIFAI_API_BASE) to the API's address",
        ),
        (
            httpx.Response(200, content=b"<html/>", headers={"Content-Type": "text/html"}),
            f"{GET_WHERE} got a text/html page (HTTP 200) from the API instead of a Clarifai JSON status: "
            "check that base_url (CLARIFAI_API_BASE) is the Clarifai API",
        ),
        (
            httpx.Response(200, content=b"hello"),
            f"{GET_WHERE} got a non-JSON page (HTTP 200) from the API instead of a Clarifai JSON status: "
            "check that base_url (CLARIFAI_API_BASE) is the Clarifai API",
        ),
    ],
)
def test_an_answer_that_is_not_the_api_says_so(response, message) -> None:
    with pytest.raises(ClarifaiError) as info:
        transport.decode_response(response, get_spec())
    err = info.value
    assert type(err) is ClarifaiError and err.args[0].startswith(message)
    assert (err.http_status, err.rpc, err.method, err.path) == (
        response.status_code,
        "GetDataset",
        "GET",
        "/v2/users/u/apps/a/datasets/d1",
    )


@pytest.mark.parametrize("http", [400, 401, 500])
def test_a_non_json_page_with_an_error_status_is_transient(http) -> None:
    response = httpx.Response(http, content=b"<html/>", headers={"Content-Type": "text/html"})
    with pytest.raises(TransientServerError, match=f"non-JSON response body \\(text/html, HTTP {http}\\)"):
        transport.decode_response(response, get_spec())


def test_items_without_a_status_or_not_objects_do_not_hide_later_failures() -> None:
    body = status(
        StatusCode.MIXED_STATUS,
        inputs=["not an item", {"id": "quiet"}, {"status": {"code": StatusCode.INPUT_DUPLICATE}}],
    )
    with pytest.raises(PartialFailureError) as info:
        transport.decode_response(answer(200, body), post_spec())
    (item,) = info.value.items
    assert (item.index, item.id, item.code, item.description, item.details) == (2, None, 30100, "", "")
    assert "failed items: #2: INPUT_DUPLICATE" in str(info.value)


def test_an_outcome_unknown_keeps_the_answers_facts() -> None:
    body = {"status": {"code": 98004, "description": "boom", "details": "db", "req_id": "rq-9"}}
    with pytest.raises(TransientServerError) as info:
        transport.decode_response(answer(500, body), post_spec())
    unknown = transport.settle_error(info.value, post_spec())
    assert isinstance(unknown, OutcomeUnknownError)
    assert (unknown.code, unknown.description, unknown.details, unknown.req_id) == (98004, "boom", "db", "rq-9")
    assert (unknown.http_status, unknown.method, unknown.path, unknown.rpc) == (
        500,
        "POST",
        "/v2/users/u/apps/a/inputs",
        "PostInputs",
    )
    assert str(unknown).startswith(
        "PostInputs (POST /v2/users/u/apps/a/inputs) is a write that is not safe to repeat and failed "
        "ambiguously (TransientServerError: INTERNAL_SERVER_ISSUE)"
    )


def test_an_unencodable_request_names_the_call_and_never_its_text() -> None:
    err = transport.error_from_exception(httpx.LocalProtocolError("Illegal header value b'Key s3cr3t'"), get_spec())
    assert str(err) == (
        f"{GET_WHERE} could not be encoded as an HTTP request (LocalProtocolError: an illegal header or URL value; "
        "its text is withheld because it may hold the PAT)"
    )


def test_a_list_result_missing_from_the_answer_is_empty() -> None:
    def bare(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": {"code": 10000}})

    with make_client(bare) as client:
        assert client.post_datasets([{"id": "a"}]) == []
        assert client.post_inputs([{"id": "a"}]) == []
        assert client.post_tasks([{"id": "t"}]) == []
        assert client.post_dataset_versions("ds", [{"id": "v"}]) == []


def test_an_error_answer_with_fields_that_are_not_lists_is_still_classified() -> None:
    body = {"status": {"code": 11102}, "count": 3, "flag": None, "dataset": {"id": "d"}, "note": "text"}
    with pytest.raises(InvalidArgumentError) as info:
        transport.decode_response(answer(400, body), get_spec())
    assert info.value.items == []


def test_a_body_that_is_not_a_clarifai_status_is_named_with_its_type_and_http_status():
    for http, kw, kind, cls in (
        (500, {"content": b"oops", "headers": {"Content-Type": "text/plain"}}, "a non-JSON", TransientServerError),
        (503, {}, "an empty", TransientServerError),
        (429, {"content": b"[]", "headers": {"Content-Type": "application/json"}}, "a non-JSON", ThrottledError),
    ):
        with pytest.raises(cls) as raised:
            transport.decode_response(httpx.Response(http, **kw), get_spec())
        content_type = kw.get("headers", {}).get("Content-Type", "unknown type")
        assert str(raised.value).startswith(
            f"GetDataset (GET /v2/users/u/apps/a/datasets/d1) got {kind} response body ({content_type}, HTTP {http}) "
            "instead of a Clarifai JSON status"
        ), str(raised.value)


def test_an_error_status_without_a_description_has_an_empty_one():
    with pytest.raises(NotFoundError) as raised:
        transport.decode_response(answer(404, {"status": {"code": int(StatusCode.CONN_DOES_NOT_EXIST)}}), get_spec())
    assert raised.value.description == "" and "XXXX" not in str(raised.value)
