"""Items: ingest with de-duplication and update detection.

An incoming item is the same as a stored one when its ``key`` matches or, failing that,
its ``canonical_url`` does (the same article reached through two feeds with different
guids). Same identity and same ``content_hash`` is SEEN; a different hash is UPDATED: the
text is replaced and ``version`` bumped, so later stages can tell an edit from news.

Keys longer than :data:`MAX_KEY_BYTES` (a feed can send a guid of any length) are stored
as ``"sha256:<hex>"`` of the key: unique indexes have entry size limits (about 2.7 kB on
PostgreSQL), and the digest is just as good an identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.model import IngestOutcome, Item, NewItem
from storage import convert
from storage.base import StoreBase
from storage.counters import chunks
from storage.models import ItemRow

MAX_KEY_BYTES = 1024


def stored_key(key: str) -> str:
    """The key as stored: itself, or a digest of it when it is too long to index."""
    raw = key.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_KEY_BYTES:
        return key
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _new_row(item: NewItem) -> ItemRow:
    return ItemRow(
        key=stored_key(item.key),
        feed_id=item.feed_id,
        url=item.url,
        canonical_url=item.canonical_url,
        title=item.title,
        summary=item.summary,
        content=item.content,
        published=item.published,
        fetched_at=item.fetched_at,
        source=item.source,
        content_hash=item.content_hash,
        version=1,
    )


def _apply_update(row: ItemRow, item: NewItem) -> None:
    row.title = item.title
    row.summary = item.summary
    row.content = item.content
    row.content_hash = item.content_hash
    row.published = item.published or row.published
    row.url = row.url or item.url
    row.canonical_url = row.canonical_url or item.canonical_url
    row.updated_at = item.fetched_at
    row.version = row.version + 1


class _Batch:
    """What one ``ingest_items`` transaction knows: stored rows by key and canonical URL.

    Rows found by the two lookups and rows added or changed earlier in the batch are kept
    here, so each item sees exactly what a separate ``ingest_item`` call would have seen.
    """

    def __init__(self, session: Session, items: Sequence[NewItem]) -> None:
        self.by_key: dict[str, ItemRow] = {}
        self.by_canonical: dict[str, ItemRow] = {}  # the oldest row with that URL
        self._order: dict[int, int] = {}  # id(row) -> insertion order of a new row
        keys = list(dict.fromkeys(stored_key(item.key) for item in items))
        for part in chunks(keys):
            for row in session.scalars(select(ItemRow).where(ItemRow.key.in_(part))):
                self.by_key[row.key] = row
        urls = list(dict.fromkeys(item.canonical_url for item in items if item.canonical_url))
        for part in chunks(urls):
            query = select(ItemRow).where(ItemRow.canonical_url.in_(part)).order_by(ItemRow.id)
            for row in session.scalars(query):
                self.by_canonical.setdefault(row.canonical_url or "", row)

    def find(self, item: NewItem) -> ItemRow | None:
        row = self.by_key.get(stored_key(item.key))
        if row is None and item.canonical_url:
            row = self.by_canonical.get(item.canonical_url)
        return row

    def _age(self, row: ItemRow) -> tuple[int, int]:
        # Stored rows by id; new rows (no id before the flush) after them, in order.
        return (0, row.id) if row.id is not None else (1, self._order[id(row)])

    def added(self, row: ItemRow) -> None:
        self._order[id(row)] = len(self._order)
        self.by_key[row.key] = row
        self.known_url(row)

    def known_url(self, row: ItemRow) -> None:
        """Note the row's canonical URL (new, or just filled in by an update)."""
        if row.canonical_url:
            oldest = self.by_canonical.get(row.canonical_url)
            if oldest is None or self._age(row) < self._age(oldest):
                self.by_canonical[row.canonical_url] = row


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
        returned as it stood right after its own turn. Costs one lookup by key and one
        by canonical URL for the whole batch, then one flush of the inserts and updates.
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
            batch = _Batch(session, items)
            steps: list[tuple[IngestOutcome, ItemRow, Item]] = []
            for item in items:
                row = batch.find(item)
                if row is None:
                    row = _new_row(item)
                    session.add(row)
                    batch.added(row)
                    outcome = IngestOutcome.NEW
                elif row.content_hash == item.content_hash:
                    outcome = IngestOutcome.SEEN
                else:
                    _apply_update(row, item)
                    batch.known_url(row)
                    outcome = IngestOutcome.UPDATED
                # As it stands now (a later item of the batch may change it again); a new
                # row gets its id from the flush.
                steps.append((outcome, row, convert.item(row)))
            session.flush()  # one multi-row INSERT (ids in item order), then the updates
            return [(outcome, replace(state, id=row.id)) for outcome, row, state in steps]

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

    def count_items(self) -> int:
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(ItemRow)) or 0
