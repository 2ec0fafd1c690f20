"""Subscriptions' ``query_key`` keeps "Davies", "Rhodes" and "Luis" whole.

Keyword matching (:mod:`bot.textnorm`) no longer folds the surnames and other names of
:data:`bot.surnames.SURNAMES` onto another word or name: "Davies", "Rhodes", "Reeves",
"Torres", "Givens" and "Luis" were "davy", "rhode", "reeve", "torre", "given" and the
French "lui", so a stored subscription to "Davies" matched every "Davy". Nor is the
"-ies" of a given name in "-y" that name ("Harries" was "harry"). A stored
subscription's ``query_key`` (:func:`storage.channels.query_key`) is computed again:
without it, "Davies" held under the key of "davy" could be subscribed to once more.
The same release reads the plural of a noun in "-ie" as that noun ("movies" was "movy",
now "movie"; "cookies", "calories", "selfies"): a user holding both "movie" and "movies"
in one scope keeps the older subscription, as in 0026.

The downgrade keeps the keys: the older code reads such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
