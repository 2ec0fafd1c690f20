"""Map slack_sdk failures onto the delivery errors the outbox worker understands.

The worker owns retries, so the mapping decides only *what kind* of failure it was:
``RateLimited`` (wait as long as Slack asked), ``TransientDeliveryError`` (back off and
retry) or ``PermanentDeliveryError`` (give up and mark the row dead).

What a 429 holds back (``RateLimited.scope``, see :func:`rate_limit_scope`) follows
Slack's rate-limit documentation, since the answer itself names no limit:

* Most methods are tiered, and a tier's limit is the method's in the workspace: after
  a 429, "Calls to other methods on behalf of this workspace are not restricted"
  (https://api.slack.com/apis/rate-limits, "Responding to rate limiting conditions").
  Such a 429 holds back, in every channel, the deliveries that call the method (the
  outbox worker knows which kind of delivery a row is before it sends it: an edit, a
  look-up of an interrupted post, or a post), and the others go on:

  - ``chat.update`` (Tier 3, https://api.slack.com/methods/chat.update) is called only
    to edit an alert: its 429 holds back the edits (``RateLimitScope.EDITS``, which
    holds back the look-ups too: a look-up edits the post it finds). New alerts, DMs
    and digests are still posted.
  - ``conversations.replies`` (Tier 3) is read only by an edit, for the facts its thread
    note already posted (``SlackSink.posted_facts``): its 429 holds back the edits too
    (those without a note as well: the worker pauses edits as a whole, and a pause of
    Retry-After's length costs them little).
  - ``conversations.join`` (Tier 3) is called only to read a public channel the bot is
    not in (it posts there with ``chat:write.public``, without joining): by a look-up
    (``SlackSink.find_posted``) or by an edit's thread read. Its 429 holds back the
    edits, which holds back the look-ups.
  - ``conversations.history`` (Tier 3) is read only by a look-up: its 429 holds back the
    look-ups (``RateLimitScope.LOOKUPS``), edits and posts go on.
  - ``conversations.open`` (Tier 3) is called only to open a DM, so its 429 holds back
    the DMs, as Discord's limit on opening DMs does.

  Any other method's 429 holds back all of Slack: the cautious reading.
* ``chat.postMessage`` is in the special tier: "It will generally allow an app to post
  1 message per second to a specific channel. There are limits governing your app's
  relationship with the entire workspace above that, limiting posting to several
  hundred messages per minute"
  (https://docs.slack.dev/reference/methods/chat.postMessage, "Rate limiting"). Its 429
  holds back that channel (a DM: that user's DMs), and says ``may_be_wider``: Slack
  does not say which limit answered, so a second channel's 429 in the same round is
  taken for the workspace's and pauses all of Slack (``bot.delivery``). Only an HTTP
  429: an ``ok: false`` ``rate_limited`` ("Application has posted too many messages")
  speaks of the app, and holds back all of Slack.
* ``message_limit_exceeded`` ("Members on this team are sending too many messages") is
  the workspace's, whatever the status it comes with (see :data:`WORKSPACE_LIMIT_CODES`):
  it holds back all of Slack too.
"""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import (
    DeliveryError,
    MessageFrozen,
    MessageGone,
    PermanentDeliveryError,
    RateLimited,
    RateLimitScope,
    TokenRefused,
    TransientDeliveryError,
)

DEFAULT_RETRY_AFTER_S = 30.0

# Slack error codes (HTTP 200, ok=false) that say "try again later" (the method pages of
# api.slack.com, e.g. chat.update: "Internal update failure", "The channel is in the
# process of migrating ... at this time", "The workspace is undergoing an enterprise
# migration and will not be available until migration is complete").
TRANSIENT_CODES = frozenset(
    {
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
        "org_login_required",
        "ekm_access_denied",
        "update_failed",
        "external_channel_migrating",
    }
)

# A limit on what the whole workspace sends, not a refusal of this message: Slack's
# "High-volume message limit" of its free plan ("you may be prevented from sending too many
# messages or files in a short period of time",
# https://slack.com/help/articles/115002422943, "Usage limits for free workspaces"). Slack
# documents no length for it, and answers it with ``ok: false`` (HTTP 200) or with a 429
# without ``Retry-After`` (as reported in https://github.com/slack-go/slack/pull/1383 and
# https://github.com/grafana-cold-storage/oncall/issues/5204). So the message waits as for
# a rate limit (``RateLimited``: never counted towards giving it up), for ``Retry-After``
# or else the default time (the pause costs Slack one request, not one per message), and
# every channel waits with it ("Members on this team": each would be refused alike).
WORKSPACE_LIMIT_CODES = frozenset({"message_limit_exceeded"})
WORKSPACE_LIMIT_HINT = (
    "the workspace sent too many messages in a short time (the limit of Slack's free "
    "plan): messages wait until Slack takes them again"
)

