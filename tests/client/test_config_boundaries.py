"""ClarifaiConfig at its edges: which hosts count as loopback (a PAT goes over plain HTTP
only to those), each limit exactly at its bound, and the Secret's promises."""

from __future__ import annotations

import pytest

from connector.config import ClarifaiConfig, RetryPolicy, Secret, is_loopback_host
from connector.errors import ConfigurationError

PAT = "cfg-pat-7d1e0b"


@pytest.mark.parametrize(
    "host",
    [
        "evillocalhost",
        "localhost.evil.com",
        "mylocalhost",
        "127.0.0.1.nip.io",
        "128.0.0.1",
        "::2",
        "0.0.0.0",
        "",
        None,
    ],
)
def test_a_host_that_only_looks_local_is_not_loopback(host) -> None:
    assert is_loopback_host(host) is False


@pytest.mark.parametrize(
    "host", ["localhost", "LocalHost", "api.localhost", "127.0.0.1", "127.255.0.9", "::1", "[::1]"]
)
def test_loopback_hosts(host) -> None:
    assert is_loopback_host(host) is True


@pytest.mark.parametrize("url", ["http://evillocalhost:8080", "http://localhost.evil.com", "http://127.0.0.1.nip.io"])
def test_the_pat_is_refused_over_plain_http_to_a_host_that_only_looks_local(url) -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        ClarifaiConfig(pat=PAT, user_id="me", base_url=url)
    assert ClarifaiConfig(pat=PAT, user_id="me", base_url=url, allow_insecure_http=True).base_url == url


def _config(**changes) -> ClarifaiConfig:
    return ClarifaiConfig(**{"pat": PAT, "user_id": "me", "base_url": "http://127.0.0.1:1", **changes})


@pytest.mark.parametrize(
    ("name", "lowest", "below"),
    [("per_page", 1, 0), ("page_concurrency", 1, 0), ("max_connections", 1, 0), ("rate_limit", 0, -0.001)],
)
def test_each_limit_is_accepted_at_its_lower_bound_and_refused_below(name, lowest, below) -> None:
    assert getattr(_config(**{name: lowest}), name) == lowest
    with pytest.raises(ConfigurationError, match=name):
        _config(**{name: below})


def test_per_page_is_accepted_up_to_the_api_limit() -> None:
    assert _config(per_page=1000).per_page == 1000
    with pytest.raises(ConfigurationError, match="per_page"):
        _config(per_page=1001)


def test_the_base_url_loses_its_trailing_slash_and_must_be_http() -> None:
    assert _config(base_url="https://api.example.com/").base_url == "https://api.example.com"
    for bad in ("ftp://api.example.com", "api.example.com"):
        with pytest.raises(ConfigurationError, match="base_url"):
            _config(base_url=bad)


def test_a_user_id_of_blanks_is_refused() -> None:
    for bad in ("", "   "):
        with pytest.raises(ConfigurationError, match="user"):
            _config(user_id=bad)
    with pytest.raises(ConfigurationError, match="PAT"):
        _config(pat="")


@pytest.mark.parametrize("name", ["max_elapsed", "initial_wait", "max_wait", "max_retry_after", "hourly_limit_wait"])
def test_retry_delays_may_be_zero_but_not_negative(name) -> None:
    assert getattr(RetryPolicy(**{name: 0}), name) == 0
    with pytest.raises(ConfigurationError, match=name):
        RetryPolicy(**{name: -0.5})


