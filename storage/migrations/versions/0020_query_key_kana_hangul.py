"""Subscriptions' ``query_key`` keeps kana voicing marks and Hangul syllables.

Keyword matching (:mod:`bot.textnorm`) dropped the kana voiced and semi-voiced sound
marks as if they were accents, so "バス" (bus) and "パス" (pass) were one word, "ハス",
and one key; it left Korean words in jamo. It now keeps the marks and recomposes
syllables, so a stored subscription's ``query_key`` (:func:`storage.channels.query_key`)
is computed again: without it, "バス" held under its old key could be subscribed to once
more and not be found by its query. Queries without kana or Hangul keep their keys, and
no two stored queries become equal (the change only tells words apart), so none is
deleted.

The downgrade keeps the keys: the older code folds such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
