"""Train/test splits against the emulator: dry run, apply, rerun, growth, exact mode,
stratification, groups, server mode, snapshots, leakage check, bad arguments."""

from __future__ import annotations

import json

import pytest

from connector.errors import ValidationError, VerificationError
from connector.operations import SplitSpec, plan_split, split
from connector.operations.split import apply_split, assign, read_source
from tests.support.scenarios import make_dataset, make_inputs, writes


def _members(client, dataset_id):
    return sorted(i["input"]["id"] for i in client.list_dataset_inputs(dataset_id))


@pytest.fixture
def source(client, emulator):
    ids = make_inputs(client, 30, groups=6)
    make_dataset(client, "src", ids)
    emulator.admin.clear_requests()
    return ids


def test_dry_run_apply_and_rerun(client, emulator, source):
    spec = SplitSpec(dataset_id="src", ratios={"train": 0.7, "test": 0.2, "validation": 0.1}, seed="s1")
    plan, result = split(client, spec, dry_run=True)
    assert result.dry_run and writes(emulator) == []
    assert plan.create_datasets == ["src-train", "src-test", "src-validation"]
    assert sum(len(v) for v in plan.members.values()) == 30
    assert plan.to_dataframe()["action"].eq("add").all()
    json.dumps(plan.to_dict())

    plan, result = split(client, spec)
    for name, members in plan.members.items():
        assert _members(client, f"src-{name}") == members
    assert result.counts["added"] == 30 and result.counts["datasets_created"] == 3
    assert sum(result.details["per_split"].values()) == 30
    assert set(result.details["per_concept"]) == {"cat", "dog", "bird"}

    emulator.admin.clear_requests()
    plan2, result2 = split(client, spec)
    assert writes(emulator) == [] and result2.counts["added"] == 0
    assert plan2.members == plan.members


def test_growth_adds_new_inputs_and_never_moves_old_ones(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="g")
    before, _ = split(client, spec)
    new = make_inputs(client, 10, prefix="new")
    client.post_dataset_inputs("src", new)
    after, result = split(client, spec)
    assert result.counts["added"] == 10
    for name, members in before.members.items():
        assert set(members) <= set(after.members[name])
    # The same assignment on another "machine": the pure function agrees with the targets.
    items = read_source(client, spec)
    pure = assign(items, spec.ordered_ratios(), seed="g")
    for name in ("train", "test"):
        assert _members(client, f"src-{name}") == sorted(i for i, s in pure.items() if s == name)


def test_exact_mode_removes_what_does_not_belong(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="x", mode="exact")
    split(client, spec)
    train = _members(client, "src-train")
    test = _members(client, "src-test")
    # Someone puts a train input into test and a foreign input into train.
    client.post_dataset_inputs("src-test", [train[0]])
    stray = make_inputs(client, 1, prefix="stray")
    client.post_dataset_inputs("src-train", stray)
    _plan, result = split(client, spec)
    assert result.counts["removed"] == 2
    assert _members(client, "src-train") == train and _members(client, "src-test") == test
    # Incremental mode would have refused to move anything and flagged the leak instead.


def test_incremental_mode_fails_loudly_on_leakage(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="x")
    split(client, spec)
    train = _members(client, "src-train")
    client.post_dataset_inputs("src-test", [train[0]])
    with pytest.raises(VerificationError, match="leakage"):
        split(client, spec)


def test_stratified_and_grouped(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="st", stratify=True, ratios={"train": 0.5, "test": 0.5})
    _plan, result = split(client, spec)
    for concept, counts in result.details["per_concept"].items():
        assert abs(counts.get("train", 0) - counts.get("test", 0)) <= 1, concept
    gspec = SplitSpec(dataset_id="src", seed="gr", group_by="subject", targets={"train": "g-train", "test": "g-test"})
    split(client, gspec)
    subject = {i["id"]: i["data"]["metadata"]["subject"] for i in client.list_inputs()}
    train_subjects = {subject[i] for i in _members(client, "g-train")}
    test_subjects = {subject[i] for i in _members(client, "g-test")}
    assert not train_subjects & test_subjects


