"""``HttpFeedFetcher``: the production ``bot.ports.FeedFetcher`` over httpx.

One ``fetch`` = at most ``max_redirects + 1`` conditional GETs, all within one wall-clock
deadline (``asyncio.timeout``, so a server dripping a byte a second cannot hold a slot
forever), each hop checked by the SSRF guard before it is requested. The body is read
within a decompressed-size limit, hashed, and parsed in a worker thread (outside the
deadline: parsing a 10 MiB feed is CPU work, not waiting on the network) unless its hash
equals the previous one. Every failure becomes ``FetchResult(status=ERROR, error=...)``
with a message a user can act on; ``fetch`` never raises for feed or network problems.

Concurrency is bounded globally and per host of the feed URL (semaphores owned by the
instance, waited for before the deadline starts, so queueing is not mistaken for a slow
server; the host slot is taken first so a busy host never blocks global slots).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import zlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit

import httpx

from adapters.feeds.body import read_limited, too_large
from adapters.feeds.errors import FetchError
from adapters.feeds.headers import parse_max_age, parse_retry_after
from adapters.feeds.netguard import AddressGuard
from adapters.feeds.parse import parse_to_result
from bot.model import FetchResult, FetchStatus, PollRequest

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "storybot/0.1 (self-hosted news-story follower; RSS/Atom/JSON Feed reader)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
_POOL_SIZE = 4  # connections per httpx pool (see HttpFeedFetcher.__init__)
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
_HTTP_HINTS = {
    401: "the feed needs a login",
    403: "access denied by the server",
    404: "feed not found (check the URL)",
    410: "the feed was removed permanently",
    429: "the server asks us to slow down",
    500: "server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


@dataclass
class _Download:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes | None = None
    warnings: list[str] = field(default_factory=list)


class HttpFeedFetcher:
    """Fetches feeds over HTTP(S) conditionally, safely and within limits."""

    def __init__(
        self,
        *,
        timeout_s: float = 20.0,
        max_body_bytes: int = 10 * 1024 * 1024,
        max_entries: int = 500,
        concurrency: int = 32,
        per_host_concurrency: int = 2,
        user_agent: str = DEFAULT_USER_AGENT,
        allowed_hosts: Iterable[str] = (),
        max_redirects: int = 5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Create a fetcher; settings come from the ``[polling]`` config section.

        Args:
            timeout_s: Wall-clock limit for one fetch, redirects and body included.
            max_body_bytes: Limit on the decompressed body.
            max_entries: Keep at most this many entries per fetch.
            concurrency: Fetches in flight across all hosts.
            per_host_concurrency: Fetches in flight per host.
            user_agent: The User-Agent header.
            allowed_hosts: Hosts, addresses or CIDR networks exempt from the SSRF guard.
            max_redirects: Redirects followed per fetch.
            transport: An httpx transport to use instead of the network (tests, proxies).
        """
        self._timeout_s = timeout_s
        self._max_body = max_body_bytes
        self._max_entries = max_entries
        self._max_redirects = max_redirects
        self._per_host = per_host_concurrency
        self._global = asyncio.Semaphore(concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._guard = AddressGuard(allowed_hosts)
        # trust_env=False: a proxy from the environment would resolve names itself and
        # defeat the SSRF guard; configure proxies explicitly through `transport`.
        #
        # Several small connection pools instead of one big one: httpcore scans every
        # connection of its pool each time a request is queued or a response is closed,
        # so one 32-connection pool cost ~4x the CPU per request of 4-connection pools
        # (measured by benchmarks/poll.py). A host sticks to one pool, so its keep-alive
        # connections are reused, unless its own limit exceeds a pool: then it is spread
        # over just enough pools. A given transport (tests, proxies) gets one pool.
        #
        # Requests go straight to the transports (httpx's connection pools), not through
        # an ``httpx.AsyncClient``: the client adds nothing a feed fetch uses (redirects
        # are followed here, hop by hop past the guard; no auth; cookies are not wanted
        # across feeds) and its per-request work (cookie jar, URL merging, auth and
        # redirect generators) was ~20% of the CPU of an unchanged poll.
        pools = 1 if transport is not None else max(1, -(-concurrency // _POOL_SIZE))
        per_pool = -(-concurrency // pools)
        if transport is not None:
            self._transports: list[httpx.AsyncBaseTransport] = [transport]
        else:
            tls = httpx.create_ssl_context()  # httpx's default context, loaded once, shared
            limits = httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool)
            self._transports = [
                httpx.AsyncHTTPTransport(verify=tls, limits=limits, trust_env=False)
                for _ in range(pools)
            ]
        self._headers = {
            "User-Agent": user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        self._extensions = {"timeout": httpx.Timeout(timeout_s).as_dict()}
        self._spread = max(1, -(-per_host_concurrency // per_pool))
        self._turns = itertools.count()

    def _transport_for(self, url: str) -> httpx.AsyncBaseTransport:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        start = zlib.crc32(host.encode("utf-8", "replace"))
        turn = next(self._turns) % self._spread if self._spread > 1 else 0
        return self._transports[(start + turn) % len(self._transports)]

    async def aclose(self) -> None:
        """Close the connection pools."""
        for transport in self._transports:
            await transport.aclose()

    @asynccontextmanager
    async def _get(self, url: str, request: PollRequest) -> AsyncIterator[httpx.Response]:
        """One GET of ``url`` with the request's validators; the response is closed after."""
        headers = self._headers | self._request_headers(request)
        req = httpx.Request("GET", url, headers=headers, extensions=self._extensions)
        resp = await self._transport_for(url).handle_async_request(req)
        try:
            yield resp
        finally:
            await resp.aclose()

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        return self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))

    async def fetch(self, request: PollRequest) -> FetchResult:
        """Fetch and parse one feed. Never raises for feed or network problems.

        Args:
            request: The feed URL and the validators from the previous poll.

        Returns:
            OK with entries, NOT_MODIFIED (304 or identical body), or ERROR with a
            human-readable ``error``.
        """
        try:
            # Host slot first: a fetch queued behind its busy host must not sit on one of
            # the global slots meanwhile, or one slow host could starve all the others.
            async with self._host_slot(request.url), self._global:
                async with asyncio.timeout(self._timeout_s):
                    download = await self._download(request)
            return await self._interpret(request, download)
        except TimeoutError:
            return _error(f"timed out: the feed did not arrive within {self._timeout_s:g}s")
        except FetchError as exc:
            return _error(str(exc), http_status=exc.http_status)
        except httpx.HTTPError as exc:
            return _error(_describe_http_error(exc, request.url))
        except Exception as exc:  # the port promises never to raise: report, log the trace
            log.exception("unexpected error fetching %s", request.url)
            return _error(f"unexpected error: {type(exc).__name__}: {exc}")

    def _request_headers(self, request: PollRequest) -> dict[str, str]:
        headers = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        return headers

    async def _download(self, request: PollRequest) -> _Download:
        url, chain, warnings = request.url, [request.url], []
        for _ in range(self._max_redirects + 1):
            await self._guard.check(url)
            async with self._get(url, request) as resp:
                if resp.status_code in _REDIRECTS:
                    location = resp.headers.get("location")
                    if not location:
                        raise FetchError(
                            f"HTTP {resp.status_code} redirect without a Location header",
                            http_status=resp.status_code,
                        )
                    target = urljoin(url, location.strip())
                    if target in chain:
                        raise FetchError(
                            "redirect loop: " + " -> ".join([*chain, target]),
                            http_status=resp.status_code,
                        )
                    if resp.status_code in _PERMANENT:
                        warnings.append(
                            f"feed moved permanently to {target}; consider updating its URL"
                        )
                    chain.append(target)
                    url = target
                    continue
                download = _Download(url, resp.status_code, resp.headers, warnings=warnings)
                if _has_body(resp.status_code):
                    declared = resp.headers.get("content-length", "")
                    if (
                        declared.isdigit()
                        and resp.headers.get("content-encoding") is None
                        and int(declared) > self._max_body
                    ):
                        raise too_large(self._max_body)
                    download.body = await read_limited(
                        resp.aiter_raw(), resp.headers.get("content-encoding"), self._max_body
                    )
                elif resp.status_code == 304:
                    # A 304 has no body, but the connection only goes back to the pool once
                    # the (empty) response has been read to its end; otherwise every 304
                    # costs a new TCP connection on the next poll of that host.
                    async for _ in resp.aiter_raw():
                        pass
                return download
        raise FetchError(
            f"too many redirects (more than {self._max_redirects}): " + " -> ".join(chain)
        )

    async def _interpret(self, request: PollRequest, dl: _Download) -> FetchResult:
        headers, status = dl.headers, dl.status
        etag = headers.get("etag") or None
        last_modified = headers.get("last-modified") or None
        max_age = parse_max_age(headers.get("cache-control"))
        if status == 304:
            return FetchResult(
                FetchStatus.NOT_MODIFIED,
                http_status=304,
                etag=etag or request.etag,
                last_modified=last_modified or request.last_modified,
                body_hash=request.body_hash,
                max_age_s=max_age,
                warnings=tuple(dl.warnings),
            )
        if not _has_body(status):
            retry_after = (
                parse_retry_after(headers.get("retry-after"), headers.get("date"))
                if status in (429, 503)
                else None
            )
            return _error(
                _http_message(status, retry_after), http_status=status, retry_after_s=retry_after
            )
        body = dl.body or b""
        body_hash = hashlib.sha256(body).hexdigest()
        if request.body_hash and body_hash == request.body_hash:
            return FetchResult(
                FetchStatus.NOT_MODIFIED,
                http_status=status,
                etag=etag,
                last_modified=last_modified,
                body_hash=body_hash,
                max_age_s=max_age,
                warnings=tuple(dl.warnings),
            )
        parsed = await asyncio.to_thread(
            parse_to_result,
            body,
            headers.get("content-type"),
            dl.url,
            max_entries=self._max_entries,
        )
        if parsed.status == FetchStatus.ERROR:
            # No validators or hash: recording them would turn the next poll of the same
            # broken body into NOT_MODIFIED, and the feed would look healthy.
            return replace(parsed, http_status=status, warnings=tuple(dl.warnings))
        return replace(
            parsed,
            http_status=status,
            etag=etag,
            last_modified=last_modified,
            body_hash=body_hash,
            max_age_s=max_age,
            warnings=tuple(dl.warnings) + parsed.warnings,
        )


def _has_body(status: int) -> bool:
    """2xx responses carry the feed (203 from caching proxies, too); 204 is caught as empty."""
    return 200 <= status < 300


def _error(message: str, **fields: object) -> FetchResult:
    return FetchResult(FetchStatus.ERROR, error=message, **fields)  # type: ignore[arg-type]


def _http_message(status: int, retry_after: float | None) -> str:
    reason = httpx.codes.get_reason_phrase(status) or "unexpected status"
    hint = _HTTP_HINTS.get(status) or (
        "server error"
        if status >= 500
        else "request refused"
        if status >= 400
        else "unexpected response"
    )
    message = f"HTTP {status} {reason}: {hint}"
    if retry_after is not None:
        message += f" (retry after {retry_after:g}s)"
    return message


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _describe_http_error(exc: httpx.HTTPError, url: str) -> str:
    detail = str(exc) or type(exc).__name__
    lowered = detail.lower()
    try:
        parts = urlsplit(url)
        where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    except ValueError:
        where = url
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out talking to {where} ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        if "refused" in lowered or _caused_by(exc, ConnectionRefusedError):
            return f"could not connect to {where}: connection refused"
        if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
            return f"TLS/certificate error with {where}: {detail}"
        if "name or service" in lowered or "nodename" in lowered or "getaddrinfo" in lowered:
            return f"DNS lookup failed for {where}: {detail}"
        return f"could not connect to {where}: {detail}"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"invalid feed URL {url!r}: {detail}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server at {where} broke the connection or the HTTP protocol: {detail}"
    if isinstance(exc, httpx.ReadError):
        return f"connection to {where} dropped while reading: {detail}"
    return f"HTTP error talking to {where}: {type(exc).__name__}: {detail}"
