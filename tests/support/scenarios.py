"""Fixture data for the operations tests, created through the client's own endpoint
methods (so every request is contract-checked like the operations' own)."""

from __future__ import annotations

from typing import Any

from connector.errors import NotFoundError
from connector.operations.waits import wait_dataset_version

CONCEPTS = ("cat", "dog", "bird")


def make_inputs(client: Any, n: int, *, prefix: str = "in", groups: int = 0) -> list[str]:
    """``n`` text inputs with one concept each (round robin) and, with ``groups``, a
    ``metadata.subject`` shared by every ``groups``-th input."""
    items = []
    for i in range(n):
        data: dict[str, Any] = {
            "text": {"raw": f"text {i}"},
            "concepts": [{"id": CONCEPTS[i % len(CONCEPTS)], "value": 1}],
        }
        if groups:
            data["metadata"] = {"subject": f"s{i % groups}"}
        items.append({"id": f"{prefix}{i:03d}", "data": data})
    for start in range(0, n, 100):
        client.post_inputs(items[start : start + 100])
    return [item["id"] for item in items]


def make_dataset(client: Any, dataset_id: str, input_ids: list[str] | None = None) -> None:
    client.post_datasets([{"id": dataset_id}])
    if input_ids:
        client.post_dataset_inputs(dataset_id, input_ids)


def make_versions(client: Any, dataset_id: str, specs: list[dict[str, Any]]) -> list[str]:
    """Create versions one after the other (so created_at increases), each READY."""
    ids = []
    for spec in specs:
        client.post_dataset_versions(dataset_id, [spec])
        ids.append(spec["id"])
    for vid in ids:
        wait_dataset_version(client, dataset_id, vid, timeout=10, interval=0.02, max_interval=0.05)
    return ids


def train_model_on(client: Any, model_id: str, dataset_id: str, version_id: str) -> None:
    try:
        client.get_model(model_id)
    except NotFoundError:
        client.post_models({"id": model_id, "model_type_id": "visual-classifier"})
    client.post_model_versions(
        model_id,
        [
            {
                "id": f"{model_id}-{version_id}",
                "train_info": {"dataset": {"id": dataset_id, "version": {"id": version_id}}},
            }
        ],
    )


def mutations(emulator: Any) -> list[dict[str, Any]]:
    return emulator.admin.requests(mutated=True)


def writes(emulator: Any) -> list[dict[str, Any]]:
    """Every logged request that is not a read (whether or not it changed state)."""
    return [r for r in emulator.admin.requests() if r["method"] != "GET"]
