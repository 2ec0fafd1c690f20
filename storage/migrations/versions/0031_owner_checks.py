"""The checks of subscription owners, stored: ``owner_checks``.

The service asks Slack and Discord now and then whether each keyword subscription's owner
is still there (:mod:`bot.member_check`). Its outcome was only in the log of the process
that ran it: ``storybot health`` could not tell when it last ran or that it cannot work
(a Slack token without ``users:read``), every start ran it again, and each of several
front ends ran its own. One row per platform now holds its last run (when it was claimed
and finished, its counts, the problem that stopped it), claimed by one process a period.

The table starts empty: the first run after the upgrade is the service's first check
(a minute after its start, as before).

The downgrade drops the table: every start checks again, as before.

Revision ID: 0031
Revises: 0030
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owner_checks",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("every_s", sa.Float(), nullable=False),
        sa.Column("owners", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("gone_users", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("unchecked", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("platform", name=op.f("pk_owner_checks")),
    )


def downgrade() -> None:
    op.drop_table("owner_checks")
