"""``HttpFeedFetcher``: the production ``bot.ports.FeedFetcher`` over aiohttp.

One ``fetch`` = at most ``max_redirects + 1`` conditional GETs, all within one wall-clock
deadline (``asyncio.timeout``, so a server dripping a byte a second cannot hold a slot
forever), each connection made within a shorter limit of its own (:func:`connect_limit`),
each hop checked by the SSRF guard: its URL before it is requested, its host's
addresses as the connection resolves them (``adapters.feeds.resolver``: one lookup, and
what is connected to is what was checked, so DNS rebinding gains nothing). The body is read
within a decompressed-size limit, hashed, and parsed in a thread of its own (outside the
deadline: parsing a 10 MiB feed is CPU work, not waiting on the network) unless its hash
equals the previous one. Every failure becomes ``FetchResult(status=ERROR, error=...)``
with a message a user can act on; ``fetch`` never raises for feed or network problems.

A fetch that reached no server, for a reason that may pass, says so
(``FetchResult.unreachable``: what tells this machine's network down, ``bot.polling``): a
resolver that cannot answer for now, a connection refused or unreachable, and a connect
that never completed (packets dropped, as by a firewall or a dead link, while names still
resolve). That last one needs the connect's own limit: under the fetch's deadline alone
it looked like a slow server. The limit covers the name's lookup too, so a lookup that
never answers fails within it as well, said as the lookup's failure (no socket was
opened). A server that took the connection and then was slow (the TLS handshake, the
headers, the body) was reached: that is the feed's own failure.

Concurrency is bounded globally and per host of the feed URL (semaphores owned by the
instance, waited for before the deadline starts, so queueing is not mistaken for a slow
server; the host slot is taken first so a busy host never blocks global slots).

Why aiohttp rather than httpx: a feed poll is mostly small conditional requests, and per
request httpx (its pure-Python h11/httpcore/anyio stack) cost about twice the CPU of
aiohttp's C HTTP parser; on an unchanged poll of 2,000 local feeds, 2.3 s against about
1.0 s for the bare requests (``benchmarks/poll.py``: 10,000 feeds must poll in under
10 s on two cores). Nothing of either library leaves this module.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import socket
import ssl
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit

import aiohttp
import httpx
from aiohttp.connector import AddrInfoType

from adapters.feeds.body import LimitedBody, collect_limited, size_text, too_large
from adapters.feeds.errors import FetchError, TimedOut, TooLarge
from adapters.feeds.headers import parse_max_age, parse_retry_after
from adapters.feeds.html_text import storable
from adapters.feeds.limits import HostLimits
from adapters.feeds.netguard import AddressGuard, Lookup
from adapters.feeds.parse import parse_to_result
from adapters.feeds.resolver import GuardedResolver
from adapters.feeds.threads import OwnThreads
from bot.duration import duration
from bot.model import FetchResult, FetchStatus, PollRequest
from bot.polling import MAX_FEED_RETRY_AFTER_S
from bot.render import shorten

log = logging.getLogger(__name__)

# Parsing runs in threads of the fetcher's own, not in the event loop's default pool. A
# cycle fetches up to two chunks of feeds (128) at once, and every body fetched queued its
# parse in that pool, where ``/story`` commands run too (``bot.commands``): a command
# waited behind up to 100 parses, 2 s at p99 at 2 commands a second while the 200 real
# feeds were polled (the ``benchmarks/load.py`` harness), longer on a busy machine.
# Two threads: why not more, ``adapters.feeds.threads`` says.
PARSE_THREADS = 2

DEFAULT_USER_AGENT = "storybot/0.1 (self-hosted news-story follower; RSS/Atom/JSON Feed reader)"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
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


# what a page request asks for (a linked article, not a feed)
_PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
# How much of a redirect's target an error shows (a login page's address may carry a
# long return path).
_REDIRECT_SHOWN = 300
# The longest a connection may take to be made (see connect_limit).
_CONNECT_LIMIT_S = 10.0


def connect_limit(timeout_s: float) -> float:
    """How long one connection may take to be made, of a fetch allowed ``timeout_s``.

    Half the fetch's time, at most 10 s: far more than a server anywhere takes (a few
    round trips), and short of the fetch's deadline, so that a connect that never
    completes fails as such (no server reached) rather than as a slow server.
    """
    return min(_CONNECT_LIMIT_S, timeout_s / 2)


class _Dials:
    """The sockets one request (of ``url``) opened to connect to its server.

    aiohttp's connect limit covers the TLS handshake too: a connect that timed out may
    have reached a server that took the connection and then stalled. Told from the
    sockets when the limit strikes: one still connected (it has a peer) reached its
    server. (A transport closes its socket in a later step of the loop, so the one in
    a TLS handshake is still open then; an attempt still connecting has no peer.)
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.sockets: list[socket.socket] = []

    def reached(self) -> bool:
        """Whether a connection to the server was made (TCP), whatever happened next."""
        return any(_connected(sock) for sock in self.sockets)


