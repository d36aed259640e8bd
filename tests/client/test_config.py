"""ClarifaiConfig: environment, validation, PAT safety over plain http."""

from __future__ import annotations

import pickle

import pytest

from connector.config import (
    DEFAULT_RATE_LIMIT,
    ClarifaiConfig,
    RetryPolicy,
    Secret,
    Timeouts,
    is_loopback_host,
)
from connector.errors import ConfigurationError

PAT = "cfg-pat-3f9a1c"


def test_from_env_reads_the_documented_variables() -> None:
    env = {
        "CLARIFAI_PAT": PAT,
        "CLARIFAI_USER_ID": "me",
        "CLARIFAI_APP_ID": "app",
        "CLARIFAI_API_BASE": "http://localhost:8080/",
    }
    config = ClarifaiConfig.from_env(env)
    assert config.pat.reveal() == PAT
    assert (config.user_id, config.app_id, config.base_url) == ("me", "app", "http://localhost:8080")
    assert config.rate_limit == DEFAULT_RATE_LIMIT == 15.0
    assert ClarifaiConfig.from_env(env, app_id="other").app_id == "other"


def test_from_env_defaults_to_the_public_api() -> None:
    config = ClarifaiConfig.from_env({"CLARIFAI_PAT": PAT, "CLARIFAI_USER_ID": "me"})
    assert config.base_url == "https://api.clarifai.com"
    assert config.app_id is None


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"CLARIFAI_USER_ID": "me"}, "CLARIFAI_PAT"),
        ({"CLARIFAI_PAT": PAT}, "CLARIFAI_USER_ID"),
        ({"CLARIFAI_PAT": PAT, "CLARIFAI_USER_ID": "  "}, "CLARIFAI_USER_ID"),
    ],
)
def test_missing_values_are_refused(env, missing) -> None:
    with pytest.raises(ConfigurationError, match=f"set {missing} "):
        ClarifaiConfig.from_env(env)


def test_pat_never_shown() -> None:
    config = ClarifaiConfig(pat=PAT, user_id="me", base_url="http://127.0.0.1:1")
    for text in (repr(config), str(config), repr(config.pat), str(config.pat), f"{config.pat}", f"{config.pat!r}"):
        assert PAT not in text
    with pytest.raises(TypeError):
        pickle.dumps(config)
    with pytest.raises(TypeError):
        pickle.dumps(Secret(PAT))


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.5:8080"])
def test_pat_refused_over_plain_http_to_non_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        ClarifaiConfig(pat=PAT, user_id="me", base_url=url)
    assert ClarifaiConfig(pat=PAT, user_id="me", base_url=url, allow_insecure_http=True).base_url == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "https://api.example.com"]
)
def test_loopback_and_https_allowed(url: str) -> None:
    assert ClarifaiConfig(pat=PAT, user_id="me", base_url=url).base_url == url


def test_is_loopback_host() -> None:
    assert is_loopback_host("127.0.0.2") and is_loopback_host("::1") and is_loopback_host("LOCALHOST")
    assert not is_loopback_host("example.com") and not is_loopback_host(None) and not is_loopback_host("10.0.0.1")


@pytest.mark.parametrize(
    "bad",
    [
        {"per_page": 0},
        {"per_page": 1001},
        {"rate_limit": -1},
        {"page_concurrency": 0},
        {"max_connections": 0},
        {"base_url": "ftp://x"},
    ],
)
def test_invalid_settings_refused(bad) -> None:
    with pytest.raises(ConfigurationError, match=f"^{next(iter(bad))} must "):
        ClarifaiConfig(**{"pat": PAT, "user_id": "me", "base_url": "http://127.0.0.1:1", **bad})


def test_retry_policy_validation() -> None:
    with pytest.raises(ConfigurationError, match="max_attempts must be a whole number >= 1, got 0"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ConfigurationError, match=r"max_wait must be a number of seconds >= 0, got -1"):
        RetryPolicy(max_wait=-1)


def test_replace_revalidates() -> None:
    config = ClarifaiConfig(pat=PAT, user_id="me", base_url="http://127.0.0.1:1")
    assert config.replace(app_id="x").app_id == "x"
    with pytest.raises(ConfigurationError):
        config.replace(base_url="http://example.com")


