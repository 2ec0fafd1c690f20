"""Corrections: an admin's word that an item is or is not part of a story.

``/story wrong <item url> [story]`` records that storybot took an item it should not have
(or missed one it should have taken); ``corrections`` holds one row per story and item,
with who said so and when (:mod:`storage.corrections`). Each poll cycle brings the
engine's state in line with the table (:mod:`bot.teaching`). New and empty.

The downgrade drops the table: the engine states keep the corrections they applied
until a later storybot, finding none in the table, withdraws them.

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("on_topic", sa.Boolean(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_corrections_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_corrections_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
        sa.UniqueConstraint("story_id", "item_id", name=op.f("uq_corrections_story_id_item_id")),
    )
    op.create_index(op.f("ix_corrections_item_id"), "corrections", ["item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_corrections_item_id"), table_name="corrections")
    op.drop_table("corrections")