def _connected(sock: socket.socket) -> bool:
    if sock.fileno() == -1:
        return False
    try:
        sock.getpeername()
    except OSError:  # not connected (still trying, or refused)
        return False
    return True


# The current request's dials (set by HttpFeedFetcher._get; the sockets aiohttp opens for
# it are made in its task, or in tasks started from it, which see the same value).
_DIALS: ContextVar[_Dials | None] = ContextVar("storybot_feed_dials", default=None)


def _open_socket(addr_info: AddrInfoType) -> socket.socket:
    """aiohttp's socket factory: a socket noted in the current request's dials."""
    family, type_, proto, _, _ = addr_info
    sock = socket.socket(family, type_, proto)
    dials = _DIALS.get()
    if dials is not None:
        dials.sockets.append(sock)
    return sock


@dataclass(frozen=True)
class Page:
    """A web page as :meth:`HttpFeedFetcher.get_page` gives it."""

    body: bytes
    url: str  # after redirects
    content_type: str | None


@dataclass
class _Download:
    url: str
    status: int
    headers: Mapping[str, str]
    body: LimitedBody | None = None
    warnings: list[str] = field(default_factory=list)
    moved_to: str | None = None  # FetchResult.moved_to


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
        lookup: Lookup | None = None,
    ) -> None:
        """Create a fetcher; settings come from the ``[polling]`` config section.

        Args:
            timeout_s: Wall-clock limit for one fetch, redirects and body included;
                making each connection has :func:`connect_limit` of it.
            max_body_bytes: Limit on the decompressed body.
            max_entries: Keep at most this many entries per fetch.
            concurrency: Fetches in flight across all hosts.
            per_host_concurrency: Fetches in flight per host.
            user_agent: The User-Agent header.
            allowed_hosts: Hosts, addresses or CIDR networks exempt from the SSRF guard.
            max_redirects: Redirects followed per fetch.
            lookup: Where host names are resolved (the system resolver when None; tests
                give a fake DNS). Every connection goes to addresses the SSRF guard has
                checked in that same lookup (``adapters.feeds.resolver``).
        """
        self._timeout_s = timeout_s
        self._connect_s = connect_limit(timeout_s)
        self._max_body = max_body_bytes
        self._max_entries = max_entries
        self._max_redirects = max_redirects
        self._limits = HostLimits(concurrency, per_host_concurrency)
        self._guard = AddressGuard(allowed_hosts, lookup)
        # One aiohttp session (connection pool) per event loop, made on first use: a session
        # belongs to the loop it was made on. trust_env=False: a proxy from the
        # environment would resolve names itself and defeat the SSRF guard. The cookie
        # jar is a dummy: cookies set by one feed must not travel to others. Limits are
        # the semaphores above; the pool only keeps connections alive.
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._parsing = OwnThreads(PARSE_THREADS, "storybot-parse")
        self._tls = httpx.create_ssl_context()  # certifi's roots, as before; loaded once
        self._headers = {
            "User-Agent": user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }

    def _client(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session_loop is not loop or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=0,
                limit_per_host=0,
                ssl=self._tls,
                enable_cleanup_closed=False,
                resolver=GuardedResolver(self._guard),
                socket_factory=_open_socket,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers=self._headers,
                auto_decompress=False,  # decoded by collect_limited, within the size limit
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
                # The wall-clock deadline (asyncio.timeout in fetch) is the limit on a
                # fetch. Making a connection (the name's lookup, the connect, the TLS
                # handshake) has a shorter one, so that a connect that never completes
                # is told from a slow server (ConnectionTimeoutError, see _fetch).
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=self._connect_s,
                    sock_connect=self._connect_s,
                    sock_read=self._timeout_s,
                ),
            )
            self._session_loop = loop
        return self._session

    async def aclose(self) -> None:
        """Close the connection pool and let the parsing and name lookup threads end."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        self._parsing.shutdown()  # a parse under way finishes on its own
        self._guard.close()  # so does a lookup

    @asynccontextmanager
    async def _get(
        self, url: str, request: PollRequest, accept: str | None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """One GET of ``url`` with the request's validators; released afterwards."""
        headers = self._request_headers(request)
        if accept:
            headers["Accept"] = accept
        _DIALS.set(_Dials(url))  # this hop's own: what an earlier hop reached says nothing
        async with self._client().get(url, headers=headers, allow_redirects=False) as resp:
            yield resp

    async def get_page(self, url: str) -> Page:
        """GET one web page (a linked article) within this fetcher's rules and limits.

        The same path as a feed: the SSRF guard on every redirect hop, the size limit,
        the wall-clock deadline, the per-host and global slots; asking for HTML.

        Raises:
            FetchError: Any failure, said in words (an HTTP error status, a timeout, a
                refused address, a body over the limit).
        """
        try:
            async with self._limits.slot(url):
                async with asyncio.timeout(self._timeout_s):
                    dl = await self._download(PollRequest(feed_id=0, url=url), _PAGE_ACCEPT)
        except aiohttp.ConnectionTimeoutError:  # before TimeoutError, which it is
            raise TimedOut(self._connect_timeout(url)[0]) from None
        except TimeoutError:
            # not worth another try at once: it would hold its batch timeout_s longer again
            raise TimedOut(
                f"timed out: the page did not arrive within {duration(self._timeout_s)}"
            ) from None
        except aiohttp.ClientError as exc:
            raise FetchError(_describe_http_error(exc, url), transient=_may_pass(exc)) from None
        except TooLarge as exc:  # said of a page, not of a feed and its setting
            raise FetchError(
                f"the page is too large: more than {size_text(exc.limit)} after decompression"
            ) from None
        if not _has_body(dl.status):
            # not _http_message: its hints are about feeds ("feed not found")
            reason = httpx.codes.get_reason_phrase(dl.status) or "unexpected status"
            raise FetchError(f"HTTP {dl.status} {reason}", http_status=dl.status)
        body = dl.body.data if dl.body else b""
        return Page(body, dl.url, dl.headers.get("content-type"))

    async def fetch(self, request: PollRequest) -> FetchResult:
        """Fetch and parse one feed. Never raises for feed or network problems.

        Args:
            request: The feed URL and the validators from the previous poll.

        Returns:
            OK with entries, NOT_MODIFIED (304 or identical body), or ERROR with a
            human-readable ``error``; no text in it that a database cannot store.
        """
        return _storable_result(await self._fetch(request))

    async def _fetch(self, request: PollRequest) -> FetchResult:
        try:
            # host slot first (see adapters.feeds.limits): one slow host cannot starve others
            async with self._limits.slot(request.url):
                async with asyncio.timeout(self._timeout_s):
                    download = await self._download(request)
            return await self._interpret(request, download)
        except aiohttp.ConnectionTimeoutError:  # before TimeoutError, which it is
            message, unreachable = self._connect_timeout(request.url)
            return _error(message, unreachable=unreachable)
        except TimeoutError:
            return _error(f"timed out: the feed did not arrive within {duration(self._timeout_s)}")
        except FetchError as exc:
            # transient without an answer: the resolver could not answer for now
            unreachable = exc.transient and exc.http_status is None
            return _error(str(exc), http_status=exc.http_status, unreachable=unreachable)
        except aiohttp.ClientError as exc:
            # named by the hop that failed: after a redirect, another host or port
            dials = _DIALS.get()
            hop = dials.url if dials else request.url
            return _error(_describe_http_error(exc, hop), unreachable=_unreachable(exc))
        except Exception as exc:  # the port promises never to raise: report, log the trace
            log.exception("unexpected error fetching %s", request.url)
            return _error(f"unexpected error: {type(exc).__name__}: {exc}")

    def _connect_timeout(self, url: str) -> tuple[str, bool]:
        """What a connection not made within the connect limit says, and whether no
        server was reached (a server that took the connection and stalled its TLS
        handshake was).

        The limit covers the name's lookup too: a request that opened no socket was
        still waiting for it. That reached no server either, as a resolver that cannot
        answer for now (``EAI_AGAIN``) does not, but the connect was never tried."""
        dials = _DIALS.get()
        hop = dials.url if dials else url  # the hop's, after a redirect
        where = _where(hop)
        if dials is not None and dials.reached():
            return (
                f"timed out: {where} took the connection but did not complete the"
                f" TLS handshake within {duration(self._connect_s)}",
                False,
            )
        if dials is not None and not dials.sockets:
            return (
                f"DNS lookup failed for {_hostname(hop)}: no answer within {duration(self._connect_s)}",
                True,
            )
        return f"could not connect to {where} within {duration(self._connect_s)}: no answer", True

    def _request_headers(self, request: PollRequest) -> dict[str, str]:
        headers = {}
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        return headers

    async def _download(self, request: PollRequest, accept: str | None = None) -> _Download:
        url, chain, warnings = request.url, [request.url], []
        moving, moved_to = True, None
        for _ in range(self._max_redirects + 1):
            self._guard.check_url(url)  # the name: by the connector's GuardedResolver
            async with self._get(url, request, accept) as resp:
                if resp.status in _REDIRECTS:
                    location = resp.headers.get("location")
                    if not location:
                        raise FetchError(
                            f"HTTP {resp.status} redirect without a Location header",
                            http_status=resp.status,
                        )
                    try:
                        target = urljoin(url, location.strip())
                    except ValueError as exc:  # "http://[::1": a bracket never closed
                        raise FetchError(
                            f"redirect to an invalid URL {location.strip()!r}: {exc}",
                            http_status=resp.status,
                        ) from None
                    if target in chain:
                        raise FetchError(
                            "redirect loop: " + " -> ".join([*chain, target]),
                            http_status=resp.status,
                        )
                    # the feed's URL moved while every hop from it is permanent (RFC 9110
                    # 15.4.2, 15.4.9); after a temporary one, only where it points moved
                    if moving and resp.status in _PERMANENT:
                        moved_to = target
                    else:
                        moving = False
                    chain.append(target)
                    url = target
                    continue
                if moved_to:
                    warnings.append(
                        f"feed moved permanently to {moved_to}; consider updating its URL"
                    )
                download = _Download(
                    url, resp.status, resp.headers, warnings=warnings, moved_to=moved_to
                )
                if _has_body(resp.status):
                    declared = resp.headers.get("content-length", "")
                    if (
                        declared.isdigit()
                        and resp.headers.get("content-encoding") is None
                        and int(declared) > self._max_body
                    ):
                        raise too_large(self._max_body)
                    download.body = await collect_limited(
                        resp.content.iter_any(),
                        resp.headers.get("content-encoding"),
                        self._max_body,
                    )
                    if download.body.note:
                        warnings.append(download.body.note)
                return download
        raise FetchError(
            f"too many redirects (more than {self._max_redirects}): " + " -> ".join(chain)
        )

    async def _interpret(self, request: PollRequest, dl: _Download) -> FetchResult:
        headers, status = dl.headers, dl.status
        etag = headers.get("etag") or None
        last_modified = headers.get("last-modified") or None
        max_age = parse_max_age(headers.get("cache-control"), headers.get("age"))
        if status == 304:
            return FetchResult(
                FetchStatus.NOT_MODIFIED,
                http_status=304,
                etag=etag or request.etag,
                last_modified=last_modified or request.last_modified,
                body_hash=request.body_hash,
                max_age_s=max_age,
                warnings=tuple(dl.warnings),
                moved_to=dl.moved_to,
            )
        if not _has_body(status):
            retry_after = (
                parse_retry_after(headers.get("retry-after"), headers.get("date"))
                if status in (429, 503)
                else None
            )
            return _error(
                _http_message(status, retry_after) + _redirected(request, dl),
                http_status=status,
                retry_after_s=retry_after,
            )
        # Hashed while it was read; joined into one piece only if it has to be parsed.
        body_hash = dl.body.hexdigest() if dl.body else hashlib.sha256(b"").hexdigest()
        if request.body_hash and body_hash == request.body_hash:
            return FetchResult(
                FetchStatus.NOT_MODIFIED,
                http_status=status,
                etag=etag,
                last_modified=last_modified,
                body_hash=body_hash,
                max_age_s=max_age,
                warnings=tuple(dl.warnings),
                moved_to=dl.moved_to,
            )
        parsed = await self._parsing.run(
            parse_to_result,
            dl.body.data if dl.body else b"",
            headers.get("content-type"),
            dl.url,
            max_entries=self._max_entries,
            requested_url=request.url,
        )
        if parsed.status == FetchStatus.ERROR:
            # No validators or hash: recording them would turn the next poll of the same
            # broken body into NOT_MODIFIED, and the feed would look healthy.
            return replace(
                parsed,
                error=f"{parsed.error}{_redirected(request, dl)}",
                http_status=status,
                warnings=tuple(dl.warnings),
                moved_to=dl.moved_to,
            )
        return replace(
            parsed,
            http_status=status,
            etag=etag,
            last_modified=last_modified,
            body_hash=body_hash,
            max_age_s=max_age,
            warnings=tuple(dl.warnings) + parsed.warnings,
            moved_to=dl.moved_to,
        )