# The bot token itself was refused (revoked, rotated, the app uninstalled). Nothing is wrong
# with the message or the channel, so the message waits (backing off, like a 5xx) for the
# operator to put a good token in place, instead of every queued alert being given up at
# once, as Discord's 401 is handled too.
TOKEN_CODES = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        # an org-wide app (Enterprise Grid) not granted this workspace, or no longer:
        # every message is refused alike until an org admin grants it
        "team_access_not_granted",
    }
)
TOKEN_HINT = "Slack refused SLACK_BOT_TOKEN: install the app again or set a new token"

# The methods every message is sent with: a token without the scope they need
# (``chat:write``) has every message refused alike, as a refused token has, and is fixed
# the same way (by the operator, reinstalling the app with the scope), so it pauses
# delivery instead of giving every alert up. Not conversations.open: only direct
# messages need ``im:write``, and a pause would hold every channel's alerts back behind
# them; nor conversations.join (channels:join), which only recovery uses and without
# which it posts again (see ``sink.SlackSink.find_posted``).
SCOPE_PAUSES = frozenset({"chat.postMessage", "chat.update"})


ARCHIVED_HINT = (
    "the channel is archived: unarchive it (then /story unfollow there stops its alerts), "
    "or follow the story in another channel and have the operator run `storybot follows "
    "remove slack:CHANNEL_ID`"
)

# What the people in a channel can do about a refusal. Kept in the error, so
# ``/story status`` there and ``storybot outbox`` say it with the reason.
PERMANENT_HINTS = {
    "not_in_channel": "invite storybot to the channel: /invite @storybot",
    # No one can type /story in a deleted channel, nor in an archived one (read-only until
    # it is unarchived): as Discord's hint for a deleted channel (Unknown Channel), say
    # what can be done from elsewhere, the operator's `storybot follows remove` among it
    "channel_not_found": (
        "a private channel must invite storybot first (/invite @storybot); "
        "otherwise the channel was deleted: follow the story in another channel; its "
        "alerts stop when the operator runs `storybot follows remove slack:CHANNEL_ID`"
    ),
    "is_archived": ARCHIVED_HINT,
    # chat.update's word for it: "a frozen, archived or deleted channel"
    "is_inactive": ARCHIVED_HINT,
    "restricted_action": "a workspace or channel setting keeps apps from posting here: ask a workspace admin",
    # chat.postMessage's words for them: "Cannot post any message into a read-only
    # channel", "Cannot post top-level messages into a thread-only channel"
    # (https://docs.slack.dev/reference/methods/chat.postMessage, Errors)
    "restricted_action_read_only_channel": (
        "only some members may post in this channel: let storybot post (the channel's "
        "posting permissions) or follow the story in another channel"
    ),
    "restricted_action_thread_only_channel": (
        "the channel takes only replies in threads, and an alert is a new message: "
        "follow the story in another channel"
    ),
}


# What an HTTP 429 answered to each method holds back (see the module docstring): the
# deliveries that call it. A method not listed holds back all of Slack.
METHOD_SCOPES = {
    "chat.postMessage": RateLimitScope.TARGET,  # may be the workspace's: ``may_be_wider``
    "conversations.open": RateLimitScope.DIRECT_MESSAGES,
    "chat.update": RateLimitScope.EDITS,
    "conversations.replies": RateLimitScope.EDITS,
    "conversations.join": RateLimitScope.EDITS,
    "conversations.history": RateLimitScope.LOOKUPS,
}


def _retry_after(headers: object) -> float:
    """The seconds a 429's ``Retry-After`` asks for; 30 s without one that can be read.

    Returned as read: ``RateLimited`` keeps it within 0 and an hour and takes "nan" (a
    broken proxy) for the hour. Clamped here first, with ``max(0.0, nan)``, a NaN became
    0 s, and the message was tried again at every delivery tick.
    """
    value = None
    if headers is not None and hasattr(headers, "get"):
        value = headers.get("Retry-After") or headers.get("retry-after")  # type: ignore[union-attr]
    try:
        return float(value) if value is not None else DEFAULT_RETRY_AFTER_S
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S


