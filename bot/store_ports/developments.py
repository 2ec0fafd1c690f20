"""The store's role for developments: what each story's judgements have found.

A development is a story's new turn (its headline, summary and reports); later reports
update it, and digests, exports and ``/story status`` read it back. One of the roles
:class:`bot.store_ports.Store` is made of.
"""

from __future__ import annotations

from typing import Collection, Protocol

from bot.model import Development, Report
from bot.store_ports.records import DevelopmentUpdate, StoryStats


class DevelopmentStore(Protocol):
    """A story's developments, their reports and updates, and its statistics."""

    def list_developments(self, story_id: int, limit: int = 10) -> list[Development]:
        """Newest first by ``first_reported_at`` (else ``created_at``), then number;
        includes item_count, sources and links. A later report does not reorder them."""
        ...

    def developments_page(
        self, story_id: int, limit: int, offset: int = 0, *, oldest_first: bool = False
    ) -> list[Development]:
        """The new developments (number > 0; not the seed story) in ``list_developments``'
        order, ``offset`` of them skipped, at most ``limit``: one page, read as one page.
        ``oldest_first``: the other way round (by first report, then number), a timeline."""
        ...

    def development_reports(self, story_id: int, numbers: Collection[int]) -> list[Report]:
        """The reports of the story's developments numbered ``numbers``, each with the
        copy it is of (if any), in discovery order (first reporter first, as
        ``Development.links`` lists them). Headlines, links and times, never the texts:
        an export reads a page of developments' reports at a time."""
        ...

    def count_judged(self, story_id: int) -> int:
        """How many items the story has judged, on-topic or not (one judgement each)."""
        ...

    def developments_after(self, story_id: int, seq: int) -> tuple[list[Development], int]:
        """Developments committed after the story's ``seq``-th, in commit order, and the
        seq of the last of them (``seq`` if none). Commit order, not time: a development
        judged before a digest but committed after it is still after its watermark."""
        ...

    def development_updates_after(
        self, story_id: int, seq: int
    ) -> tuple[list[DevelopmentUpdate], int]:
        """What commits after the story's ``seq``-th update added to developments stored
        before them (reports, facts), in commit order, and the seq of the last of them
        (``seq`` if none): the digests' second watermark, read as ``developments_after``."""
        ...

    def development_updates(
        self, story_id: int, numbers: Collection[int]
    ) -> list[DevelopmentUpdate]:
        """What later commits added to the story's developments numbered ``numbers``
        (reports, facts), those ``prune`` has not deleted, in commit order: an export
        lists a page of developments' updates at a time."""
        ...

    def latest_development_updates(self, story_id: int, limit: int) -> list[DevelopmentUpdate]:
        """The story's last ``limit`` development updates (reports, facts), newest commit
        first: ``/story status`` tells the latest of them."""
        ...

    def developments_numbered(self, story_id: int, numbers: Collection[int]) -> list[Development]:
        """The story's developments numbered ``numbers`` (those stored), in number order."""
        ...

    def get_development(self, story_id: int, number: int) -> Development | None: ...

    def story_stats(self, story_id: int) -> StoryStats: ...
