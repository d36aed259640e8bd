"""Demo data for the emulator: a realistic app for the default user, built through the
backend's constructors. Deterministic: same options, same data."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from connector.emulator.backend.annotations import add_annotation
from connector.emulator.backend.bulk_operations import create_bulk_operation
from connector.emulator.backend.collaborators import create_collaborator
from connector.emulator.backend.concepts import create_concept
from connector.emulator.backend.dataset_inputs import add_members
from connector.emulator.backend.dataset_versions import create_version, version_metrics
from connector.emulator.backend.datasets import create_dataset
from connector.emulator.backend.inputs import create_input
from connector.emulator.backend.models import create_model, create_model_version
from connector.emulator.backend.statuses import status
from connector.emulator.backend.store import AppData, Store
from connector.emulator.backend.tasks import create_task, refresh_task
from connector.emulator.backend.workflows import create_workflow
from connector.status_codes import StatusCode

__all__ = ["DEMO_CONCEPTS", "DEMO_DATASETS", "seed_demo"]

#: Dataset id -> description. Inputs go 5 : 3 : 2 to them, in this order.
DEMO_DATASETS = {
    "cats-dogs": "Pets photographed at home",
    "products": "Catalogue shots of retail products",
    "street-scenes": "Street-level city photos",
}
#: Concepts, with a skewed frequency (weights).
DEMO_CONCEPTS = {"cat": 30, "dog": 25, "product": 20, "car": 10, "person": 8, "tree": 5, "bike": 2}
_GROUPS = ("north", "south", "east", "west")
#: Prefix of ``metadata.subject`` per dataset (``pet-00042``: what a few inputs show).
_SUBJECT_PREFIX = {"cats-dogs": "pet", "products": "sku", "street-scenes": "street"}
#: How far back the demo data starts.
_AGE_SECONDS = 30 * 24 * 60 * 60

#: (dataset, version, status it is settled in)
_VERSIONS: list[tuple[str, dict[str, Any], StatusCode]] = [
    (
        "cats-dogs",
        {"id": "cd-v1", "description": "first cut", "request_origin": "MANUAL"},
        StatusCode.DATASET_VERSION_READY,
    ),
    (
        "cats-dogs",
        {"id": "cd-v2", "description": "trained on", "request_origin": "TRAINING"},
        StatusCode.DATASET_VERSION_READY,
    ),
    (
        "cats-dogs",
        {"id": "cd-v3", "description": "export broke", "request_origin": "MANUAL"},
        StatusCode.DATASET_VERSION_FAILURE,
    ),
    (
        "cats-dogs",
        {"id": "cd-v4", "description": "release", "request_origin": "MANUAL", "metadata": {"pinned": True}},
        StatusCode.DATASET_VERSION_READY,
    ),
    (
        "cats-dogs",
        {"id": "cd-v5", "description": "latest", "request_origin": "MANUAL"},
        StatusCode.DATASET_VERSION_READY,
    ),
    (
        "products",
        {"id": "pr-v1", "description": "evaluation ground truth", "request_origin": "EVAL_GROUND_TRUTH"},
        StatusCode.DATASET_VERSION_READY,
    ),
    (
        "products",
        {"id": "pr-v2", "description": "in the works", "request_origin": "MANUAL"},
        StatusCode.DATASET_VERSION_IN_PROGRESS,
    ),
    (
        "products",
        {"id": "pr-v3", "description": "queued", "request_origin": "MANUAL"},
        StatusCode.DATASET_VERSION_PENDING,
    ),
    (
        "street-scenes",
        {"id": "st-v1", "description": "baseline", "request_origin": "MANUAL"},
        StatusCode.DATASET_VERSION_READY,
    ),
]
#: (model, dataset, version it was trained on)
_MODELS = (("pets-classifier", "cats-dogs", "cd-v2"), ("products-detector", "products", "pr-v1"))
#: (task, dataset, concepts, status, work %, review %, worker strategy, review strategy)
_TASKS = (
    ("label-pets", "cats-dogs", ["cat", "dog"], StatusCode.TASK_IN_PROGRESS, 40, 0, "FULL", "NONE"),
    ("review-products", "products", ["product"], StatusCode.TASK_DONE, 100, 100, "PARTITIONED", "MANUAL"),
    ("street-backlog", "street-scenes", ["car", "person", "bike"], StatusCode.TASK_IDLE, 0, 0, "FULL", "NONE"),
)


def seed_demo(store: Store, n_inputs: int) -> None:
    """Fill the default app (which must exist) with datasets, ``n_inputs`` inputs
    (``img-000001``...) with concept annotations, dataset versions in every status,
    models trained on versions, tasks in several states, a finished bulk operation, a
    workflow and a collaborator, all dated in the past month."""
    opts = store.options
    a = store.app_data(opts.user_id, opts.app_id)
    if a is None:
        raise LookupError(f"the default app {opts.user_id}/{opts.app_id} does not exist")
    t = time.time() - _AGE_SECONDS
    step = 0.01  # close timestamps keep formatting cheap (one format per second)

    def tick() -> float:
        nonlocal t
        t += step
        return t

    a.app["description"] = "Demo app of the clarifai-connector emulator"
    for dataset_id, description in DEMO_DATASETS.items():
        create_dataset(a, {"id": dataset_id, "description": description}, tick())
    for concept in DEMO_CONCEPTS:
        create_concept(a, {"id": concept}, tick())
    _seed_inputs(store, a, n_inputs, tick)

    snapshots = {dataset_id: version_metrics(a, dataset_id) for dataset_id in DEMO_DATASETS}
    for dataset_id, item, settled in _VERSIONS:
        version = create_version(a, dataset_id, copy.deepcopy(item), tick(), snapshots[dataset_id])
        version["status"] = status(settled)
        a.version_meta[(dataset_id, version["id"])]["settled"] = True

    for model_id, dataset_id, version_id in _MODELS:
        name = model_id.replace("-", " ")
        create_model(a, {"id": model_id, "name": name, "model_type_id": "visual-classifier"}, tick())
        train_info = {"dataset": {"id": dataset_id, "version": {"id": version_id}}}
        create_model_version(a, model_id, {"id": f"{model_id}-1", "train_info": train_info}, tick())

    for task_id, dataset_id, concepts, st, work, review, strategy, review_strategy in _TASKS:
        worker: dict[str, Any] = {"strategy": strategy, "user_ids": [a.user_id, "labeler-1"]}
        if strategy == "PARTITIONED":
            worker["partitioned_strategy_info"] = {"type": "EVENLY", "workers_per_input": 1}
        reviewers = {"user_ids": [a.user_id]} if review_strategy != "NONE" else {}
        item = {
            "id": task_id,
            "name": task_id.replace("-", " "),
            "type": "CONCEPTS_CLASSIFICATION",
            "concept_ids": list(concepts),
            "input_source": {"type": "DATASET", "id": dataset_id},
            "worker": worker,
            "review": {"strategy": review_strategy, **reviewers},
        }
        create_task(a, item, tick(), st)
        a.task_meta[task_id].update(work=work, review=review, fixed=True)
        refresh_task(a, task_id)

    street = list(a.dataset_inputs["street-scenes"])[:50]
    op_item = {
        "id": "bulk-tag-street",
        "input_ids": {"input_ids": street},
        "operation": {"add_metadata": {"metadata": {"reviewed": True}}},
    }
    op = create_bulk_operation(store, a, op_item, street, tick())
    a.bulk_meta[op["id"]].update(applied=True, done=True)
    op["status"] = status(StatusCode.BULK_OPERATION_SUCCESS)
    op["progress"] = {"processed": len(street), **({"last_processed_id": street[-1]} if street else {})}

    t_last = tick()
    create_workflow(a, {"id": "general-workflow", "description": "Embed and classify"}, t_last)
    collaborator = {
        "id": "labeler-1",
        "user": {"id": "labeler-1", "primary_email": "labeler-1@example.com"},
        "scopes": ["Inputs:Get", "Annotations:Add"],
    }
    create_collaborator(a, collaborator, t_last)
    store.clock.catch_up(t)


def _seed_inputs(store: Store, a: AppData, n_inputs: int, tick: Callable[[], float]) -> None:
    """``n_inputs`` downloaded inputs spread over the demo datasets. About 90% carry one
    concept (drawn with :data:`DEMO_CONCEPTS` weights), stored as the API stores
    classification data: in the input's ``data.concepts`` and as an input-level
    annotation. Every input has ``metadata.subject`` (what it shows: a few consecutive
    inputs of one dataset share one, so a split grouped by subject keeps them together);
    every fifth also ``metadata.group`` (a region)."""
    names = list(DEMO_CONCEPTS)
    picks = store.rng.choices(names, weights=list(DEMO_CONCEPTS.values()), k=n_inputs)
    downloaded = status(StatusCode.INPUT_DOWNLOAD_SUCCESS)  # one shared dict: nothing changes a status in place
    annotated = status(StatusCode.ANNOTATION_SUCCESS)
    # One list per concept, shared by the inputs and annotations that carry it (as an
    # input and its annotation share one when created through the API): patches
    # replace lists, never change one in place.
    concept_lists = {c: [{"id": c, "name": c, "value": 1.0}] for c in names}
    datasets = list(DEMO_DATASETS)
    subjects: dict[tuple[str, int], str] = {}
    for n in range(1, n_inputs + 1):
        t = tick()
        input_id = f"img-{n:06d}"
        r = n % 10
        dataset_id = datasets[0] if r < 5 else datasets[1] if r < 8 else datasets[2]
        key = (dataset_id, n // 10)
        subject = subjects.get(key)
        if subject is None:
            subject = subjects[key] = f"{_SUBJECT_PREFIX[dataset_id]}-{n // 10:05d}"
        metadata: dict[str, Any] = {"subject": subject}
        if n % 5 == 0:
            metadata["group"] = _GROUPS[n % len(_GROUPS)]
        data: dict[str, Any] = {
            "image": {"url": f"https://images.example.com/demo/{input_id}.jpg"},
            "metadata": metadata,
        }
        labeled = n % 10 != 7  # about 10% stay unlabeled
        if labeled:
            data["concepts"] = concepts = concept_lists[picks[n - 1]]
        create_input(a, {"id": input_id, "data": data}, t, downloaded)
        add_members(a, dataset_id, [input_id], t)
        if labeled:
            ann = {
                "id": f"ann-{n:06d}",
                "input_id": input_id,
                "data": {"concepts": concepts},
                "status": annotated,
                "input_level": True,
            }
            add_annotation(a, ann, t, a.user_id)
