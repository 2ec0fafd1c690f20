"""The warning logged when storybot is removed from a Discord server.

discord.py dispatches ``guild_remove`` for a GUILD_DELETE without ``unavailable`` (kicked,
banned, or the server deleted) and ``guild_unavailable`` for one with it (an outage,
which says nothing here): ``parse_guild_delete`` in ``discord/state.py`` (2.x). What
storybot holds for the server stays in the database: each later alert of a follow in
one of its channels is refused (Missing Access, ``delivery_errors.PERMANENT_HINTS``) and
given up, and nobody can ``/story unfollow`` there any more. So the warning counts what
the removal cuts off and names the operator's commands for it (``storybot follows``,
``adapters/follow_admin.py``), instead of leaving the operator to find out from
``storybot outbox`` later.

The channels are the server's as the gateway told them (its text channels and the
threads active then); a follow in a thread archived since is not counted.
"""

from __future__ import annotations

import discord

from bot.render import counted


def channel_ids(guild: discord.Guild) -> set[str]:
    """The ids of the server's channels and active threads, as stored follows name them."""
    return {str(c.id) for c in guild.channels} | {str(t.id) for t in guild.threads}


def removal_warning(guild: discord.Guild, follows: int | None, subscriptions: int | None) -> str:
    """What storybot's removal from ``guild`` means, and what the operator can do.

    Args:
        follows: The follows in its channels; None: they could not be counted (the
            database did not answer).
        subscriptions: The keyword subscriptions made in its channels (None likewise).
    """
    said = f"storybot was removed from the Discord server {guild.id} ({guild.name})"
    if follows is None or subscriptions is None:
        return (
            f"{said}: the follows of its channels stay (they could not be counted), and their "
            "alerts are given up (Missing Access) until storybot is added to the server "
            "again; storybot follows lists them, storybot follows remove discord:CHANNEL_ID "
            "stops a channel's"
        )
    if follows:
        what = (
            f"{counted(follows, 'follow')} in its channels "
            f"{'stays, and its alerts are' if follows == 1 else 'stay, and their alerts are'} "
            "given up (Missing Access) until storybot is added to the server again; "
            "storybot follows lists them, storybot follows remove discord:CHANNEL_ID stops "
            "a channel's"
        )
    else:
        what = "no channel of it followed a story"
    if subscriptions:
        what += (
            f"; {counted(subscriptions, 'keyword subscription')} "
            f"{'was' if subscriptions == 1 else 'were'} made there: their DMs fail for a "
            "user who shares no other server with storybot (storybot subscriptions lists "
            "who holds the most, storybot subscriptions remove --user discord:USER_ID --yes "
            "removes a user's)"
        )
    return f"{said}: {what}"