def _redirected(request: PollRequest, dl: _Download) -> str:
    """What an error adds when redirects led away from the feed's URL: the address that
    gave it (the feed's own URL may work in a browser, a login or consent page, or a
    moved feed's new address that is gone since, not)."""
    if dl.url == request.url:
        return ""
    return f" (redirected to {shorten(dl.url, _REDIRECT_SHOWN)})"


def _has_body(status: int) -> bool:
    """2xx responses carry the feed (203 from caching proxies, too); 204 is caught as empty."""
    return 200 <= status < 300


def _storable_result(result: FetchResult) -> FetchResult:
    """``result`` with the server's header text made storable (see ``storable``).

    aiohttp decodes header bytes that are no UTF-8 into lone surrogates ("\\udcff"), and
    they reach the feed's row: its ``ETag`` or ``Last-Modified``, or the error quoting
    its ``Content-Type`` or a redirect's ``Location`` (which a permanent one's
    ``moved_to`` is). No database stores them, and the
    one row failed the transaction recording every feed of the poll cycle, on every
    poll. (The entries and feed title are cleaned when parsed.)
    """
    texts = (result.error, result.etag, result.last_modified, result.moved_to, *result.warnings)
    if all(storable(text) is text for text in texts):
        return result  # nearly always: nothing to clean
    return replace(
        result,
        error=storable(result.error),
        etag=storable(result.etag) or None,
        last_modified=storable(result.last_modified) or None,
        warnings=tuple(storable(w) or "" for w in result.warnings),
        moved_to=storable(result.moved_to) or None,
    )


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
        # the wait the poller uses (it obeys a week at most): the error is what `feeds
        # list` and `/story feeds` show, and 11574 days there would not be true
        waited, asked = duration(min(retry_after, MAX_FEED_RETRY_AFTER_S)), duration(retry_after)
        if asked == waited:
            message += f" (retry after {waited})"
        else:
            message += (
                f" (retry after {waited}, the longest storybot waits; the server asked for {asked})"
            )
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


