"""Development citations: each summary sentence with the report it was taken from.

``developments.citations`` holds ``[[sentence, source, url], ...]``. It is nullable:
rows written before this revision have none, and the engine fills it the next time a
report joins the development.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("developments") as batch:
        batch.add_column(sa.Column("citations", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies the table and drops the old one, and with
    # foreign keys on (as storybot opens it) the drop deletes every development_items row
    # through ON DELETE CASCADE. SQLite 3.35+ drops the column in place.
    op.drop_column("developments", "citations")
