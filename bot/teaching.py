"""Teaching the engine the admins' corrections (``/story wrong``) that the store holds.

An admin's word that an item is or is not part of a story is stored first
(``Store.set_correction``), by whichever process answered the command; the engine that
judges learns it later. The stored corrections are the truth. Each story's engine state
holds the corrections it has applied (``Engine.corrections``), saved with the rest of
the story's state, so :func:`reconcile` only has to compare the two and teach the
differences (``Engine.teach``; what a correction does to a story is
:mod:`bot.engine.corrections`): a correction the engine lacks or holds with the other
label is taught, one the store no longer holds (withdrawn) is taken back.

Teaching is idempotent, and what the engine holds is what its saved state holds, so a
restart, a second worker or a cycle that dies before it commits never applies a
correction twice: the next comparison finds nothing, or the same difference, to teach.
It runs at the start of every poll cycle and before a job worker's fresh pipeline
judges (``Pipeline.track_stories``); the store is read once for every story.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timezone

from bot.engine import Engine, EngineDoc
from bot.model import Item
from bot.ports import Store

# An item is never deleted by storybot, so the item of a correction the engine holds is
# stored, unless the database was edited by hand (its correction went with it, ON DELETE
# CASCADE): withdrawing one needs only the item's id, and this stands in for its text.
_GONE_AT = datetime(1970, 1, 1, tzinfo=timezone.utc)


def differences(stored: dict[int, bool], applied: dict[int, bool]) -> dict[int, bool | None]:
    """What to teach a story so that it holds ``stored``: item id -> the label (None:
    withdraw the engine's correction of the item), for each item the two disagree on."""
    return {
        item_id: stored.get(item_id)
        for item_id in sorted(stored.keys() | applied.keys())
        if stored.get(item_id) != applied.get(item_id)
    }


def reconcile(
    store: Store,
    engine: Engine,
    story_ids: Collection[int],
    engine_doc: Callable[[Item], EngineDoc],
) -> set[int]:
    """Teach the engine the stored corrections of these stories it does not hold, and take
    back those it holds that are no longer stored.

    Args:
        store: Where the corrections are (read once for all the stories).
        engine: The engine, tracking every story of ``story_ids``.
        story_ids: The stories to bring in line (the tracked ones).
        engine_doc: A stored item as the engine reads it (``bot.engine_records.engine_doc``).

    Returns:
        The stories whose state changed: their snapshots must be committed, so that the
        state in the database holds what the engine was taught.
    """
    table = store.all_corrections()
    changes = {
        story_id: diff
        for story_id in story_ids
        if (diff := differences(table.get(story_id, {}), engine.corrections(story_id)))
    }
    if not changes:
        return set()
    wanted = sorted({item_id for diff in changes.values() for item_id in diff})
    items = {item.id: item for item in store.get_items(wanted)}
    changed: set[int] = set()
    for story_id, diff in changes.items():
        for item_id, label in diff.items():
            item = items.get(item_id)
            if item is None and label is not None:
                continue  # deleted since the table was read, its correction with it
            doc = engine_doc(item) if item else _stand_in(item_id)
            if engine.teach(story_id, doc, label):
                changed.add(story_id)
    return changed


def _stand_in(item_id: int) -> EngineDoc:
    """An item no longer stored, for withdrawing its correction (only its id counts)."""
    return EngineDoc(
        id=item_id, title="", text="", url=None, source="", published=None, seen_at=_GONE_AT
    )
