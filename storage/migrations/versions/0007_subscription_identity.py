"""Subscription identity: a user holds a query at most once per scope, in the database too.

``/story subscribe`` refused the same query again (same platform, user and story, or
none; queries equal as parsed, so ``Bakery  bread`` is ``bakery AND bread``), but two
requests that both passed that check (two workers, a retried command) could store it
twice. ``subscriptions.query_key`` holds :func:`storage.channels.query_key` of the query
and two unique indexes refuse a second row: one on (platform, user_id, story_id,
query_key), and a partial one on (platform, user_id, query_key) for the rows without a
story, whose NULL ``story_id`` would never clash.

Existing duplicates are removed first, keeping the oldest (lowest id) of each group. A
notice queued under a removed subscription's old per-subscription outbox key
(``notice:<id>:<item>``, honoured for items stored before per-user keys) is moved to the
kept subscription's key unless that one exists, so an item it was sent is not sent again.
A query that no longer parses gets no key and is never a duplicate, as the command sees
it. The keys are computed in Python with the query parser: ``alembic upgrade --sql``
adds the column and the indexes but leaves existing rows without a key (not
deduplicated, and not constrained until they are re-added). The downgrade drops the
indexes and the column; removed duplicates are not restored.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from storage.channels import query_key

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
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
_outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("key", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("query_key", sa.String(length=64), nullable=True))
    if not context.is_offline_mode():
        _key_and_deduplicate(op.get_bind())
    op.create_index(
        "uq_subscriptions_story_query",
        "subscriptions",
        ["platform", "user_id", "story_id", "query_key"],
        unique=True,
    )
    op.create_index(
        "uq_subscriptions_unscoped_query",
        "subscriptions",
        ["platform", "user_id", "query_key"],
        unique=True,
        sqlite_where=sa.text("story_id IS NULL"),
        postgresql_where=sa.text("story_id IS NULL"),
    )


def _key_and_deduplicate(conn: sa.Connection) -> None:
    s = _subscriptions
    rows = conn.execute(
        sa.select(s.c.id, s.c.platform, s.c.user_id, s.c.story_id, s.c.query).order_by(s.c.id)
    ).all()
    kept: dict[tuple[str, str, int | None, str], int] = {}
    keys: list[dict[str, object]] = []
    removed: dict[int, int] = {}  # duplicate id -> the kept id
    for row in rows:
        key = query_key(row.query)
        if key is None:
            continue
        identity = (row.platform, row.user_id, row.story_id, key)
        if identity in kept:
            removed[row.id] = kept[identity]
        else:
            kept[identity] = row.id
            keys.append({"b_id": row.id, "b_key": key})
    for duplicate, original in removed.items():
        _move_legacy_notices(conn, duplicate, original)
    if removed:
        ids = list(removed)
        for start in range(0, len(ids), 500):
            conn.execute(sa.delete(s).where(s.c.id.in_(ids[start : start + 500])))
    if keys:
        conn.execute(
            sa.update(s)
            .where(s.c.id == sa.bindparam("b_id"))
            .values(query_key=sa.bindparam("b_key")),
            keys,
        )


def _move_legacy_notices(conn: sa.Connection, duplicate: int, original: int) -> None:
    """Re-key ``notice:<duplicate>:<item>`` outbox rows as ``notice:<original>:<item>``."""
    o = _outbox
    prefix = f"notice:{duplicate}:"
    found = conn.execute(sa.select(o.c.id, o.c.key).where(o.c.key.startswith(prefix))).all()
    for row in found:
        new_key = f"notice:{original}:{row.key[len(prefix) :]}"
        if conn.scalar(sa.select(o.c.id).where(o.c.key == new_key)) is None:
            conn.execute(sa.update(o).where(o.c.id == row.id).values(key=new_key))


def downgrade() -> None:
    op.drop_index("uq_subscriptions_unscoped_query", table_name="subscriptions")
    op.drop_index("uq_subscriptions_story_query", table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("query_key")