def rate_limit_scope(method: str, status: int) -> RateLimitScope:
    """What a rate limit answered to ``method`` holds back (see the module docstring).

    Args:
        method: The Web API method that was answered, e.g. ``"chat.postMessage"``.
        status: The HTTP status of the answer (429, or 200 with a ``ratelimited`` code).
    """
    if status != 429:
        return RateLimitScope.PLATFORM  # ``rate_limited``: the app's, whatever the method
    return METHOD_SCOPES.get(method, RateLimitScope.PLATFORM)


def error_code(error: SlackApiError) -> str:
    """The ``error`` field of a failed Web API response, or ``""``."""
    data = getattr(error.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "")
    return ""


def needed_scope(error: SlackApiError) -> str:
    """The scope a ``missing_scope`` error names in its ``needed`` field, or ``""``."""
    data = getattr(error.response, "data", None)
    needed = str(data.get("needed") or "").strip() if isinstance(data, dict) else ""
    return needed[:100]


def scope_hint(error: SlackApiError) -> str:
    """What the operator does about a ``missing_scope``: add the scope, reinstall."""
    needed = needed_scope(error)
    which = f"the {needed} scope" if needed else "a scope it needs"
    return (
        f"SLACK_BOT_TOKEN lacks {which}: add it to the app's bot token scopes "
        "(config/slack-manifest.yaml lists them) and reinstall the app to the workspace"
    )


def map_error(method: str, error: BaseException) -> DeliveryError:
    """Translate a failure of one Web API call into a delivery error.

    Args:
        method: The Web API method that failed, e.g. ``"chat.postMessage"``.
        error: What slack_sdk or aiohttp raised.

    Returns:
        ``RateLimited`` for HTTP 429 or ``ratelimited``, holding back what
        :func:`rate_limit_scope` says, and for the workspace's limit on messages
        (:data:`WORKSPACE_LIMIT_CODES`), holding back all of Slack;
        ``TransientDeliveryError`` for 5xx, timeouts, dropped connections and Slack's own transient codes;
        ``TokenRefused`` for a refused bot token (``invalid_auth``, ``token_revoked``...:
        fixed by the operator, not by giving the message up), and for a token without
        the scope every message needs (``missing_scope`` from ``chat.postMessage`` or
        ``chat.update``: fixed by reinstalling the app with it); ``PermanentDeliveryError``
        for everything else Slack refused (``channel_not_found``, ``not_in_channel``,
        ``is_archived``, ``missing_scope`` of another method...).
    """
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 0) or 0
        code = error_code(error)
        what = f"{method}: {code or f'HTTP {status}'}"
        if code in WORKSPACE_LIMIT_CODES:
            headers = getattr(error.response, "headers", None)
            return RateLimited(_retry_after(headers), f"{what} ({WORKSPACE_LIMIT_HINT})")
        if status == 429 or code in ("ratelimited", "rate_limited"):
            headers = getattr(error.response, "headers", None)
            scope = rate_limit_scope(method, status)
            return RateLimited(
                _retry_after(headers),
                what,
                scope=scope,
                may_be_wider=scope is RateLimitScope.TARGET,
            )
        if status >= 500 or code in TRANSIENT_CODES:
            return TransientDeliveryError(what)
        if code in TOKEN_CODES:
            return TokenRefused(f"{what} ({TOKEN_HINT})")
        if code == "missing_scope":
            fix = scope_hint(error)
            if method in SCOPE_PAUSES:
                return TokenRefused(f"{what} ({fix})")
            return PermanentDeliveryError(f"{what} ({fix})")
        if method == "chat.update":
            if code in ("message_not_found", "cant_update_message"):
                # deleted, or posted under another app's token: the worker posts it anew
                return MessageGone(what)
            if code == "edit_window_closed":
                # the workspace limits how long messages may be edited: left as it stands
                return MessageFrozen(f"{what} (the workspace's time limit for edits)")
        hint = PERMANENT_HINTS.get(code)
        return PermanentDeliveryError(f"{what} ({hint})" if hint else what)
    if isinstance(error, (asyncio.TimeoutError, aiohttp.ClientError, ConnectionError)):
        return TransientDeliveryError(f"{method}: {type(error).__name__}: {error}")
    if isinstance(error, SlackClientError):
        return TransientDeliveryError(f"{method}: {type(error).__name__}: {error}")
    return TransientDeliveryError(f"{method}: unexpected {type(error).__name__}: {error}")
