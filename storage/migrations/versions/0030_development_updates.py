"""Digests tell of later reports: ``development_updates`` and a second watermark per binding.

A digest listed each development once; what later reports added to it (another outlet,
a new fact: a realtime channel's alert edit and its "new:" reply) was never told in a
digest channel. Each commit that extends a development stored before it now records one
row per report it links, or per report it takes in updated in place, with the fact the
report added (``development_updates``). Its ``seq`` is the story's commit order of
updates (``stories.update_seq``, handed out under the story's row lock as
``developments.seq`` is), and each binding records the seq its digests have covered,
``bindings.updated_seq``, and the development seq it followed the story at,
``bindings.followed_seq`` (developments up to it were there before the follow: no
digest of it listed them).

The table starts empty and the counters and watermarks at NULL (0): nothing stored
before this revision is an update to tell, so the first digest after the upgrade tells
only of reports committed after it. ``followed_seq`` is backfilled with the seq of the
last of its story's developments created at or before the binding was: the
developments judged as it followed are taken for listed by its digests.

The downgrade drops the table and the columns in place (see 0008's downgrade for why not
a batch copy): digests then list each development once, as before.

Revision ID: 0030
Revises: 0029
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns the backfill reads and writes, as they are at this revision.
_developments = sa.table(
    "developments",
    sa.column("story_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("seq", sa.Integer),
)
_bindings = sa.table(
    "bindings",
    sa.column("story_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("followed_seq", sa.Integer),
)


def upgrade() -> None:
    op.create_table(
        "development_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("development_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("fact", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_development_updates_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["development_id"],
            ["developments.id"],
            name=op.f("fk_development_updates_development_id_developments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_development_updates_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_development_updates")),
    )
    op.create_index(
        op.f("ix_development_updates_story_id_seq"), "development_updates", ["story_id", "seq"]
    )
    op.create_index(
        op.f("ix_development_updates_development_id"), "development_updates", ["development_id"]
    )
    op.create_index(op.f("ix_development_updates_item_id"), "development_updates", ["item_id"])
    op.add_column("stories", sa.Column("update_seq", sa.Integer(), nullable=True))
    op.add_column("bindings", sa.Column("updated_seq", sa.Integer(), nullable=True))
    op.add_column("bindings", sa.Column("followed_seq", sa.Integer(), nullable=True))
    d, b = _developments, _bindings
    there = (
        sa.select(sa.func.coalesce(sa.func.max(d.c.seq), 0))
        .where(d.c.story_id == b.c.story_id, d.c.created_at <= b.c.created_at)
        .scalar_subquery()
    )
    op.execute(sa.update(b).values(followed_seq=there))


def downgrade() -> None:
    op.drop_column("bindings", "followed_seq")
    op.drop_column("bindings", "updated_seq")
    op.drop_column("stories", "update_seq")
    op.drop_index(op.f("ix_development_updates_item_id"), table_name="development_updates")
    op.drop_index(op.f("ix_development_updates_development_id"), table_name="development_updates")
    op.drop_index(op.f("ix_development_updates_story_id_seq"), table_name="development_updates")
    op.drop_table("development_updates")
