"""The hook: connection fields to client config, the sync and async paths, masking,
and test_connection against the emulator."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from airflow_provider.hooks.clarifai import ClarifaiHook, api_base_url, config_from_connection
from connector.errors import ConfigurationError
from tests.airflow.conftest import CANARY_PAT, connection_json


def _config(**extras: Any) -> Any:
    return config_from_connection("c", host="https://api.example.com", password="a-pat-123456", extras=extras)


def test_connection_fields_map_to_the_client_config() -> None:
    config = config_from_connection(
        "c",
        host="api.example.com/",
        password="a-pat-123456",
        extras={
            "user_id": "me",
            "extra__clarifai__app_id": "my-app",
            "rate_limit": "7.5",
            "timeout": 12,
            "retry_max_attempts": "2",
            "retry_max_elapsed": 30,
        },
    )
    assert config.pat.reveal() == "a-pat-123456"
    assert (config.user_id, config.app_id, config.base_url) == ("me", "my-app", "https://api.example.com")
    assert config.rate_limit == 7.5 and config.timeouts.read == 12 and config.timeouts.write == 12
    assert (config.retry.max_attempts, config.retry.max_elapsed) == (2, 30)


def test_defaults_and_overrides() -> None:
    config = _config(user_id="me", app_id="a")
    assert config.rate_limit == 15 and config.retry.max_attempts == 6
    assert api_base_url(None) == api_base_url("  ") == "https://api.clarifai.com"
    assert api_base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    overridden = config_from_connection(
        "c", host=None, password="p-123456", extras={"user_id": "me", "app_id": "a"}, app_id="b", rate_limit=0
    )
    assert overridden.app_id == "b" and overridden.rate_limit == 0


@pytest.mark.parametrize(
    ("password", "extras", "message"),
    [
        (
            None,
            {"user_id": "me"},
            "connection 'c' has no PAT: put the Clarifai personal access token in its password field",
        ),
        ("secret-value-9", {}, "connection 'c' has no user id: set the extra field 'user_id'"),
        (
            "secret-value-9",
            {"user_id": "me", "rate_limit": "fast"},
            "connection 'c': extra 'rate_limit' must be a number, got 'fast'",
        ),
        (
            "secret-value-9",
            {"user_id": "me", "timeout": -1},
            "connection 'c': extra 'timeout' must not be negative, got -1",
        ),
    ],
)
def test_bad_connections_name_the_field_never_the_pat(
    password: str | None, extras: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        config_from_connection("c", host=None, password=password, extras=extras)
    assert str(info.value) == message
    assert "secret-value-9" not in str(info.value)


def test_plain_http_to_a_remote_host_is_refused_unless_allowed() -> None:
    with pytest.raises(ConfigurationError, match="connection 'c': refusing to send the PAT over plain http"):
        config_from_connection("c", host="http://api.example.com", password="p-123456", extras={"user_id": "u"})
    allowed = config_from_connection(
        "c", host="http://api.example.com", password="p-123456", extras={"user_id": "u", "allow_insecure_http": "true"}
    )
    assert allowed.base_url == "http://api.example.com"


def test_hook_reads_the_connection_sync_and_async_and_masks_the_pat(
    clarifai_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk._shared.secrets_masker import redact

    monkeypatch.setenv(
        "AIRFLOW_CONN_CLARIFAI_DEFAULT", connection_json(clarifai_env, portal_url="https://portal.test/")
    )
    hook = ClarifaiHook(app_id="other-app")
    config = hook.get_config()
    assert config.pat.reveal() == CANARY_PAT and config.base_url == clarifai_env.base_url
    assert config.app_id == "other-app" and hook.portal_url == "https://portal.test"
    assert redact(f"x {CANARY_PAT} y") == "x *** y"
    aconfig = asyncio.run(ClarifaiHook().aget_config())
    assert (aconfig.user_id, aconfig.app_id, aconfig.pat.reveal()) == ("demo", "demo", CANARY_PAT)
    assert clarifai_env.admin.requests() == []  # reading a connection calls no API


def test_get_conn_keeps_one_client_until_closed(clarifai_env: Any) -> None:
    hook = ClarifaiHook()
    client = hook.get_conn()
    assert hook.get_conn() is client
    assert client.get_dataset("cats-dogs")["id"] == "cats-dogs"
    hook.close()
    assert hook.get_conn() is not client
    hook.close()


def test_test_connection_good_key(clarifai_env: Any) -> None:
    ok, message = ClarifaiHook().test_connection()
    assert ok, message
    assert message == f"Connected to Clarifai at {clarifai_env.base_url}: app 'demo' of user 'demo'"
    assert [r["rpc"] for r in clarifai_env.admin.requests()] == ["GetApp"]


def test_test_connection_bad_key(clarifai_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = json.loads(connection_json(clarifai_env))
    bad["password"] = "wrong-key-0000000"
    monkeypatch.setenv("AIRFLOW_CONN_CLARIFAI_DEFAULT", json.dumps(bad))
    ok, message = ClarifaiHook().test_connection()
    assert not ok
    assert message.startswith("Clarifai refused the key (CONN_KEY_INVALID, HTTP 401, req_id=")
    assert message.endswith("check the PAT in the connection's password field and that it may access this user/app")
    assert "wrong-key" not in message
    assert len(clarifai_env.admin.requests()) == 1  # an auth failure is not retried


def test_test_connection_unknown_app_and_no_app(clarifai_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ok, message = ClarifaiHook(app_id="no-such-app").test_connection()
    assert not ok and message.startswith("Clarifai knows no such app or user (")
    conn = json.loads(connection_json(clarifai_env))
    del conn["extra"]["app_id"]
    monkeypatch.setenv("AIRFLOW_CONN_CLARIFAI_DEFAULT", json.dumps(conn))
    ok, message = ClarifaiHook().test_connection()
    assert ok and message.endswith("user 'demo' (no app id set)")


def test_test_connection_reports_a_missing_pat(clarifai_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = json.loads(connection_json(clarifai_env))
    conn["password"] = ""
    monkeypatch.setenv("AIRFLOW_CONN_CLARIFAI_DEFAULT", json.dumps(conn))
    assert ClarifaiHook().test_connection() == (
        False,
        "connection 'clarifai_default' has no PAT: put the Clarifai personal access token in its password field",
    )
