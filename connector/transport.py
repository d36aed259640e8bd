"""Request building, response decoding and error classification.

Everything here is pure policy shared by the sync and the async client: how a call is
turned into an HTTP request, how an HTTP response (or a failure to get one) is turned
into a decoded body or a typed :mod:`connector.errors` exception. Nothing here sends
anything, sleeps or retries; :mod:`connector.retry` decides about retries.
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from connector.config import ClarifaiConfig
from connector.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ClarifaiError,
    ConfigurationError,
    ConnectionFailedError,
    InvalidArgumentError,
    ItemStatus,
    NotFoundError,
    OutcomeUnknownError,
    PartialFailureError,
    ThrottledError,
    TransientServerError,
)
from connector.routes import ROUTES, Route
from connector.status_codes import (
    ALREADY_EXISTS,
    AUTH,
    INVALID_ARGUMENT,
    ITEM_FAILED,
    NOT_FOUND,
    RETRYABLE,
    THROTTLED,
    StatusCode,
    code_name,
    parse_status_code,
)

logger = logging.getLogger(__name__)

#: The response header that carries the request id when the body does not.
REQUEST_ID_HEADER = "X-Clarifai-Request-ID"
#: Verbs that are safe to repeat by their nature.
IDEMPOTENT_VERBS = frozenset({"GET", "DELETE", "PATCH", "HEAD", "PUT"})


@dataclasses.dataclass(frozen=True)
class CallSpec:
    """One API call, ready to send: route, concrete path, query and JSON body."""

    rpc: str
    method: str
    path: str
    params: tuple[tuple[str, str], ...]
    body: dict[str, Any] | None
    idempotent: bool
    ok_item_codes: frozenset[int]
    #: A not-found answer means "already gone" (deletes): returned, not raised.
    missing_ok: bool = False

    def describe(self) -> str:
        return f"{self.rpc} ({self.method} {self.path})"


def resolve_route(rpc: str) -> Route:
    """The route of ``rpc``; raises :class:`ConfigurationError` for an unknown name."""
    try:
        return ROUTES[rpc]
    except KeyError:
        raise ConfigurationError(f"unknown RPC {rpc!r}: not in connector.routes.ROUTES") from None


def _template_vars(template: str) -> list[str]:
    names = []
    rest = template
    while "{" in rest:
        start = rest.index("{")
        end = rest.index("}", start)
        names.append(rest[start + 1 : end])
        rest = rest[end + 1 :]
    return names


def render_path(config: ClarifaiConfig, rpc: str, template: str, path: Mapping[str, Any] | None) -> str:
    """Fill ``template``; ``user_id``/``app_id`` default to the config. Values are
    percent-quoted. Raises :class:`ConfigurationError` when a variable is missing."""
    values: dict[str, Any] = {"user_id": config.user_id, "app_id": config.app_id}
    values.update({k: v for k, v in (path or {}).items() if v is not None})
    out = template
    for name in _template_vars(template):
        value = values.get(name)
        if value is None or str(value) == "":
            if name == "app_id":
                raise ConfigurationError(
                    "{rpc} needs an app id: set CLARIFAI_APP_ID or pass {app_id}",
                    argument="app_id",
                    spell={"app_id": "app_id=..."},
                    rpc=rpc,
                )
            raise ConfigurationError(f"{rpc}: missing path value {name!r}")
        out = out.replace("{" + name + "}", quote(str(value), safe=""))
    return out


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_params(params: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """Query pairs; a list/tuple value becomes a repeated parameter (``ids=a&ids=b``);
    ``None`` values are dropped."""
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            pairs.extend((key, _query_value(v)) for v in value)
        else:
            pairs.append((key, _query_value(value)))
    return tuple(pairs)


def build_call(
    config: ClarifaiConfig,
    rpc: str,
    *,
    path: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    idempotent: bool | None = None,
    ok_item_codes: Iterable[int] = (),
    missing_ok: bool = False,
) -> CallSpec:
    """Validate and assemble one call. ``idempotent=None`` means: by verb."""
    route = resolve_route(rpc)
    verb = route.verb.upper()
    if body is not None and verb == "GET":
        raise ConfigurationError(f"{rpc} is a GET: pass params=, not body=")
    return CallSpec(
        rpc=rpc,
        method=verb,
        path=render_path(config, rpc, route.path, path),
        params=encode_params(params),
        body=dict(body) if body is not None else ({} if verb != "GET" else None),
        idempotent=(verb in IDEMPOTENT_VERBS) if idempotent is None else bool(idempotent),
        ok_item_codes=frozenset(int(c) for c in ok_item_codes),
        missing_ok=bool(missing_ok),
    )


def _header_pat(config: ClarifaiConfig) -> str:
    """The PAT as it goes into the header: surrounding whitespace (a pasted line break)
    dropped. A PAT with spaces, control or non-ASCII characters inside cannot be sent:
    :class:`ConfigurationError` now, whose message never shows the value (httpx would
    refuse the header on every attempt, echoing it in its error)."""
    pat = config.pat.reveal().strip()
    if not pat or any(not 33 <= ord(ch) <= 126 for ch in pat):
        raise ConfigurationError(
            "the Clarifai PAT contains spaces, control or non-ASCII characters (a pasted line break "
            "or quote?); a PAT is letters and digits only: check CLARIFAI_PAT, the PAT file or pat="
        )
    return pat


def default_headers(config: ClarifaiConfig) -> dict[str, str]:
    """Headers every request carries. The only place the PAT is revealed."""
    return {
        "Authorization": f"Key {_header_pat(config)}",
        "Accept": "application/json",
        "User-Agent": config.user_agent,
    }


def httpx_timeout(config: ClarifaiConfig) -> httpx.Timeout:
    t = config.timeouts
    return httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool)


def httpx_limits(config: ClarifaiConfig) -> httpx.Limits:
    return httpx.Limits(
        max_connections=config.max_connections,
        max_keepalive_connections=config.max_connections,
    )


def request_kwargs(spec: CallSpec) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client.build_request``."""
    kwargs: dict[str, Any] = {"method": spec.method, "url": spec.path}
    if spec.params:
        kwargs["params"] = list(spec.params)
    if spec.body is not None:
        kwargs["content"] = json.dumps(spec.body, separators=(",", ":")).encode()
        kwargs["headers"] = {"Content-Type": "application/json"}
    return kwargs


