"""The Python example under a real Dagster instance: ``dagster dev`` (webserver, daemon,
code server) on a temporary DAGSTER_HOME. A labeling task is created by launching the
example's job through the UI's GraphQL; once the emulator marks it done, the task sensor
ticks by itself and the export run it requests succeeds. The whole time, a canary PAT is
searched for in what the UI's GraphQL shows (run configs, tags, event logs, metadata, the
resource's configured values), in the instance's files and in the console output.
Every process started is killed at the end, whatever happened."""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.emulator.testing import EmulatorServer
from tests.dagster.helpers import PIPELINE

BIN = Path(sys.executable).parent
#: Bounds of each wait (the machine may be busy: each run starts a few Python processes).
START_TIMEOUT = 180.0
RUN_TIMEOUT = 180.0

DAGSTER_YAML = """
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
concurrency:
  pools:
    default_limit: 3
"""

RUNS = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId jobName status runConfigYaml tags { key value } } }
  }
}"""

LOGS = """
query Logs($runId: ID!) {
  logsForRun(runId: $runId) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message level }
        ... on ExecutionStepFailureEvent { error { message stack } }
        ... on MaterializationEvent { metadataEntries { __typename label description
          ... on TextMetadataEntry { text } ... on MarkdownMetadataEntry { mdStr }
          ... on JsonMetadataEntry { jsonString } ... on PathMetadataEntry { path } } }
        ... on ExecutionStepOutputEvent { metadataEntries { __typename label
          ... on TextMetadataEntry { text } ... on JsonMetadataEntry { jsonString } } }
      }
    }
  }
}"""

WORKSPACE = """
query {
  workspaceOrError {
    __typename
    ... on Workspace { locationEntries { name loadStatus
      locationOrLoadError { __typename ... on RepositoryLocation { repositories { name } }
                            ... on PythonError { message } } } }
  }
}"""

RESOURCE = """
query Resource($selector: ResourceSelector!) {
  topLevelResourceDetailsOrError(resourceSelector: $selector) {
    __typename
    ... on ResourceDetails { name configuredValues { key value type } }
  }
}"""

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(what: str, probe: Callable[[], Any], timeout: float, proc: subprocess.Popen[bytes]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dagster dev exited ({proc.returncode}) while waiting for {what}")
        value = probe()
        if value:
            return value
        time.sleep(1.0)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


class UI:
    """The webserver's GraphQL endpoint."""

    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0)
        self.answers: list[str] = []  # every GraphQL answer, for the canary

    def query(self, text: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": text, "variables": variables})
        response.raise_for_status()
        self.answers.append(response.text)
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def up(self) -> bool:
        try:
            return self.http.get("/server_info").status_code == 200
        except httpx.HTTPError:
            return False

    def runs(self, **tags: str) -> list[dict[str, Any]]:
        flt = {"tags": [{"key": k, "value": v} for k, v in tags.items()]} if tags else {}
        data = self.query(RUNS, filter=flt)["runsOrError"]
        assert data["__typename"] == "Runs", data
        return list(data["results"])


@pytest.fixture
def dagster_dev(demo: EmulatorServer, tmp_path: Path) -> Iterator[tuple[UI, dict[str, Any]]]:
    canary = f"canary-pat-{secrets.token_hex(12)}"
    demo.admin.reset(seed="demo", seed_inputs=200, pat=canary)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    storage = tmp_path / "parquet"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLARIFAI_", "DAGSTER_"))}
    env.update(demo.env())
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "DAGSTER_HOME": str(home),
            "CLARIFAI_STORAGE": str(storage),
            "CLARIFAI_SENSOR_INTERVAL": "5",
        }
    )
    console = tmp_path / "console.log"
    with console.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "dagster"), "dev", "-f", str(PIPELINE), "-p", str(port), "-h", "127.0.0.1"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: webserver, daemon, code server, runs
        )
    ui = UI(port)
    try:
        yield ui, {"canary": canary, "home": home, "storage": storage, "console": console, "proc": proc}
    finally:
        ui.http.close()
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group of ``dagster dev`` (it shuts its children down), then
    SIGKILL whatever is left of that group."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _finished(ui: UI, run_id: str) -> dict[str, Any] | None:
    (run,) = [r for r in ui.runs() if r["runId"] == run_id]
    return run if run["status"] in ("SUCCESS", "FAILURE", "CANCELED") else None


