"""The Clarifai hook: a connector client (sync or async) built from an Airflow connection.

Connection type ``clarifai`` (default id ``clarifai_default``):

* **Password**: the personal access token (PAT). Airflow masks the password field when a
  task reads the connection; the hook hands the PAT to ``mask_secret`` itself whenever it
  is not masked yet (a connection read another way), and keeps it in a
  :class:`connector.config.Secret` that never prints itself.
* **Host**: the API base URL (default ``https://api.clarifai.com``; a host without a
  scheme gets ``https://``).
* **Extra**: ``user_id`` (required), ``app_id``, ``rate_limit`` (requests/s ceiling of
  each client, default 15), ``portal_url`` (base of the extra links, default
  ``https://clarifai.com``), and for tuning ``timeout``, ``retry_max_attempts``,
  ``retry_max_elapsed``, ``allow_insecure_http``. Keys written by older connection forms
  as ``extra__clarifai__<name>`` are read too.

Nothing here calls the API or reads a connection at import time or when a hook is built:
the connection is read when a client is asked for. The connector's modules are imported
then as well, so importing the hook (every DAG file using the operators does) stays cheap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

if TYPE_CHECKING:
    from connector.aio import AsyncClarifaiClient
    from connector.client import ClarifaiClient
    from connector.config import ClarifaiConfig
    from connector.errors import ClarifaiError

#: Where the extra links point unless the connection says otherwise.
DEFAULT_PORTAL_URL = "https://clarifai.com"

#: Extra keys the hook understands (anything else is ignored).
EXTRA_FIELDS = (
    "user_id",
    "app_id",
    "rate_limit",
    "portal_url",
    "timeout",
    "retry_max_attempts",
    "retry_max_elapsed",
    "allow_insecure_http",
)


def _extra(extras: Mapping[str, Any], name: str) -> Any:
    """``extras[name]`` (or the older ``extra__clarifai__<name>``); None when blank."""
    for key in (name, f"extra__clarifai__{name}"):
        value = extras.get(key)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value.strip() if isinstance(value, str) else value
    return None


def _number(extras: Mapping[str, Any], name: str, cast: type, conn_id: str) -> Any:
    from connector.errors import ConfigurationError

    value = _extra(extras, name)
    if value is None:
        return None
    try:
        number = cast(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"connection {conn_id!r}: extra {name!r} must be a number, got {value!r}") from None
    if number < 0:
        raise ConfigurationError(f"connection {conn_id!r}: extra {name!r} must not be negative, got {value!r}")
    return number


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def api_base_url(host: str | None) -> str:
    """The API base URL for a connection's host field (https unless it says otherwise)."""
    from connector.config import DEFAULT_BASE_URL

    host = (host or "").strip().rstrip("/")
    if not host:
        return DEFAULT_BASE_URL
    if "://" not in host:
        return f"https://{host}"
    return host


def config_from_connection(
    conn_id: str,
    *,
    host: str | None,
    password: str | None,
    extras: Mapping[str, Any],
    user_id: str | None = None,
    app_id: str | None = None,
    rate_limit: float | None = None,
) -> ClarifaiConfig:
    """A :class:`ClarifaiConfig` from a connection's fields; ``user_id`` / ``app_id`` /
    ``rate_limit`` given here win over the connection's. Pure (no I/O).

    Raises :class:`connector.errors.ConfigurationError` naming the connection and the
    field at fault (never its value when the field is the PAT)."""
    from connector.config import ClarifaiConfig, RetryPolicy, Timeouts
    from connector.errors import ConfigurationError

    if not password:
        raise ConfigurationError(
            f"connection {conn_id!r} has no PAT: put the Clarifai personal access token in its password field"
        )
    user = user_id or _extra(extras, "user_id")
    if not user:
        raise ConfigurationError(f"connection {conn_id!r} has no user id: set the extra field 'user_id'")
    values: dict[str, Any] = {
        "pat": password,
        "user_id": str(user),
        "app_id": app_id or _extra(extras, "app_id"),
        "base_url": api_base_url(host),
        "allow_insecure_http": _truthy(_extra(extras, "allow_insecure_http")),
    }
    rate = rate_limit if rate_limit is not None else _number(extras, "rate_limit", float, conn_id)
    if rate is not None:
        values["rate_limit"] = float(rate)
    timeout = _number(extras, "timeout", float, conn_id)
    if timeout:
        values["timeouts"] = dataclasses.replace(Timeouts(), read=timeout, write=timeout)
    retry: dict[str, Any] = {}
    attempts = _number(extras, "retry_max_attempts", int, conn_id)
    if attempts:
        retry["max_attempts"] = attempts
    elapsed = _number(extras, "retry_max_elapsed", float, conn_id)
    if elapsed is not None:
        retry["max_elapsed"] = elapsed
    if retry:
        values["retry"] = RetryPolicy(**retry)
    try:
        return ClarifaiConfig(**values)
    except ConfigurationError as exc:
        raise ConfigurationError(f"connection {conn_id!r}: {exc}") from None