# -- responses -------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _safe_code(value: Any) -> int | None:
    try:
        return parse_status_code(value)
    except ValueError:
        return None


def is_item_failure(code: int | None) -> bool:
    """True when an item's status code says that item failed; other item statuses (an
    input's INPUT_PENDING, a task's TASK_IN_PROGRESS...) describe a lifecycle."""
    if code is None or code == StatusCode.SUCCESS:
        return False
    return error_class_for(code, None) is not ClarifaiError or code in ITEM_FAILED


def _entry_status(entry: Mapping[str, Any]) -> tuple[Any, Mapping[str, Any] | None]:
    """The id and status of one batch item (a dataset input nests them in ``input``)."""
    if isinstance(entry.get("status"), dict):
        return entry.get("id"), entry["status"]
    inner = entry.get("input")
    if isinstance(inner, dict) and isinstance(inner.get("status"), dict):
        return inner.get("id"), inner["status"]
    return entry.get("id"), None


def _item_statuses(body: Mapping[str, Any]) -> list[ItemStatus]:
    """Failed items of a batch: entries of every list in the body whose status is a
    failure (see :func:`is_item_failure`)."""
    items: list[ItemStatus] = []
    for key, value in body.items():
        if key == "status" or not isinstance(value, list):
            continue
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                continue
            ident, st = _entry_status(entry)
            if st is None:
                continue
            code = _safe_code(st.get("code"))
            if not is_item_failure(code):
                continue
            items.append(
                ItemStatus(
                    index=index,
                    id=None if ident is None else str(ident),
                    code=code,
                    description=str(st.get("description") or ""),
                    details=str(st.get("details") or ""),
                )
            )
    return items


