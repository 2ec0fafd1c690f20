"""Story counters: running totals for ``story_stats``, backfilled from the judgements.

``story_counters`` holds each story's on-topic judgement count, how many of them are
copies and the newest ``fetched_at`` of their items; ``story_sources`` holds the distinct
outlets among those items. ``commit_decisions`` keeps both from here on.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns the backfill reads, as they are at this revision.
_judgements = sa.table(
    "judgements",
    sa.column("story_id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("on_topic", sa.Boolean),
    sa.column("duplicate_of", sa.Integer),
)
_items = sa.table(
    "items",
    sa.column("id", sa.Integer),
    sa.column("source", sa.Text),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    counters = op.create_table(
        "story_counters",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("items_on_topic", sa.Integer(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("last_item_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_counters_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_story_counters")),
    )
    sources = op.create_table(
        "story_sources",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_sources_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "source", name=op.f("pk_story_sources")),
    )

    j, i = _judgements, _items
    on_topic = (
        sa.select().select_from(j.join(i, i.c.id == j.c.item_id)).where(j.c.on_topic == sa.true())
    )
    op.execute(
        counters.insert().from_select(
            ["story_id", "items_on_topic", "copies", "last_item_at"],
            on_topic.with_only_columns(
                j.c.story_id,
                sa.func.count(),
                sa.func.count(j.c.duplicate_of),
                sa.func.max(i.c.fetched_at),
            ).group_by(j.c.story_id),
        )
    )
    op.execute(
        sources.insert().from_select(
            ["story_id", "source"],
            on_topic.with_only_columns(j.c.story_id, i.c.source).distinct(),
        )
    )


def downgrade() -> None:
    op.drop_table("story_sources")
    op.drop_table("story_counters")
