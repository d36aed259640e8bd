"""Edges of small core promises: id length and first character, what counts as a
secret, how many failed items a message lists, which throttled answers slow the client
down, and the async listing's pages in flight."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from connector.aio import AsyncClarifaiClient
from connector.config import ClarifaiConfig, RetryPolicy
from connector.errors import ItemStatus, PartialFailureError, ThrottledError
from connector.ids import ID_MAX_LENGTH, id_problem, looks_like_secret
from connector.retry import is_rate_limited
from connector.status_codes import StatusCode

#: A client config for a transport that answers in process (nothing listens on port 9).
OFFLINE = ClarifaiConfig(
    pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9", rate_limit=0, retry=RetryPolicy(max_attempts=1)
)


def test_an_id_may_be_exactly_as_long_as_the_limit_and_no_longer():
    assert id_problem("a" * ID_MAX_LENGTH) is None
    assert id_problem("a" * (ID_MAX_LENGTH + 1)) is not None


@pytest.mark.parametrize(("value", "valid"), [("a", True), ("7", True), ("éa", False), ("-a", False), ("a-", True)])
def test_an_id_starts_with_an_ascii_letter_or_digit(value, valid):
    assert (id_problem(value) is None) is valid


@pytest.mark.parametrize("value", [12345678901234567890, None, b"abc123def456ghi789", ["a1b2c3d4e5f6g7h8"]])
def test_only_text_can_look_like_a_secret(value):
    assert looks_like_secret(value) is False


def test_a_token_looking_text_is_a_secret_and_a_word_is_not():
    assert looks_like_secret("key 9f8e7d6c5b4a39281706f5e4d3c2b1a0") is True
    assert looks_like_secret("dataset-versions") is False


def _items(n: int) -> list[ItemStatus]:
    return [ItemStatus(index=i, id=f"in{i}", code=int(StatusCode.INPUT_DOWNLOAD_FAILED)) for i in range(n)]


@pytest.mark.parametrize(("failed", "more"), [(5, ""), (6, " (+1 more)"), (8, " (+3 more)")])
def test_a_message_lists_five_failed_items_and_counts_the_rest(failed, more):
    text = str(PartialFailureError("PostInputs failed", items=_items(failed)))
    name = _items(1)[0].code_name
    shown = ", ".join(f"in{i}: {name}" for i in range(5))
    assert f"failed items: {shown}{more}" in text
    assert "(+" not in text if not more else text.count("(+") == 1


def test_only_a_per_second_throttle_slows_the_client_down():
    assert is_rate_limited(ThrottledError("x", code=int(StatusCode.CONN_THROTTLED), http_status=429))
    assert is_rate_limited(ThrottledError("x", http_status=429))  # no body status: the HTTP status says it
    assert not is_rate_limited(ThrottledError("x", code=int(StatusCode.CONN_EXCEED_HOURLY_LIMIT), http_status=429))
    assert not is_rate_limited(ThrottledError("x", http_status=None))
    assert not is_rate_limited(ValueError("x")) and not is_rate_limited(None)


def test_an_async_listing_keeps_the_pages_in_flight_it_was_given():
    """Three pages of one item, then an empty one: one page in flight asks exactly for
    those four, more in flight ask ahead past the end."""
    asked: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        asked.append(page)
        items = [{"id": f"d{page}"}] if page <= 3 else []
        return httpx.Response(200, json={"status": {"code": 10000}, "datasets": items})

    config = OFFLINE.replace(per_page=1)

    async def listing(concurrency: int) -> list[str]:
        async with AsyncClarifaiClient(config, transport=httpx.MockTransport(answer)) as client:
            return [
                item["id"]
                async for page in client.iter_pages("ListDatasets", "datasets", concurrency=concurrency)
                for item in page
            ]

    assert asyncio.run(listing(1)) == ["d1", "d2", "d3"] and sorted(asked) == [1, 2, 3, 4]
    asked.clear()
    assert asyncio.run(listing(6)) == ["d1", "d2", "d3"] and max(asked) > 4


def test_json_text_writes_what_decoded_json_never_holds_as_lists_or_text():
    from decimal import Decimal

    from connector.inventory import extract as x

    assert x.json_text({"d": Decimal("1.5"), "s": frozenset({1}), "t": (1, "a")}) == '{"d":"1.5","s":[1],"t":[1,"a"]}'
    assert x.json_text(b"ab") == "\"b'ab'\""  # bytes are text here, not a list of numbers
    assert x.json_text({"é": "ü"}) == '{"é":"ü"}'  # not escaped


@pytest.mark.parametrize(("value", "count"), [([1, 2], 2), ([], 0), (None, 0), ("abc", 0), ({"a": 1}, 0)])
def test_a_repeated_field_that_is_absent_or_not_a_list_counts_zero(value, count):
    from connector.inventory import extract as x

    assert x.length(value) == count
