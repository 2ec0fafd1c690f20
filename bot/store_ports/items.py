"""The store's roles for items: what the feeds brought, and those waiting for their page.

Items are stored once (by key or canonical URL) and judged later; an item whose feed gave
no body may wait for its linked page to be read before it is judged. Two of the roles
:class:`bot.store_ports.Store` is made of.
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping, Protocol, Sequence

from bot.model import IngestOutcome, Item, ItemUpdate, NewItem, PageWait


class ItemStore(Protocol):
    """The items fetched: stored once, updated in place (and judged again), found by id or URL."""

    def ingest_item(self, item: NewItem) -> tuple[IngestOutcome, Item]:
        """Store an item unless its key or canonical URL is already known.

        The canonical URL finds a stored item only when it names one: not for an item
        whose ``shared_link`` says its feed lists others under it, and not when two or
        more stored items already hold it (those are distinct items, whichever this is).

        Returns NEW with the stored item, SEEN with the existing item (same text), or
        UPDATED with the existing item at its bumped version (text changed).
        """
        ...

    def ingest_items(self, items: Sequence[NewItem]) -> list[tuple[IngestOutcome, Item]]:
        """``ingest_item`` for each item, in order, in one transaction.

        Returns one (outcome, item) per input, exactly what separate calls would have
        returned: a duplicate later in the same batch is SEEN (or UPDATED when its text
        differs) and each item is as it stood right after its own turn. Use it to store a
        fetch's entries with one lookup instead of one transaction per entry. The items
        of a feed removed meanwhile (its fetch was in flight) are not stored and have no
        pair in the result.
        """
        ...

    def get_item(self, item_id: int) -> Item | None: ...

    def get_items(self, item_ids: Sequence[int]) -> list[Item]:
        """The stored items with these ids, in the order given (unknown ids skipped)."""
        ...

    def find_item_by_url(self, url: str) -> Item | None:
        """Find by exact URL or canonical URL (callers pass a canonicalised URL too)."""
        ...

    def find_items_by_url(self, url: str, limit: int) -> list[Item]:
        """The items at this URL, newest first, at most ``limit``.

        Those whose exact URL it is or, if none, those whose canonical URL it is: several
        when a feed lists its articles under one link (``NewItem.shared_link``).
        """
        ...

    def save_page_texts(self, texts: Mapping[int, str]) -> None:
        """Store the main text of each item's linked page (item id -> text), in one commit.

        Read because the item's feed gave no body (``LinkedPages.read``). The text
        is the item's ``page_text`` from then on: a re-poll that finds the entry
        unchanged or edited keeps it; an update that gives the item a link it lacked
        clears it (the page read was not that link's). Unknown ids are skipped.
        """
        ...

    def count_items(self) -> int: ...

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
        ...

    def pending_updates(self, limit: int = 200) -> list[ItemUpdate]:
        """Items updated since a version that was judged, not judged again yet, oldest first."""
        ...


class PageWaitStore(Protocol):
    """The items whose judgement waits for their linked page (``bot.linked_pages``)."""

    def hold_for_pages(self, waits: Sequence[PageWait]) -> None:
        """Record items whose judgement waits for their linked page, in one commit.

        An item already waiting keeps its ``since`` and takes the new ``next_try_at``
        and ``tries``. Unknown item ids are skipped.
        """
        ...

    def due_page_waits(self, now: datetime, limit: int = 200) -> list[PageWait]:
        """The waiting items whose next try is due (``next_try_at <= now``), soonest first."""
        ...

    def release_page_waits(self, item_ids: Sequence[int]) -> None:
        """Stop waiting for these items' pages (they are judged, or about to be)."""
        ...

    def count_page_waits(self) -> int:
        """How many items wait for their linked page."""
        ...
