"""What a Discord 429 holds back: one channel, every DM, or the whole of Discord.

A 429 says what it limits, but discord.py's ``RateLimited`` keeps only the wait. Most of
Discord's limits are per route and per top-level resource: a channel's messages have a
bucket of their own (``/channels/{id}/messages``), and one busy channel's 429 does not
stop a post to another. Opening a DM (``/users/@me/channels``) has one bucket for every
user. Some limits are the bot's as a whole (the global limit: ``"global": true``,
``X-RateLimit-Global``, ``X-RateLimit-Scope: global``), and a 429 from Cloudflare (no
``Via``, no JSON) is a ban of the IP address. So an aiohttp trace (the client's
``http_trace``, :func:`note_rate_limit_scopes`) notes the scope of each 429 a send is
answered, for the send that watches for it (:func:`watching_rate_limits`), and
``delivery_errors.delivery_error`` gives it to ``RateLimited``. Anything not known to be
narrower holds back the whole of Discord, as every 429 did before.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

import aiohttp

from bot.errors import RateLimitScope

# The routes whose limits are narrower than Discord's, at the end of the URL's path
# (after /api/v10, or a proxy's prefix): a channel's messages, posted to or one edited
# (Discord's buckets are per channel_id), and opening a DM (one bucket for every DM).
_CHANNEL_MESSAGES = re.compile(r"/channels/\d+/messages(/\d+)?$")
_OPEN_DM = re.compile(r"/users/@me/channels$")


@dataclass
class RateLimitsSeen:
    """The scope of the last 429 Discord answered a send (None: no 429 noted)."""

    scope: RateLimitScope | None = None


_SEEN: ContextVar[RateLimitsSeen | None] = ContextVar("discord_rate_limits_seen", default=None)


@contextlib.contextmanager
def watching_rate_limits() -> Iterator[RateLimitsSeen]:
    """Note the scope of each 429 answered to the sends made within (in this task, or in
    a task it starts, such as ``timeouts.within``'s)."""
    seen = RateLimitsSeen()
    token = _SEEN.set(seen)
    try:
        yield seen
    finally:
        _SEEN.reset(token)


def rate_limit_scope(
    method: str, path: str, headers: Mapping[str, str], data: object
) -> RateLimitScope:
    """What a 429 to ``method path`` holds back, from its headers and JSON body.

    Only a per-route limit on a route the scope is known for is narrower than the
    whole of Discord; a global limit, a 429 that is not Discord's JSON (Cloudflare's ban
    of the IP address; discord.py also takes one without ``Via`` for that) or one on
    another route holds back everything, as every 429 did before.
    """
    if not isinstance(data, dict) or not headers.get("Via"):
        return RateLimitScope.PLATFORM
    if (
        data.get("global")
        or headers.get("X-RateLimit-Global", "").lower() == "true"
        or headers.get("X-RateLimit-Scope", "").lower() == "global"
    ):
        return RateLimitScope.PLATFORM
    # X-RateLimit-Scope "user" (the bot's limit on this route) or "shared" (this
    # resource's, whoever sends): either way this channel's, or every DM opening
    if method in ("POST", "PATCH") and _CHANNEL_MESSAGES.search(path):
        return RateLimitScope.TARGET
    if method == "POST" and _OPEN_DM.search(path):
        return RateLimitScope.DIRECT_MESSAGES
    return RateLimitScope.PLATFORM


def note_rate_limit_scopes(trace: aiohttp.TraceConfig) -> aiohttp.TraceConfig:
    """Add to ``trace`` the note of each 429's scope (see :func:`watching_rate_limits`).

    The last one noted is the one discord.py gave up on: it waits out a shorter 429 and
    tries again, and raises on the first longer one.
    """

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        seen = _SEEN.get()
        response = params.response
        if seen is None or response.status != 429:
            return
        try:
            data: object = await response.json(content_type=None)
        except (ValueError, aiohttp.ClientError):
            data = None  # not Discord's JSON: Cloudflare's
        seen.scope = rate_limit_scope(params.method, params.url.path, response.headers, data)

    trace.on_request_end.append(on_request_end)
    return trace
