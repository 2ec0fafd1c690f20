"""Subscriptions' ``query_key`` no longer depends on the order of words under AND/OR.

A query's identity (:meth:`bot.query.Query.identity`, hashed into ``query_key`` by
:func:`storage.channels.query_key`) now reads each AND and OR as a set: ``bread bakery``
is ``bakery bread``, ``oil OR oil`` is ``oil``. Every stored key is computed again; where
a user now holds the same query twice in one scope (subscribed once in each word
order), the oldest subscription stays and the later ones are deleted. Keyword DMs are
keyed by user and report, not by subscription, so none is lost or sent twice.

The downgrade keeps the keys: the older code computes keys in the order typed, so a
subscription whose words it orders otherwise may then be taken once more.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
