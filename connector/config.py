"""Client configuration: credentials, endpoint, timeouts, retry and rate-limit policy.

The personal access token (PAT) is held in a :class:`Secret`, whose ``repr``/``str``
never show the value; :class:`ClarifaiConfig` prints it as ``'***'``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from connector.errors import ConfigurationError

DEFAULT_BASE_URL = "https://api.clarifai.com"
#: The API's documented default rate limit per account (requests per second).
DEFAULT_RATE_LIMIT = 15.0
#: The API's page size limit.
MAX_PER_PAGE = 1000


class Secret:
    """A string that never shows itself in ``repr``/``str``/format or pickles.

    ``reveal()`` is the only way to read it; the transport calls it when it builds the
    ``Authorization`` header, and nothing else should.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        self._value = str(value)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:  # pragma: no cover - guard, not a feature
        raise TypeError("a Secret cannot be pickled")


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost`` and any loopback address (127.0.0.0/8, ``::1``)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry a call that failed for a transient reason.

    Waits are exponential with full jitter (``uniform(0, min(max_wait, initial*2**n))``)
    unless the server sent ``Retry-After``, which is honoured up to ``max_retry_after``.
    ``hourly_limit_wait`` is the wait used for CONN_EXCEED_HOURLY_LIMIT when the server
    gives no ``Retry-After``. A call stops retrying after ``max_attempts`` attempts or
    ``max_elapsed`` seconds in all, whichever comes first.
    """

    max_attempts: int = 6
    max_elapsed: float = 120.0
    initial_wait: float = 0.5
    max_wait: float = 30.0
    max_retry_after: float = 120.0
    hourly_limit_wait: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("retry max_attempts must be at least 1")
        for name in ("max_elapsed", "initial_wait", "max_wait", "max_retry_after", "hourly_limit_wait"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"retry {name} must not be negative")


@dataclasses.dataclass(frozen=True)
class Timeouts:
    """httpx timeouts in seconds."""

    connect: float = 10.0
    read: float = 60.0
    write: float = 60.0
    pool: float = 30.0


def _env_number(env: Mapping[str, str], name: str, cast: type, *, positive: bool = False) -> Any:
    """The number in ``env[name]``, None when unset or blank; a bad value raises
    :class:`ConfigurationError` naming the variable."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    kind = "a whole number" if cast is int else "a number"
    try:
        value = cast(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be {kind}, got {raw!r}") from None
    if value != value or value in (float("inf"), float("-inf")) or value < 0 or (positive and value == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise ConfigurationError(f"{name} must be {kind} {bound}, got {raw!r}")
    return value


@dataclasses.dataclass(frozen=True, repr=False)
class ClarifaiConfig:
    """Everything a client needs to talk to one Clarifai app.

    ``pat`` accepts a plain string and is stored as a :class:`Secret`. A PAT is refused
    over plain ``http://`` unless the host is loopback or ``allow_insecure_http`` is set.
    """

    pat: Secret
    user_id: str
    app_id: str | None = None
    base_url: str = DEFAULT_BASE_URL
    timeouts: Timeouts = dataclasses.field(default_factory=Timeouts)
    retry: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)
    #: Client-side requests per second shared by every thread/task of a client; 0 = off.
    rate_limit: float = DEFAULT_RATE_LIMIT
    #: Burst size of the token bucket (defaults to the rate, at least 1).
    rate_burst: float | None = None
    per_page: int = MAX_PER_PAGE
    #: Concurrent page fetches for listings (1 = sequential).
    page_concurrency: int = 4
    max_connections: int = 20
    allow_insecure_http: bool = False
    user_agent: str = "clarifai-connector"

    def __post_init__(self) -> None:
        if not isinstance(self.pat, Secret):
            object.__setattr__(self, "pat", Secret(self.pat if self.pat is not None else ""))
        if not self.pat:
            raise ConfigurationError("no Clarifai PAT given: set CLARIFAI_PAT or pass pat=...")
        if not self.user_id or not str(self.user_id).strip():
            raise ConfigurationError("no Clarifai user id given: set CLARIFAI_USER_ID or pass user_id=...")
        base = str(self.base_url).rstrip("/")
        object.__setattr__(self, "base_url", base)
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"base_url must be an http(s) URL, got {base!r}")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname) and not self.allow_insecure_http:
            raise ConfigurationError(
                f"refusing to send the PAT over plain http to {parts.hostname!r}: use https, "
                "or set allow_insecure_http=True if this network is trusted"
            )
        if not 1 <= int(self.per_page) <= MAX_PER_PAGE:
            raise ConfigurationError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {self.per_page}")
        if self.rate_limit < 0:
            raise ConfigurationError("rate_limit must not be negative (0 turns it off)")
        if self.page_concurrency < 1:
            raise ConfigurationError("page_concurrency must be at least 1")
        if self.max_connections < 1:
            raise ConfigurationError("max_connections must be at least 1")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ClarifaiConfig:
        """A config from the environment (``os.environ`` unless ``env`` is given).

        ``CLARIFAI_PAT``, ``CLARIFAI_USER_ID``, ``CLARIFAI_APP_ID``, ``CLARIFAI_API_BASE``
        name the account and endpoint. Optional tuning, for deployments where code
        cannot easily pass arguments (orchestrator workers, containers):

        * ``CLARIFAI_RATE_LIMIT`` — requests per second for this client (default 15,
          the API's per-account limit; ``0`` turns the client-side limiter off). When
          several processes share one account, give each a share of the limit.
        * ``CLARIFAI_TIMEOUT`` — read and write timeout in seconds (default 60).
        * ``CLARIFAI_RETRY_MAX_ATTEMPTS`` — attempts per call, first included (default 6).
        * ``CLARIFAI_RETRY_MAX_ELAPSED`` — seconds a call may spend retrying (default 120).

        Keyword ``overrides`` (any field, e.g. ``retry=RetryPolicy(...)``) win over the
        environment. Raises :class:`ConfigurationError` naming the variable at fault.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "pat": env.get("CLARIFAI_PAT", "").strip(),
            "user_id": env.get("CLARIFAI_USER_ID", "").strip(),
            "app_id": env.get("CLARIFAI_APP_ID", "").strip() or None,
        }
        if env.get("CLARIFAI_API_BASE", "").strip():
            values["base_url"] = env["CLARIFAI_API_BASE"].strip()
        rate = _env_number(env, "CLARIFAI_RATE_LIMIT", float)
        if rate is not None:
            values["rate_limit"] = rate
        timeout = _env_number(env, "CLARIFAI_TIMEOUT", float, positive=True)
        if timeout is not None:
            values["timeouts"] = dataclasses.replace(Timeouts(), read=timeout, write=timeout)
        retry_changes: dict[str, Any] = {}
        attempts = _env_number(env, "CLARIFAI_RETRY_MAX_ATTEMPTS", int, positive=True)
        if attempts is not None:
            retry_changes["max_attempts"] = attempts
        elapsed = _env_number(env, "CLARIFAI_RETRY_MAX_ELAPSED", float)
        if elapsed is not None:
            retry_changes["max_elapsed"] = elapsed
        if retry_changes:
            values["retry"] = RetryPolicy(**retry_changes)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> ClarifaiConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        return (
            f"ClarifaiConfig(pat='***', user_id={self.user_id!r}, app_id={self.app_id!r}, "
            f"base_url={self.base_url!r}, rate_limit={self.rate_limit!r}, per_page={self.per_page!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:  # pragma: no cover - guard, not a feature
        raise TypeError("a ClarifaiConfig holds a secret and cannot be pickled")
