"""Row -> ``bot.model`` dataclass conversions. The only place that reads ORM rows out."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.model import (
    Binding,
    Correction,
    DeliveryMode,
    Development,
    Feed,
    FeedStatus,
    Item,
    Judgement,
    OutboxEntry,
    Story,
    Subscription,
    Target,
)
from storage.models import (
    BindingRow,
    CorrectionRow,
    DevelopmentRow,
    FeedRow,
    ItemRow,
    JudgementRow,
    OutboxRow,
    StoryRow,
    SubscriptionRow,
)
from storage.serialize import citations_from_json, message_from_json, seed_from_json


def story(row: StoryRow) -> Story:
    return Story(
        id=row.id,
        name=row.name,
        title=row.title,
        seeds=tuple(seed_from_json(s) for s in row.seeds or ()),
        created_at=row.created_at,
    )


def feed(row: FeedRow) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        title=row.title,
        status=FeedStatus(row.status),
        next_poll_at=row.next_poll_at,
        last_polled_at=row.last_polled_at,
        last_ok_at=row.last_ok_at,
        error_count=row.error_count,
        last_error=row.last_error,
        etag=row.etag,
        last_modified=row.last_modified,
        body_hash=row.body_hash,
        interval_s=row.interval_s,
        moved_to=row.moved_to,
        read_in_part=row.read_in_part,
        asked_s=row.asked_s,
        asked_by=row.asked_by,
    )


_ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(Item))


def item_from_values(values: Mapping[str, Any]) -> Item:
    """An item from a Core row's values (column names are the :class:`Item` fields)."""
    fields = {name: values[name] for name in _ITEM_FIELDS}
    fields["page_text"] = fields["page_text"] or ""  # NULL: the page was not read
    return Item(**fields)


def item(row: ItemRow) -> Item:
    return Item(
        id=row.id,
        key=row.key,
        feed_id=row.feed_id,
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        summary=row.summary,
        content=row.content,
        published=row.published,
        fetched_at=row.fetched_at,
        source=row.source,
        content_hash=row.content_hash,
        version=row.version,
        page_text=row.page_text or "",
    )


def judgement(row: JudgementRow) -> Judgement:
    return Judgement(
        story_id=row.story_id,
        item_id=row.item_id,
        on_topic=row.on_topic,
        score=row.score,
        duplicate_of=row.duplicate_of,
        development=row.development,
        new_development=row.new_development,
        reason=dict(row.reason or {}),
    )


def development(
    row: DevelopmentRow,
    item_count: int,
    sources: Sequence[str],
    links: Sequence[tuple[str, str]],
    first_reported_at: datetime | None = None,
) -> Development:
    return Development(
        story_id=row.story_id,
        number=row.number,
        headline=row.headline,
        summary=row.summary,
        created_at=row.created_at,
        updated_at=row.updated_at,
        item_count=item_count,
        sources=tuple(sources),
        links=tuple(links),
        citations=citations_from_json(row.citations),
        first_reported_at=first_reported_at,
    )


def binding(row: BindingRow) -> Binding:
    return Binding(
        id=row.id,
        story_id=row.story_id,
        platform=row.platform,
        channel_id=row.channel_id,
        mode=DeliveryMode(row.mode),
        digest_hours=row.digest_hours,
        max_per_hour=row.max_per_hour,
        last_digest_at=row.last_digest_at,
        created_at=row.created_at,
        digested_seq=row.digested_seq or 0,
        digest_anchor=row.digest_anchor,
        updated_seq=row.updated_seq or 0,
        followed_seq=row.followed_seq or 0,
    )


def subscription(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        platform=row.platform,
        user_id=row.user_id,
        query=row.query,
        story_id=row.story_id,
        created_at=row.created_at,
        channel_id=row.channel_id,
    )


def correction(row: CorrectionRow) -> Correction:
    return Correction(
        story_id=row.story_id,
        item_id=row.item_id,
        on_topic=row.on_topic,
        platform=row.platform,
        user_id=row.user_id,
        created_at=row.created_at,
    )


def outbox(row: OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        key=row.key,
        target=Target(row.platform, channel_id=row.channel_id, user_id=row.user_id),
        message=message_from_json(row.message),
        version=row.version,
        delivered_version=row.delivered_version,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        message_id=row.message_id,
        last_error=row.last_error,
        dead=row.dead,
        post_started_at=row.post_started_at,
        delivered_at=row.delivered_at,
    )
