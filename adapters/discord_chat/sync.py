"""``storybot discord sync``: register the ``/story`` command tree with Discord.

Registration is a separate, explicit step rather than something the bot does on every
start: Discord rate-limits command updates, global changes take a while to reach every
client, and an unchanged tree needs no upload. A guild-scoped copy (``--guild ID``) appears
at once and is meant for development; the global registration is for production.
"""

from __future__ import annotations

import discord
from discord import app_commands

from adapters.discord_chat.endpoints import not_the_rest_base, use_endpoints
from adapters.discord_chat.logs import quiet_voice_warnings
from adapters.discord_chat.post_access import invite_url
from adapters.discord_chat.slash import story_group
from bot.model import Reply

MISSING_ACCESS = 50001  # Discord's JSON error code
# A rate limit longer than this is raised (discord.RateLimited), not slept on. Without it
# discord.py waits out any retry_after, and Discord's limit on registering commands (a
# daily count of creates) asks for hours: the sync sat silent that long. 30 s is the
# least discord.py accepts.
MAX_RATELIMIT_WAIT_S = 30.0


class NotInServer(Exception):
    """A guild sync Discord refused with 403 Missing Access (50001).

    Discord lets an app register commands in a server once it is installed there (the
    ``bot`` scope includes ``applications.commands``); for a server it is not in, or an
    ID that is no server's (a channel's or a user's, pasted for the server's), it
    answers Missing Access. The message says both and gives the link that adds storybot
    to that server.
    """

    def __init__(self, guild_id: int, application_id: int | None) -> None:
        url = invite_url(application_id, guild_id)
        super().__init__(
            f"Discord refused the commands in server {guild_id} (403 Missing Access): "
            "storybot is not in that server, or it is not a server's ID (Discord: "
            f"right-click the server's icon, Copy Server ID); add it with {url} and sync again"
        )
        self.guild_id = guild_id


class _Unused:
    """An invoker for a tree that is only uploaded, never invoked."""

    async def invoke(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(Reply(text="storybot is not running.").text)

    async def story_names(self) -> list[str]:
        return []

    async def refuse(self, interaction: discord.Interaction, text: str) -> None:
        await self.invoke(interaction, text)


def synced_names(commands: list[app_commands.AppCommand]) -> list[str]:
    """Qualified names of the leaf commands Discord confirmed (``story feeds add``, ...)."""
    names: list[str] = []

    def walk(prefix: str, options: list) -> None:
        subs = [o for o in options if isinstance(o, app_commands.AppCommandGroup)]
        if not subs:
            names.append(prefix)
        for sub in subs:
            walk(f"{prefix} {sub.name}", sub.options)

    for command in commands:
        walk(command.name, command.options)
    return names


async def sync_commands(
    token: str,
    guild_id: int | None,
    api_url: str | None = None,
    gateway_url: str | None = None,
) -> list[str]:
    """Register the ``/story`` commands, for one guild or globally.

    Args:
        token: The bot token.
        guild_id: Register a guild-scoped copy there (instant, for development); ``None``
            registers globally (production; may take up to an hour to show everywhere).
        api_url: REST base URL override (``STORYBOT_DISCORD_API_URL``).
        gateway_url: Gateway URL override; unused by the sync itself (it is REST only)
            but applied so the process sees one consistent Discord.

    Returns:
        The qualified names of the registered commands, e.g. ``["story status", ...]``.

    Raises:
        discord.LoginFailure: The token was rejected.
        ConfigError: The login was answered 404: ``api_url`` is not Discord's REST base URL.
        NotInServer: ``guild_id`` is no server storybot is installed in.
        discord.RateLimited: Discord asked to wait longer than ``MAX_RATELIMIT_WAIT_S``.
        discord.HTTPException: Discord refused the commands.
    """
    use_endpoints(api_url, gateway_url)
    quiet_voice_warnings()
    client = discord.Client(
        intents=discord.Intents(guilds=True), max_ratelimit_timeout=MAX_RATELIMIT_WAIT_S
    )
    tree = app_commands.CommandTree(client)
    tree.add_command(story_group(_Unused()))
    try:
        try:
            await client.login(token)
        except discord.NotFound as exc:  # /users/@me is always there: not Discord's base URL
            raise not_the_rest_base() from exc
        if guild_id is None:
            synced = await tree.sync()
        else:
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            try:
                synced = await tree.sync(guild=guild)
            except discord.Forbidden as exc:
                if exc.code != MISSING_ACCESS:
                    raise
                raise NotInServer(guild_id, client.application_id) from exc
    finally:
        await client.close()
    return synced_names(synced)