def _may_pass(exc: aiohttp.ClientError) -> bool:
    """Whether a failure of the connection may pass if tried again shortly.

    A refused or dropped connection or a server that hung up may; a certificate error,
    a malformed URL or a name that does not resolve will not. A timeout never gets here
    (aiohttp's are ``TimeoutError``, caught before ``ClientError``): it is not worth the
    wait again at once (``TimedOut``, see ``HttpPageReader``).
    """
    if isinstance(
        exc, (aiohttp.ClientSSLError, aiohttp.InvalidURL, aiohttp.ClientConnectorDNSError)
    ):
        return False
    return isinstance(
        exc,
        (
            aiohttp.ClientConnectorError,
            aiohttp.ServerDisconnectedError,
            aiohttp.ClientPayloadError,
            aiohttp.ClientOSError,
        ),
    )


def _unreachable(exc: aiohttp.ClientError) -> bool:
    """Whether no server was reached, for a reason that may pass: the connection was
    refused or could not be made (not a TLS or certificate error, not a name that does
    not resolve, not a server that hung up after answering)."""
    return isinstance(exc, aiohttp.ClientConnectorError) and _may_pass(exc)


def _where(url: str) -> str:
    """The host and port ``url`` connects to, as errors name them."""
    try:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    except ValueError:
        return url


