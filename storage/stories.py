"""Stories: the news stories storybot follows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.model import SeedDoc, Story
from bot.ports import Conflict
from storage import convert
from storage.base import StoreBase, affected
from storage.models import StoryRow
from storage.serialize import seed_to_json


class StoryStore(StoreBase):
    def add_story(self, name: str, title: str, seeds: Sequence[SeedDoc], now: datetime) -> Story:
        """Create a story.

        Raises:
            Conflict: a story with this name exists.
        """
        try:
            with self._write() as session:
                row = StoryRow(
                    name=name,
                    title=title,
                    seeds=[seed_to_json(seed) for seed in seeds],
                    created_at=now,
                )
                session.add(row)
                session.flush()
                return convert.story(row)
        except IntegrityError:
            raise Conflict(f"a story named {name!r} already exists") from None

    def get_story(self, name: str) -> Story | None:
        with self._read() as session:
            row = session.scalar(select(StoryRow).where(StoryRow.name == name))
            return convert.story(row) if row else None

    def get_story_by_id(self, story_id: int) -> Story | None:
        with self._read() as session:
            row = session.get(StoryRow, story_id)
            return convert.story(row) if row else None

    def list_stories(self) -> list[Story]:
        """All stories, oldest first."""
        with self._read() as session:
            rows = session.scalars(select(StoryRow).order_by(StoryRow.id))
            return [convert.story(row) for row in rows]

    def remove_story(self, name: str) -> bool:
        """Delete a story with its judgements, developments, state, bindings and
        story-scoped subscriptions (ON DELETE CASCADE). Items and outbox rows stay.

        Returns:
            True if a story was deleted.
        """
        with self._write() as session:
            result = affected(session, delete(StoryRow).where(StoryRow.name == name))
            return bool(result)
