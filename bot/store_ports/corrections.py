"""The store's role for corrections: an admin's word on an item (``/story wrong``).

Corrections teach the engine (:mod:`bot.teaching`): each cycle brings it in line with them.
One of the roles :class:`bot.store_ports.Store` is made of.
"""

from __future__ import annotations

from typing import Protocol

from bot.model import Correction


class CorrectionStore(Protocol):
    """Admins' corrections of stories' judgements, one per story and item."""

    def set_correction(self, correction: Correction) -> None:
        """Record an admin's word that an item is or is not part of a story, replacing
        the story's earlier correction of that item (its label, who and when).

        Raises:
            NotFound: the story or the item is not stored (removed meanwhile).
        """
        ...

    def remove_correction(self, story_id: int, item_id: int) -> bool:
        """Withdraw the story's correction of the item; True if there was one."""
        ...

    def all_corrections(self) -> dict[int, dict[int, bool]]:
        """Every story's corrections in one read: story id -> item id -> on topic (a
        story without any has no key). What each cycle brings the engine in line with."""
        ...

    def item_corrections(self, item_id: int) -> list[Correction]:
        """Every story's correction of an item, with who gave it and when, by story id
        (``/story why`` and ``/story wrong``)."""
        ...
