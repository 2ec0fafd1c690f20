"""The ``/story`` slash command: Slack payload in, neutral command out, reply back.

The listener acks at once (Slack wants an answer within 3 seconds), then asks Slack
who the user is only when admin rights matter (an admin command, see
``bot.commands.admin_command``: ``users.info`` may be rate limited, and a status or a
user's own subscription must not wait for it), runs the platform-neutral command
handler and sends the reply through ``response_url``: ephemeral for personal replies,
``in_channel`` when the reply may be shared. A reply too long for one message continues
in more, up to the five Slack takes through one ``response_url``.

When Slack will not say who is an admin because the bot token lacks ``users:read``
(``missing_scope``), an admin command is refused with that reason and what a workspace
admin must do, not with "only admins may", which may be untrue.

An admin's ``follow`` first asks Slack whether storybot can post in the channel
(:func:`cannot_post_in`): in a private channel it was not invited to it cannot, and
Slack would refuse every alert (``channel_not_found``), so the follow is refused saying
to invite it. The slash-command payload cannot tell: it names a private channel
``privategroup`` in some payloads and by its name in others, member or not.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_chat import render
from adapters.slack_chat.delivery_errors import error_code, map_error, needed_scope
from bot.commands import admin_command
from bot.errors import ConfigError, PermanentDeliveryError, RateLimited
from bot.model import CommandRequest, Reply
from bot.ports import CommandHandler

log = logging.getLogger(__name__)

ADMIN_POLICIES = ("admins", "everyone")
USERS_READ = "users:read"  # the scope users.info needs
FAILURE_TEXT = "Sorry, that command failed on our side. The error has been logged."


class MissingScope(Exception):
    """Slack refused ``users.info`` because the bot token lacks a scope (``users:read``).

    Then nobody's role can be read, whoever asks, until a workspace admin adds the scope
    and reinstalls the app: the person is told so (:func:`missing_scope_text`) rather
    than that they are not an admin, which may be untrue.

    Args:
        scope: The scope Slack named in the error's ``needed`` field.
    """

    def __init__(self, scope: str) -> None:
        super().__init__(f"users.info: missing_scope (the bot token lacks {scope})")
        self.scope = scope


def missing_scope_text(scope: str, command: str) -> str:
    """The refusal of an admin command when Slack will not say who is an admin.

    Args:
        scope: The scope the bot token lacks (``users:read``).
        command: The admin command refused, as refusals name it (``follow``).
    """
    return (
        f"storybot can't run `{command}` for you: only workspace admins may, and it can't "
        f"check whether you are one. Its Slack token lacks the `{scope}` scope, which Slack "
        f"asks for before it says who is an admin. A workspace admin must add the `{scope}` "
        "bot token scope to the storybot app (https://api.slack.com/apps, OAuth & "
        "Permissions; config/slack-manifest.yaml lists it) and reinstall the app to the "
        "workspace."
    )


class AdminCheck:
    """Decides whether a Slack user may run admin commands, caching answers briefly.

    An admin or owner of storybot's own workspace (or of its Enterprise Grid org) who is
    an active full member: see :func:`counts_as_admin`.

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
        self._home: tuple[str, str | None] | None = None  # see know_workspace

    async def is_admin(self, user_id: str) -> bool | None:
        """Whether ``user_id`` may run admin commands; None when Slack cannot say now.

        A rate limit (429) is waited out once when Slack's Retry-After fits in
        ``retry_within_s``; a rate limit that does not, or a Slack that is down or
        unreachable, gives None, which the core answers with "try again in a moment"
        for admin commands only: a real admin is never told they are not one because
        Slack was busy. What Slack refuses about the user (``user_not_found``) is a no,
        logged.

        Raises:
            MissingScope: Slack refused ``users.info`` with ``missing_scope``: the bot
                token lacks ``users:read``, so nobody's role can be read until the app
                is reinstalled with it. Not a no: the person may well be an admin.
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
            except SlackApiError as exc:
                if error_code(exc) == "missing_scope":
                    missing = MissingScope(needed_scope(exc) or USERS_READ)
                    log.warning("slack: users.info for %s refused: %s", user_id, missing)
                    raise missing from exc
                error = map_error("users.info", exc)
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
        home = await self._workspace()
        if home is None:
            return None
        answer = counts_as_admin(response.get("user") or {}, *home)
        self._cache[user_id] = (now, answer)
        return answer

    def know_workspace(self, auth: Any) -> None:
        """Remember storybot's own workspace from an ``auth.test`` answer (its ``get``)."""
        team = str(auth.get("team_id") or "")
        if team:
            self._home = (team, str(auth.get("enterprise_id") or "") or None)

    async def _workspace(self) -> tuple[str, str | None] | None:
        """storybot's workspace and Enterprise Grid org (``auth.test``), None if unknown now."""
        if self._home is None:
            try:
                self.know_workspace(await self.client.auth_test())
            except Exception as exc:  # noqa: BLE001 - unknown is "try again", never a yes
                log.warning("slack: auth.test failed, admin rights unknown: %s", exc)
        return self._home


