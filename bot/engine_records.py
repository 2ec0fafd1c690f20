"""Stored records as the engine reads them, and the engine states a commit stores.

The engine is pure and knows nothing of the store: it reads :class:`bot.engine.EngineDoc`,
not the store's :class:`bot.model.Item`, and hands back each story's state as a snapshot.
Judging, reading the backlog, judging updates again, teaching corrections and warming
the notices' first-report index all pass items through :func:`engine_doc`, and every
commit of decisions stores the states of :func:`engine_states`, so the engine sees one
item alike, and the store gets the states in one order, on every path.
"""

from __future__ import annotations

from typing import Collection

from bot.engine import Engine, EngineDoc
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


def engine_states(engine: Engine, story_ids: Collection[int]) -> dict[int, dict]:
    """The engine states a commit stores: each story's snapshot, by story id.

    Args:
        engine: The engine that judged.
        story_ids: The stories whose states the commit stores.

    Returns:
        Each story's snapshot, by story id, in id order.
    """
    return {sid: engine.snapshot(sid) for sid in sorted(story_ids)}
