"""What the verification of a split finds, and how much of it the error names: leakage
between targets, planned inputs missing, unplanned inputs present (at most 10 each, and
how many more); a server split verified on its own reads the source."""

from __future__ import annotations

import re

import pytest

from connector.errors import VerificationError
from connector.operations import SplitSpec, plan_split, split
from connector.operations.split import verify_split
from tests.support.scenarios import make_dataset, make_inputs


@pytest.mark.parametrize(("n", "more"), [(10, ""), (11, " (+1 more)"), (12, " (+2 more)")])
def test_leakage_names_ten_inputs_and_how_many_more(client, emulator, n: int, more: str) -> None:
    ids = make_inputs(client, n)
    make_dataset(client, "src", ids)
    make_dataset(client, "src-train", ids)
    make_dataset(client, "src-test", ids)
    with pytest.raises(VerificationError) as info:
        split(client, SplitSpec(dataset_id="src", seed="s"))
    message = str(info.value)
    assert message.startswith("leakage between split targets: [")
    assert message.endswith("]" + more)
    named = re.findall(r"'(in\d{3}) in (?:train and test|test and train)'", message)
    assert len(named) == 10 and set(named) <= set(ids)


def test_planned_inputs_missing_are_named_ten_at_most(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 30))
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")
    spec = SplitSpec(dataset_id="src", seed="s")
    plan = plan_split(client, spec)
    assert len(plan.members["train"]) > 10
    with pytest.raises(VerificationError) as info:
        verify_split(client, plan, spec)
    assert str(info.value) == f"target 'src-train' lacks planned inputs {sorted(plan.members['train'])[:10]}; run again"


def test_unplanned_inputs_present_are_named_ten_at_most(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 6))
    spec = SplitSpec(dataset_id="src", seed="s", mode="exact")
    plan, _ = split(client, spec)
    client.post_dataset_inputs("src-train", make_inputs(client, 12, prefix="stray"))
    with pytest.raises(VerificationError) as info:
        verify_split(client, plan, spec)
    named = [f"stray{i:03d}" for i in range(10)]
    assert str(info.value) == f"target 'src-train' holds unplanned inputs {named}"


def test_a_server_split_verified_on_its_own_reads_the_source(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 10))
    spec = SplitSpec(dataset_id="src", mode="server")
    plan, _ = split(client, spec, poll_interval=0.02)
    emulator.admin.clear_requests()
    found = verify_split(client, plan, spec)
    assert set().union(*found.values()) == {f"in{i:03d}" for i in range(10)}
    assert "ListDatasetInputs" in {r["rpc"] for r in emulator.admin.requests() if r["path"].endswith("/src/inputs")}
    client.post_dataset_inputs("src", make_inputs(client, 1, prefix="late"))
    with pytest.raises(VerificationError) as info:
        verify_split(client, plan, spec)
    assert str(info.value).startswith("server-side split: targets hold 10 inputs, the source 11 when planned")
