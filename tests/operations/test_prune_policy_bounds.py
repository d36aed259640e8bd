"""PrunePolicy's guard share is in (0, 1] (0 refused, 1 allowed), and the origins it
allows are kept normalized (upper case, trimmed) so they match the versions' origins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.errors import ValidationError
from connector.operations import PrunePolicy
from connector.operations.prune import decide

NOW = datetime(2026, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("share", [0, 0.0])
def test_a_zero_share_is_refused(share) -> None:
    with pytest.raises(ValidationError) as caught:
        PrunePolicy(keep_last=1, max_delete_share=share)
    assert caught.value.argument == "max_delete_share"
    assert str(caught.value) == f"max_delete_share must be in (0, 1], got {share}"


@pytest.mark.parametrize("share", [1, 1.0])
def test_a_share_of_one_is_allowed(share) -> None:
    assert PrunePolicy(keep_last=1, max_delete_share=share).max_delete_share == share


def test_allowed_origins_are_normalized_and_match_the_versions() -> None:
    policy = PrunePolicy(keep_last=1, allow_origins=[" training ", "Eval_Predictions"])
    assert policy.allow_origins == frozenset({"TRAINING", "EVAL_PREDICTIONS"})
    versions = [
        {"id": vid, "dataset_id": "ds", "status": {"code": "DATASET_VERSION_READY"}, "request_origin": origin}
        | {"created_at": f"2026-01-0{n}T00:00:00Z"}
        for n, (vid, origin) in enumerate([("v1", "TRAINING"), ("v2", "EVAL_GROUND_TRUTH"), ("v3", "MANUAL")], 1)
    ]
    rows = {r["version_id"]: (r["action"], r["reason"]) for r in decide(versions, policy, now=NOW)}
    assert rows == {
        "v1": ("delete", "delete: not among the newest 1 READY"),
        "v2": ("keep", "protected: created by EVAL_GROUND_TRUTH"),
        "v3": ("keep", "protected: newest READY version"),
    }
