"""Items: ingest with de-duplication and update detection.

An incoming item is the same as a stored one when its ``key`` matches or, failing that,
its ``canonical_url`` does (the same article reached through two feeds with different
guids), unless that URL names no one article: the item's feed lists others under it
(``NewItem.shared_link``, set by :func:`bot.identity.feed_items`), or two or more stored
items hold it already (see ``_Batch``). Same identity and same ``content_hash`` is SEEN; a different hash is UPDATED: the
text is replaced and ``version`` bumped, so later stages can tell an edit from news. Only
the feed that stored an item updates it: another feed's entry with the same link (or the
same global key: a guid that is a web address) is SEEN whatever its text (an aggregator's
blurb, or a roundup reusing the link, must not replace the outlet's headline and text
under the outlet's name); an item whose feed was removed is adopted by the feed that
updates it. An
update that changes the publication date also dates the developments holding the item
again (:mod:`storage.first_reports`).

Every update of a stored item also writes its ``item_updates`` row in the same
transaction (:class:`storage.models.ItemUpdateRow`): the item's latest version and, kept
from the first update not judged yet, the headline and text its judgements read. The
pipeline judges the update from there (``pending_updates``) and ``commit_decisions``
settles the row, so a crash between storing a version and judging it loses nothing.

``page_text`` is the main text of the item's linked page, saved by ``save_page_texts``
when the feed gave no body. A SEEN entry leaves it alone and an update keeps it, unless
the update changes the item's ``url`` or ``canonical_url`` (an update only fills in a
link the item lacked: the item keeps its first one), which clears it: the page read was
not the one the item now links to.

Keys longer than :data:`MAX_KEY_BYTES` (a feed can send a guid of any length) are stored
as ``"sha256:<hex>"`` of the key: unique indexes have entry size limits (about 2.7 kB on
PostgreSQL), and the digest is just as good an identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.identity import same_but_bidi_controls
from bot.model import IngestOutcome, Item, ItemUpdate, NewItem
from storage import convert
from storage.base import StoreBase
from storage.counters import chunks, upsert_insert
from storage.first_reports import recompute_first_reported
from storage.models import FeedRow, ItemRow, ItemUpdateRow, PageWaitRow

MAX_KEY_BYTES = 1024


def stored_key(key: str) -> str:
    """The key as stored: itself, or a digest of it when it is too long to index."""
    raw = key.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_KEY_BYTES:
        return key
    return "sha256:" + hashlib.sha256(raw).hexdigest()


_TABLE = cast(Table, ItemRow.__table__)
_FIELDS = tuple(c.name for c in _TABLE.columns)
_UPDATED_FIELDS = (
    "title",
    "summary",
    "content",
    "content_hash",
    "published",
    "url",
    "canonical_url",
    "updated_at",
    "version",
    "feed_id",  # adopted by the feed polling an item whose feed was removed
)  # not page_text: written only where it changes (save_page_texts, _clear_page_texts)
# Ids are matched to rows by their (unique) key: asking for RETURNING in parameter order
# makes SQLAlchemy insert SQLite rows one statement at a time.
_INSERT = insert(_TABLE).returning(_TABLE.c.key, _TABLE.c.id)
_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in _UPDATED_FIELDS})
)
_UPDATES = cast(Table, ItemUpdateRow.__table__)
_SAVE_PAGE_TEXT = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(page_text=bindparam("b_page_text"))
)

Row = dict[str, Any]  # an items row as plain values: Core, not ORM objects (see ingest_items)


def _new_row(item: NewItem) -> Row:
    return {
        "id": None,
        "key": stored_key(item.key),
        "feed_id": item.feed_id,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "title": item.title,
        "summary": item.summary,
        "content": item.content,
        "published": item.published,
        "fetched_at": item.fetched_at,
        "updated_at": None,
        "source": item.source,
        "content_hash": item.content_hash,
        "version": 1,
        "page_text": None,  # not read
    }


def _apply_text(row: Row, item: NewItem) -> None:
    """Give the row ``item``'s headline and text (and their hash)."""
    row["title"] = item.title
    row["summary"] = item.summary
    row["content"] = item.content
    row["content_hash"] = item.content_hash


def _apply_update(row: Row, item: NewItem) -> bool:
    """Apply an update to the row; True if it changed the row's links (page text cleared)."""
    links = (row["url"], row["canonical_url"])
    _apply_text(row, item)
    row["published"] = item.published or row["published"]
    row["url"] = row["url"] or item.url
    row["canonical_url"] = row["canonical_url"] or item.canonical_url
    row["updated_at"] = item.fetched_at
    row["version"] = row["version"] + 1
    row["feed_id"] = row["feed_id"] if row["feed_id"] is not None else item.feed_id
    if (row["url"], row["canonical_url"]) == links:
        return False
    row["page_text"] = None  # the page read was not the one the item now links to
    return True


