"""The synchronous Clarifai client: one pooled ``httpx.Client`` plus thin endpoint methods.

Every request goes through :meth:`ClarifaiClient.call`, which builds the request from
:mod:`connector.routes`, takes a token from the client's rate limiter for every attempt,
retries by the policy in :mod:`connector.retry`, and decodes the answer into a dict or a
typed :mod:`connector.errors` exception. The endpoint methods are defined once, in
:class:`connector.endpoints.EndpointMethods`, and shared with
:class:`connector.aio.AsyncClarifaiClient`; their results are typed by
:mod:`connector.objects`, and the client satisfies
:class:`connector.protocols.ClientProtocol`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx
import tenacity

from connector import pagination, transport
from connector.config import ClarifaiConfig
from connector.endpoints import Call, Listing, SyncEndpointMethods
from connector.pagination import PagePlan
from connector.ratelimit import TokenBucket
from connector.retry import ClientStats, attempt_scope, retrying_kwargs
from connector.transport import CallSpec

if TYPE_CHECKING:  # pragma: no cover
    from connector.protocols import ClientProtocol

T = TypeVar("T")

Obj = dict[str, Any]


def page_items(body: Obj, key: str) -> list[Obj]:
    """The items of one listing page."""
    return list(body.get(key) or [])


def call_spec(client: ClientBase, call: Call[Any]) -> CallSpec:
    """The checked, assembled request of an endpoint method's :class:`Call`."""
    return client._spec(
        call.rpc,
        path=call.path,
        params=call.params,
        body=call.body,
        idempotent=call.idempotent,
        ok_item_codes=call.ok_item_codes,
        missing_ok=call.missing_ok,
    )


def listing_kwargs(listing: Listing[Any]) -> dict[str, Any]:
    """The :meth:`ClarifaiClient.iter_pages` arguments of an endpoint method's :class:`Listing`."""
    return {
        "path": listing.path,
        "params": listing.params,
        "per_page": listing.per_page,
        "concurrency": listing.concurrency,
        "max_pages": listing.max_pages,
    }


class ClientBase:
    """What the sync and the async client share: configuration, stats, the rate
    limiter, the pooled httpx client, and how calls and listings are prepared. (The
    endpoint methods come from :class:`~connector.endpoints.EndpointMethods`.)"""

    def __init__(
        self,
        config: ClarifaiConfig | None,
        http_class: type[httpx.Client] | type[httpx.AsyncClient],
        transport_: Any,
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None,
    ) -> None:
        self.config = config if config is not None else ClarifaiConfig.from_env()
        self.stats = ClientStats()
        self._limiter = TokenBucket(self.config.rate_limit, self.config.rate_burst)
        kwargs: dict[str, Any] = {
            "base_url": self.config.base_url,
            "headers": transport.default_headers(self.config),
            "timeout": transport.httpx_timeout(self.config),
            "limits": transport.httpx_limits(self.config),
            "follow_redirects": False,
            "event_hooks": dict(event_hooks or {}),
        }
        if transport_ is not None:
            kwargs["transport"] = transport_
        self._http: Any = http_class(**kwargs)

    def __repr__(self) -> str:
        cfg = self.config
        return f"{type(self).__name__}(user_id={cfg.user_id!r}, app_id={cfg.app_id!r}, base_url={cfg.base_url!r})"

    def _spec(self, rpc: str, **kwargs: Any) -> CallSpec:
        return transport.build_call(self.config, rpc, **kwargs)

    def _retrying(self, retrying_class: type[tenacity.BaseRetrying], spec: CallSpec) -> Any:
        return retrying_class(**retrying_kwargs(self.config.retry, self.stats, spec.describe()))

    def _listing(
        self,
        rpc: str,
        path: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None,
        per_page: int | None,
        concurrency: int | None,
        max_pages: int | None,
        expected_items: int | None = None,
    ) -> tuple[PagePlan, Callable[[int], dict[str, Any]]]:
        """The paging plan and, per page number, the ``call`` arguments. Checks the
        arguments now, before the first request."""
        plan = PagePlan(
            per_page=self.config.per_page if per_page is None else per_page,
            concurrency=self.config.page_concurrency if concurrency is None else concurrency,
            max_pages=max_pages,
            expected_items=expected_items,
        )
        self._spec(rpc, path=path, params=params)

        def page_call(page: int) -> dict[str, Any]:
            return {"path": path, "params": {**(params or {}), "page": page, "per_page": plan.per_page}}

        return plan, page_call


