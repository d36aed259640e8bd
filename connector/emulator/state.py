"""In-memory state of the emulator: users' apps and everything inside them.

Objects are kept as ready-to-serialize dicts in the official JSON shape (snake_case
proto field names), in insertion order, so a listing is a slice and no per-item
conversion happens on the hot path. Bookkeeping that is not part of the API shape
(creation clocks, snapshotted input ids, pending effects) lives beside the objects.

Progress over time (dataset versions, bulk operations, inputs add jobs, and tasks when
``task_work_seconds`` is set) is
computed lazily from timestamps by :meth:`EmulatorState.tick`, which the API calls at
the start of every request; there are no background tasks. Options are read when
needed, so changing ``state.options`` at run time takes effect on the next request.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import random
import threading
import time
from datetime import UTC, datetime
from typing import Any

from connector.emulator.options import EmulatorOptions

__all__ = ["AppData", "EmulatorState", "code", "iso", "status"]

logger = logging.getLogger(__name__)

_TERMINAL_BULK = (
    "BULK_OPERATION_SUCCESS",
    "BULK_OPERATION_FAILED",
    "BULK_OPERATION_CANCELLED",
    "BULK_OPERATION_UNEXPECTED_ERROR",
    "BULK_OPERATION_INVALID_REQUEST",
)
_DESCRIPTIONS = {
    "SUCCESS": "Ok",
    "MIXED_STATUS": "Mixed status",
    "DATASET_VERSION_PENDING": "Dataset version is pending",
    "DATASET_VERSION_IN_PROGRESS": "Dataset version is in progress",
    "DATASET_VERSION_READY": "Dataset version is ready",
    "DATASET_VERSION_FAILURE": "Dataset version failed",
    "BULK_OPERATION_PENDING": "Bulk operation is pending",
    "BULK_OPERATION_IN_PROGRESS": "Bulk operation is in progress",
    "BULK_OPERATION_SUCCESS": "Bulk operation succeeded",
    "BULK_OPERATION_CANCELLED": "Bulk operation was cancelled",
    "BULK_OPERATION_FAILED": "Bulk operation failed",
    "INPUT_DOWNLOAD_SUCCESS": "Download complete",
    "INPUT_DOWNLOAD_PENDING": "Download pending",
    "ANNOTATION_SUCCESS": "Annotation success",
    "TASK_IN_PROGRESS": "Task is in progress",
    "TASK_DONE": "Task is done",
    "JOB_QUEUED": "Job is queued",
    "JOB_RUNNING": "Job is running",
    "JOB_COMPLETED": "Job is completed",
    "MODEL_TRAINED": "Model is trained and ready",
}
_CODE_CACHE: dict[str, int] = {}


def code(name: str) -> int:
    """The number of a status code name (from the official ``status_code_pb2``)."""
    value = _CODE_CACHE.get(name)
    if value is None:
        from clarifai_grpc.grpc.api.status import status_code_pb2

        value = status_code_pb2.StatusCode.Value(name)
        _CODE_CACHE[name] = value
    return value


def code_name(number: int) -> str:
    """The name of a status code number (the project's table: for aliased numbers it
    picks the same name the client reports)."""
    from connector.status_codes import STATUS_CODES

    return STATUS_CODES.get(number) or str(number)


def status(name: str, description: str | None = None, details: str = "") -> dict[str, Any]:
    """A Status dict with an integer code."""
    out: dict[str, Any] = {
        "code": code(name),
        "description": description or _DESCRIPTIONS.get(name, name.replace("_", " ").capitalize()),
    }
    if details:
        out["details"] = details
    return out


def iso(t: float) -> str:
    """RFC 3339 UTC timestamp as the API's JSON uses."""
    seconds = int(t)
    micros = round((t - seconds) * 1_000_000)
    if micros >= 1_000_000:
        seconds, micros = seconds + 1, micros - 1_000_000
    return f"{_iso_seconds(seconds)}.{micros:06d}Z"


