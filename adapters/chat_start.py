"""Starting the chat adapters: which ones the settings ask for, and waiting out an outage.

``storybot run`` starts the Slack and Discord adapters whose tokens are set
(:func:`chat_adapters_from_settings`, after :func:`check_chat_settings` refused tokens
that cannot start), each retried with back-off while its platform cannot be reached
(:func:`start_adapter`): a supervisor-started service must not crash-loop through a
platform's outage, and a rejected token must stop it at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.duration import duration
from bot.errors import RateLimited, TransientDeliveryError, UserError
from bot.ports import ChatAdapter
from bot.settings import Settings

if TYPE_CHECKING:
    from adapters.app import App

log = logging.getLogger("adapters.app")  # the operator's log lines keep their logger


def check_chat_settings(settings: Settings) -> None:
    """Refuse chat tokens that cannot start (checked by ``run`` before the store is opened).

    Raises:
        UserError: SLACK_BOT_TOKEN is set, but not what its mode needs beside it; or
            SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set without it (Slack was meant:
            the service must not quietly print to the console instead).
    """
    s = settings
    if not s.slack.bot_token:
        given = [
            name
            for name, value in (
                ("SLACK_APP_TOKEN", s.slack.app_token),
                ("SLACK_SIGNING_SECRET", s.slack.signing_secret),
            )
            if value
        ]
        if given:
            raise UserError(
                f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} set but "
                "SLACK_BOT_TOKEN is not: Slack needs the Bot User OAuth Token (xoxb-...) too; "
                f"set it, or unset {' and '.join(given)} to run without Slack."
            )
    if s.slack.bot_token and not s.slack.enabled:
        # said for the mode in force: a signing secret alone picks HTTP mode by itself (see
        # bot.settings), so "and STORYBOT_SLACK_MODE=http" sent people to set what it sets
        if s.slack.mode == "http":
            need = (
                "HTTP mode ([slack] mode or STORYBOT_SLACK_MODE = http) needs SLACK_SIGNING_SECRET"
            )
        else:
            need = (
                "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode, "
                "which it then picks by itself)"
            )
        raise UserError(f"SLACK_BOT_TOKEN is set but Slack cannot start: {need}.")


# discord.py's guild_ready_timeout, as DiscordAdapter's own default
DISCORD_READY_TIMEOUT_S = 2.0


def chat_adapters_from_settings(
    app: App, *, discord_ready_timeout_s: float = DISCORD_READY_TIMEOUT_S
) -> list[ChatAdapter]:
    """The Slack and Discord adapters whose tokens are set in the environment.

    ``discord_ready_timeout_s``: how long discord.py waits after the last server's data
    before it calls the gateway ready (it cannot tell the last one, so every start waits
    it); tests against a fake Discord give a small one.
    """
    out: list[ChatAdapter] = []
    s = app.settings
    check_chat_settings(s)
    if s.slack.enabled and s.slack.bot_token:
        from adapters.slack_chat import SlackAdapter

        out.append(
            SlackAdapter(
                bot_token=s.slack.bot_token,
                app_token=s.slack.app_token,
                signing_secret=s.slack.signing_secret,
                mode=s.slack.mode,
                api_base_url=s.slack.api_url,
                commands=app.commands,
                admin_policy=s.admin_commands,
                http_port=s.slack.http_port,
                http_path=s.slack.http_path,
            )
        )
    if s.discord.enabled and s.discord.token:
        from adapters.discord_chat import DiscordAdapter

        out.append(
            DiscordAdapter(
                token=s.discord.token,
                commands=app.commands,
                admin_policy=s.admin_commands,
                admin_servers=s.discord.admin_servers,
                api_url=s.discord.api_url,
                gateway_url=s.discord.gateway_url,
                ready_timeout_s=discord_ready_timeout_s,
            )
        )
    return out


Sleep = Callable[[float], Awaitable[None]]
START_RETRY_FIRST_S = 1.0
START_RETRY_MAX_S = 300.0
# What an adapter's start raises when the platform cannot be reached now (a refused or
# dropped connection, a timeout, a 5xx): worth waiting for. A rejected token is a
# ConfigError and stops the service instead. A rate limit (Slack's apps.connections.open
# allows about one call a minute, so a supervisor restarting the service soon meets one)
# is waited out for as long as the platform asks.
START_TRANSIENT = (TransientDeliveryError, RateLimited, ConnectionError, OSError, TimeoutError)


async def start_adapter(
    adapter: ChatAdapter,
    stop: asyncio.Event,
    *,
    sleep: Sleep = asyncio.sleep,
    first_delay_s: float = START_RETRY_FIRST_S,
    max_delay_s: float = START_RETRY_MAX_S,
) -> bool:
    """Start a chat adapter, retrying with back-off while its platform cannot be reached.

    A platform that is down when the service starts is usually back soon, and a service
    started by a supervisor should not crash-loop meanwhile: each failed attempt is one
    log line with the wait before the next (doubling up to ``max_delay_s``; a rate limit
    waits as long as the platform asked, up to ``max_delay_s``). A definite
    failure (``ConfigError``: Slack said ``invalid_auth``) is raised at once.

    Args:
        adapter: the adapter to start.
        stop: set when the service is asked to stop; ends the waiting.
        sleep: waits between attempts (tests pass one that does not wait).

    Returns:
        True once started; False if ``stop`` was set first.
    """
    delay = first_delay_s
    attempt = 1
    while not stop.is_set():
        try:
            await adapter.start()
        except START_TRANSIENT as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            wait = delay
            if isinstance(exc, RateLimited):
                # as long as the platform asks, but no longer than the longest back-off:
                # a Retry-After of days (or "inf" from a broken proxy) would leave the
                # service waiting silently after one line; another try costs one 429
                wait = min(max(delay, exc.retry_after_s), max(delay, max_delay_s))
            log.warning(
                "%s: cannot connect (attempt %d): %s; retrying in %s",
                adapter.platform,
                attempt,
                reason,
                duration(wait),
            )
        else:
            return True
        try:
            await adapter.stop()  # drop what the failed attempt opened
        except Exception:
            log.debug("stopping %s after a failed start", adapter.platform, exc_info=True)
        waiting = asyncio.ensure_future(sleep(wait))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, stopping):
            task.cancel()
        delay = min(delay * 2, max_delay_s)
        attempt += 1
    return False
