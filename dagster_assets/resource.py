"""``ClarifaiResource``: the Dagster resource that hands out Clarifai clients.

One pooled :class:`~connector.client.ClarifaiClient` is created when a run (or a sensor
tick) sets the resource up and closed when it tears it down; the steps of the run that
share a process (all of them with the in-process executor, one with the multiprocess
executor) share it, and so share its connection pool and its rate limiter.
Outside a run (a notebook, a script, a test) :meth:`ClarifaiResource.get_client` builds
a client of its own, resolving :class:`dagster.EnvVar` fields to their values.

The PAT field is marked secret (``dagster__is_secret``): the UI shows it as a mask, and
the resource's ``repr`` leaves it out. Give it as ``EnvVar("CLARIFAI_PAT")`` so that the
code location's snapshot holds only the variable's name.
"""

from __future__ import annotations

import logging
from typing import Any

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from connector.aio import AsyncClarifaiClient
from connector.client import ClarifaiClient
from connector.config import DEFAULT_BASE_URL, DEFAULT_RATE_LIMIT, ClarifaiConfig, RetryPolicy, Secret, Timeouts

logger = logging.getLogger(__name__)

__all__ = ["ClarifaiResource"]


class _RunClient(ClarifaiClient):
    """The client a run shares: ``close()`` and ``with`` leave its pool open, so code
    written for a client of its own (``with resource.get_client() as client:``) works
    unchanged inside a run; the resource closes it at teardown."""

    def close(self) -> None:
        pass

    def _shutdown(self) -> None:
        super().close()


class _RunAsyncClient(AsyncClarifaiClient):
    """The async twin of :class:`_RunClient` (``aclose()`` / ``async with`` keep it open)."""

    async def aclose(self) -> None:
        pass

    async def _shutdown(self) -> None:
        await super().aclose()


def _resolved(value: Any) -> Any:
    """The value of an ``EnvVar`` / ``IntEnvVar`` field, else the value itself.

    On a resource that was never initialized (used outside a run), Dagster leaves an
    ``EnvVar`` in the field, and the field reads as the variable's *name*."""
    get_value = getattr(value, "get_value", None)
    if callable(get_value) and hasattr(value, "env_var_name"):
        return get_value()
    return value


class ClarifaiResource(ConfigurableResource):
    """Access to one Clarifai app: credentials, endpoint, retry and rate-limit policy.

    Inside a run, :meth:`get_client` / :meth:`get_async_client` return the run's shared
    pooled clients (created at setup, closed at teardown; using them with ``with`` is
    fine). Outside a run they return new clients the caller closes. Every request is
    rate limited on the client side (``rate_limit`` per process), retried only when that
    is safe (throttling, 5xx, timeouts; ``Retry-After`` honoured, jittered backoff), and
    fails with a typed :mod:`connector.errors` exception.

    Example::

        ClarifaiResource(pat=EnvVar("CLARIFAI_PAT"), user_id="me", app_id="my-app")
    """

    pat: str = Field(
        description="Personal access token. Give it as EnvVar('CLARIFAI_PAT'); never logged or shown.",
        repr=False,
        json_schema_extra={"dagster__is_secret": True},
    )
    user_id: str = Field(description="User that owns the app.")
    app_id: str | None = Field(default=None, description="App the app-scoped calls use.")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="API address (https; http only to loopback).")
    rate_limit: float = Field(
        default=DEFAULT_RATE_LIMIT,
        description=(
            "Client-side requests per second for each process using this resource (0 = off). The API "
            "allows 15 per account: with a pool of N concurrent steps, use at most 15 / N."
        ),
    )
    rate_burst: float | None = Field(default=None, description="Token bucket burst (defaults to the rate).")
    page_concurrency: int = Field(default=8, description="Listing pages fetched concurrently.")
    timeout: float = Field(default=60.0, description="Read and write timeout per request, seconds.")
    retry_max_attempts: int = Field(default=6, description="Attempts per call, the first included.")
    retry_max_elapsed: float = Field(default=120.0, description="Seconds one call may spend retrying.")
    retry_initial_wait: float = Field(default=0.5, description="First backoff wait, seconds (full jitter).")
    retry_max_wait: float = Field(default=30.0, description="Longest backoff wait, seconds.")
    retry_max_retry_after: float = Field(default=120.0, description="Longest Retry-After honoured, seconds.")
    allow_insecure_http: bool = Field(
        default=False, description="Allow sending the PAT over plain http to a non-loopback host."
    )

    _config: ClarifaiConfig | None = PrivateAttr(default=None)
    _client: _RunClient | None = PrivateAttr(default=None)
    _async_client: _RunAsyncClient | None = PrivateAttr(default=None)

    # -- configuration -------------------------------------------------------------------
    def to_config(self) -> ClarifaiConfig:
        """The :class:`~connector.config.ClarifaiConfig` this resource describes, with
        ``EnvVar`` fields resolved to their values. Raises
        :class:`~connector.errors.ConfigurationError` naming the setting at fault (the
        PAT's value never appears in it)."""
        app_id = _resolved(self.app_id)
        return ClarifaiConfig(
            pat=Secret(_resolved(self.pat) or ""),
            user_id=_resolved(self.user_id) or "",
            app_id=app_id or None,
            base_url=_resolved(self.base_url) or DEFAULT_BASE_URL,
            rate_limit=float(_resolved(self.rate_limit)),
            rate_burst=_resolved(self.rate_burst),
            page_concurrency=int(_resolved(self.page_concurrency)),
            timeouts=Timeouts(read=float(_resolved(self.timeout)), write=float(_resolved(self.timeout))),
            retry=RetryPolicy(
                max_attempts=int(_resolved(self.retry_max_attempts)),
                max_elapsed=float(_resolved(self.retry_max_elapsed)),
                initial_wait=float(_resolved(self.retry_initial_wait)),
                max_wait=float(_resolved(self.retry_max_wait)),
                max_retry_after=float(_resolved(self.retry_max_retry_after)),
            ),
            allow_insecure_http=bool(_resolved(self.allow_insecure_http)),
            user_agent="clarifai-connector-dagster",
        )

    # -- lifecycle -----------------------------------------------------------------------
    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Check the settings and create the run's pooled client (no request is made).
        The async client is created on first use."""
        self._config = self.to_config()
        self._client = _RunClient(self._config)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        """Close the run's clients (runs even when the run failed)."""
        self._config = None
        client, self._client = self._client, None
        if client is not None:
            client._shutdown()
        async_client, self._async_client = self._async_client, None
        if async_client is not None:
            loop = getattr(context, "event_loop", None)
            if loop is not None and not loop.is_closed() and not loop.is_running():
                loop.run_until_complete(async_client._shutdown())
            else:  # pragma: no cover - Dagster gives every run an event loop
                logger.debug("no event loop to close the async Clarifai client on; its pool is dropped")

    # -- what assets, ops and sensors call -------------------------------------------------
    def get_client(self) -> ClarifaiClient:
        """A synchronous client: the run's shared one inside a run, else a new one
        (close it, e.g. ``with resource.get_client() as client:``)."""
        if self._client is not None:
            return self._client
        return ClarifaiClient(self.to_config())

    def get_async_client(self) -> AsyncClarifaiClient:
        """An asyncio client: the run's shared one inside a run (use it on the run's
        event loop, which Dagster runs async assets and ops on), else a new one
        (``async with resource.get_async_client() as client:``)."""
        if self._config is None:
            return AsyncClarifaiClient(self.to_config())
        if self._async_client is None:
            self._async_client = _RunAsyncClient(self._config)
        return self._async_client
