"""The outbox keys of storybot's messages: one key per message that may be sent once.

A write to the outbox is keyed so that the pipeline, the digest job, a retried batch and
the tests agree on which message it is: a second write of the same key is the same
message (an edit), never a second post. The keys' shapes are stored in outbox rows, so
they do not change (``storage/outbox.py`` reads them back).
"""

from __future__ import annotations

from datetime import datetime

from bot.model import Binding


def alert_key(story_id: int, development: int, binding: Binding) -> str:
    """The idempotency key of the one alert a channel gets for a development."""
    return f"alert:{story_id}:{development}:{binding.platform}:{binding.channel_id}"


def notice_key(platform: str, user_id: str, item_id: int) -> str:
    """The idempotency key of the one notice a user gets for an item.

    Per user, not per subscription: a user whose subscriptions match an item twice gets
    one DM naming both. ``item_id`` is the first report of the item's text
    (:meth:`bot.engine.Engine.first_report`), so the copies of a wire report that other
    outlets print share the key of the first one.
    """
    return f"notice:{platform}:{user_id}:{item_id}"


def legacy_notice_key(subscription_id: int, item_id: int) -> str:
    """The key of a notice queued before notices were keyed per user (see the pipeline)."""
    return f"notice:{subscription_id}:{item_id}"


def digest_key(binding_id: int, period_start: datetime | None) -> str:
    stamp = period_start.strftime("%Y%m%dT%H%M%S") if period_start else "start"
    return f"digest:{binding_id}:{stamp}"