BASE_ENV = {"CLARIFAI_PAT": PAT, "CLARIFAI_USER_ID": "me"}


def test_from_env_reads_tuning_variables() -> None:
    env = {
        **BASE_ENV,
        "CLARIFAI_RATE_LIMIT": "4.5",
        "CLARIFAI_TIMEOUT": "300",
        "CLARIFAI_RETRY_MAX_ATTEMPTS": "10",
        "CLARIFAI_RETRY_MAX_ELAPSED": "900",
    }
    config = ClarifaiConfig.from_env(env)
    assert config.rate_limit == 4.5
    assert (config.timeouts.read, config.timeouts.write) == (300.0, 300.0)
    assert config.timeouts.connect == Timeouts().connect
    assert (config.retry.max_attempts, config.retry.max_elapsed) == (10, 900.0)
    assert config.retry.initial_wait == RetryPolicy().initial_wait
    assert ClarifaiConfig.from_env({**BASE_ENV, "CLARIFAI_RATE_LIMIT": "0"}).rate_limit == 0  # off
    # keyword overrides win over the environment
    assert ClarifaiConfig.from_env(env, rate_limit=2.0).rate_limit == 2.0
    assert ClarifaiConfig.from_env(env, retry=RetryPolicy(max_attempts=2)).retry.max_attempts == 2
    # unset or blank: the defaults
    plain = ClarifaiConfig.from_env({**BASE_ENV, "CLARIFAI_RATE_LIMIT": " ", "CLARIFAI_TIMEOUT": ""})
    assert (plain.rate_limit, plain.timeouts, plain.retry) == (DEFAULT_RATE_LIMIT, Timeouts(), RetryPolicy())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLARIFAI_RATE_LIMIT", "fast"),
        ("CLARIFAI_RATE_LIMIT", "-1"),
        ("CLARIFAI_RATE_LIMIT", "nan"),
        ("CLARIFAI_TIMEOUT", "0"),
        ("CLARIFAI_RETRY_MAX_ATTEMPTS", "2.5"),
        ("CLARIFAI_RETRY_MAX_ATTEMPTS", "0"),
        ("CLARIFAI_RETRY_MAX_ELAPSED", "inf"),
    ],
)
def test_from_env_bad_tuning_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        ClarifaiConfig.from_env({**BASE_ENV, name: value})
    assert name in str(info.value) and repr(value) in str(info.value)


def test_from_env_strips_whitespace_around_values() -> None:
    """A PAT read from a secret file often ends with a newline."""
    config = ClarifaiConfig.from_env(
        {"CLARIFAI_PAT": PAT + "\n", "CLARIFAI_USER_ID": " me ", "CLARIFAI_APP_ID": "app\n"}
    )
    assert (config.pat.reveal(), config.user_id, config.app_id) == (PAT, "me", "app")


