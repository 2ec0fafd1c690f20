"""Whether storybot may post its alerts in the channel a ``/story`` command was typed in.

A ``follow`` binds the channel to a story; if Discord will not let the bot post there,
every alert of it is refused at its first post (403 Missing Access or Missing
Permissions) and given up, while the follow itself was confirmed. So the adapter tells
the core why it cannot post (``CommandRequest.cannot_post``), and the follow is refused
with the fix, as on Slack (``adapters.slack_chat.commands.cannot_post_in``).

Discord says it in the interaction itself, at no extra request: ``app_permissions`` is
"the computed permissions for a bot or app in the context of a specific interaction
(including any custom permissions for the origin channel)" (Discord's change log,
"Calculated Permissions in Interaction Payloads", discord-api-docs#5131). An alert is an
embed without content, which needs View Channel, Send Messages (in a thread, Send
Messages in Threads: Send Messages "does not allow sending messages in threads") and
Embed Links (an embed-only post without it is refused 403 Missing Permissions,
discord-api-docs#2601).

One case the permissions do not show: a server whose admins added storybot's commands
without the bot (or that removed the bot since). Its interactions still come, and their
``app_permissions`` are @everyone's plus Embed Links and Attach Files
(discord-api-docs#5316), yet the bot is no member to post as. The gateway's list of the
servers storybot is in (READY, joins, leaves) tells that case apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord.utils import oauth_url

# What the README's invite grants (View Channels, Send Messages, Embed Links: 19456)
INVITE_PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
_NAMES = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "embed_links": "Embed Links",
}


def invite_url(application_id: int | None, guild_id: int | None = None) -> str:
    """The link that adds storybot to a server with the permissions it posts with
    (``guild_id``: that server chosen already)."""
    if application_id is None:
        return "the invite link of README's *Connecting Discord*"
    if guild_id is None:
        return oauth_url(application_id, permissions=INVITE_PERMISSIONS)
    return oauth_url(application_id, permissions=INVITE_PERMISSIONS, guild=discord.Object(guild_id))


def cannot_post_in(
    interaction: discord.Interaction,
    guilds: Sequence[discord.Guild],
    application_id: int | None,
) -> str | None:
    """Why storybot cannot post alerts where ``interaction`` was typed, or None.

    None too outside a server (a DM: the core refuses a follow there anyway) and when
    Discord sent no permissions (0: none to go by; the follow goes ahead as before).

    Args:
        interaction: A ``/story`` command typed in a server channel or thread.
        guilds: The servers storybot is in, as the gateway told it.
        application_id: storybot's application id, for the invite link.
    """
    guild_id = interaction.guild_id
    if guild_id is None:
        return None
    if guild_id not in {g.id for g in guilds}:
        return (
            "storybot is not a member of this server (its commands were added without "
            "the bot, or the bot was removed), so Discord will not let it post here: add "
            f"it with {invite_url(application_id)}, then follow again."
        )
    granted = interaction.app_permissions
    if granted.value == 0 or granted.administrator:
        return None
    thread = isinstance(interaction.channel, discord.Thread)
    needed = ["view_channel", "send_messages_in_threads" if thread else "send_messages"]
    needed.append("embed_links")
    missing = [_NAMES[p] for p in needed if not getattr(granted, p)]
    if not missing:
        return None
    where = "thread" if thread else "channel"
    return (
        f"storybot lacks the {_listed(missing)} permission{'s' if len(missing) > 1 else ''} "
        f"in this {where}, so Discord will not let it post alerts here: give storybot "
        f"{_listed([_NAMES[p] for p in needed])} here (the channel's Permissions settings, "
        "or its role's), then follow again."
    )


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
