"""The outbox worker: delivers queued messages to chat platforms, exactly once each.

Each outbox row is versioned. The worker posts a row that has no platform message id yet
and records the id; when a later report bumps the row's version it edits that message.
A first post is preceded by ``mark_post_started``. If the process dies after the platform
accepted the post but before its id was recorded, the next attempt asks the sink to find
the message by its idempotency key (Slack: message metadata) and edits it instead of
posting again; Discord de-duplicates the re-post itself through its enforced nonce. If the
sink cannot look (``PostUnverifiable``: Slack will not let the bot read or join the
channel), the message is posted again with a logged warning: a possible duplicate is
better than a lost alert. Should that post be refused for good, the refusal decides.

Failures never lose a row:

* ``RateLimited`` (429): retried after the server's ``Retry-After``; what the limit holds
  back (``RateLimited.scope``) is paused for the rest of the round so we do not hammer
  it: the whole platform, unless the platform said the limit was narrower (one Discord
  channel's bucket, Slack's limit on posting in one channel: that channel's rows wait
  and the other channels' are still sent; Discord's limit on opening DMs, Slack's
  ``conversations.open``: every DM waits; Slack's limit on one method in the workspace:
  the deliveries that call it wait, in every channel, and the others are still sent).
  The worker knows before it sends a row which kind of delivery it is
  (``_delivery_kind``): an edit (the row has a posted message), a look-up (an
  interrupted first post, looked for before it is posted again) or a post. An edits
  pause (``RateLimitScope.EDITS``) holds back the edits and the look-ups (a look-up
  edits the post it finds); a look-ups pause (``LOOKUPS``) the look-ups only; first
  posts go on through both. A narrow 429 the platform also answers for a
  wider limit (``RateLimited.may_be_wider``: Slack's workspace-wide limit on posting)
  counts for one target only once a round: a second target's pauses the whole
  platform, so a wider limit costs two requests a round, not one per target with rows
  due. The rows a pause skips keep the rate
  limit as their error (what they wait for now; one whose earlier post may stand on
  Discord is tried again within the nonce window all the same) and their pending
  version, and are delivered once it is over. Never counts towards giving up.
* ``TokenRefused`` (the bot's token revoked or rotated): the platform is paused for
  ``TOKEN_RETRY_S`` (within half the nonce window on Discord, so a post whose answer
  was lost just before is still found by its nonce if the token is soon good again;
  from round to round: rows due in later batches wait with it),
  with every row due for it, the refusal kept as each row's error (it says
  which setting to fix); never counts towards giving up, so a token refused over a weekend
  loses no alert and the platform is asked once a pause, not once a row.
* ``TransientDeliveryError`` (5xx, timeouts, dropped connections): exponential back-off with
  jitter, up to ``max_backoff_s``; after ``max_attempts`` the row is marked dead.
* ``PermanentDeliveryError`` (unknown channel, no permission): marked dead at once, with the
  error kept for ``storybot outbox``.

An edit may be delivered more than once: a failure after the platform applied part of
it (Slack: the update went through, its thread note did not) or a crash before
``mark_delivered`` sends the same version again, and an edit queued while the previous
one was in flight repeats that one's thread note (the pipeline carries undelivered facts
along). Sinks make that harmless: Slack posts only the facts it does not find in the
alert's thread (``adapters.slack_chat.sink``); Discord redraws the alert; the console
prints an edit this process already showed as it is only once (after a restart it
cannot know, and prints it again; see ``adapters.console.ConsoleAdapter``).

A row whose platform has no adapter configured stays queued (it is delivered once that
platform is enabled).

When the operator configured a summarizer (``bot.summarizer``), an alert's extractive
summary is rewritten just before it is sent; the row keeps the extractive message, and
any failure of the summarizer sends that instead.

An update to an alert someone deleted (or that another app's token posted) is posted as a
new message (``forget_message``). An update the platform will no longer apply to a
standing alert (``MessageFrozen``: Slack's edit window closed) is recorded as delivered,
the alert left as it is: neither given up (the channel can still be posted in) nor
reposted.
Discord remembers a nonce for a few minutes from the message posted under it, and answers
it with Unknown Message while that message is deleted; so on such a platform the repost
goes under a key of its own, fixed by when the repost started (``post_started_at``, kept
until it is recorded): its retries find it under that key for as long as Discord
remembers it, as a first post's do (see ``_post_key``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Callable, Mapping, TypeVar

from bot.duration import duration
from bot.errors import (
    MessageFrozen,
    MessageGone,
    PermanentDeliveryError,
    PostUnverifiable,
    RateLimited,
    RateLimitScope,
    TokenRefused,
    TransientDeliveryError,
)
from bot.model import OutboxEntry, Target
from bot.ports import ChatSink, Clock, Store
from bot.summarizer import SummaryRewriter

log = logging.getLogger(__name__)
T = TypeVar("T")
# How far before a recorded time a look-up on the platform starts: clock skew between us
# and the platform, and the moments between a post there and its record here.
RECOVERY_MARGIN = timedelta(minutes=5)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class DeliveryReport:
    posted: int = 0
    edited: int = 0
    rate_limited: int = 0
    failed: int = 0
    dead: int = 0
    # paused: its platform, its channel, every DM or its kind of delivery (every edit,
    # every look-up); rows with no adapter for their platform are not read
    skipped: int = 0
    recovered: int = 0  # found already posted after a crash, not posted again
    withdrawn: int = 0  # taken back (unfollow, unsubscribe, story removed) since read
    unverified: int = 0  # could not look for an interrupted post: posted again, maybe twice
    frozen: int = 0  # an edit the platform no longer allows: the alert left as it stands
    errors: list[str] = field(default_factory=list)


class DeliveryWorker:
    """Delivers due outbox rows through the chat sinks."""

    # How long a platform that refused the bot's token is left alone before it is asked
    # again (one request), while its messages wait.
    TOKEN_RETRY_S = 300.0

    def __init__(
        self,
        store: Store,
        sinks: Mapping[str, ChatSink],
        clock: Clock,
        *,
        max_attempts: int = 20,
        max_backoff_s: float = 3600,
        rng: random.Random | None = None,
        rewriter: SummaryRewriter | None = None,
    ) -> None:
        self.store = store
        self.rewriter = rewriter
        self.sinks = dict(sinks)
        self.clock = clock
        self.max_attempts = max_attempts
        self.max_backoff_s = max_backoff_s
        self.rng = rng or random.Random()
        self._stopping = False
        # platforms that refused the bot's token, until when: kept from round to round,
        # since a round reads one batch (``limit``) and more rows may wait than that
        self._token_pauses: dict[str, _Pause] = {}

    async def _db(self, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run one store call in a thread.

        On SQLite a write waits for a poll cycle's commit (up to the busy timeout, 10 s);
        on the event loop that wait would hold up everything else on it: Slack's ack of a
        /story command within 3 seconds, Discord's answer to an interaction.
        """
        return await asyncio.to_thread(call, *args, **kwargs)

    def request_stop(self) -> None:
        """Finish the row being delivered, then take no more (the service is stopping)."""
        self._stopping = True

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure: 2^n capped, then 50-100 % of it."""
        ceiling = min(self.max_backoff_s, 2.0 ** min(attempts, 20))
        return max(1.0, self.rng.uniform(ceiling / 2, ceiling))

    async def deliver_due(self, limit: int = 100) -> DeliveryReport:
        """Deliver what is due now; returns what happened."""
        report = DeliveryReport()
        now = self.clock.now()
        # A refused token pauses its platform beyond the round: the rows of the next
        # batches wait with the first, and the platform is asked once a pause, not once
        # a batch (the scale-out worker reads 20 rows a tick).
        self._token_pauses = {p: v for p, v in self._token_pauses.items() if v.until > now}
        paused: dict[_PauseKey, _Pause] = {
            _pause_key(platform): pause for platform, pause in self._token_pauses.items()
        }
        # Only the platforms there is a sink for: rows for another (the console's after a
        # chat token was set, a platform whose token only another scale-out worker has)
        # are not this worker's to send, and read first they would fill every batch.
        due = await self._db(self.store.due_outbox, now, limit=limit, platforms=list(self.sinks))
        for entry in due:
            if self._stopping:
                break
            sink = self.sinks.get(entry.target.platform)
            pause = _pause_for(paused, entry.target, _delivery_kind(sink, entry))
            if sink is None or pause is not None:
                report.skipped += 1
                if pause is not None:
                    until = pause.until
                    # a post an earlier attempt may have made is only found again within
                    # the platform's nonce window: the pause must not put it off past that
                    cap = self._nonce_retry_cap(sink, entry, False) if sink else None
                    if cap is not None:
                        until = min(until, now + timedelta(seconds=cap))
                    await self._db(
                        self.store.mark_attempt_failed,
                        entry.id,
                        pause.reason or entry.last_error or "rate limited",
                        until,
                        count=False,
                    )
                continue
            await self._deliver_one(sink, entry, report, paused)
        return report

    async def _still_wanted(self, entry: OutboxEntry) -> bool:
        """Whether ``entry``, read with its batch, is still to be delivered now.

        A batch is read at once and delivered one message at a time, each a round trip to
        a platform: an unfollow, an unsubscribe or a story's removal committed meanwhile
        takes rows of the batch back (``Store.unbind``...), and their stale copies here
        must not be posted after the user was told "no longer follows".
        """
        current = await self._db(self.store.get_outbox, entry.key)
        if current is None or current.id != entry.id or current.dead:
            return False
        return current.delivered_version < current.version

    async def _deliver_one(
        self,
        sink: ChatSink,
        entry: OutboxEntry,
        report: DeliveryReport,
        paused: dict[_PauseKey, _Pause],
    ) -> None:
        now = self.clock.now()
        # Only a refusal of the post itself proves nothing was posted; a 429 on the
        # recovery look-up or on an edit must keep post_started_at (or a post that timed
        # out after the platform accepted it would be posted again); see _post_refused.
        posting = False
        message = entry.message
        if self.rewriter is not None:
            message = await self.rewriter.rewrite(message)  # never raises
        # after the rewrite, which waits for an LLM up to its timeout: as close to the
        # send as the store allows
        if not await self._still_wanted(entry):
            report.withdrawn += 1
            return
        try:
            recovered = await self._recover(sink, entry, report)
            if recovered is not None:
                # Posted by an attempt that died before recording it: bring it up to date.
                since = entry.post_started_at - RECOVERY_MARGIN if entry.post_started_at else None
                await sink.edit(entry.target, recovered, message, since=since)
                message_id = recovered
                report.recovered += 1
            elif entry.message_id is None:
                if not await self._db(self.store.mark_post_started, entry.id, now):
                    # taken back since the re-read above (the two are separate
                    # transactions): the copy read with the batch must not be posted
                    report.withdrawn += 1
                    log.info("%s not sent: taken back before it was posted", entry.key)
                    return
                posting = True
                key = self._post_key(sink, entry, entry.post_started_at or now)
                message_id = await sink.post(entry.target, message, idempotency_key=key)
                report.posted += 1
            else:
                try:
                    # a note this edit could repeat was posted after the previous delivery
                    since = entry.delivered_at - RECOVERY_MARGIN if entry.delivered_at else None
                    await sink.edit(entry.target, entry.message_id, message, since=since)
                    message_id = entry.message_id
                    report.edited += 1
                except MessageFrozen as exc:
                    # the alert stands but may no longer be changed (its thread note, if
                    # any, was posted): not a refusal of the channel, and a repost would
                    # come again for every later report once each new alert froze
                    log.info(
                        "%s: message %s can no longer be edited (%s); left as it is",
                        entry.key,
                        entry.message_id,
                        exc,
                    )
                    message_id = entry.message_id
                    report.frozen += 1
                except MessageGone as exc:
                    # someone deleted the alert (or it is another app's): the update is
                    # news all the same, posted as a first post (a crash in it is
                    # recovered like any other)
                    log.warning(
                        "%s: message %s cannot be edited (%s); posting the update as a new message",
                        entry.key,
                        entry.message_id,
                        exc,
                    )
                    await self._db(self.store.forget_message, entry.id, now)
                    posting = True
                    key = self._post_key(sink, entry, now)
                    message_id = await sink.post(entry.target, message, idempotency_key=key)
                    report.posted += 1
        except RateLimited as exc:
            wait = max(exc.retry_after_s, 0.0)
            cap = self._nonce_retry_cap(sink, entry, posting)
            if cap is not None:
                wait = min(wait, cap)
            until = now + timedelta(seconds=wait)
            held = _pause_key(entry.target.platform, entry.target, exc.scope)
            if exc.may_be_wider and _other_target_paused(paused, held):
                # a second target's 429 in one round, from a platform whose narrow limit
                # answers like its wider one: taken for the wider one, so that a
                # workspace-wide limit costs two requests a round, not one per channel
                held = _pause_key(entry.target.platform)
            # the rows the pause skips wait for this rate limit, whatever their last
            # attempt said: an old token refusal kept on them would have `storybot health`
            # report a refused token after a good one is back
            paused[held] = _Pause(until, str(exc))
            report.rate_limited += 1
            await self._db(
                self.store.mark_attempt_failed,
                entry.id,
                str(exc),
                until,
                post_refused=self._post_refused(sink, entry, posting),
                count=False,
            )
            log.info(
                "%s rate limited (%s); retrying %s after %s",
                entry.target.platform,
                held[1] if held[1] is not RateLimitScope.TARGET else entry.target.key,
                entry.key,
                duration(exc.retry_after_s),
            )
            return
        except PermanentDeliveryError as exc:
            report.dead += 1
            report.errors.append(f"{entry.key}: {exc}")
            await self._db(
                self.store.mark_attempt_failed,
                entry.id,
                f"permanent: {exc}",
                now,
                dead=True,
                post_refused=self._post_refused(sink, entry, posting),
            )
            log.error("giving up on %s: %s", entry.key, exc)
            return
        except TokenRefused as exc:
            wait = self._token_retry_s(sink)
            until = now + timedelta(seconds=wait)
            error = f"{type(exc).__name__}: {exc}"
            pause = _Pause(until, error)
            paused[_pause_key(entry.target.platform)] = pause
            self._token_pauses[entry.target.platform] = pause
            report.failed += 1
            report.errors.append(f"{entry.key}: {error}")
            await self._db(
                self.store.mark_attempt_failed,
                entry.id,
                error,
                until,
                post_refused=self._post_refused(sink, entry, posting),
                count=False,
            )
            log.error(
                "%s refused the bot's token; its messages wait, asked again in %s: %s",
                entry.target.platform,
                duration(wait),
                exc,
            )
            return
        except (TransientDeliveryError, OSError, TimeoutError) as exc:
            await self._retry_later(
                entry, exc, report, now, self._nonce_retry_cap(sink, entry, posting)
            )
            return
        except Exception as exc:  # an adapter bug must not stop the worker or lose the row
            log.exception("unexpected error delivering %s", entry.key)
            await self._retry_later(
                entry, exc, report, now, self._nonce_retry_cap(sink, entry, posting)
            )
            return
        await self._db(
            self.store.mark_delivered, entry.id, entry.version, message_id, self.clock.now()
        )

    async def _recover(
        self, sink: ChatSink, entry: OutboxEntry, report: DeliveryReport
    ) -> str | None:
        """The id of a message an earlier, interrupted attempt posted, if the sink can tell.

        None when nothing was posted, and also when the sink cannot tell
        (``PostUnverifiable``): the message is then posted again, with a warning.
        """
        find = getattr(sink, "find_posted", None)  # not in ChatSink: a sink's option
        started = entry.post_started_at
        if find is None or started is None or _delivery_kind(sink, entry) is not _Delivery.LOOKUP:
            # nothing to look for (``_delivery_kind`` says what is a look-up), or the
            # platform de-duplicates by key itself (Discord's nonce)
            return None
        try:
            return await find(entry.target, entry.key, oldest=started - RECOVERY_MARGIN)
        except PostUnverifiable as exc:
            report.unverified += 1
            log.warning(
                "posting %s again without knowing whether an interrupted attempt posted it "
                "(a duplicate is possible): %s",
                entry.key,
                exc,
            )
            return None

    @staticmethod
    def _post_key(sink: ChatSink, entry: OutboxEntry, started: datetime) -> str:
        """The idempotency key a post of ``entry`` that started at ``started`` goes under.

        The row's own key, except for a repost (the row was delivered before: its message
        was deleted) to a platform that de-duplicates by key only for a while
        (``dedup_window_s``: Discord's nonce). Such a platform remembers a key from the
        message first posted under it: a repost under the row's key gets Unknown Message
        while the deleted message is remembered and posts once it is forgotten, so a
        retry of a repost whose answer was lost, coming after that, would post it twice.
        The repost's own key (the row's and when the repost started, which
        ``post_started_at`` keeps until the post is recorded) is remembered from the
        repost, for its retries, as a first post's key is. Sinks that look a post up by
        key (``find_posted``) keep the row's key: they find it in the message.
        """
        if entry.delivered_version == 0 or not _dedups_by_key_for_a_while(sink):
            return entry.key
        return f"{entry.key}@{(started - _EPOCH) // timedelta(microseconds=1)}"

    @staticmethod
    def _post_refused(sink: ChatSink, entry: OutboxEntry, posting: bool) -> bool:
        """Whether a refusal of this attempt (a 429, a refused token, a permanent error)
        shows that the row has no message on the platform, so ``post_started_at`` goes.

        Only if the refused call was the post itself, and no earlier attempt may have
        posted unseen: on a platform that finds a post by its key only for a while
        (Discord's nonce), an interrupted earlier post (``post_started_at`` with no
        message id) may stand, and a retry within the window must go under the key it
        had (a repost's key comes from ``post_started_at``; see ``_post_key``). A sink
        that looks posts up (``find_posted``) has looked before this post.
        """
        if not posting:
            return False
        earlier = entry.post_started_at is not None and entry.message_id is None
        return not (earlier and _dedups_by_key_for_a_while(sink))

    def _token_retry_s(self, sink: ChatSink) -> float:
        """How long a platform that refused the bot's token is left alone.

        ``TOKEN_RETRY_S``, but within half the window of a platform that de-duplicates a
        repeated post key only for a while (Discord's nonce, ``dedup_window_s``): a post
        whose answer was lost just before the refusal may stand, and only a retry within
        the window finds it (Discord keeps no nonce on the message to look it up by
        later). Every row waits for the pause, so it is that short whichever row the
        refusal answered; Discord is then asked once a minute while it refuses the token.
        """
        window = getattr(sink, "dedup_window_s", None)
        if window and _dedups_by_key_for_a_while(sink):
            return min(self.TOKEN_RETRY_S, max(1.0, window / 2))
        return self.TOKEN_RETRY_S

    @staticmethod
    def _nonce_retry_cap(sink: ChatSink, entry: OutboxEntry, posting: bool) -> float | None:
        """The longest wait before retrying a post the platform may have accepted.

        A sink that cannot look a post up (no ``find_posted``) relies on the platform
        de-duplicating a repeated key, which Discord does only for a few minutes
        (``dedup_window_s``). A failed post may have been accepted, so its retry must come
        within that window, or the retry would post a second copy.
        """
        window = getattr(sink, "dedup_window_s", None)
        # posting: a first post, or a repost of a deleted alert (whose batch copy still
        # has the deleted message's id); otherwise an interrupted first post
        may_be_posted = posting or (entry.post_started_at is not None and entry.message_id is None)
        if window and may_be_posted and _dedups_by_key_for_a_while(sink):
            return max(1.0, window / 2)
        return None

    async def _retry_later(
        self,
        entry: OutboxEntry,
        exc: Exception,
        report: DeliveryReport,
        now: datetime,
        cap_s: float | None = None,
    ) -> None:
        attempts = entry.attempts + 1
        dead = attempts >= self.max_attempts
        delay = 0.0 if dead else self.backoff(attempts)  # a dead row keeps when it was given up
        if cap_s is not None:
            delay = min(delay, cap_s)
        error = f"{type(exc).__name__}: {exc}"
        await self._db(
            self.store.mark_attempt_failed,
            entry.id,
            error,
            now + timedelta(seconds=delay),
            dead=dead,
        )
        report.failed += 1
        report.errors.append(f"{entry.key}: {error}")
        if dead:
            report.dead += 1
            log.error("giving up on %s after %d attempts: %s", entry.key, attempts, error)


@dataclass(frozen=True)
class _Pause:
    """A platform, a channel, the DMs or one kind of delivery (every edit, every look-up)
    left alone for the rest of a round (a refused token: its platform until ``until``,
    round after round): until when, and why (the error kept on each row it skips, so the
    row says what it waits for now; None keeps each row's own)."""

    until: datetime
    reason: str | None = None


class _Delivery(Enum):
    """The kind of delivery a row is, known before it is sent: what a pause of one kind
    of call (``RateLimitScope.EDITS``, ``LOOKUPS``) holds back or lets through."""

    POST = "post"  # a first post (or a repost of an alert someone deleted)
    EDIT = "edit"  # the row has a posted message: it is edited
    LOOKUP = "look-up"  # an interrupted first post: looked for, then edited or posted


# The pauses of one kind of call that hold back each kind of delivery (besides its
# platform's, its target's and, for a DM, every DM's): a look-up edits the post it finds.
_HELD_BACK_BY: dict[_Delivery, tuple[RateLimitScope, ...]] = {
    _Delivery.POST: (),
    _Delivery.EDIT: (RateLimitScope.EDITS,),
    _Delivery.LOOKUP: (RateLimitScope.EDITS, RateLimitScope.LOOKUPS),
}


def _delivery_kind(sink: ChatSink | None, entry: OutboxEntry) -> _Delivery:
    """Which kind of delivery ``entry`` is (see ``_Delivery``).

    A look-up only with a sink that looks posts up (``find_posted``); on a platform
    that de-duplicates by key itself (Discord's nonce) an interrupted post is posted
    again.
    """
    if entry.message_id is not None:
        return _Delivery.EDIT
    if entry.post_started_at is not None and hasattr(sink, "find_posted"):
        return _Delivery.LOOKUP
    return _Delivery.POST


# What a pause holds back: (platform, RateLimitScope, the target's key for TARGET, else "")
_PauseKey = tuple[str, RateLimitScope, str]


def _pause_key(
    platform: str,
    target: Target | None = None,
    scope: RateLimitScope = RateLimitScope.PLATFORM,
) -> _PauseKey:
    """The key of a pause of ``scope`` that a refusal of a send to ``target`` calls for."""
    if scope is RateLimitScope.TARGET:
        if target is None:
            return (platform, RateLimitScope.PLATFORM, "")
        return (platform, RateLimitScope.TARGET, target.key)
    return (platform, scope, "")


def _other_target_paused(paused: Mapping[_PauseKey, _Pause], key: _PauseKey) -> bool:
    """Whether a target of ``key``'s platform other than ``key``'s own (a TARGET pause)
    was rate limited this round."""
    platform, scope, _ = key
    return scope is RateLimitScope.TARGET and any(
        k[0] == platform and k[1] is RateLimitScope.TARGET and k != key for k in paused
    )


def _pause_for(
    paused: Mapping[_PauseKey, _Pause], target: Target, kind: _Delivery
) -> _Pause | None:
    """The pause that holds back a delivery of ``kind`` to ``target`` now, if any: the
    longest of its platform's, the DMs' (a DM target: a user and no channel), its own
    and those of the calls a delivery of ``kind`` makes (``_HELD_BACK_BY``)."""
    keys = [
        _pause_key(target.platform),
        _pause_key(target.platform, target, RateLimitScope.TARGET),
    ]
    if target.user_id and not target.channel_id:
        keys.append(_pause_key(target.platform, target, RateLimitScope.DIRECT_MESSAGES))
    keys.extend(_pause_key(target.platform, target, scope) for scope in _HELD_BACK_BY[kind])
    pauses = [paused[k] for k in keys if k in paused]
    return max(pauses, key=lambda p: p.until) if pauses else None


def _dedups_by_key_for_a_while(sink: ChatSink) -> bool:
    """Whether ``sink``'s platform de-duplicates a repeated post key for a while only
    (Discord's nonce, ``dedup_window_s``) rather than the sink looking posts up by key."""
    return bool(getattr(sink, "dedup_window_s", None)) and not hasattr(sink, "find_posted")
