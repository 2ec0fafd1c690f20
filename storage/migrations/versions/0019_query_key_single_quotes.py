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

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
