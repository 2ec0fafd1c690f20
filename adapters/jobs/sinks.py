"""Chat sinks for deliver workers: post and edit only, no command listener.

A worker delivers the outbox but does not answer ``/story``: that is the front end's job
(one ``storybot run``), because Slack's Socket Mode and Discord's gateway hand each event
to one connection. Delivering needs only the Web API / REST half of each platform.
"""

from __future__ import annotations

from datetime import datetime

from adapters.console import CONSOLE, ConsoleAdapter
from adapters.slack_chat.sink import SlackSink
from bot.ports import ChatSink, CommandHandler
from bot.settings import Settings


class SlackDeliverySink(SlackSink):
    """``SlackSink`` whose ``find_posted`` takes the outbox's datetime, as the worker passes it."""

    async def find_posted(  # type: ignore[override]
        self, target, idempotency_key: str, *, oldest: datetime | str | None = None, pages: int = 5
    ) -> str | None:
        if isinstance(oldest, datetime):
            oldest = f"{oldest.timestamp():.6f}"
        return await super().find_posted(target, idempotency_key, oldest=oldest, pages=pages)


def delivery_sinks(settings: Settings, commands: CommandHandler) -> dict[str, ChatSink]:
    """The sinks whose tokens are set: Slack needs only SLACK_BOT_TOKEN here.

    With no chat token at all, the console: a story added then is followed by the console
    (``storybot story add``), and as ``storybot run`` prints those alerts, a delivering
    worker prints them to its output; without it they would wait in the outbox forever.

    Args:
        settings: Tokens and API URLs.
        commands: Required by the Discord adapter's constructor; never called (no gateway).

    Returns:
        Sinks by platform name.
    """
    sinks: dict[str, ChatSink] = {}
    if settings.slack.bot_token:
        client = SlackSink.make_client(settings.slack.bot_token, settings.slack.api_url)
        sinks["slack"] = SlackDeliverySink(client)
    if settings.discord.token:
        from adapters.discord_chat import DiscordAdapter

        # Posting logs in over REST on first use; start() (the gateway) is never called.
        sinks["discord"] = DiscordAdapter(
            token=settings.discord.token,
            commands=commands,
            admin_policy=settings.admin_commands,
            admin_servers=settings.discord.admin_servers,
            api_url=settings.discord.api_url,
            gateway_url=settings.discord.gateway_url,
        )
    if not sinks:
        sinks[CONSOLE] = ConsoleAdapter()
    return sinks


async def close_sinks(sinks: dict[str, ChatSink]) -> None:
    """Close what the sinks opened (the Discord HTTP session)."""
    for sink in sinks.values():
        stop = getattr(sink, "stop", None)
        if stop is not None:
            await stop()
