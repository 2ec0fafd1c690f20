"""Bindings' alert cap follows ``[delivery] default_max_per_hour`` unless set.

Every binding used to be stored with ``max_per_hour = 10``, the built-in default, and
the pipeline took a binding's own value before the configured default: so
``[delivery] default_max_per_hour`` changed nothing. ``0`` now means "the configured
default". Nothing could store another value before this revision, so every 10 is that
built-in default and becomes 0. A data change only: the schema is the same.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE bindings SET max_per_hour = 0 WHERE max_per_hour = 10")


def downgrade() -> None:
    op.execute("UPDATE bindings SET max_per_hour = 10 WHERE max_per_hour = 0")
