"""Development first report: when each development was first reported, stored on its row.

``list_developments`` sorted by the earliest item time among a development's linked items
(the publication date, unless it is later than the fetch, else the fetch), computed from
``development_items`` on every call. ``developments.first_reported_at`` now holds it and
the store keeps it (:mod:`storage.first_reports`); this revision fills it in from the links
in SQL (``alembic upgrade --sql`` prints it too). NULL for a development without linked
items, which listings count from ``created_at`` as before.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns the backfill reads and writes, as they are at this revision.
_developments = sa.table(
    "developments",
    sa.column("id", sa.Integer),
    sa.column("first_reported_at", sa.DateTime(timezone=True)),
)
_links = sa.table(
    "development_items",
    sa.column("development_id", sa.Integer),
    sa.column("item_id", sa.Integer),
)
_items = sa.table(
    "items",
    sa.column("id", sa.Integer),
    sa.column("published", sa.DateTime(timezone=True)),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("developments") as batch:
        batch.add_column(sa.Column("first_reported_at", sa.DateTime(timezone=True), nullable=True))
    d, link, i = _developments, _links, _items
    item_time = sa.case(
        (sa.and_(i.c.published.is_not(None), i.c.published < i.c.fetched_at), i.c.published),
        else_=i.c.fetched_at,
    )
    earliest = (
        sa.select(sa.func.min(item_time))
        .select_from(link.join(i, i.c.id == link.c.item_id))
        .where(link.c.development_id == d.c.id)
        .scalar_subquery()
    )
    op.execute(sa.update(d).values(first_reported_at=earliest))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies the table and drops the old one, and with
    # foreign keys on (as storybot opens it) the drop deletes every development_items row
    # through ON DELETE CASCADE. SQLite 3.35+ drops the column in place.
    op.drop_column("developments", "first_reported_at")
