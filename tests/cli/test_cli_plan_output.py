"""Plans are built lazily for output: the human listing builds no JSON at all, and
``--json`` streams the plan (same document as ``to_dict``, written piece by piece)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.common import EXIT_OK
from connector.operations import PrunePlan, SplitPlan
from connector.operations.base import Plan
from tests.support.scenarios import make_dataset, make_inputs


def run(args, env):
    return CliRunner().invoke(main, [*args, "--rate-limit", "0"], env=env, catch_exceptions=False)


SPLIT = ["split", "--dataset", "src", "--ratios", "train=0.6,test=0.4", "--seed", "7", "--dry-run"]


@pytest.fixture
def source(client):
    make_dataset(client, "src", make_inputs(client, 12))


def test_human_output_builds_no_json(env, source, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("the human listing must not serialize the plan")

    for name in ("to_dict", "to_json", "iter_json"):
        monkeypatch.setattr(Plan, name, refuse)
    result = run(SPLIT, env)
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.startswith("Plan: 12 to add, 0 to remove")
    assert "Dry run: nothing was changed." in result.stdout


def test_json_output_streams_the_plan_and_parses_to_to_dict(env, source, client, monkeypatch):
    from connector.operations import SplitSpec, plan_split

    def refuse(self, *args, **kwargs):
        raise AssertionError("--json must stream the plan, not build its whole dict")

    expected = plan_split(client, SplitSpec(dataset_id="src", ratios={"train": 0.6, "test": 0.4}, seed="7")).to_dict()
    monkeypatch.setattr(Plan, "to_dict", refuse)
    monkeypatch.setattr(Plan, "to_json", refuse)
    result = run([*SPLIT, "--json"], env)
    assert result.exit_code == EXIT_OK, result.output
    doc = json.loads(result.stdout)
    assert doc["plan"] == expected and doc["dry_run"] is True
    assert doc["result"]["dry_run"] is True and doc["result"]["counts"]["would_add"] == 12


def test_saved_plan_file_is_streamed_and_applies(env, source, client, monkeypatch, tmp_path):
    def refuse(self, *args, **kwargs):
        raise AssertionError("--plan-out must stream the plan")

    monkeypatch.setattr(Plan, "to_dict", refuse)
    saved = tmp_path / "plan.json"
    result = run([*SPLIT, "--plan-out", str(saved)], env)
    assert result.exit_code == EXIT_OK, result.output
    monkeypatch.undo()
    doc = json.loads(saved.read_text())
    assert doc["operation"] == "split" and len(doc["plan"]["rows"]) == 12
    applied = run(["apply", str(saved), "--yes"], env)
    assert applied.exit_code == EXIT_OK, applied.output
    assert list(client.list_dataset_inputs("src-train"))


def test_the_document_streamer_matches_json_dumps():
    from connector.operations.base import iter_document_json

    plan = PrunePlan(operation="prune", rows=[{"dataset_id": "d", "version_id": f"v{n}"} for n in range(3)])
    for indent in (None, 1, 2):
        doc = {"format": "x", "plan": plan, "result": None, "extra": {"a": [1, 2]}}
        expected = json.dumps({**doc, "plan": plan.to_dict()}, indent=indent)
        assert "".join(iter_document_json(doc, indent=indent)) == expected
    assert "".join(iter_document_json({})) == "{}"


@pytest.mark.parametrize("indent", [None, 0, 2, 4])
@pytest.mark.parametrize("rows", [0, 1, 499, 500, 1201])
def test_iter_json_is_the_documents_text(indent, rows):
    plan = SplitPlan(
        operation="split",
        rows=[{"input_id": f"i{n}", "stratum": None, "split": "train", "nested": {"a": [n, "é"]}} for n in range(rows)],
        spec={"ratios": {"train": 0.6}},
        targets={"train": "t"},
        members={"train": [f"i{n}" for n in range(rows)]},
        source_ids=None,
    )
    assert "".join(plan.iter_json(indent=indent)) == json.dumps(plan.to_dict(), indent=indent)
    for level in (1, 3):
        assert json.loads("".join(plan.iter_json(indent=indent, level=level))) == plan.to_dict()


def test_plans_round_trip_through_the_streamed_text(client):
    import io
    from datetime import timedelta

    from connector.operations import PrunePolicy, plan_cleanup, plan_prune
    from tests.support.scenarios import make_versions

    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}])
    for plan in (
        plan_prune(client, "ds", PrunePolicy(keep_last=1, max_delete_share=None)),
        plan_cleanup(client, timedelta(days=1)),
    ):
        out = io.StringIO()
        plan.write_json(out, indent=2)
        again = type(plan).from_json(out.getvalue())
        assert again.to_dict() == plan.to_dict()
