"""A stored item as the engine reads it.

The engine is pure and knows nothing of the store's :class:`bot.model.Item`: it reads
:class:`bot.engine.EngineDoc`. Judging, reading the backlog, teaching corrections and
warming the notices' first-report index all hand it items the same way, through
:func:`engine_doc`, so the engine sees one item alike on every path.
"""

from __future__ import annotations

from bot.engine import EngineDoc
from bot.model import Item


def engine_doc(item: Item) -> EngineDoc:
    """A stored item as the engine reads it (what ``judge`` and ``observe`` are given).

    Args:
        item: The stored item.

    Returns:
        The engine's view of it: its id, texts, link, outlet and times.
    """
    return EngineDoc(
        id=item.id,
        title=item.title,
        text=item.text,
        url=item.url,
        source=item.source,
        published=item.published,
        seen_at=item.fetched_at,
    )
