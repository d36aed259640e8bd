"""The showcase seed: the demo app (every id of :func:`~.seed.seed_demo` as it is) plus a
month of history, for ``make demo`` and for trying the report on something lived-in.

On top of the demo app it adds:

* ``traffic-cams`` (three of every four ``street-scenes`` inputs) with a dataset version
  built every night for two weeks (``tc-night-01`` ... ``tc-night-14``): two failed
  (FAILURE, UNEXPECTED_ERROR), last night's still IN_PROGRESS;
* ``shelf-audit`` (every other ``products`` input) with a weekly version for five weeks
  (``sa-week-1`` ... ``sa-week-5``), one failed;
* models trained on some of those versions (``traffic-counter`` twice, ``shelf-detector``);
* an old 80/20 split of ``products`` (``products-train`` / ``products-test``, three weeks
  ago) that has drifted: the products added since are in neither target, and a dozen
  inputs were put in both (leakage);
* labeling tasks in every state: a stale one (unchanged for 12 days), one in review, a
  failed one, a won't-do one and a fresh idle one.

Deterministic, like the demo seed: same options, same data. Dates count back from now.
"""

from __future__ import annotations

import time
from typing import Any

from connector.emulator.backend.clock import iso
from connector.emulator.backend.dataset_inputs import add_members
from connector.emulator.backend.dataset_versions import create_version, version_metrics
from connector.emulator.backend.datasets import create_dataset
from connector.emulator.backend.models import create_model, create_model_version
from connector.emulator.backend.seed import seed_demo
from connector.emulator.backend.statuses import status
from connector.emulator.backend.store import AppData, Store
from connector.emulator.backend.tasks import create_task, refresh_task
from connector.status_codes import StatusCode

__all__ = ["SHOWCASE_DATASETS", "seed_showcase"]

_DAY = 24 * 60 * 60
_READY = StatusCode.DATASET_VERSION_READY

#: Dataset id -> (description, dataset its inputs come from, keep one input in every n... as (k, n)).
SHOWCASE_DATASETS: dict[str, tuple[str, str, tuple[int, int]]] = {
    "traffic-cams": ("Frames of the city's traffic cameras, rebuilt nightly", "street-scenes", (3, 4)),
    "shelf-audit": ("Shelf photos from store audits, rebuilt weekly", "products", (1, 2)),
}

#: (dataset, version id, days ago, status, description)
_HISTORY: list[tuple[str, str, float, StatusCode, str]] = [
    *(
        (
            "traffic-cams",
            f"tc-night-{n:02d}",
            14.9 - n,  # a little after midnight, each of the last 14 nights
            {
                4: StatusCode.DATASET_VERSION_FAILURE,
                9: StatusCode.DATASET_VERSION_UNEXPECTED_ERROR,
                14: StatusCode.DATASET_VERSION_IN_PROGRESS,
            }.get(n, _READY),
            f"nightly build {n}",
        )
        for n in range(1, 15)
    ),
    *(
        (
            "shelf-audit",
            f"sa-week-{n}",
            7.0 * (5 - n) + 0.5,
            StatusCode.DATASET_VERSION_FAILURE if n == 2 else _READY,
            f"audit round {n}",
        )
        for n in range(1, 6)
    ),
]

#: (model, version id, dataset, dataset version it was trained on, days ago)
_TRAINED = (
    ("traffic-counter", "traffic-counter-1", "traffic-cams", "tc-night-06", 8.5),
    ("traffic-counter", "traffic-counter-2", "traffic-cams", "tc-night-11", 3.5),
    ("shelf-detector", "shelf-detector-1", "shelf-audit", "sa-week-1", 26.0),
)

#: (task, dataset, concepts, status, work %, review %, review strategy, created / modified days ago)
_TASKS: tuple[tuple[str, str, list[str], StatusCode, int, int, str, float, float], ...] = (
    ("label-traffic", "traffic-cams", ["car", "person", "bike"], StatusCode.TASK_IN_PROGRESS, 65, 0, "NONE", 20, 12),
    ("review-shelves", "shelf-audit", ["product"], StatusCode.TASK_IN_PROGRESS, 100, 35, "MANUAL", 6, 1),
    ("night-shift-relabel", "traffic-cams", ["car"], StatusCode.TASK_FAILED, 10, 0, "NONE", 9, 8),
    ("legacy-bikes", "street-scenes", ["bike"], StatusCode.TASK_WONT_DO, 0, 0, "NONE", 25, 24),
    ("fresh-pets", "cats-dogs", ["cat", "dog"], StatusCode.TASK_IDLE, 0, 0, "NONE", 0.1, 0.1),
)

