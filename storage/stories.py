"""Stories: the news stories storybot follows."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from bot.model import SeedDoc, Story
from bot.ports import Conflict, TellUsers
from storage import convert
from storage.base import StoreBase, affected
from storage.models import BindingRow, OutboxRow, StoryRow, SubscriptionRow
from storage.outbox import apply_outbox_writes, take_back_notices, take_back_unsent
from storage.serialize import seed_to_json

log = logging.getLogger(__name__)


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

    def remove_story(self, name: str, tell: TellUsers | None = None) -> bool:
        """Delete a story with its judgements, developments, state, bindings and
        story-scoped subscriptions (ON DELETE CASCADE), and its unsent channel messages.

        An alert or digest of the story never posted is deleted with it, and a posted
        alert's edit not yet made is cancelled: the story is gone, so news of it must not
        arrive afterwards. Posted and dead rows stay, as an unfollow leaves them (see
        :func:`storage.outbox.take_back_unsent`): nothing can edit a posted one again
        (story ids are never reused, and the outbox queues no alert for a story without
        bindings), but it stays the record of what was posted (``storybot outbox
        --sent``, then ``prune``) and a dead one the record of what failed (``storybot
        outbox``). Items stay too, and so do users' keyword DMs, except those not yet
        sent that only the removed story-scoped subscriptions caused (as an unsubscribe
        takes them back, :func:`storage.outbox.take_back_notices`).

        The stream statistics every story weighs with are not the story's: they stay, in
        their own row (``load_stream``).

        ``tell``: the direct messages that tell the users of the removed subscriptions
        (:mod:`bot.subscriptions_gone`), queued in this transaction: a crash can neither
        remove a subscription untold nor tell of one it did not remove.

        Returns:
            True if a story was deleted.
        """
        with self._write() as session:
            # The story row is locked first: a pipeline commit holds a key-share lock on
            # it (its judgements' foreign key) before it locks the bindings FOR SHARE
            # (storage.outbox._still_bound), so taking the bindings first would deadlock.
            story_id = session.scalar(
                select(StoryRow.id).where(StoryRow.name == name).with_for_update()
            )
            if story_id is None:
                return False
            # then the bindings, as unbind does (see storage.outbox._still_bound)
            bindings = session.scalars(
                select(BindingRow.id)
                .where(BindingRow.story_id == story_id)
                .order_by(BindingRow.id)
                .with_for_update()
            ).all()
            prefixes = [f"alert:{story_id}:", *(f"digest:{b}:" for b in bindings)]
            unsent = take_back_unsent(
                session, or_(*(OutboxRow.key.startswith(p, autoescape=True) for p in prefixes))
            )
            # then its subscriptions, as a pipeline queuing a notice reads them (see
            # storage.outbox._still_subscribed); the story's deletion cascades to them
            subscriptions = [
                convert.subscription(row)
                for row in session.scalars(
                    select(SubscriptionRow)
                    .where(SubscriptionRow.story_id == story_id)
                    .order_by(SubscriptionRow.id)
                    .with_for_update()
                )
            ]
            result = affected(session, delete(StoryRow).where(StoryRow.id == story_id))
            unsent += take_back_notices(
                session, [(s.id, s.platform, s.user_id) for s in subscriptions]
            )
            if tell is not None and subscriptions:
                apply_outbox_writes(session, tell.writes(subscriptions), tell.now)
            if unsent:
                log.info("story %s removed; %d unsent messages taken back", name, unsent)
            return bool(result)
