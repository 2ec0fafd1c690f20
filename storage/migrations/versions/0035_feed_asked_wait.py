"""How long a feed asked to wait past its interval: ``feeds.asked_s``, ``feeds.asked_by``.

A successful poll's next poll is after the longest of the feed's interval, its RSS
``<ttl>`` and its server's ``Cache-Control: max-age`` (capped at a day). ``/story feeds``
and ``storybot feeds list`` showed the interval ("every 300 s") beside a next poll a day
away, with nothing saying that the feed asked for it. The columns hold how long the feed
asked for (seconds) and which of its hints asked ("ttl", "max-age") when that was longer
than its interval; a poll that is not stretched so, or fails, sets them back to NULL.
NULL for every feed stored before this revision, until its next successful poll.

The downgrade drops the columns in place: the feeds are polled as before, and the lists
no longer say why a next poll is late.

Revision ID: 0035
Revises: 0034
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | Sequence[str] | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("asked_s", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("asked_by", sa.Text(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies the table (SQLite 3.35+ drops in place)
    op.drop_column("feeds", "asked_by")
    op.drop_column("feeds", "asked_s")
