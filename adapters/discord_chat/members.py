"""Is a keyword subscription's owner still in the Discord servers they subscribed in?

storybot asks for no privileged intent, so the gateway never tells it that a member left
a server (``GUILD_MEMBER_REMOVE`` needs the members intent). :class:`bot.member_check.
OwnerChecks` asks instead, now and then, with ``GET /guilds/{guild}/members/{user}`` (Get
Guild Member: a REST call, which needs no intent; only List Guild Members is restricted
by the members intent) for each server one of the owner's subscriptions was made in (the
server of its channel: the gateway's cache, else ``GET /channels/{id}``).

* Any of those servers answers with the member: still there.
* Every server that could answer says 10007 Unknown Member (or the account is gone,
  10013 Unknown User): gone, and their subscriptions are removed.
* A server storybot is no longer in (403 Missing Access, 10004 Unknown Guild) or a
  channel deleted since cannot tell; an owner no server can be asked about (subscribed in
  a DM with storybot, or only in servers it left) is kept.
* A 5xx, a timeout, a rate limit longer than discord.py waits out: not checked now.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
import discord

from adapters.discord_chat.timeouts import within
from bot.member_check import MEMBER, Membership, Presence

log = logging.getLogger(__name__)

UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
CANNOT_DM = 50007  # "Cannot send messages to this user"


class DiscordMembers:
    """:class:`bot.member_check.MemberLookup` for Discord.

    Args:
        client: A function giving the adapter's ``discord.Client`` (a new one after a
            failed start).
        login: Logs the client in if it is not (the adapter's own).
        timeout_s: How long one REST call may take (discord.py sets no timeout).
    """

    platform = "discord"

    def __init__(
        self,
        client: Callable[[], discord.Client],
        login: Callable[[], Awaitable[None]],
        *,
        timeout_s: float = 30.0,
    ) -> None:
        self._client = client
        self._login = login
        self.timeout_s = timeout_s

    async def membership(self, user_id: str, channel_ids: Sequence[str]) -> Membership:
        """Ask each server ``channel_ids`` belong to about ``user_id`` (see module doc)."""
        try:
            user = int(user_id)
            await self._login()
            guilds: list[int] = []
            for channel_id in channel_ids:
                guild = await self._guild_of(channel_id)
                if guild is not None and guild not in guilds:
                    guilds.append(guild)
            left: list[int] = []
            for guild in guilds:
                try:
                    await within(self._client().http.get_member(guild, user), self.timeout_s)
                except discord.NotFound as exc:
                    if exc.code == UNKNOWN_USER:
                        return Membership(Presence.GONE, "their Discord account was deleted")
                    if exc.code == UNKNOWN_MEMBER:
                        left.append(guild)
                        continue
                    if exc.code == UNKNOWN_GUILD:
                        continue
                    raise
                except discord.Forbidden as exc:
                    if exc.code == MISSING_ACCESS:  # storybot is no longer in that server
                        continue
                    raise
                return MEMBER
        except (
            discord.HTTPException,
            discord.RateLimited,
            aiohttp.ClientError,
            TimeoutError,
            OSError,
        ) as exc:
            return Membership(Presence.UNKNOWN, _failure(exc))
        except ValueError:
            return MEMBER  # not a Discord id (a row written by hand): nothing to ask
        if not left:
            return MEMBER  # no server could be asked: kept
        servers = ", ".join(map(str, left))
        where = "server" if len(left) == 1 else "servers"
        return Membership(
            Presence.GONE, f"they left the Discord {where} {servers} they subscribed in"
        )

    async def _guild_of(self, channel_id: str) -> int | None:
        """The server of a channel (None: a DM, or a channel storybot cannot see now)."""
        try:
            snowflake = int(channel_id)
        except ValueError:
            return None
        client = self._client()
        cached = client.get_channel(snowflake)
        if cached is not None:
            guild = getattr(cached, "guild", None)
            return guild.id if guild is not None else None
        try:
            channel = await within(client.fetch_channel(snowflake), self.timeout_s)
        except (discord.NotFound, discord.Forbidden) as exc:
            if exc.code in (UNKNOWN_CHANNEL, MISSING_ACCESS):
                return None
            raise
        guild_id = getattr(channel, "guild_id", None) or getattr(
            getattr(channel, "guild", None), "id", None
        )
        return int(guild_id) if guild_id else None


def _failure(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"Discord answered {exc.status} ({exc.code}: {exc.text or 'no text'})"
    detail = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