def test_one_attempt_is_the_least() -> None:
    assert RetryPolicy(max_attempts=1).max_attempts == 1
    with pytest.raises(ConfigurationError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_a_secret_compares_by_value_and_never_shows_it() -> None:
    secret = Secret(PAT)
    assert Secret(secret).reveal() == PAT  # wrapping a Secret keeps its value, not its repr
    assert secret == Secret(PAT) and secret != Secret("other") and hash(secret) == hash(Secret(PAT))
    assert (secret == PAT) is False  # a plain string is not the secret
    assert bool(secret) and not Secret("")
    assert {repr(secret), str(secret), format(secret, ""), f"{secret:>40}"} == {"Secret('***')", "***"}


def test_the_config_is_shown_without_the_pat() -> None:
    config = _config(app_id="app")
    text = repr(config)
    assert PAT not in text and "pat='***'" in text
    assert "user_id='me'" in text and "app_id='app'" in text and "base_url='http://127.0.0.1:1'" in text
    assert str(config) == text


ENV = {"CLARIFAI_PAT": PAT, "CLARIFAI_USER_ID": "me"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "CLARIFAI_RETRY_MAX_ATTEMPTS",
            "0",
            "CLARIFAI_RETRY_MAX_ATTEMPTS must be a whole number greater than 0, got '0'",
        ),
        ("CLARIFAI_RETRY_MAX_ATTEMPTS", "x", "CLARIFAI_RETRY_MAX_ATTEMPTS must be a whole number, got 'x'"),
        ("CLARIFAI_TIMEOUT", "0", "CLARIFAI_TIMEOUT must be a number greater than 0, got '0'"),
        ("CLARIFAI_RATE_LIMIT", "-1", "CLARIFAI_RATE_LIMIT must be a number 0 or more, got '-1'"),
        ("CLARIFAI_RATE_LIMIT", "inf", "CLARIFAI_RATE_LIMIT must be a number 0 or more, got 'inf'"),
        ("CLARIFAI_RETRY_MAX_ELAPSED", "-inf", "CLARIFAI_RETRY_MAX_ELAPSED must be a number 0 or more, got '-inf'"),
        ("CLARIFAI_TIMEOUT", "y", "CLARIFAI_TIMEOUT must be a number, got 'y'"),
    ],
)
def test_a_bad_tuning_variable_is_named_with_what_it_must_be(name, value, message) -> None:
    with pytest.raises(ConfigurationError) as info:
        ClarifaiConfig.from_env({**ENV, name: value})
    assert str(info.value) == message and info.value.argument == name


def test_the_insecure_http_switch_is_named_as_it_was_given() -> None:
    with pytest.raises(ConfigurationError) as info:
        ClarifaiConfig.from_env({**ENV, "CLARIFAI_ALLOW_INSECURE_HTTP": "maybe"})
    assert str(info.value) == "CLARIFAI_ALLOW_INSECURE_HTTP must be 1/true/yes/on or 0/false/no/off, got 'maybe'"
    assert info.value.argument == "allow_insecure_http"
    for env, overrides, advice in (
        ({**ENV, "CLARIFAI_API_BASE": "http://evil.example"}, {}, "set CLARIFAI_ALLOW_INSECURE_HTTP=1"),
        (
            {**ENV, "CLARIFAI_API_BASE": "http://evil.example"},
            {"allow_insecure_http": False},
            "set allow_insecure_http=True",
        ),
    ):
        with pytest.raises(ConfigurationError) as info:
            ClarifaiConfig.from_env(env, **overrides)
        assert str(info.value) == (
            f"refusing to send the PAT over plain http to 'evil.example': use https, or {advice} if this network is trusted"
        )
    trusted = ClarifaiConfig.from_env(
        {**ENV, "CLARIFAI_API_BASE": "http://evil.example", "CLARIFAI_ALLOW_INSECURE_HTTP": "yes"}
    )
    assert trusted.allow_insecure_http is True


def test_from_env_reads_the_process_environment_by_default(monkeypatch) -> None:
    monkeypatch.setenv("CLARIFAI_PAT", PAT)
    monkeypatch.setenv("CLARIFAI_USER_ID", "from-env")
    monkeypatch.delenv("CLARIFAI_API_BASE", raising=False)
    assert ClarifaiConfig.from_env().user_id == "from-env"


@pytest.mark.parametrize("value", [0, True, 2.5, "3"])
def test_retry_attempts_must_be_a_whole_number_from_one(value) -> None:
    with pytest.raises(ConfigurationError) as info:
        RetryPolicy(max_attempts=value)
    assert str(info.value) == f"retry max_attempts must be a whole number >= 1, got {value!r}"
    assert info.value.argument == "max_attempts"


def test_a_negative_retry_delay_is_named() -> None:
    with pytest.raises(ConfigurationError) as info:
        RetryPolicy(max_wait=-1)
    assert str(info.value) == "retry max_wait must be a number of seconds >= 0, got -1"
    assert info.value.argument == "max_wait"


def test_neither_a_secret_nor_a_config_pickles() -> None:
    import pickle

    with pytest.raises(TypeError, match=r"^a Secret cannot be pickled$"):
        pickle.dumps(Secret(PAT))
    with pytest.raises(TypeError, match=r"^a ClarifaiConfig holds a secret and cannot be pickled$"):
        pickle.dumps(_config())