class ClarifaiClient(SyncEndpointMethods, ClientBase):
    """A synchronous, thread-safe client for one Clarifai user/app.

    ``config`` defaults to :meth:`ClarifaiConfig.from_env`. ``transport`` and
    ``event_hooks`` are passed to the underlying ``httpx.Client``. Use as a context
    manager or call :meth:`close`.
    """

    def __init__(
        self,
        config: ClarifaiConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None,
    ) -> None:
        super().__init__(config, httpx.Client, transport, event_hooks)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ClarifaiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one call path --------------------------------------------------------------
    def call(
        self,
        rpc: str,
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        ok_item_codes: Iterable[int] = (),
    ) -> Obj:
        """Call ``rpc`` (a key of :data:`connector.routes.ROUTES`) and return the decoded body.

        Retried per ``config.retry`` when safe (``idempotent=None``: GET/DELETE/PATCH
        yes, POST no). Raises a :class:`~connector.errors.ClarifaiError` subclass:
        PartialFailureError for MIXED_STATUS unless every failed item's code is in
        ``ok_item_codes``; OutcomeUnknownError when a write not safe to repeat failed
        ambiguously.
        """
        return self._execute(
            self._spec(rpc, path=path, params=params, body=body, idempotent=idempotent, ok_item_codes=ok_item_codes)
        )

    def _execute(self, spec: CallSpec, *, plan: PagePlan | None = None) -> Obj:
        """Send ``spec`` by the retry policy, one limiter token per attempt. With the
        ``plan`` of a listing, a request whose answer is no longer wanted (a page
        fetched ahead past the end of the listing) stops waiting for its token as soon
        as the listing ends, gives the token back and is not sent: :class:`_Unwanted`."""
        request = self._http.build_request(**transport.request_kwargs(spec))
        for attempt in self._retrying(tenacity.Retrying, spec):
            with attempt:
                wait = self._limiter.acquire(None if plan is None else plan.stopped)
                if plan is not None and not plan.running():
                    self._limiter.release(wait)
                    raise _Unwanted
                with attempt_scope(self.stats, spec, self._limiter.throttled):
                    return transport.decode_response(self._http.send(request), spec)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _perform(self, call: Call[T]) -> T:
        """Run one endpoint method's request and return its result (typed by the method)."""
        return cast(T, call.result(self._execute(call_spec(self, call))))

    # -- listings -----------------------------------------------------------------------
    def iter_pages(
        self,
        rpc: str,
        key: str,
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        per_page: int | None = None,
        concurrency: int | None = None,
        max_pages: int | None = None,
        expected_items: int | None = None,
    ) -> Iterator[list[Obj]]:
        """Pages (lists of ``body[key]`` items) of a listing, in order; see
        :mod:`connector.pagination`. ``expected_items``: how many items the listing
        holds, when a count says so beforehand (the pages it covers are then requested
        from the start instead of after page 1; a stale count costs no correctness).
        Arguments are checked before the first request."""
        plan, page_call = self._listing(rpc, path, params, per_page, concurrency, max_pages, expected_items)

        def fetch(page: int) -> list[Obj]:
            # A page fetched ahead past the end stops waiting for its token when the
            # listing ends, and is not sent.
            try:
                return page_items(self._execute(self._spec(rpc, **page_call(page)), plan=plan), key)
            except _Unwanted:
                return []

        return pagination.iter_pages(fetch, plan)

    def paginate(self, rpc: str, key: str, **kwargs: Any) -> Iterator[Obj]:
        """Items of a listing, in order (same arguments as :meth:`iter_pages`)."""
        return _flatten(self.iter_pages(rpc, key, **kwargs))

    def _items(self, listing: Listing[T]) -> Iterator[T]:
        """The items of one endpoint method's listing (typed by the method)."""
        return cast(Iterator[T], self.paginate(listing.rpc, listing.key, **listing_kwargs(listing)))


class _Unwanted(Exception):
    """A prefetched request whose answer is no longer wanted (never retried: see the
    retry policy, which retries only the API's and the network's errors)."""


def _flatten(pages: Iterator[list[Obj]]) -> Iterator[Obj]:
    try:
        for page in pages:
            yield from page
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()


if TYPE_CHECKING:  # pragma: no cover

    def _satisfies_protocol(client: ClarifaiClient) -> ClientProtocol:
        """Never called: mypy checks here that the client offers everything
        :class:`~connector.protocols.ClientProtocol` promises, with the same types."""
        return client