def _record_updates(session: Session, earlier: Mapping[int, Item], rows: Mapping[int, Row]) -> None:
    """Write the ``item_updates`` rows of the stored items this batch updated.

    An item with a row already (an update not judged yet) keeps the text recorded then,
    the one its judgements read; only its version moves on.
    """
    now_rows = [
        {
            "item_id": item_id,
            "version": rows[item_id]["version"],
            "title": before.title,
            "text": before.text,
            "stored_at": rows[item_id]["updated_at"],
        }
        for item_id, before in sorted(earlier.items())  # sorted: a fixed lock order
    ]
    if not now_rows:
        return
    stmt = upsert_insert(session, _UPDATES)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_UPDATES.c.item_id], set_={"version": stmt.excluded.version}
    )
    session.execute(stmt, now_rows)


def _clear_page_texts(session: Session, item_ids: Sequence[int]) -> None:
    """Forget the page text of these items (an update changed their links).

    A statement of its own, not a column of the batch's UPDATE: that would write back the
    text this transaction read, over one another transaction saved since (PostgreSQL runs
    them side by side).
    """
    for part in chunks(list(item_ids)):
        session.execute(update(_TABLE).where(_TABLE.c.id.in_(part)).values(page_text=None))


class _Batch:
    """What one ``ingest_items`` transaction knows: stored rows by key and canonical URL.

    Rows found by the two lookups and rows added or changed earlier in the batch are kept
    here, so each item sees exactly what a separate ``ingest_item`` call would have seen.

    A canonical URL finds a row only while exactly one row holds it: rows have distinct
    keys, so two rows holding one URL are distinct items (a feed's entries that all
    link to its home page), and a further item under that URL is a third, not one of
    them. The lookup by URL therefore counts the rows holding each URL an item may be
    found by (not a ``shared_link`` item's) and reads only the rows that hold theirs alone.
    """

    def __init__(self, session: Session, items: Sequence[NewItem]) -> None:
        self.by_key: dict[str, Row] = {}
        self.by_canonical: dict[str, Row] = {}  # the one row holding that URL
        self.shared: set[str] = set()  # URLs two or more rows hold: no identity
        self.new: list[Row] = []  # rows to insert, in order
        self.changed: dict[int, Row] = {}  # stored rows to update, by id
        keys = list(dict.fromkeys(stored_key(item.key) for item in items))
        for part in chunks(keys):
            for found in session.execute(select(_TABLE).where(_TABLE.c.key.in_(part))):
                row = found._asdict()
                self.by_key[row["key"]] = row
        # Only the URLs an item may be found by: a shared_link item is found by key alone,
        # and a home page its feed lists every entry under may be held by thousands of rows.
        urls = list(
            dict.fromkeys(
                item.canonical_url for item in items if item.canonical_url and not item.shared_link
            )
        )
        alone: list[int] = []  # ids of the rows holding a URL alone
        url = _TABLE.c.canonical_url
        for part in chunks(urls):
            query = select(url, func.min(_TABLE.c.id), func.count()).where(url.in_(part))
            for held, row_id, rows in session.execute(query.group_by(url)):
                if rows > 1:
                    self.shared.add(held)
                else:
                    alone.append(row_id)
        loaded = {row["id"]: row for row in self.by_key.values()}
        missing = [row_id for row_id in alone if row_id not in loaded]
        for part in chunks(missing):
            for found in session.execute(select(_TABLE).where(_TABLE.c.id.in_(part))):
                loaded[found.id] = found._asdict()
        for row_id in alone:
            row = loaded[row_id]  # one dict per row
            self.by_canonical[row["canonical_url"]] = row

    def find(self, item: NewItem) -> tuple[Row | None, bool]:
        """The row ``item`` is, and whether that row is another feed's.

        By key or by URL alike: a guid that is a web address, or an entry with no guid
        (keyed by its link), has the same key in every feed. By URL only when the item's
        link may name it (not ``shared_link``) and one row holds that URL. A row whose
        feed was removed (``feed_id`` NULL) is no other feed's: the feed polling it now
        may update it, and adopts it (a feed removed and added again gets a new id).
        """
        row = self.by_key.get(stored_key(item.key))
        if row is None and item.canonical_url and not item.shared_link:
            row = self.by_canonical.get(item.canonical_url)
        if row is None:
            return None, False
        return row, row["feed_id"] is not None and row["feed_id"] != item.feed_id

    def added(self, row: Row) -> None:
        self.new.append(row)
        self.by_key[row["key"]] = row
        self.known_url(row)

    def updated(self, row: Row) -> None:
        if row["id"] is not None:
            self.changed[row["id"]] = row  # a new row is inserted as it ends up
        self.known_url(row)

    def known_url(self, row: Row) -> None:
        """Note the row's canonical URL (new, or just filled in by an update)."""
        url = row["canonical_url"]
        if not url or url in self.shared:
            return
        holder = self.by_canonical.setdefault(url, row)
        if holder is not row:  # a second row holds it
            del self.by_canonical[url]
            self.shared.add(url)


