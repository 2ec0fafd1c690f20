"""Subscriptions' ``query_key`` folds "-oes", "-men" and irregular plurals.

Keyword matching (:mod:`bot.textnorm`) now folds "heroes" to "hero", "gunmen" to
"gunman", "women" to "woman", "children" to "child", "wives" to "wife", "buses" to
"bus" and a few more plurals no ending rule undid ("crises", "viruses", "lives"), and
reads "does" and "goes" as the verbs "do" and "go" (they were "doe" and "goe"). A
stored subscription's ``query_key`` (:func:`storage.channels.query_key`) is computed
again: without it, "buses" held under its old key could be subscribed to once more as
"bus". Where a user now holds the same query twice in one scope ("gunman" and
"gunmen"), the oldest subscription stays and the later ones are deleted (keyword DMs
are keyed by user and report, so none is lost or sent twice).

The downgrade keeps the keys: the older code folds such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
