"""prune(): plan and apply in one call. What its dry run reports, that its arguments are
checked before the first request, and that its progress callback hears both halves.
Against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.errors import ValidationError
from connector.operations import PrunePolicy, prune
from connector.operations.prune import check_guard
from tests.support.scenarios import make_dataset, make_versions, train_model_on


@pytest.fixture
def three_versions(client, emulator):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}])
    emulator.admin.clear_requests()
    return emulator


def test_a_dry_run_reports_what_it_would_delete_and_deletes_nothing(client, three_versions):
    events = []
    plan, result = prune(client, "ds", PrunePolicy(keep_last=1), dry_run=True, progress=events.append)
    assert (result.operation, result.dry_run) == ("prune", True)
    assert result.counts == {"considered": 3, "would_delete": 2, "datasets": 1}
    assert list(result.ids) == ["would_delete"] and sorted(result.ids["would_delete"]) == ["ds/v1", "ds/v2"]
    assert result.details == {"guard": None}
    assert result.requests == len(three_versions.admin.requests()) > 0 and result.elapsed > 0
    assert [e["rpc"] for e in three_versions.admin.requests(mutated=True)] == []
    assert events and {e.operation for e in events} == {"prune"}
    assert plan.delete_count == 2


def test_a_dry_run_over_the_guard_says_why_in_its_details(client, three_versions):
    _, result = prune(client, "ds", PrunePolicy(keep_last=1, max_delete=1), dry_run=True)
    assert result.details["guard"] and "max_delete" in result.details["guard"]


def test_an_apply_reports_progress_while_planning_and_while_deleting(client, three_versions):
    events = []
    _, result = prune(client, "ds", PrunePolicy(keep_last=1), progress=events.append)
    assert result.dry_run is False and sorted(result.ids["deleted"]) == ["ds/v1", "ds/v2"]
    stages = [e.stage for e in events]
    assert any("delete" in stage for stage in stages) and len(set(stages)) > 1
    left = [v["id"] for v in client.list_dataset_versions("ds")]
    assert left == ["v3"]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"datasets": 123}, "datasets"),
        ({"datasets": []}, "datasets"),
        ({"now": "yesterday"}, "now"),
        ({"progress": "print"}, "progress"),
        ({"policy": {"keep_last": 1}}, "policy"),
        ({"batch_size": 0}, "batch_size"),
        ({"dry_run": "yes"}, "dry_run"),
    ],
)
def test_every_argument_is_checked_before_the_first_request(client, three_versions, kwargs, argument):
    call = {"datasets": "ds", "policy": PrunePolicy(keep_last=1), "now": datetime.now(UTC), **kwargs}
    with pytest.raises(ValidationError) as refused:
        prune(client, call.pop("datasets"), call.pop("policy"), **call)
    assert refused.value.argument == argument
    assert three_versions.admin.requests() == []


def test_check_guard_takes_only_a_prune_plan():
    with pytest.raises(ValidationError, match=r"^plan must be a PrunePlan, got "):
        check_guard({"rows": []})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"^plan must be a PrunePlan, got \{\}$"):
        check_guard({})  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "argument"), [({"force": "yes"}, "force"), ({"progress": "print"}, "progress")])
def test_apply_prune_checks_its_arguments_before_the_first_request(client, three_versions, kwargs, argument):
    from connector.operations import apply_prune, plan_prune

    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1))
    three_versions.admin.clear_requests()
    with pytest.raises(ValidationError) as refused:
        apply_prune(client, plan, **kwargs)
    assert refused.value.argument == argument and three_versions.admin.requests() == []


def test_apply_prune_reports_its_progress(client, three_versions):
    from connector.operations import apply_prune, plan_prune

    events = []
    result = apply_prune(client, plan_prune(client, "ds", PrunePolicy(keep_last=1)), progress=events.append)
    assert sorted(result.ids["deleted"]) == ["ds/v1", "ds/v2"]
    assert events and {e.operation for e in events} == {"prune"}


def test_a_saved_plan_needs_no_time_but_a_guard_must_be_text():
    from connector.operations.prune import PrunePlan

    data = {"operation": "prune", "rows": [], "policy": {"keep_last": 1}, "datasets": []}
    assert PrunePlan.from_dict(data).now == ""  # a hand-written plan may leave the time out
    with pytest.raises(ValidationError, match=r"^plan field guard must be "):
        PrunePlan.from_dict({**data, "guard": 5})
    assert PrunePlan.from_dict({**data, "guard": "too many"}).guard == "too many"


def test_a_policy_in_a_plan_must_be_an_object():
    with pytest.raises(ValidationError) as refused:
        PrunePolicy.from_dict(5, field="policy")  # type: ignore[arg-type]
    assert str(refused.value).split("\n")[0] == "plan field policy must be an object (a prune policy), got 5"
    assert refused.value.argument == "policy"


def test_a_duration_no_timedelta_can_hold_is_refused_naming_the_policy_field():
    with pytest.raises(ValidationError) as refused:
        PrunePolicy.from_dict({"keep_younger_than": 1e20}, field="policy")
    assert str(refused.value).split("\n")[0] == (
        "plan field policy.keep_younger_than must be a number of seconds a duration can hold, got 1e+20"
    )
    assert refused.value.argument == "policy.keep_younger_than"


def test_without_a_recheck_an_edited_plan_is_judged_on_its_own_rows_pins_included(client, three_versions):
    from connector.operations import apply_prune, plan_prune

    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1))
    for row in plan.rows:
        if row["version_id"] == "v1":
            assert row["action"] == "delete"
            row["pinned"] = True  # edited by hand: pinned, yet still marked for deletion
    result = apply_prune(client, plan, recheck=False)
    assert result.ids["deleted"] == ["ds/v2"]
    assert sorted(v["id"] for v in client.list_dataset_versions("ds")) == ["v1", "v3"]


def test_an_apply_counts_what_it_considered_deleted_kept_and_skipped(client, three_versions):
    from connector.operations import apply_prune, plan_prune

    _, result = prune(client, "ds", PrunePolicy(keep_last=1))
    assert result.operation == "prune" and result.dry_run is False
    assert result.counts == {"considered": 3, "deleted": 2, "kept": 1, "skipped": 0, "datasets": 1}
    assert result.details == {}
    make_versions(client, "ds", [{"id": "v4"}, {"id": "v5"}])
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1))  # deletes v3 and v4, keeps v5
    for row in plan.rows:
        if row["version_id"] == "v3":
            row["trained_on"] = True  # edited by hand: a model was trained on it
    result = apply_prune(client, plan, recheck=False)
    assert result.counts == {"considered": 3, "deleted": 1, "kept": 2, "skipped": 1, "datasets": 1}
    assert list(result.details) == ["skipped"] and list(result.details["skipped"]) == ["ds/v3"]
    assert result.ids == {"deleted": ["ds/v4"]}


def test_a_rechecked_apply_over_two_datasets_reads_both(client, three_versions):
    from connector.operations import apply_prune, plan_prune

    make_dataset(client, "other")
    make_versions(client, "other", [{"id": "w1"}, {"id": "w2"}])
    plan = plan_prune(client, ["ds", "other"], PrunePolicy(keep_last=1))
    train_model_on(client, "m1", "ds", "v1")  # since the plan: v1 of the first dataset is protected
    train_model_on(client, "m2", "other", "w1")  # and w1 of the second
    result = apply_prune(client, plan)  # the recheck lists both datasets again
    assert result.ids["deleted"] == ["ds/v2"]
    assert sorted(result.details["skipped"]) == ["ds/v1", "other/w1"] and result.counts["datasets"] == 2
    assert sorted(v["id"] for v in client.list_dataset_versions("ds")) == ["v1", "v3"]
    assert sorted(v["id"] for v in client.list_dataset_versions("other")) == ["w1", "w2"]


def test_a_refused_guard_says_what_it_refused_and_the_argument_that_overrides_it(client, three_versions):
    from connector.errors import GuardError

    with pytest.raises(GuardError) as refused:
        prune(client, "ds", PrunePolicy(keep_last=1, max_delete=1))
    assert str(refused.value).split("\n")[0].startswith("refusing to prune: ")
    assert str(refused.value).split("\n")[0].endswith("; pass force=True to apply it anyway")
    assert refused.value.argument == "force" and "max_delete" in str(refused.value)
    assert three_versions.admin.requests(mutated=True) == []


@pytest.mark.parametrize(("kwargs", "argument"), [({"now": "yesterday"}, "now"), ({"progress": "print"}, "progress")])
def test_plan_prune_checks_now_and_progress(client, three_versions, kwargs, argument):
    from connector.operations import plan_prune

    with pytest.raises(ValidationError) as refused:
        plan_prune(client, "ds", PrunePolicy(keep_last=1), **kwargs)
    assert refused.value.argument == argument and three_versions.admin.requests() == []


def test_trained_versions_name_the_dataset_from_the_dataset_or_the_version(client, emulator):
    from connector.operations.prune import trained_versions

    client.post_models({"id": "m", "model_type_id": "visual-classifier"})
    for n, dataset in enumerate(
        [
            {"id": "a", "version": {"id": "v1"}},
            {"version": {"id": "v2", "dataset_id": "b"}},
            {"version": {"id": "v3"}},
            {"id": "c"},  # no version: trained on no version
        ]
    ):
        client.post_model_versions("m", [{"id": f"mv{n}", "train_info": {"dataset": dataset}}])
    assert trained_versions(client) == {("a", "v1"), ("b", "v2"), ("", "v3")}


def test_a_share_guard_names_its_setting_and_keep_ids_are_a_set_of_ids(client, three_versions):
    from connector.operations import plan_prune

    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1, max_delete_share=0.5))
    assert plan.guard is not None and "max_delete_share" in plan.guard and "XX" not in plan.guard
    policy = PrunePolicy(keep_last=1, keep_ids=["v1", "v1", "v2"])
    assert policy.keep_ids == frozenset({"v1", "v2"})
    with pytest.raises(ValidationError, match=r"^keep_ids must be a collection of version ids, not one string"):
        PrunePolicy(keep_last=1, keep_ids="v1")  # type: ignore[arg-type]
    kept = {r["version_id"]: r["action"] for r in plan_prune(client, "ds", policy).rows}
    assert kept == {"v1": "keep", "v2": "keep", "v3": "keep"}
