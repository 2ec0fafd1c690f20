"""The engine's input and output types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.model import Judgement
from bot.ports import DevelopmentWrite


@dataclass(frozen=True)
class EngineDoc:
    """An item as the engine sees it.

    ``text`` may be empty (headline-only feeds) and ``published`` may be missing; times
    come in with the data because the engine never reads a clock.
    """

    id: int
    title: str
    text: str
    url: str | None
    source: str
    published: datetime | None
    seen_at: datetime


@dataclass(frozen=True)
class Verdict:
    """The engine's decision for one item and one story.

    ``development`` is set when the item joined or created a development: its number,
    headline and (updated) summary, with ``item_ids=(doc.id,)``.
    """

    judgement: Judgement
    development: DevelopmentWrite | None = None


@dataclass(frozen=True)
class Amendment:
    """What an updated report added to its development (:meth:`Engine.amend`).

    ``development`` is the development's write (no item ids: no new report) with the
    summary computed again; ``sentences`` are the report's new sentences that went into
    the development's sentence pool, the summary's candidates (it may not pick them).
    """

    development: DevelopmentWrite
    sentences: tuple[str, ...]
