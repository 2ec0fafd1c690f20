"""The ``/story`` slash command: Slack payload in, neutral command out, reply back.

The listener acks at once (Slack wants an answer within 3 seconds), then asks Slack
who the user is only when admin rights matter (an admin command, see
``bot.commands.admin_command``: ``users.info`` may be rate limited, and a status or a
user's own subscription must not wait for it), runs the platform-neutral command
handler and sends the reply through ``response_url``: ephemeral for personal replies,
``in_channel`` when the reply may be shared.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_chat import render
from adapters.slack_chat.delivery_errors import map_error
from bot.commands import admin_command
from bot.errors import ConfigError, PermanentDeliveryError, RateLimited
from bot.model import CommandRequest, Reply
from bot.ports import CommandHandler

log = logging.getLogger(__name__)

ADMIN_POLICIES = ("admins", "everyone")
FAILURE_TEXT = "Sorry, that command failed on our side. The error has been logged."


class AdminCheck:
    """Decides whether a Slack user may run admin commands, caching answers briefly.

    Args:
        client: A Web API client with the ``users:read`` scope.
        policy: ``"admins"`` (workspace admins and owners) or ``"everyone"``.
        ttl_s: How long an answer is reused.
        monotonic: The clock for the cache (injected by tests).
        retry_within_s: A rate-limited ``users.info`` is retried once if Slack's
            Retry-After is at most this long (the user is waiting for the command).
        sleep: How the retry waits (injected by tests).
    """

    def __init__(
        self,
        client: AsyncWebClient,
        policy: str = "admins",
        ttl_s: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        retry_within_s: float = 10.0,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        if policy not in ADMIN_POLICIES:
            raise ConfigError(f"admin policy must be 'admins' or 'everyone', got {policy!r}")
        self.client = client
        self.policy = policy
        self.ttl_s = ttl_s
        self.retry_within_s = retry_within_s
        self._monotonic = monotonic
        self._sleep = sleep
        self._cache: dict[str, tuple[float, bool]] = {}

    async def is_admin(self, user_id: str) -> bool | None:
        """Whether ``user_id`` may run admin commands; None when Slack cannot say now.

        A rate limit (429) is waited out once when Slack's Retry-After fits in
        ``retry_within_s``; a rate limit that does not, or a Slack that is down or
        unreachable, gives None, which the core answers with "try again in a moment"
        for admin commands only: a real admin is never told they are not one because
        Slack was busy. What Slack refuses for good (``user_not_found``,
        ``missing_scope``) is a no, logged.
        """
        if self.policy == "everyone":
            return True
        now = self._monotonic()
        hit = self._cache.get(user_id)
        if hit and now - hit[0] < self.ttl_s:
            return hit[1]
        response = None
        for retry in (False, True):
            try:
                response = await self.client.users_info(user=user_id)
                break
            except Exception as exc:  # noqa: BLE001 - classified below, never crashes the command
                error = map_error("users.info", exc)
            if isinstance(error, PermanentDeliveryError):
                log.warning(
                    "slack: users.info for %s refused, treating as non-admin: %s", user_id, error
                )
                return False
            if (
                retry
                or not isinstance(error, RateLimited)
                or error.retry_after_s > self.retry_within_s
            ):
                log.warning(
                    "slack: users.info for %s failed, admin rights unknown: %s", user_id, error
                )
                return None
            await self._sleep(error.retry_after_s)
        assert response is not None
        user = response.get("user") or {}
        answer = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        self._cache[user_id] = (now, answer)
        return answer


def _unescape(text: str) -> str:
    """Slack's escaping of ``&``, ``<`` and ``>`` in command text undone ("AT&amp;T" is
    what the user typed as "AT&T"; a link's query string arrives with "&amp;")."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def command_request(payload: Mapping[str, Any], is_admin: bool | None = False) -> CommandRequest:
    """Translate a Slack slash-command payload into a neutral command request.

    ``is_admin`` matters only to admin commands (see ``bot.commands.admin_command``).
    """
    return CommandRequest(
        text=_unescape(str(payload.get("text") or "")).strip(),
        platform="slack",
        user_id=str(payload.get("user_id") or ""),
        channel_id=payload.get("channel_id") or None,
        user_name=payload.get("user_name") or None,
        is_admin=is_admin,
        direct_message=is_direct_message(payload),
    )


def is_direct_message(payload: Mapping[str, Any]) -> bool:
    """Whether a slash command was typed in a direct message (one-to-one or group).

    Slack names such a conversation ``directmessage`` (a one-to-one DM, id ``D...``) or
    ``mpdm-...`` (a group DM): storybot is not a member there, so it cannot post a
    story's alerts to it, and ``follow`` asks for a channel instead.
    """
    name = str(payload.get("channel_name") or "")
    return (
        name == "directmessage"
        or name.startswith("mpdm-")
        or str(payload.get("channel_id") or "").startswith("D")
    )


def reply_payload(reply: Reply) -> dict[str, Any]:
    """Translate a neutral reply into the arguments of bolt's ``respond()``."""
    return {
        "text": render.reply_text(reply),
        "blocks": render.reply_blocks(reply),
        "response_type": "ephemeral" if reply.ephemeral else "in_channel",
    }


def register_story_command(
    app: AsyncApp, commands: CommandHandler, admins: AdminCheck, name: str = "/story"
) -> None:
    """Register the slash command listener on a bolt app.

    Args:
        app: The bolt ``AsyncApp`` (Socket Mode or HTTP).
        commands: The platform-neutral command handler.
        admins: Decides ``CommandRequest.is_admin``, asked only for admin commands.
        name: The slash command as configured in the app manifest.
    """

    async def on_story(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            request = command_request(body)
            # in a DM the command that needs an admin is refused whoever asks (see
            # bot.commands), so the role is not looked up
            if admin_command(request.text) is not None and not request.direct_message:
                is_admin = await admins.is_admin(request.user_id)
                request = dataclasses.replace(request, is_admin=is_admin)
            reply = await commands.handle(request)
        except Exception:
            log.exception("slack: %s %r failed", name, body.get("text"))
            reply = Reply(FAILURE_TEXT, ephemeral=True, ok=False)
        try:
            result = await respond(**reply_payload(reply))
        except Exception:
            log.exception("slack: could not send the reply to %s", name)
            return
        if result.status_code != 200:
            log.warning("slack: reply to %s refused: %s %s", name, result.status_code, result.body)

    app.command(name)(on_story)
