"""Items waiting for their linked page (``[pages] wait_s``; ``bot.linked_pages.LinkedPages.read``).

A headline-only item whose linked page failed in a way that may pass (a dropped
connection, a timeout, HTTP 429 or 5xx) is not judged at once: a row here holds it until
its page is read or its wait is over, and each poll cycle asks for the rows that are due
(``due_page_waits``, by the ``next_try_at`` index). The set is small (items whose site
is failing right now) and a row goes when its item is judged (``release_page_waits``)
or deleted (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select

from bot.model import PageWait
from storage.base import StoreBase
from storage.counters import chunks, upsert_insert
from storage.models import ItemRow, PageWaitRow

_TABLE = cast(Table, PageWaitRow.__table__)


class PageWaitStore(StoreBase):
    def hold_for_pages(self, waits: Sequence[PageWait]) -> None:
        if not waits:
            return
        by_item = {w.item_id: w for w in waits}  # the last word for an item given twice
        with self._write() as session:
            for part in chunks(sorted(by_item)):  # sorted: a fixed lock order
                known = set(session.scalars(select(ItemRow.id).where(ItemRow.id.in_(part))))
                rows = [_row(by_item[item_id]) for item_id in part if item_id in known]
                if not rows:
                    continue
                stmt = upsert_insert(session, _TABLE)
                # an item already waiting keeps when its wait began
                stmt = stmt.on_conflict_do_update(
                    index_elements=[_TABLE.c.item_id],
                    set_={
                        "next_try_at": stmt.excluded.next_try_at,
                        "tries": stmt.excluded.tries,
                    },
                )
                session.execute(stmt, rows)

    def due_page_waits(self, now: datetime, limit: int = 200) -> list[PageWait]:
        query = (
            select(PageWaitRow)
            .where(PageWaitRow.next_try_at <= now)
            .order_by(PageWaitRow.next_try_at, PageWaitRow.item_id)
            .limit(limit)
        )
        with self._read() as session:
            return [
                PageWait(row.item_id, row.since, row.next_try_at, row.tries)
                for row in session.scalars(query)
            ]

    def release_page_waits(self, item_ids: Sequence[int]) -> None:
        if not item_ids:
            return
        with self._write() as session:
            for part in chunks(sorted(set(item_ids))):
                session.execute(delete(_TABLE).where(_TABLE.c.item_id.in_(part)))

    def count_page_waits(self) -> int:
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(_TABLE)) or 0


def _row(wait: PageWait) -> dict[str, Any]:
    return {
        "item_id": wait.item_id,
        "since": wait.since,
        "next_try_at": wait.next_try_at,
        "tries": wait.tries,
    }