def _hostname(url: str) -> str:
    """The host name ``url`` names, as DNS errors say it (``AddressGuard.vetted``)."""
    try:
        return (urlsplit(url).hostname or url).rstrip(".")
    except ValueError:
        return url


# OpenSSL's words around what went wrong: "[SSL: WRONG_VERSION_NUMBER] " and " (_ssl.c:1006)"
_OPENSSL_NOISE = re.compile(r"\[SSL(?:: [A-Z0-9_]+)?\]\s*|\s*\(_ssl\.c:\d+\)")


def _tls_problem(exc: aiohttp.ClientSSLError) -> str | None:
    """What the TLS handshake refused, in OpenSSL's own few words ("certificate verify
    failed: self-signed certificate", "wrong version number"), or None to say it whole.

    aiohttp's text wraps them in its connection key and the Python repr of the SSL
    error's arguments, which /story feeds and ``storybot health`` showed as they were.
    """
    error = (
        exc.certificate_error
        if isinstance(exc, aiohttp.ClientConnectorCertificateError)
        else exc.os_error
    )
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        return f"certificate verify failed: {error.verify_message}"
    if isinstance(error, ssl.SSLError) and len(error.args) > 1:
        said = _OPENSSL_NOISE.sub("", str(error.args[1])).strip()
        return said or None
    return None


def _describe_http_error(exc: aiohttp.ClientError, url: str) -> str:
    detail = str(exc) or type(exc).__name__
    lowered = detail.lower()
    where = _where(url)
    if isinstance(exc, aiohttp.ClientSSLError):  # certificate errors included
        return f"TLS/certificate error with {where}: {_tls_problem(exc) or detail}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if "refused" in lowered or _caused_by(exc.os_error, ConnectionRefusedError):
            return f"could not connect to {where}: connection refused"
        if isinstance(exc.os_error, socket.gaierror) or "name or service" in lowered:
            return f"DNS lookup failed for {where}: {detail}"
        return f"could not connect to {where}: {detail}"
    if isinstance(exc, aiohttp.InvalidURL):
        return f"invalid feed URL {url!r}: {detail}"
    if isinstance(
        exc,
        (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError),
    ):
        return f"the server at {where} broke the connection or the HTTP protocol: {detail}"
    if isinstance(exc, aiohttp.ClientOSError):
        return f"connection to {where} dropped while reading: {detail}"
    return f"HTTP error talking to {where}: {type(exc).__name__}: {detail}"
