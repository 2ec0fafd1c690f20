"""An internationalised host is stored in its ASCII (punycode) form: one feed, one item.

``https://例え.jp/rss`` and ``https://xn--r8jz45g.jp/rss`` are one feed, and the stored
form of a feed URL and the canonical URL of an item now take the host's ASCII form
(:func:`bot.hostname.ascii_host`). An ASCII host is only lower-cased, as before, so
only the rows holding a non-ASCII host change:

* a feed's URL takes its ASCII form. Where the same feed is stored in both spellings
  (added once in each, before this revision), the one under the non-ASCII spelling is
  deleted: the other polls the same items (its items stay, with no feed, as after
  ``feeds remove``);
* an item's ``canonical_url``, and its key where it is ``url:<canonical URL>`` (an item
  without a guid), are computed again; a key another item already holds (the same
  article stored under both spellings) is left as it was.

The downgrade changes nothing back: the older code reads the ASCII forms as any URL.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from bot.identity import canonical_url
from bot.validate import feed_url_problem, normalise_feed_url

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns the upgrade reads and writes, as they are at this revision.
_feeds = sa.table("feeds", sa.column("id", sa.Integer), sa.column("url", sa.Text))
_items = sa.table(
    "items",
    sa.column("id", sa.Integer),
    sa.column("key", sa.Text),
    sa.column("canonical_url", sa.Text),
)
_BATCH = 500


def upgrade() -> None:
    if context.is_offline_mode():
        return  # the new forms are computed from the rows: run it online
    conn = op.get_bind()
    _feeds_ascii(conn)
    _items_ascii(conn)


def _feeds_ascii(conn: sa.Connection) -> None:
    f = _feeds
    rows = conn.execute(sa.select(f.c.id, f.c.url).order_by(f.c.id)).all()
    taken = {row.url for row in rows}
    for row in rows:
        if row.url.isascii() or feed_url_problem(row.url) is not None:
            continue
        stored = normalise_feed_url(row.url)
        if stored == row.url:
            continue
        if stored in taken:  # the same feed under its other spelling: that one stays
            conn.execute(sa.delete(f).where(f.c.id == row.id))
        else:
            conn.execute(sa.update(f).where(f.c.id == row.id).values(url=stored))
            taken.add(stored)
        taken.discard(row.url)


def _items_ascii(conn: sa.Connection) -> None:
    i = _items
    rows = conn.execute(
        sa.select(i.c.id, i.c.key, i.c.canonical_url).where(i.c.canonical_url.is_not(None))
    ).all()
    changed = [row for row in rows if not row.canonical_url.isascii()]
    if not changed:
        return
    keys = [f"url:{canonical_url(row.canonical_url)}" for row in changed]
    held: set[str] = set()
    for start in range(0, len(keys), _BATCH):
        batch = keys[start : start + _BATCH]
        held.update(conn.execute(sa.select(i.c.key).where(i.c.key.in_(batch))).scalars())
    for row in changed:
        canon = canonical_url(row.canonical_url) or row.canonical_url
        values: dict[str, str] = {"canonical_url": canon}
        key = f"url:{canon}"
        if row.key.startswith("url:") and row.key != key and key not in held:
            values["key"] = key
            held.add(key)
        conn.execute(sa.update(i).where(i.c.id == row.id).values(**values))


def downgrade() -> None:
    pass  # the ASCII forms stay (see the module docstring)