def error_class_for(code: int | None, http_status: int | None) -> type[ClarifaiError]:
    """The typed error for a Clarifai status code and HTTP status."""
    if code == StatusCode.MIXED_STATUS:
        return PartialFailureError
    if http_status == 429 or code in THROTTLED:
        return ThrottledError
    if code in AUTH or http_status in (401, 403):
        return AuthenticationError
    if code in ALREADY_EXISTS:
        return AlreadyExistsError
    if code in NOT_FOUND:
        return NotFoundError
    if code in RETRYABLE or (http_status is not None and http_status >= 500):
        return TransientServerError
    if http_status == 404:
        return NotFoundError
    if code in INVALID_ARGUMENT or http_status == 400:
        return InvalidArgumentError
    return ClarifaiError


def _origin(request: httpx.Request | None) -> str:
    """``scheme://host[:port]`` of a request (never credentials: the PAT is a header)."""
    if request is None:
        return "the API"
    url = request.url
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


def _request_of(obj: Any) -> httpx.Request | None:
    try:
        request: httpx.Request | None = obj.request
        return request
    except (AttributeError, RuntimeError):
        return None


def _not_the_api(response: httpx.Response, spec: CallSpec) -> str | None:
    """The message for an answer that cannot come from the Clarifai API (a redirect,
    or a non-JSON page with a success or not-found status), else None."""
    content_type = response.headers.get("Content-Type", "")
    origin = _origin(_request_of(response))
    if 300 <= response.status_code < 400:
        location = response.headers.get("Location", "?")
        return (
            f"{spec.describe()} was redirected (HTTP {response.status_code} to {location}) by {origin}; "
            "the API answers without redirects: set base_url (CLARIFAI_API_BASE) to the API's address"
        )
    if (
        response.content
        and "json" not in content_type.lower()
        and (200 <= response.status_code < 300 or response.status_code in (404, 405))
    ):
        return (
            f"{spec.describe()} got a {content_type or 'non-JSON'} page (HTTP {response.status_code}) from {origin} "
            "instead of a Clarifai JSON status: check that base_url (CLARIFAI_API_BASE) is the Clarifai API"
        )
    return None


def decode_response(response: httpx.Response, spec: CallSpec) -> dict[str, Any]:
    """The decoded body of a successful call, or a typed error raised.

    Both the HTTP status and the body status are checked. A body that is not a JSON
    object (an HTML proxy page, a truncated body) raises :class:`TransientServerError`.
    MIXED_STATUS raises :class:`PartialFailureError` unless every failed item's code is
    in ``spec.ok_item_codes``; a whole-batch failure whose items all carry such codes
    is returned as success too. With ``spec.missing_ok`` a not-found answer (other than
    a missing app/user) is returned: the ids were already gone.
    """
    header_req_id = response.headers.get(REQUEST_ID_HEADER)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    common: dict[str, Any] = {
        "http_status": response.status_code,
        "method": spec.method,
        "path": spec.path,
        "rpc": spec.rpc,
        "req_id": header_req_id,
    }
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        kind = "an empty" if not response.content else "a non-JSON"
        content_type = response.headers.get("Content-Type", "unknown type")
        not_the_api = _not_the_api(response, spec)
        if not_the_api is not None:
            # A redirect or a web page where the API should answer: a wrong base_url,
            # which no retry will fix.
            raise ClarifaiError(not_the_api, **common)
        cls: type[ClarifaiError] = TransientServerError
        if response.status_code == 429:
            cls = ThrottledError
        err = cls(
            f"{spec.describe()} got {kind} response body ({content_type}, HTTP {response.status_code}) "
            "instead of a Clarifai JSON status",
            **common,
        )
        err.retry_after = retry_after
        err.ambiguous = cls is TransientServerError
        raise err
    raw_status = body.get("status")
    status: dict[str, Any] = raw_status if isinstance(raw_status, dict) else {}
    code = _safe_code(status.get("code"))
    req_id = status.get("req_id") or header_req_id
    common["req_id"] = req_id
    ok_http = 200 <= response.status_code < 300
    if ok_http and code == StatusCode.SUCCESS:
        return body
    items = _item_statuses(body)
    if items and spec.ok_item_codes and all(it.code in spec.ok_item_codes for it in items):
        # MIXED_STATUS, or a whole batch refused, where every failure is acceptable.
        return body
    if code is None and ok_http:
        # A 2xx with no readable status: treat as a broken response, not as success.
        code_desc = "a response without a status"
        err = TransientServerError(f"{spec.describe()} got {code_desc}", **common)
        err.ambiguous = True
        raise err
    cls = error_class_for(code, response.status_code)
    if cls is NotFoundError and spec.missing_ok:
        logger.info(
            "%s: some ids were already gone (%s); treating them as deleted",
            spec.describe(),
            status.get("details") or code_name(code),
        )
        return body
    err = cls(
        code=code,
        description=str(status.get("description") or ""),
        details=str(status.get("details") or ""),
        items=items,
        response=body,
        **common,
    )
    err.retry_after = retry_after
    err.ambiguous = cls is TransientServerError
    raise err


