"""SQLAlchemy models: the tables behind :class:`storage.sql.SqlStore`.

Rows never leave ``storage/``; :mod:`storage.convert` turns them into ``bot.model``
dataclasses. Every hot query has an index here (sized for ~1M items and 100k+
judgements): due feeds by ``next_poll_at``, items by key/url/canonical URL, decisions by
item, developments by story and time, and due outbox rows through a partial index whose
predicate is exactly the one :meth:`SqlStore.due_outbox` filters on. ``story_stats`` reads
running counters (``story_counters``, ``story_sources``) instead of counting judgements.

Enums are stored as plain strings so that adding a value never needs a migration.

An id people quote ("#6") or that a stored key holds is never handed out again: on
SQLite those tables (stories, feeds, subscriptions, outbox) are AUTOINCREMENT, where
SQLite would otherwise reuse the highest id after its row is deleted; PostgreSQL's
sequences never reuse one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
    column,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import JsonDoc, UTCDateTime

# Explicit names: migrations and both backends agree on every constraint's name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest id an ``Integer`` id column holds everywhere: 32 bits on PostgreSQL (SQLite's
# are 64). A number typed by a user beyond it names no row, and must not reach a query.
MAX_ROW_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JsonDoc}


class StoryRow(Base):
    __tablename__ = "stories"
    # Outbox keys hold story ids (alert:<story>:<development>:...) and alerts are kept: a
    # new story taking a removed one's id would edit that story's posted alerts.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    seeds: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc)  # [{title, text, url, published}]
    created_at: Mapped[datetime]
    # the last ``developments.seq`` handed out in this story; NULL before the first
    development_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the last ``development_updates.seq`` handed out in this story; NULL before the first
    update_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class FeedRow(Base):
    __tablename__ = "feeds"
    # Shown as "feed #N", and item keys hold it (feed:<id>:guid:...): a new feed taking a
    # removed one's id would find that feed's items already seen.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    interval_s: Mapped[int] = mapped_column(Integer)
    next_poll_at: Mapped[datetime] = mapped_column(index=True)
    last_polled_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    # where the feed's URL redirects permanently (bot.model.Feed.moved_to); migration 0029
    moved_to: Mapped[str | None] = mapped_column(Text)
    # what part of the feed its last read read, if not all (bot.model.Feed.read_in_part); 0033
    read_in_part: Mapped[str | None] = mapped_column(Text)
    # how long the feed asked its next poll to wait, past its interval, and which of its
    # hints asked it (bot.model.Feed.asked_s, asked_by); migration 0035
    asked_s: Mapped[int | None] = mapped_column(Integer)
    asked_by: Mapped[str | None] = mapped_column(Text)


class ItemRow(Base):
    __tablename__ = "items"
    # URLs have no length limit but PostgreSQL B-tree entries do (~2.7 kB): hash indexes
    # there (equality is all we ask of them); plain B-trees on SQLite.
    __table_args__ = (
        Index("ix_items_url", "url", postgresql_using="hash"),
        Index("ix_items_canonical_url", "canonical_url", postgresql_using="hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)  # long keys: see storage.items
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeds.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    published: Mapped[datetime | None]
    fetched_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]  # fetched_at of the last text change
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # the main text of the linked page, read because the feed gave no body; NULL: not read
    # (cleared when an update changes the item's links, see storage.items)
    page_text: Mapped[str | None] = mapped_column(Text)


class PageWaitRow(Base):
    """An item whose judgement waits for its linked page (``[pages] wait_s``).

    Its page failed in a way that may pass; the row goes when the item is judged.
    ``next_try_at`` is indexed: each cycle asks for the rows that are due.
    """

    __tablename__ = "page_waits"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime]  # when the page first failed
    next_try_at: Mapped[datetime] = mapped_column(index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)


class ItemUpdateRow(Base):
    """An item whose text changed since a version that was judged, not judged again yet.

    Written by the ingest that stores the new version (``storage.items``), in its
    transaction; deleted by the ``commit_decisions`` that judges ``version`` or a later
    one (``settled``). ``title`` and ``text`` are the version before the first update not
    judged yet, or the version judged when a later one came in meanwhile: what the item's
    judgements read, to tell what the update added (:mod:`bot.revision`). A crash between storing and judging leaves the row, so the
    next cycle judges the update (``pending_updates``); the item's deletion takes it along.
    """

    __tablename__ = "item_updates"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)  # the item's latest version
    title: Mapped[str] = mapped_column(Text)  # as judged (the version before the updates)
    text: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime]  # when the first update not judged yet was stored


class JudgementRow(Base):
    __tablename__ = "judgements"
    __table_args__ = (
        UniqueConstraint("story_id", "item_id"),
        Index(None, "story_id", "on_topic"),  # story_stats counts
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    on_topic: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    development: Mapped[int | None] = mapped_column(Integer)
    new_development: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    decided_at: Mapped[datetime]
    # the version of the item judged (NULL: judged before versions were recorded)
    item_version: Mapped[int | None] = mapped_column(Integer)


class CorrectionRow(Base):
    """An admin's word that an item is (``on_topic``) or is not part of a story.

    One row per story and item (``/story wrong``; a new word replaces the row, a
    withdrawal deletes it). The table is the truth: each poll cycle brings every
    engine's state in line with it (:mod:`bot.teaching`). The person is named as
    subscriptions name theirs: platform and user id. Gone with the story or the item.
    """

    __tablename__ = "corrections"
    __table_args__ = (UniqueConstraint("story_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    on_topic: Mapped[bool] = mapped_column(Boolean)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class StoryCounterRow(Base):
    """Running totals behind ``story_stats`` so ``/story status`` never counts judgements.

    Kept by ``commit_decisions`` in the decisions' own transaction (on-topic judgements
    only): ``items_on_topic`` counts them, ``copies`` those with a ``duplicate_of``, and
    ``last_item_at`` is the newest ``fetched_at`` among their items.
    """

    __tablename__ = "story_counters"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    items_on_topic: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    last_item_at: Mapped[datetime | None]


class StorySourceRow(Base):
    """The distinct outlets (``items.source``) among a story's on-topic items."""

    __tablename__ = "story_sources"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(Text, primary_key=True)


