"""The requests a split makes: planning's reads are not made again when the plan is
applied straight away (split, or apply_split with its recheck), write batches hold 128
ids by default, and they run at the client's write concurrency."""

from __future__ import annotations

import json
import math
import threading
from collections import Counter

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.errors import MissingObjectError
from connector.operations import SplitSpec, apply_split, plan_split, split
from tests.support.scenarios import make_dataset, make_inputs


def rpcs(emulator) -> Counter[str]:
    return Counter(r["rpc"] for r in emulator.admin.requests())


def test_split_applies_its_fresh_plan_without_reading_the_app_or_targets_again(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 6))
    emulator.admin.clear_requests()
    split(client, SplitSpec(dataset_id="src", seed="s"))
    assert rpcs(emulator) == Counter(
        {
            "GetDataset": 3,  # the source, and each target found missing
            "ListDatasetInputs": 3,  # the source; each target again to verify
            "PostDatasets": 2,
            "PostDatasetInputs": 2,
        }
    )


def test_a_rechecked_apply_reads_source_and_targets_once_and_judges_the_guard_once(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 6))
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    emulator.admin.clear_requests()
    apply_split(client, plan)
    assert rpcs(emulator) == Counter(
        {
            "GetDataset": 3,  # the recheck's plan: source and both targets
            "ListDatasetInputs": 5,  # the same three listed; both targets again to verify
            "ListDatasets": 1,  # the guard, once: both targets exist and are written to
            "PostDatasetInputs": 2,
        }
    )


def test_an_apply_without_recheck_proves_the_app_and_targets_exist_first(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 6))
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    emulator.admin.clear_requests()
    apply_split(client, plan, recheck=False)
    seen = rpcs(emulator)
    assert seen["GetApp"] == 1
    assert seen["PostDatasetInputs"] == 2


def _batch_sizes(requests: list[httpx.Request], target: str) -> list[int]:
    return sorted(
        len(json.loads(r.content)["dataset_inputs"])
        for r in requests
        if r.method == "POST" and r.url.path.endswith(f"/datasets/{target}/inputs")
    )


def test_writes_go_in_batches_of_128_ids_by_default(client_config, emulator) -> None:
    sent: list[httpx.Request] = []
    with ClarifaiClient(client_config, event_hooks={"request": [sent.append]}) as client:
        make_dataset(client, "src", make_inputs(client, 200))
        plan, _ = split(client, SplitSpec(dataset_id="src", seed="s"))
        n = len(plan.members["train"])
        assert n > 128
        assert _batch_sizes(sent, "src-train") == sorted([128] * (n // 128) + [n % 128] * (n % 128 > 0))

        make_dataset(client, "big", make_inputs(client, 200, prefix="b"))
        plan = plan_split(client, SplitSpec(dataset_id="big", seed="s"))
        n = len(plan.members["train"])
        sent.clear()
        apply_split(client, plan)
        sizes = _batch_sizes(sent, "big-train")
        assert len(sizes) == math.ceil(n / 128) and max(sizes) == 128 and sum(sizes) == n


def test_write_batches_run_at_the_clients_write_concurrency(client_config, emulator) -> None:
    """A client that allows one request at a time writes every batch, removes and adds,
    in the caller's thread."""
    threads: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.url.path.endswith("/inputs") and request.method in ("POST", "DELETE"):
            threads.append(threading.current_thread().name)

    with ClarifaiClient(client_config.replace(page_concurrency=1), event_hooks={"request": [record]}) as client:
        make_dataset(client, "src", make_inputs(client, 6))
        spec = SplitSpec(dataset_id="src", seed="s", mode="exact")
        split(client, spec, batch_size=1)
        client.post_dataset_inputs("src-train", make_inputs(client, 3, prefix="stray"))
        client.post_dataset_inputs("src", make_inputs(client, 3, prefix="new"))
        threads.clear()
        _, result = split(client, spec, batch_size=1, force=True)
    assert result.counts["removed"] == 3 and result.counts["added"] == 3
    assert threads == [threading.current_thread().name] * 6


def test_a_rechecked_server_apply_proves_the_app_exists_before_any_write(client, client_config, emulator) -> None:
    """A server split's recheck reads only the targets and the operation, which does not
    prove the app exists: applied to an app that does not, it is refused before any write."""
    make_dataset(client, "src", make_inputs(client, 4))
    plan = plan_split(client, SplitSpec(dataset_id="src", mode="server"))
    emulator.admin.clear_requests()
    with (
        ClarifaiClient(client_config.replace(app_id="no-such-app")) as elsewhere,
        pytest.raises(MissingObjectError) as info,
    ):
        apply_split(elsewhere, plan, poll_interval=0.02)
    assert info.value.argument == "app_id"
    assert [r for r in emulator.admin.requests() if r["method"] != "GET"] == []
