"""The store's roles for judging: the engine's persisted state, and its decisions.

The engine is pure: it is handed its statistics and each story's state, and its decisions
are written back in one transaction (``commit_decisions``) together with their
developments and outbox rows. Reading the state and committing decisions are separate
roles, since code that only warms statistics never commits. Two of the roles
:class:`bot.store_ports.Store` is made of.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Collection, Mapping, Protocol, Sequence

from bot.model import Decision, Judgement
from bot.store_ports.records import DevelopmentWrite, OutboxWrite


class EngineStateStore(Protocol):
    """The engine's statistics (background and stream) and each story's state."""

    def load_background(self) -> tuple[Mapping[str, Any], int] | None:
        """The engine's background statistics and the item id they cover through."""
        ...

    def save_background(
        self, state: Mapping[str, Any], observed_through: int, now: datetime
    ) -> None: ...

    def load_engine_state(self, story_id: int) -> Mapping[str, Any] | None: ...

    def load_stream(self) -> Mapping[str, Any] | None:
        """The stream statistics the last commit stored (``commit_decisions``' ``stream``),
        or None. Every story weighs with them; they are no story's (removing stories
        leaves them)."""
        ...

    def load_dated_stream(self) -> tuple[Mapping[str, Any], datetime] | None:
        """What :meth:`load_stream` returns, with when that commit stored it, or None."""
        ...


class DecisionStore(Protocol):
    """Judgements: committed with their consequences, read back per item."""

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
        """Store a batch's decisions and their consequences in one transaction.

        ``revised`` are new judgements of pairs judged before (an item updated in
        place, judged again): they replace the stored ones. ``versions`` maps each item
        judged to the version judged: recorded with its judgements, and the item's
        pending update (``pending_updates``) up to that version is settled; a later
        version's pending update takes the headline and text in ``texts`` (those of the
        version judged) as the text its judgements read. ``stream``, the engine's stream
        statistics the decisions were made with, replaces the stored ones
        (``load_stream``); None leaves them.
        """
        ...

    def decisions_for_item(self, item_id: int) -> list[Decision]: ...

    def judged_item_ids(self, item_ids: Collection[int]) -> set[int]:
        """Those of ``item_ids`` that some story has judged (one query a chunk)."""
        ...

    def unjudged_items(self, since: datetime, before: datetime, newest: int = 2000) -> int:
        """How many of the ``newest`` items, fetched in (``since``, ``before``], no story has
        judged and none waits for its page (``storybot health``)."""
        ...
