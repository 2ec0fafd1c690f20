"""A request timeout for Discord sends that does not count the rate-limit waits.

discord.py waits out a rate limit itself, inside the send: a 429 whose ``retry_after`` is
within ``max_ratelimit_timeout`` is slept on and the request retried (up to five times),
and an answer that empties its bucket (``X-RateLimit-Remaining: 0``) is followed by a
sleep of ``X-RateLimit-Reset-After`` before the send returns. A timeout around the whole
send counted those sleeps: with both at 30 s, a rate limit of nearly 30 s was cut short
and reported as "Discord unreachable", the post possibly made all the same.

So the send's deadline moves on by every wait Discord asked for during it. An aiohttp
trace (the client's ``http_trace``) sees each answer in the task that sent the request,
and adds the wait it asks for to that send's tally, kept in a context variable.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import aiohttp

T = TypeVar("T")


@dataclass
class _Waits:
    seconds: float = 0.0


_WAITS: ContextVar[_Waits | None] = ContextVar("discord_rate_limit_waits", default=None)


def _seconds(raw: object) -> float | None:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if 0 <= value < float("inf") else None


def count_rate_limit_waits(trace: aiohttp.TraceConfig) -> aiohttp.TraceConfig:
    """Add to ``trace`` the tally of the waits Discord asks for (see the module)."""

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        waits = _WAITS.get()
        if waits is None:
            return
        response = params.response
        wait: float | None = None
        if response.status == 429:
            try:
                data = await response.json(content_type=None)
            except (ValueError, aiohttp.ClientError):
                return  # not Discord's JSON: discord.py raises, waits for nothing
            if isinstance(data, dict):
                wait = _seconds(data.get("retry_after"))
        elif response.headers.get("X-RateLimit-Remaining") == "0":
            wait = _seconds(response.headers.get("X-RateLimit-Reset-After"))
        if wait is not None:
            waits.seconds += wait

    trace.on_request_end.append(on_request_end)
    return trace


async def within(send: Awaitable[T], timeout_s: float) -> T:
    """Await ``send``, but no longer than ``timeout_s`` plus the rate-limit waits in it.

    Raises:
        TimeoutError: Discord took longer than that (it accepted the connection and did
            not answer, or answered too slowly).
    """
    waits = _Waits()

    async def run() -> T:
        _WAITS.set(waits)  # the task's own copy of the context: this send's tally
        return await send

    task = asyncio.ensure_future(run())
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        while True:
            left = start + timeout_s + waits.seconds - loop.time()
            if left <= 0:
                raise TimeoutError
            done, _ = await asyncio.wait({task}, timeout=left)
            if done:
                return task.result()
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
