"""Digests: developments a channel has not been alerted to, sent in one message.

A digest channel gets every development this way, every ``digest_hours``. A realtime channel
gets one too, for the developments that went over its hourly alert cap, so nothing is lost:
it is looked for every ``ALERT_CAP_WINDOW`` (not every ``digest_hours``, which a realtime
binding keeps only for a later switch to digest), so what the cap held back arrives within
about an hour, when the cap would have let it through, rather than a day later.
Which developments a channel has not seen is derived, not stored: a development created since
the last digest with no alert row for that channel.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.alerts import alert_key, digest_key, digest_message
from bot.model import Binding, DeliveryMode
from bot.ports import Clock, OutboxWrite, Store

log = logging.getLogger(__name__)

# A realtime channel gets at most ``max_per_hour`` alerts in any window this long (the
# pipeline's cap); what goes over it is sent as an overflow digest once per window.
ALERT_CAP_WINDOW = timedelta(hours=1)


def digest_period(binding: Binding) -> timedelta:
    """How often ``binding`` gets a digest: its hours, or the cap window when realtime."""
    if binding.mode is DeliveryMode.REALTIME:
        return ALERT_CAP_WINDOW
    return timedelta(hours=binding.digest_hours)


def run_digests(store: Store, clock: Clock) -> int:
    """Queue the digests that are due now; returns how many were queued."""
    now = clock.now()
    queued = 0
    for binding in store.list_bindings():
        since = binding.last_digest_at or binding.created_at
        if since is not None and since + digest_period(binding) > now:
            continue
        story = store.get_story_by_id(binding.story_id)
        if story is None:
            continue
        devs = [
            d
            for d in store.developments_since(binding.story_id, since)
            if d.number > 0 and store.get_outbox(alert_key(story.id, d.number, binding)) is None
        ]
        if devs:
            # Keyed by the period's start, so a crash before mark_digest_sent cannot send it twice.
            store.enqueue(
                [
                    OutboxWrite(
                        digest_key(binding.id, since),
                        binding.target,
                        digest_message(story, devs, since, binding.target.platform),
                        only_if_new=True,
                    )
                ],
                now,
            )
            queued += 1
            log.info(
                "digest of %d developments queued for %s (%s)",
                len(devs),
                binding.target.key,
                binding.mode.value,
            )
        store.mark_digest_sent(binding.id, now)
    return queued
