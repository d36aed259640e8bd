"""Inputs add jobs: one per PostInputs request that created inputs; QUEUED -> RUNNING ->
COMPLETED over ``inputs_add_job_seconds``, after which its inputs are downloaded."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend.clock import iso
from connector.emulator.backend.statuses import checked_code, status
from connector.emulator.backend.store import AppData, Obj, Store
from connector.status_codes import StatusCode

__all__ = ["advance_add_job", "advance_add_jobs", "create_add_job", "end_add_job"]


def create_add_job(store: Store, app: AppData, job_id: str, input_ids: list[str], t: float) -> Obj:
    """Store a queued job over ``input_ids`` created at ``t``, already advanced to ``t``."""
    job = {
        "id": job_id,
        "created_at": iso(t),
        "modified_at": iso(t),
        "status": status(StatusCode.JOB_QUEUED),
        "progress": {"pending_count": str(len(input_ids))},
    }
    app.add_jobs[job_id] = job
    app.add_job_meta[job_id] = {"t0": t, "input_ids": input_ids, "done": False}
    app.active_jobs.add(job_id)
    advance_add_job(store, app, job_id, app.add_job_meta[job_id], t)
    return job


def advance_add_job(store: Store, app: AppData, job_id: str, meta: dict[str, Any], now: float) -> None:
    """Move a job to where ``now`` puts it; on completion its inputs become
    INPUT_DOWNLOAD_SUCCESS."""
    job = app.add_jobs[job_id]
    total = len(meta["input_ids"])
    seconds = store.options.inputs_add_job_seconds
    frac = 1.0 if seconds <= 0 else (now - meta["t0"]) / seconds
    if frac >= 1.0:
        for input_id in meta["input_ids"]:
            inp = app.inputs.get(input_id)
            if inp is not None:
                inp["status"] = status(StatusCode.INPUT_DOWNLOAD_SUCCESS)
        job["progress"] = {"success_count": str(total)} if total else {}
        job["status"] = status(StatusCode.JOB_COMPLETED)
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
        job["status"] = status(StatusCode.JOB_RUNNING if frac > 0.1 else StatusCode.JOB_QUEUED)


def end_add_job(store: Store, app: AppData | None, job_id: str, status_name: object) -> Obj:
    """Settle a job in terminal status ``status_name`` (JOB_FAILED, JOB_CANCELLED,
    JOB_UNEXPECTED_ERROR, JOB_CONFLICT or JOB_COMPLETED); time no longer moves it and its
    inputs keep the status they have. Raises KeyError if it does not exist, ValueError for
    another name; changes nothing then."""
    job = app.add_jobs.get(job_id) if app is not None else None
    if app is None or job is None:
        raise KeyError(f"inputs add job {job_id} does not exist")
    code = checked_code(status_name, "JOB_", "JOB_FAILED")
    if code in (StatusCode.JOB_QUEUED, StatusCode.JOB_RUNNING, StatusCode.JOB_PAUSED):
        raise ValueError(f"status must be a terminal JOB_* status, got {status_name!r}")
    job["status"] = status(code)
    job["modified_at"] = iso(store.now())
    app.add_job_meta[job_id]["done"] = True
    store.changed()
    return job


def advance_add_jobs(store: Store, app: AppData, now: float) -> None:
    """Advance every unfinished job of ``app`` to ``now``."""
    for job_id in list(app.active_jobs):
        meta = app.add_job_meta.get(job_id)
        if meta is None or meta["done"]:
            app.active_jobs.discard(job_id)
            continue
        advance_add_job(store, app, job_id, meta, now)
