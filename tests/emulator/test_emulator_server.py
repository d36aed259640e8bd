"""Starting the emulator: ``python -m connector.emulator`` and its flags, the in-process
``EmulatorServer`` helper, and the server's building blocks."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from click.testing import CliRunner

from connector.emulator.options import (
    DEV_PAT,
    VALIDATE_ENV,
    EmulatorOptions,
    apply_options,
    validate_forced,
)
from connector.emulator.ratelimit import RateLimiter
from connector.emulator.runtime import EmulatorRuntime
from connector.emulator.server import banner
from connector.emulator.testing import EmulatorError, EmulatorServer, run_emulator
from connector.emulator.wire import body_code as _body_code
from tests.support.emulator_process import emulator_started


@contextmanager
def emulator_process(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[re.Match[str], str]]:
    """``python -m connector.emulator --port 0 --seed empty ... args`` until its ready
    line: the line's match and the output up to it."""
    with emulator_started("--seed", "empty", *args, env=env) as started:
        yield started.ready, started.output
        if validate_forced():  # the suite's switch reaches the command's process
            assert httpx.get(f"{started.url}/_emulator/options").json()["validate_responses"] is True


def test_module_entry_point_prints_its_url_and_serves() -> None:
    with emulator_process() as (ready, _):
        base, user, app, pat_text = ready.groups()
        assert (user, app) == ("demo", "demo")
        assert pat_text == f"PAT {DEV_PAT}"
        assert httpx.get(f"{base}/_emulator/health").json()["status"] == "ok"
        response = httpx.get(f"{base}/v2/users/demo/apps/demo/datasets", headers={"Authorization": f"Key {DEV_PAT}"})
        assert response.status_code == 200
        assert response.json()["status"]["code"] == 10000


def test_pat_from_the_environment_is_used_and_never_printed() -> None:
    secret = "env-secret-key-123"
    with emulator_process(env={"CLARIFAI_PAT": secret}) as (ready, output):
        base, _, _, pat_text = ready.groups()
        assert secret not in output
        assert "CLARIFAI_PAT" in pat_text
        url = f"{base}/v2/users/demo/apps/demo/datasets"
        assert httpx.get(url, headers={"Authorization": f"Key {secret}"}).status_code == 200
        assert httpx.get(url, headers={"Authorization": f"Key {DEV_PAT}"}).status_code == 401


def test_flags_reach_the_server() -> None:
    args = [
        "--user-id",
        "alice",
        "--app-id",
        "pets",
        "--status-as-names",
        "--rate-limit",
        "3",
        "--latency-ms",
        "1",
        "--random-seed",
        "9",
        "--fault-rate",
        "0",
        "--seed-inputs",
        "0",
        "--validate-responses",
        "--task-work-seconds",
        "5",
    ]
    with emulator_process(*args) as (ready, _):
        base, user, app, _ = ready.groups()
        assert (user, app) == ("alice", "pets")
        options = httpx.get(f"{base}/_emulator/options").json()
        assert options["status_as_names"] is True
        assert options["validate_responses"] is True
        assert options["rate_limit"] == 3
        assert options["random_seed"] == 9
        assert options["latency_ms"] == 1
        assert options["task_work_seconds"] == 5
        assert "pat" not in options
        response = httpx.get(f"{base}/v2/users/alice/apps/pets/datasets", headers={"Authorization": f"Key {DEV_PAT}"})
        assert response.json()["status"]["code"] == "SUCCESS"


def test_bad_flags_are_usage_errors() -> None:
    from connector.emulator.command import emulator

    result = CliRunner().invoke(emulator, ["--fault-rate", "2"])
    assert result.exit_code == 2
    assert "--fault-rate" in result.output
    result = CliRunner().invoke(emulator, ["--seed", "lots"])
    assert result.exit_code == 2


def test_help_lists_the_flags() -> None:
    from connector.emulator.command import emulator

    result = CliRunner().invoke(emulator, ["--help"])
    assert result.exit_code == 0
    for flag in (
        "--host",
        "--port",
        "--user-id",
        "--app-id",
        "--pat",
        "--seed",
        "--seed-inputs",
        "--latency-ms",
        "--rate-limit",
        "--fault-rate",
        "--random-seed",
        "--status-as-names",
        "--validate-responses",
    ):
        assert flag in result.output


