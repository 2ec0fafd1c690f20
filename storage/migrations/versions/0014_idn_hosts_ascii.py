"""An internationalised host is stored in its ASCII (punycode) form: one feed, one item.

``https://例え.jp/rss`` and ``https://xn--r8jz45g.jp/rss`` are one feed, and the stored
form of a feed URL and the canonical URL of an item now take the host's ASCII form
(:func:`bot.hostname.ascii_host`). An ASCII host is only lower-cased, as before, so
only the rows holding a non-ASCII host change:

* a feed's URL takes its ASCII form. Where the same feed is stored in both spellings
  (added once in each, before this revision), the row under the ASCII spelling is kept
  as it is: its id, title, status (paused or not), poll interval, next poll time, poll
  history (last polled, last success, errors) and HTTP validators (ETag, Last-Modified).
  The row under the non-ASCII spelling is deleted, and with it its own title, status,
  interval, schedule, poll history and validators (nothing of them is merged). Its items
  move to the kept feed (the same feed, polling the same articles): their ``feed_id``
  becomes the kept feed's, and a feed-scoped key (``feed:<id>:guid:<guid>``) takes the
  kept feed's id, unless the kept feed holds that key already (it polled the article
  itself: the moved copy keeps its old key, which nothing polls again). This is done
  here and not left to ``ON DELETE SET NULL``: migrations run on SQLite with foreign
  keys off, where that would leave the items naming a deleted feed. Nothing else
  references a feed (``items.feed_id`` is the only foreign key to ``feeds``);
* an item's ``canonical_url``, and its key where that was made from the URL
  (``url:<canonical URL>``, or its ``sha256:`` digest when over 1 kB: an item without a
  guid), are computed again, the key in its stored form (a digest when the new key is
  over 1 kB: punycode can be longer than UTF-8); a key another item already holds (the
  same article stored under both spellings) is left as it was.

Not rewritten, so stored once more on the next poll: a moved feed-scoped key kept as a
digest (a guid over 1 kB), whose guid cannot be read back. Only rows with a non-ASCII
canonical URL are read, a batch at a time.

The downgrade changes nothing back: the older code reads the ASCII forms as any URL.

Revision ID: 0014
Revises: 0013
"""

import hashlib
from collections.abc import Iterator, Sequence

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
    sa.column("feed_id", sa.Integer),
    sa.column("canonical_url", sa.Text),
)
_BATCH = 500

# As storage.items stores a key at this revision (not imported: a migration keeps the
# rules of its revision, whatever the live code does later).
_MAX_KEY_BYTES = 1024


def _stored_key(key: str) -> str:
    raw = key.encode("utf-8", "surrogatepass")
    if len(raw) <= _MAX_KEY_BYTES:
        return key
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def upgrade() -> None:
    if context.is_offline_mode():
        return  # the new forms are computed from the rows: run it online
    conn = op.get_bind()
    _feeds_ascii(conn)
    _items_ascii(conn)


def _feeds_ascii(conn: sa.Connection) -> None:
    f = _feeds
    rows = conn.execute(sa.select(f.c.id, f.c.url).order_by(f.c.id)).all()
    ids = {row.url: row.id for row in rows}
    for row in rows:
        if row.url.isascii() or feed_url_problem(row.url) is not None:
            continue
        stored = normalise_feed_url(row.url)
        if stored == row.url:
            continue
        kept = ids.get(stored)
        if kept is not None:  # the same feed under its other spelling: that one stays
            _move_items(conn, row.id, kept)
            conn.execute(sa.delete(f).where(f.c.id == row.id))
        else:
            conn.execute(sa.update(f).where(f.c.id == row.id).values(url=stored))
            ids[stored] = row.id
        del ids[row.url]


def _move_items(conn: sa.Connection, gone: int, kept: int) -> None:
    """Give the items of feed ``gone`` to feed ``kept``, feed-scoped keys included."""
    i = _items
    old, new = f"feed:{gone}:guid:", f"feed:{kept}:guid:"
    scoped = sa.and_(i.c.feed_id == gone, i.c.key.startswith(old, autoescape=True))
    for rows in _batches(conn, sa.select(i.c.id, i.c.key).where(scoped)):
        keys = {row.id: _stored_key(new + row.key[len(old) :]) for row in rows}
        held = set(conn.execute(sa.select(i.c.key).where(i.c.key.in_(keys.values()))).scalars())
        for row in rows:
            if keys[row.id] not in held:
                conn.execute(sa.update(i).where(i.c.id == row.id).values(key=keys[row.id]))
                held.add(keys[row.id])
    conn.execute(sa.update(i).where(i.c.feed_id == gone).values(feed_id=kept))


def _non_ascii(column: sa.ColumnElement[str], dialect: str) -> sa.ColumnElement[bool]:
    """SQL true where ``column`` holds a non-ASCII character: more bytes than characters
    in UTF-8 (the encoding storybot's databases use)."""
    if dialect == "sqlite":
        return sa.func.length(sa.cast(column, sa.LargeBinary)) != sa.func.length(column)
    if dialect == "postgresql":
        return sa.func.octet_length(column) != sa.func.char_length(column)
    return column.is_not(None)  # another database: every row read, filtered below


def _items_ascii(conn: sa.Connection) -> None:
    i = _items
    query = sa.select(i.c.id, i.c.key, i.c.canonical_url).where(
        i.c.canonical_url.is_not(None), _non_ascii(i.c.canonical_url, conn.dialect.name)
    )
    for rows in _batches(conn, query):
        changed = [row for row in rows if not row.canonical_url.isascii()]
        canons = {row.id: canonical_url(row.canonical_url) or row.canonical_url for row in changed}
        keys = {row.id: _stored_key(f"url:{canons[row.id]}") for row in changed}
        held = set(conn.execute(sa.select(i.c.key).where(i.c.key.in_(keys.values()))).scalars())
        for row in changed:
            values: dict[str, str] = {"canonical_url": canons[row.id]}
            key = keys[row.id]
            # a key made from the URL (raw or as its digest); a guid's or a hash's stays
            from_url = row.key == _stored_key(f"url:{row.canonical_url}")
            if from_url and row.key != key and key not in held:
                values["key"] = key
                held.add(key)
            conn.execute(sa.update(i).where(i.c.id == row.id).values(**values))


def _batches(conn: sa.Connection, query: sa.Select[tuple[int, ...]]) -> Iterator[list[sa.Row]]:
    """The rows of ``query`` (its first column the item id) by ascending id, a batch at a
    time: never all in memory, and the rows a batch updates are not read again."""
    after = None
    while True:
        page = query.order_by(_items.c.id).limit(_BATCH)
        if after is not None:
            page = page.where(_items.c.id > after)
        rows = list(conn.execute(page).all())
        if not rows:
            return
        yield rows
        after = rows[-1].id


def downgrade() -> None:
    pass  # the ASCII forms stay (see the module docstring)
