"""Errors the core understands, raised by adapters and handled by the delivery worker."""

from __future__ import annotations

from enum import StrEnum

from bot.duration import duration


class DeliveryError(Exception):
    """A chat platform did not accept a message."""


# The longest wait a rate limit is taken at its word for. Slack asks for about a minute,
# Discord for seconds (its temporary IP restriction is reported to last about an hour);
# a Retry-After beyond, or not a number at all ("inf", "nan", from a broken proxy), would
# hold messages for ever, or overflow the date the delivery worker computes from it.
MAX_RETRY_AFTER_S = 3600.0


class RateLimitScope(StrEnum):
    """What a rate limit holds back: what the delivery worker pauses for its retry-after.

    A platform may limit one channel apart from the others (Discord's per-route buckets
    are per channel); a 429 that says so holds back only that channel's messages. It may
    also limit one kind of call apart from the others (Slack limits each method in the
    workspace: editing a message, reading a channel's history): a 429 on such a call
    holds back the deliveries that make it, in every channel, and the others go on. One
    that does not say (or says the whole bot: Discord's global limit) holds back the
    whole platform, as a cautious reading must.

    The delivery worker knows before it delivers a row which kind of delivery it is: an
    edit (the row has a posted message), a look-up (a first post an interrupted attempt
    may have made: the sink's ``find_posted`` looks for it, then edits what it finds or
    posts) or a post.
    """

    PLATFORM = "platform"  # every message to the platform
    TARGET = "target"  # the messages to this channel (or this user's direct messages)
    DIRECT_MESSAGES = "direct messages"  # every direct message (opening DMs is limited)
    # every edit of a posted message, and every look-up (which edits the post it finds);
    # first posts go on
    EDITS = "edits"
    # every look-up of a post an interrupted attempt may have made; posts and edits go on
    LOOKUPS = "look-ups"


class RateLimited(DeliveryError):
    """The platform said 429; try again after ``retry_after_s`` seconds.

    ``retry_after_s`` is kept within 0 and :data:`MAX_RETRY_AFTER_S` (NaN counts as the
    longest); the message keeps what the platform said. ``scope`` is what the limit
    holds back (:class:`RateLimitScope`): the whole platform unless the platform's
    answer showed it was narrower.

    ``may_be_wider``: the platform answers a wider limit with the same 429, so ``scope``
    is only the likeliest reading (Slack's ``chat.postMessage``: its limit in one
    channel, or the workspace's). The delivery worker then takes a second such 429 on
    another target within a round for the wider limit and pauses the whole platform.
    """

    def __init__(
        self,
        retry_after_s: float,
        message: str = "rate limited",
        *,
        scope: RateLimitScope = RateLimitScope.PLATFORM,
        may_be_wider: bool = False,
    ) -> None:
        super().__init__(f"{message} (retry after {duration(retry_after_s)})")
        if retry_after_s != retry_after_s:  # NaN
            retry_after_s = MAX_RETRY_AFTER_S
        self.retry_after_s = min(max(retry_after_s, 0.0), MAX_RETRY_AFTER_S)
        self.scope = scope
        self.may_be_wider = may_be_wider


class TransientDeliveryError(DeliveryError):
    """A 5xx, a timeout or a dropped connection: worth retrying with back-off."""


class TokenRefused(TransientDeliveryError):
    """The platform refused the bot's token (revoked, rotated, the app uninstalled).

    Nothing is wrong with the message or its channel, and every message to the platform
    would be refused alike until the operator puts a good token in place: the delivery
    worker pauses the platform and keeps its messages, without counting the attempt
    towards giving them up.
    """


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as is (unknown channel, missing permission)."""


class MessageGone(PermanentDeliveryError):
    """The message to edit no longer exists, or is no longer this bot's to edit.

    Raised by a sink's ``edit`` (Slack ``message_not_found``, Discord 10008 Unknown
    Message: someone deleted the alert; Slack ``cant_update_message``, Discord 50005: it
    was posted under another app's token, before the bot was replaced; Discord 30046: it
    is over an hour old and Discord takes no more edits of old messages for now). The delivery
    worker then posts the update as a new message rather than giving it up: an alert that
    cannot be edited must not silence the rest of its development.
    """


class MessageFrozen(PermanentDeliveryError):
    """The message to edit is there but can no longer be changed.

    Raised by a sink's ``edit`` when the platform refuses edits after a while (Slack
    ``edit_window_closed``: a workspace that limits how long messages may be edited).
    Nothing is wrong with the channel, so the delivery worker neither gives the row up
    (``/story status`` there would say storybot cannot post) nor posts the alert again
    (every later report would then repost it once the window closed): the alert stays as
    it is. A sink raises it only after posting what it can still post, the update's
    thread note.
    """


class PostUnverifiable(DeliveryError):
    """A recovery look-up cannot tell whether an earlier, interrupted attempt posted.

    Raised by a sink's ``find_posted`` when it cannot read where the message would be (a
    Slack channel the bot is not in and may not join: no ``channels:join`` scope, a private
    or archived channel). Not a refusal of the message: the delivery worker posts it again
    and logs a warning, since a possible duplicate is better than a lost alert. If the post
    itself is then refused, that refusal decides, as for any post.
    """


class ConfigError(Exception):
    """A configuration value is wrong; the message names the setting and what is allowed."""


class DatabaseUnavailable(ConfigError):
    """The database server cannot be reached now: down, still starting, not answering.

    Unlike the other reasons a database cannot be opened (a malformed URL, a wrong
    password, a database that does not exist), nothing in the configuration is wrong and
    waiting may fix it: the CLI exits with ``EX_TEMPFAIL`` (75) rather than 2, so that a
    supervisor retries it (the systemd units' ``RestartPreventExitStatus=2`` does not
    retry a configuration error). A ``ConfigError`` still, so code that handles a database
    that cannot be opened (``storybot health``'s finding) handles this one too.
    """


class UserError(Exception):
    """A command was used wrongly; the message is shown to the user as is."""


class TryAgainLater(UserError):
    """A long-running command stops for a reason that may pass: exit 75 (``EX_TEMPFAIL``).

    Like :class:`DatabaseUnavailable` at start, the systemd units restart it (they do not
    restart exit 2). Raised where the start-up checks are the right judge of what to do
    next: the poller lock lost to another process (``storage.poller_lock``) is taken
    again at the restart if that process is done, and refused then with exit 2 if not.
    """


class UsageError(UserError):
    """A command's words do not fit its usage (missing argument, unknown command name).

    Shown like any ``UserError``; kept apart so ``storybot ask`` can exit 2 (bad usage)
    rather than 1 (the command ran and reported a failure), as the README's exit codes say.
    """


class NotAnArticle(UserError):
    """A seed is a feed (RSS/Atom), not one article; ``source`` is the file or URL given.

    The message says what to do from the command line (``storybot feeds add``); the chat
    commands say it with their own commands, so they need to know which URL it was.
    """

    def __init__(self, source: str, message: str) -> None:
        super().__init__(message)
        self.source = source
