"""Digests at a time of day: ``bindings.digest_anchor``.

``/story follow NAME digest HOURS at HH:MM`` pins a channel's digests to HH:MM in
``[delivery] timezone`` and every HOURS after it (:mod:`bot.digest_schedule`). The column
holds the binding's first slot as a local wall-clock time without a zone (it is read in
the zone configured now). NULL, as for every binding stored before this revision: a
digest every HOURS from the last one, as before.

The downgrade drops the column in place: those channels then get a digest every HOURS
from their last one.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bindings") as batch:
        batch.add_column(sa.Column("digest_anchor", sa.DateTime(timezone=False), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies the table (SQLite 3.35+ drops in place)
    op.drop_column("bindings", "digest_anchor")
