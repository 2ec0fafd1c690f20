"""Subscriptions' ``query_key`` keeps "Williams", "Roberts" and "Hamas" whole.

Keyword matching (:mod:`bot.textnorm`) no longer folds a plain "-s" plural onto a common
given name (:data:`bot.given_names.GIVEN_NAMES`): "Williams", "Roberts" and "Adams" were
"william", "robert" and "adam", so a stored subscription to "Williams" matched every
"Prince William". Nor do "Hamas", "Vegas", "Lagos", "Frances", "Hans", "Morales",
"goods" and "commons" fold ("Hama", "Vega", "Mar-a-Lago", "France"). A stored
subscription's ``query_key`` (:func:`storage.channels.query_key`) is computed again:
without it, "Williams" held under the key of "william" could be subscribed to once more.
No two queries that differed become one, so none is deleted.

The downgrade keeps the keys: the older code reads such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
