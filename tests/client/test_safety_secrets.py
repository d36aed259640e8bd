"""The PAT never leaks, even when it is malformed (a pasted line break, a stray space or
control character): such a PAT must not end up in an error message, a log line or the
CLI's output, and must not be retried as if the network had failed."""

from __future__ import annotations

import logging
import uuid

import pytest

from connector.client import ClarifaiClient
from connector.errors import ConfigurationError


def _leaks(canary: str, exc: BaseException, caplog) -> list[str]:
    found = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if canary in str(exc) or canary in repr(exc):
            found.append(type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    found += [r.name for r in caplog.records if canary in r.getMessage()]
    return found


def test_surrounding_whitespace_is_ignored(client_config, emulator) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    emulator.admin.add_pat(canary)
    with ClarifaiClient(client_config.replace(pat=f"  {canary}\n")) as client:
        assert client.get_app()["id"] == client_config.app_id


@pytest.mark.parametrize("bad", ["{c}\x00", "{c}\nX-Other: 1", "ab {c}", "{c}\u2019"])
def test_malformed_pat_is_refused_without_echoing_it(client_config, emulator, caplog, bad) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    emulator.admin.clear_requests()
    with (
        pytest.raises(ConfigurationError, match="PAT") as info,
        ClarifaiClient(client_config.replace(pat=bad.format(c=canary))) as client,
    ):
        client.get_app()
    assert _leaks(canary, info.value, caplog) == []
    assert "retrying" not in caplog.text
    assert emulator.admin.requests() == []


def test_cli_prints_no_malformed_pat(emulator, tmp_path) -> None:
    from click.testing import CliRunner

    from connector.cli.main import main

    canary = f"canary-{uuid.uuid4().hex}"
    env = {
        "CLARIFAI_PAT": f"{canary}\x01",
        "CLARIFAI_API_BASE": emulator.base_url,
        "CLARIFAI_USER_ID": "demo",
        "CLARIFAI_APP_ID": "demo",
    }
    out = tmp_path / "datasets.parquet"
    result = CliRunner().invoke(main, ["export", "datasets", "--out", str(out), "--debug"], env=env)
    assert result.exit_code == 2, result.output
    assert canary not in result.output and "PAT" in result.output and not out.exists()
