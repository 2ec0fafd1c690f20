"""Subscriptions' ``query_key`` keeps "cans", "Wells" and "mines" whole.

Keyword matching (:mod:`bot.textnorm`) no longer folds a plain "-s" plural onto a word
too common to search for (the engine's stop words): "cans", "Wells" and "mines" were
"can", "well" and "mine", so a stored subscription to them matched every "can". A
stored subscription's ``query_key`` (:func:`storage.channels.query_key`) is computed
again: without it, "Wells" held under the key of "well" could be subscribed to once
more. No two queries that differed become one, so none is deleted.

The downgrade keeps the keys: the older code reads such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