def _of_live_feeds(session: Session, items: Sequence[NewItem]) -> Sequence[NewItem]:
    """The items whose feed still exists (or that have none).

    A feed removed while its fetch was in flight (``storybot feeds remove``, ``/story
    feeds remove``) brings items no one follows any more, and their foreign key would fail
    the whole transaction. Its row is read ``FOR KEY SHARE`` on PostgreSQL (what the
    foreign key check of an insert takes anyway, only earlier), so it cannot be removed
    between this check and the insert; SQLite's write transaction already excludes that.
    """
    feed_ids = sorted({item.feed_id for item in items if item.feed_id is not None})
    if not feed_ids:
        return items
    query = select(FeedRow.id).where(FeedRow.id.in_(feed_ids)).with_for_update(key_share=True)
    live = set(session.scalars(query))
    if len(live) == len(feed_ids):
        return items
    return [item for item in items if item.feed_id is None or item.feed_id in live]


class ItemStore(StoreBase):
    def ingest_item(self, item: NewItem) -> tuple[IngestOutcome, Item]:
        """Store an item unless its key or canonical URL is already known.

        Returns:
            (NEW, stored item), (SEEN, existing item) or (UPDATED, existing item at its
            bumped version).
        """
        return self.ingest_items([item])[0]

    def ingest_items(self, items: Sequence[NewItem]) -> list[tuple[IngestOutcome, Item]]:
        """``ingest_item`` for each item in order, in one transaction.

        Same outcomes as one call per item, duplicates inside the batch included (the
        second copy of a new item is SEEN, or UPDATED if its text differs); each item is
        returned as it stood right after its own turn. Items of a feed that was removed
        meanwhile are not stored, and left out of the result. Costs one lookup by key and one
        by canonical URL for the whole batch, then multi-row INSERTs (ids returned with
        their keys) and one executemany UPDATE. Rows are plain Core values, not ORM
        objects: the ORM's unit of work cost more than the SQL on a cold poll.
        """
        if not items:
            return []
        try:
            return self._ingest_once(items)
        except IntegrityError:
            # Another writer stored one of the keys between our lookup and insert: it now
            # exists, so a second pass finds it.
            return self._ingest_once(items)

    def _ingest_once(self, items: Sequence[NewItem]) -> list[tuple[IngestOutcome, Item]]:
        with self._write() as session:
            items = _of_live_feeds(session, items)
            if not items:
                return []
            batch = _Batch(session, items)
            steps: list[tuple[IngestOutcome, Row, Item]] = []
            redated: set[int] = set()  # stored items whose publication date changed
            relinked: set[int] = set()  # stored items whose links changed: page text cleared
            earlier: dict[int, Item] = {}  # stored items updated: as they were before
            for item in items:
                row, elsewhere = batch.find(item)
                if row is None:
                    row = _new_row(item)
                    batch.added(row)
                    outcome = IngestOutcome.NEW
                elif elsewhere or row["content_hash"] == item.content_hash:
                    outcome = IngestOutcome.SEEN
                elif same_but_bidi_controls(
                    row["title"], row["summary"], row["content"], item.content_hash
                ):
                    # stored before feed text dropped them: the text as it is read now,
                    # quietly (no new version: nothing to judge again)
                    _apply_text(row, item)
                    batch.updated(row)
                    outcome = IngestOutcome.SEEN
                else:
                    if row["id"] is not None:
                        earlier.setdefault(row["id"], convert.item_from_values(row))
                    dated = row["published"]
                    links_changed = _apply_update(row, item)
                    batch.updated(row)
                    if row["id"] is not None and row["published"] != dated:
                        redated.add(row["id"])  # its developments' first report may move
                    if row["id"] is not None and links_changed:
                        relinked.add(row["id"])
                    outcome = IngestOutcome.UPDATED
                # As it stands now (a later item of the batch may change it again); a new
                # row gets its id from the insert.
                steps.append((outcome, row, convert.item_from_values(row)))
            if batch.new:
                values = [{k: row[k] for k in _FIELDS if k != "id"} for row in batch.new]
                ids = {key: row_id for key, row_id in session.execute(_INSERT, values)}
                for row in batch.new:
                    row["id"] = ids[row["key"]]
            if batch.changed:
                session.execute(
                    _UPDATE,
                    [
                        {"b_id": row["id"], **{f"b_{k}": row[k] for k in _UPDATED_FIELDS}}
                        for row in batch.changed.values()
                    ],
                )
            if relinked:
                _clear_page_texts(session, sorted(relinked))
            if earlier:
                _record_updates(session, earlier, batch.changed)
            if redated:
                recompute_first_reported(session, sorted(redated))
            return [(outcome, replace(state, id=row["id"])) for outcome, row, state in steps]

    def save_page_texts(self, texts: Mapping[int, str]) -> None:
        """Store the main text of each item's linked page (item id -> text), in one commit.

        One executemany UPDATE by id: unknown ids match no row and are skipped; an empty
        mapping does nothing. The text stays the item's ``page_text`` until an update
        changes the item's links (see the module docstring).
        """
        if not texts:
            return
        with self._write() as session:
            session.execute(
                _SAVE_PAGE_TEXT,
                [{"b_id": item_id, "b_page_text": text} for item_id, text in texts.items()],
            )

    def pending_updates(self, limit: int = 200) -> list[ItemUpdate]:
        """Items updated since a version that was judged, not judged again yet.

        Oldest update first; at most ``limit``. See the module docstring.
        """
        query = (
            select(ItemUpdateRow)
            .order_by(ItemUpdateRow.stored_at, ItemUpdateRow.item_id)
            .limit(limit)
        )
        with self._read() as session:
            return [
                ItemUpdate(row.item_id, row.version, row.title, row.text, row.stored_at)
                for row in session.scalars(query)
            ]

    def get_item(self, item_id: int) -> Item | None:
        with self._read() as session:
            row = session.get(ItemRow, item_id)
            return convert.item(row) if row else None

    def get_items(self, item_ids: Sequence[int]) -> list[Item]:
        """The stored items with these ids, in the order given (unknown ids skipped)."""
        found: dict[int, Item] = {}
        with self._read() as session:
            for part in chunks(list(dict.fromkeys(item_ids))):
                for row in session.scalars(select(ItemRow).where(ItemRow.id.in_(part))):
                    found[row.id] = convert.item(row)
        return [found[i] for i in item_ids if i in found]

    def find_item_by_url(self, url: str) -> Item | None:
        """Find by exact URL or canonical URL (oldest match first)."""
        with self._read() as session:
            for column in (ItemRow.url, ItemRow.canonical_url):
                row = session.scalar(
                    select(ItemRow).where(column == url).order_by(ItemRow.id).limit(1)
                )
                if row is not None:
                    return convert.item(row)
            return None

    def find_items_by_url(self, url: str, limit: int) -> list[Item]:
        """The items at this URL, newest first (exact URL, else canonical URL)."""
        with self._read() as session:
            for column in (ItemRow.url, ItemRow.canonical_url):
                rows = session.scalars(
                    select(ItemRow).where(column == url).order_by(ItemRow.id.desc()).limit(limit)
                ).all()
                if rows:
                    return [convert.item(row) for row in rows]
            return []

    def item_ids_after(
        self,
        after: int,
        limit: int,
        *,
        stored_by: datetime | None = None,
        stored_after: datetime | None = None,
        held: bool = True,
        oldest: bool = False,
    ) -> list[int]:
        """The newest ``limit`` item ids above ``after`` (``oldest``: the oldest), oldest
        first; with ``stored_by``, of the items stored (``fetched_at``) at or before it;
        with ``stored_after``, of those stored after it; ``held=False`` leaves out the
        items held for their linked page (``hold_for_pages``)."""
        query = select(ItemRow.id).where(ItemRow.id > after)
        if stored_by is not None:
            query = query.where(ItemRow.fetched_at <= stored_by)
        if stored_after is not None:
            query = query.where(ItemRow.fetched_at > stored_after)
        if not held:
            waiting = select(PageWaitRow.item_id).where(PageWaitRow.item_id == ItemRow.id)
            query = query.where(~waiting.exists())
        with self._read() as session:
            order = ItemRow.id.asc() if oldest else ItemRow.id.desc()
            found = session.scalars(query.order_by(order).limit(limit)).all()
        return sorted(found)

    def count_items(self) -> int:
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(ItemRow)) or 0
