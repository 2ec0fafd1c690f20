"""Post and edit storybot messages in Slack (the ``ChatSink`` half of the adapter).

Retries belong to the outbox worker: the Web API client given to the sink must have no
retry handlers (``SlackSink.make_client`` builds one), and every failure is mapped to a
``bot.errors`` delivery error. Each post carries the idempotency key in Slack message
metadata (event type ``storybot_alert``) so a recovery after a crash can find a message
that was posted but never recorded as delivered. In a public channel the bot was never
invited to (it posts there with ``chat:write.public``) the recovery first joins the channel
(``channels:join``) to read its history.

An edit's thread note (the facts a later report added) is a threaded reply of its own, so
the same care applies to it: the reply carries metadata (event type ``storybot_note``)
naming the digest of each fact it posts (``bot.thread_notes.fact_digest``), and before posting a
note the sink reads the thread (``conversations.replies``) and posts only the facts not
found there. It reads only the replies since a little before the alert's previous delivery
(``since``, from the outbox worker): a note this edit could repeat was posted after that,
and a busy thread's older replies are never read again on each edit. That keeps each fact to one reply when a note carried along into the next
edit was being delivered meanwhile (the pipeline cannot tell), and when an edit is
delivered again after a crash that came after its note was posted. Since a repeated note
is harmless now, a note that fails to post fails the edit, which the outbox worker
retries. Only when the thread cannot be read (no history scope, a channel it may not
join, more replies since then than the pages it reads) is the note posted unchecked and at
most once, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack_chat import render
from adapters.slack_chat.delivery_errors import error_code, map_error
from bot.errors import MessageFrozen, PermanentDeliveryError, PostUnverifiable
from bot.model import OutboundMessage, Target
from bot.thread_notes import fact_digest, note_facts

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "storybot_alert"
NOTE_EVENT_TYPE = "storybot_note"  # a thread note; its payload's "facts" lists fact digests
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
            RateLimited: ``chat.postMessage``'s 429 holds back this channel (or this
                user's DMs), ``conversations.open``'s every DM
                (``delivery_errors.rate_limit_scope``).
            TransientDeliveryError, PermanentDeliveryError.
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

    async def edit(
        self,
        target: Target,
        message_id: str,
        message: OutboundMessage,
        *,
        since: datetime | str | None = None,
    ) -> None:
        """Replace a message posted earlier; post ``message.thread_note`` as a reply.

        Each fact of the note is posted once per alert: the facts already in the thread
        (a note carried along into this edit, or this edit delivered again after a crash)
        are left out, and a note with none left posts nothing (see the module docstring).

        Args:
            target: Where the message is.
            message_id: Its ``ts``.
            message: The new content; its ``thread_note`` is posted in the thread.
            since: Only thread replies after this time are read for notes already posted
                (see ``bot.ports.ChatSink.edit``): a datetime or a Slack ``ts``; None
                reads the whole thread.

        Raises:
            MessageFrozen: The workspace no longer lets the alert be edited
                (``edit_window_closed``); raised after the note is posted in its thread.
            RateLimited: ``chat.update``'s, ``conversations.replies``' and
                ``conversations.join``'s 429 hold back every edit, the note's
                ``chat.postMessage``'s this channel (``delivery_errors.rate_limit_scope``).
            TransientDeliveryError, PermanentDeliveryError (for the update);
            RateLimited, TransientDeliveryError for the note, when the thread could be
            read: the worker delivers the edit again and the note is looked for again.
        """
        channel = await self.channel_for(target)
        frozen: MessageFrozen | None = None
        try:
            await _call(
                "chat.update",
                self.client.chat_update(
                    channel=channel,
                    ts=message_id,
                    text=render.fallback_text(message),
                    blocks=render.message_blocks(message),
                    # chat.update's default is "client" (chat.postMessage's is "none"), and
                    # leaving it out resets the message to that default
                    parse="none",
                ),
            )
        except MessageFrozen as exc:
            frozen = exc  # the alert stands as it is; its thread still takes the note
        facts = note_facts(message.thread_note)
        if facts:
            await self._post_note(channel, message_id, facts, since)
        if frozen is not None:
            raise frozen

    async def _post_note(
        self, channel: str, thread_ts: str, facts: list[str], since: datetime | str | None
    ) -> None:
        """Post the ``facts`` not yet in the thread under ``thread_ts`` as one reply."""
        try:
            posted = await self.posted_facts(channel, thread_ts, oldest=since)
        except (PostUnverifiable, PermanentDeliveryError) as exc:
            log.warning(
                "slack: cannot read the thread of %s in %s to look for its notes; posting "
                "the note unchecked (a fact posted before may be posted again): %s",
                thread_ts,
                channel,
                exc,
            )
            try:
                await self._send_note(channel, thread_ts, facts)
            except Exception as exc:  # noqa: BLE001 - unchecked, a retry could post it twice
                log.warning(
                    "slack: thread note on %s in %s not posted: %s", thread_ts, channel, exc
                )
            return
        fresh = [fact for fact in facts if fact_digest(fact) not in posted]
        if len(fresh) < len(facts):
            log.info(
                "slack: %d of the note's %d facts are already in the thread of %s in %s",
                len(facts) - len(fresh),
                len(facts),
                thread_ts,
                channel,
            )
        if not fresh:
            return
        try:
            await self._send_note(channel, thread_ts, fresh)
        except PermanentDeliveryError as exc:
            # refused for good (an archived channel...): the edit itself is done
            log.warning("slack: thread note on %s in %s not posted: %s", thread_ts, channel, exc)

    async def _send_note(self, channel: str, thread_ts: str, facts: list[str]) -> None:
        await _call(
            "chat.postMessage",
            self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=render.thread_note_text("\n".join(facts)),
                metadata={
                    "event_type": NOTE_EVENT_TYPE,
                    # a string: Slack's payload values are scalars or objects
                    "event_payload": {"facts": " ".join(fact_digest(f) for f in facts)},
                },
                unfurl_links=False,
                unfurl_media=False,
            ),
        )

    async def posted_facts(
        self,
        channel: str,
        thread_ts: str,
        *,
        oldest: datetime | str | None = None,
        pages: int = 5,
    ) -> set[str]:
        """The digests of the facts storybot's notes in a thread have posted.

        Reads the thread with ``conversations.replies`` (the history scopes), joining a
        public channel the bot is not in as :meth:`find_posted` does. Only the replies
        after ``oldest`` are read: a long-lived alert's thread can hold far more replies
        than a note needs to look at, and Slack lists a thread oldest first, so reading
        it from the start would reach the newest notes (the ones a repeated edit could
        duplicate) last, if at all.

        Args:
            channel: The channel id.
            thread_ts: The ``ts`` of the alert the notes reply to.
            oldest: Only replies after this time are read: a datetime or a Slack ``ts``;
                None reads the thread from its start.
            pages: At most this many pages of 200 messages are read, oldest first.

        Raises:
            PostUnverifiable: The thread cannot be read (no history scope, a channel the
                bot may not join), or has more replies since ``oldest`` than ``pages``
                pages hold: a note among the unread ones would go unseen.
            RateLimited, TransientDeliveryError, PermanentDeliveryError.
        """
        if isinstance(oldest, datetime):
            oldest = _ts(oldest)
        digests: set[str] = set()
        cursor: str | None = None
        for page in range(pages):
            read = self._replies(channel, thread_ts, oldest, cursor)
            if page == 0:
                response = await self._read_joining(
                    channel, read, "conversations.replies", "to look for its thread notes"
                )
            else:
                response = await _call("conversations.replies", read())
            for reply in response.get("messages") or []:
                metadata = reply.get("metadata") or {}
                if metadata.get("event_type") == NOTE_EVENT_TYPE:
                    payload = metadata.get("event_payload") or {}
                    digests.update(str(payload.get("facts") or "").split())
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return digests
        # logged by the caller, which posts the note unchecked
        raise PostUnverifiable(
            f"slack: the thread of {thread_ts} in {channel} has more than {pages} pages of "
            f"replies since {oldest or 'its start'}; its notes were not all read"
        )

    def _replies(
        self, channel: str, thread_ts: str, oldest: str | None, cursor: str | None
    ) -> Callable[[], Awaitable[AsyncSlackResponse]]:
        return lambda: self.client.conversations_replies(
            channel=channel,
            ts=thread_ts,
            oldest=oldest,
            limit=200,
            cursor=cursor,
            include_all_metadata=True,
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
            RateLimited: ``conversations.history``'s 429 holds back every look-up,
                ``conversations.join``'s every edit and look-up
                (``delivery_errors.rate_limit_scope``).
            TransientDeliveryError, PermanentDeliveryError.
        """
        if isinstance(oldest, datetime):
            oldest = _ts(oldest)
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
        return await self._read_joining(
            channel,
            lambda: self._history(channel, oldest, None),
            "conversations.history",
            "to look for an earlier post",
        )

    async def _read_joining(
        self,
        channel: str,
        read: Callable[[], Awaitable[AsyncSlackResponse]],
        method: str,
        why: str,
    ) -> AsyncSlackResponse:
        """Call ``read``; on ``not_in_channel`` join the channel and call it again.

        Raises:
            PostUnverifiable: The app lacks the history scope, or may not join.
            RateLimited, TransientDeliveryError, PermanentDeliveryError.
        """
        try:
            return await read()
        except FAILURES as exc:
            code = error_code(exc) if isinstance(exc, SlackApiError) else ""
            if code == "missing_scope":
                # installed without the history scopes: it can never look, but may post
                raise PostUnverifiable(
                    f"slack: cannot read {channel} {why}: {method}: missing_scope (the "
                    "channels:history and groups:history scopes let it)"
                ) from exc
            if code != "not_in_channel":
                raise map_error(method, exc) from exc
        try:
            await self.client.conversations_join(channel=channel)
        except FAILURES as exc:
            error = map_error("conversations.join", exc)
            if not isinstance(error, PermanentDeliveryError):
                raise error from exc  # a 429 or a timeout: look again later
            raise PostUnverifiable(
                f"slack: cannot read {channel} {why}: the bot is not in the channel and "
                f"may not join it ({error}); the channels:join scope lets it join a public "
                "channel"
            ) from exc
        log.info("slack: joined %s %s", channel, why)
        return await _call(method, read())

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


def _ts(when: datetime) -> str:
    """A time as a Slack ``ts`` (Unix seconds with microseconds), for ``oldest``."""
    return f"{when.timestamp():.6f}"


async def _call(method: str, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await one Web API call, turning its failures into delivery errors."""
    try:
        return await call
    except FAILURES as exc:
        raise map_error(method, exc) from exc
