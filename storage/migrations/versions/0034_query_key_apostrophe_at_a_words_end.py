"""Subscriptions' ``query_key`` reads "'AT&T" as "AT&T": an apostrophe at a word's end.

Keyword matching (:mod:`bot.query`) now reads a word with an apostrophe at either end,
and no partner to make a phrase, as the word without it: "'AT&T", "C++'" and ".NET'"
are the names written with their symbol (before: "at t", "c", "net"), as an item's text
reads them, and "'#ClimateChange" is the CamelCase hashtag. A stored subscription's
``query_key`` (:func:`storage.channels.query_key`) is computed again: without it, such
a query held under its old key could be subscribed to once more.

The downgrade keeps the keys: the older code reads such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0034
Revises: 0033
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0034"
down_revision: str | Sequence[str] | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