def _status_name(name: object, prefix: str, example: str) -> str:
    """``name`` if it is an official status code name starting with ``prefix``, else ValueError."""
    from clarifai_grpc.grpc.api.status import status_code_pb2

    names = status_code_pb2.StatusCode.keys()
    if not isinstance(name, str) or not name.startswith(prefix) or name not in names:
        choices = ", ".join(n for n in names if n.startswith(prefix))
        raise ValueError(
            f"status must be the name of a {prefix}* status code (e.g. {example}), got {name!r}; one of: {choices}"
        )
    return name


def _percent(what: str, value: object) -> int:
    """A percentage 0..100 (a number), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise ValueError(f"{what} must be a number from 0 to 100, got {value!r}")
    return int(value)


@functools.lru_cache(maxsize=4096)
def _iso_seconds(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclasses.dataclass
class AppData:
    """Everything inside one app. Each dict keeps insertion (= creation) order."""

    user_id: str
    app: dict[str, Any]
    datasets: dict[str, dict] = dataclasses.field(default_factory=dict)
    #: dataset id -> version id -> DatasetVersion dict.
    versions: dict[str, dict[str, dict]] = dataclasses.field(default_factory=dict)
    #: (dataset id, version id) -> {"t0": float, "input_ids": tuple, "settled": bool}
    version_meta: dict[tuple[str, str], dict] = dataclasses.field(default_factory=dict)
    #: dataset id -> input id -> DatasetInput dict.
    dataset_inputs: dict[str, dict[str, dict]] = dataclasses.field(default_factory=dict)
    inputs: dict[str, dict] = dataclasses.field(default_factory=dict)
    annotations: dict[str, dict] = dataclasses.field(default_factory=dict)
    ann_by_input: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    concepts: dict[str, dict] = dataclasses.field(default_factory=dict)
    tasks: dict[str, dict] = dataclasses.field(default_factory=dict)
    #: task id -> {"t0", "work", "review", "fixed"}
    task_meta: dict[str, dict] = dataclasses.field(default_factory=dict)
    bulk_ops: dict[str, dict] = dataclasses.field(default_factory=dict)
    #: bulk op id -> {"t0", "input_ids", "applied", "done"}
    bulk_meta: dict[str, dict] = dataclasses.field(default_factory=dict)
    add_jobs: dict[str, dict] = dataclasses.field(default_factory=dict)
    add_job_meta: dict[str, dict] = dataclasses.field(default_factory=dict)
    models: dict[str, dict] = dataclasses.field(default_factory=dict)
    #: model id -> version id -> ModelVersion dict.
    model_versions: dict[str, dict[str, dict]] = dataclasses.field(default_factory=dict)
    workflows: dict[str, dict] = dataclasses.field(default_factory=dict)
    collaborators: dict[str, dict] = dataclasses.field(default_factory=dict)
    #: Keys of lifecycles that may still move (an index into the *_meta dicts, pruned
    #: lazily by ``tick``), so a request does not scan every finished object.
    active_versions: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    active_bulk: set[str] = dataclasses.field(default_factory=set)
    active_jobs: set[str] = dataclasses.field(default_factory=set)

    @property
    def app_id(self) -> str:
        return self.app["id"]


class EmulatorState:
    """All emulator data, in memory. Thread-safe through ``lock`` (the API holds it for
    the whole of each request)."""

    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.lock = threading.RLock()
        #: Responses that broke their official message (``validate_responses`` mode).
        self.violations: list[dict[str, Any]] = []
        #: Bumped by every change a request makes (the API reports it as "mutated").
        self.mutations = 0
        self.apps: dict[tuple[str, str], AppData] = {}
        self.pats: dict[str, frozenset[str] | None] = {}
        self._last_t = 0.0
        self.rng = random.Random(options.random_seed)
        self._id_rng = random.Random(f"ids-{options.random_seed}")
        self.reset(seed=options.seed, seed_inputs=options.seed_inputs)

    # -- admin-facing -------------------------------------------------------------

    def reset(self, seed: str = "empty", seed_inputs: int | None = None) -> None:
        """Forget everything, then seed ``"empty"`` (just the user and app) or ``"demo"``
        (a realistic app with ``seed_inputs`` inputs, default ``options.seed_inputs``)."""
        if seed not in ("empty", "demo"):
            raise ValueError(f"unknown seed {seed!r}: use 'empty' or 'demo'")
        with self.lock:
            self.apps = {}
            self.violations = []
            self.rng = random.Random(self.options.random_seed)
            self._id_rng = random.Random(f"ids-{self.options.random_seed}")
            self.pats = {}
            self.add_option_pats()
            self.create_app(self.options.user_id, {"id": self.options.app_id})
            if seed == "demo":
                from connector.emulator.seed import seed_demo

                n = self.options.seed_inputs if seed_inputs is None else seed_inputs
                seed_demo(self, n)
            self.mutations += 1

    def add_pat(self, pat: str, apps: list[str] | None = None) -> None:
        """Accept ``pat`` for the default user; ``apps`` limits it to those app ids
        (None or empty: every app)."""
        with self.lock:
            self.pats[pat] = frozenset(apps) if apps else None

    def add_option_pats(self) -> None:
        """Accept the options' ``pat`` (every app) and each of its ``extra_pats``."""
        with self.lock:
            self.add_pat(self.options.pat)
            for pat, apps in (self.options.extra_pats or {}).items():
                self.add_pat(pat, apps)

    def set_task_progress(
        self,
        task_id: str,
        status: str | None = None,
        work_percent: int | None = None,
        review_percent: int | None = None,
        *,
        app_id: str | None = None,
    ) -> dict:
        """Set a task's status name (e.g. ``TASK_DONE``) and/or its estimated work and
        review percents. Raises KeyError if the task does not exist."""
        with self.lock:
            app = self.app_data(self.options.user_id, app_id or self.options.app_id)
            if app is None or task_id not in app.tasks:
                raise KeyError(f"task {task_id!r} does not exist")
            meta = app.task_meta[task_id]
            checked = {
                name: _percent(name, value)
                for name, value in (("work_percent", work_percent), ("review_percent", review_percent))
                if value is not None
            }
            new_status = self.status(_status_name(status, "TASK_", "TASK_DONE")) if status is not None else None
            if "work_percent" in checked:
                meta["work"] = checked["work_percent"]
                meta["fixed"] = True
            if "review_percent" in checked:
                meta["review"] = checked["review_percent"]
                meta["fixed"] = True
            task = app.tasks[task_id]
            if new_status is not None:
                task["status"] = new_status
            self.refresh_task(app, task_id)
            self.mutations += 1
            return task

    def fail_dataset_version(
        self, dataset_id: str, version_id: str, status: str = "DATASET_VERSION_FAILURE", *, app_id: str | None = None
    ) -> dict:
        """Put a dataset version in a terminal failure status. Raises KeyError if missing."""
        with self.lock:
            app = self.app_data(self.options.user_id, app_id or self.options.app_id)
            try:
                version = app.versions[dataset_id][version_id]  # type: ignore[union-attr]
            except (KeyError, AttributeError):
                raise KeyError(f"dataset version {dataset_id}/{version_id} does not exist") from None
            version["status"] = self.status(_status_name(status, "DATASET_VERSION_", "DATASET_VERSION_FAILURE"))
            app.version_meta[(dataset_id, version_id)]["settled"] = True
            self.mutations += 1
            return version

    def snapshot(self) -> dict[str, Any]:
        """A normalized JSON-able dump of the data (sorted, no timestamps), for comparing
        the end states of two runs."""
        with self.lock:
            self.tick()
            out: dict[str, Any] = {}
            for (user_id, app_id), a in sorted(self.apps.items()):
                out[f"{user_id}/{app_id}"] = {
                    "datasets": sorted(a.datasets),
                    "dataset_versions": {
                        ds: sorted(
                            (
                                {
                                    "id": v["id"],
                                    "status": code_name(v.get("status", {}).get("code", 0)),
                                    "metrics": v.get("metrics", {}),
                                    "request_origin": v.get("request_origin", ""),
                                    "metadata": v.get("metadata", {}),
                                }
                                for v in vs.values()
                            ),
                            key=lambda d: d["id"],
                        )
                        for ds, vs in sorted(a.versions.items())
                    },
                    "dataset_inputs": {ds: sorted(d) for ds, d in sorted(a.dataset_inputs.items())},
                    "inputs": sorted(a.inputs),
                    "annotations": sorted(a.annotations),
                    "concepts": sorted(a.concepts),
                    "tasks": sorted(
                        (
                            {"id": t["id"], "status": code_name(t.get("status", {}).get("code", 0))}
                            for t in a.tasks.values()
                        ),
                        key=lambda d: d["id"],
                    ),
                    "bulk_operations": sorted(
                        (
                            {"id": b["id"], "status": code_name(b.get("status", {}).get("code", 0))}
                            for b in a.bulk_ops.values()
                        ),
                        key=lambda d: d["id"],
                    ),
                    "models": {m: sorted(vs) for m, vs in sorted(a.model_versions.items())},
                    "workflows": sorted(a.workflows),
                    "collaborators": sorted(a.collaborators),
                }
            return out

    # -- helpers used by handlers ------------------------------------------------

    def now(self) -> float:
        """Wall-clock seconds, strictly increasing across calls (stable ordering)."""
        t = time.time()
        if t <= self._last_t:
            t = self._last_t + 1e-6
        self._last_t = t
        return t

    def new_id(self, prefix: str = "") -> str:
        return f"{prefix}{self._id_rng.getrandbits(64):016x}"

    def status(self, name: str, description: str | None = None, details: str = "") -> dict[str, Any]:
        return status(name, description, details)

    def app_data(self, user_id: str, app_id: str) -> AppData | None:
        return self.apps.get((user_id, app_id))

    def create_app(self, user_id: str, app: dict[str, Any]) -> AppData:
        t = iso(self.now())
        body = {**app, "user_id": user_id, "created_at": t, "modified_at": t}
        data = AppData(user_id=user_id, app=body)
        self.apps[(user_id, app["id"])] = data
        return data

    def pat_apps(self, pat: str) -> frozenset[str] | bool | None:
        """False if the PAT is unknown, None if it may use every app, else its apps."""
        if pat not in self.pats:
            return False
        return self.pats[pat]

    # -- lazy progress ---------------------------------------------------------------

    def tick(self) -> None:
        """Advance every time-based lifecycle to now, applying completed effects once."""
        now = time.time()
        opts = self.options
        for app in self.apps.values():
            for key in list(app.active_versions):
                meta = app.version_meta.get(key)
                version = app.versions.get(key[0], {}).get(key[1])
                if meta is None or version is None or meta.get("settled"):
                    app.active_versions.discard(key)
                    continue
                elapsed = now - meta["t0"]
                if elapsed >= opts.version_pending_seconds + opts.version_in_progress_seconds:
                    version["status"] = status("DATASET_VERSION_READY")
                    meta["settled"] = True
                    app.active_versions.discard(key)
                elif elapsed >= opts.version_pending_seconds:
                    version["status"] = status("DATASET_VERSION_IN_PROGRESS")
            for op_id in list(app.active_bulk):
                meta = app.bulk_meta.get(op_id)
                if meta is None or meta["done"]:
                    app.active_bulk.discard(op_id)
                    continue
                self.advance_bulk(app, op_id, meta, now)
            for job_id in list(app.active_jobs):
                meta = app.add_job_meta.get(job_id)
                if meta is None or meta["done"]:
                    app.active_jobs.discard(job_id)
                    continue
                self.advance_add_job(app, job_id, meta, now)
            if opts.task_work_seconds > 0:
                for task_id, meta in app.task_meta.items():
                    if not meta.get("fixed"):
                        self.advance_task(app, task_id, meta, now, opts.task_work_seconds)

    def advance_bulk(self, app: AppData, op_id: str, meta: dict, now: float) -> None:
        """Move a bulk operation along its lifecycle; its effect is applied exactly once, on completion."""
        op = app.bulk_ops[op_id]
        total = len(meta["input_ids"])
        seconds = self.options.bulk_operation_seconds
        frac = 1.0 if seconds <= 0 else (now - meta["t0"]) / seconds
        if frac >= 1.0:
            if not meta["applied"]:
                meta["applied"] = True
                self.apply_bulk(app, op, meta["input_ids"])
            op["status"] = status("BULK_OPERATION_SUCCESS")
            op["progress"] = {"processed": total}
            if total:
                op["progress"]["last_processed_id"] = meta["input_ids"][-1]
            op["last_modified_at"] = iso(meta["t0"] + max(seconds, 0))
            meta["done"] = True
        elif frac >= 0.25:
            op["status"] = status("BULK_OPERATION_IN_PROGRESS")
            processed = int(total * frac)
            op["progress"] = {"processed": processed} if processed else {}
            if processed:
                op["progress"]["last_processed_id"] = meta["input_ids"][processed - 1]

    def apply_bulk(self, app: AppData, op: dict, input_ids: list[str]) -> None:
        """Apply a completed bulk operation's effect to the app's data."""
        operation = op.get("operation", {})
        t = self.now()
        live = [i for i in input_ids if i in app.inputs]
        if "add_to_dataset" in operation:
            self.add_dataset_inputs(app, operation["add_to_dataset"]["dataset_id"], live, t)
        elif "delete_from_dataset" in operation:
            self.remove_dataset_inputs(app, operation["delete_from_dataset"]["dataset_id"], live)
        elif "split_into_datasets" in operation:
            splits = operation["split_into_datasets"].get("dataset_splits", [])
            shuffled = list(live)
            self.rng.shuffle(shuffled)
            start = 0
            for i, split in enumerate(splits):
                if i == len(splits) - 1:
                    end = len(shuffled)
                else:
                    end = start + (len(shuffled) * int(split.get("percentage", 0))) // 100
                self.add_dataset_inputs(app, split["dataset"]["id"], shuffled[start:end], t)
                start = end
        elif "add_metadata" in operation:
            meta = operation["add_metadata"].get("metadata", {})
            for i in live:
                data = app.inputs[i].setdefault("data", {})
                data["metadata"] = {**data.get("metadata", {}), **meta}
        self.mutations += 1

    def advance_add_job(self, app: AppData, job_id: str, meta: dict, now: float) -> None:
        """Move an inputs add job along; on completion its inputs become INPUT_DOWNLOAD_SUCCESS."""
        job = app.add_jobs[job_id]
        total = len(meta["input_ids"])
        seconds = self.options.inputs_add_job_seconds
        frac = 1.0 if seconds <= 0 else (now - meta["t0"]) / seconds
        if frac >= 1.0:
            for i in meta["input_ids"]:
                inp = app.inputs.get(i)
                if inp is not None:
                    inp["status"] = status("INPUT_DOWNLOAD_SUCCESS")
            job["progress"] = {"success_count": str(total)} if total else {}
            job["status"] = status("JOB_COMPLETED")
            job["modified_at"] = iso(meta["t0"] + max(seconds, 0))
            meta["done"] = True
        else:
            done = int(total * frac)
            progress = {}
            if done:
                progress["success_count"] = str(done)
            if total - done:
                progress["in_progress_count" if frac > 0 else "pending_count"] = str(total - done)
            job["progress"] = progress
            job["status"] = status("JOB_RUNNING" if frac > 0.1 else "JOB_QUEUED")

    def advance_task(self, app: AppData, task_id: str, meta: dict, now: float, seconds: float) -> None:
        """Move a task's estimated work (then review, for a task with a MANUAL or
        CONSENSUS review) from 0 to 100% over ``seconds`` each, counted from its creation;
        at the end the task is TASK_DONE. A task whose status is no longer
        TASK_IN_PROGRESS (changed by PatchTasks or the admin API), or whose percents the
        admin API set, is left alone."""
        task = app.tasks.get(task_id)
        if task is None or meta.get("fixed") or code_name(task.get("status", {}).get("code", 0)) != "TASK_IN_PROGRESS":
            return
        elapsed = max(0.0, now - meta["t0"])
        reviewed = task.get("review", {}).get("strategy") in ("MANUAL", "CONSENSUS")
        work = min(100, int(100 * elapsed / seconds))
        review = min(100, max(0, int(100 * (elapsed - seconds) / seconds))) if reviewed else 0
        if (work, review) == (meta["work"], meta["review"]):
            return
        meta["work"], meta["review"] = work, review
        if work >= 100 and (review >= 100 or not reviewed):
            task["status"] = status("TASK_DONE")
            task["modified_at"] = iso(meta["t0"] + seconds * (2 if reviewed else 1))
            meta["fixed"] = True
        self.refresh_task(app, task_id)

    def refresh_task(self, app: AppData, task_id: str) -> None:
        """Recompute a task's metrics from its input source and progress."""
        task = app.tasks[task_id]
        meta = app.task_meta[task_id]
        count = self.task_input_total(app, task)
        work: dict[str, Any] = {}
        if count:
            work["inputs_count_estimated"] = str(count)
        if meta["work"]:
            work["inputs_percent_estimated"] = meta["work"]
        review: dict[str, Any] = {}
        reviewed = count * meta["review"] // 100
        if reviewed:
            review["inputs_count_estimated"] = str(reviewed)
        if meta["review"]:
            review["inputs_percent_estimated"] = meta["review"]
        task["metrics"] = {"work": work, "review": review}

    def task_input_total(self, app: AppData, task: dict) -> int:
        """How many inputs a task covers (from its input source)."""
        source = task.get("input_source", {})
        kind = source.get("type", "ALL_INPUTS")
        if kind == "DATASET":
            return len(app.dataset_inputs.get(source.get("id", ""), {}))
        if kind == "INPUT":
            return 1 if source.get("id") in app.inputs else 0
        if kind in ("ALL_INPUTS", "INPUT_SOURCE_TYPE_NOT_SET"):
            return len(app.inputs)
        return 0

    # -- shared data changes ---------------------------------------------------------

    def add_dataset_inputs(self, app: AppData, dataset_id: str, input_ids: list[str], t: float) -> list[str]:
        """Add existing inputs to a dataset; returns the ids that were not there yet."""
        members = app.dataset_inputs.setdefault(dataset_id, {})
        added = []
        stamp = iso(t)
        for i in input_ids:
            if i in members or i not in app.inputs:
                continue
            inp = app.inputs[i]
            members[i] = {"created_at": stamp, "input": inp}
            ds_ids = inp.setdefault("dataset_ids", [])
            if dataset_id not in ds_ids:
                ds_ids.append(dataset_id)
            added.append(i)
        return added

    def remove_dataset_inputs(self, app: AppData, dataset_id: str, input_ids: list[str]) -> list[str]:
        """Remove inputs from a dataset; returns the ids that were members."""
        members = app.dataset_inputs.get(dataset_id, {})
        removed = []
        for i in input_ids:
            if members.pop(i, None) is None:
                continue
            inp = app.inputs.get(i)
            if inp is not None and dataset_id in inp.get("dataset_ids", []):
                inp["dataset_ids"].remove(dataset_id)
                if not inp["dataset_ids"]:
                    del inp["dataset_ids"]
            removed.append(i)
        return removed

    def version_metrics(self, app: AppData, dataset_id: str) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Metrics of a dataset as a version would snapshot them, and the input ids."""
        members = tuple(app.dataset_inputs.get(dataset_id, {}))
        unlabeled = with_meta = tags = 0
        for i in members:
            inp = app.inputs[i]
            if inp.get("data", {}).get("metadata"):
                with_meta += 1
            ann_ids = app.ann_by_input.get(i)
            n = 0
            if ann_ids:
                for a in ann_ids:
                    n += sum(1 for c in app.annotations[a].get("data", {}).get("concepts", ()) if c.get("value", 1) > 0)
            if n == 0:
                unlabeled += 1
            tags += n
        metrics = {
            "inputs_count": str(len(members)),
            "unlabeled_inputs_count": str(unlabeled),
            "inputs_with_metadata_count": str(with_meta),
            "positive_input_tags_count": str(tags),
        }
        return {"/": metrics}, members

    def is_terminal_bulk(self, op: dict) -> bool:
        return code_name(op.get("status", {}).get("code", 0)) in _TERMINAL_BULK
