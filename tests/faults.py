"""Fault-injection helpers for the reliability tests (``tests/test_reliability_*.py``).

* :class:`Chaos` - a seeded random mix of failures that the fake Slack and the fake Discord
  apply to the calls they are told to (429 with Retry-After, 5xx, a response slower than the
  client's timeout *after* the call took effect, a dropped connection before or after the
  call took effect). Same seed, same sequence of faults.
* :class:`HostileFeedServer` - the shared ``FeedServer`` plus routes that cannot be served
  from a prepared body: a 1 GB body generated lazily while it is sent, a body dripping one
  byte a second, and a feed whose guids change on every fetch.
* :class:`ThreadedLoop` - an asyncio loop in a thread, to run the async fakes next to a
  ``storybot run`` subprocess.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from feedserver import FeedServer

T = TypeVar("T")

# Fault names, as returned by Chaos.pick().
RATE_LIMIT = "429"
SERVER_ERROR = "5xx"
SLOW_AFTER_ACCEPT = "slow"  # the call takes effect, the answer comes after the client gave up
DROP_BEFORE = "drop"  # connection closed before the call takes effect
DROP_AFTER_ACCEPT = "drop-after"  # the call takes effect, then the connection is closed


@dataclass
class Chaos:
    """A seeded random mix of faults; each probability is per matching call.

    Args:
        seed: Seeds the random sequence.
        rate_limit: Probability of a 429 with ``Retry-After: retry_after_s``.
        server_error: Probability of a 5xx (one of ``statuses``) before the call takes effect.
        slow: Probability that the call takes effect but the answer is delayed ``delay_s``.
        drop: Probability that the connection is dropped before the call takes effect.
        drop_after: Probability that it is dropped after the call took effect.
        retry_after_s: The ``(low, high)`` range of Retry-After seconds.
        statuses: The 5xx statuses to choose from.
        delay_s: How long a slow answer takes (longer than the client's timeout).
    """

    seed: int
    rate_limit: float = 0.0
    server_error: float = 0.0
    slow: float = 0.0
    drop: float = 0.0
    drop_after: float = 0.0
    retry_after_s: tuple[float, float] = (1.0, 30.0)
    statuses: tuple[int, ...] = (500, 503)
    delay_s: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self) -> str | None:
        """The fault for the next call, or None for a normal answer."""
        r = self.rng.random()
        for name, p in (
            (RATE_LIMIT, self.rate_limit),
            (SERVER_ERROR, self.server_error),
            (SLOW_AFTER_ACCEPT, self.slow),
            (DROP_BEFORE, self.drop),
            (DROP_AFTER_ACCEPT, self.drop_after),
        ):
            if r < p:
                self.counts[name] = self.counts.get(name, 0) + 1
                return name
            r -= p
        return None

    def retry_after(self) -> float:
        low, high = self.retry_after_s
        return round(self.rng.uniform(low, high), 1)

    def status(self) -> int:
        return self.rng.choice(self.statuses)

    async def answer_late(self, stopping: asyncio.Event) -> None:
        """Hold a slow answer ``delay_s``, or until the fake sets ``stopping``.

        The client has given up by then (its own timeout, a wait on a socket); what the
        hold is for is that the answer does not come in time. A fake stopping with an
        answer held used to wait the rest of ``delay_s`` at the end of the test (aiohttp's
        runner waits for its handlers). The bound stays: a client with no timeout at all
        gets its answer after ``delay_s`` and the test sees that, rather than hanging.
        """
        try:
            await asyncio.wait_for(stopping.wait(), self.delay_s)
        except TimeoutError:
            pass


def drop_connection(request: web.Request) -> web.Response:
    """Close the client's connection without an answer (aiohttp then sends nothing)."""
    assert request.transport is not None
    request.transport.close()
    return web.Response(status=500)


# --------------------------------------------------------------------------- feeds


class HostileFeedServer(FeedServer):
    """``FeedServer`` plus lazily generated hostile bodies.

    * ``add_huge(path, size)``: an RSS prefix followed by ``size`` bytes of padding, made
      chunk by chunk while it is sent (never held in memory); ``sent(path)`` tells how
      many bytes went out.
    * ``add_drip(path, body, every_s)``: one byte every ``every_s`` seconds.
    * ``add_rotating(path, n)``: ``n`` items whose links stay the same but whose guids
      change on every fetch.
    """

    def __init__(self) -> None:
        super().__init__()
        self._special: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = {}
        self._sent: dict[str, int] = {}

    def sent(self, path: str) -> int:
        return self._sent.get(path, 0)

    def add_huge(self, path: str, size: int) -> str:
        async def serve(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(
                status=200, headers={"Content-Type": "application/rss+xml"}
            )
            response.content_length = size
            await response.prepare(request)
            chunk = b"<rss version='2.0'><channel><title>huge</title>" + b" " * 65000
            pad = b" " * 65536
            sent = 0
            try:
                while sent < size:
                    piece = chunk if sent == 0 else pad
                    piece = piece[: size - sent]
                    await response.write(piece)
                    sent += len(piece)
                    self._sent[path] = sent
            except (ConnectionError, asyncio.CancelledError):
                return response
            await response.write_eof()
            return response

        self._special[path] = serve
        return self.url(path)

    def add_drip(self, path: str, body: bytes, every_s: float = 1.0) -> str:
        async def serve(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(
                status=200, headers={"Content-Type": "application/rss+xml"}
            )
            await response.prepare(request)
            try:
                for i in range(len(body)):
                    await response.write(body[i : i + 1])
                    self._sent[path] = i + 1
                    await asyncio.sleep(every_s)
                await response.write_eof()
            except (ConnectionError, asyncio.CancelledError):
                pass
            return response

        self._special[path] = serve
        return self.url(path)

    def add_rotating(self, path: str, n: int, title: str = "Rotating guids") -> str:
        from feedbuilder import entry, rss

        fetches = {"n": 0}

        async def serve(request: web.Request) -> web.StreamResponse:
            fetches["n"] += 1
            k = fetches["n"]
            body = rss(
                [
                    entry(
                        i,
                        guid=f"urn:rotating:{k}:{i}",
                        link=f"https://rotating.example/story/{i}?utm_source=x{k}",
                        title=f"Rotating item {i}",
                        published="Thu, 05 Mar 2026 07:00:00 GMT",  # news to a subscriber
                    )
                    for i in range(n)
                ],
                title=title,
            )
            return web.Response(body=body, headers={"Content-Type": "application/rss+xml"})

        self._special[path] = serve
        return self.url(path)

    async def _respond(self, request: web.Request) -> web.StreamResponse:
        special = self._special.get(request.path)
        if special is None:
            return await super()._respond(request)
        with self._lock:
            self._requests.setdefault(request.path, []).append(dict(request.headers))
        return await special(request)


# --------------------------------------------------------------------------- threads


class ThreadedLoop:
    """An event loop running in a daemon thread; ``run(coro)`` waits for a result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable[T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def call(self, fn: Callable[[], T], timeout: float = 30) -> T:
        async def wrapper() -> T:
            return fn()

        return self.run(wrapper(), timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def counts(keys: Iterable[Any]) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for k in keys:
        out[k] = out.get(k, 0) + 1
    return out


# --------------------------------------------------------------------------- the real service


class TimedFeedServer(HostileFeedServer):
    """A feed server that also records when each path was requested (time.time())."""

    def __init__(self) -> None:
        super().__init__()
        self.times: dict[str, list[float]] = {}

    async def _respond(self, request: web.Request) -> web.StreamResponse:
        import time

        with self._lock:
            self.times.setdefault(request.path, []).append(time.time())
        return await super()._respond(request)


class Fakes:
    """The fake Slack and the fake Discord, running in a thread for a subprocess to use."""

    def __init__(self, *, chaos_seed: int | None = None, delay_s: float = 0.0) -> None:
        from fakes.discord_server import FakeDiscord
        from fakes.slack_server import FakeSlack

        self.loop = ThreadedLoop()

        def slack_chaos() -> Chaos | None:
            return Chaos(seed=chaos_seed or 0, slow=1.0, delay_s=delay_s) if delay_s else None

        async def start() -> tuple[FakeSlack, FakeDiscord]:
            import time

            slack = FakeSlack(ts_clock=time.time, history_page_size=200, chaos=slack_chaos())
            slack.chaos_methods = frozenset({"chat.postMessage"})
            await slack.start()
            discord = FakeDiscord(
                token="discord-test-token",
                chaos=Chaos(seed=(chaos_seed or 0) + 1, slow=1.0, delay_s=delay_s)
                if delay_s
                else None,
            )
            await discord.__aenter__()
            return slack, discord

        self.slack, self.discord = self.loop.run(start())

    def env(self) -> dict[str, str]:
        return {
            "SLACK_BOT_TOKEN": "xoxb-test-bot",
            "SLACK_APP_TOKEN": "xapp-test-app",
            "STORYBOT_SLACK_API_URL": self.slack.base_url,
            "DISCORD_BOT_TOKEN": "discord-test-token",
            "STORYBOT_DISCORD_API_URL": self.discord.api_url,
            "STORYBOT_DISCORD_GATEWAY_URL": self.discord.gateway_url,
        }

    def slack_keys(self) -> list[str]:
        return self.loop.call(self.slack.posted_keys)

    def discord_nonces(self) -> list[str]:
        return self.loop.call(self.discord.posted_nonces)

    def discord_titles(self) -> list[str]:
        """The embed title of every message posted to a channel or DM (one per message);
        independent of the nonce, so a copy posted under another nonce is counted too."""

        def titles() -> list[str]:
            return [
                str((m.get("embeds") or [{}])[0].get("title"))
                for m in self.discord.messages.values()
                if not str(m.get("channel_id", "")).startswith("webhook")
            ]

        return self.loop.call(titles)

    def slack_texts(self) -> list[str]:
        """The fallback text of every top-level message posted (one per message)."""

        def texts() -> list[str]:
            return [str(m.get("text")) for msgs in self.slack.messages.values() for m in msgs]

        return self.loop.call(texts)

    def close(self) -> None:
        async def stop() -> None:
            await self.slack.stop()
            await self.discord.__aexit__(None, None, None)

        try:
            self.loop.run(stop())
        finally:
            self.loop.close()


def service_env(db_url: str, extra: dict[str, str]) -> dict[str, str]:
    """The environment for ``storybot run``: ours minus any real tokens, plus ``extra``."""
    import os

    from checkout import code_env

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "STORYBOT_"))
    }
    env.update(
        STORYBOT_DATABASE_URL=db_url, STORYBOT_ALLOWED_HOSTS="127.0.0.1", PYTHONUNBUFFERED="1"
    )
    return code_env(env, **extra)


FAST_CONFIG = """
[polling]
tick_seconds = 0.5
default_interval_s = 2
min_interval_s = 1
max_backoff_s = 10
timeout_s = 5

[delivery]
tick_seconds = 0.2
"""


def start_service(config: str, env: dict[str, str], log_path: Any, *, verbose: bool = False) -> Any:
    """Start ``storybot [-v] --config CONFIG run``, its output appended to ``log_path``."""
    import subprocess
    import sys

    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "adapters.cli",
                *(["-v"] if verbose else []),
                "--config",
                config,
                "run",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
