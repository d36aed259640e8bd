"""Argument checks shared by the operations, run before an operation's first request.

Each check raises :class:`~connector.errors.ValidationError` whose ``argument`` is the
Python name of the argument at fault (the command line shows its flag instead), with a
one-line message that says what to change. A value that may be a secret is never echoed
(:func:`connector.ids.shown`). :func:`require_app` and :func:`require_dataset` read (one
GET each) to make sure the objects an operation names exist before it writes: a delete
in an app that does not exist must not pass for "already gone".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from connector.errors import MissingObjectError, NotFoundError, ValidationError
from connector.ids import id_problem, kind_of, shown
from connector.objects import Dataset
from connector.protocols import ClientProtocol

__all__ = [
    "check_batch_size",
    "check_bool",
    "check_callback",
    "check_client",
    "check_id",
    "check_ids",
    "check_now",
    "check_type",
    "require_app",
    "require_dataset",
]

#: The largest batch a call takes (the API's page and batch limit).
MAX_BATCH_SIZE = 1000


def check_bool(argument: str, value: object) -> bool:
    """``value`` if it is True or False (a string such as ``"no"`` is truthy: refused)."""
    if not isinstance(value, bool):
        raise ValidationError("{argument} must be True or False, got {value}", argument=argument, value=shown(value))
    return value


def check_batch_size(value: object, argument: str = "batch_size") -> int:
    """A whole number of items per request, 1 to 1000 (``True`` is not 1)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BATCH_SIZE:
        raise ValidationError(
            "{argument} must be a whole number from 1 to {most}, got {value}",
            argument=argument,
            most=MAX_BATCH_SIZE,
            value=shown(value),
        )
    return value


def check_callback(argument: str, value: object) -> Callable[..., Any] | None:
    """None or something callable (a progress callback)."""
    if value is not None and not callable(value):
        raise ValidationError(
            "{argument} must be a function or None, got {kind}", argument=argument, kind=kind_of(value)
        )
    return value


def check_now(value: object, argument: str = "now") -> datetime | None:
    """None or a timezone-aware datetime (the moment ages are measured from). A naive
    one is refused: the API's times are aware, so ages could not be computed from it,
    and whether it meant local time or UTC cannot be told."""
    if value is not None and not isinstance(value, datetime):
        raise ValidationError(
            "{argument} must be a datetime or None, got {value}", argument=argument, value=shown(value)
        )
    if value is not None and value.utcoffset() is None:
        raise ValidationError(
            "{argument} must be a timezone-aware datetime (such as datetime.now(UTC)), got {value}",
            argument=argument,
            value=shown(value),
        )
    return value


def check_type(argument: str, value: object, cls: type, what: str) -> None:
    """ValidationError unless ``value`` is a ``cls`` (``what`` names it in the message)."""
    if not isinstance(value, cls):
        raise ValidationError(
            "{argument} must be {what}, got {value}", argument=argument, what=what, value=shown(value)
        )


def check_client(client: object) -> None:
    """ValidationError unless ``client`` is a synchronous client (a ClarifaiClient, or
    anything with its endpoint methods): the operations call it without awaiting."""
    from connector.aio import AsyncClarifaiClient

    if isinstance(client, AsyncClarifaiClient):
        raise ValidationError(
            "{argument} is an AsyncClarifaiClient: the operations take a ClarifaiClient "
            "(async code can wait with connector.operations.async_waits)",
            argument="client",
        )
    if not callable(getattr(client, "get_dataset", None)) or getattr(client, "config", None) is None:
        raise ValidationError(
            "{argument} must be a ClarifaiClient (connector.client), got {kind}",
            argument="client",
            kind=kind_of(client),
        )


def check_id(argument: str, value: object, what: str = "id") -> str:
    """``value`` if it is an id in the API's format (see :mod:`connector.ids`)."""
    problem = id_problem(value)
    if problem:
        raise ValidationError(
            "{argument} {value} is not a valid {what}: it {problem}",
            argument=argument,
            value=shown(value),
            what=what,
            problem=problem,
        )
    assert isinstance(value, str)
    return value


def check_ids(
    argument: str, values: object, what: str = "id", *, single: bool = True, empty: bool = False
) -> list[str]:
    """A list of ids without repeats, in order. ``values`` is an iterable of ids (or, with
    ``single``, one id as a string); a string is never read as its characters. Each id
    must be valid; ``empty`` allows an empty list."""
    if isinstance(values, str):
        if not single:
            raise ValidationError(
                "{argument} must be a collection of {what}s, not one string (wrap it: [{value}])",
                argument=argument,
                what=what,
                value=shown(values),
            )
        values = [values]
    if values is None or isinstance(values, (bytes, dict)) or not isinstance(values, Iterable):
        article = "an" if what[:1] in ("a", "e", "i", "o", "u") else "a"
        raise ValidationError(
            "{argument} must be {one}a list of {what}s, got {value}",
            argument=argument,
            one=f"{article} {what} or " if single else "",
            what=what,
            value=shown(values),
        )
    out: list[str] = []
    for value in values:
        check_id(argument, value, what)
        if value not in out:
            out.append(value)
    if not out and not empty:
        raise ValidationError("{argument} is empty: give at least one {what}", argument=argument, what=what)
    return out


def app_label(client: ClientProtocol) -> str:
    return f"app {client.config.app_id!r} of user {client.config.user_id!r}"


def require_app(client: ClientProtocol) -> None:
    """MissingObjectError (argument ``app_id``) unless the configured app exists. One
    GetApp read."""
    try:
        client.get_app()
    except NotFoundError as exc:
        raise MissingObjectError(
            "{app} does not exist (or this PAT cannot see it): check {app_id} and {user_id}",
            argument="app_id",
            app=app_label(client),
        ) from exc


def require_dataset(client: ClientProtocol, dataset_id: str, argument: str, what: str = "dataset") -> Dataset:
    """The dataset, or MissingObjectError naming ``argument``; when the dataset is missing
    because the app is, the error says so. One read (two when it is missing)."""
    try:
        return client.get_dataset(dataset_id)
    except NotFoundError as exc:
        require_app(client)
        raise MissingObjectError(
            "{argument}: {what} {dataset!r} does not exist in app {app!r}",
            argument=argument,
            what=what,
            dataset=dataset_id,
            app=client.config.app_id,
        ) from exc
