"""The store's role for retention: ``prune``, which forgets what is old and done with.

On its own because only the operator's ``storybot prune`` (and what schedules it) needs
it. One of the roles :class:`bot.store_ports.Store` is made of.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.store_ports.records import PruneProgress, PruneReport


class RetentionStore(Protocol):
    """Pruning of old item texts, delivered messages and passed development updates."""

    def prune(
        self, before: datetime, *, dry_run: bool = False, progress: PruneProgress | None = None
    ) -> PruneReport:
        """Blank old off-topic items' text, delete old delivered notices and digests and
        old development updates every follow of their story has passed.

        In batches, each committed (stopped midway, the next prune does the rest);
        ``progress`` is called after each one.
        """
        ...