class DevelopmentRow(Base):
    __tablename__ = "developments"
    __table_args__ = (
        UniqueConstraint("story_id", "number"),
        Index(None, "story_id", "updated_at"),
        Index(None, "story_id", "created_at"),
        Index(None, "story_id", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    headline: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    # the summary's sentences with their sources: [[sentence, source, url], ...]
    citations: Mapped[list[Any] | None] = mapped_column(JsonDoc, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # the earliest linked item's time; None with none linked (see storage.first_reports)
    first_reported_at: Mapped[datetime | None]
    # 1, 2, ... per story in the order the developments were committed (not judged): the
    # digests' watermark (see storage.decisions.allocate_seqs); set on every row
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DevelopmentItemRow(Base):
    """Links an item to a development; ``id`` order is discovery order (first reporter first)."""

    __tablename__ = "development_items"
    __table_args__ = (UniqueConstraint("development_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    development_id: Mapped[int] = mapped_column(ForeignKey("developments.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime]


class DevelopmentUpdateRow(Base):
    """What a commit added to a development stored before it: a report, or a fact.

    One row per report that joined it (``reports`` 1) or whose update it took in place
    (``reports`` 0), with ``fact``, what the report added to the summary as an edited
    alert's thread note says it (NULL: nothing new). ``seq`` is the story's commit order
    of updates (``stories.update_seq``, see :mod:`storage.decisions`): the digests'
    second watermark (``bindings.updated_seq``).
    """

    __tablename__ = "development_updates"
    __table_args__ = (Index(None, "story_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    development_id: Mapped[int] = mapped_column(
        ForeignKey("developments.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    reports: Mapped[int] = mapped_column(Integer)
    fact: Mapped[str | None] = mapped_column(Text, nullable=True)
    added_at: Mapped[datetime]


class EngineStateRow(Base):
    __tablename__ = "engine_state"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    updated_at: Mapped[datetime]


class EngineBackgroundRow(Base):
    """The engine's background term statistics (one row, ``id`` 1).

    ``observed_through``: every item with a smaller or equal id is counted in ``state``
    (items above it are read again after a restart).
    """

    __tablename__ = "engine_background"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    observed_through: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class EngineStreamRow(Base):
    """The stream statistics every story weighs with, as the last commit stored them.

    One row (``id`` 1), written by each commit of judgements in its transaction
    (:mod:`storage.decisions`), so a fresh engine (a restart, a scale-out judging job)
    weighs with exactly the table those decisions were made with. Not a story's: removing
    stories leaves it alone. ``engine_background`` holds the same kind of table as saved
    at the end of a cycle with the item id it counts through, for a first story.
    """

    __tablename__ = "engine_stream"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    updated_at: Mapped[datetime]


class BindingRow(Base):
    __tablename__ = "bindings"
    __table_args__ = (
        UniqueConstraint("story_id", "platform", "channel_id"),
        Index(None, "platform", "channel_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(255))
    mode: Mapped[str] = mapped_column(String(16))
    digest_hours: Mapped[float] = mapped_column(Float)
    max_per_hour: Mapped[int] = mapped_column(Integer)
    last_digest_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # the story's developments up to this ``developments.seq`` are covered: alerted or
    # digested, or committed before the channel followed the story
    digested_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # `digest HOURS at HH:MM`: the first slot as a local wall-clock time, no zone: it is
    # read in [delivery] timezone (bot.digest_schedule). NULL: every HOURS from the last.
    digest_anchor: Mapped[datetime | None] = mapped_column(DateTime(timezone=False), nullable=True)
    # the story's development updates up to this ``development_updates.seq`` are covered
    # (told in a digest, or not this channel's); NULL: none yet
    updated_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the story's developments up to this ``developments.seq`` were there when the channel
    # followed it: no digest of this follow listed them (NULL: 0)
    followed_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SubscriptionRow(Base):
    """A user's keyword subscription.

    ``query_key`` is :func:`storage.channels.query_key` of ``query``: equal for two
    queries exactly when ``/story subscribe`` calls them the same, NULL for a query that
    no longer parses. The two unique indexes refuse a second subscription with the same
    platform, user, story (or none: NULLs never clash, hence the partial index) and key.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        Index(None, "platform", "user_id"),
        Index(
            "uq_subscriptions_story_query",
            "platform",
            "user_id",
            "story_id",
            "query_key",
            unique=True,
        ),
        Index(
            "uq_subscriptions_unscoped_query",
            "platform",
            "user_id",
            "query_key",
            unique=True,
            sqlite_where=column("story_id").is_(None),
            postgresql_where=column("story_id").is_(None),
        ),
        # "#N" in replies, DMs and `/story unsubscribe N` names one subscription for ever
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(255))
    query: Mapped[str] = mapped_column(Text)
    query_key: Mapped[str | None] = mapped_column(String(64))
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]


class OwnerCheckRow(Base):
    """A platform's last check of its subscription owners (``bot.model.OwnerCheckRun``).

    One row per platform, claimed by the process that runs the check (an UPDATE whose
    WHERE says the period is over: :meth:`storage.owner_checks.OwnerCheckStore.
    claim_owner_check`), so that of several front ends one asks the platform per period.
    """

    __tablename__ = "owner_checks"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    every_s: Mapped[float] = mapped_column(Float)
    owners: Mapped[int] = mapped_column(Integer)
    checked: Mapped[int] = mapped_column(Integer)
    gone_users: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    unchecked: Mapped[int] = mapped_column(Integer)
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)


# The due-outbox predicate; the partial index below and SqlStore.due_outbox share it so
# that both planners can use the index (they match the query's WHERE against it).
def outbox_due_predicate(table: Any = None) -> Any:
    """``delivered_version < version AND NOT dead`` for the outbox table (or bare columns)."""
    if table is None:
        return and_(column("delivered_version") < column("version"), column("dead") == False)  # noqa: E712
    return and_(table.delivered_version < table.version, table.dead == False)  # noqa: E712


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_due",
            "next_attempt_at",
            sqlite_where=outbox_due_predicate(),
            postgresql_where=outbox_due_predicate(),
        ),
        Index(None, "platform", "channel_id", "user_id", "created_at"),
        {"sqlite_autoincrement": True},  # `storybot outbox` lists "#N", --retry takes it
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    platform: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    version: Mapped[int] = mapped_column(Integer)
    delivered_version: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    dead: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set just before a first post is sent: if the process dies before the platform's id is
    # recorded, the next attempt looks for the message instead of posting it again.
    post_started_at: Mapped[datetime | None]
    # A keyword notice's subscriptions that matched, space-separated ids (NULL: another
    # kind of message, or a notice queued before they were recorded): what an
    # unsubscribe reads to take back a DM only the removed subscription caused.
    subscription_ids: Mapped[str | None] = mapped_column(Text)