def counts_as_admin(user: Mapping[str, Any], team_id: str, enterprise_id: str | None) -> bool:
    """Whether a ``users.info`` user may run admin commands in storybot's workspace.

    ``users.info`` answers for anyone the bot can see: people of another organization in
    a Slack Connect channel (their ``team_id``, their own workspace's ``is_admin``, or
    ``is_stranger``), deactivated accounts, guests and bot users. Only an active full
    member of ``team_id`` who is an admin or owner there counts, or an admin or owner of
    the Enterprise Grid org storybot is installed in (``enterprise_id``).

    Args:
        user: The ``user`` object of ``users.info``.
        team_id: storybot's workspace (``auth.test``).
        enterprise_id: storybot's Enterprise Grid org, None outside one.
    """
    if any(user.get(flag) for flag in _NOT_A_MEMBER):
        return False
    if user.get("team_id") == team_id and any(user.get(role) for role in _ADMIN_ROLES):
        return True
    org = user.get("enterprise_user") or {}
    return bool(
        enterprise_id
        and isinstance(org, Mapping)
        and org.get("enterprise_id") == enterprise_id
        and any(org.get(role) for role in _ADMIN_ROLES)
    )


_ADMIN_ROLES = ("is_admin", "is_owner", "is_primary_owner")
# deactivated, a bot user, a guest (multi- or single-channel), someone of another org
_NOT_A_MEMBER = (
    "deleted",
    "is_bot",
    "is_app_user",
    "is_restricted",
    "is_ultra_restricted",
    "is_stranger",
)


NOT_INVITED = (
    "storybot is not a member of this private channel, so Slack will not let it post "
    "here: invite @storybot to this channel first (/invite @storybot), then follow again."
)


async def cannot_post_in(client: AsyncWebClient, channel_id: str) -> str | None:
    """Why storybot cannot post in ``channel_id`` (:data:`NOT_INVITED`), or None.

    One ``conversations.history`` of one message, with the history scopes the app
    already has for recovery (``conversations.info`` would need ``channels:read`` and
    ``groups:read`` besides, and answers the same): Slack hides a private channel from
    an app that is not in it (``channel_not_found``); a public channel it is not in
    answers ``not_in_channel``, and it posts there all the same (``chat:write.public``).
    Anything else (no history scope, a rate limit, Slack down) cannot tell, and the
    follow goes ahead as it did before the check.
    """
    try:
        await client.conversations_history(channel=channel_id, limit=1)
    except SlackApiError as exc:
        code = error_code(exc)
        if code == "channel_not_found":
            return NOT_INVITED
        if code != "not_in_channel":
            log.info("slack: cannot tell whether storybot may post in %s: %s", channel_id, code)
    except Exception as exc:  # noqa: BLE001 - the check is a courtesy; the follow goes on
        log.info("slack: cannot tell whether storybot may post in %s: %s", channel_id, exc)
    return None


# A channel, user or group mention as Slack sends it when the app's slash command has
# "Escape channels, users, and links" on: <#C024BE7LR|general>, <@U024BE7LH|bob>,
# <!subteam^SAZ94GDB8|@team>, <!here>. A label is what the user typed after the sigil.
_MENTION = re.compile(
    r"<([#@])[A-Z0-9]+\|([^<>|]+)>"  # a channel or a person, with its label
    r"|<!subteam\^[A-Z0-9]+\|@?([^<>|]+)>"  # a user group
    r"|<!(here|channel|everyone)(?:\|[^<>]*)?>"  # @here, @channel, @everyone
)


