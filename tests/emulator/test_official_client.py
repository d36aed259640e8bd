"""The official clarifai-grpc JSON client works against the emulator.

The official client's JSON channel needs protobuf < 7, so the scenario runs in its own
small virtualenv ``.venv-official`` (``make official-venv``; clarifai-grpc with
``protobuf>=6,<7``). Without that environment the test is skipped locally and fails
under CI (``CI`` set).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from connector.emulator.testing import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).resolve().parent / "official_client_scenario.py"


def _official_python() -> Path | None:
    for candidate in (ROOT / ".venv-official" / "bin" / "python", ROOT / ".venv-official" / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    return None


@pytest.mark.parametrize("status_as_names", [False, True], ids=["codes-as-numbers", "codes-as-names"])
def test_official_json_client_scenario(emulator: EmulatorServer, status_as_names: bool) -> None:
    emulator.admin.set_options(status_as_names=status_as_names)
    python = _official_python()
    if python is None:
        message = "the official-client environment .venv-official is missing (create it with `make official-venv`)"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(message)
        pytest.skip(message)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CLARIFAI_", "VIRTUAL_ENV"))}
    env["CLARIFAI_PAT"] = emulator.pat
    result = subprocess.run(
        [str(python), str(SCENARIO), emulator.base_url, "--user-id", emulator.user_id, "--app-id", emulator.app_id],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=str(ROOT),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the official client scenario failed:\n{output}"
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("SCENARIO OK"), output
    calls = int(last.split()[2])
    assert calls >= 20
    # every call the scenario made reached the emulator and none was faulted
    logged = emulator.admin.requests()
    assert len(logged) == calls
    assert all(entry["fault"] is None and entry["http_status"] == 200 for entry in logged)
    assert {entry["code"] for entry in logged} == {"SUCCESS" if status_as_names else 10000}
    assert {
        "PostDatasets",
        "PostDatasetVersions",
        "PostDatasetInputs",
        "PostInputs",
        "PostTasks",
        "PostBulkOperations",
        "ListDatasetInputs",
    } <= {entry["rpc"] for entry in logged}
