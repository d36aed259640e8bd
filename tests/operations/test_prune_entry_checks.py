"""``prune`` checks every argument in signature order before its first request, and
``prune`` / ``apply_prune`` delete at most 100 versions per request by default."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations import PrunePolicy, apply_prune, plan_prune, prune
from connector.operations.base import utcnow
from connector.operations.waits import wait_dataset_version
from tests.support.scenarios import make_dataset

POLICY = PrunePolicy(keep_last=1, max_delete_share=None)


@pytest.mark.parametrize(
    ("bad", "argument"),
    [
        ({"datasets": ""}, "datasets"),
        ({"now": "yesterday"}, "now"),
        ({"progress": 5}, "progress"),
    ],
)
def test_prune_names_the_first_bad_argument_before_any_request(client, emulator, bad, argument) -> None:
    """Each case also passes a bad ``dry_run``, checked after the planning arguments."""
    kwargs: dict[str, Any] = {"datasets": "ds", "dry_run": "yes", **bad}
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError) as caught:
        prune(client, kwargs.pop("datasets"), POLICY, **kwargs)
    assert caught.value.argument == argument
    assert emulator.admin.requests() == []


def _many_versions(client, n: int) -> None:
    make_dataset(client, "ds")
    ids = [f"v{i:03d}" for i in range(n)]
    client.post_dataset_versions("ds", [{"id": vid} for vid in ids])
    for vid in ids:
        wait_dataset_version(client, "ds", vid, timeout=10, interval=0.02, max_interval=0.05)


def _delete_requests(emulator) -> int:
    return sum(1 for r in emulator.admin.requests() if r["rpc"] == "DeleteDatasetVersions")


def test_prune_deletes_at_most_100_versions_per_request_by_default(client, emulator) -> None:
    _many_versions(client, 102)
    emulator.admin.clear_requests()
    _, result = prune(client, "ds", POLICY, now=utcnow() + timedelta(days=1))
    assert result.counts["deleted"] == 101
    assert _delete_requests(emulator) == 2


def test_apply_prune_deletes_at_most_100_versions_per_request_by_default(client, emulator) -> None:
    _many_versions(client, 102)
    plan = plan_prune(client, "ds", POLICY, now=utcnow() + timedelta(days=1))
    emulator.admin.clear_requests()
    result = apply_prune(client, plan)
    assert result.counts["deleted"] == 101
    assert _delete_requests(emulator) == 2
    assert [v["id"] for v in client.list_dataset_versions("ds")] == ["v101"]
