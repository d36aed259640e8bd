"""The asynchronous Clarifai client, twin of :class:`connector.client.ClarifaiClient`.

It runs on ``httpx.AsyncClient`` and shares everything but the awaiting with the sync
client: request building, response decoding and error classification
(:mod:`connector.transport`), retry decisions and waits (:mod:`connector.retry`), the
token bucket (:mod:`connector.ratelimit`), the paging plan (:mod:`connector.pagination`),
set-up and call preparation (:class:`connector.client.ClientBase`) and the endpoint
methods (:class:`connector.endpoints.EndpointMethods`). Single-request endpoint methods
return coroutines (awaited for the object); list methods return async iterators. The client satisfies
:class:`connector.protocols.AsyncClientProtocol`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx
import tenacity

from connector import pagination, transport
from connector.client import ClientBase, Obj, call_spec, listing_kwargs, page_items
from connector.config import ClarifaiConfig
from connector.endpoints import AsyncEndpointMethods, Call, Listing
from connector.retry import attempt_scope
from connector.transport import CallSpec

if TYPE_CHECKING:  # pragma: no cover
    from connector.protocols import AsyncClientProtocol

T = TypeVar("T")


class AsyncClarifaiClient(AsyncEndpointMethods, ClientBase):
    """An asyncio client for one Clarifai user/app; safe to share between tasks.

    ``config`` defaults to :meth:`ClarifaiConfig.from_env`; ``transport`` and
    ``event_hooks`` (async callables) go to ``httpx.AsyncClient``. Use
    ``async with`` or call :meth:`aclose`.
    """

    def __init__(
        self,
        config: ClarifaiConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None,
    ) -> None:
        super().__init__(config, httpx.AsyncClient, transport, event_hooks)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClarifaiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def call(
        self,
        rpc: str,
        *,
        path: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        ok_item_codes: Iterable[int] = (),
    ) -> Obj:
        """Async :meth:`connector.client.ClarifaiClient.call`: same rules, same errors."""
        spec = self._spec(rpc, path=path, params=params, body=body, idempotent=idempotent, ok_item_codes=ok_item_codes)
        return await self._execute(spec)

    async def _execute(self, spec: CallSpec) -> Obj:
        request = self._http.build_request(**transport.request_kwargs(spec))
        async for attempt in self._retrying(tenacity.AsyncRetrying, spec):
            with attempt:
                await self._limiter.aacquire()
                with attempt_scope(self.stats, spec, self._limiter.throttled):
                    response = await self._http.send(request)
                    return transport.decode_response(response, spec)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _perform(self, call: Call[T]) -> T:
        """Run one endpoint method's request and return its result (typed by the method)."""
        return cast(T, call.result(await self._execute(call_spec(self, call))))

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
    ) -> AsyncIterator[list[Obj]]:
        """Pages of a listing, in order, as an async iterator (prefetch as tasks)."""
        plan, page_call = self._listing(rpc, path, params, per_page, concurrency, max_pages, expected_items)

        async def fetch(page: int) -> list[Obj]:
            return page_items(await self.call(rpc, **page_call(page)), key)

        return pagination.aiter_pages(fetch, plan)

    def paginate(self, rpc: str, key: str, **kwargs: Any) -> AsyncIterator[Obj]:
        """Items of a listing, in order, as an async iterator."""
        return _aflatten(self.iter_pages(rpc, key, **kwargs))

    def _items(self, listing: Listing[T]) -> AsyncIterator[T]:
        """The items of one endpoint method's listing, as an async iterator (typed by the method)."""
        return cast(AsyncIterator[T], self.paginate(listing.rpc, listing.key, **listing_kwargs(listing)))


async def _aflatten(pages: AsyncIterator[list[Obj]]) -> AsyncIterator[Obj]:
    try:
        async for page in pages:
            for item in page:
                yield item
    finally:
        aclose = getattr(pages, "aclose", None)
        if aclose is not None:
            await aclose()


if TYPE_CHECKING:  # pragma: no cover

    def _satisfies_protocol(client: AsyncClarifaiClient) -> AsyncClientProtocol:
        """Never called: mypy checks here that the client offers everything
        :class:`~connector.protocols.AsyncClientProtocol` promises, with the same types."""
        return client
