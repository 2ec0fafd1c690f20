"""Feeds read only in part: ``feeds.read_in_part``.

A feed the fast parser cannot read is read by the lenient one up to its bounds (2 MiB,
50,000 tags, a tag of more than 200 attributes), cut after the last whole entry, and a
poll reads at most so many entries: the entries past them are lost. The log said so
once a run; the column holds what part its last read read ("the first 1.9 MiB of
3.4 MiB (...)"), so that ``/story feeds``, ``storybot feeds list`` and ``storybot
health`` say so; a poll that reads the feed whole sets it back to NULL. NULL for every
feed stored before this revision, until a poll reads its body again (one whose body has
not changed since is not read).

The downgrade drops the column in place: the feeds are read as before, and the log
alone tells of a cut again.

Revision ID: 0033
Revises: 0032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | Sequence[str] | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("read_in_part", sa.Text(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies the table (SQLite 3.35+ drops in place)
    op.drop_column("feeds", "read_in_part")
