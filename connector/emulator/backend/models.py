"""Models and model versions: created all-or-nothing; a new version is trained at once
(MODEL_TRAINED) and becomes its model's ``model_version``."""

from __future__ import annotations

from connector.emulator.backend.clock import iso
from connector.emulator.backend.errors import ApiError
from connector.emulator.backend.objects import new_items_all_or_nothing
from connector.emulator.backend.statuses import status
from connector.emulator.backend.store import AppData, Obj, Store
from connector.status_codes import StatusCode

__all__ = [
    "create_model",
    "create_model_version",
    "create_model_versions",
    "create_models",
    "get_model",
    "get_model_version",
]


def get_model(app: AppData, model_id: str) -> Obj:
    """The model, else ApiError MODEL_DOES_NOT_EXIST."""
    model = app.models.get(model_id)
    if model is None:
        raise ApiError(StatusCode.MODEL_DOES_NOT_EXIST, "Model does not exist", f"model {model_id!r} does not exist")
    return model


def get_model_version(app: AppData, model_id: str, version_id: str) -> Obj:
    """A version of an existing model, else ApiError MODEL_DOES_NOT_EXIST."""
    version = app.model_versions.get(model_id, {}).get(version_id)
    if version is None:
        raise ApiError(
            StatusCode.MODEL_DOES_NOT_EXIST,
            "Model version does not exist",
            f"model version {model_id}/{version_id} does not exist",
        )
    return version


def create_model(app: AppData, item: Obj, t: float) -> Obj:
    """Store one model created at ``t`` (``item`` carries its id), without versions."""
    stamp = iso(t)
    obj = {
        "name": item["id"],
        **item,
        "app_id": app.app_id,
        "user_id": app.user_id,
        "created_at": stamp,
        "modified_at": stamp,
    }
    obj.pop("model_version", None)
    app.models[obj["id"]] = obj
    app.model_versions.setdefault(obj["id"], {})
    return obj


def create_model_version(app: AppData, model_id: str, item: Obj, t: float) -> Obj:
    """Store a trained version of an existing model, created at ``t``."""
    stamp = iso(t)
    obj = {
        **item,
        "app_id": app.app_id,
        "user_id": app.user_id,
        "created_at": stamp,
        "modified_at": stamp,
        "completed_at": stamp,
        "status": status(StatusCode.MODEL_TRAINED),
    }
    app.model_versions.setdefault(model_id, {})[obj["id"]] = obj
    app.models[model_id]["model_version"] = obj
    app.models[model_id]["modified_at"] = stamp
    return obj


def create_models(store: Store, app: AppData, items: list[Obj]) -> list[Obj]:
    """Create models all-or-nothing, each with the ``model_version`` it carries."""
    checked = new_items_all_or_nothing(store, items, app.models, "model", "model-")
    out = []
    for item in checked:
        version = item.pop("model_version", None)
        obj = create_model(app, item, store.now())
        if version:
            version = dict(version)
            version.setdefault("id", store.new_id("mv-"))
            create_model_version(app, obj["id"], version, store.now())
        out.append(obj)
    store.changed()
    return out


def create_model_versions(store: Store, app: AppData, model: Obj, items: list[Obj], description: str = "") -> list[Obj]:
    """Create versions of an existing model all-or-nothing (no item: one new version);
    ``description`` is the default of the ones that give none."""
    versions = app.model_versions.setdefault(model["id"], {})
    checked = new_items_all_or_nothing(store, items or [{}], versions, "model version", "mv-")
    out = []
    for item in checked:
        if description and "description" not in item:
            item["description"] = description
        out.append(create_model_version(app, model["id"], item, store.now()))
    store.changed()
    return out
