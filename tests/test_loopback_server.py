"""The one way the demo and the fakes serve an app: 127.0.0.1, a port the system picks."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from adapters.loopback_server import serve_on_loopback


def _app() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


async def test_two_apps_are_served_on_free_ports_of_their_own_until_cleaned_up() -> None:
    first, first_port = await serve_on_loopback(_app())
    second, second_port = await serve_on_loopback(_app(), access_log=None)
    try:
        assert first_port > 0 and second_port > 0 and first_port != second_port
        async with aiohttp.ClientSession() as http:
            for port in (first_port, second_port):
                async with http.get(f"http://127.0.0.1:{port}/") as resp:
                    assert await resp.text() == "hello"
    finally:
        await first.cleanup()
        await second.cleanup()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"http://127.0.0.1:{first_port}/")
