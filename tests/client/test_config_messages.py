"""The whole text of the configuration errors (what a person reads on the command line and
in an orchestrator's log): each names the setting, shows what is safe to show and says
what to use instead. Pinned here in full, not only through the CLI."""

from __future__ import annotations

import pytest

from connector.config import ClarifaiConfig
from connector.errors import ConfigurationError

PAT = "cfg-messages-pat"


def _refusal(**settings: object) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as refused:
        ClarifaiConfig(**{"pat": PAT, "user_id": "me", **settings})
    return refused.value


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        (123, "base_url must be a string such as https://api.clarifai.com, got an int"),
        (
            "https://api.clarifai.com/?debug=1",
            "base_url must not have a query or fragment: use https://api.clarifai.com",
        ),
        (
            "http://127.0.0.1:9#top",
            "base_url must not have a query or fragment: use http://127.0.0.1:9",
        ),
        (
            "https://api.clarifai.com/?",
            "base_url must not have a query or fragment: use https://api.clarifai.com",
        ),
        ("http://127.0.0.1:9#", "base_url must not have a query or fragment: use http://127.0.0.1:9"),
        ("http://127.0.0.1:9/#/", "base_url must not have a query or fragment: use http://127.0.0.1:9"),
        (
            "https://api.clarifai.com/v2",
            "base_url must be scheme://host[:port] with no path, got the path '/v2': use https://api.clarifai.com "
            "(the connector adds /v2/... itself)",
        ),
        (
            "https://api.clarifai.com/" + "p" * 39,
            f"base_url must be scheme://host[:port] with no path, got the path '/{'p' * 39}': "
            "use https://api.clarifai.com (the connector adds /v2/... itself)",
        ),
        (
            "https://api.clarifai.com/" + "p" * 40,
            "base_url must be scheme://host[:port] with no path, got the path '(not shown)': "
            "use https://api.clarifai.com (the connector adds /v2/... itself)",
        ),
        (
            "https://api.clarifai.com/9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "base_url must be scheme://host[:port] with no path, got the path '(not shown)': "
            "use https://api.clarifai.com (the connector adds /v2/... itself)",
        ),
        (
            "https://a9f8e7d6c5b4a39281706f5e4d3c2b1a0.example.com/?x=1",
            "base_url must not have a query or fragment: use https://(a host that looks like a token)",
        ),
        (
            "ftp://files.example.com",
            "base_url must be an http(s) URL such as https://api.clarifai.com, got scheme 'ftp'",
        ),
        (
            "abcdefghij://files.example.com",
            "base_url must be an http(s) URL such as https://api.clarifai.com, got scheme '?'",
        ),
        (
            "abcdefghi://files.example.com",
            "base_url must be an http(s) URL such as https://api.clarifai.com, got scheme 'abcdefghi'",
        ),
        ("a+b://files.example.com", "base_url must be an http(s) URL such as https://api.clarifai.com, got scheme '?'"),
        ("https://", "base_url must be an http(s) URL such as https://api.clarifai.com (scheme 'https', no host)"),
    ],
)
def test_a_bad_base_url_is_refused_with_what_to_use(base_url, message):
    refused = _refusal(base_url=base_url)
    assert str(refused).split("\n")[0] == message and refused.argument == "base_url"


def test_a_base_url_may_end_in_a_slash_and_an_ipv6_loopback_may_take_plain_http():
    assert ClarifaiConfig(pat=PAT, user_id="me", base_url="https://api.clarifai.com/").base_url == (
        "https://api.clarifai.com"
    )
    assert ClarifaiConfig(pat=PAT, user_id="me", base_url="http://[::1]:9/").base_url == "http://[::1]:9"
    # Only slashes go: a host's last letter stays.
    assert ClarifaiConfig(pat=PAT, user_id="me", base_url="https://gateway-X//").base_url == "https://gateway-X"


@pytest.mark.parametrize("pat", ["", "   ", None, 12345])
def test_no_pat_is_refused_naming_the_variable_and_the_argument(pat):
    refused = _refusal(pat=pat)
    assert str(refused).split("\n")[0] == "no Clarifai PAT given: set CLARIFAI_PAT or pass pat=..."
    assert refused.argument == "pat"


def test_the_app_id_is_checked_and_stripped_like_the_user_id():
    config = ClarifaiConfig(pat=PAT, user_id=" me ", app_id=" my-app ")
    assert (config.user_id, config.app_id) == ("me", "my-app")
    assert ClarifaiConfig(pat=PAT, user_id="me", app_id="").app_id is None
    refused = _refusal(app_id=123)
    assert refused.argument == "app_id" and str(refused).startswith("app_id ")


def test_an_id_that_is_the_pat_says_which_id():
    refused = _refusal(app_id=PAT)
    assert str(refused).split("\n")[0] == "app_id is the PAT: give the app id there, and the PAT in CLARIFAI_PAT"
    refused = _refusal(user_id=PAT)
    assert str(refused).split("\n")[0] == "user_id is the PAT: give the user id there, and the PAT in CLARIFAI_PAT"


@pytest.mark.parametrize("per_page", [True, "5", 2.0, 0, 1001])
def test_a_page_size_is_a_whole_number_up_to_the_apis_limit(per_page):
    refused = _refusal(per_page=per_page)
    assert str(refused).split("\n")[0] == f"per_page must be a whole number from 1 to 1000, got {per_page!r}"
    assert refused.argument == "per_page"


def test_plain_http_to_a_remote_host_is_refused_as_a_matter_of_allow_insecure_http():
    refused = _refusal(base_url="http://api.example.com")
    assert str(refused).split("\n")[0] == (
        "refusing to send the PAT over plain http to 'api.example.com': use https, or set "
        "allow_insecure_http=True if this network is trusted"
    )
    assert refused.argument == "allow_insecure_http"


@pytest.mark.parametrize("rate_limit", [True, float("nan"), float("inf"), float("-inf"), -1, "5"])
def test_a_rate_limit_is_a_finite_number_of_requests_a_second(rate_limit):
    refused = _refusal(rate_limit=rate_limit)
    assert str(refused).split("\n")[0] == (
        f"rate_limit must be a number of requests per second >= 0 (0 turns it off), got {rate_limit!r}"
    )
    assert refused.argument == "rate_limit"


@pytest.mark.parametrize("name", ["page_concurrency", "max_connections"])
@pytest.mark.parametrize("value", [0, True, 2.5])
def test_pages_in_flight_and_connections_are_whole_numbers_from_one(name, value):
    refused = _refusal(**{name: value})
    assert str(refused).split("\n")[0] == f"{name} must be a whole number >= 1, got {value!r}"
    assert refused.argument == name
