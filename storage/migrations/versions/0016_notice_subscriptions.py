"""Keyword notices record the subscriptions that caused them: ``outbox.subscription_ids``.

A keyword DM is keyed per user and report (``bot.outbox_keys.notice_key``), so the key does
not say which of the user's subscriptions matched. ``/story unsubscribe`` (and a story's
removal, which deletes the subscriptions scoped to it) takes back a DM not yet sent when
no subscription the user still has caused it (:func:`storage.outbox.take_back_notices`),
and a DM a pipeline with an older subscription index queues afterwards is not written.
The ids are space-separated; NULL for other messages and for the notices queued before
this revision, which nothing takes back (as before).

The column is added and dropped in place, as 0015 does for ``judgements.item_version``.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("subscription_ids", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "subscription_ids")
