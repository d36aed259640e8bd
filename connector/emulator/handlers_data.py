"""Handlers for apps, datasets, dataset versions, inputs (and add jobs), dataset inputs,
annotations and concepts.

Semantics (see docs/architecture.md, "Emulator semantics"): objects without a per-item
``status`` field (apps, datasets, concepts) are created all-or-nothing: a duplicate id
fails the whole request with DATABASE_DUPLICATE_KEY and writes nothing. Objects with a
``status`` (dataset versions, inputs, dataset inputs, annotations) fail per item and
the batch answers MIXED_STATUS.
"""

from __future__ import annotations

from typing import Any

from connector.emulator.handlers import (
    PROTECTED,
    ApiError,
    Ctx,
    apply_patch,
    batch_result,
    delete_ids,
    get_or_404,
    handler,
    newest_first,
    not_found,
    page_of,
)
from connector.emulator.state import AppData, code, iso, status

__all__ = ["add_annotation", "create_version", "new_items_all_or_nothing", "status_code_of"]


def status_code_of(st: dict[str, Any]) -> int:
    c = st.get("code", 0)
    return code(c) if isinstance(c, str) else int(c)


def new_items_all_or_nothing(
    ctx: Ctx, items: list[dict], existing: dict, what: str, prefix: str, dup_code: str = "DATABASE_DUPLICATE_KEY"
) -> list[dict]:
    """Give missing ids; fail the whole request if any id exists or repeats."""
    if not items:
        raise ApiError("CONN_INVALID_REQUEST", "Invalid request", f"no {what}s given")
    seen: set[str] = set()
    dups = []
    out = []
    for item in items:
        item = dict(item)
        if not item.get("id"):
            item["id"] = ctx.state.new_id(prefix)
        if item["id"] in existing or item["id"] in seen:
            dups.append(item["id"])
        seen.add(item["id"])
        out.append(item)
    if dups:
        raise ApiError(dup_code, "Already exists", f"{what} ids already exist: {', '.join(dups[:50])}")
    return out


def _stamp(ctx: Ctx, obj: dict, *, app_scoped: bool = True) -> dict:
    t = iso(ctx.now())
    obj["created_at"] = t
    obj["modified_at"] = t
    if app_scoped:
        obj["app_id"] = ctx.app_id
        obj["user_id"] = ctx.user_id
    return obj


def _ds(ctx: Ctx, dataset_id: str) -> dict:
    return get_or_404(ctx.a.datasets, dataset_id, "dataset")


# -- apps ------------------------------------------------------------------------------


@handler("ListApps")
def list_apps(ctx: Ctx) -> dict:
    apps = [
        a.app
        for (u, _), a in ctx.state.apps.items()
        if u == ctx.user_id and (ctx.allowed is None or a.app_id in ctx.allowed)
    ]
    apps.reverse()
    return {"apps": page_of(ctx.req, apps)}


@handler("GetApp")
def get_app(ctx: Ctx) -> dict:
    return {"app": ctx.a.app}


@handler("PostApps")
def post_apps(ctx: Ctx) -> dict:
    existing = {aid: None for (u, aid) in ctx.state.apps if u == ctx.user_id}
    items = new_items_all_or_nothing(ctx, ctx.req.get("apps", []), existing, "app", "app-")
    out = [ctx.state.create_app(ctx.user_id, item).app for item in items]
    ctx.changed()
    return {"apps": out}


# -- datasets --------------------------------------------------------------------------


@handler("ListDatasets")
def list_datasets(ctx: Ctx) -> dict:
    items = newest_first(ctx.a.datasets)
    if ctx.req.get("id"):
        items = (d for d in ctx.a.datasets.values() if d["id"] == ctx.req["id"])
    return {"datasets": page_of(ctx.req, items)}


@handler("GetDataset")
def get_dataset(ctx: Ctx) -> dict:
    return {"dataset": _ds(ctx, ctx.req.get("dataset_id", ""))}


@handler("PostDatasets")
def post_datasets(ctx: Ctx) -> dict:
    items = new_items_all_or_nothing(ctx, ctx.req.get("datasets", []), ctx.a.datasets, "dataset", "ds-")
    out = []
    for item in items:
        obj = _stamp(ctx, item)
        ctx.a.datasets[obj["id"]] = obj
        ctx.a.dataset_inputs.setdefault(obj["id"], {})
        ctx.a.versions.setdefault(obj["id"], {})
        out.append(obj)
    ctx.changed()
    return {"datasets": out}


