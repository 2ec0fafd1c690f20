"""The store's role for stories: add, find, list and remove what storybot follows.

One of the roles :class:`bot.store_ports.Store` is made of (see the package docstring):
code that only looks stories up can ask for this role alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Sequence

from bot.model import SeedDoc, Story
from bot.store_ports.records import TellUsers


class StoryStore(Protocol):
    """The stories: each a name, a title and its seed articles."""

    def add_story(
        self, name: str, title: str, seeds: Sequence[SeedDoc], now: datetime
    ) -> Story: ...

    def get_story(self, name: str) -> Story | None: ...

    def get_story_by_id(self, story_id: int) -> Story | None: ...

    def list_stories(self) -> list[Story]: ...

    def remove_story(self, name: str, tell: TellUsers | None = None) -> bool:
        """Delete a story with what hangs off it, its story-scoped subscriptions among
        them; ``tell``: the DMs to queue for those subscriptions' users, in the same
        transaction. True if a story was deleted."""
        ...