class ClarifaiHook(BaseHook):
    """Clients for the Clarifai app a connection names.

    ``user_id``, ``app_id`` and ``rate_limit`` override the connection's (one PAT may
    serve several apps). :meth:`get_client` / :meth:`aget_client` build a new client
    each call (close it: use ``with`` / ``async with``); :meth:`get_conn` returns one
    client kept by the hook. Retries, rate limiting and typed errors are the client's
    (see ``connector.client``).
    """

    conn_name_attr = "clarifai_conn_id"
    default_conn_name = "clarifai_default"
    conn_type = "clarifai"
    hook_name = "Clarifai"

    def __init__(
        self,
        clarifai_conn_id: str = default_conn_name,
        *,
        user_id: str | None = None,
        app_id: str | None = None,
        rate_limit: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.clarifai_conn_id = clarifai_conn_id
        self.user_id = user_id
        self.app_id = app_id
        self.rate_limit = rate_limit
        self._client: ClarifaiClient | None = None
        self._portal_url: str | None = None

    # -- configuration ----------------------------------------------------------------
    def _config(self, host: str | None, password: str | None, extras: Mapping[str, Any]) -> ClarifaiConfig:
        self._portal_url = str(_extra(extras, "portal_url") or DEFAULT_PORTAL_URL).rstrip("/")
        return config_from_connection(
            self.clarifai_conn_id,
            host=host,
            password=password,
            extras=extras,
            user_id=self.user_id,
            app_id=self.app_id,
            rate_limit=self.rate_limit,
        )

    def get_config(self) -> ClarifaiConfig:
        """Read the connection (sync path: workers) and build the client config. The PAT
        is registered with Airflow's secret masker before anything else happens."""
        from airflow.providers.common.compat.sdk import redact
        from airflow.sdk.log import mask_secret

        conn = self.get_connection(self.clarifai_conn_id)
        if conn.password and redact(conn.password) == conn.password:  # not masked yet
            mask_secret(conn.password)
        return self._config(conn.host, conn.password, conn.extra_dejson)

    async def aget_config(self) -> ClarifaiConfig:
        """Read the connection through the async-safe path (triggers, async operators):
        ``get_async_connection`` and the async extra, never the sync lookup that blocks
        the triggerer's event loop."""
        from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
        from airflow.providers.common.compat.sdk import redact
        from airflow.sdk.log import amask_secret

        conn = await get_async_connection(self.clarifai_conn_id, hook=self)
        if conn.password and redact(conn.password) == conn.password:  # not masked yet
            await amask_secret(conn.password)
        extras = await get_async_extra_dejson(conn)
        return self._config(conn.host, conn.password, extras)

    @property
    def portal_url(self) -> str:
        """Base URL of the Clarifai portal for extra links (read with the connection)."""
        return self._portal_url or DEFAULT_PORTAL_URL

    # -- clients ----------------------------------------------------------------------
    def get_client(self) -> ClarifaiClient:
        """A new synchronous client for the connection (use it in a ``with`` block)."""
        from connector.client import ClarifaiClient

        return ClarifaiClient(self.get_config())

    async def aget_client(self) -> AsyncClarifaiClient:
        """A new asyncio client for the connection (use it in an ``async with`` block).
        Built in a worker thread: creating its TLS context reads the CA bundle, which must
        not block the event loop (the triggerer's is shared by every trigger)."""
        import asyncio

        from connector.aio import AsyncClarifaiClient

        config = await self.aget_config()
        return await asyncio.to_thread(AsyncClarifaiClient, config)

    def get_conn(self) -> ClarifaiClient:
        """The hook's own synchronous client, built on first use; :meth:`close` closes it."""
        if self._client is None:
            self._client = self.get_client()
        return self._client

    def close(self) -> None:
        """Close the client :meth:`get_conn` built, if any."""
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- connection test --------------------------------------------------------------
    def test_connection(self) -> tuple[bool, str]:
        """One cheap authenticated call: read the app (or list one app when the connection
        names none). Returns ``(ok, message)``; the message names what to fix."""
        from connector.errors import ClarifaiError, ConnectorError

        try:
            with self.get_client() as client:
                if client.config.app_id:
                    app = client.get_app()
                    where = f"app {app.get('id', client.config.app_id)!r} of user {client.config.user_id!r}"
                else:
                    next(iter(client.list_apps(per_page=1, max_pages=1)), None)
                    where = f"user {client.config.user_id!r} (no app id set)"
                return True, f"Connected to Clarifai at {client.config.base_url}: {where}"
        except ClarifaiError as exc:
            return False, describe_failure(exc)
        except ConnectorError as exc:
            return False, str(exc)


def describe_failure(exc: ClarifaiError) -> str:
    """A readable connection-test message for an API error (no secret in it)."""
    from connector.errors import AuthenticationError, NotFoundError

    if isinstance(exc, AuthenticationError):
        return (
            f"Clarifai refused the key ({exc.code_name}, HTTP {exc.http_status}, req_id={exc.req_id or '-'}): "
            "check the PAT in the connection's password field and that it may access this user/app"
        )
    if isinstance(exc, NotFoundError):
        return (
            f"Clarifai knows no such app or user ({exc.code_name}, req_id={exc.req_id or '-'}): "
            "check the user_id and app_id extra fields"
        )
    return f"Clarifai API call failed: {exc}"
