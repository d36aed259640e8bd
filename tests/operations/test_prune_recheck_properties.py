"""Property: whatever a reviewer does to a prune plan's JSON, ``apply_prune`` never deletes
a version the plan's policy keeps or protects.

For random histories (READY and failed versions, pinned ones, versions made by training
or evaluation, versions a model was trained on), random policies and random moments
``now``, a plan is made, its JSON edited at random (actions flipped either way, the facts
a row records rewritten, rows dropped, the guard verdict removed), and applied with
``force=True`` against the emulator. What the policy keeps is worked out here, from how
the history was built (not from the plan, nor with the code under test), and checked
against the emulator's state afterwards: every version kept is still there, and nothing
outside the edited plan's deletions is gone. With ``recheck=False`` the rows' recorded
facts are trusted by design, so that variant gets action edits only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.errors import ValidationError
from connector.operations import PrunePlan, PrunePolicy, apply_prune, plan_prune
from connector.operations.base import utcnow
from connector.operations.waits import wait_dataset_version
from tests.support.scenarios import make_dataset, train_model_on, writes

PROTECTED = ("TRAINING", "EVAL_GROUND_TRUTH", "EVAL_PREDICTIONS")
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Version:
    id: str
    failed: bool
    pinned: bool
    origin: str
    trained: bool


@st.composite
def histories(draw: Any) -> list[Version]:
    n = draw(st.integers(min_value=2, max_value=7))
    return [
        Version(
            id=f"v{i}",
            failed=draw(st.booleans()) if i else False,
            pinned=draw(st.booleans()),
            origin=draw(st.sampled_from(["MANUAL", "MANUAL", *PROTECTED])),
            trained=draw(st.integers(0, 4)) == 0,
        )
        for i in range(n)
    ]


DAYS = {None: None, 0: timedelta(0), 1: timedelta(days=1), 20: timedelta(days=20)}


@st.composite
def policies(draw: Any, ids: list[str]) -> PrunePolicy:
    keep_last = draw(st.sampled_from([None, 1, 2, 3]))
    younger = draw(st.sampled_from([None, 1, 20]))
    failed = draw(st.sampled_from([None, 0, 1, 20]))
    if keep_last is None and younger is None and failed is None:
        keep_last = 1
    return PrunePolicy(
        keep_last=keep_last,
        keep_younger_than=DAYS[younger],
        keep_ids=frozenset(draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))),
        keep_pinned=draw(st.booleans()),
        delete_failed_older_than=DAYS[failed],
        allow_trained=draw(st.booleans()),
        allow_origins=frozenset(draw(st.lists(st.sampled_from(PROTECTED), max_size=2, unique=True))),
        max_delete_share=None,
    )


def kept_by_policy(history: list[Version], policy: PrunePolicy, age: timedelta) -> set[str]:
    """What the policy keeps, from the history as built (every version is ``age`` old,
    give or take the seconds the test takes, far from any threshold; created in order)."""
    ready = [v.id for v in reversed(history) if not v.failed]  # newest first
    kept = set()
    for v in history:
        if not v.failed and v.id == ready[0]:
            kept.add(v.id)  # newest READY
        if v.trained and not policy.allow_trained:
            kept.add(v.id)
        if v.origin in PROTECTED and v.origin not in policy.allow_origins:
            kept.add(v.id)
        if v.id in policy.keep_ids or (v.pinned and policy.keep_pinned):
            kept.add(v.id)
        if v.failed:
            grace = policy.delete_failed_older_than
            if grace is None or age < grace:
                kept.add(v.id)
            continue
        if policy.keep_last is not None and v.id in ready[: policy.keep_last]:
            kept.add(v.id)
        if policy.keep_younger_than is not None and age < policy.keep_younger_than:
            kept.add(v.id)
        if policy.keep_last is None and policy.keep_younger_than is None:
            kept.add(v.id)  # READY versions are candidates only with a retention rule
    return kept


def build(client: Any, emulator: Any, history: list[Version]) -> None:
    emulator.admin.reset(seed="empty")
    make_dataset(client, "ds")
    for v in history:
        item: dict[str, Any] = {"id": v.id, "request_origin": v.origin}
        if v.pinned:
            item["metadata"] = {"pinned": True}
        client.post_dataset_versions("ds", [item])
    for v in history:
        wait_dataset_version(client, "ds", v.id, timeout=10, interval=0.01, max_interval=0.05)
        if v.failed:
            emulator.admin.fail_dataset_version("ds", v.id)
        if v.trained:
            train_model_on(client, f"m-{v.id}", "ds", v.id)


def edit(data: dict[str, Any], draw: Any, *, facts: bool) -> dict[str, Any]:
    """Random edits of a plan's JSON: what a careless (or hurried) reviewer might do."""
    rows = data["rows"]
    for _ in range(draw(st.integers(0, 6))):
        if not rows:
            break
        row = rows[draw(st.integers(0, len(rows) - 1))]
        kinds = ["delete", "delete", "keep"] + (
            ["unpin", "untrain", "origin", "status", "age", "drop"] if facts else []
        )
        kind = draw(st.sampled_from(kinds))
        if kind in ("delete", "keep"):
            row["action"] = kind
        elif kind == "unpin":
            row["pinned"] = False
        elif kind == "untrain":
            row["trained_on"] = False
        elif kind == "origin":
            row["request_origin"] = "MANUAL"
        elif kind == "status":
            row["status"] = draw(st.sampled_from(["DATASET_VERSION_READY", "DATASET_VERSION_FAILURE"]))
        elif kind == "age":
            row["created_at"] = "2001-01-01T00:00:00+00:00"
        else:
            rows.remove(row)
    if draw(st.booleans()):
        data.pop("guard", None)
    return data