def test_app_source_with_concept_filter(client, emulator, source):
    spec = SplitSpec(app=True, concepts=("cat",), seed="a", targets={"train": "cats-train", "test": "cats-test"})
    plan, _ = split(client, spec)
    assert plan.source_count == 10
    assert len(_members(client, "cats-train")) + len(_members(client, "cats-test")) == 10


def test_snapshot_creates_deterministic_ready_versions(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="snap", snapshot=True, run_key="run-1")
    _, result = split(client, spec)
    versions = result.ids["versions"]
    assert len(versions) == 2
    for ref in versions:
        ds, vid = ref.split("/")
        v = client.get_dataset_version(ds, vid)
        assert v["status"]["code"] in (64015, "DATASET_VERSION_READY")
    emulator.admin.clear_requests()
    _, again = split(client, spec)
    assert again.ids["versions"] == versions and writes(emulator) == []


def test_a_snapshots_version_id_follows_the_run_key_and_no_run_key_is_its_own(client, emulator, source):
    """The same members snapshot under another id for each run key, and without one
    under an id no run key shares (so a run key can never adopt another run's version)."""
    ids = []
    for run_key in (None, "XXXX", "run-2"):
        _, result = split(client, SplitSpec(dataset_id="src", seed="snap", snapshot=True, run_key=run_key))
        ids.append(result.ids["versions"])
    assert len({tuple(v) for v in ids}) == 3
    targets = {ref.split("/")[0] for ref in ids[0]}
    assert targets == {ref.split("/")[0] for v in ids for ref in v} and len(targets) >= 2
    for dataset_id in targets:
        assert len(list(client.list_dataset_versions(dataset_id))) == 3


def test_dataset_version_source(client, emulator, source):
    client.post_dataset_versions("src", [{"id": "sv1"}])
    from connector.operations.waits import wait_dataset_version

    wait_dataset_version(client, "src", "sv1", timeout=10, interval=0.02)
    plan, _ = split(client, SplitSpec(dataset_id="src", version_id="sv1", seed="v"), dry_run=True)
    assert plan.source_count == 30
    client.post_dataset_inputs("src", make_inputs(client, 1, prefix="late"))
    with pytest.raises(ValidationError, match="changed since version"):
        plan_split(client, SplitSpec(dataset_id="src", version_id="sv1", seed="v"))


def test_server_mode_bulk_split(client, emulator, source):
    spec = SplitSpec(dataset_id="src", mode="server", run_key="r1", ratios={"train": 0.8, "test": 0.2})
    plan, _result = split(client, spec, timeout=30)
    assert plan.bulk_operation_id and not plan.bulk_operation_exists
    train, test = _members(client, "src-train"), _members(client, "src-test")
    assert len(train) + len(test) == 30 and not set(train) & set(test)
    emulator.admin.clear_requests()
    plan2, _ = split(client, spec, timeout=30)
    assert plan2.bulk_operation_exists and writes(emulator) == []
    with pytest.raises(ValidationError, match="needs empty targets"):
        split(client, SplitSpec(dataset_id="src", mode="server", run_key="r2"))


def _source_reads(emulator, rpc, path_end):
    return [r for r in emulator.admin.requests() if r["rpc"] == rpc and r["path"].endswith(path_end)]


def test_server_mode_app_source_reads_the_source_once(client, emulator, source):
    spec = SplitSpec(app=True, mode="server", run_key="app1", ratios={"train": 0.5, "test": 0.5})
    plan = plan_split(client, spec)
    assert plan.source_ids == sorted(source)
    emulator.admin.clear_requests()
    result = apply_split(client, plan, timeout=30)
    # The plan's ids are the bulk operation's input ids and what the verification uses.
    assert [r for r in emulator.admin.requests() if r["rpc"] == "ListInputs"] == []
    train, test = _members(client, "app-train"), _members(client, "app-test")
    assert sorted(train + test) == sorted(source) and not set(train) & set(test)
    assert result.counts["split_train"] + result.counts["split_test"] == len(source)


