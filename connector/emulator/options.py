"""Start-up options of the emulator (shared by the CLI, the server and the test helper)."""

from __future__ import annotations

import dataclasses

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
    seed: str = "demo"  # "demo" or "empty"
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
    import os

    return os.environ.get(VALIDATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")
