"""Retention: give back the space of what a long-running deployment no longer needs.

Every item ever polled is kept (its key and content hash are how a feed's next poll
recognises it), so a busy deployment's database grows for ever; most of it is the text of
off-topic items. ``prune`` keeps every row and every identity, and takes away only what
nothing reads again once an item is old:

* the summary and body (and the text read from the linked page, ``page_text``) of items
  fetched before the cut-off that no story took as on-topic and no development links to,
  once the engine's background statistics count them
  (``engine_background.observed_through``); title, links, key and content hash stay, so a
  feed still listing such an item finds it SEEN, as before, and never re-judges it;
* delivered keyword notices and digests queued before the cut-off (their keys are per
  item and per period, so nothing would send them again). Alerts are kept: a later report
  of their development edits the posted message through its row.

Judgements stay too, so ``/story why`` still explains an old item.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, true, update

from bot.ports import PruneReport
from storage.base import StoreBase
from storage.models import (
    DevelopmentItemRow,
    EngineBackgroundRow,
    ItemRow,
    JudgementRow,
    OutboxRow,
)


class RetentionStore(StoreBase):
    def prune(self, before: datetime, *, dry_run: bool = False) -> PruneReport:
        """Blank old off-topic items' text and delete old delivered notices and digests.

        Args:
            before: What was fetched (items) or queued (outbox rows) before this goes.
            dry_run: Count only; change nothing.

        Returns:
            How many items were (or would be) blanked and outbox rows deleted.
        """
        with self._write() as session:
            read_through = session.scalar(select(EngineBackgroundRow.observed_through))
            items = _prunable_items(before, -1 if read_through is None else read_through)
            outbox = _prunable_outbox(before)
            n_items = session.scalar(select(func.count()).select_from(ItemRow).where(items))
            n_outbox = session.scalar(select(func.count()).select_from(OutboxRow).where(outbox))
            if not dry_run:
                session.execute(
                    update(ItemRow).where(items).values(summary="", content="", page_text=None)
                )
                session.execute(delete(OutboxRow).where(outbox))
        return PruneReport(items=n_items or 0, outbox=n_outbox or 0, dry_run=dry_run)


def _prunable_items(before: datetime, read_through: int) -> ColumnElement[bool]:
    on_topic = select(JudgementRow.item_id).where(JudgementRow.on_topic == true())
    in_development = select(DevelopmentItemRow.item_id)
    return and_(
        ItemRow.fetched_at < before,
        ItemRow.id <= read_through,
        or_(ItemRow.summary != "", ItemRow.content != "", ItemRow.page_text.is_not(None)),
        ItemRow.id.not_in(on_topic),
        ItemRow.id.not_in(in_development),
    )


def _prunable_outbox(before: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxRow.created_at < before,
        OutboxRow.delivered_at.is_not(None),
        OutboxRow.delivered_version >= OutboxRow.version,
        or_(OutboxRow.key.startswith("notice:"), OutboxRow.key.startswith("digest:")),
    )