@pytest.mark.timeout(600)
def test_sensor_ticks_under_the_daemon_and_its_run_succeeds(
    dagster_dev: tuple[UI, dict[str, Any]], demo: EmulatorServer
) -> None:
    ui, ctx = dagster_dev
    proc: subprocess.Popen[bytes] = ctx["proc"]
    _wait_for("the webserver", ui.up, START_TIMEOUT, proc)

    def location() -> dict[str, Any] | None:
        entries = ui.query(WORKSPACE)["workspaceOrError"]["locationEntries"]
        loaded = [e for e in entries if e["loadStatus"] == "LOADED"]
        return loaded[0] if loaded else None

    entry = _wait_for("the code location", location, START_TIMEOUT, proc)
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
    selector = {"repositoryLocationName": entry["name"], "repositoryName": "__repository__"}

    # 1. Create a labeling task by launching the example's job, as a user would in the UI.
    launched = ui.query(
        LAUNCH, params={"selector": {**selector, "jobName": "clarifai_create_task_job"}, "runConfigData": {}}
    )
    assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
    create_run = launched["launchRun"]["run"]["runId"]
    run = _wait_for("the create-task run", lambda: _finished(ui, create_run), RUN_TIMEOUT, proc)
    assert run["status"] == "SUCCESS", run
    task_id = {t["key"]: t["value"] for t in run["tags"]}["clarifai/task_id"]

    # 2. The labelers work, the task is done: the sensor (running by default) fires.
    with ClarifaiClient(demo.client_config()) as client:
        client.post_annotations(
            [
                {
                    "id": "daemon-ann-1",
                    "input_id": "img-000003",
                    "task_id": task_id,
                    "data": {"concepts": [{"id": "cat", "value": 1}]},
                }
            ]
        )
    demo.admin.set_task_progress(task_id, status="TASK_DONE")

    def export_run() -> dict[str, Any] | None:
        runs = [r for r in ui.runs(**{"clarifai/task_id": task_id}) if r["runId"] != create_run]
        done = [r for r in runs if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        return done[0] if done else None

    export = _wait_for("the run the task sensor requests", export_run, RUN_TIMEOUT, proc)
    assert export["status"] == "SUCCESS", export
    tags = {t["key"]: t["value"] for t in export["tags"]}
    assert tags["dagster/sensor_name"] == "clarifai_task_sensor"
    assert tags["dagster/partition"] == task_id
    exported = ctx["storage"] / "clarifai" / "task_annotations" / f"{task_id}.parquet"
    import pyarrow.parquet as pq

    assert pq.read_table(exported).column("id").to_pylist() == ["daemon-ann-1"]
    assert any(r["rpc"] == "ListAnnotations" and f"task_id={task_id}" in r["query"] for r in demo.admin.requests())
    assert [m["rpc"] for m in demo.admin.mutations()] == ["PostTasks", "PostAnnotations"]

    # 3. The canary: not in what the UI shows, not on disk, not on the console.
    canary: str = ctx["canary"]
    for run in ui.runs():
        assert canary not in run["runConfigYaml"]
        logs = ui.query(LOGS, runId=run["runId"])["logsForRun"]
        assert logs["__typename"] == "EventConnection" and logs["events"]
    resource = ui.query(RESOURCE, selector={**selector, "resourceName": "clarifai"})["topLevelResourceDetailsOrError"]
    values = {v["key"]: v for v in resource["configuredValues"]}
    assert (values["pat"]["type"], values["pat"]["value"]) == ("ENV_VAR", "CLARIFAI_PAT")
    assert ui.answers and not [a for a in ui.answers if canary in a]
    needle = canary.encode()
    assert [str(p) for p in ctx["home"].rglob("*") if p.is_file() and needle in p.read_bytes()] == []
    assert needle not in ctx["console"].read_bytes()
    assert json.dumps(export)  # the runs were read through GraphQL above
