"""Engine state and decisions, written atomically by ``commit_decisions``.

One transaction carries a batch's judgements, the developments they create or extend,
each story's engine state, the story counters (:mod:`storage.counters`) and the outbox
rows that announce them. An item updated in place and judged again (``revised``) has its
judgements replaced in that transaction (a pair is judged once: UNIQUE(story_id,
item_id)), is counted if it only now became on-topic, and its pending update
(:class:`storage.models.ItemUpdateRow`) is settled up to the version judged (a later
version stored meanwhile stays pending, compared with the version judged now). Either all
of it is stored or none is, so a crash or a constraint
violation (say a second judgement for the same story and item) can never leave an alert
without its decision, or counters that disagree with the judgements.

Each development created gets ``seq``, the next number of its story's sequence
(``stories.development_seq``), in the same transaction. The digests take it as their
watermark (:mod:`bot.digest`), so it must follow the order in which developments become
visible, not the order in which they were judged or stamped: ``created_at`` is the time
judging began, and a PostgreSQL sequence hands out values in the order asked, not
committed. The counter is bumped with an UPDATE, which holds the story's row lock until
commit: a second transaction creating a development in that story waits there until the
first commits, then counts on from it. So whatever a reader sees of a story's developments
is always seq 1..n with no gap, and "seq > watermark" misses none. (SQLite has one writer
at a time anyway.) Stories are bumped in id order, so two batches cannot deadlock on them.

The stream statistics every story weighs with are stored once a commit, in their own row
(``engine_stream``), so a fresh engine weighs with exactly what the last commit's decisions
were made with. Every commit that judged for a story writes that one row, so it is written
last: a transaction holding its lock only commits, and one waiting for it holds no lock
another needs, so commits queue there but cannot deadlock on it. It is an upsert: the
first two commits of a database, reaching it at once, would otherwise both find no row
and one fail on its key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.model import Decision, Judgement
from bot.ports import Conflict, DevelopmentWrite, OutboxWrite
from storage import convert
from storage.base import StoreBase
from storage.counters import chunks, count_judgements, upsert_insert
from storage.first_reports import earliest_item_time
from storage.models import (
    Base,
    DevelopmentItemRow,
    DevelopmentRow,
    DevelopmentUpdateRow,
    EngineBackgroundRow,
    EngineStateRow,
    EngineStreamRow,
    ItemRow,
    ItemUpdateRow,
    JudgementRow,
    PageWaitRow,
    StoryRow,
)
from storage.outbox import apply_outbox_writes
from storage.serialize import citations_to_json


def _add_judgements(
    session: Session, judgements: Sequence[Judgement], now: datetime, versions: Mapping[int, int]
) -> None:
    # One multi-row Core INSERT: a batch is ~10 judgements per item for every item of a
    # cycle, and building and flushing an ORM object for each cost more than the SQL.
    if not judgements:
        return
    rows = [
        {
            "story_id": j.story_id,
            "item_id": j.item_id,
            "on_topic": j.on_topic,
            "score": float(j.score),
            "duplicate_of": j.duplicate_of,
            "development": j.development,
            "new_development": j.new_development,
            "reason": dict(j.reason),
            "decided_at": now,
        }
        for j in judgements
    ]
    if versions:  # else the column is left out: NULL, not recorded
        for row, j in zip(rows, judgements, strict=True):
            row["item_version"] = versions.get(j.item_id)
    session.execute(insert(cast(Table, JudgementRow.__table__)), rows)


def _revise_judgements(
    session: Session, revised: Sequence[Judgement], now: datetime, versions: Mapping[int, int]
) -> list[Judgement]:
    """Replace stored judgements with new ones of the same pairs; return those that only
    now became on-topic (the counters count them now). A pair not stored is added."""
    newly_on: list[Judgement] = []
    for j in revised:
        row = session.scalar(
            select(JudgementRow).where(
                JudgementRow.story_id == j.story_id, JudgementRow.item_id == j.item_id
            )
        )
        if row is None:
            _add_judgements(session, [j], now, versions)
            newly_on.extend([j] if j.on_topic else [])
            continue
        if j.on_topic and not row.on_topic:
            newly_on.append(j)
        row.on_topic = j.on_topic
        row.score = float(j.score)
        row.duplicate_of = j.duplicate_of
        row.development = j.development
        row.new_development = j.new_development
        row.reason = dict(j.reason)
        row.decided_at = now
        row.item_version = versions.get(j.item_id, row.item_version)
    session.flush()
    return newly_on


def _settle_updates(
    session: Session, versions: Mapping[int, int], texts: Mapping[int, tuple[str, str]]
) -> None:
    """Delete the pending updates these versions judged.

    A later version stays pending (stored while this one was judged); its row then reads
    the text of the version judged now (``texts``), since that is what the judgements
    read: the next run tells what the later version added to this one, not to the
    version before it.
    """
    table = cast(Table, ItemUpdateRow.__table__)
    by_version: dict[int, list[int]] = {}
    for item_id, version in versions.items():
        by_version.setdefault(version, []).append(item_id)
    for version, item_ids in sorted(by_version.items()):
        for part in chunks(sorted(item_ids)):
            session.execute(
                delete(table).where(table.c.item_id.in_(part), table.c.version <= version)
            )
    # Only the rows still pending after the deletes (a later version, rare) are rewritten:
    # one query finds them, so a batch of judged items sends no text back in the usual case.
    wanted = sorted(i for i in texts if i in versions)
    later = {
        item_id
        for part in chunks(wanted)
        for item_id in session.scalars(select(table.c.item_id).where(table.c.item_id.in_(part)))
    }
    for item_id in sorted(later):  # sorted: a fixed lock order
        title, text = texts[item_id]
        session.execute(
            update(table)
            .where(table.c.item_id == item_id, table.c.version > versions[item_id])
            .values(title=title, text=text)
        )


def allocate_seqs(
    session: Session, developments: Sequence[DevelopmentWrite]
) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    """The ``seq`` of each development these writes create, (story, number) -> seq, and
    the update seq of each story whose stored developments they extend, story -> seq.

    Developments already stored are left out of the first (a write only extends them);
    the updates a commit records in a story all take its one update seq
    (``stories.update_seq``, the digests' second watermark: see
    :meth:`DecisionStore.development_updates_after`). Each story's counters are raised
    once, in one UPDATE, in story id order, under its row lock (see the module
    docstring). A story that does not exist gets none: the insert then fails on its
    foreign key, as before.
    """
    wanted = list(dict.fromkeys((w.story_id, w.number) for w in developments))
    stored: set[tuple[int, int]] = set()
    for part in chunks(wanted):
        query = select(DevelopmentRow.story_id, DevelopmentRow.number).where(
            tuple_(DevelopmentRow.story_id, DevelopmentRow.number).in_(part)
        )
        stored.update((story_id, number) for story_id, number in session.execute(query))
    new: dict[int, list[int]] = {}
    extended: set[int] = set()
    for story_id, number in wanted:
        if (story_id, number) not in stored:
            new.setdefault(story_id, []).append(number)
        elif number > 0:
            extended.add(story_id)
    seqs: dict[tuple[int, int], int] = {}
    updates: dict[int, int] = {}
    for story_id in sorted(set(new) | extended):
        numbers = new.get(story_id, [])
        values: dict[str, Any] = {}
        if numbers:
            values["development_seq"] = func.coalesce(StoryRow.development_seq, 0) + len(numbers)
        if story_id in extended:
            values["update_seq"] = func.coalesce(StoryRow.update_seq, 0) + 1
        row = session.execute(
            update(StoryRow)
            .where(StoryRow.id == story_id)
            .values(**values)
            .returning(StoryRow.development_seq, StoryRow.update_seq)
        ).one_or_none()
        if row is None:
            continue
        last, updated = row
        for offset, number in enumerate(numbers):
            seqs[story_id, number] = (last or 0) - len(numbers) + 1 + offset
        if story_id in extended:
            updates[story_id] = updated or 0
    return seqs, updates


def _write_development(
    session: Session,
    write: DevelopmentWrite,
    now: datetime,
    seq: int | None,
    update_seq: int | None = None,
) -> None:
    """Create or extend the development, linking its new items.

    Extending one stored before this commit (``update_seq`` given), the report it links
    or the fact it adds is recorded as one of the development's updates (see
    :class:`storage.models.DevelopmentUpdateRow`).
    """
    row = session.scalar(
        select(DevelopmentRow).where(
            DevelopmentRow.story_id == write.story_id, DevelopmentRow.number == write.number
        )
    )
    if row is None:
        row = DevelopmentRow(
            story_id=write.story_id,
            number=write.number,
            headline=write.headline,
            summary=write.summary,
            citations=citations_to_json(write.citations),
            created_at=now,
            updated_at=now,
            seq=seq,
        )
        session.add(row)
        session.flush()
        update_seq = None  # new in this commit: a digest lists it whole
    else:
        row.headline = write.headline
        row.summary = write.summary
        row.citations = citations_to_json(write.citations)
        row.updated_at = now
    wanted = list(dict.fromkeys(write.item_ids))  # de-duplicated, order kept
    if not wanted:
        _record_update(session, row, write, [], now, update_seq)
        return
    linked = set(
        session.scalars(
            select(DevelopmentItemRow.item_id).where(
                DevelopmentItemRow.development_id == row.id,
                DevelopmentItemRow.item_id.in_(wanted),
            )
        )
    )
    new = [item_id for item_id in wanted if item_id not in linked]
    for item_id in new:
        session.add(DevelopmentItemRow(development_id=row.id, item_id=item_id, added_at=now))
    _record_update(session, row, write, new, now, update_seq)
    # another report only ever moves the first report earlier (an earlier date read late)
    earliest = earliest_item_time(session, new) if new else None
    if earliest is not None and (row.first_reported_at is None or earliest < row.first_reported_at):
        row.first_reported_at = earliest
    session.flush()  # ids in discovery order: first reporter first


def _record_update(
    session: Session,
    row: DevelopmentRow,
    write: DevelopmentWrite,
    new: Sequence[int],
    now: datetime,
    update_seq: int | None,
) -> None:
    """One update row for each report ``write`` newly linked to ``row``, the fact on the
    one it brought, or a row for the fact alone (a report updated in place)."""
    if update_seq is None or row.number <= 0:
        return
    fact_item = write.fact_item_id if write.fact else None
    rows = [(item_id, 1, write.fact if item_id == fact_item else None) for item_id in new]
    if fact_item is not None and fact_item not in new:
        rows.append((fact_item, 0, write.fact))
    session.add_all(
        DevelopmentUpdateRow(
            story_id=row.story_id,
            development_id=row.id,
            item_id=item_id,
            seq=update_seq,
            reports=reports,
            fact=fact,
            added_at=now,
        )
        for item_id, reports, fact in rows
    )


def _replace_state(
    session: Session, model: type[Base], key: Mapping[str, int], **values: Any
) -> None:
    """Write a state row's ``values``, adding the row (with ``key``) if there is none.

    The row is not read first: an engine state is a few hundred kB of JSON, and loading
    it at every cycle only to replace it cost a third as much as writing it.
    """
    where = [getattr(model, column) == value for column, value in key.items()]
    done = session.execute(
        update(model).where(*where).values(**values).execution_options(synchronize_session=False)
    )
    if cast(Any, done).rowcount == 0:
        session.add(model(**key, **values))


def _write_engine_state(
    session: Session, story_id: int, state: Mapping[str, Any], now: datetime
) -> None:
    _replace_state(
        session, EngineStateRow, {"story_id": story_id}, state=dict(state), updated_at=now
    )


def write_stream(session: Session, state: Mapping[str, Any], now: datetime) -> None:
    """Replace the stream statistics' row (see the module docstring: a commit's last write)."""
    table = cast(Table, EngineStreamRow.__table__)
    stmt = upsert_insert(session, table).values(id=1, state=dict(state), updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
    )
    session.execute(stmt)


class DecisionStore(StoreBase):
    def load_background(self) -> tuple[Mapping[str, Any], int] | None:
        """The engine's saved background statistics and the item id they cover through."""
        with self._read() as session:
            row = session.get(EngineBackgroundRow, 1)
            if row is None or row.state is None:
                return None
            return dict(row.state), row.observed_through

    def save_background(
        self, state: Mapping[str, Any], observed_through: int, now: datetime
    ) -> None:
        """Replace the engine's background statistics (see ``load_background``)."""
        with self._write() as session:
            _replace_state(
                session,
                EngineBackgroundRow,
                {"id": 1},
                state=dict(state),
                observed_through=observed_through,
                updated_at=now,
            )

    def load_engine_state(self, story_id: int) -> Mapping[str, Any] | None:
        """The engine state saved for a story, or None if there is none yet."""
        with self._read() as session:
            row = session.get(EngineStateRow, story_id)
            return dict(row.state) if row is not None and row.state is not None else None

    def load_stream(self) -> Mapping[str, Any] | None:
        """The stream statistics the last commit stored (``commit_decisions(stream=)``),
        or None if no commit has stored any."""
        with self._read() as session:
            row = session.get(EngineStreamRow, 1)
            return dict(row.state) if row is not None and row.state is not None else None

    def load_dated_stream(self) -> tuple[Mapping[str, Any], datetime] | None:
        """The stream statistics the last commit stored and when it stored them (its
        ``now``), or None if no commit has stored any."""
        with self._read() as session:
            row = session.get(EngineStreamRow, 1)
            if row is None or row.state is None:
                return None
            return dict(row.state), row.updated_at

    def commit_decisions(
        self,
        judgements: Sequence[Judgement],
        developments: Sequence[DevelopmentWrite],
        engine_states: Mapping[int, Mapping[str, Any]],
        outbox: Sequence[OutboxWrite],
        now: datetime,
        *,
        revised: Sequence[Judgement] = (),
        versions: Mapping[int, int] | None = None,
        texts: Mapping[int, tuple[str, str]] | None = None,
        stream: Mapping[str, Any] | None = None,
    ) -> None:
        """Store a batch of decisions and their consequences in one transaction.

        Args:
            judgements: New judgements (a pair judged before is a conflict).
            developments: Developments created or extended.
            engine_states: Each touched story's engine snapshot.
            outbox: Alerts, edits and notices to queue.
            now: The decision time.
            revised: New judgements of pairs judged before (an updated item judged
                again): they replace the stored ones.
            versions: Item id -> the version judged, for the items of this batch:
                recorded with the judgements, and their pending updates up to that
                version are settled (see the module docstring).
            texts: Item id -> the headline and text of the version judged (in
                ``versions``). A later version stored meanwhile stays pending, and its
                pending update takes these as the text judged.
            stream: The stream statistics the decisions were made with: they replace
                the stored ones (``load_stream``); None leaves those as they are.

        Raises:
            Conflict: the batch breaks a constraint (a story/item pair judged twice, an
                unknown story or item); nothing of the batch is stored.
        """
        try:
            versions = versions or {}
            with self._write() as session:
                _add_judgements(session, judgements, now, versions)
                newly_on = _revise_judgements(session, revised, now, versions)
                count_judgements(session, [*judgements, *newly_on])
                _settle_updates(session, versions, texts or {})
                seqs, update_seqs = allocate_seqs(session, developments)
                for write in developments:
                    seq = seqs.get((write.story_id, write.number))
                    update_seq = update_seqs.get(write.story_id)
                    _write_development(session, write, now, seq, update_seq)
                for story_id, state in engine_states.items():
                    _write_engine_state(session, story_id, state, now)
                apply_outbox_writes(session, outbox, now)
                if stream is not None:
                    write_stream(session, stream, now)  # last: see the module docstring
        except IntegrityError as exc:
            raise Conflict(f"decisions not stored, nothing was written: {exc.orig}") from exc

    def unjudged_items(self, since: datetime, before: datetime, newest: int = 2000) -> int:
        """How many of the ``newest`` items stored, fetched after ``since`` and no later
        than ``before``, no story has judged and none waits for its linked page.

        For ``storybot health``: with stories tracked, the service judges every item in
        the cycle that stores it (a scale-out judging job soon after), so one left
        unjudged for long means nothing judges. Only the newest items are read (by id,
        the primary key) so the check costs the same on a database of millions.
        """
        with self._read() as session:
            rows = session.execute(
                select(ItemRow.id, ItemRow.fetched_at).order_by(ItemRow.id.desc()).limit(newest)
            ).all()
            wanted = [item_id for item_id, fetched in rows if since < fetched <= before]
            if not wanted:
                return 0
            waiting = set(
                session.scalars(select(PageWaitRow.item_id).where(PageWaitRow.item_id.in_(wanted)))
            )
        return len(set(wanted) - self.judged_item_ids(wanted) - waiting)

    def judged_item_ids(self, item_ids: Collection[int]) -> set[int]:
        """Those of ``item_ids`` that some story has judged.

        What a poll asks of every item a feed still lists: one indexed query a chunk of
        ids, instead of reading each item's decisions (and the item) one at a time.
        """
        found: set[int] = set()
        with self._read() as session:
            for part in chunks(sorted(set(item_ids))):
                found.update(
                    session.scalars(
                        select(JudgementRow.item_id)
                        .where(JudgementRow.item_id.in_(part))
                        .distinct()
                    )
                )
        return found

    def decisions_for_item(self, item_id: int) -> list[Decision]:
        """Every story's judgement of an item, by story id."""
        query = (
            select(JudgementRow, ItemRow)
            .join(ItemRow, ItemRow.id == JudgementRow.item_id)
            .where(JudgementRow.item_id == item_id)
            .order_by(JudgementRow.story_id)
        )
        with self._read() as session:
            return [
                Decision(convert.judgement(j), convert.item(i), j.decided_at, j.item_version)
                for j, i in session.execute(query)
            ]