def test_emulator_server_starts_and_stops_cleanly() -> None:
    before = set(threading.enumerate())
    server = EmulatorServer(seed="empty", seed_inputs=0, hang_seconds=30.0)
    with server:
        assert server.running
        assert server.base_url.startswith("http://127.0.0.1:") and server.port > 0
        config = server.client_config(rate_limit=0)
        assert config.base_url == server.base_url and config.user_id == "demo"
        assert "emulator-dev" not in repr(config)
        assert server.env()["CLARIFAI_API_BASE"] == server.base_url
        # a request held by a long "hang" must not keep the server from stopping
        server.admin.script_fault("hang")
        failures: list[BaseException] = []

        def held_request() -> None:
            try:
                httpx.get(
                    f"{server.base_url}/v2/users/demo/apps/demo/datasets",
                    headers={"Authorization": f"Key {server.pat}"},
                    timeout=60,
                )
            except httpx.TransportError as exc:
                failures.append(exc)

        held = threading.Thread(target=held_request)
        held.start()
        for _ in range(200):  # wait (bounded) until the held request is logged as arrived
            if server.admin.faults()["scripted"] == []:
                break
            threading.Event().wait(0.01)
    held.join(30)
    assert not held.is_alive()
    assert len(failures) == 1, "the held request must end with a transport error when the server stops"
    assert not server.running
    assert set(threading.enumerate()) <= before
    server.stop()  # idempotent


def test_run_emulator_serves_the_demo_seed() -> None:
    with run_emulator(seed="demo", seed_inputs=30) as server:
        response = httpx.get(
            f"{server.base_url}/v2/users/demo/apps/demo/inputs",
            headers={"Authorization": f"Key {server.pat}"},
            params={"per_page": 1000},
        )
        assert response.status_code == 200
        assert len(response.json()["inputs"]) == 30


def test_reset_cuts_the_connection_with_each_available_http_implementation() -> None:
    import importlib.util

    implementations = ["h11"] + (["httptools"] if importlib.util.find_spec("httptools") else [])
    for implementation in implementations:
        with EmulatorServer(seed="empty", seed_inputs=0, http=implementation) as server:
            server.admin.script_fault("reset")
            with pytest.raises(httpx.RemoteProtocolError):
                httpx.get(
                    f"{server.base_url}/v2/users/demo/apps/demo/datasets",
                    headers={"Authorization": f"Key {server.pat}"},
                )
            assert server.admin.requests()[-1]["fault"] == "reset"


