"""A local feed server for the benchmarks, run in its own process.

It serves the real corpus (read in place into memory once) at ``/f/<n>``: feed ``n`` is
corpus file ``n % len(files)``, so 10,000 distinct URLs can repeat 200 documents. Files at
an even corpus index answer conditional requests (ETag + Last-Modified, 304 when they
match); files at odd indexes send the full body every time, as many real servers do.

A separate process (not a thread) so that serving never takes CPU time from the event
loop being measured: the machine has two cores, one for the server, one for the client.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing as mp
from pathlib import Path
from typing import Self

LAST_MODIFIED = "Tue, 17 Feb 2026 10:00:00 GMT"


def etag_for(body: bytes) -> str:
    """The ETag the server sends for a body (clients may precompute it)."""
    return '"' + hashlib.sha1(body).hexdigest() + '"'


def has_validators(index: int) -> bool:
    """Whether corpus file ``index`` is served with ETag/Last-Modified support."""
    return index % 2 == 0


def content_type(body: bytes) -> str:
    return "application/feed+json" if body.lstrip()[:1] == b"{" else "application/xml"


async def _serve(paths: list[str], conn) -> None:
    from aiohttp import web

    bodies = [Path(p).read_bytes() for p in paths]
    etags = [etag_for(b) for b in bodies]
    types = [content_type(b) for b in bodies]
    hits = {"200": 0, "304": 0}

    async def feed(request: web.Request) -> web.StreamResponse:
        try:
            i = int(request.match_info["n"]) % len(bodies)
        except ValueError:
            raise web.HTTPNotFound() from None
        headers = {"Content-Type": types[i]}
        if has_validators(i):
            headers["ETag"] = etags[i]
            headers["Last-Modified"] = LAST_MODIFIED
            inm = request.headers.get("If-None-Match")
            ims = request.headers.get("If-Modified-Since")
            if (inm and inm == etags[i]) or (not inm and ims == LAST_MODIFIED):
                hits["304"] += 1
                return web.Response(status=304, headers=headers)
        hits["200"] += 1
        return web.Response(body=bodies[i], headers=headers)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(hits)

    app = web.Application()
    app.router.add_get("/f/{n}", feed)
    app.router.add_get("/stats", stats)
    await serve_until_stopped(app, conn)


async def serve_until_stopped(app, conn) -> None:
    """Serve the aiohttp ``app`` on 127.0.0.1, a free port sent on ``conn``, until "stop".

    The body of every :class:`ServerProcess` target: bind to port 0, report the port,
    serve until the parent sends "stop", clean up.
    """
    from adapters.loopback_server import serve_on_loopback

    runner, port = await serve_on_loopback(app, backlog=1024, access_log=None)
    conn.send(port)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "stop"
    await runner.cleanup()


def _main(paths: list[str], conn) -> None:
    asyncio.run(_serve(paths, conn))


class ServerProcess:
    """A server run in a forked process that reports its port through a pipe.

    ``target(*args, conn)`` must send the bound port on ``conn``, then serve until it
    receives "stop". Keeping the server out of the measured process keeps its CPU out of the
    figures.
    """

    def __init__(self, target, args: tuple) -> None:
        self._parent, child = mp.Pipe()
        self._proc = mp.get_context("fork").Process(target=target, args=(*args, child), daemon=True)
        self.port = 0

    def __enter__(self) -> Self:
        self._proc.start()
        if not self._parent.poll(60):
            raise RuntimeError("feed server did not start")
        self.port = self._parent.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._parent.send("stop")
        except OSError:
            pass
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)


class FeedServerProcess(ServerProcess):
    """Start with ``with FeedServerProcess(files) as server: server.url(n)``."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        super().__init__(_main, ([str(p) for p in files],))

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/f/{n}"
