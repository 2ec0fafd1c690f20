"""Post and edit storybot messages in Slack (the ``ChatSink`` half of the adapter).

Retries belong to the outbox worker: the Web API client given to the sink must have no
retry handlers (``SlackSink.make_client`` builds one), and every failure is mapped to a
``bot.errors`` delivery error. Each post carries the idempotency key in Slack message
metadata (event type ``storybot_alert``) so a recovery after a crash can find a message
that was posted but never recorded as delivered. In a public channel the bot was never
invited to (it posts there with ``chat:write.public``) the recovery first joins the channel
(``channels:join``) to read its history.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack_chat import render
from adapters.slack_chat.delivery_errors import error_code, map_error
from bot.errors import PermanentDeliveryError, PostUnverifiable
from bot.model import OutboundMessage, Target

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "storybot_alert"
PLATFORM = "slack"
FAILURES = (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError, OSError)


class SlackSink:
    """Sends neutral messages to Slack channels and DMs through the Web API.

    Args:
        client: An ``AsyncWebClient`` holding the bot token; it should have
            ``retry_handlers=[]`` so that the outbox worker alone decides on retries.
    """

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dm_channels: dict[str, str] = {}

    @staticmethod
    def make_client(token: str, base_url: str | None = None, timeout: int = 30) -> AsyncWebClient:
        """Build a Web API client without automatic retries (no 429 or connection retry).

        Args:
            token: The bot token (``xoxb-...``).
            base_url: The Web API base URL; None for Slack's own.
            timeout: Seconds allowed per call.
        """
        kwargs: dict[str, Any] = {"token": token, "timeout": timeout, "retry_handlers": []}
        if base_url:
            kwargs["base_url"] = base_url if base_url.endswith("/") else base_url + "/"
        return AsyncWebClient(**kwargs)

    async def post(self, target: Target, message: OutboundMessage, *, idempotency_key: str) -> str:
        """Post a message to a channel, or to a user's DMs when ``target.user_id`` is set.

        Args:
            target: Where to post.
            message: What to post; all text is escaped by ``render``.
            idempotency_key: The outbox key, stored in the message metadata.

        Returns:
            The message ``ts``, Slack's id for the message within its channel.

        Raises:
            RateLimited, TransientDeliveryError, PermanentDeliveryError.
        """
        channel = await self.channel_for(target)
        response = await _call(
            "chat.postMessage",
            self.client.chat_postMessage(
                channel=channel,
                text=render.fallback_text(message),
                blocks=render.message_blocks(message),
                metadata={
                    "event_type": METADATA_EVENT_TYPE,
                    "event_payload": {"key": idempotency_key},
                },
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        return str(response["ts"])

    async def edit(self, target: Target, message_id: str, message: OutboundMessage) -> None:
        """Replace a message posted earlier; post ``message.thread_note`` as a reply.

        The thread note is best effort and sent at most once: if it fails the edit still
        counts as delivered, so a retry never re-posts the note.

        Raises:
            RateLimited, TransientDeliveryError, PermanentDeliveryError (for the update).
        """
        channel = await self.channel_for(target)
        await _call(
            "chat.update",
            self.client.chat_update(
                channel=channel,
                ts=message_id,
                text=render.fallback_text(message),
                blocks=render.message_blocks(message),
            ),
        )
        if message.thread_note:
            try:
                await _call(
                    "chat.postMessage",
                    self.client.chat_postMessage(
                        channel=channel,
                        thread_ts=message_id,
                        text=render.thread_note_text(message.thread_note),
                        unfurl_links=False,
                        unfurl_media=False,
                    ),
                )
            except Exception as exc:  # noqa: BLE001 - the note is optional, the edit is done
                log.warning(
                    "slack: thread note on %s in %s not posted: %s", message_id, channel, exc
                )

    async def find_posted(
        self,
        target: Target,
        idempotency_key: str,
        *,
        oldest: datetime | str | None = None,
        pages: int = 5,
    ) -> str | None:
        """Find a message posted earlier under ``idempotency_key``; return its ``ts``.

        For recovery after a crash between posting and recording the delivery: the key
        sits in the message metadata. Reads channel history, so it needs the
        ``channels:history`` / ``groups:history`` / ``im:history`` scopes. In a public
        channel the bot is not a member of (history answers ``not_in_channel``; it may have
        posted there with ``chat:write.public``) it joins the channel (``channels:join``)
        and reads again.

        Args:
            target: Where the message would have been posted.
            idempotency_key: The outbox key given to ``post``.
            oldest: Only look at messages after this time: a datetime (the outbox row's
                ``post_started_at``) or a Slack ``ts`` string.
            pages: At most this many pages of 200 messages are read, newest first.

        Raises:
            PostUnverifiable: The history cannot be read (the app lacks the history
                scopes) or the channel cannot be joined (``missing_scope``, a private or
                archived channel...): whether the message was posted is unknown.
            RateLimited, TransientDeliveryError, PermanentDeliveryError.
        """
        if isinstance(oldest, datetime):
            oldest = f"{oldest.timestamp():.6f}"
        channel = await self.channel_for(target)
        cursor: str | None = None
        for page in range(pages):
            if page == 0:
                response = await self._first_history_page(channel, oldest)
            else:
                response = await _call(
                    "conversations.history", self._history(channel, oldest, cursor)
                )
            for posted in response.get("messages") or []:
                metadata = posted.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if (
                    metadata.get("event_type") == METADATA_EVENT_TYPE
                    and payload.get("key") == idempotency_key
                ):
                    return str(posted["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    def _history(
        self, channel: str, oldest: str | None, cursor: str | None
    ) -> Awaitable[AsyncSlackResponse]:
        return self.client.conversations_history(
            channel=channel, oldest=oldest, limit=200, cursor=cursor, include_all_metadata=True
        )

    async def _first_history_page(self, channel: str, oldest: str | None) -> AsyncSlackResponse:
        """Read the first page; on ``not_in_channel`` join the channel and read it again."""
        try:
            return await self._history(channel, oldest, None)
        except FAILURES as exc:
            code = error_code(exc) if isinstance(exc, SlackApiError) else ""
            if code == "missing_scope":
                # installed without the history scopes: it can never look, but may post
                raise PostUnverifiable(
                    f"slack: cannot read {channel} to look for an earlier post: "
                    "conversations.history: missing_scope (the channels:history and "
                    "groups:history scopes let it)"
                ) from exc
            if code != "not_in_channel":
                raise map_error("conversations.history", exc) from exc
        try:
            await self.client.conversations_join(channel=channel)
        except FAILURES as exc:
            error = map_error("conversations.join", exc)
            if not isinstance(error, PermanentDeliveryError):
                raise error from exc  # a 429 or a timeout: look again later
            raise PostUnverifiable(
                f"slack: cannot read {channel} to look for an earlier post: the bot is not "
                f"in the channel and may not join it ({error}); the channels:join scope "
                "lets it join a public channel"
            ) from exc
        log.info("slack: joined %s to look for a post interrupted earlier", channel)
        return await _call("conversations.history", self._history(channel, oldest, None))

    async def channel_for(self, target: Target) -> str:
        """The channel id to post to: the channel itself, or the user's DM channel."""
        if target.channel_id:
            return target.channel_id
        if not target.user_id:
            raise PermanentDeliveryError(f"slack: target {target.key} has no channel or user")
        cached = self._dm_channels.get(target.user_id)
        if cached:
            return cached
        response = await _call(
            "conversations.open", self.client.conversations_open(users=target.user_id)
        )
        channel = str(response["channel"]["id"])
        self._dm_channels[target.user_id] = channel
        return channel


async def _call(method: str, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await one Web API call, turning its failures into delivery errors."""
    try:
        return await call
    except FAILURES as exc:
        raise map_error(method, exc) from exc
