"""Demo data for the emulator: a realistic app for the default user.

Objects are built as dicts directly (no per-item protobuf work), so 100k inputs seed
in a few seconds. The demo is deterministic: same options, same data.
"""

from __future__ import annotations

import time
from typing import Any

from connector.emulator.state import EmulatorState, iso, status

__all__ = ["DEMO_CONCEPTS", "DEMO_DATASETS", "seed_demo"]

#: Dataset id -> share of inputs (tenths) and description.
DEMO_DATASETS = {
    "cats-dogs": "Pets photographed at home",
    "products": "Catalogue shots of retail products",
    "street-scenes": "Street-level city photos",
}
#: Concepts, with a skewed frequency (weights).
DEMO_CONCEPTS = {"cat": 30, "dog": 25, "product": 20, "car": 10, "person": 8, "tree": 5, "bike": 2}
_GROUPS = ("north", "south", "east", "west")


def seed_demo(state: EmulatorState, n_inputs: int) -> None:
    """Fill the default app with datasets, ``n_inputs`` inputs (``img-000001``...) with
    concept annotations, dataset versions in every status, models trained on versions,
    tasks in several states, finished bulk operations, a workflow and a collaborator."""
    from connector.emulator.handlers_data import create_version
    from connector.emulator.handlers_work import create_bulk_operation, create_model, create_model_version, create_task

    opts = state.options
    a = state.app_data(opts.user_id, opts.app_id)
    assert a is not None
    user = opts.user_id
    t = time.time() - 30 * 24 * 60 * 60
    step = 0.01  # close timestamps keep formatting cheap (one format per second)

    def tick() -> float:
        nonlocal t
        t += step
        return t

    a.app["description"] = "Demo app of the clarifai-connector emulator"
    for ds_id, desc in DEMO_DATASETS.items():
        stamp = iso(tick())
        a.datasets[ds_id] = {
            "id": ds_id,
            "app_id": a.app_id,
            "user_id": user,
            "description": desc,
            "created_at": stamp,
            "modified_at": stamp,
        }
        a.dataset_inputs[ds_id] = {}
        a.versions[ds_id] = {}
    for concept in DEMO_CONCEPTS:
        a.concepts[concept] = {
            "id": concept,
            "name": concept,
            "app_id": a.app_id,
            "user_id": user,
            "created_at": iso(tick()),
        }

    # Inputs, their annotations and dataset memberships.
    rng = state.rng
    weights = list(DEMO_CONCEPTS.values())
    names = list(DEMO_CONCEPTS)
    ok = status("INPUT_DOWNLOAD_SUCCESS")
    ann_ok = status("ANNOTATION_SUCCESS")
    ds_order = list(DEMO_DATASETS)
    picks = rng.choices(names, weights=weights, k=n_inputs)
    for n in range(1, n_inputs + 1):
        stamp = iso(tick())
        input_id = f"img-{n:06d}"
        data: dict[str, Any] = {"image": {"url": f"https://images.example.com/demo/{input_id}.jpg"}}
        if n % 5 == 0:
            data["metadata"] = {"group": _GROUPS[n % len(_GROUPS)]}
        r = n % 10
        ds_id = ds_order[0] if r < 5 else ds_order[1] if r < 8 else ds_order[2]
        inp = {
            "id": input_id,
            "data": data,
            "created_at": stamp,
            "modified_at": stamp,
            "status": ok,
            "dataset_ids": [ds_id],
        }
        a.inputs[input_id] = inp
        a.dataset_inputs[ds_id][input_id] = {"created_at": stamp, "input": inp}
        if n % 10 != 7:  # about 10% stay unlabeled
            concept = picks[n - 1]
            ann_id = f"ann-{n:06d}"
            a.annotations[ann_id] = {
                "id": ann_id,
                "input_id": input_id,
                "data": {"concepts": [{"id": concept, "name": concept, "value": 1.0}]},
                "user_id": user,
                "status": ann_ok,
                "input_level": True,
                "created_at": stamp,
                "modified_at": stamp,
            }
            a.ann_by_input[input_id] = [ann_id]

    # Dataset versions in every status.
    versions = [
        ("cats-dogs", {"id": "cd-v1", "description": "first cut", "request_origin": "MANUAL"}, "DATASET_VERSION_READY"),
        (
            "cats-dogs",
            {"id": "cd-v2", "description": "trained on", "request_origin": "TRAINING"},
            "DATASET_VERSION_READY",
        ),
        (
            "cats-dogs",
            {"id": "cd-v3", "description": "export broke", "request_origin": "MANUAL"},
            "DATASET_VERSION_FAILURE",
        ),
        (
            "cats-dogs",
            {"id": "cd-v4", "description": "release", "request_origin": "MANUAL", "metadata": {"pinned": True}},
            "DATASET_VERSION_READY",
        ),
        ("cats-dogs", {"id": "cd-v5", "description": "latest", "request_origin": "MANUAL"}, "DATASET_VERSION_READY"),
        (
            "products",
            {"id": "pr-v1", "description": "evaluation ground truth", "request_origin": "EVAL_GROUND_TRUTH"},
            "DATASET_VERSION_READY",
        ),
        (
            "products",
            {"id": "pr-v2", "description": "in the works", "request_origin": "MANUAL"},
            "DATASET_VERSION_IN_PROGRESS",
        ),
        ("products", {"id": "pr-v3", "description": "queued", "request_origin": "MANUAL"}, "DATASET_VERSION_PENDING"),
        (
            "street-scenes",
            {"id": "st-v1", "description": "baseline", "request_origin": "MANUAL"},
            "DATASET_VERSION_READY",
        ),
    ]
    snapshots = {ds_id: state.version_metrics(a, ds_id) for ds_id in DEMO_DATASETS}
    for ds_id, item, st in versions:
        v = create_version(state, a, ds_id, item, tick(), snapshots[ds_id])
        v["status"] = status(st)
        a.version_meta[(ds_id, v["id"])]["settled"] = True

    # Models trained on versions.
    for model_id, ds_id, vid in (("pets-classifier", "cats-dogs", "cd-v2"), ("products-detector", "products", "pr-v1")):
        create_model(
            a, {"id": model_id, "name": model_id.replace("-", " "), "model_type_id": "visual-classifier"}, tick()
        )
        create_model_version(
            a,
            model_id,
            {"id": f"{model_id}-1", "train_info": {"dataset": {"id": ds_id, "version": {"id": vid}}}},
            tick(),
        )

    # Labeling tasks in several states.
    tasks = [
        ("label-pets", "cats-dogs", ["cat", "dog"], "TASK_IN_PROGRESS", 40, 0, "FULL", "NONE"),
        ("review-products", "products", ["product"], "TASK_DONE", 100, 100, "PARTITIONED", "MANUAL"),
        ("street-backlog", "street-scenes", ["car", "person", "bike"], "TASK_IDLE", 0, 0, "FULL", "NONE"),
    ]
    for task_id, ds_id, concepts, st, work, review, strategy, review_strategy in tasks:
        worker: dict[str, Any] = {"strategy": strategy, "user_ids": [user, "labeler-1"]}
        if strategy == "PARTITIONED":
            worker["partitioned_strategy_info"] = {"type": "EVENLY", "workers_per_input": 1}
        item = {
            "id": task_id,
            "name": task_id.replace("-", " "),
            "type": "CONCEPTS_CLASSIFICATION",
            "concept_ids": concepts,
            "input_source": {"type": "DATASET", "id": ds_id},
            "worker": worker,
            "review": {"strategy": review_strategy, **({"user_ids": [user]} if review_strategy != "NONE" else {})},
        }
        create_task(state, a, item, tick(), st)
        a.task_meta[task_id].update(work=work, review=review, fixed=True)
        state.refresh_task(a, task_id)

    # Finished bulk operations.
    street = list(a.dataset_inputs["street-scenes"])[:50]
    op = create_bulk_operation(
        state,
        a,
        {
            "id": "bulk-tag-street",
            "input_ids": {"input_ids": street},
            "operation": {"add_metadata": {"metadata": {"reviewed": True}}},
        },
        street,
        tick(),
    )
    meta = a.bulk_meta[op["id"]]
    meta.update(applied=True, done=True)
    op["status"] = status("BULK_OPERATION_SUCCESS")
    op["progress"] = {"processed": len(street), **({"last_processed_id": street[-1]} if street else {})}

    stamp = iso(tick())
    a.workflows["general-workflow"] = {
        "id": "general-workflow",
        "app_id": a.app_id,
        "user_id": user,
        "description": "Embed and classify",
        "created_at": stamp,
        "modified_at": stamp,
    }
    a.collaborators["labeler-1"] = {
        "id": "labeler-1",
        "user": {"id": "labeler-1", "primary_email": "labeler-1@example.com"},
        "scopes": ["Inputs:Get", "Annotations:Add"],
        "created_at": stamp,
        "modified_at": stamp,
    }
    state._last_t = max(state._last_t, t)
