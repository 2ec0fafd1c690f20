"""Engine background statistics: the term counts of every item read, kept across restarts.

A story tracked after a restart used to start from the general-language prior only;
now it starts from the stream statistics the engine had gathered, as it would have
without the restart.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "engine_background",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("observed_through", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engine_background")),
    )


def downgrade() -> None:
    op.drop_table("engine_background")
