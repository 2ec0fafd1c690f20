"""The Discord chat adapter: a sink for alerts and a ``/story`` command listener.

Outgoing messages go through discord.py's REST client (a ``PartialMessageable`` per
channel, a DM channel per user), so delivery works without the gateway; ``start`` logs in
and runs the gateway in a background task to receive the ``/story`` interactions.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import aiohttp
import discord
from discord import app_commands

from adapters.discord_chat.delivery_errors import (
    UNKNOWN_MESSAGE,
    delivery_error,
    old_edit_refusals,
)
from adapters.discord_chat.endpoints import not_the_rest_base, use_endpoints
from adapters.discord_chat.logs import quiet_voice_warnings
from adapters.discord_chat.lost_answers import expired, tell_lost_answer
from adapters.discord_chat.members import CANNOT_DM, DiscordMembers
from adapters.discord_chat.post_access import cannot_post_in
from adapters.discord_chat.rate_limits import note_rate_limit_scopes, watching_rate_limits
from adapters.discord_chat.render import (
    escape_text,
    message_kwargs,
    no_mentions,
    reply_messages,
)
from adapters.discord_chat.server_removal import channel_ids, removal_warning
from adapters.discord_chat.slash import story_group
from adapters.discord_chat.story_names import StoryNames
from adapters.discord_chat.timeouts import count_rate_limit_waits, within
from bot.duration import duration
from bot.errors import ConfigError, MessageGone, PermanentDeliveryError, TransientDeliveryError
from bot.model import CommandRequest, InstallAccess, OutboundMessage, Reply, Target
from bot.ports import CommandHandler
from bot.render import clip
from bot.toml_text import toml_value

log = logging.getLogger(__name__)

ADMIN_POLICIES = ("admins", "everyone")
NONCE_LENGTH = 25  # Discord accepts string nonces of up to 25 characters
# How many nonces of one key a post tries whose earlier messages were deleted (see post).
REPOST_NONCES = 5
APOLOGY = "Sorry, something went wrong answering that. Please try again in a moment."
# What a deferred private answer becomes when the reply itself is posted for everyone.
SHOWN_IN_CHANNEL = "Done: the answer is posted in this channel for everyone."


def nonce_for(idempotency_key: str) -> str:
    """A message nonce derived from the outbox key.

    Sent with ``enforce_nonce`` (discord.py adds it whenever a nonce is given), so Discord
    returns the first message instead of posting a copy when a retried post repeats it
    within a few minutes.
    """
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:NONCE_LENGTH]


def is_admin(interaction: discord.Interaction, admin_policy: str) -> bool:
    """Whether the invoking user may run admin commands under ``admin_policy``.

    "admins" means Manage Server, or Administrator, which implies it: a member's
    permissions as the interaction carries them may hold the Administrator bit alone
    (discord.py reads each bit as it is). Discord resolves the member's permissions into
    the interaction itself, which works without a member cache; the cached guild roles
    are consulted as well when the guild is known. In a DM (no server) no one is.
    """
    if admin_policy == "everyone":
        return True
    if interaction.guild_id is None:
        return False
    resolved = interaction.permissions
    if resolved.manage_guild or resolved.administrator:
        return True
    user = interaction.user
    return isinstance(user, discord.Member) and user.guild_permissions.manage_guild


def install_access(
    interaction: discord.Interaction,
    admin_servers: frozenset[int],
    guilds: Sequence[discord.Guild],
) -> InstallAccess:
    """Whether the server ``interaction`` comes from may change the install's stories and feeds.

    The servers ``[discord] admin_servers`` lists may. With no list, the one server storybot
    is in may, while it is in only that one: an install in one server keeps working as it
    did, and a second server (anyone may invite a public bot to a server of their own and
    be its admin there) does not inherit the power to remove every channel's stories.
    ``guilds``: the servers storybot is in, as the gateway told it (READY, joins, leaves);
    a command can come from a server it is not in (an app installed with commands only).
    """
    guild_id = interaction.guild_id
    if admin_servers:
        listed = guild_id is not None and guild_id in admin_servers
        return InstallAccess.ALLOWED if listed else InstallAccess.UNLISTED
    if guild_id is not None and [g.id for g in guilds] == [guild_id]:
        return InstallAccess.ALLOWED
    return InstallAccess.NO_LIST if guild_id is not None else InstallAccess.UNLISTED


def _target_id(target: Target) -> tuple[str, int]:
    """``("channel", id)`` or, for a direct message, ``("user", id)``: where ``target`` is.

    Raises:
        PermanentDeliveryError: The target names neither, or an id that is not a Discord
            snowflake (a number): the message can never be delivered there, so the
            delivery worker gives it up at once instead of retrying it for hours, as the
            Slack sink does with a target that has no channel or user.
    """
    for kind, value in (("channel", target.channel_id), ("user", target.user_id)):
        if not value:
            continue
        try:
            snowflake = int(value)
        except ValueError:
            raise PermanentDeliveryError(
                f"discord: target {target.key} has a {kind} id that is not a Discord id"
            ) from None
        return kind, snowflake
    raise PermanentDeliveryError(f"discord: target {target.key} has no channel or user")


# Gateway close codes after which Discord asks clients not to reconnect, with what the
# operator can do. discord.py raises ConnectionClosed for them (PrivilegedIntentsRequired
# for 4014) and stops.
GATEWAY_REFUSALS = {
    4004: (
        "Discord rejected DISCORD_BOT_TOKEN at the gateway (close code 4004, authentication "
        "failed): reset the bot token in the Developer Portal and set DISCORD_BOT_TOKEN"
    ),
    4010: "Discord refused the gateway session (close code 4010, invalid shard)",
    4011: (
        "Discord refused the gateway session (close code 4011, sharding required): the bot "
        "is in too many servers for one connection"
    ),
    4012: (
        "Discord refused the gateway session (close code 4012, invalid API version): "
        "upgrade storybot"
    ),
    4013: (
        "Discord refused the gateway session (close code 4013, invalid intents): upgrade storybot"
    ),
    4014: (
        "Discord refused the gateway session (close code 4014, disallowed intents): the "
        "app asks for intents its Developer Portal page does not allow"
    ),
}


UNANSWERED_UNTIL_RESTART = "/story commands on Discord are not answered until storybot is restarted"


def gateway_refusal(exc: BaseException) -> ConfigError | None:
    """The ``ConfigError`` for a gateway Discord closed for good, or None for another failure.

    Retrying cannot help after these codes (Discord's documentation: "consider some
    close codes as a signal to stop reconnecting"), so ``storybot run`` stops with one
    line rather than a traceback.
    """
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        code: int | None = 4014
    elif isinstance(exc, discord.ConnectionClosed):
        code = exc.code
    else:
        return None
    what = GATEWAY_REFUSALS.get(code) if code is not None else None
    return ConfigError(what) if what else None


class DiscordAdapter:
    """Discord as a :class:`bot.ports.ChatAdapter` (``platform = "discord"``).

    Args:
        token: The bot token (``DISCORD_BOT_TOKEN``).
        commands: Answers the ``/story`` commands (``bot.commands.Commands``).
        admin_policy: "admins" (Manage Server) or "everyone".
        admin_servers: ``[discord] admin_servers``: the server IDs where the commands that
            change every channel's stories and feeds may run (:func:`install_access`).
        api_url: REST base URL including the version, e.g. ``http://127.0.0.1:8080/api/v10``
            (``STORYBOT_DISCORD_API_URL``); ``None`` keeps discord.com.
        gateway_url: Gateway websocket URL (``STORYBOT_DISCORD_GATEWAY_URL``); ``None``
            keeps Discord's.
        defer_after_s: Answer directly if the command is done within this time, otherwise
            defer ("thinking...") and follow up; 0 always defers. Discord wants the first
            answer "within 3 seconds of receiving the event", or the token is invalidated;
            the rest of the 3 s is for the event's way over the gateway, a busy event loop
            and the defer's own round trip (at 2 s, a slow gateway or loop lost commands).
        max_ratelimit_wait_s: discord.py waits out shorter rate limits itself; longer ones
            raise ``RateLimited`` so the delivery worker reschedules. Discord asks for >= 30.
        ready_timeout_s: How long READY waits for the guilds to arrive (discord.py's
            ``guild_ready_timeout``).
        start_timeout_s: How long ``start`` waits for the gateway to be ready (an
            attribute of the same name: a later ``start`` reads it again).
        request_timeout_s: How long one post or edit may take, not counting the rate-limit
            waits Discord asks for during it (up to ``max_ratelimit_wait_s`` each, see
            ``timeouts.py``). discord.py sets no timeout of its own, so a Discord that
            accepts the connection and never answers would hold the delivery worker for
            minutes; the timeout makes it a transient failure (the enforced nonce keeps a
            retried post from appearing twice).
        names_wait_s: How long autocomplete waits for the story names before offering the
            last ones read (a slow database): Discord allows 3 seconds, and autocomplete
            cannot be deferred.
    """

    platform = "discord"
    # Discord de-duplicates an enforced nonce only for "a few minutes"; the delivery worker
    # retries a post that may have been accepted within half of this.
    dedup_window_s = 120.0

    def __init__(
        self,
        token: str,
        commands: CommandHandler,
        admin_policy: str = "admins",
        api_url: str | None = None,
        gateway_url: str | None = None,
        *,
        admin_servers: Iterable[str] = (),
        defer_after_s: float = 1.5,
        max_ratelimit_wait_s: float = 30.0,
        ready_timeout_s: float = 2.0,
        start_timeout_s: float = 60.0,
        request_timeout_s: float = 30.0,
        names_wait_s: float = 1.5,
    ) -> None:
        if admin_policy not in ADMIN_POLICIES:
            raise ConfigError(
                '[permissions] admin_commands must be "admins" or "everyone", '
                f"not {toml_value(admin_policy)}"
            )
        # discord.py keeps its endpoints in class attributes (process-wide); endpoints.py
        # is the one place that changes them, so a fake or proxy Discord can be used.
        use_endpoints(api_url, gateway_url)
        quiet_voice_warnings()  # before the Client, which logs them when it is made
        self._token = token
        self._commands = commands
        self._admin_policy = admin_policy
        self._admin_servers = frozenset(int(g) for g in admin_servers)
        self._defer_after_s = defer_after_s
        self.start_timeout_s = start_timeout_s
        self._request_timeout_s = request_timeout_s
        self._max_ratelimit_wait_s = max_ratelimit_wait_s
        self._ready_timeout_s = ready_timeout_s
        self._story_names = StoryNames(commands.story_names, names_wait_s)
        # the warnings of servers that removed storybot still being written (see stop)
        self._removal_warnings: set[asyncio.Task[None]] = set()
        self._new_client()
        self._login_lock = asyncio.Lock()
        self._gateway_task: asyncio.Task[None] | None = None
        self._ready = False  # the gateway reached READY since the last start
        # is a subscription's owner still in the servers they subscribed in? (bot.member_check)
        self.members = DiscordMembers(lambda: self.client, self._login, timeout_s=request_timeout_s)
        # told the user id when Discord refuses a DM to them (50007: they may have left
        # every server storybot shares with them), so that they are asked about at once
        self.dm_refused: Callable[[str], None] | None = None

    # ------------------------------------------------------------------ lifecycle

    def _new_client(self) -> None:
        """A new ``discord.Client`` (and command tree), not logged in yet.

        A closed client cannot be used again (its HTTP session and connector are closed):
        ``stop`` after a failed start closes it, and so does discord.py itself when
        Discord closes the gateway for good (4004, 4014...).
        """
        # Guilds only (not privileged): the guild cache gives roles for Manage Server checks.
        self.client = discord.Client(
            intents=discord.Intents(guilds=True),
            # every send passes no_mentions() too; this covers one that would forget
            allowed_mentions=no_mentions(),
            max_ratelimit_timeout=self._max_ratelimit_wait_s,
            guild_ready_timeout=self._ready_timeout_s,
            http_trace=note_rate_limit_scopes(count_rate_limit_waits(old_edit_refusals())),
        )
        self.tree = app_commands.CommandTree(self.client)
        self.tree.add_command(story_group(self))
        self.tree.error(self._on_command_error)

        async def on_guild_join(guild: discord.Guild) -> None:
            self._warn_of_join(guild)

        async def on_guild_remove(guild: discord.Guild) -> None:
            # a task of its own, which stop() waits for: a removal the gateway told
            # before storybot stops is still said (its count reads the database)
            task = asyncio.create_task(self._warn_of_removal(guild))
            self._removal_warnings.add(task)
            task.add_done_callback(self._removal_warnings.discard)
            await task

        self.client.event(on_guild_join)
        self.client.event(on_guild_remove)
        self._logged_in = False
        self._opened = False

    async def _login(self) -> None:
        async with self._login_lock:
            if self._opened and self.client.is_closed():
                # closed by a failed start's stop, or by discord.py after the gateway was
                # closed for good: start again (a retried start) or post over REST anew
                self._new_client()
            if not self._logged_in:
                self._opened = True  # login opens the HTTP session even when it fails
                try:
                    await self.client.login(self._token)
                except BaseException:
                    # closes that session; the next attempt logs in with a new client
                    await self.client.close()
                    raise
                self._logged_in = True

    async def start(self) -> None:
        """Log in, connect the gateway in a background task and return once READY.

        Raises:
            ConfigError: Discord rejected the token, or closed the gateway with a code
                after which it asks clients not to reconnect (:func:`gateway_refusal`),
                or the login was answered 404 (the REST base URL is not Discord's).
            TransientDeliveryError: Discord could not be reached or answered 5xx.
            RateLimited: The login was rate limited for longer than discord.py waits.
            ConnectionError: The gateway did not become ready within ``start_timeout_s``.
        """
        try:
            await self._login()
        except discord.LoginFailure as exc:
            raise ConfigError(f"Discord rejected DISCORD_BOT_TOKEN: {exc}") from exc
        except (discord.DiscordServerError, aiohttp.ClientError) as exc:
            raise TransientDeliveryError(f"Discord unreachable at login: {exc}") from exc
        except (discord.RateLimited, discord.HTTPException) as exc:
            if isinstance(exc, discord.RateLimited) or exc.status == 429:
                # longer than discord.py waits itself: start_adapter waits it out
                raise delivery_error(exc) from exc
            if exc.status == 404:
                raise not_the_rest_base() from exc
            raise
        self._ready = False
        self._gateway_task = asyncio.create_task(self.client.connect(reconnect=True))
        self._gateway_task.add_done_callback(self._gateway_ended)
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._gateway_task},
            timeout=self.start_timeout_s,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if ready in done:
            self._ready = True
            log.info("Discord gateway ready as %s", self.client.user)
            self._warn_of_servers()
            return
        ready.cancel()
        failed = self._gateway_task.exception() if self._gateway_task in done else None
        await self.stop()
        if failed is not None:
            raise gateway_refusal(failed) or failed
        raise ConnectionError(f"Discord gateway not ready after {duration(self.start_timeout_s)}")

    async def stop(self) -> None:
        """Disconnect the gateway and close the HTTP session.

        A warning that storybot was removed from a server (told by the gateway before the
        stop) is written first: the operator hears of every removal the gateway told.

        A gateway task that had already ended is not reported again: what ended it after
        READY was logged by :meth:`_gateway_ended`, and before READY ``start`` raises it.
        """
        task, self._gateway_task = self._gateway_task, None
        ended = task is not None and task.done()
        if self._removal_warnings:
            # a server's removal told before the stop is said before it ends, within the
            # bound of a request (the count reads the database, which may not answer)
            await asyncio.wait(set(self._removal_warnings), timeout=self._request_timeout_s)
        if self._opened:
            await self.client.close()
        if task is not None and ended:
            if not task.cancelled():
                task.exception()  # retrieved: reported where it was met
        elif task is not None:
            try:
                await asyncio.wait_for(task, 10)
            except (TimeoutError, asyncio.CancelledError):
                pass
            except Exception as exc:
                if gateway_refusal(exc) is None:  # a refusal is reported where it is met
                    log.exception("Discord gateway task ended with an error")

    def _warn_of_servers(self) -> None:
        """Say once at start when the install-wide commands are refused in every server.

        No ``[discord] admin_servers`` and several servers: ``stories add|remove`` and
        ``feeds add|remove`` are refused on Discord (:func:`install_access`), which an
        operator should hear from the log before an admin asks why. A listed ID storybot is
        not in is likely a typo (or a server that has not invited it yet).
        """
        ids = sorted(g.id for g in self.client.guilds)
        if not self._admin_servers and len(ids) > 1:
            log.warning(
                "storybot is in %d Discord servers and [discord] admin_servers is empty: "
                "/story stories add|remove and feeds add|remove are refused on Discord until "
                "it lists the IDs of the servers whose admins manage storybot",
                len(ids),
            )
        absent = sorted(self._admin_servers - set(ids))
        if absent:
            log.warning(
                "[discord] admin_servers lists %s, which storybot is not in",
                ", ".join(map(str, absent)),
            )

    async def _warn_of_removal(self, guild: discord.Guild) -> None:
        """Say when storybot was removed from a server while it runs: how many follows
        and subscriptions of its channels that cuts off, and the operator's commands for
        them (:mod:`adapters.discord_chat.server_removal`). A database that does not
        answer leaves the counts out, not the warning."""
        follows: int | None
        subscriptions: int | None
        try:
            follows, subscriptions = await self._commands.held_in(self.platform, channel_ids(guild))
        except Exception as exc:
            log.debug("could not count the follows of the server %s: %s", guild.id, exc)
            follows = subscriptions = None
        log.warning("%s", removal_warning(guild, follows, subscriptions))

    def _warn_of_join(self, guild: discord.Guild) -> None:
        """Say when a server added storybot while it runs, and what its admins may do.

        With no ``[discord] admin_servers``, a second server ends every server's
        ``stories add|remove`` and ``feeds add|remove`` (:func:`install_access`): the
        operator hears it now, not at the next start. A server the list does not name is
        said too: its admins may follow and unfollow stories in its channels, and anyone
        may subscribe there (a public bot invited by a stranger shows up here).
        """
        servers = len(self.client.guilds)
        if not self._admin_servers and servers > 1:
            log.warning(
                "storybot was added to the Discord server %s (%s) and is now in %d servers "
                "with [discord] admin_servers empty: /story stories add|remove and feeds "
                "add|remove are refused on Discord until it lists the IDs of the servers "
                "whose admins manage storybot",
                guild.id,
                guild.name,
                servers,
            )
        elif self._admin_servers and guild.id not in self._admin_servers:
            log.warning(
                "storybot was added to the Discord server %s (%s), which [discord] "
                "admin_servers does not list: its admins can follow stories there, not "
                "change stories or feeds",
                guild.id,
                guild.name,
            )

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        """Report a gateway that stopped on its own after start (token reset, intents...).

        The service goes on (alerts are posted over REST, and queue while the token is
        refused); ``/story`` is not received until storybot is restarted. A failure
        before READY is ``start``'s to raise.
        """
        if task.cancelled() or task.exception() is None or not self._ready:
            return
        exc = task.exception()
        assert exc is not None
        refusal = gateway_refusal(exc)
        if refusal is None:
            log.error("Discord gateway stopped; %s", UNANSWERED_UNTIL_RESTART, exc_info=exc)
            return
        log.error("Discord gateway stopped: %s; %s", refusal, UNANSWERED_UNTIL_RESTART)

    # ------------------------------------------------------------------ sink

    async def post(self, target: Target, message: OutboundMessage, *, idempotency_key: str) -> str:
        """Post ``message`` to a channel (or a user's DMs) and return the message id.

        Raises:
            RateLimited, TransientDeliveryError, PermanentDeliveryError: see ``ChatSink``.
        """

        async def send(nonce: str) -> discord.Message:
            channel = await self._channel(target)
            return await channel.send(nonce=nonce, **message_kwargs(message))

        # The key's own nonce first (a retry finds the message an earlier attempt
        # posted). Discord answers Unknown Message, posting nothing, when the message
        # posted under a nonce was deleted within its window (discord-api-docs#6647). The
        # delivery worker reposts an update to a deleted alert under a key of its own
        # (DeliveryWorker._post_key); a key's message can still be deleted before its
        # post was recorded (its answer lost), and then the next nonce of the key's chain
        # posts it. (Such a chain is only as good as Discord's memory of its first nonce:
        # once that is forgotten, a retry posts under it again.)
        for n in range(REPOST_NONCES):
            nonce = nonce_for(idempotency_key if n == 0 else f"{idempotency_key}#{n}")
            with watching_rate_limits() as seen:
                try:
                    sent = await within(send(nonce), self._request_timeout_s)
                except discord.NotFound as exc:
                    if exc.code != UNKNOWN_MESSAGE:
                        raise delivery_error(exc) from exc
                    log.info("discord: the message posted under %s was deleted", idempotency_key)
                    continue
                except Exception as exc:
                    self._note_refused_dm(target, exc)
                    # a 429 holds back this channel only, when Discord said so (seen)
                    raise delivery_error(exc, seen) from exc
            return str(sent.id)
        raise TransientDeliveryError(
            f"discord: the last {REPOST_NONCES} messages posted under {idempotency_key} were "
            "deleted within minutes; posting again later"
        )

    def _note_refused_dm(self, target: Target, exc: Exception) -> None:
        """Tell :attr:`dm_refused` of a DM Discord refused with 50007."""
        if (
            self.dm_refused is not None
            and target.user_id
            and not target.channel_id
            and isinstance(exc, discord.Forbidden)
            and exc.code == CANNOT_DM
        ):
            try:
                self.dm_refused(target.user_id)
            except Exception:
                log.exception("discord: telling of a refused DM failed")

    async def edit(
        self,
        target: Target,
        message_id: str,
        message: OutboundMessage,
        *,
        since: datetime | None = None,
    ) -> None:
        """Replace a message posted earlier with a new rendering of ``message``.

        ``since`` is unused: the embed lists the facts, there is no thread to look in.

        Raises:
            MessageGone: The message was deleted, or ``message_id`` is not a Discord id (a
                row written by hand or by another platform): either way there is nothing
                to edit, so the delivery worker posts the update anew rather than retry.
        """
        try:
            snowflake = int(message_id)
        except ValueError:
            raise MessageGone(
                f"discord: stored message id {clip(message_id, 40)!r} is not a Discord id"
            ) from None

        async def update() -> None:
            channel = await self._channel(target)
            await channel.get_partial_message(snowflake).edit(**message_kwargs(message))

        with watching_rate_limits() as seen:
            try:
                await within(update(), self._request_timeout_s)
            except Exception as exc:
                raise delivery_error(exc, seen) from exc

    async def _channel(self, target: Target) -> discord.PartialMessageable | discord.DMChannel:
        kind, snowflake = _target_id(target)  # before logging in: no retry can fix it
        await self._login()
        if kind == "channel":
            return self.client.get_partial_messageable(snowflake)
        return await self.client.create_dm(discord.Object(snowflake))

    # ------------------------------------------------------------------ commands

    async def story_names(self) -> list[str]:
        """Story names for autocomplete, read in a thread (see :class:`StoryNames`)."""
        return await self._story_names.get()

    async def refuse(self, interaction: discord.Interaction, text: str) -> None:
        """Answer ``interaction``, privately, that its options cannot be read: ``text``.

        For an option the command text cannot carry (a story name holding words apart,
        :func:`~adapters.discord_chat.slash.story_group`), said as a reply's text is.
        """
        [first] = reply_messages(Reply(text=text, ok=False, usage_error=True))
        try:
            await interaction.response.send_message(**first)
        except discord.HTTPException:
            log.warning("could not tell the user why a /story option was refused")

    def request_for(self, interaction: discord.Interaction, text: str) -> CommandRequest:
        """The neutral request for an interaction that asked for ``text``.

        ``cannot_post`` is said for every command typed in a server (the interaction
        carries what it needs, :func:`cannot_post_in`); only ``follow`` reads it.
        """
        return CommandRequest(
            text=text,
            platform=self.platform,
            user_id=str(interaction.user.id),
            channel_id=str(interaction.channel_id) if interaction.channel_id else None,
            user_name=interaction.user.name,
            is_admin=is_admin(interaction, self._admin_policy),
            direct_message=interaction.guild_id is None,
            install_access=install_access(interaction, self._admin_servers, self.client.guilds),
            cannot_post=cannot_post_in(interaction, self.client.guilds, self.client.application_id),
        )

    async def invoke(self, interaction: discord.Interaction, text: str) -> None:
        """Answer ``interaction`` with the handler's reply to ``text``.

        Answers directly, as private or public as the reply says, when it is ready within
        ``defer_after_s``. Otherwise defers, always privately: a deferred answer's
        visibility is fixed up front, and until the handler is done the reply may be a
        refusal or an error, which only the user should see. A private reply fills the
        deferred answer (Discord's first follow-up after a defer does). A public one
        (``follow``'s confirmation, which the channel must see) is posted once, as a
        follow-up everyone sees; the private "thinking..." is first edited into a short
        pointer to it, as the first follow-up would otherwise fill it with the same text.

        When Discord refuses the first answer as too late (10062), the command has run
        regardless: :func:`~adapters.discord_chat.lost_answers.tell_lost_answer` logs it
        and tells the user by DM when it changed something.
        """
        work = asyncio.ensure_future(self._handle(self.request_for(interaction, text)))
        try:
            if self._defer_after_s > 0:
                done, _ = await asyncio.wait({work}, timeout=self._defer_after_s)
                if work in done:
                    first, *rest = reply_messages(work.result())
                    await interaction.response.send_message(**first)
                    await self._send_rest(interaction, rest)
                    return
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.NotFound as exc:
            if not expired(exc):
                raise
            # too late for any answer: the user may not know the command ran (lost_answers)
            await tell_lost_answer(self.client, interaction.user, text, await work)
            return
        reply = await work
        if reply.ephemeral:
            first, *rest = reply_messages(reply)
            await interaction.followup.send(**first)
            await self._send_rest(interaction, rest)
            return
        await self._post_public_after_defer(interaction, reply)

    @staticmethod
    async def _send_rest(interaction: discord.Interaction, messages: list[dict[str, Any]]) -> None:
        """The rest of a reply too long for one message, as follow-ups (same visibility)."""
        for kwargs in messages:
            await interaction.followup.send(**kwargs)

    async def _post_public_after_defer(
        self, interaction: discord.Interaction, reply: Reply
    ) -> None:
        """Post a public ``reply`` once after a private defer, ending the defer in a pointer.

        Whatever fails, the user still gets the reply once: privately, if the channel
        cannot be given it.
        """
        first, *rest = reply_messages(reply)
        private_rest = [{**kwargs, "ephemeral": True} for kwargs in rest]
        try:
            await interaction.edit_original_response(
                content=SHOWN_IN_CHANNEL, allowed_mentions=no_mentions()
            )
        except discord.HTTPException as exc:
            # still "thinking...": a follow-up fills it, so the user sees the reply privately
            log.warning("could not end the deferred /story answer, answering privately: %s", exc)
            await interaction.followup.send(**first)
            await self._send_rest(interaction, private_rest)
            return
        try:
            await interaction.followup.send(**first)
        except discord.HTTPException as exc:
            log.warning(
                "could not post the /story answer in the channel, answering privately: %s", exc
            )
            private: dict[str, Any] = {"content": None, **first}  # no pointer left
            del private["ephemeral"]  # an edit keeps the message's visibility
            await interaction.edit_original_response(**private)
            await self._send_rest(interaction, private_rest)
            return
        await self._send_rest(interaction, rest)

    async def _handle(self, request: CommandRequest) -> Reply:
        try:
            return await self._commands.handle(request)
        except Exception:  # the handler promises not to raise; never leave a user hanging
            log.exception("command handler failed for %r", request.text[:200])
            return Reply(text=APOLOGY, ok=False)

    async def _on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
            text = "This command is out of date. An operator should run `storybot discord sync`."
        elif isinstance(error, app_commands.TransformerError):
            text = escape_text(f"That value is not valid: {error}")
        else:
            log.error("/story interaction failed", exc_info=error)
            text = APOLOGY
        kwargs: dict[str, Any] = {"ephemeral": True, "allowed_mentions": no_mentions()}
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, **kwargs)
            else:
                await interaction.response.send_message(text, **kwargs)
        except discord.HTTPException:
            log.warning("could not tell the user about a failed /story interaction")