@pytest.mark.parametrize("per_page", [7, 1000])
def test_server_mode_split_lists_the_source_once(client_config, emulator, source, per_page):
    from connector.client import ClarifaiClient

    spec = SplitSpec(dataset_id="src", mode="server", run_key=f"once{per_page}", ratios={"train": 0.8, "test": 0.2})
    with ClarifaiClient(client_config.replace(per_page=per_page, page_concurrency=1)) as c:
        split(c, spec, timeout=30, poll_interval=0.01)
    pages = -(-len(source) // per_page) + (len(source) % per_page == 0)
    source_pages = _source_reads(emulator, "ListDatasetInputs", "/datasets/src/inputs")
    assert len(source_pages) == pages, source_pages  # one listing: plan and apply share it
    for target in ("src-train", "src-test"):  # each target listed once more, to verify
        assert _source_reads(emulator, "ListDatasetInputs", f"/datasets/{target}/inputs")


def test_server_mode_plan_saved_without_source_ids_reads_the_source_when_applied(client, emulator, source):
    from connector.operations import SplitPlan

    spec = SplitSpec(dataset_id="src", mode="server", run_key="old", ratios={"train": 0.5, "test": 0.5})
    saved = plan_split(client, spec).to_dict()
    del saved["source_ids"]
    emulator.admin.clear_requests()
    result = apply_split(client, SplitPlan.from_dict(saved), timeout=30, poll_interval=0.01)
    assert _source_reads(emulator, "ListDatasetInputs", "/datasets/src/inputs")
    assert result.counts["split_train"] + result.counts["split_test"] == len(source)


def test_progress_events_and_plan_json_round_trip(client, emulator, source):
    from connector.operations import SplitPlan

    spec = SplitSpec(dataset_id="src", seed="rt", mode="exact", snapshot=True, run_key="rt")
    events = []
    plan = plan_split(client, spec, progress=events.append)
    assert [(e.stage, e.done, e.total) for e in events] == [("read source", 30, 30)]
    restored = SplitPlan.from_json(plan.to_json())
    assert restored.to_dict() == plan.to_dict() and restored.members == plan.members
    assert restored.to_dataframe().equals(plan.to_dataframe())
    events.clear()
    result = apply_split(client, restored, batch_size=8, poll_interval=0.01, progress=events.append)
    adds = [e for e in events if e.stage == "add"]
    assert [e.done for e in adds] == sorted(e.done for e in adds) and adds[-1].done == adds[-1].total == 30
    assert any(e.stage.startswith("dataset version src-") for e in events)  # snapshot waits report too
    assert result.counts["added"] == 30 and result.elapsed > 0 and result.requests > 0
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


@pytest.mark.slow
def test_a_large_source_is_written_in_bounded_batches(client, emulator):
    """Day two: split the whole app of 20,000 inputs. One PostDatasetInputs call per
    batch, and a request count bounded by pages read plus batches written."""
    emulator.admin.reset(
        seed="demo", seed_inputs=20_000, validate_responses=False
    )  # checked elsewhere; slow at this size
    spec = SplitSpec(app=True, seed="big", targets={"train": "big-train", "test": "big-test"})
    emulator.admin.clear_requests()
    plan, result = split(client, spec, batch_size=500)
    posts = [r for r in writes(emulator) if r["rpc"] == "PostDatasetInputs"]
    assert plan.source_count == 20_000 and result.counts["added"] == 20_000
    assert len(posts) == sum(-(-len(m) // 500) for m in plan.members.values())  # ceil per target
    reads = [r for r in emulator.admin.requests() if r["method"] == "GET"]
    assert result.requests == len(posts) + len(reads) + 2  # + the two PostDatasets
    assert len(reads) < 20_000 / 100  # paged reads, never one per input
