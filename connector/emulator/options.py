"""Options of the emulator and their checks (shared by the command line, the server,
the admin API and the test helper).

:class:`EmulatorOptions` holds every start-up option; :func:`apply_options` is the one
place that checks a change to them (names, types, ranges), so the admin API's reset and
``PATCH /_emulator/options`` refuse exactly the same values.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

__all__ = [
    "DEV_PAT",
    "FAULT_KINDS",
    "FIXED_OPTIONS",
    "SEEDS",
    "VALIDATE_ENV",
    "EmulatorOptions",
    "apply_options",
    "check_seed",
    "validate_forced",
]

#: The fixed development key used when no PAT is configured (printed at start).
DEV_PAT = "emulator-dev-key-0000"

#: Set to 1/true to turn on ``validate_responses`` in every emulator started with this
#: environment (``EmulatorServer`` and the command line): a test suite sets it once so
#: emulators started by the code under test are checked as well.
VALIDATE_ENV = "CLARIFAI_EMULATOR_VALIDATE_RESPONSES"

#: Every fault kind the emulator can inject.
FAULT_KINDS = (
    "http_503_html",  # 503 with an HTML body, as a proxy would send
    "http_500_internal",  # 500 with an INTERNAL_* Clarifai status body
    "http_429",  # 429 with a CONN_THROTTLED body (and Retry-After when scripted with one)
    "reset",  # the connection is cut before any response byte
    "hang",  # the response is held past the client's timeout
    "applied_then_dropped",  # the request is applied, then the connection is cut
)

#: Fault kinds a scripted rule may inject besides :data:`FAULT_KINDS`. They are never
#: drawn at random: no client can survive them, only notice them by reading back.
SCRIPTED_ONLY_FAULT_KINDS = (
    "lost_write",  # 200 SUCCESS (a bare status) while nothing is applied
)

#: The data an emulator can start with: a realistic demo app, the demo app with a month
#: of history added (``make demo`` uses it), or only the user and app.
SEEDS = ("demo", "showcase", "empty")

#: Options that cannot change while the server runs.
FIXED_OPTIONS = frozenset({"host", "port"})


@dataclasses.dataclass
class EmulatorOptions:
    """What ``clarifai-connector emulator`` / ``python -m connector.emulator`` accept."""

    host: str = "127.0.0.1"
    port: int = 8080
    user_id: str = "demo"
    app_id: str = "demo"
    pat: str = DEV_PAT
    #: Extra PATs: {pat: [app ids it may access]} (an empty list means every app).
    extra_pats: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    seed: str = "demo"  # one of SEEDS
    seed_inputs: int = 20_000
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    rate_limit: float = 0.0  # requests/s per account; 0 = off
    fault_rate: float = 0.0  # 0..1, all fault kinds mixed
    random_seed: int = 0
    #: Seconds a dataset version spends PENDING, then IN_PROGRESS, before READY.
    version_pending_seconds: float = 0.05
    version_in_progress_seconds: float = 0.1
    #: Seconds a bulk operation takes to finish.
    bulk_operation_seconds: float = 0.2
    #: Seconds an inputs add job takes to finish.
    inputs_add_job_seconds: float = 0.2
    #: Seconds a new labeling task's estimated work takes to go from 0% to 100% (then,
    #: for a task with review, as long again for its review), after which the task is
    #: TASK_DONE. 0 (the default) keeps tasks where they are until the admin API moves
    #: them, so a test decides every step.
    task_work_seconds: float = 0.0
    #: Seconds a "hang" fault holds the response.
    hang_seconds: float = 30.0
    #: Send status codes as enum names ("SUCCESS") instead of integers.
    status_as_names: bool = False
    #: Check every response against its official response message (ParseDict); a
    #: violation answers 500 and is recorded for tests to assert on.
    validate_responses: bool = False
    #: Keep at most this many entries in the request log.
    request_log_size: int = 100_000


def validate_forced() -> bool:
    """Whether :data:`VALIDATE_ENV` asks for response validation."""
    return os.environ.get(VALIDATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def check_seed(seed: object) -> str:
    """``seed`` if it is one of :data:`SEEDS`, else ValueError."""
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}: seed must be 'demo', 'showcase' or 'empty'")
    return str(seed)


def _option_types() -> dict[str, str]:
    return {field.name: str(field.type) for field in dataclasses.fields(EmulatorOptions)}


def _checked_option(key: str, kind: str, value: Any) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"option {key!r} must be true or false")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"option {key!r} must be a number")
        if value < 0:
            raise ValueError(f"option {key!r} must not be negative")
        if kind == "int":
            if not float(value).is_integer():
                raise ValueError(f"option {key!r} must be a whole number")
            return int(value)
        return float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"option {key!r} must be a string")
        return value
    if kind.startswith("dict"):
        if not isinstance(value, dict):
            raise ValueError(f"option {key!r} must be an object")
        return value
    return value


def apply_options(options: EmulatorOptions, changes: dict[str, Any]) -> None:
    """Set ``changes`` on ``options`` after checking every name and value (all or nothing).

    Raises ValueError for an unknown or fixed field or a value of the wrong type or range.
    """
    types = _option_types()
    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in types:
            raise ValueError(f"unknown emulator option {key!r}")
        if key in FIXED_OPTIONS:
            raise ValueError(f"option {key!r} cannot change while the emulator runs")
        checked[key] = _checked_option(key, types[key], value)
    if "pat" in checked and not checked["pat"].strip():
        raise ValueError("option 'pat' must not be empty")
    if "extra_pats" in checked and not all(
        isinstance(k, str) and k and isinstance(v, list) and all(isinstance(a, str) for a in v)
        for k, v in checked["extra_pats"].items()
    ):
        raise ValueError("option 'extra_pats' must be an object {pat: [app ids]} ([] = every app)")
    if "request_log_size" in checked and checked["request_log_size"] < 1:
        raise ValueError("option 'request_log_size' must be at least 1")
    if "fault_rate" in checked and checked["fault_rate"] > 1:
        raise ValueError("fault_rate is a probability and must be between 0 and 1")
    if "seed" in checked:
        check_seed(checked["seed"])
    for key, value in checked.items():
        setattr(options, key, value)
