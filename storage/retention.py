"""Retention: give back the space of what a long-running deployment no longer needs.

Every item ever polled is kept (its key and content hash are how a feed's next poll
recognises it), so a busy deployment's database grows for ever; most of it is the text of
off-topic items. ``prune`` keeps every row and every identity, and takes away only what
nothing reads again once an item is old:

* the summary and body (and the text read from the linked page, ``page_text``) of items
  fetched before the cut-off that no story took as on-topic, no development links to and
  no admin corrected (``/story wrong``), once the engine's background statistics count
  them (``engine_background.observed_through``); title, links, key and content hash stay,
  so a feed still listing such an item finds it SEEN, as before, and never re-judges it.
  A corrected item keeps its text whatever its judgement says: the engine is taught a
  correction from the item's stored text (:mod:`bot.teaching`), whenever its state lacks
  it (a correction given just before a prune, or given again with the other label), and
  ``/story why`` quotes its words; blanked, the engine would learn a headline alone.
  An item whose update is not judged yet (an ``item_updates`` row: the feed edited it,
  and its judging comes after, in the same cycle, a later one, or a scale-out job) keeps
  its text too, until that judging: it reads the new text, and blanked it would judge the
  headline alone and never see what the update added;
* delivered keyword notices and digests queued before the cut-off (their keys are per
  item and per period, so nothing would send them again). Alerts are kept: a later report
  of their development edits the posted message through its row;
* development updates (what later reports added to a development, which digests tell:
  :mod:`bot.digest`) recorded before the cut-off that every follow of their story has
  passed (``bindings.updated_seq`` at or past their ``seq``): digests read only those
  after a follow's watermark, which only moves forward, so none reads them again. A story
  nobody follows has passed them all: a new follow starts at the story's latest update
  (``bind``). The cut-off holds for them too, as for everything ``prune`` takes: what was
  recorded in the last ``--older-than`` days stays, whoever has read it.

Judgements stay too, so ``/story why`` still explains an old item.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, true, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.ports import PruneProgress, PruneReport
from storage.base import StoreBase, affected
from storage.models import (
    BindingRow,
    CorrectionRow,
    DevelopmentItemRow,
    DevelopmentUpdateRow,
    EngineBackgroundRow,
    ItemRow,
    ItemUpdateRow,
    JudgementRow,
    OutboxRow,
)

# Item ids one prune transaction goes through. On SQLite a transaction that writes holds
# the database's one write lock: the poll cycle's commits, /story commands and other CLI
# commands wait for it, and fail after the busy timeout (10 s). Blanking a million items
# in one transaction held it for 35 s; a batch of 10,000 ids holds it for about 0.3 s
# (benchmarks/contention.py). On PostgreSQL it bounds how long a batch's row locks last.
PRUNE_BATCH = 10_000


class RetentionStore(StoreBase):
    def prune(
        self, before: datetime, *, dry_run: bool = False, progress: PruneProgress | None = None
    ) -> PruneReport:
        """Blank old off-topic items' text; delete old delivered notices and digests, and
        old development updates every follow of their story has passed.

        Kept: the text of items a story took, a development holds or an admin corrected,
        and of those whose update is not judged yet (see the module's doc).

        A transaction per ``PRUNE_BATCH`` item ids (and outbox ids, and update ids), so that other writers
        wait for one batch at most, never for the whole prune; each batch decides by what
        is stored when it runs, so an item judged on-topic meanwhile is kept. Stopped
        midway, what was blanked stays blanked, and the next prune does the rest.

        Args:
            before: What was fetched (items) or queued (outbox rows) before this goes.
            dry_run: Count only; change nothing.
            progress: Called after each batch is committed with the batches done, the
                batches in all (the items', the outbox's, then the updates', known before
                the first)
                and what was done so far (``storybot prune`` shows it on a terminal).
                Not called in a dry run, which is one count.

        Returns:
            How many items were (or would be) blanked, and outbox rows and development
            updates deleted.
        """
        with self._read() as session:
            read_through = session.scalar(select(EngineBackgroundRow.observed_through))
            read_through = -1 if read_through is None else read_through
            if dry_run:
                items = _prunable_items(before, read_through)
                outbox = _prunable_outbox(before)
                n_items = session.scalar(select(func.count()).select_from(ItemRow).where(items))
                n_outbox = session.scalar(select(func.count()).select_from(OutboxRow).where(outbox))
                n_updates = session.scalar(
                    select(func.count())
                    .select_from(DevelopmentUpdateRow)
                    .where(_prunable_updates(before))
                )
                return PruneReport(
                    items=n_items or 0, outbox=n_outbox or 0, updates=n_updates or 0, dry_run=True
                )
            first_item = session.scalar(select(func.min(ItemRow.id))) or 0
            outbox_batches = _batches(session, OutboxRow.id)
            update_batches = _batches(session, DevelopmentUpdateRow.id)
        item_batches = range(first_item - 1, read_through, PRUNE_BATCH)
        total = len(item_batches) + len(outbox_batches) + len(update_batches)
        n_items = n_outbox = n_updates = 0
        for done, lo in enumerate(item_batches, 1):
            hi = min(lo + PRUNE_BATCH, read_through)
            with self._write() as session:
                blank = update(ItemRow).where(_prunable_items(before, hi, lo))
                n_items += affected(session, blank.values(summary="", content="", page_text=None))
            if progress is not None:
                progress(done, total, PruneReport(items=n_items, outbox=0))
        for done, lo in enumerate(outbox_batches, len(item_batches) + 1):
            batch = OutboxRow.id.between(lo + 1, lo + PRUNE_BATCH)
            with self._write() as session:
                n_outbox += affected(
                    session, delete(OutboxRow).where(_prunable_outbox(before), batch)
                )
            if progress is not None:
                progress(done, total, PruneReport(items=n_items, outbox=n_outbox))
        first = len(item_batches) + len(outbox_batches) + 1
        for done, lo in enumerate(update_batches, first):
            batch = DevelopmentUpdateRow.id.between(lo + 1, lo + PRUNE_BATCH)
            with self._write() as session:
                statement = delete(DevelopmentUpdateRow).where(_prunable_updates(before), batch)
                n_updates += affected(session, statement)
            if progress is not None:
                progress(done, total, PruneReport(n_items, n_outbox, updates=n_updates))
        return PruneReport(items=n_items, outbox=n_outbox, updates=n_updates, dry_run=False)


def _batches(session: Session, ids: InstrumentedAttribute[int]) -> range:
    """The batches of ``PRUNE_BATCH`` ids a table's rows span, each as the id before it."""
    first, last = session.execute(select(func.min(ids), func.max(ids))).one()
    return range(0 if first is None else first - 1, last or 0, PRUNE_BATCH)


def _prunable_items(
    before: datetime, read_through: int, after: int | None = None
) -> ColumnElement[bool]:
    """The items to blank among those with ids up to ``read_through`` (and above
    ``after``: one batch, whose look-ups of judgements, developments and corrections it
    bounds too).

    Each look-up is ``NOT EXISTS``, an anti-join, never ``NOT IN (subquery)``: PostgreSQL
    hashes the latter only while the subquery's rows fit in ``work_mem``, and runs it
    again for every item past that (``prune --dry-run`` over a million items with 435,000
    on-topic judgements did not end); ``NOT EXISTS`` is an anti-join whatever the memory
    (it spills to disk), and SQLite looks each item up in the tables' ``item_id`` indexes.
    """
    ids = (
        ItemRow.id <= read_through if after is None else ItemRow.id.between(after + 1, read_through)
    )
    on_topic = exists().where(JudgementRow.item_id == ItemRow.id, JudgementRow.on_topic == true())
    in_development = exists().where(DevelopmentItemRow.item_id == ItemRow.id)
    # either label: the engine is taught both from the item's text (see the module's doc)
    corrected = exists().where(CorrectionRow.item_id == ItemRow.id)
    # to be judged again, from its text (see the module's doc)
    unjudged_update = exists().where(ItemUpdateRow.item_id == ItemRow.id)
    if after is not None:
        on_topic = on_topic.where(JudgementRow.item_id.between(after + 1, read_through))
        in_development = in_development.where(
            DevelopmentItemRow.item_id.between(after + 1, read_through)
        )
        corrected = corrected.where(CorrectionRow.item_id.between(after + 1, read_through))
        unjudged_update = unjudged_update.where(
            ItemUpdateRow.item_id.between(after + 1, read_through)
        )
    return and_(
        ItemRow.fetched_at < before,
        ids,
        or_(ItemRow.summary != "", ItemRow.content != "", ItemRow.page_text.is_not(None)),
        ~on_topic,
        ~in_development,
        ~corrected,
        ~unjudged_update,
    )


def _prunable_updates(before: datetime) -> ColumnElement[bool]:
    """Development updates recorded before ``before`` that no follow of their story has
    still to read: none has its watermark (``updated_seq``, NULL: 0) below their ``seq``.
    An anti-join, as :func:`_prunable_items` explains; a story's follows are few, found
    by the bindings' (story, platform, channel) index."""
    unread = exists().where(
        BindingRow.story_id == DevelopmentUpdateRow.story_id,
        func.coalesce(BindingRow.updated_seq, 0) < DevelopmentUpdateRow.seq,
    )
    return and_(DevelopmentUpdateRow.added_at < before, ~unread)


def _prunable_outbox(before: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxRow.created_at < before,
        OutboxRow.delivered_at.is_not(None),
        OutboxRow.delivered_version >= OutboxRow.version,
        # keyword DMs, digests and removal notices (``gone:``): delivered, nothing edits
        # them again; alerts stay (a later report edits them)
        or_(*(OutboxRow.key.startswith(kind) for kind in ("notice:", "digest:", "gone:"))),
    )
