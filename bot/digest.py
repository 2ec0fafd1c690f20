"""Digests: developments a channel has not been alerted to, sent in one message.

A digest channel gets every development this way, every ``digest_hours``. A realtime channel
gets one too, for the developments that went over its hourly alert cap, so nothing is lost:
it is looked for every ``ALERT_CAP_WINDOW`` (not every ``digest_hours``, which a realtime
binding keeps only for a later switch to digest), so what the cap held back arrives within
about an hour, when the cap would have let it through, rather than a day later.
Which developments a channel has not seen: those committed after the binding's watermark
(``Binding.digested_seq``) with no alert row for that channel. The watermark counts in the
order developments were committed (``Store.developments_after``), not by time: a
development's ``created_at`` is when judging began, so one committed just after a digest
looked can carry an earlier time than that digest, and a time cut-off would skip it for
good. A run moves the watermark to the last development it read and queues its message in
one transaction (``Store.queue_digest``), only if no other run moved it first: each
development is in exactly one digest.

A digest channel is also told what later reports added to the developments its earlier
digests listed: each commit that extends a development records the reports it linked and
the fact each added (the "new:" facts of a realtime channel's alert edits:
:func:`bot.alert_text.added_fact`), in the story's commit order of updates
(``Store.development_updates_after``). The binding's second watermark,
``Binding.updated_seq``, moves in the same transaction as the first, so each fact is in
exactly one digest too; a digest with only updates is posted, one with neither is not.
A realtime channel's overflow digest tells them likewise, for the developments an earlier
overflow digest listed: those have no alert in the channel, so no edit tells their later
reports (the alerted ones get their edits and "new:" replies instead).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Sequence

from bot.clock import recorded_ahead
from bot.digest_schedule import next_due
from bot.digest_text import DigestUpdate, digest_message
from bot.duration import every
from bot.model import (
    DIGEST_HOURS_RANGE,
    Binding,
    DeliveryMode,
    Story,
    digest_hours_in_range,
    valid_digest_hours,
)
from bot.outbox_keys import alert_key, digest_key
from bot.ports import Clock, DevelopmentUpdate, OutboxWrite, Store
from bot.render import period_text

log = logging.getLogger(__name__)

# A realtime channel gets at most ``max_per_hour`` alerts in any window this long (the
# pipeline's cap); what goes over it is sent as an overflow digest once per window.
ALERT_CAP_WINDOW = timedelta(hours=1)


def digest_period(binding: Binding) -> timedelta:
    """How often ``binding`` gets a digest: its hours, or the cap window when realtime.

    Hours stored outside the range ``/story follow NAME digest HOURS`` takes (by a release
    that did not hold ``[delivery] default_digest_hours`` to it) are brought into it
    (``digest_hours_in_range``): an infinite period would overflow the ``timedelta`` and
    stop every channel's digests, not only this one's.
    """
    if binding.mode is DeliveryMode.REALTIME:
        return ALERT_CAP_WINDOW
    return timedelta(hours=digest_hours_in_range(binding.digest_hours))


def digest_due(binding: Binding, now: datetime, zone: tzinfo = timezone.utc) -> datetime | None:
    """When ``binding``'s next digest is due (None: now, nothing recorded to count from).

    A period after the last digest (or the follow), or, for ``digest HOURS at HH:MM``
    (``Binding.digest_anchor``), the next of its slots on ``zone``'s wall clock
    (:mod:`bot.digest_schedule`).
    """
    since = binding.last_digest_at or binding.created_at
    if since is None:
        return None
    if binding.digest_anchor is not None and binding.mode is DeliveryMode.DIGEST:
        hours = digest_hours_in_range(binding.digest_hours)
        return next_due(binding.digest_anchor, hours, since, now, zone)
    return since + digest_period(binding)


def run_digests(store: Store, clock: Clock, zone: tzinfo = timezone.utc) -> int:
    """Queue the digests that are due now; returns how many were queued.

    ``zone`` is ``[delivery] timezone``: the wall clock of ``digest HOURS at HH:MM``.
    """
    now = clock.now()
    queued = 0
    for binding in store.list_bindings():
        since = binding.last_digest_at or binding.created_at
        due = digest_due(binding, now, zone)
        # recorded ahead of now, the clock was set back since: due now (a digest of what is
        # new, if anything), rather than a period after the clock gets back there
        if due is not None and due > now:
            if not recorded_ahead(since, now):
                continue
        story = store.get_story_by_id(binding.story_id)
        if story is None:
            continue
        if binding.mode is DeliveryMode.DIGEST and not valid_digest_hours(binding.digest_hours):
            # once a period, as the digest is due: the channel's admin can set it right
            log.warning(
                "%s: digest hours %g are not %s (stored by an earlier release): a digest "
                "%s instead; /story follow %s digest HOURS in that channel "
                "sets them",
                binding.target.key,
                binding.digest_hours,
                DIGEST_HOURS_RANGE,
                every(period_text(digest_hours_in_range(binding.digest_hours))),
                story.name,
            )
        found, through = store.developments_after(binding.story_id, binding.digested_seq)
        devs = [
            d
            for d in found
            if d.number > 0 and store.get_outbox(alert_key(story.id, d.number, binding)) is None
        ]
        found_updates, updated = store.development_updates_after(
            binding.story_id, binding.updated_seq
        )
        # a realtime channel's too: the developments its overflow digests listed get no
        # alert edits, so its next overflow digest tells what later reports added
        updates = digest_updates(store, story, binding, found_updates)
        writes = []
        if devs or updates:
            writes.append(
                OutboxWrite(
                    digest_key(binding.id, since),
                    binding.target,
                    digest_message(
                        story,
                        devs,
                        since,
                        binding.target.platform,
                        updates,
                        until=now,
                        zone=zone,
                        overflow=binding.mode is DeliveryMode.REALTIME,
                    ),
                    only_if_new=True,
                )
            )
        if not store.queue_digest(
            binding.id,
            binding.digested_seq,
            through,
            writes,
            now,
            updates=(binding.updated_seq, updated),
        ):
            # another run recorded this binding first (it sends them), or it was unfollowed
            log.info("digest for %s not queued: taken by another run", binding.target.key)
            continue
        if devs or updates:
            queued += 1
            log.info(
                "digest of %d developments and %d updated queued for %s (%s)",
                len(devs),
                len(updates),
                binding.target.key,
                binding.mode.value,
            )
    return queued


def digest_updates(
    store: Store, story: Story, binding: Binding, found: Sequence[DevelopmentUpdate]
) -> list[DigestUpdate]:
    """The developments ``binding``'s earlier digests (a realtime channel's: its overflow
    digests) listed that ``found`` added facts to, each with its reports and facts since,
    in the order of their first update.

    Listed by an earlier digest: committed after the follow (``followed_seq``) and
    through the digests' watermark (``digested_seq``, as read before this run: a
    development new in this digest is listed whole, not again as updated), with no
    alert in this channel (an alerted one gets its edits and "new:" replies instead).
    Reports that added no fact (a copy of the wire story, a rewrite of what was known)
    are counted beside a fact, but alone they make no update.
    """
    by_number: dict[int, list[DevelopmentUpdate]] = {}
    for u in found:
        if u.number > 0 and binding.followed_seq < u.development_seq <= binding.digested_seq:
            by_number.setdefault(u.number, []).append(u)
    out = []
    for number, rows in by_number.items():
        facts = tuple(dict.fromkeys((u.fact, u.url) for u in rows if u.fact is not None))
        if not facts or store.get_outbox(alert_key(story.id, number, binding)) is not None:
            continue
        dev = store.get_development(story.id, number)
        if dev is None:
            continue
        sources = tuple(dict.fromkeys(u.source for u in rows if u.reports and u.source))
        reports = sum(u.reports for u in rows)
        reported = tuple(sorted(u.reported_at for u in rows if u.reported_at is not None))
        out.append(DigestUpdate(dev, reports, sources, facts, reported))
    return out
