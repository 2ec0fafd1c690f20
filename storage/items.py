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

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.model import IngestOutcome, Item, NewItem
from storage import convert
from storage.base import StoreBase
from storage.models import ItemRow

MAX_KEY_BYTES = 1024


def stored_key(key: str) -> str:
    """The key as stored: itself, or a digest of it when it is too long to index."""
    raw = key.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_KEY_BYTES:
        return key
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _find_same(session: Session, item: NewItem) -> ItemRow | None:
    row = session.scalar(select(ItemRow).where(ItemRow.key == stored_key(item.key)))
    if row is None and item.canonical_url:
        row = session.scalar(
            select(ItemRow)
            .where(ItemRow.canonical_url == item.canonical_url)
            .order_by(ItemRow.id)
            .limit(1)
        )
    return row


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


class ItemStore(StoreBase):
    def ingest_item(self, item: NewItem) -> tuple[IngestOutcome, Item]:
        """Store an item unless its key or canonical URL is already known.

        Returns:
            (NEW, stored item), (SEEN, existing item) or (UPDATED, existing item at its
            bumped version).
        """
        try:
            return self._ingest_once(item)
        except IntegrityError:
            # Another writer stored the same key between our lookup and insert: it now
            # exists, so a second pass finds it.
            return self._ingest_once(item)

    def _ingest_once(self, item: NewItem) -> tuple[IngestOutcome, Item]:
        with self._write() as session:
            row = _find_same(session, item)
            if row is None:
                row = _new_row(item)
                session.add(row)
                session.flush()
                return IngestOutcome.NEW, convert.item(row)
            if row.content_hash == item.content_hash:
                return IngestOutcome.SEEN, convert.item(row)
            _apply_update(row, item)
            session.flush()
            return IngestOutcome.UPDATED, convert.item(row)

    def get_item(self, item_id: int) -> Item | None:
        with self._read() as session:
            row = session.get(ItemRow, item_id)
            return convert.item(row) if row else None

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