def _patch_all(
    ctx: Ctx, items: list[dict], store: dict, what: str, extra_protected: tuple[str, ...] = ()
) -> list[dict]:
    if not items:
        raise ApiError("CONN_INVALID_REQUEST", "Invalid request", f"no {what}s given")
    missing = [i.get("id", "") for i in items if i.get("id") not in store]
    if missing:
        raise ApiError(
            "CONN_DOES_NOT_EXIST", "Resource does not exist", f"{what} ids not found: {', '.join(missing[:50])}"
        )
    action = ctx.req.get("action") or "merge"  # apply_patch refuses another before its first change
    out = []
    t = iso(ctx.now())
    for item in items:
        obj = store[item["id"]]
        apply_patch(obj, item, action, protected=(*PROTECTED, *extra_protected))
        obj["modified_at"] = t
        out.append(obj)
    ctx.changed()
    return out


@handler("PatchDatasets")
def patch_datasets(ctx: Ctx) -> dict:
    return {"datasets": _patch_all(ctx, ctx.req.get("datasets", []), ctx.a.datasets, "dataset")}


@handler("DeleteDatasets")
def delete_datasets(ctx: Ctx) -> dict:
    a = ctx.a

    def delete(i: str) -> None:
        ctx.state.remove_dataset_inputs(a, i, list(a.dataset_inputs.get(i, {})))
        a.dataset_inputs.pop(i, None)
        for vid in a.versions.pop(i, {}):
            a.version_meta.pop((i, vid), None)
        del a.datasets[i]

    return delete_ids(ctx, ctx.req.get("dataset_ids", []), a.datasets.__contains__, delete, "dataset")


# -- dataset versions --------------------------------------------------------------------


