"""A prune plan from an inventory holding nanosecond timestamps (a pandas DataFrame)
records creation times to the microsecond, as a plan read from the API does."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from connector.operations import PrunePolicy, plan_prune_from_inventory


def test_nanosecond_creation_times_are_kept_to_the_microsecond() -> None:
    frame = pd.DataFrame(
        {
            "dataset_id": ["ds", "ds"],
            "id": ["v1", "v2"],
            "status_name": ["DATASET_VERSION_READY"] * 2,
            "created_at": [pd.Timestamp("2026-01-01T00:00:00.123456789Z"), pd.Timestamp("2026-01-02T00:00:00Z")],
        }
    )
    plan = plan_prune_from_inventory(
        frame, None, PrunePolicy(keep_last=1, allow_trained=True), now=datetime(2026, 1, 10, tzinfo=UTC)
    )
    assert {r["version_id"]: r["created_at"] for r in plan.rows} == {
        "v1": "2026-01-01T00:00:00.123456+00:00",
        "v2": "2026-01-02T00:00:00+00:00",
    }
    assert plan.to_delete == {"ds": ["v1"]}
    assert plan.from_json(plan.to_json()).rows == plan.rows
