"""Item page text: the main text of an item's linked page, stored with the item.

A headline-only feed gives no body to judge an item on; the pipeline reads the item's
linked page instead (``bot.linked_pages.LinkedPages.read``) and the store keeps what it read in
``items.page_text`` (:meth:`storage.items.ItemStore.save_page_texts`), the item's text
from then on (``Item.text``) until an update changes the item's links. NULL: not read,
as for every item stored before this revision.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("page_text", sa.Text(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies the table and drops the old one, and with
    # foreign keys on (as storybot opens it) the drop deletes every judgement and
    # development link of the items through ON DELETE CASCADE. SQLite 3.35+ drops the
    # column in place.
    op.drop_column("items", "page_text")
