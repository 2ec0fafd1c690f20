"""When each development was first reported, kept on its row.

``developments.first_reported_at`` is the earliest item time among the items linked to the
development (copies included): an item's time is its publication date, or when it was
fetched if it has none or the date is later than the fetch (a feed error), as
:func:`bot.engine.analysis.item_time` has it. NULL while no item is linked (the seed story
before any copy); listings then count from ``created_at``.

``list_developments`` sorts by it on every ``/story status``, so it is stored rather than
computed from the link table each time. Two things change it:

* linking items (``commit_decisions``) can only move it earlier: the stored value and the
  new items' times, whichever is earliest (:func:`earliest_item_time`);
* an update that changes a linked item's publication date can move it either way: the
  developments holding the item are computed again from all their links
  (:func:`recompute_first_reported`). Rare: most updates keep the date.

Migration 0008 filled it in for developments stored before, with the same SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, case, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from bot.engine.analysis import item_time
from storage.counters import chunks
from storage.models import DevelopmentItemRow, DevelopmentRow, ItemRow


def _item_time_sql() -> ColumnElement[datetime]:
    """:func:`item_time` of an ``items`` row, in SQL."""
    return case(
        (
            and_(ItemRow.published.is_not(None), ItemRow.published < ItemRow.fetched_at),
            ItemRow.published,
        ),
        else_=ItemRow.fetched_at,
    )


def earliest_item_time(session: Session, item_ids: Sequence[int]) -> datetime | None:
    """The earliest :func:`item_time` among these items (None if none is stored)."""
    query = select(ItemRow.published, ItemRow.fetched_at).where(ItemRow.id.in_(item_ids))
    return min(
        (item_time(published, fetched) for published, fetched in session.execute(query)),
        default=None,
    )


def recompute_first_reported(
    session: Session | Connection, item_ids: Sequence[int] | None = None
) -> None:
    """Compute ``first_reported_at`` again from the links, for the developments that hold
    any of ``item_ids`` (every development when None).

    Args:
        session: a Session or Connection inside the caller's transaction.
        item_ids: items whose publication date changed.
    """
    earliest = (
        select(func.min(_item_time_sql()))
        .select_from(DevelopmentItemRow)
        .join(ItemRow, ItemRow.id == DevelopmentItemRow.item_id)
        .where(DevelopmentItemRow.development_id == DevelopmentRow.id)
        .scalar_subquery()
    )
    statement = (
        update(DevelopmentRow)
        .values(first_reported_at=earliest)
        .execution_options(synchronize_session=False)  # no development is loaded here
    )
    if item_ids is None:
        session.execute(statement)
        return
    for part in chunks(list(item_ids)):
        holding = select(DevelopmentItemRow.development_id).where(
            DevelopmentItemRow.item_id.in_(part)
        )
        session.execute(statement.where(DevelopmentRow.id.in_(holding)))
