"""Initial schema: stories, feeds, items, decisions, developments, channels, outbox.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 07:49:33.500131

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("body_hash", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    op.create_index(op.f("ix_feeds_next_poll_at"), "feeds", ["next_poll_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=255), nullable=True),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("message", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("delivered_version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dead", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["next_attempt_at"],
        unique=False,
        sqlite_where=sa.text("delivered_version < version AND dead = 0"),
        postgresql_where=sa.text("delivered_version < version AND dead = false"),
    )
    op.create_index(
        op.f("ix_outbox_platform_channel_id_user_id_created_at"),
        "outbox",
        ["platform", "channel_id", "user_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("seeds", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
        sa.UniqueConstraint("name", name=op.f("uq_stories_name")),
    )
    op.create_table(
        "bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=255), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("digest_hours", sa.Float(), nullable=False),
        sa.Column("max_per_hour", sa.Integer(), nullable=False),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_bindings_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bindings")),
        sa.UniqueConstraint(
            "story_id",
            "platform",
            "channel_id",
            name=op.f("uq_bindings_story_id_platform_channel_id"),
        ),
    )
    op.create_index(
        op.f("ix_bindings_platform_channel_id"),
        "bindings",
        ["platform", "channel_id"],
        unique=False,
    )

    op.create_table(
        "developments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_developments_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developments")),
        sa.UniqueConstraint("story_id", "number", name=op.f("uq_developments_story_id_number")),
    )
    op.create_index(
        op.f("ix_developments_story_id_created_at"),
        "developments",
        ["story_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_developments_story_id_updated_at"),
        "developments",
        ["story_id", "updated_at"],
        unique=False,
    )

    op.create_table(
        "engine_state",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_engine_state_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_engine_state")),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_items_feed_id_feeds"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("key", name=op.f("uq_items_key")),
    )
    # Hash indexes on PostgreSQL: B-tree entries are limited to ~2.7 kB and URLs are not.
    op.create_index(
        "ix_items_canonical_url",
        "items",
        ["canonical_url"],
        unique=False,
        postgresql_using="hash",
    )
    op.create_index(op.f("ix_items_feed_id"), "items", ["feed_id"], unique=False)
    op.create_index("ix_items_url", "items", ["url"], unique=False, postgresql_using="hash")

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_subscriptions_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index(
        op.f("ix_subscriptions_platform_user_id"),
        "subscriptions",
        ["platform", "user_id"],
        unique=False,
    )
    op.create_index(op.f("ix_subscriptions_story_id"), "subscriptions", ["story_id"], unique=False)

    op.create_table(
        "development_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("development_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["development_id"],
            ["developments.id"],
            name=op.f("fk_development_items_development_id_developments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_development_items_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_development_items")),
        sa.UniqueConstraint(
            "development_id", "item_id", name=op.f("uq_development_items_development_id_item_id")
        ),
    )
    op.create_index(
        op.f("ix_development_items_item_id"), "development_items", ["item_id"], unique=False
    )

    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("on_topic", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("development", sa.Integer(), nullable=True),
        sa.Column("new_development", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["items.id"],
            name=op.f("fk_judgements_duplicate_of_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_judgements_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_judgements_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgements")),
        sa.UniqueConstraint("story_id", "item_id", name=op.f("uq_judgements_story_id_item_id")),
    )
    op.create_index(op.f("ix_judgements_item_id"), "judgements", ["item_id"], unique=False)
    op.create_index(
        op.f("ix_judgements_story_id_on_topic"),
        "judgements",
        ["story_id", "on_topic"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_judgements_story_id_on_topic"), table_name="judgements")
    op.drop_index(op.f("ix_judgements_item_id"), table_name="judgements")

    op.drop_table("judgements")
    op.drop_index(op.f("ix_development_items_item_id"), table_name="development_items")

    op.drop_table("development_items")
    op.drop_index(op.f("ix_subscriptions_story_id"), table_name="subscriptions")
    op.drop_index(op.f("ix_subscriptions_platform_user_id"), table_name="subscriptions")

    op.drop_table("subscriptions")
    op.drop_index(op.f("ix_items_url"), table_name="items")
    op.drop_index(op.f("ix_items_feed_id"), table_name="items")
    op.drop_index(op.f("ix_items_canonical_url"), table_name="items")

    op.drop_table("items")
    op.drop_table("engine_state")
    op.drop_index(op.f("ix_developments_story_id_updated_at"), table_name="developments")
    op.drop_index(op.f("ix_developments_story_id_created_at"), table_name="developments")

    op.drop_table("developments")
    op.drop_index(op.f("ix_bindings_platform_channel_id"), table_name="bindings")

    op.drop_table("bindings")
    op.drop_table("stories")
    op.drop_index(op.f("ix_outbox_platform_channel_id_user_id_created_at"), table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")

    op.drop_table("outbox")
    op.drop_index(op.f("ix_feeds_next_poll_at"), table_name="feeds")

    op.drop_table("feeds")