# -- building blocks ---------------------------------------------------------------------
def test_rate_limiter_token_bucket() -> None:
    limiter = RateLimiter(2.0)  # burst defaults to max(1, rate) = 2
    assert [limiter.allow("a", now=100.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("b", now=100.0)  # separate bucket per account
    assert limiter.allow("a", now=100.5)  # one token refilled after half a second
    assert not limiter.allow("a", now=100.5)
    slow = RateLimiter(0.5)
    assert slow.burst == 1
    assert RateLimiter(0).allow("a") and RateLimiter(0).allow("a")
    with pytest.raises(ValueError, match="rate must not be negative"):
        RateLimiter(-1)


def test_body_code_reads_ints_and_names() -> None:
    assert _body_code(b'{"status": {"code": 10000, "description": "Ok"}}') == 10000
    assert _body_code(b'{"status":{"code":"MIXED_STATUS"}}') == "MIXED_STATUS"
    assert _body_code(b'{"inputs": [], "status": {"description": "x", "code": 11005}}') == 11005
    assert _body_code(b"not json") is None


def test_apply_options_checks_everything_before_changing_anything() -> None:
    options = EmulatorOptions()
    with pytest.raises(ValueError, match="'status_as_names' must be true or false"):
        apply_options(options, {"latency_ms": 5, "status_as_names": "yes"})
    assert options.latency_ms == 0
    apply_options(options, {"latency_ms": 5, "seed_inputs": 10.0, "status_as_names": True})
    assert (options.latency_ms, options.seed_inputs, options.status_as_names) == (5.0, 10, True)
    with pytest.raises(ValueError, match="seed must be 'demo', 'showcase' or 'empty'"):
        apply_options(options, {"seed": "random"})


def test_banner_shows_only_the_development_key() -> None:
    assert DEV_PAT in banner(EmulatorOptions(), "http://127.0.0.1:1")
    text = banner(EmulatorOptions(pat="real-looking-secret"), "http://127.0.0.1:1")
    assert "real-looking-secret" not in text and "CLARIFAI_PAT" in text


# -- response validation everywhere ------------------------------------------------------
def test_the_suite_validates_every_emulator_it_starts() -> None:
    assert validate_forced(), f"tests/conftest.py sets {VALIDATE_ENV}"
    server = EmulatorServer(seed="empty", seed_inputs=0, validate_responses=False)
    assert server.options.validate_responses is True  # the environment wins


def test_validation_env_reaches_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from connector.emulator import command as emulator_cmd

    seen = {}
    monkeypatch.setattr("connector.emulator.server.run", lambda options, **kw: seen.setdefault("options", options))
    monkeypatch.setenv(VALIDATE_ENV, "1")
    assert CliRunner().invoke(emulator_cmd.emulator, ["--port", "0"]).exit_code == 0
    assert seen["options"].validate_responses is True
    seen.clear()
    monkeypatch.setenv(VALIDATE_ENV, "0")
    assert CliRunner().invoke(emulator_cmd.emulator, ["--port", "0"]).exit_code == 0
    assert seen["options"].validate_responses is False


def test_a_violation_fails_the_with_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from connector.emulator import handlers

    monkeypatch.setitem(handlers.HANDLERS, "ListConcepts", lambda ctx: {"concepts": [{"id": "c", "not_a_field": 1}]})
    with pytest.raises(EmulatorError, match="not_a_field"):  # noqa: PT012, SIM117 - raised on leaving the inner block
        with EmulatorServer(seed="empty", seed_inputs=0, validate_responses=True) as server:
            response = httpx.get(
                f"{server.base_url}/v2/users/demo/apps/demo/concepts", headers={"Authorization": f"Key {server.pat}"}
            )
            assert response.status_code == 500 and "not_a_field" in response.json()["status"]["details"]
            assert server.violations()[0]["rpc"] == "ListConcepts"
    assert not server.running


def _scope(fault: str | None = None, answered: bool = False) -> dict:
    scope = {"type": "http", "method": "GET", "path": "/v2/users/demo/apps/demo/datasets", "emulator.fault": fault}
    if answered:
        scope["emulator.answered"] = True
    return scope


def test_answers_made_outside_the_api_are_checked_too() -> None:
    runtime = EmulatorRuntime(EmulatorOptions(seed="empty", seed_inputs=0, validate_responses=True))
    ok = b'{"status": {"code": 11005, "description": "throttled", "req_id": "r"}}'
    runtime.check_answer(_scope("http_429"), 429, b"application/json", ok)
    runtime.check_answer(_scope(), 429, b"application/json", ok)  # the rate limiter's answer
    runtime.check_answer(_scope("http_503_html"), 503, b"text/html", b"<html>503</html>")
    runtime.check_answer(_scope(answered=True), 200, b"application/json", b'{"anything": 1}')  # the API checked it
    assert runtime.state.violations == []
    runtime.check_answer(_scope(), 405, b"text/plain", b"Method Not Allowed")
    runtime.check_answer(
        _scope("http_500_internal"), 500, b"application/json", b'{"status": {"code": 98004, "colour": 1}}'
    )
    runtime.check_answer(_scope(), 429, b"application/json", b'{"status": {"code": 11005}, "extra": []}')
    errors = [v["error"] for v in runtime.state.violations]
    assert len(errors) == 3 and "not JSON" in errors[0] and "colour" in errors[1] and "extra" in errors[2]
    assert all(v["rpc"] == "ListDatasets" for v in runtime.state.violations)
    runtime.set_options({"validate_responses": False})
    runtime.check_answer(_scope(), 405, b"text/plain", b"Method Not Allowed")
    assert len(runtime.state.violations) == 3
