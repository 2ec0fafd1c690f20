"""Page waits: items whose judgement waits for their linked page.

With ``[pages] enabled``, a headline-only item whose linked page failed in a way that may
pass (a dropped connection, a timeout, HTTP 429 or 5xx) waits up to ``[pages] wait_s``
for it instead of being judged on its headline at once; ``page_waits`` holds those items
(:mod:`storage.page_waits`). New and empty: nothing stored before waits.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "page_waits",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_page_waits_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_page_waits")),
    )
    op.create_index(op.f("ix_page_waits_next_try_at"), "page_waits", ["next_try_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_page_waits_next_try_at"), table_name="page_waits")
    op.drop_table("page_waits")
