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
from connector.ids import id_problem, kind_of, looks_like_secret, shown

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
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ConfigurationError(
                "retry {max_attempts} must be a whole number >= 1, got {value!r}",
                argument="max_attempts",
                value=self.max_attempts,
            )
        for name in ("max_elapsed", "initial_wait", "max_wait", "max_retry_after", "hourly_limit_wait"):
            value = getattr(self, name)
            if not _is_number(value) or value < 0:
                raise ConfigurationError(
                    "retry {argument} must be a number of seconds >= 0, got {value!r}", argument=name, value=value
                )


@dataclasses.dataclass(frozen=True)
class Timeouts:
    """httpx timeouts in seconds."""

    connect: float = 10.0
    read: float = 60.0
    write: float = 60.0
    pool: float = 30.0


def _is_number(value: object) -> bool:
    """A real, finite number (not a bool)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value == value
        and value not in (float("inf"), float("-inf"))
    )


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
        raise ConfigurationError(
            "{argument} must be {kind}, got {value}", argument=name, kind=kind, value=shown(raw)
        ) from None
    if value != value or value in (float("inf"), float("-inf")) or value < 0 or (positive and value == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise ConfigurationError(
            "{argument} must be {kind} {bound}, got {value}", argument=name, kind=kind, bound=bound, value=shown(raw)
        )
    return value


#: The settings :meth:`ClarifaiConfig.from_env` reads, by variable.
ENV_SETTINGS = {
    "pat": "CLARIFAI_PAT",
    "user_id": "CLARIFAI_USER_ID",
    "app_id": "CLARIFAI_APP_ID",
    "base_url": "CLARIFAI_API_BASE",
    "allow_insecure_http": "CLARIFAI_ALLOW_INSECURE_HTTP",
    "rate_limit": "CLARIFAI_RATE_LIMIT",
    "max_attempts": "CLARIFAI_RETRY_MAX_ATTEMPTS",
    "max_elapsed": "CLARIFAI_RETRY_MAX_ELAPSED",
}

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def check_base_url(value: object) -> str:
    """The API base URL without its trailing ``/``, or ConfigurationError naming
    ``base_url``. A base URL is a scheme (``https``, or ``http``), a host and an optional
    port, nothing else: no path (the connector adds ``/v2/...`` itself), no user or
    password, no query or fragment. The message never shows a user, password, query or
    a part that looks like a token."""
    if not isinstance(value, str):
        raise ConfigurationError(
            "{base_url} must be a string such as https://api.clarifai.com, got {kind}",
            argument="base_url",
            kind=kind_of(value),
        )
    base = value.strip().rstrip("/")
    if not base:
        raise ConfigurationError(
            "{base_url} is empty: leave it unset for https://api.clarifai.com, or give the API's address",
            argument="base_url",
        )
    try:
        parts = urlsplit(base)
        port = parts.port
    except ValueError:
        raise ConfigurationError(
            "{base_url} is not a valid URL (a bad port or host): use scheme://host[:port], e.g. https://api.clarifai.com",
            argument="base_url",
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        scheme = parts.scheme if parts.scheme.isalnum() and len(parts.scheme) < 10 else "?"
        raise ConfigurationError(
            "{base_url} must be an http(s) URL such as https://api.clarifai.com (scheme {scheme!r}, no host)"
            if not parts.hostname
            else "{base_url} must be an http(s) URL such as https://api.clarifai.com, got scheme {scheme!r}",
            argument="base_url",
            scheme=scheme,
        )
    host = parts.hostname
    where = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    if looks_like_secret(host):
        where = f"{parts.scheme}://(a host that looks like a token)"
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            "{base_url} must not hold a user or password (the PAT authenticates every request); "
            "use {where} without the part before '@'",
            argument="base_url",
            where=where,
        )
    if "?" in base or "#" in base:
        # An empty "?" or "#" too (no query or fragment to urlsplit): kept in the base URL
        # it would swallow every path the connector appends (https://host?/v2/... asks the
        # host's root).
        raise ConfigurationError(
            "{base_url} must not have a query or fragment: use {where}", argument="base_url", where=where
        )
    if parts.path:
        path = parts.path if not looks_like_secret(parts.path) and len(parts.path) <= 40 else "(not shown)"
        raise ConfigurationError(
            "{base_url} must be scheme://host[:port] with no path, got the path {path!r}: use {where} "
            "(the connector adds /v2/... itself)",
            argument="base_url",
            path=path,
            where=where,
        )
    return base


def check_id_setting(name: str, value: object, *, required: bool) -> str | None:
    """A user or app id (stripped), None when absent and not required; ConfigurationError
    naming ``name`` when it is not an id (the value is shown only if it cannot be a
    secret)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigurationError(
                "no Clarifai {what} given: set {env} or pass {argument}",
                argument=name,
                spell={name: f"{name}=..."},
                what=name.replace("_", " "),
                env=ENV_SETTINGS[name],
            )
        return None
    text = value.strip() if isinstance(value, str) else value
    problem = id_problem(text)
    if problem:
        raise ConfigurationError(
            "{argument} {value} is not an id: it {problem}",
            argument=name,
            value=shown(text),
            problem=problem,
        )
    assert isinstance(text, str)
    return text


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
    #: Concurrent page fetches for listings (1 = sequential), also the write batches in
    #: flight. Eight keep the API's 15 requests/s busy at 100-300 ms of latency, and
    #: start a second's worth of pages early enough that a long listing stays within a
    #: few percent of the rate limit's bound (docs/benchmarks.md).
    page_concurrency: int = 8
    max_connections: int = 20
    allow_insecure_http: bool = False
    user_agent: str = "clarifai-connector"

    def __post_init__(self) -> None:
        if not isinstance(self.pat, Secret):
            pat = self.pat if isinstance(self.pat, str) else ""
            object.__setattr__(self, "pat", Secret(pat.strip()))
        if not self.pat:
            raise ConfigurationError(
                "no Clarifai PAT given: set CLARIFAI_PAT or pass {pat}", argument="pat", spell={"pat": "pat=..."}
            )
        user_id = check_id_setting("user_id", self.user_id, required=True)
        object.__setattr__(self, "user_id", user_id)
        object.__setattr__(self, "app_id", check_id_setting("app_id", self.app_id, required=False))
        for name in ("user_id", "app_id"):
            if getattr(self, name) is not None and getattr(self, name) == self.pat.reveal():
                raise ConfigurationError(
                    "{argument} is the PAT: give the {what} there, and the PAT in CLARIFAI_PAT",
                    what=name.replace("_", " "),
                    argument=name,
                )
        base = check_base_url(self.base_url)
        object.__setattr__(self, "base_url", base)
        parts = urlsplit(base)
        if parts.scheme == "http" and not is_loopback_host(parts.hostname) and not self.allow_insecure_http:
            raise ConfigurationError(
                "refusing to send the PAT over plain http to {host!r}: use https, or set {allow_insecure_http} "
                "if this network is trusted",
                argument="allow_insecure_http",
                spell={"allow_insecure_http": "allow_insecure_http=True"},
                host=parts.hostname,
            )
        if (
            isinstance(self.per_page, bool)
            or not isinstance(self.per_page, int)
            or not 1 <= self.per_page <= MAX_PER_PAGE
        ):
            raise ConfigurationError(
                "{per_page} must be a whole number from 1 to {most}, got {value!r}",
                argument="per_page",
                most=MAX_PER_PAGE,
                value=self.per_page,
            )
        if not _is_number(self.rate_limit) or self.rate_limit < 0:
            raise ConfigurationError(
                "{rate_limit} must be a number of requests per second >= 0 (0 turns it off), got {value!r}",
                argument="rate_limit",
                value=self.rate_limit,
            )
        for name in ("page_concurrency", "max_connections"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(
                    "{argument} must be a whole number >= 1, got {value!r}", argument=name, value=value
                )

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ClarifaiConfig:
        """A config from the environment (``os.environ`` unless ``env`` is given).

        ``CLARIFAI_PAT``, ``CLARIFAI_USER_ID``, ``CLARIFAI_APP_ID``, ``CLARIFAI_API_BASE``
        name the account and endpoint (a ``CLARIFAI_API_BASE`` that is set but empty is
        an error, not the public API: unset it to mean https://api.clarifai.com).
        ``CLARIFAI_ALLOW_INSECURE_HTTP=1`` allows sending the PAT over plain ``http://``
        to a host that is not loopback (a trusted network only). Optional tuning, for
        deployments where code cannot easily pass arguments (orchestrator workers,
        containers):

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
        given = {k for k, v in overrides.items() if v is not None}
        try:
            if "CLARIFAI_API_BASE" in env and "base_url" not in given:
                # Set but empty is an error, never the public API: an unset variable in a
                # script (CLARIFAI_API_BASE=$EMULATOR) must not send real work to production.
                values["base_url"] = env["CLARIFAI_API_BASE"]
            insecure = env.get("CLARIFAI_ALLOW_INSECURE_HTTP", "").strip().lower()
            if insecure not in _TRUE + _FALSE:
                raise ConfigurationError(
                    "{allow_insecure_http} must be 1/true/yes/on or 0/false/no/off, got {value}",
                    argument="allow_insecure_http",
                    value=shown(insecure),
                )
            if insecure in _TRUE:
                values["allow_insecure_http"] = True
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
        except ConfigurationError as exc:
            # A value read from a variable is named by the variable; one passed in keeps
            # its argument name (the command line shows its flag).
            # A setting missing from both is named as an argument ("pass user_id=..." in
            # Python, "--user-id" on the command line) next to its variable.
            read = {k: v for k, v in ENV_SETTINGS.items() if k not in given and env.get(v, "").strip()}
            if "CLARIFAI_API_BASE" in env and "base_url" not in given:
                read["base_url"] = "CLARIFAI_API_BASE"
            if "retry" in given:
                read.pop("max_attempts", None)
                read.pop("max_elapsed", None)
            if "allow_insecure_http" not in given:
                read.setdefault("allow_insecure_http", "CLARIFAI_ALLOW_INSECURE_HTTP=1")
            exc.bind(read)
            raise

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
