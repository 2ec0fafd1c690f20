"""Subscriptions' ``query_key`` keeps the vowel signs of India's scripts and drops emoji.

Keyword matching (:mod:`bot.textnorm`, :mod:`bot.query_lexer`) now reads the vowel signs
and viramas of Devanagari, Bengali, Tamil and the other scripts of India and Sri Lanka as
letters of the word ("दिल्ली" was "दलल", the key of "दलाल" too), and an emoji as Slack
(":rocket:") or Discord ("<:rocket:123>") sends it as no word (":rocket: launch" was
"rocket AND launch"). A stored subscription's ``query_key``
(:func:`storage.channels.query_key`) is computed again: without it, such a query held
under its old key could be subscribed to once more, and another query that read the
same before (दलाल beside दिल्ली) could not.

The downgrade keeps the keys: the older code reads such a query to its old key, so a
subscription to it may then be taken once more.

Revision ID: 0036
Revises: 0035
"""

from collections.abc import Sequence

from alembic import context, op

from storage.channels import recompute_query_keys

revision: str = "0036"
down_revision: str | Sequence[str] | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():
        return  # computed keys need the rows: run it online
    recompute_query_keys(op.get_bind())


def downgrade() -> None:
    pass  # the keys stay (see the module docstring)
