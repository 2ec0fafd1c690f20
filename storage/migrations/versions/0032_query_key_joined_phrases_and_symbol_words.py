"""Subscriptions' ``query_key`` tells "e-mail address" from "e mail address", and "C++" from "c".

Keyword matching (:mod:`bot.query`) now finds a phrase with the words it writes in parts
joined ("U.S. military" finds "US military", "e-mail address" "email address"), so a
phrase that writes a word in parts is no longer the same query as one that spaces its
parts apart, which has the same words: the key of such a phrase holds its joined words
too. And a name written with a symbol that is part of it ("C++", "C#", ".NET", "AT&T",
"R&D") is that name, no longer its letters ("c", "net", the phrase "at t"). A stored
subscription's ``query_key`` (:func:`storage.channels.query_key`) is computed again:
without it, such a query held under its old key could be subscribed to once more.

The downgrade keeps the keys: the older code reads such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0032
Revises: 0031
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0032"
down_revision: str | Sequence[str] | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
