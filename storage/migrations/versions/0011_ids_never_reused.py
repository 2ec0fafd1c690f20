"""Ids never reused on SQLite: stories, feeds, subscriptions and outbox get AUTOINCREMENT.

SQLite gives a new row of a plain ``INTEGER PRIMARY KEY`` table the highest id plus one,
so once the row holding the highest id is deleted the next row gets that id again:
``/story unsubscribe 6`` or ``storybot outbox --retry 12``, quoted from an old reply or
listing, could name a newer row; a new feed took a removed feed's item keys
(``feed:<id>:guid:...``) and found its items already seen; a new story took a removed
story's alert keys (``alert:<id>:...``, kept with the alerts) and edited its posted
alerts. With AUTOINCREMENT SQLite never hands out an id twice (``sqlite_sequence`` keeps
the highest one given), as PostgreSQL's sequences never did: there this revision does
nothing.

Each table is rebuilt in Alembic batch mode (copy, drop, rename) from its definition at
this revision, with every row, index, constraint and foreign key. Copying the rows with
their ids seeds ``sqlite_sequence`` with the highest id kept, so the next id is above it
(an id deleted before this revision, above every id kept, can still be given once more).
``stories`` and ``feeds`` are referred to by other tables, and SQLite deletes or nulls
those rows (ON DELETE CASCADE / SET NULL) when a referred-to table is dropped with
foreign keys enforced: the rebuild needs a connection that does not enforce them
(:func:`storage.migrate.migration_connection`, as ``open_store`` and the ``alembic`` CLI
use) and refuses one that does. ``alembic upgrade --sql`` prints the rebuild; run it
without foreign keys enforced (the ``sqlite3`` shell's default). The downgrade rebuilds
the tables without AUTOINCREMENT.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    if not context.is_offline_mode():
        _refuse_enforced_foreign_keys(op.get_bind())
    for table in _tables():
        with op.batch_alter_table(
            table.name,
            recreate="always",
            copy_from=table,  # not reflected: the same in --sql mode, partial indexes kept
            table_kwargs={"sqlite_autoincrement": autoincrement},
        ):
            pass


def _refuse_enforced_foreign_keys(conn: sa.Connection) -> None:
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0011 rebuilds tables that others refer to, and this SQLite "
            "connection enforces foreign keys: dropping the old tables would delete or "
            "null the rows referring to them. Migrate through "
            "storage.migrate.migration_connection (as open_store does) or the alembic CLI."
        )


def _tables() -> list[sa.Table]:
    """The four tables as they are at this revision (0001, with 0002's and 0007's columns)."""
    m = sa.MetaData()
    stories = sa.Table(
        "stories",
        m,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("seeds", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stories"),
        sa.UniqueConstraint("name", name="uq_stories_name"),
    )
    feeds = sa.Table(
        "feeds",
        m,
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
        sa.PrimaryKeyConstraint("id", name="pk_feeds"),
        sa.UniqueConstraint("url", name="uq_feeds_url"),
    )
    sa.Index("ix_feeds_next_poll_at", feeds.c.next_poll_at)
    subscriptions = sa.Table(
        "subscriptions",
        m,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("query_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name="fk_subscriptions_story_id_stories",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
    )
    s = subscriptions.c
    sa.Index("ix_subscriptions_platform_user_id", s.platform, s.user_id)
    sa.Index("ix_subscriptions_story_id", s.story_id)
    sa.Index(
        "uq_subscriptions_story_query", s.platform, s.user_id, s.story_id, s.query_key, unique=True
    )
    sa.Index(
        "uq_subscriptions_unscoped_query",
        s.platform,
        s.user_id,
        s.query_key,
        unique=True,
        sqlite_where=sa.text("story_id IS NULL"),
    )
    outbox = sa.Table(
        "outbox",
        m,
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
        sa.Column("post_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    o = outbox.c
    sa.Index(
        "ix_outbox_due",
        o.next_attempt_at,
        sqlite_where=sa.text("delivered_version < version AND dead = 0"),
    )
    sa.Index(
        "ix_outbox_platform_channel_id_user_id_created_at",
        o.platform,
        o.channel_id,
        o.user_id,
        o.created_at,
    )
    return [stories, feeds, subscriptions, outbox]
