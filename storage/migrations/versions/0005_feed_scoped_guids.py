"""Feed-scoped guids: a guid that is not a web address, tag: or urn: URI names its item
only within its feed, so its key becomes ``feed:<feed_id>:guid:<guid>``.

Before this revision two feeds that number their posts ("1042") shared keys, and one
site's article was taken for an edit of the other's. Existing keys are rewritten in SQL
(so ``alembic upgrade --sql`` prints it too) and items already stored keep matching their
next poll. Not rewritten, so stored once more on their next poll: keys kept as a digest
(guids over 1 kB) and keys within 24 characters of that size.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As bot.identity tells a globally unique guid at this revision (case-insensitively).
_LOCAL_GUID = """
    key LIKE 'guid:%' AND feed_id IS NOT NULL AND length(key) <= 1000
    AND lower(key) NOT LIKE 'guid:http://%' AND lower(key) NOT LIKE 'guid:https://%'
    AND lower(key) NOT LIKE 'guid:tag:%' AND lower(key) NOT LIKE 'guid:urn:%'
"""


def _unscoped(table: str) -> str:
    return f"substr({table}.key, length('feed:' || CAST({table}.feed_id AS TEXT) || ':') + 1)"


def upgrade() -> None:
    op.execute(
        "UPDATE items SET key = 'feed:' || CAST(feed_id AS TEXT) || ':' || key WHERE " + _LOCAL_GUID
    )


def downgrade() -> None:
    # Two feeds' items with one guid cannot share the old key: the oldest gets it, the
    # others keep their scoped key (and are stored again by the old code).
    op.execute(
        f"""
        UPDATE items SET key = {_unscoped("items")}
        WHERE key LIKE 'feed:%:guid:%' AND feed_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM items AS o WHERE o.key = {_unscoped("items")})
        AND NOT EXISTS (
            SELECT 1 FROM items AS o
            WHERE o.key LIKE 'feed:%:guid:%' AND o.feed_id IS NOT NULL AND o.id < items.id
            AND {_unscoped("o")} = {_unscoped("items")}
        )
        """
    )
