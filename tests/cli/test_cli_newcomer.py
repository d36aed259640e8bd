"""A newcomer's first minutes: the emulator's banner gives one line to paste, the app's
datasets and tasks can be listed, and a mistyped inventory, dataset or task id gets a
"did you mean"."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.common import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from tests.support.cli import cli_env
from tests.support.emulator_process import clean_environ, emulator_started


@pytest.fixture
def env(emulator):
    emulator.admin.reset(seed="demo", seed_inputs=20)
    return cli_env(emulator)


def run(args, env):
    return CliRunner().invoke(main, [*args, "--rate-limit", "0"], env=env, catch_exceptions=False)


def test_the_banner_export_line_is_all_a_shell_needs(tmp_path):
    """Start the emulator, paste the banner's ``export`` line into a shell that has no
    CLARIFAI_* variable, and a command works."""
    bash = shutil.which("bash")
    if bash is None:  # pragma: no cover - every supported system has one
        pytest.skip("needs bash")
    clean = clean_environ()
    with emulator_started("--seed", "demo", "--seed-inputs", "5") as started:
        lines = [started.output, *(started.stdout.readline() for _ in range(3))]
        exports = [line.strip() for line in "".join(lines).splitlines() if line.strip().startswith("export ")]
        assert len(exports) == 1, lines
        line = exports[0]
        for name in ("CLARIFAI_API_BASE", "CLARIFAI_PAT", "CLARIFAI_USER_ID", "CLARIFAI_APP_ID"):
            assert f"{name}=" in line
        cli = Path(sys.executable).with_name("clarifai-connector")
        done = subprocess.run(
            [bash, "-c", f"{line}\n{cli} datasets list --json"],
            env=clean,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert [d["id"] for d in json.loads(done.stdout)] == ["cats-dogs", "products", "street-scenes"]


def test_the_banner_shows_a_pat_only_when_it_is_the_development_key():
    from connector.emulator.options import DEV_PAT, EmulatorOptions
    from connector.emulator.server import banner

    dev = banner(EmulatorOptions(), "http://127.0.0.1:8080")
    assert f"export CLARIFAI_API_BASE=http://127.0.0.1:8080 CLARIFAI_PAT={DEV_PAT} " in dev
    secret = banner(EmulatorOptions(pat="a-real-looking-secret"), "http://127.0.0.1:8080", "CLARIFAI_PAT")
    assert "a-real-looking-secret" not in secret
    assert re.search(r"^  export CLARIFAI_API_BASE=\S+ CLARIFAI_USER_ID=demo CLARIFAI_APP_ID=demo  #", secret, re.M)


def test_datasets_list_and_tasks_list(env):
    datasets = run(["datasets", "list"], env)
    assert datasets.exit_code == EXIT_OK, datasets.stderr
    lines = datasets.stdout.splitlines()
    assert lines[0].split()[:2] == ["dataset", "description"]
    assert [line.split()[0] for line in lines[2:]] == ["cats-dogs", "products", "street-scenes"]
    as_json = json.loads(run(["datasets", "list", "--json"], env).stdout)
    assert [d["id"] for d in as_json] == ["cats-dogs", "products", "street-scenes"]
    assert as_json[0]["description"] == "Pets photographed at home"

    tasks = json.loads(run(["--json", "tasks", "list"], env).stdout)
    by_id = {t["id"]: t for t in tasks}
    assert set(by_id) == {"label-pets", "review-products", "street-backlog"}
    assert by_id["label-pets"]["status"] == "TASK_IN_PROGRESS" and by_id["label-pets"]["concept_ids"] == ["cat", "dog"]
    assert by_id["review-products"]["input_source_id"] == "products"
    human = run(["tasks", "list"], env)
    assert re.search(r"^label-pets\s+label pets\s+IN_PROGRESS\s+DATASET cats-dogs\s+cat, dog", human.stdout, re.M)


@pytest.mark.parametrize(
    ("args", "code", "hint"),
    [
        (["export", "dataset", "--out", "x.csv"], EXIT_USAGE, "did you mean 'datasets'?"),
        (["export", "model-version", "--out", "x.csv"], EXIT_USAGE, "did you mean 'model_versions'?"),
        (["export", "dataset_versions", "--dataset", "cats-dog", "--out", "x.csv"], EXIT_NOT_FOUND, "'cats-dogs'"),
        (["prune", "--dataset", "product", "--keep-last", "1", "--dry-run"], EXIT_NOT_FOUND, "'products'"),
        (["split", "--dataset", "street-scene", "--dry-run"], EXIT_NOT_FOUND, "'street-scenes'"),
        (["tasks", "watch", "label-pet", "--once"], EXIT_NOT_FOUND, "did you mean 'label-pets'?"),
        (["tasks", "update", "review-product", "--worker", "x", "--dry-run"], EXIT_NOT_FOUND, "'review-products'"),
        (["tasks", "create", "--name", "n", "--concept", "c", "--worker", "w", "--dataset", "cats"], 4, "'cats-dogs'"),
    ],
)
def test_did_you_mean(env, tmp_path, args, code, hint):
    result = run([a.replace("x.csv", str(tmp_path / "x.csv")) for a in args], env)
    assert result.exit_code == code, result.output
    assert hint in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_no_suggestion_when_nothing_is_close(env):
    result = run(["tasks", "watch", "zzzz", "--once"], env)
    assert result.exit_code == EXIT_NOT_FOUND and "did you mean" not in result.stderr
