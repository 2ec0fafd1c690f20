"""Item updates judged again: ``item_updates`` and ``judgements.item_version``.

An item updated in place (same guid or link, new text) used to be stored as a new
version and never judged again. ``item_updates`` holds each updated item, with the
text its judgements read, until the update is judged (:mod:`storage.items`,
``Pipeline.rejudge_updates``); a crash in between leaves the row for the next cycle.
``judgements.item_version`` records which version of the item a judgement read (NULL
for the judgements stored before: not recorded). New and empty: updates stored before
this revision are not judged again.

The column is added and dropped in place (no batch copy of ``judgements``), as 0009
does for ``items.page_text``.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_updates",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_updates_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_updates")),
    )
    op.add_column("judgements", sa.Column("item_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("judgements", "item_version")
    op.drop_table("item_updates")
