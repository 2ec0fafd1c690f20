"""Retired developments, kept for a while so that a late report can revive its event.

When a whole stream is clustered into events, only ``max_developments`` developments
stay active (the cost of placing an item must not grow with the stream). On a busy
stream of local crime news that cap retires an event within days of its last report,
so a follow-up weeks later (the victim named, the arrest, the charges) opens a second
cluster for the same event: that was most of the recall lost on the GVA stream.
Keeping every development active does not help: the more old developments an item is
compared with, the more often two reports that share only the outlet's home town and
the kind of crime ("shot", "police", "Fort Worth") are joined.

So a retired development goes to this archive, and an item that joins no active
development may *revive* one, under a stricter rule than a join:

* **Marks**: the item and the development must share at least ``dev_revive_marks``
  *marks*: capitalised phrases (full names, streets, places) that the item's outlet
  has not printed habitually (:meth:`bot.engine.outlets.OutletMemory.marks`). For
  reports of events of one kind, the victims' and suspects' names and the street are
  what tell two events apart; an outlet's own name and home town are not.
* **Similarity**: the development's decayed similarity must still reach the join
  threshold, exactly as if it had stayed active.
* **Age**: a development quiet for more than ``dev_archive_days`` is forgotten; the
  longer an event has been silent, the likelier a lookalike is another event.

Cost is bounded: at most ``dev_archive_size`` developments, each indexed by at most
``_MAX_MARKS`` marks, so a lookup touches a bounded number of postings and computes at
most ``dev_archive_size`` cosines whatever the length of the stream.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

_MAX_MARKS = 60  # marks kept per development (its most frequent ones)


def add_marks(marks: dict[str, int], new: Iterable[str]) -> dict[str, int]:
    """A development's marks after one more item: counts added, the most frequent kept.

    Args:
        marks: The development's marks (term to number of items that carried it).
        new: The item's marks.

    Returns:
        The updated marks, at most ``_MAX_MARKS`` of them (ties broken by the term).
    """
    merged = Counter(marks)
    merged.update(set(new))
    if len(merged) <= _MAX_MARKS:
        return dict(merged)
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:_MAX_MARKS])


class RetiredIndex:
    """Bounded archive of retired developments with an inverted index over their marks.

    Stores any object with ``number`` (int), ``last`` (datetime) and ``marks``
    (term to count) attributes: the development tracker's clusters.
    """

    def __init__(self, max_size: int, max_age_days: float) -> None:
        """Create an empty archive.

        Args:
            max_size: Developments kept (the earliest retired are forgotten first).
            max_age_days: Days of silence after which a development is forgotten.
        """
        self.max_size = max_size
        self.max_age_days = max_age_days
        self._items: OrderedDict[int, Any] = OrderedDict()  # by retirement order
        self._postings: dict[str, set[int]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        """The archived developments, earliest retired first."""
        return iter(self._items.values())

    def add(self, c: Any) -> None:
        """Archive a retired development (one without marks can never be revived)."""
        if self.max_size <= 0 or not c.marks:
            return
        self._items[c.number] = c
        for t in c.marks:
            self._postings.setdefault(t, set()).add(c.number)
        while len(self._items) > self.max_size:
            self._drop(next(iter(self._items)))

    def pop(self, number: int) -> Any:
        """Take a development out of the archive (it is being revived)."""
        c = self._items[number]
        self._drop(number)
        return c

    def candidates(self, marks: Iterable[str], when: datetime, min_shared: int) -> list[Any]:
        """Archived developments that share enough marks with an item and are young enough.

        Developments silent for longer than ``max_age_days`` before ``when`` are
        forgotten on the way (the archive is read in time order).

        Args:
            marks: The item's marks.
            when: The item's time.
            min_shared: Least number of shared marks.

        Returns:
            The candidates, by development number.
        """
        self._forget_older_than(when)
        limit = self.max_age_days * 86400.0
        shared: Counter[int] = Counter()
        for t in set(marks):
            shared.update(self._postings.get(t, ()))
        found = [self._items[n] for n in sorted(shared) if shared[n] >= max(min_shared, 1)]
        return [c for c in found if (when - c.last).total_seconds() <= limit]

    def _forget_older_than(self, when: datetime) -> None:
        # retirement order is close to order of last activity; a development revived
        # and retired again goes to the back, so the scan stops at the first young one
        limit = self.max_age_days * 86400.0
        while self._items:
            first = next(iter(self._items.values()))
            if (when - first.last).total_seconds() <= limit:
                break
            self._drop(first.number)

    def _drop(self, number: int) -> None:
        c = self._items.pop(number)
        for t in c.marks:
            ids = self._postings.get(t)
            if ids is not None:
                ids.discard(number)
                if not ids:
                    del self._postings[t]
