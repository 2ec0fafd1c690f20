"""Developments of a story, with their item counts, sources and links.

Item count, sources and links are derived from the ``development_items`` link table in
discovery order (the order items were added), so the first outlet to report a development
is listed first. One query fetches the links of a whole page of developments. The time of
the first report is stored on the development (:mod:`storage.first_reports`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any, Unpack

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.engine.analysis import item_time
from bot.model import Development, Report
from bot.outlet_name import stored_label
from bot.ports import DevelopmentUpdate, StoryStats
from storage import convert
from storage.base import StoreBase
from storage.models import (
    DevelopmentItemRow,
    DevelopmentRow,
    DevelopmentUpdateRow,
    ItemRow,
    JudgementRow,
    StoryCounterRow,
    StorySourceRow,
)


def _enrich(session: Session, rows: Sequence[DevelopmentRow]) -> list[Development]:
    if not rows:
        return []
    # No ORDER BY: SQLite would rather walk the whole link table in id order than look
    # the page's developments up and sort; discovery order is restored here instead.
    query = (
        select(
            DevelopmentItemRow.id,
            DevelopmentItemRow.development_id,
            ItemRow.source,
            ItemRow.url,
            ItemRow.canonical_url,
        )
        .join(ItemRow, ItemRow.id == DevelopmentItemRow.item_id)
        .where(DevelopmentItemRow.development_id.in_([row.id for row in rows]))
    )
    counts: dict[int, int] = defaultdict(int)
    sources: dict[int, dict[str, None]] = defaultdict(dict)
    links: dict[int, dict[str, str]] = defaultdict(dict)  # url -> source, first kept
    rows_sorted = sorted(session.execute(query), key=lambda r: r[0])
    for _, dev_id, stored, url, canonical in rows_sorted:
        counts[dev_id] += 1
        # an item stored under an earlier rule keeps its label ("World – TIME"): read
        # through today's rule it names the same outlet as its feed's later items
        source = stored_label(stored, url or canonical) if stored else stored
        if source:
            sources[dev_id].setdefault(source, None)
        link = url or canonical
        if link:
            links[dev_id].setdefault(link, source)
    return [
        convert.development(
            row,
            counts[row.id],
            list(sources[row.id]),
            [(source, url) for url, source in links[row.id].items()],
            row.first_reported_at,
        )
        for row in rows
    ]


def _newest_first(story_id: int, *, oldest_first: bool = False) -> Select[DevelopmentRow]:
    """A story's developments, newest first by their first report (see list_developments),
    or oldest first (a timeline).

    The number breaks ties, so that a page boundary (LIMIT/OFFSET) falls in one place.
    """
    first = func.coalesce(DevelopmentRow.first_reported_at, DevelopmentRow.created_at)
    order = (
        (first.asc(), DevelopmentRow.number.asc())
        if oldest_first
        else (
            first.desc(),
            DevelopmentRow.number.desc(),
        )
    )
    return select(DevelopmentRow).where(DevelopmentRow.story_id == story_id).order_by(*order)


class DevelopmentStore(StoreBase):
    def list_developments(self, story_id: int, limit: int = 10) -> list[Development]:
        """Newest first by when each was first reported; with item_count, sources and links.

        By ``first_reported_at`` (``created_at`` for one without reports), not by the last
        activity: a late copy of an old development must not lift it above newer ones,
        nor push a newer one off a page (``/story status`` shows the newest few). Another
        report only ever moves a development down, to an earlier first report.
        """
        query = _newest_first(story_id).limit(limit)
        with self._read() as session:
            return _enrich(session, list(session.scalars(query)))

    def developments_page(
        self, story_id: int, limit: int, offset: int = 0, *, oldest_first: bool = False
    ) -> list[Development]:
        """A page of the new developments (not development 0, the seed story).

        In :meth:`list_developments`' order, newest first, with ``offset`` of them skipped:
        ``/story developments`` reads one page of a story that may have thousands, and
        only that page's links are read. ``oldest_first``: the other way round, as
        ``storybot story export`` writes the story's timeline.
        """
        query = (
            _newest_first(story_id, oldest_first=oldest_first)
            .where(DevelopmentRow.number > 0)
            .limit(limit)
            .offset(offset)
        )
        with self._read() as session:
            return _enrich(session, list(session.scalars(query)))

    def development_reports(self, story_id: int, numbers: Collection[int]) -> list[Report]:
        """The reports of the story's developments numbered ``numbers``, in discovery order.

        Each with the item it copies (its judgement's ``duplicate_of``; an item linked
        without a judgement is a report of its own) and its outlet read as
        :func:`_enrich` reads it, so a report's link and outlet are those of the
        development's ``links``. Only the columns a record shows: no item text.
        """
        if not numbers:
            return []
        query = (
            select(
                DevelopmentItemRow.id,
                DevelopmentRow.number,
                ItemRow.id,
                ItemRow.title,
                ItemRow.source,
                ItemRow.url,
                ItemRow.canonical_url,
                ItemRow.published,
                ItemRow.fetched_at,
                JudgementRow.duplicate_of,
            )
            .join(DevelopmentRow, DevelopmentRow.id == DevelopmentItemRow.development_id)
            .join(ItemRow, ItemRow.id == DevelopmentItemRow.item_id)
            .outerjoin(
                JudgementRow,
                (JudgementRow.item_id == ItemRow.id) & (JudgementRow.story_id == story_id),
            )
            .where(DevelopmentRow.story_id == story_id, DevelopmentRow.number.in_(list(numbers)))
        )
        with self._read() as session:
            rows = sorted(session.execute(query), key=lambda r: r[0])  # see _enrich
        reports = []
        for _, number, item_id, title, stored, url, canonical, published, fetched, copy in rows:
            link = url or canonical
            reports.append(
                Report(
                    item_id=item_id,
                    development=number,
                    title=title,
                    source=stored_label(stored, link) if stored else stored,
                    link=link,
                    published=published,
                    fetched_at=fetched,
                    copy_of=copy,
                )
            )
        return reports

    def count_judged(self, story_id: int) -> int:
        """How many items the story has judged (one judgement per item and story)."""
        query = (
            select(func.count()).select_from(JudgementRow).where(JudgementRow.story_id == story_id)
        )
        with self._read() as session:
            return session.scalar(query) or 0

    def developments_after(self, story_id: int, seq: int) -> tuple[list[Development], int]:
        """The developments committed after the one numbered ``seq`` in the story's commit
        order (``developments.seq``, see :mod:`storage.decisions`), oldest first, and the
        seq of the last of them (``seq`` itself if there are none): read together, so
        every development up to that seq is in the list or was before ``seq``."""
        query = (
            select(DevelopmentRow)
            .where(DevelopmentRow.story_id == story_id, DevelopmentRow.seq > seq)
            .order_by(DevelopmentRow.seq)
        )
        with self._read() as session:
            rows = list(session.scalars(query))
            through = max((row.seq or 0 for row in rows), default=seq)
            return _enrich(session, rows), through

    def development_updates_after(
        self, story_id: int, seq: int
    ) -> tuple[list[DevelopmentUpdate], int]:
        """What commits after the story's ``seq``-th update added to developments stored
        before them, in commit order (then report order), and the seq of the last
        (``seq`` itself if there are none).

        ``development_updates.seq`` is handed out under the story's row lock, as
        ``developments.seq`` is (:func:`storage.decisions.allocate_seqs`), so "seq >
        watermark" misses no update committed after a digest looked.
        """
        query = _updates_query().where(
            DevelopmentUpdateRow.story_id == story_id, DevelopmentUpdateRow.seq > seq
        )
        with self._read() as session:
            updates = _updates(session, query)
            return updates, max((u.seq for u in updates), default=seq)

    def development_updates(
        self, story_id: int, numbers: Collection[int]
    ) -> list[DevelopmentUpdate]:
        """What later commits added to the story's developments numbered ``numbers``
        (those not pruned yet), in commit order (then report order): what an export lists
        under each development beside its summary as it now reads."""
        if not numbers:
            return []
        query = _updates_query().where(
            DevelopmentUpdateRow.story_id == story_id, DevelopmentRow.number.in_(list(numbers))
        )
        with self._read() as session:
            return _updates(session, query)

    def latest_development_updates(self, story_id: int, limit: int) -> list[DevelopmentUpdate]:
        """The story's last ``limit`` development updates, newest commit first: what
        ``/story status`` tells of the developments later reports added to.

        Walks the ``(story_id, seq)`` index from its end, so the cost is ``limit`` rows
        however many updates the story has.
        """
        query = (
            _updates_query()
            .where(DevelopmentUpdateRow.story_id == story_id)
            .order_by(None)
            .order_by(DevelopmentUpdateRow.seq.desc(), DevelopmentUpdateRow.id.desc())
            .limit(limit)
        )
        with self._read() as session:
            return _updates(session, query)

    def developments_numbered(self, story_id: int, numbers: Collection[int]) -> list[Development]:
        """The story's developments numbered ``numbers`` (those stored), in number order:
        read together, with their links in one more query, as a page is."""
        if not numbers:
            return []
        query = (
            select(DevelopmentRow)
            .where(DevelopmentRow.story_id == story_id, DevelopmentRow.number.in_(list(numbers)))
            .order_by(DevelopmentRow.number)
        )
        with self._read() as session:
            return _enrich(session, list(session.scalars(query)))

    def get_development(self, story_id: int, number: int) -> Development | None:
        query = select(DevelopmentRow).where(
            DevelopmentRow.story_id == story_id, DevelopmentRow.number == number
        )
        with self._read() as session:
            row = session.scalar(query)
            return _enrich(session, [row])[0] if row is not None else None

    def story_stats(self, story_id: int) -> StoryStats:
        """Counts for ``/story status``.

        ``items_on_topic`` counts every on-topic judgement, copies included; ``copies``
        is the part of those that repeat an earlier item. ``sources`` counts distinct
        outlets among on-topic items; ``last_item_at`` is when the newest of them was
        fetched; ``developments`` counts the new ones (not development 0, the seed story).

        Read from the counters ``commit_decisions`` keeps (:mod:`storage.counters`): the
        cost does not grow with the number of items.
        """
        counters = select(
            StoryCounterRow.items_on_topic, StoryCounterRow.copies, StoryCounterRow.last_item_at
        ).where(StoryCounterRow.story_id == story_id)
        # A story has a few dozen outlets; their labels are read, not counted in SQL,
        # so that labels stored under an earlier rule ("Tech – TIME", "World – TIME")
        # count as the one outlet today's rule names ("TIME"). No link is stored with
        # them: read without a host, a title's first part that names an outlet counts.
        sources = select(StorySourceRow.source).where(StorySourceRow.story_id == story_id)
        developments = (
            select(func.count())
            .select_from(DevelopmentRow)
            .where(DevelopmentRow.story_id == story_id, DevelopmentRow.number > 0)
        )
        with self._read() as session:
            items, copies, last = session.execute(counters).one_or_none() or (0, 0, None)
            return StoryStats(
                items_on_topic=items,
                copies=copies,
                developments=session.scalar(developments) or 0,
                sources=len({stored_label(s, None) for s in session.scalars(sources)}),
                last_item_at=last,
            )


def _updates_query() -> Select[Unpack[tuple[Any, ...]]]:
    """The development updates with their development's number and seq and their
    report's outlet, link and times, in commit order (then report order)."""
    return (
        select(
            DevelopmentUpdateRow.seq,
            DevelopmentUpdateRow.reports,
            DevelopmentUpdateRow.fact,
            DevelopmentRow.number,
            DevelopmentRow.seq,
            ItemRow.source,
            ItemRow.url,
            ItemRow.canonical_url,
            ItemRow.published,
            ItemRow.fetched_at,
        )
        .join(DevelopmentRow, DevelopmentRow.id == DevelopmentUpdateRow.development_id)
        .join(ItemRow, ItemRow.id == DevelopmentUpdateRow.item_id)
        .order_by(DevelopmentUpdateRow.seq, DevelopmentUpdateRow.id)
    )


def _updates(session: Session, query: Select[Unpack[tuple[Any, ...]]]) -> list[DevelopmentUpdate]:
    updates = []
    for at, reports, fact, number, dev_seq, stored, url, canonical, *times in session.execute(
        query
    ):
        link = url or canonical or ""
        updates.append(
            DevelopmentUpdate(
                number=number,
                development_seq=dev_seq or 0,
                seq=at,
                reports=reports,
                # named as the development's sources name it (see _enrich)
                source=(stored_label(stored, link) if stored else stored) or "",
                url=link,
                fact=fact,
                # as a development's first report is timed (storage.first_reports)
                reported_at=item_time(*times),
            )
        )
    return updates
