"""Where the emulator keeps its data, and what every part of the backend shares to
change it: the options, one lock, the clock, the id source, the random generator and
the mutation counter.

Objects are kept as ready-to-serialize dicts in the official JSON shape (snake_case
proto field names), in insertion (= creation) order, so a listing is a slice and no
per-item conversion happens on the hot path. Bookkeeping that is not part of the API
shape (creation clocks, snapshotted input ids, pending effects) lives beside the
objects, in the ``*_meta`` dicts.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from typing import Any

from connector.emulator.backend.clock import Clock
from connector.emulator.options import EmulatorOptions

__all__ = ["AppData", "Obj", "Store"]

#: A stored API object (dataset, input, task, ...) in its JSON shape.
Obj = dict[str, Any]


@dataclasses.dataclass
class AppData:
    """Everything inside one app. Each dict keeps insertion (= creation) order."""

    user_id: str
    app: Obj
    datasets: dict[str, Obj] = dataclasses.field(default_factory=dict)
    #: dataset id -> version id -> DatasetVersion dict.
    versions: dict[str, dict[str, Obj]] = dataclasses.field(default_factory=dict)
    #: (dataset id, version id) -> {"t0": float, "input_ids": tuple, "settled": bool}
    version_meta: dict[tuple[str, str], dict[str, Any]] = dataclasses.field(default_factory=dict)
    #: dataset id -> input id -> DatasetInput dict.
    dataset_inputs: dict[str, dict[str, Obj]] = dataclasses.field(default_factory=dict)
    inputs: dict[str, Obj] = dataclasses.field(default_factory=dict)
    annotations: dict[str, Obj] = dataclasses.field(default_factory=dict)
    #: input id -> ids of its annotations.
    ann_by_input: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    concepts: dict[str, Obj] = dataclasses.field(default_factory=dict)
    tasks: dict[str, Obj] = dataclasses.field(default_factory=dict)
    #: task id -> {"t0", "work", "review", "fixed"}
    task_meta: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    bulk_ops: dict[str, Obj] = dataclasses.field(default_factory=dict)
    #: bulk op id -> {"t0", "input_ids", "applied", "done"}
    bulk_meta: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    add_jobs: dict[str, Obj] = dataclasses.field(default_factory=dict)
    #: inputs add job id -> {"t0", "input_ids", "done"}
    add_job_meta: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    models: dict[str, Obj] = dataclasses.field(default_factory=dict)
    #: model id -> version id -> ModelVersion dict.
    model_versions: dict[str, dict[str, Obj]] = dataclasses.field(default_factory=dict)
    workflows: dict[str, Obj] = dataclasses.field(default_factory=dict)
    collaborators: dict[str, Obj] = dataclasses.field(default_factory=dict)
    #: Keys of lifecycles that may still move (an index into the *_meta dicts, pruned
    #: lazily by the lifecycle tick), so a request does not scan every finished object.
    active_versions: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    active_bulk: set[str] = dataclasses.field(default_factory=set)
    active_jobs: set[str] = dataclasses.field(default_factory=set)

    @property
    def app_id(self) -> str:
        return str(self.app["id"])


class Store:
    """Every app's data, keyed by (user id, app id), and the shared means to change it.

    Not thread-safe by itself: whoever changes it holds ``lock`` (the API holds it for
    the whole of each request). Options are read when needed, so a change to
    ``options`` takes effect on the next request.
    """

    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.lock = threading.RLock()
        self.apps: dict[tuple[str, str], AppData] = {}
        #: Bumped by every change a request makes (the API reports it as "mutated").
        self.mutations = 0
        self.clock = Clock()
        self.rng = random.Random(options.random_seed)
        self._id_rng = random.Random(f"ids-{options.random_seed}")

    def clear(self) -> None:
        """Forget every app and restart the random generators from ``random_seed``."""
        self.apps = {}
        self.rng = random.Random(self.options.random_seed)
        self._id_rng = random.Random(f"ids-{self.options.random_seed}")

    def changed(self) -> None:
        """Record that the data changed."""
        self.mutations += 1

    def now(self) -> float:
        """Wall-clock seconds, strictly increasing across calls (stable ordering)."""
        return self.clock.now()

    def new_id(self, prefix: str = "") -> str:
        """A fresh id (deterministic for a given ``random_seed``)."""
        return f"{prefix}{self._id_rng.getrandbits(64):016x}"

    def app_data(self, user_id: str, app_id: str) -> AppData | None:
        return self.apps.get((user_id, app_id))
