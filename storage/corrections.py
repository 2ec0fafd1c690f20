"""Corrections: an admin's word that an item is or is not part of a story (``/story wrong``).

One row per story and item (UNIQUE(story_id, item_id)): a new word replaces the row,
whoever gave the earlier one, and a withdrawal deletes it. The table is the truth the
pipeline brings every engine in line with at the start of each cycle
(:mod:`bot.teaching`), so it is read whole, in one query, that often
(``all_corrections``): it holds what admins typed, a few rows a story.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.exc import IntegrityError

from bot.model import Correction
from bot.ports import NotFound
from storage import convert
from storage.base import StoreBase, affected
from storage.counters import upsert_insert
from storage.models import CorrectionRow

_TABLE = cast(Table, CorrectionRow.__table__)


class CorrectionStore(StoreBase):
    def set_correction(self, correction: Correction) -> None:
        """Record a correction, replacing the story's earlier one of the item (its label,
        who gave it and when).

        Raises:
            NotFound: the story or the item is not stored (removed meanwhile).
        """
        values = _values(correction)
        try:
            with self._write() as session:
                stmt = upsert_insert(session, _TABLE).values(**values)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[_TABLE.c.story_id, _TABLE.c.item_id],
                    set_={k: stmt.excluded[k] for k in values if k not in ("story_id", "item_id")},
                )
                session.execute(stmt)
        except IntegrityError:
            raise NotFound(
                f"no story {correction.story_id} or no item {correction.item_id}"
            ) from None

    def remove_correction(self, story_id: int, item_id: int) -> bool:
        """Withdraw the story's correction of the item; True if there was one."""
        with self._write() as session:
            gone = affected(
                session,
                delete(_TABLE).where(_TABLE.c.story_id == story_id, _TABLE.c.item_id == item_id),
            )
            return bool(gone)

    def all_corrections(self) -> dict[int, dict[int, bool]]:
        """Every story's corrections, in one query: story id -> item id -> on topic.

        A story without corrections has no key.
        """
        query = select(_TABLE.c.story_id, _TABLE.c.item_id, _TABLE.c.on_topic)
        found: dict[int, dict[int, bool]] = {}
        with self._read() as session:
            for story_id, item_id, on in session.execute(query):
                found.setdefault(story_id, {})[item_id] = bool(on)
        return found

    def item_corrections(self, item_id: int) -> list[Correction]:
        """Every story's correction of an item, with who gave it and when, by story id."""
        query = (
            select(CorrectionRow)
            .where(CorrectionRow.item_id == item_id)
            .order_by(CorrectionRow.story_id)
        )
        with self._read() as session:
            return [convert.correction(row) for row in session.scalars(query)]


def _values(c: Correction) -> Mapping[str, Any]:
    return {
        "story_id": c.story_id,
        "item_id": c.item_id,
        "on_topic": c.on_topic,
        "platform": c.platform,
        "user_id": c.user_id,
        "created_at": c.created_at,
    }
