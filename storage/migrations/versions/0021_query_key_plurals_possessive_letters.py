"""Subscriptions' ``query_key`` folds "-is"/"-us" plurals, a possessive "'s" and a few letters.

Keyword matching (:mod:`bot.textnorm`) now folds "Israelis" to "Israeli" and "Hindus"
to "Hindu" (it left words ending in "-is" and "-us" alone), takes a possessive "'s"
off its word ("Trump's" was the phrase "trump s", which "Trump said" lacks), and spells
Turkish dotless "ı", "ł", "ø", "æ", "œ", "ð", "þ" and "ħ" plainly ("DİYARBAKIR" and
"Diyarbakır" were two words). A stored subscription's ``query_key``
(:func:`storage.channels.query_key`) is computed again: without it, "Diyarbakır" held
under its old key could be subscribed to once more as "Diyarbakir". Where a user now
holds the same query twice in one scope ("Israeli" and "Israelis"), the oldest
subscription stays and the later ones are deleted (keyword DMs are keyed by user and
report, so none is lost or sent twice).

The downgrade keeps the keys: the older code folds such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