# -- the base URL, ids, and errors that name the setting where it came from ---------------


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("http://127.0.0.1:8080/v2", "must be scheme://host[:port] with no path, got the path '/v2'"),
        ("https://api.clarifai.com/v2/users/me", "no path"),
        ("http://me:hunter2@127.0.0.1:8080", "must not hold a user or password"),
        ("http://token@127.0.0.1:8080", "must not hold a user or password"),
        ("https://api.clarifai.com?key=abc", "must not have a query or fragment"),
        ("", "is empty"),
        ("   ", "is empty"),
        ("http://127.0.0.1:99999", "is not a valid URL"),
        ("api.clarifai.com", "must be an http(s) URL"),
        ("ftp://127.0.0.1", "got scheme 'ftp'"),
    ],
)
def test_a_base_url_is_scheme_host_and_port_only(url: str, text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ClarifaiConfig(pat=PAT, user_id="me", base_url=url)
    assert caught.value.argument == "base_url" and text in str(caught.value)
    assert str(caught.value).startswith("base_url ")
    assert "hunter2" not in str(caught.value) and "key=abc" not in str(caught.value)


def test_a_base_url_keeps_its_port_and_drops_a_trailing_slash() -> None:
    assert ClarifaiConfig(pat=PAT, user_id="me", base_url="http://127.0.0.1:8080/").base_url == "http://127.0.0.1:8080"


def test_an_empty_api_base_variable_is_an_error_never_production() -> None:
    for value in ("", "  "):
        with pytest.raises(ConfigurationError, match=r"^CLARIFAI_API_BASE is empty") as caught:
            ClarifaiConfig.from_env({**BASE_ENV, "CLARIFAI_API_BASE": value})
        assert caught.value.argument == "base_url"
    # Unset means the public API; an explicit base_url wins over an empty variable.
    assert ClarifaiConfig.from_env(BASE_ENV).base_url == "https://api.clarifai.com"
    given = ClarifaiConfig.from_env({**BASE_ENV, "CLARIFAI_API_BASE": ""}, base_url="http://127.0.0.1:1")
    assert given.base_url == "http://127.0.0.1:1"


def test_errors_name_the_variable_a_value_came_from_and_the_argument_otherwise() -> None:
    env = {**BASE_ENV, "CLARIFAI_API_BASE": "http://127.0.0.1:1/v2"}
    with pytest.raises(ConfigurationError, match=r"^CLARIFAI_API_BASE must be scheme://host") as caught:
        ClarifaiConfig.from_env(env)
    assert caught.value.render({"base_url": "--base-url"}).startswith("CLARIFAI_API_BASE ")  # bound to it
    with pytest.raises(ConfigurationError, match=r"^base_url must be scheme://host") as caught:
        ClarifaiConfig.from_env(BASE_ENV, base_url="http://127.0.0.1:1/v2")
    assert caught.value.render({"base_url": "--base-url"}).startswith("--base-url ")
    with pytest.raises(ConfigurationError, match=r"set CLARIFAI_USER_ID or pass user_id=\.\.\.$"):
        ClarifaiConfig.from_env({"CLARIFAI_PAT": PAT})
    with pytest.raises(ConfigurationError, match="set CLARIFAI_ALLOW_INSECURE_HTTP=1 if"):
        ClarifaiConfig.from_env({**BASE_ENV, "CLARIFAI_API_BASE": "http://api.example.com"})
    with pytest.raises(ConfigurationError, match=r"set allow_insecure_http=True if"):
        ClarifaiConfig(pat=PAT, user_id="me", base_url="http://api.example.com")


def test_allow_insecure_http_from_the_environment() -> None:
    env = {**BASE_ENV, "CLARIFAI_API_BASE": "http://api.example.com", "CLARIFAI_ALLOW_INSECURE_HTTP": "1"}
    assert ClarifaiConfig.from_env(env).allow_insecure_http is True
    with pytest.raises(ConfigurationError, match=r"^CLARIFAI_ALLOW_INSECURE_HTTP must be 1/true"):
        ClarifaiConfig.from_env({**env, "CLARIFAI_ALLOW_INSECURE_HTTP": "sure"})


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("user_id", "me/you", "it contains '/'"),
        ("user_id", " me", None),  # surrounding spaces are trimmed, not an error
        ("app_id", "my app", "may hold only letters"),
        ("app_id", "a" * 49, "longer than 48 characters"),
        ("app_id", "-app", "must start with a letter or a digit"),
    ],
)
def test_user_and_app_ids_follow_the_id_format(field: str, value: str, text: str | None) -> None:
    values = {"pat": PAT, "user_id": "me", "base_url": "http://127.0.0.1:1", field: value}
    if text is None:
        assert getattr(ClarifaiConfig(**values), field) == value.strip()
        return
    with pytest.raises(ConfigurationError, match=text) as caught:
        ClarifaiConfig(**values)
    assert caught.value.argument == field


def test_an_id_that_is_the_pat_is_refused_and_never_shown() -> None:
    pat = "0123456789abcdef0123456789abcdef"
    for field in ("user_id", "app_id"):
        values = {"pat": pat, "user_id": "me", "base_url": "http://127.0.0.1:1", field: pat}
        with pytest.raises(ConfigurationError, match="is the PAT") as caught:
            ClarifaiConfig(**values)
        assert pat not in str(caught.value)
    with pytest.raises(ConfigurationError) as caught:
        ClarifaiConfig(pat=PAT, user_id=pat + "/x", base_url="http://127.0.0.1:1")
    assert pat not in str(caught.value) and "looks like a token" in str(caught.value)