def _mention_text(match: re.Match[str]) -> str:
    sigil, label, group, special = match.groups()
    if sigil:
        return sigil + label
    return "@" + (group or special)


# The zero-width joiners storybot's own replies put around "*", "_", "~" and "`" (and
# before a line's leading ">") so that they do not format (``render.escape_mrkdwn``).
# They are invisible, so a name copied from a reply ("iran_deal" in "Known stories:
# iran_deal") carries them into the next command. Emoji sequences join emoji, never these.
_NEUTRALISED = re.compile(f"{render.ZWJ}*([*_~`>]){render.ZWJ}*")


def _unescape(text: str) -> str:
    """Command text as the user typed it, undoing what Slack and storybot changed on the way.

    Slack escapes ``&``, ``<`` and ``>`` ("AT&amp;T" is what the user typed as "AT&T"; a
    link's query string arrives with "&amp;"), and, with "Escape channels, users, and
    links" on, sends a word that names a channel or a person as a mention: ``#general``
    as ``<#C024BE7LR|general>``, ``@bob`` as ``<@U024BE7LH|bob>``. Those are turned back
    into the words typed (``/story subscribe #general`` is a hashtag, not a channel);
    a mention without its label (newer clients may send ``<#C024BE7LR|>``) stays as it
    came, and the command says it does not read it. Links stay ``<url|label>``: the
    commands that take a link read that form. Text copied from one of storybot's replies
    loses the invisible joiners the reply put around ``*_~`` (:data:`_NEUTRALISED`), so
    a story name copied from a list names that story.
    """
    text = _MENTION.sub(_mention_text, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _NEUTRALISED.sub(r"\1", text)


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


def reply_payloads(reply: Reply) -> list[dict[str, Any]]:
    """Translate a neutral reply into the arguments of bolt's ``respond()``, one per message.

    One message, unless the reply is too long for one (see :func:`render.reply_pages`):
    then the messages follow each other, with the same visibility.
    """
    pages = render.reply_pages(reply)
    response_type = "ephemeral" if reply.ephemeral else "in_channel"
    return [
        {
            # the notification text: the reply's start, then where a continuation stands
            "text": render.reply_text(reply) if n == 1 else f"(continued, {n} of {len(pages)})",
            "blocks": blocks,
            "response_type": response_type,
        }
        for n, blocks in enumerate(pages, start=1)
    ]


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

    async def answer(body: dict[str, Any]) -> Reply:
        request = command_request(body)
        admin = admin_command(request.text)
        # in a DM the command that needs an admin is refused whoever asks (see
        # bot.commands), so the role is not looked up
        if admin is not None and not request.direct_message:
            try:
                is_admin = await admins.is_admin(request.user_id)
            except MissingScope as missing:
                return Reply(missing_scope_text(missing.scope, admin), ephemeral=True, ok=False)
            request = dataclasses.replace(request, is_admin=is_admin)
            if admin == "follow" and is_admin and request.channel_id:
                # asked only where the follow would bind: an admin's, in a channel
                cannot_post = await cannot_post_in(admins.client, request.channel_id)
                request = dataclasses.replace(request, cannot_post=cannot_post)
        return await commands.handle(request)

    async def on_story(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            reply = await answer(body)
        except Exception:
            log.exception("slack: %s %r failed", name, body.get("text"))
            reply = Reply(FAILURE_TEXT, ephemeral=True, ok=False)
        payloads = reply_payloads(reply)
        for n, payload in enumerate(payloads, start=1):
            # in order, one at a time; once one is refused the rest would hide the gap
            try:
                result = await respond(**payload)
            except Exception:
                log.exception("slack: could not send the reply to %s", name)
                return
            if result.status_code != 200:
                log.warning(
                    "slack: reply to %s refused (message %d of %d): %s %s",
                    name,
                    n,
                    len(payloads),
                    result.status_code,
                    result.body,
                )
                return

    app.command(name)(on_story)