#: The old split of products: (targets, share of the products inputs it covered, leaked inputs).
_OLD_SPLIT = ({"train": "products-train", "test": "products-test"}, 0.9, 12)


def seed_showcase(store: Store, n_inputs: int) -> None:
    """Seed the demo app with ``n_inputs`` inputs (:func:`~.seed.seed_demo`), then add a
    month of history to it (see the module docstring)."""
    seed_demo(store, n_inputs)
    opts = store.options
    a = store.app_data(opts.user_id, opts.app_id)
    if a is None:  # pragma: no cover - seed_demo raised already
        raise LookupError(f"the default app {opts.user_id}/{opts.app_id} does not exist")
    now = time.time()
    start = now - 29 * _DAY  # the demo app's own objects are a month old
    for dataset_id, (description, source, (keep, every)) in SHOWCASE_DATASETS.items():
        create_dataset(a, {"id": dataset_id, "description": description}, start)
        members = [i for n, i in enumerate(a.dataset_inputs.get(source, {})) if n % every < keep]
        add_members(a, dataset_id, members, start)
    _old_split(a, now - 21 * _DAY)

    for dataset_id in SHOWCASE_DATASETS:
        snapshot = version_metrics(a, dataset_id)
        for ds, version_id, days_ago, settled, description in _HISTORY:
            if ds != dataset_id:
                continue
            body = {"id": version_id, "description": description, "request_origin": "MANUAL"}
            version = create_version(a, dataset_id, body, now - days_ago * _DAY, snapshot)
            version["status"] = status(settled)
            a.version_meta[(dataset_id, version_id)]["settled"] = True

    for model_id, version_id, dataset_id, trained_on, days_ago in _TRAINED:
        t = now - days_ago * _DAY
        if model_id not in a.models:
            model = {"id": model_id, "name": model_id.replace("-", " "), "model_type_id": "visual-detector"}
            create_model(a, model, t - _DAY)
        train_info = {"dataset": {"id": dataset_id, "version": {"id": trained_on}}}
        create_model_version(a, model_id, {"id": version_id, "train_info": train_info}, t)

    for task_id, dataset_id, concepts, st, work, review, review_strategy, created, modified in _TASKS:
        task_item: dict[str, Any] = {
            "id": task_id,
            "name": task_id.replace("-", " "),
            "type": "CONCEPTS_CLASSIFICATION",
            "concept_ids": list(concepts),
            "input_source": {"type": "DATASET", "id": dataset_id},
            "worker": {"strategy": "FULL", "user_ids": [a.user_id, "labeler-1"]},
            "review": {"strategy": review_strategy, **({"user_ids": [a.user_id]} if review_strategy != "NONE" else {})},
        }
        task = create_task(a, task_item, now - created * _DAY, st)
        task["modified_at"] = iso(now - modified * _DAY)
        a.task_meta[task_id].update(work=work, review=review, fixed=True)
        refresh_task(a, task_id)
    store.clock.catch_up(now)


def _old_split(a: AppData, t: float) -> None:
    """``products`` split 80/20 into two targets back then: the inputs added since are in
    neither, and a few were put in both."""
    targets, covered, leaked = _OLD_SPLIT
    source = list(a.dataset_inputs.get("products", {}))
    then = source[: int(len(source) * covered)]
    for name in targets.values():
        create_dataset(a, {"id": name, "description": f"{name.rsplit('-', 1)[1]} split of products"}, t)
    train = [i for n, i in enumerate(then) if n % 5 != 4]
    test = [i for n, i in enumerate(then) if n % 5 == 4]
    add_members(a, targets["train"], train, t)
    add_members(a, targets["test"], test + train[:leaked], t)
