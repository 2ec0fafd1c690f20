"""Subscriptions' ``query_key`` reads single quotes around words as a phrase's.

The query language now takes a pair of single quotes around words, straight or
typographic (``'supply chain'``, ‘supply chain’), for a phrase, as it takes double quotes
(:mod:`bot.query`); they were part of the words before, so such a query meant ``supply
AND chain``. A stored subscription is read by the rules of the code that reads it, so its
``query_key`` (:func:`storage.channels.query_key`) is computed again: a query whose key
does not change keeps it. Where a user now holds the same query twice in one scope
(``'supply chain'`` and ``"supply chain"``), the oldest subscription stays and the later
ones are deleted, as migration 0013 does. Keyword DMs are keyed by user and report, not
by subscription, so none is sent twice.

The downgrade keeps the keys: the older code reads such a query as its words, so a
subscription to them may then be taken once more.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from storage.channels import query_key

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns the upgrade reads and writes, as they are at this revision.
_subscriptions = sa.table(
    "subscriptions",
    sa.column("id", sa.Integer),
    sa.column("platform", sa.String),
    sa.column("user_id", sa.String),
    sa.column("story_id", sa.Integer),
    sa.column("query", sa.Text),
    sa.column("query_key", sa.String),
)


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    conn = op.get_bind()
    s = _subscriptions
    rows = conn.execute(
        sa.select(
            s.c.id, s.c.platform, s.c.user_id, s.c.story_id, s.c.query, s.c.query_key
        ).order_by(s.c.id)
    ).all()
    kept: set[tuple[str, str, int | None, str]] = set()
    removed: list[int] = []
    changed: list[dict[str, object]] = []
    for row in rows:
        key = query_key(row.query)
        if key is None:
            continue  # does not parse: no key, as before
        scope = (row.platform, row.user_id, row.story_id, key)
        if scope in kept:
            removed.append(row.id)
            continue
        kept.add(scope)
        if key != row.query_key:
            changed.append({"b_id": row.id, "b_key": key})
    # the duplicates go first: a row taking its new key must not meet one still holding it
    for start in range(0, len(removed), 500):
        conn.execute(sa.delete(s).where(s.c.id.in_(removed[start : start + 500])))
    if changed:
        conn.execute(
            sa.update(s)
            .where(s.c.id == sa.bindparam("b_id"))
            .values(query_key=sa.bindparam("b_key")),
            changed,
        )


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
