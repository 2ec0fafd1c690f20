"""Story counters: what ``story_stats`` reports, kept up to date instead of counted.

``commit_decisions`` calls :func:`count_judgements` in its own transaction, so the
counters always agree with the judgements stored: an on-topic judgement adds one to
``items_on_topic`` (and to ``copies`` when it has a ``duplicate_of``), moves
``last_item_at`` forward to its item's ``fetched_at`` and adds the item's source to
``story_sources``. A judgement is replaced only when its item, updated in place, is judged
again, and that only ever turns an off-topic judgement on-topic (an on-topic item stays
on-topic: its development takes the new sentences); ``commit_decisions`` counts it then.
An item's ``source`` and ``fetched_at`` never change, so adding is all the counters ever
need; a story's rows go with it (ON DELETE CASCADE).

``story_sources``' primary key holds the outlet's label, and a label can be any length
(a feed entry's link whose host is thousands of characters, when the feed's title names
no outlet). A label longer than :data:`MAX_SOURCE_BYTES` is counted by its digest
(:func:`source_key`), as :mod:`storage.items` stores a long key: PostgreSQL refuses a
B-tree entry over about 2.7 kB, which failed the commit of every decision of the cycle.

The counter row is changed with one atomic ``INSERT .. ON CONFLICT DO UPDATE`` per story
(``items_on_topic = items_on_topic + n``), so concurrent writers on PostgreSQL add up
instead of overwriting each other.

:func:`rebuild_story_counters` recomputes everything from the judgements (what migration
0003 does once); it is for data written behind the store's back, e.g. bulk-loaded
benchmark fixtures.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.model import Judgement
from storage.models import ItemRow, JudgementRow, StoryCounterRow, StorySourceRow

# The longest outlet label story_sources holds as it is (see the module's doc).
MAX_SOURCE_BYTES = 1024

# Bound parameters per IN list: well under SQLite's limit (32766; 999 before 3.32).
CHUNK = 500


def chunks(values: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def upsert_insert(session: Session, table: Any) -> Any:
    """An INSERT that can take ``on_conflict_do_*`` (the session's backend's own)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def source_key(source: str) -> str:
    """An outlet label as ``story_sources`` holds it: itself, or ``"sha256:<hex>"`` of
    it when it is longer than :data:`MAX_SOURCE_BYTES` (distinct labels stay distinct)."""
    raw = source.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_SOURCE_BYTES:
        return source
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def count_judgements(session: Session, judgements: Sequence[Judgement]) -> None:
    """Add a batch's on-topic judgements to their stories' counters (caller's transaction)."""
    on_topic = [j for j in judgements if j.on_topic]
    if not on_topic:
        return
    item_ids = list(dict.fromkeys(j.item_id for j in on_topic))
    items: dict[int, tuple[str, datetime]] = {}
    for part in chunks(item_ids):
        query = select(ItemRow.id, ItemRow.source, ItemRow.fetched_at).where(ItemRow.id.in_(part))
        for item_id, source, fetched in session.execute(query):
            items[item_id] = (source, fetched)

    totals: dict[int, list[Any]] = {}  # story -> [items, copies, last fetched_at]
    sources: dict[int, dict[str, None]] = defaultdict(dict)
    for j in on_topic:
        source, fetched = items[j.item_id]  # stored: the judgements were just flushed
        total = totals.setdefault(j.story_id, [0, 0, None])
        total[0] += 1
        total[1] += j.duplicate_of is not None
        if total[2] is None or fetched > total[2]:
            total[2] = fetched
        sources[j.story_id].setdefault(source_key(source), None)

    table = StoryCounterRow.__table__
    for story_id, (n, copies, last) in sorted(totals.items()):  # sorted: fixed lock order
        stmt = upsert_insert(session, table).values(
            story_id=story_id, items_on_topic=n, copies=copies, last_item_at=last
        )
        current = table.c.last_item_at
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.story_id],
            set_={
                "items_on_topic": table.c.items_on_topic + stmt.excluded.items_on_topic,
                "copies": table.c.copies + stmt.excluded.copies,
                "last_item_at": case(
                    (current.is_(None), stmt.excluded.last_item_at),
                    (stmt.excluded.last_item_at > current, stmt.excluded.last_item_at),
                    else_=current,
                ),
            },
        )
        session.execute(stmt)
    rows = [
        {"story_id": story_id, "source": source}
        for story_id in sorted(sources)
        for source in sources[story_id]
    ]
    stmt = upsert_insert(session, StorySourceRow.__table__).on_conflict_do_nothing()
    session.execute(stmt, rows)


def rebuild_story_counters(conn: Connection) -> None:
    """Recompute every story's counters from its judgements (caller's transaction)."""
    counters = cast(Table, StoryCounterRow.__table__)
    sources = cast(Table, StorySourceRow.__table__)
    joined = (
        select()
        .select_from(JudgementRow)
        .join(ItemRow, ItemRow.id == JudgementRow.item_id)
        .where(JudgementRow.on_topic == True)  # noqa: E712 (SQL "= true", as the index)
    )
    conn.execute(delete(sources))
    conn.execute(delete(counters))
    conn.execute(
        insert(counters).from_select(
            ["story_id", "items_on_topic", "copies", "last_item_at"],
            joined.with_only_columns(
                JudgementRow.story_id,
                func.count(),
                func.count(JudgementRow.duplicate_of),
                func.max(ItemRow.fetched_at),
            ).group_by(JudgementRow.story_id),
        )
    )
    pairs = conn.execute(joined.with_only_columns(JudgementRow.story_id, ItemRow.source).distinct())
    rows = {(story_id, source_key(source)) for story_id, source in pairs}
    if rows:
        conn.execute(insert(sources), [{"story_id": s, "source": label} for s, label in rows])