@SETTINGS
@given(history=histories(), age_days=st.sampled_from([0, 10, 30]), data=st.data())
def test_an_edited_plan_never_deletes_what_the_policy_keeps(client, emulator, history, age_days, data):
    build(client, emulator, history)
    policy = data.draw(policies([v.id for v in history]))
    age = timedelta(days=age_days)
    plan = plan_prune(client, "ds", policy, now=utcnow() + age)
    recheck = data.draw(st.booleans())
    edited = edit(json.loads(plan.to_json()), data.draw, facts=recheck)
    wanted = {r["version_id"] for r in edited["rows"] if r["action"] == "delete"}
    before = {v["id"] for v in client.list_dataset_versions("ds")}
    emulator.admin.clear_requests()

    try:
        apply_prune(client, PrunePlan.from_dict(edited), force=True, recheck=recheck)
    except ValidationError:  # an edit the plan checks refuse: then nothing may be written
        assert writes(emulator) == []
    after = {v["id"] for v in client.list_dataset_versions("ds")}

    kept = kept_by_policy(history, policy, age)
    assert kept <= after, f"deleted what the policy keeps: {sorted(kept - after)}"
    assert before - after <= wanted, f"deleted what the edited plan did not ask for: {sorted(before - after - wanted)}"
    # And the plan still does its job: what it asks for and the policy allows is gone.
    assert not (wanted - kept) & after, f"left behind: {sorted((wanted - kept) & after)}"


def test_the_issue_example_a_plan_edited_to_delete_the_pinned_version(client, emulator):
    """``apply_prune`` of a plan edited to delete a pinned version used to delete it."""
    history = [Version(f"v{i}", False, i == 1, "MANUAL", False) for i in range(4)]
    build(client, emulator, history)
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=1), now=utcnow() + timedelta(days=10))
    data = plan.to_dict()
    pinned = next(r for r in data["rows"] if r["version_id"] == "v1")
    assert pinned["action"] == "keep" and pinned["pinned"] is True
    pinned["action"] = "delete"
    result = apply_prune(client, PrunePlan.from_json(json.dumps(data)), force=True)
    assert "ds/v1" not in result.ids["deleted"] and sorted(result.ids["deleted"]) == ["ds/v0", "ds/v2"]
    assert result.details["skipped"] == {"ds/v1": "kept: metadata.pinned is set (rechecked when applied)"}
    assert sorted(v["id"] for v in client.list_dataset_versions("ds")) == ["v1", "v3"]
