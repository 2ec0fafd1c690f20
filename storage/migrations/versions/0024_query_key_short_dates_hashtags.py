"""Subscriptions' ``query_key`` keeps "Mars" whole and splits CamelCase hashtags.

Keyword matching (:mod:`bot.textnorm`, :mod:`bot.query`) no longer folds a plural onto a
month's or weekday's short form ("Mars" was "mar", the "Mar" of "Mar 5" and
"Mar-a-Lago"; "Mons" was "mon") nor "ISIS" and "Mets" onto "ISI" and "met", and reads a
hashtag in CamelCase ("#ClimateChange") as itself or its words as a phrase. A stored
subscription's ``query_key`` (:func:`storage.channels.query_key`) is computed again:
without it, "Mars" held under the key of "mar" could be subscribed to once more. No two
queries that differed become one, so none is deleted.

The downgrade keeps the keys: the older code reads such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
