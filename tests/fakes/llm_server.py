"""A local fake of an OpenAI-compatible Chat Completions API, for the summarizer tests.

Runs an aiohttp application on 127.0.0.1, port 0, in the test's event loop. Every request
to ``POST /v1/chat/completions`` is recorded (headers and JSON body) in
:attr:`FakeLLM.requests`; the answer is the next scripted one (``answer(text)``,
``fail(status, body)`` or ``garbage(body)``), or a default completion. ``hold()`` keeps
the next answer back until released, to act while a rewrite is in flight.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from adapters.loopback_server import serve_on_loopback


@dataclass
class Scripted:
    status: int = 200
    body: str = ""


@dataclass
class Hold:
    """The next request waits for ``release()``; ``reached`` is set once it arrived."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class FakeLLM:
    requests: list[dict[str, Any]] = field(default_factory=list)
    script: list[Scripted] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    default: str = "The default answer [1]."
    _runner: web.AppRunner | None = None
    url: str = ""

    def answer(self, text: str) -> None:
        """The next call gets a chat completion with this text."""
        self.script.append(Scripted(200, _completion(text)))

    def hold(self) -> Hold:
        """Keep the answer to the next request back until ``release()``."""
        self.holds.append(Hold())
        return self.holds[-1]

    def fail(self, status: int, body: str = '{"error": {"message": "overloaded"}}') -> None:
        self.script.append(Scripted(status, body))

    def garbage(self, body: str) -> None:
        self.script.append(Scripted(200, body))

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append({"headers": dict(request.headers), "json": await request.json()})
        if self.holds:
            hold = self.holds.pop(0)
            hold.reached.set()
            await hold.released.wait()
        reply = self.script.pop(0) if self.script else Scripted(200, _completion(self.default))
        return web.Response(status=reply.status, text=reply.body, content_type="application/json")

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner, port = await serve_on_loopback(app)
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _completion(text: str) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
        }
    )
