"""Digests follow developments in commit order: ``developments.seq`` and a watermark per binding.

A digest took the developments created after the binding's ``last_digest_at``, then set that
to its own time. ``created_at`` is when judging began, so a development committed just
after a digest looked, stamped before the digest's time, was in no digest at all. Each
development now gets ``seq``, 1, 2, ... per story in commit order (the story's counter,
``stories.development_seq``, see :mod:`storage.decisions`), and each binding records the
seq its digests have covered, ``bindings.digested_seq``.

The backfill numbers a story's developments in ``created_at`` order (number breaking ties)
and gives each binding the count of its story's developments created at or before its last
digest (its creation if it has had none): exactly what the old rule counted as covered.

The columns are added and dropped in place (see 0008's downgrade for why not a batch copy).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_developments_story_id_seq"

# The columns the backfill reads and writes, as they are at this revision.
_developments = sa.table(
    "developments",
    sa.column("id", sa.Integer),
    sa.column("story_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("seq", sa.Integer),
)
_stories = sa.table(
    "stories", sa.column("id", sa.Integer), sa.column("development_seq", sa.Integer)
)
_bindings = sa.table(
    "bindings",
    sa.column("story_id", sa.Integer),
    sa.column("last_digest_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("digested_seq", sa.Integer),
)


def upgrade() -> None:
    op.add_column("stories", sa.Column("development_seq", sa.Integer(), nullable=True))
    op.add_column("developments", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("bindings", sa.Column("digested_seq", sa.Integer(), nullable=True))
    d, s, b = _developments, _stories, _bindings
    # one pass over the rows (a window), not a count of the earlier rows for each: that
    # is quadratic in a story's developments (30 s for 10,000 in one story on SQLite)
    rank = sa.select(
        d.c.id,
        sa.func.row_number()
        .over(partition_by=d.c.story_id, order_by=(d.c.created_at, d.c.number))
        .label("rank"),
    ).subquery("ranked")
    op.execute(sa.update(d).where(d.c.id == rank.c.id).values(seq=rank.c.rank))
    count = sa.select(sa.func.count()).select_from(d).where(d.c.story_id == s.c.id)
    op.execute(sa.update(s).values(development_seq=count.scalar_subquery()))
    covered = (
        sa.select(sa.func.count())
        .select_from(d)
        .where(
            d.c.story_id == b.c.story_id,
            d.c.created_at <= sa.func.coalesce(b.c.last_digest_at, b.c.created_at),
        )
    )
    op.execute(sa.update(b).values(digested_seq=covered.scalar_subquery()))
    op.create_index(INDEX, "developments", ["story_id", "seq"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="developments")
    op.drop_column("bindings", "digested_seq")
    op.drop_column("developments", "seq")
    op.drop_column("stories", "development_seq")