# -- transport failures -----------------------------------------------------------------

#: httpx failures that happen before the request could reach the server.
_BEFORE_SEND = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def error_from_exception(exc: BaseException, spec: CallSpec) -> ClarifaiError | ConfigurationError:
    """A typed error for an httpx transport failure (refused, reset, timeout...).

    ``ambiguous`` is False when the request cannot have reached the server (connect
    failures, pool timeouts), True otherwise (read timeouts, resets after sending). A
    request that could not be encoded at all is a :class:`ConfigurationError` (never sent).
    """
    if isinstance(exc, ClarifaiError):
        return exc
    if isinstance(exc, httpx.LocalProtocolError):
        # The request could not even be written (an illegal header value). httpx's text
        # echoes the header, which may be the Authorization header: never shown.
        return ConfigurationError(
            f"{spec.describe()} could not be encoded as an HTTP request ({type(exc).__name__}: an illegal "
            "header or URL value; its text is withheld because it may hold the PAT)"
        )
    before = isinstance(exc, _BEFORE_SEND)
    when = "before the request was sent" if before else "after the request was sent"
    err = ConnectionFailedError(
        f"{spec.describe()} to {_origin(_request_of(exc))} failed {when}: {type(exc).__name__}: {exc}",
        method=spec.method,
        path=spec.path,
        rpc=spec.rpc,
    )
    err.ambiguous = not before
    err.__cause__ = exc
    return err


def settle_error(exc: BaseException, spec: CallSpec) -> BaseException:
    """The exception an attempt raises: typed, and for a write that is not safe to
    repeat, an ambiguous failure becomes :class:`OutcomeUnknownError` (cause chained).

    Exceptions that are not transport or API errors are returned unchanged.
    """
    err: BaseException
    if isinstance(exc, httpx.TransportError):
        err = error_from_exception(exc, spec)
    elif isinstance(exc, ClarifaiError):
        err = exc
    else:
        return exc
    if spec.idempotent or not isinstance(err, ClarifaiError) or not err.ambiguous:
        return err
    unknown = OutcomeUnknownError(
        f"{spec.describe()} is a write that is not safe to repeat and failed ambiguously "
        f"({type(err).__name__}: {err.code_name if err.code is not None else type(err.__cause__ or err).__name__})",
        code=err.code,
        description=err.description,
        details=err.details,
        req_id=err.req_id,
        http_status=err.http_status,
        method=spec.method,
        path=spec.path,
        rpc=spec.rpc,
    )
    unknown.__cause__ = err
    return unknown
