"""A local HTTP feed server for tests: real sockets, no mocks.

Runs an aiohttp application on 127.0.0.1 (port 0, so tests never collide) in a
background thread with its own event loop, which makes it usable from synchronous code
(``load_seed``) and from async tests alike; it also means a blocked test loop never
stalls the server. Routes are registered per path::

    server.add_feed("/feed", rss_bytes, etag=True, last_modified=True)   # 304s
    server.add_status("/busy", 429, headers={"Retry-After": "120"})
    server.add_redirect("/old", "/feed")
    server.add_broken("/cut", rss_bytes)                                  # dropped mid-body
    server.add_feed("/slow", body, drip_s=0.2, chunk_size=10)             # drips bytes
    server.add_feed("/gz", rss_bytes, gzip=True)                         # compressed on the fly
    server.add_feed("/bomb", gz_bytes, content_encoding="gzip")          # sent as given
    server.url("/feed"); server.hits("/feed"); server.requests("/feed")[-1]  # headers
    server.max_in_flight                                                  # concurrency seen
    server.add("/held", Route(body=html, hold=release, arrived=arrived))  # threading.Events

Listeners that never answer, for what happens before HTTP (plain sockets, no server)::

    with silent_listener() as (host, port): ...  # a connect there never completes
    with mute_listener() as listener: ...        # connects, then nothing ever comes back
    await connection_waiting(listener)            # a client's connect to it is done

Test modules get the ``feed_server`` fixture by importing it:
``from feedserver import feed_server_fixture  # noqa: F401``.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from adapters.loopback_server import serve_on_loopback

LAST_MODIFIED = "Tue, 17 Feb 2026 10:00:00 GMT"


@dataclass
class Route:
    """How the server answers one path."""

    body: bytes = b""
    status: int = 200
    # None sends no type of ours, and aiohttp then sends "application/octet-stream" with
    # any body (RFC 9110 8.3): this server cannot serve a body without a Content-Type
    content_type: str | None = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False  # compress the body on the fly
    content_encoding: str | None = None  # send this header with the body as given
    drip_s: float = 0.0  # pause before each chunk
    chunk_size: int = 65536
    location: str | None = None  # redirect target (relative or absolute)
    broken: bool = False  # announce the full length, send half, drop the connection
    arrived: threading.Event | None = None  # set when a request for this path arrives
    hold: threading.Event | None = None  # answer only once this is set (waits hold_s at most)
    hold_s: float = 10.0
    fail_first: int = 0  # answer this many requests with ``fail_status`` first
    fail_status: int = 503


class FeedServer:
    """The server; see the module docstring for the API."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._requests: dict[str, list[dict[str, str]]] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0  # highest number of requests served at once
        self._loop = asyncio.new_event_loop()
        # held requests each wait in a thread: the loop's default executor (CPUs + 4 threads)
        # would queue the ones beyond it until an earlier one is released
        self._holds = ThreadPoolExecutor(max_workers=64, thread_name_prefix="feedserver-hold")
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="feedserver", daemon=True
        )
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FeedServer:
        """Start serving; returns self."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner, self.port = await serve_on_loopback(app, access_log=None)

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._holds.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ routes

    def add(self, path: str, route: Route) -> str:
        """Register ``route`` at ``path``; returns its URL."""
        with self._lock:
            self._routes[path] = route
        return self.url(path)

    def add_held(
        self, path: str, body: bytes | str
    ) -> tuple[str, threading.Event, threading.Event]:
        """Serve ``body`` at ``path`` only once released: a fetch in flight.

        Returns:
            ``(url, arrived, release)``: ``arrived`` is set when a request has come,
            setting ``release`` lets the answer go (the route's ``hold``, 10 s at most).
        """
        arrived, release = threading.Event(), threading.Event()
        return self.add(path, Route(body=body, arrived=arrived, hold=release)), arrived, release

    def add_feed(
        self,
        path: str,
        body: bytes | str,
        *,
        etag: bool | str = False,
        last_modified: bool | str = False,
        content_type: str | None = "application/rss+xml; charset=utf-8",
        gzip: bool = False,
        content_encoding: str | None = None,
        drip_s: float = 0.0,
        chunk_size: int = 65536,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """Serve a feed body. ``etag=True`` derives an ETag from the body; ``last_modified=True``
        uses a fixed date. Matching conditional requests get a 304. ``content_type=None``
        is served as ``application/octet-stream`` (see ``Route.content_type``)."""
        data = body.encode() if isinstance(body, str) else body
        tag = (
            etag
            if isinstance(etag, str)
            else (f'"{hashlib.sha1(data).hexdigest()[:16]}"' if etag else None)
        )
        modified = (
            last_modified
            if isinstance(last_modified, str)
            else (LAST_MODIFIED if last_modified else None)
        )
        return self.add(
            path,
            Route(
                body=data,
                content_type=content_type,
                etag=tag,
                last_modified=modified,
                gzip=gzip,
                content_encoding=content_encoding,
                drip_s=drip_s,
                chunk_size=chunk_size,
                headers=dict(headers or {}),
            ),
        )

    def add_status(
        self, path: str, status: int, *, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> str:
        """Answer with a bare status (e.g. 429 with ``{"Retry-After": "120"}``)."""
        return self.add(
            path,
            Route(body=body, status=status, content_type="text/plain", headers=dict(headers or {})),
        )

    def add_broken(self, path: str, body: bytes) -> str:
        """Announce ``len(body)`` bytes, send half of them and drop the connection."""
        return self.add(path, Route(body=body, broken=True))

    def add_redirect(self, path: str, to: str, status: int = 302) -> str:
        """Redirect ``path`` to ``to`` (a path on this server or an absolute URL)."""
        return self.add(path, Route(status=status, location=to, content_type=None))

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        """How many requests ``path`` received."""
        with self._lock:
            return len(self._requests.get(path, []))

    def requests(self, path: str) -> list[dict[str, str]]:
        """The headers of each request ``path`` received, oldest first (names lower-cased)."""
        with self._lock:
            return list(self._requests.get(path, []))

    # ------------------------------------------------------------------ serving

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return await self._respond(request)
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _respond(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        with self._lock:
            self._requests.setdefault(path, []).append(
                {k.lower(): v for k, v in request.headers.items()}
            )
            route = self._routes.get(path)
        if route is None:
            return web.Response(status=404, text="no such route")
        if len(self._requests[path]) <= route.fail_first:
            return web.Response(status=route.fail_status, text="try again later")
        if route.arrived is not None:
            route.arrived.set()
        if route.hold is not None:
            await self._loop.run_in_executor(self._holds, route.hold.wait, route.hold_s)
        headers = dict(route.headers)
        if route.location is not None:
            headers["Location"] = route.location
            return web.Response(status=route.status, headers=headers)
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.status == 200 and _not_modified(request, route):
            return web.Response(status=304, headers=headers)
        body = route.body
        if route.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        elif route.content_encoding:
            headers["Content-Encoding"] = route.content_encoding
        if route.content_type:
            headers["Content-Type"] = route.content_type
        if route.broken:
            return await _broken(request, body, headers)
        if not route.drip_s:
            return web.Response(status=route.status, body=body, headers=headers)
        response = web.StreamResponse(status=route.status, headers=headers)
        await response.prepare(request)
        for start in range(0, len(body), route.chunk_size):
            await asyncio.sleep(route.drip_s)
            await response.write(body[start : start + route.chunk_size])
        await response.write_eof()
        return response


async def _broken(request: web.Request, body: bytes, headers: dict[str, str]) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers=headers)
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    assert request.transport is not None
    request.transport.close()
    return response


def _not_modified(request: web.Request, route: Route) -> bool:
    if route.etag and request.headers.get("If-None-Match"):
        return request.headers["If-None-Match"] == route.etag
    if route.last_modified and request.headers.get("If-Modified-Since"):
        return request.headers["If-Modified-Since"] == route.last_modified
    return False


@pytest.fixture(name="feed_server")
def feed_server_fixture() -> Iterator[FeedServer]:
    """A running ``FeedServer``, stopped after the test."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


# The same fixture under its own name, for ``from feedserver import feed_server``.
feed_server = feed_server_fixture


@contextmanager
def silent_listener(host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[str, int]]:
    """An address where a connect never completes, as behind a firewall that drops packets.

    Its listener's accept queue is full (``listen(0)`` and one connection never
    accepted), and Linux then drops the SYNs of further connects: they hang until the
    client gives up, refused by nobody. Checked here, so a kernel that behaves otherwise
    fails the test that uses it rather than passing it for the wrong reason.
    """
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind((host, port))
        listener.listen(0)
        filler.connect(listener.getsockname())
        with socket.socket() as probe:
            probe.settimeout(0.1)
            try:
                probe.connect(listener.getsockname())
            except TimeoutError:
                pass
            else:
                raise AssertionError("a connect to a full accept queue completed")
        yield listener.getsockname()[:2]


@contextmanager
def mute_listener() -> Iterator[socket.socket]:
    """A listener that takes connections (the kernel completes them) and never answers:
    the request, or a TLS hello, is received and nothing comes back. Its address is
    ``getsockname()``; :func:`connection_waiting` tells when a connect to it is done."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener


async def connection_waiting(listener: socket.socket) -> None:
    """Return once a connection waits in ``listener``'s accept queue (none is accepted).

    The kernel queues it when the client's handshake is done: the client's socket is
    connected then, and its event loop sees that at its next look at its sockets.
    """
    loop = asyncio.get_running_loop()
    waiting: asyncio.Future[None] = loop.create_future()

    loop.add_reader(listener, lambda: waiting.done() or waiting.set_result(None))
    try:
        await waiting
    finally:
        loop.remove_reader(listener)