@handler("ListDatasetVersions")
def list_dataset_versions(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    items = newest_first(ctx.a.versions.get(ds_id, {}))
    origins = ctx.req.get("request_origins")
    if origins:
        wanted = set(origins)
        items = (v for v in items if v.get("request_origin", "DATASET_VERSION_REQUEST_ORIGIN_NOT_SET") in wanted)
    return {"dataset_versions": page_of(ctx.req, items)}


@handler("GetDatasetVersion")
def get_dataset_version(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    vid = ctx.req.get("dataset_version_id", "")
    v = ctx.a.versions.get(ds_id, {}).get(vid)
    if v is None:
        raise not_found("dataset version", f"{ds_id}/{vid}")
    return {"dataset_version": v}


def create_version(
    state: Any, a: AppData, ds_id: str, item: dict, t: float, snapshot: tuple[dict, tuple[str, ...]] | None = None
) -> dict:
    """Snapshot dataset ``ds_id`` as a new PENDING version (shared with seeding, which
    passes a precomputed ``snapshot`` of metrics and member ids)."""
    metrics, members = snapshot or state.version_metrics(a, ds_id)
    stamp = iso(t)
    obj = {
        **item,
        "dataset_id": ds_id,
        "app_id": a.app_id,
        "user_id": a.user_id,
        "created_at": stamp,
        "modified_at": stamp,
        "status": status("DATASET_VERSION_PENDING"),
        "metrics": metrics,
    }
    obj.setdefault("request_origin", "MANUAL")
    a.versions.setdefault(ds_id, {})[obj["id"]] = obj
    a.version_meta[(ds_id, obj["id"])] = {"t0": t, "input_ids": members, "settled": False}
    a.active_versions.add((ds_id, obj["id"]))
    return obj


@handler("PostDatasetVersions")
def post_dataset_versions(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    items = ctx.req.get("dataset_versions") or [{}]
    existing = ctx.a.versions.setdefault(ds_id, {})
    results: list[tuple[dict, str | None, str]] = []
    for item in items:
        item = dict(item)
        if not item.get("id"):
            item["id"] = ctx.state.new_id("v-")
        if item["id"] in existing:
            results.append(
                (
                    existing[item["id"]],
                    "DATABASE_DUPLICATE_KEY",
                    f"dataset version {item['id']!r} already exists in dataset {ds_id!r}",
                )
            )
            continue
        results.append((create_version(ctx.state, ctx.a, ds_id, item, ctx.now()), None, ""))
        ctx.changed()
    return batch_result("dataset_versions", results)


@handler("PatchDatasetVersions")
def patch_dataset_versions(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    store = ctx.a.versions.setdefault(ds_id, {})
    out = _patch_all(
        ctx,
        ctx.req.get("dataset_versions", []),
        store,
        "dataset version",
        ("dataset_id", "status", "metrics", "request_origin"),
    )
    return {"dataset_versions": out}


@handler("DeleteDatasetVersions")
def delete_dataset_versions(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    store = ctx.a.versions.setdefault(ds_id, {})

    def delete(i: str) -> None:
        del store[i]
        ctx.a.version_meta.pop((ds_id, i), None)

    return delete_ids(ctx, ctx.req.get("dataset_version_ids", []), store.__contains__, delete, "dataset version")


# -- inputs ----------------------------------------------------------------------------------


def add_annotation(ctx_state: Any, a: AppData, ann: dict, t: float, default_user: str) -> dict:
    """Store one annotation (shared with seeding)."""
    stamp = iso(t)
    obj = {"user_id": default_user, **ann, "created_at": stamp, "modified_at": stamp}
    obj.setdefault("status", status("ANNOTATION_SUCCESS"))
    if obj.get("input_id") and obj.get("data", {}).get("concepts") and "input_level" not in obj:
        obj["input_level"] = True
    a.annotations[obj["id"]] = obj
    a.ann_by_input.setdefault(obj["input_id"], []).append(obj["id"])
    return obj


@handler("PostInputs")
def post_inputs(ctx: Ctx) -> dict:
    items = ctx.req.get("inputs", [])
    if not items:
        raise ApiError("INPUT_INVALID_ARGUMENT", "Invalid argument", "no inputs given")
    a = ctx.a
    resolution = ctx.req.get("input_id_conflict_resolution", "")
    pending = ctx.state.options.inputs_add_job_seconds > 0
    results: list[tuple[dict, str | None, str]] = []
    created_ids: list[str] = []
    seen: set[str] = set()
    for item in items:
        item = dict(item)
        if not item.get("id"):
            item["id"] = ctx.state.new_id("in-")
        if item["id"] in a.inputs or item["id"] in seen:
            if resolution == "SKIP" and item["id"] in a.inputs:
                results.append((a.inputs[item["id"]], None, ""))
                continue
            if resolution == "SUFFIX":
                n = 1
                while f"{item['id']}-{n}" in a.inputs or f"{item['id']}-{n}" in seen:
                    n += 1
                item["id"] = f"{item['id']}-{n}"
            else:
                results.append((item, "INPUT_DUPLICATE", f"input id {item['id']!r} already exists"))
                continue
        bad = [d for d in item.get("dataset_ids", []) if d not in a.datasets]
        if bad:
            results.append((item, "INPUT_INVALID_ARGUMENT", f"datasets do not exist: {', '.join(bad)}"))
            continue
        seen.add(item["id"])
        t = ctx.now()
        stamp = iso(t)
        dataset_ids = item.pop("dataset_ids", [])
        obj = {
            **item,
            "created_at": stamp,
            "modified_at": stamp,
            "status": status("INPUT_DOWNLOAD_PENDING" if pending else "INPUT_DOWNLOAD_SUCCESS"),
        }
        obj.pop("settings", None)
        a.inputs[obj["id"]] = obj
        for d in dataset_ids:
            ctx.state.add_dataset_inputs(a, d, [obj["id"]], t)
        concepts = obj.get("data", {}).get("concepts")
        if concepts:
            add_annotation(
                ctx.state,
                a,
                {"id": ctx.state.new_id("ann-"), "input_id": obj["id"], "data": {"concepts": concepts}},
                t,
                ctx.user_id,
            )
        created_ids.append(obj["id"])
        results.append((obj, None, ""))
    extra: dict[str, Any] = {}
    if created_ids:
        ctx.changed()
        job_id = ctx.req.get("inputs_add_job_id") or ctx.state.new_id("job-")
        if job_id not in a.add_jobs:
            t = ctx.now()
            job = {
                "id": job_id,
                "created_at": iso(t),
                "modified_at": iso(t),
                "status": status("JOB_QUEUED"),
                "progress": {"pending_count": str(len(created_ids))},
            }
            a.add_jobs[job_id] = job
            a.add_job_meta[job_id] = {"t0": t, "input_ids": created_ids, "done": False}
            a.active_jobs.add(job_id)
            ctx.state.advance_add_job(a, job_id, a.add_job_meta[job_id], t)
        extra["inputs_add_job"] = a.add_jobs[job_id]
    return batch_result("inputs", results, extra=extra)


@handler("ListInputs")
def list_inputs(ctx: Ctx) -> dict:
    a = ctx.a
    ids = ctx.req.get("ids")
    if ids:
        items: Any = (a.inputs[i] for i in ids if i in a.inputs)
    else:
        items = newest_first(a.inputs)
    st = ctx.req.get("status")
    if st and st.get("code"):
        wanted = status_code_of(st)
        items = (i for i in items if i.get("status", {}).get("code") == wanted)
    return {"inputs": page_of(ctx.req, items)}


@handler("GetInput")
def get_input(ctx: Ctx) -> dict:
    return {"input": get_or_404(ctx.a.inputs, ctx.req.get("input_id", ""), "input")}


@handler("PatchInputs")
def patch_inputs(ctx: Ctx) -> dict:
    return {"inputs": _patch_all(ctx, ctx.req.get("inputs", []), ctx.a.inputs, "input", ("status", "dataset_ids"))}


@handler("DeleteInputs")
def delete_inputs(ctx: Ctx) -> dict:
    a = ctx.a

    def delete(i: str) -> None:
        for ds in list(a.inputs[i].get("dataset_ids", [])):
            ctx.state.remove_dataset_inputs(a, ds, [i])
        for ann in a.ann_by_input.pop(i, []):
            a.annotations.pop(ann, None)
        del a.inputs[i]

    return delete_ids(ctx, ctx.req.get("ids", []), a.inputs.__contains__, delete, "input")


@handler("ListInputsAddJobs")
def list_inputs_add_jobs(ctx: Ctx) -> dict:
    return {"inputs_add_jobs": page_of(ctx.req, newest_first(ctx.a.add_jobs))}


@handler("GetInputsAddJob")
def get_inputs_add_job(ctx: Ctx) -> dict:
    return {"inputs_add_job": get_or_404(ctx.a.add_jobs, ctx.req.get("id", ""), "inputs add job")}


# -- dataset inputs ----------------------------------------------------------------------------


@handler("ListDatasetInputs")
def list_dataset_inputs(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    return {"dataset_inputs": page_of(ctx.req, newest_first(ctx.a.dataset_inputs.get(ds_id, {})))}


@handler("GetDatasetInput")
def get_dataset_input(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    i = ctx.req.get("input_id", "")
    obj = ctx.a.dataset_inputs.get(ds_id, {}).get(i)
    if obj is None:
        raise not_found("dataset input", f"{ds_id}/{i}")
    return {"dataset_input": obj}


@handler("PostDatasetInputs")
def post_dataset_inputs(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    if ctx.req.get("search"):
        raise ApiError(
            "NOT_IMPLEMENTED",
            "Not implemented",
            "the emulator does not add dataset inputs by search; give dataset_inputs with input ids",
        )
    items = ctx.req.get("dataset_inputs", [])
    if not items:
        raise ApiError("CONN_INVALID_REQUEST", "Invalid request", "no dataset_inputs given")
    a = ctx.a
    members = a.dataset_inputs.setdefault(ds_id, {})
    results: list[tuple[dict, str | None, str]] = []
    t = ctx.now()
    for item in items:
        i = item.get("input", {}).get("id", "")
        if not i or i not in a.inputs:
            results.append(
                (
                    {
                        "input": {
                            "id": i,
                            "status": status(
                                "CONN_DOES_NOT_EXIST", "Resource does not exist", f"input {i!r} does not exist"
                            ),
                        }
                    },
                    "CONN_DOES_NOT_EXIST",
                    f"input {i!r} does not exist",
                )
            )
        elif i in members:
            results.append(
                (
                    {
                        "input": {
                            "id": i,
                            "status": status(
                                "DATASET_INPUT_DUPLICATE",
                                "Already exists",
                                f"input {i!r} is already in dataset {ds_id!r}",
                            ),
                        }
                    },
                    "DATASET_INPUT_DUPLICATE",
                    f"input {i!r} is already in dataset {ds_id!r}",
                )
            )
        else:
            ctx.state.add_dataset_inputs(a, ds_id, [i], t)
            ctx.changed()
            results.append((members[i], None, ""))
    return batch_result("dataset_inputs", results, status_on_item=False)


@handler("DeleteDatasetInputs")
def delete_dataset_inputs(ctx: Ctx) -> dict:
    ds_id = ctx.req.get("dataset_id", "")
    _ds(ctx, ds_id)
    members = ctx.a.dataset_inputs.setdefault(ds_id, {})
    return delete_ids(
        ctx,
        ctx.req.get("input_ids", []),
        members.__contains__,
        lambda i: ctx.state.remove_dataset_inputs(ctx.a, ds_id, [i]),
        "dataset input",
    )


# -- annotations -------------------------------------------------------------------------------


@handler("ListAnnotations")
def list_annotations(ctx: Ctx) -> dict:
    a = ctx.a
    req = ctx.req
    if req.get("input_ids"):
        items: Any = (
            a.annotations[x] for i in req["input_ids"] for x in a.ann_by_input.get(i, ()) if x in a.annotations
        )
    elif req.get("ids"):
        items = (a.annotations[x] for x in req["ids"] if x in a.annotations)
    else:
        items = newest_first(a.annotations)
    if req.get("ids") and req.get("input_ids"):
        ids = set(req["ids"])
        items = (x for x in items if x["id"] in ids)
    if req.get("user_ids"):
        users = set(req["user_ids"])
        items = (x for x in items if x.get("user_id") in users)
    if req.get("task_id"):
        items = (x for x in items if x.get("task_id") == req["task_id"])
    if req.get("statuses"):
        codes = {status_code_of(s) for s in req["statuses"]}
        items = (x for x in items if x.get("status", {}).get("code") in codes)
    return {"annotations": page_of(req, items)}


@handler("PostAnnotations")
def post_annotations(ctx: Ctx) -> dict:
    a = ctx.a
    items = ctx.req.get("annotations", [])
    if not items:
        raise ApiError("CONN_INVALID_REQUEST", "Invalid request", "no annotations given")
    results: list[tuple[dict, str | None, str]] = []
    for item in items:
        item = dict(item)
        if not item.get("id"):
            item["id"] = ctx.state.new_id("ann-")
        if item["id"] in a.annotations:
            results.append((item, "DATABASE_DUPLICATE_KEY", f"annotation {item['id']!r} already exists"))
        elif item.get("input_id") not in a.inputs:
            results.append((item, "CONN_DOES_NOT_EXIST", f"input {item.get('input_id', '')!r} does not exist"))
        else:
            if "status" in item:
                item["status"] = {
                    "code": status_code_of(item["status"]),
                    "description": item["status"].get("description", ""),
                }
            results.append((add_annotation(ctx.state, a, item, ctx.now(), ctx.user_id), None, ""))
            ctx.changed()
    return batch_result("annotations", results)


@handler("PatchAnnotations")
def patch_annotations(ctx: Ctx) -> dict:
    items = ctx.req.get("annotations", [])
    for item in items:
        if "status" in item:
            item["status"] = {"code": status_code_of(item["status"])}
    return {"annotations": _patch_all(ctx, items, ctx.a.annotations, "annotation", ("input_id",))}


@handler("DeleteAnnotations")
def delete_annotations(ctx: Ctx) -> dict:
    a = ctx.a
    ids = list(ctx.req.get("ids", []))
    if not ids and ctx.req.get("input_ids"):
        ids = [x for i in ctx.req["input_ids"] for x in a.ann_by_input.get(i, ())]
        if not ids:
            return {}

    def delete(x: str) -> None:
        ann = a.annotations.pop(x)
        lst = a.ann_by_input.get(ann.get("input_id", ""), [])
        if x in lst:
            lst.remove(x)

    return delete_ids(ctx, ids, a.annotations.__contains__, delete, "annotation")


# -- concepts -----------------------------------------------------------------------------------


@handler("ListConcepts")
def list_concepts(ctx: Ctx) -> dict:
    return {"concepts": page_of(ctx.req, newest_first(ctx.a.concepts))}


@handler("GetConcept")
def get_concept(ctx: Ctx) -> dict:
    return {"concept": get_or_404(ctx.a.concepts, ctx.req.get("concept_id", ""), "concept")}


@handler("PostConcepts")
def post_concepts(ctx: Ctx) -> dict:
    items = new_items_all_or_nothing(ctx, ctx.req.get("concepts", []), ctx.a.concepts, "concept", "c-")
    out = []
    for item in items:
        obj = {"name": item["id"], **item}
        obj.pop("modified_at", None)
        obj["created_at"] = iso(ctx.now())
        obj["app_id"] = ctx.app_id
        obj["user_id"] = ctx.user_id
        ctx.a.concepts[obj["id"]] = obj
        out.append(obj)
    ctx.changed()
    return {"concepts": out}
