"""The stream statistics every story weighs with get a row of their own: ``engine_stream``.

Each commit of judgements stored them once, beside the engine state of the lowest story it
touched (the key ``stream`` in ``engine_state.state``); a fresh engine (a restart, a
scale-out judging job) took the copy that counted the most items (``n_docs``), and
removing the story whose state held them handed them on to another story's. They now
live in one row of their own (``id`` 1), written by each commit in its transaction.

The upgrade stores the copy a fresh engine took then (the most items counted; the lowest
story id of a tie) in the new row, and takes every copy out of the story states: an
upgraded database weighs with exactly what it did. With no copy (states stored before
the statistics were stored beside them) there is no row, and the service starts from the
saved background statistics, as it did. The states are read one at a time (each can be a
few hundred kB).

The downgrade puts the row back beside the lowest story's state, where the code of 0017
looks for it, and drops the table; with no story state left there is nowhere to put it,
and that code could not have kept it either (it starts from the saved background
statistics then).

Offline (``--sql``) only the table is created or dropped: the statistics are moved by
reading the rows, so run the migration online to keep them.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The key the statistics had in a story's state (bot.ports.STREAM_STATE at 0017; not
# imported: a migration keeps the rules of its revision).
_KEY = "stream"
# The tables as they are at this revision.
_states = sa.table(
    "engine_state",
    sa.column("story_id", sa.Integer),
    sa.column("state", sa.JSON(none_as_null=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_stream = sa.table(
    "engine_stream",
    sa.column("id", sa.Integer),
    sa.column("state", sa.JSON(none_as_null=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "engine_stream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engine_stream")),
    )
    if context.is_offline_mode():
        return  # the statistics are found by reading the states: run it online
    conn = op.get_bind()
    s = _states
    kept: tuple[int, dict[str, Any], Any] | None = None  # (n_docs, table, updated_at)
    for story_id in conn.execute(sa.select(s.c.story_id).order_by(s.c.story_id)).scalars():
        row = conn.execute(
            sa.select(s.c.state, s.c.updated_at).where(s.c.story_id == story_id)
        ).one()
        state = row.state
        if not isinstance(state, dict) or _KEY not in state:
            continue
        carried = state.pop(_KEY)
        if kept is None or int(carried["n_docs"]) > kept[0]:
            kept = (int(carried["n_docs"]), carried, row.updated_at)
        conn.execute(sa.update(s).where(s.c.story_id == story_id).values(state=state))
    if kept is not None:
        conn.execute(sa.insert(_stream).values(id=1, state=kept[1], updated_at=kept[2]))


def downgrade() -> None:
    if not context.is_offline_mode():
        conn = op.get_bind()
        row = conn.execute(sa.select(_stream.c.state).where(_stream.c.id == 1)).first()
        s = _states
        lowest = conn.execute(
            sa.select(s.c.story_id, s.c.state).order_by(s.c.story_id).limit(1)
        ).first()
        if row is not None and lowest is not None and isinstance(lowest.state, dict):
            state = {**lowest.state, _KEY: row.state}
            conn.execute(sa.update(s).where(s.c.story_id == lowest.story_id).values(state=state))
    op.drop_table("engine_stream")
