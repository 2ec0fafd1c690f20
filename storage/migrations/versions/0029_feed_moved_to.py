"""Feeds that moved permanently: ``feeds.moved_to``.

A feed whose URL answers 301 or 308 is still polled at that URL, through the redirect
(the operator switches it: ``feeds remove OLD`` then ``feeds add NEW``). The column holds
where it moved, as its last successful poll was redirected, so that ``/story feeds`` and
``storybot feeds list`` say so; a poll that is no longer redirected sets it back to NULL.
NULL for every feed stored before this revision, until its next poll.

The downgrade drops the column in place: the feeds are polled as before, and the log
alone tells of a move again.

Revision ID: 0029
Revises: 0028
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("moved_to", sa.Text(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies the table (SQLite 3.35+ drops in place)
    op.drop_column("feeds", "moved_to")
