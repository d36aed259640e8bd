"""The asynchronous Clarifai client, twin of :class:`connector.client.ClarifaiClient`.

It runs on ``httpx.AsyncClient`` and shares everything but the awaiting with the sync
client: request building, response decoding and error classification
(:mod:`connector.transport`), retry decisions and waits (:mod:`connector.retry`), the
token bucket (:mod:`connector.ratelimit`), the paging plan (:mod:`connector.pagination`),
set-up and call preparation (:class:`connector.client.ClientBase`) and the endpoint
methods (:class:`connector.client.EndpointMethods`). Single-object endpoint methods
return awaitables; list methods return async iterators.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

import httpx
import tenacity

from connector import pagination, transport
from connector.client import ClientBase, Obj, _extract, page_items
from connector.config import ClarifaiConfig
from connector.retry import attempt_scope
from connector.transport import CallSpec


class AsyncClarifaiClient(ClientBase):
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
        event_hooks: Mapping[str, list] | None = None,
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
                with attempt_scope(self.stats, spec):
                    response = await self._http.send(request)
                    return transport.decode_response(response, spec)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _run(self, rpc: str, *, extract: str | None, **kwargs: Any) -> Any:
        body = await self._execute(self._spec(rpc, **kwargs))
        return _extract(body, extract)

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
    ) -> AsyncIterator[list[Obj]]:
        """Pages of a listing, in order, as an async iterator (prefetch as tasks)."""
        plan, page_call = self._listing(rpc, path, params, per_page, concurrency, max_pages)

        async def fetch(page: int) -> list[Obj]:
            return page_items(await self.call(rpc, **page_call(page)), key)

        return pagination.aiter_pages(fetch, plan)

    def paginate(self, rpc: str, key: str, **kwargs: Any) -> AsyncIterator[Obj]:
        """Items of a listing, in order, as an async iterator."""
        return _aflatten(self.iter_pages(rpc, key, **kwargs))

    def _list(self, rpc: str, key: str, **kwargs: Any) -> AsyncIterator[Obj]:
        return self.paginate(rpc, key, **kwargs)


async def _aflatten(pages: AsyncIterator[list[Obj]]) -> AsyncIterator[Obj]:
    try:
        async for page in pages:
            for item in page:
                yield item
    finally:
        aclose = getattr(pages, "aclose", None)
        if aclose is not None:
            await aclose()
