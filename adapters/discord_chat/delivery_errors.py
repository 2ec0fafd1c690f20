"""Map discord.py and network exceptions onto the delivery errors the core understands.

A 429 becomes ``RateLimited`` with what it holds back (``RateLimited.scope``), as the
trace of :mod:`adapters.discord_chat.rate_limits` noted it during the send.
"""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from adapters.discord_chat.rate_limits import RateLimitsSeen
from bot.errors import (
    DeliveryError,
    MessageGone,
    PermanentDeliveryError,
    RateLimited,
    RateLimitScope,
    TokenRefused,
    TransientDeliveryError,
)

DEFAULT_RETRY_AFTER_S = 5.0
UNKNOWN_MESSAGE = 10008  # Discord's JSON error code for a message that does not exist
# "Cannot edit a message authored by another user": an alert posted under another
# application's token, before the bot was replaced
OTHER_AUTHOR = 50005
# "Maximum number of edits to messages older than 1 hour reached. Try again later": sent
# as a 429 (a rate limit with "an error code for some limits") but a limit on that one old
# alert, not on the bot: see :func:`old_edit_refusals`
OLD_MESSAGE_EDITS = 30046
# "You are opening direct messages too fast": Discord's anti-spam limit on the DMs a bot
# opens, answered 403 (not 429) with no retry_after, on opening a DM or on the post in
# it. A limit on storybot's DMs, not a refusal of the user: every DM waits, none is
# given up. Discord does not say for how long; bots that meet it wait about ten minutes.
OPENING_DMS_TOO_FAST = 40003
OPENING_DMS_WAIT_S = 600.0

# What the people in a channel can do about a refusal, by Discord's JSON error code. Kept
# in the error, so ``/story status`` there and ``storybot outbox`` say it with the reason.
PERMANENT_HINTS = {
    # Unknown Channel: the channel (or thread) was deleted. No one can type /story
    # unfollow there any more, so its follow stays and each of its alerts is refused
    # alike until the operator removes it (as Slack's channel_not_found says it)
    10003: (
        "the channel was deleted: follow the story in another channel; alerts for the "
        "deleted one are given up like this one until the operator runs `storybot follows "
        "remove discord:CHANNEL_ID`"
    ),
    # Missing Access: also a channel of a server the bot was removed from, where no one
    # can type /story unfollow either
    50001: (
        "give storybot the View Channel and Send Messages permissions in this channel, "
        "or add it to the server again if it was removed (or the operator stops its "
        "alerts: `storybot follows remove discord:CHANNEL_ID`)"
    ),
    50013: "give storybot the Send Messages and Embed Links permissions in this channel",  # Missing Permissions
    50007: "the user does not accept direct messages from storybot (Privacy Settings)",  # Cannot send to user
}


def delivery_error(exc: BaseException, seen: RateLimitsSeen | None = None) -> DeliveryError:
    """Translate an exception raised while sending to Discord.

    429 becomes ``RateLimited`` with the server's retry-after and the scope of the last
    429 ``seen`` during the send (the whole of Discord when none was noted); 401 and a
    failed login (a token problem, fixable without touching the message)
    ``TokenRefused``; 5xx and connection errors are transient; Discord's 403 for opening
    DMs too fast (40003) holds back every DM; other 403 and 404 (Missing Access, Unknown
    Channel) and other 4xx answers are permanent.
    """
    if isinstance(exc, DeliveryError):
        return exc
    scope = seen.scope if seen is not None and seen.scope is not None else RateLimitScope.PLATFORM
    if isinstance(exc, discord.RateLimited):
        return RateLimited(exc.retry_after, _what(scope), scope=scope)
    if isinstance(exc, discord.HTTPException):
        what = f"Discord {exc.status}: {exc.text or exc}"
        if exc.code == OLD_MESSAGE_EDITS:
            # the alert is hours old and Discord takes no more edits of old messages for
            # now: the update is news all the same, posted anew (later ones edit that)
            return MessageGone(what)
        if exc.status == 429:
            return RateLimited(_retry_after(exc), _what(scope), scope=scope)
        if exc.code == OPENING_DMS_TOO_FAST:
            return RateLimited(
                OPENING_DMS_WAIT_S,
                f"{what} (Discord's limit on opening direct messages)",
                scope=RateLimitScope.DIRECT_MESSAGES,
            )
        if exc.status == 401:
            return TokenRefused(f"{what} (check DISCORD_BOT_TOKEN)")
        if exc.status >= 500:
            return TransientDeliveryError(what)
        if exc.code in (UNKNOWN_MESSAGE, OTHER_AUTHOR):
            # an edited alert was deleted, or is another bot's: the worker posts it anew
            return MessageGone(what)
        hint = PERMANENT_HINTS.get(exc.code)
        return PermanentDeliveryError(f"{what} ({hint})" if hint else what)
    if isinstance(exc, discord.LoginFailure):
        return TokenRefused(f"Discord login failed (check DISCORD_BOT_TOKEN): {exc}")
    if isinstance(exc, (aiohttp.ClientError, OSError, asyncio.TimeoutError)):
        return TransientDeliveryError(f"Discord unreachable: {exc!r}")
    return TransientDeliveryError(f"Discord delivery failed: {exc!r}")


def old_edit_refusals() -> aiohttp.TraceConfig:
    """An aiohttp trace that raises Discord's 30046 refusal as it arrives.

    discord.py handles every 429 itself: it sleeps and retries one with a short
    ``retry_after`` (five times, holding the delivery worker), and reports a longer one as
    ``RateLimited``, which keeps neither the JSON code nor the route. The delivery worker
    would then pause every Discord channel for as long as Discord withholds edits of that
    one hour-old alert, and the update would wait with them. Raised from the trace (passed
    as the client's ``http_trace``), the refusal reaches :func:`delivery_error` as the
    ``HTTPException`` it is, code included, before discord.py waits.
    """

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        response = params.response
        if response.status != 429:
            return
        try:
            data = await response.json(content_type=None)
        except (ValueError, aiohttp.ClientError):
            return  # not Discord's JSON (a proxy or Cloudflare page): discord.py's to judge
        if isinstance(data, dict) and data.get("code") == OLD_MESSAGE_EDITS:
            raise discord.HTTPException(response, data)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


def _retry_after(exc: discord.HTTPException) -> float:
    """Retry-after of a 429 that discord.py gave up on (body first, then the header)."""
    headers = getattr(exc.response, "headers", None) or {}
    for raw in (getattr(exc, "retry_after", None), headers.get("Retry-After")):
        try:
            return float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return DEFAULT_RETRY_AFTER_S


def _what(scope: RateLimitScope) -> str:
    if scope is RateLimitScope.TARGET:
        return "Discord rate limit on this channel"
    if scope is RateLimitScope.DIRECT_MESSAGES:
        return "Discord rate limit on opening direct messages"
    return "Discord rate limit"
