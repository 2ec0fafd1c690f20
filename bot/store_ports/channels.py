"""The store's roles for people and channels: follows, subscriptions, owner checks.

A channel follows a story (realtime or digest: a binding); a person subscribes to a
keyword query; the owners of subscriptions are checked now and then (``bot.member_check``).
Three of the roles :class:`bot.store_ports.Store` is made of.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Sequence

from bot.model import Binding, DeliveryMode, OwnerCheckRun, Subscription
from bot.store_ports.records import FollowBacklog, OutboxWrite, TellUsers


class BindingStore(Protocol):
    """Channels' follows of stories (bindings), and their digests' watermarks."""

    def bind(
        self,
        story_id: int,
        platform: str,
        channel_id: str,
        mode: DeliveryMode,
        digest_hours: float,
        now: datetime,
        digest_anchor: datetime | None = None,
    ) -> Binding:
        """Create or update the binding of a channel to a story (``digest_anchor``: the
        first slot of ``digest HOURS at HH:MM``, a naive local time; None: no ``at``)."""
        ...

    def unbind(self, story_id: int, platform: str, channel_id: str) -> bool: ...

    def bindings_for_story(self, story_id: int) -> list[Binding]: ...

    def bindings_for_channel(self, platform: str, channel_id: str) -> list[Binding]: ...

    def list_bindings(self) -> list[Binding]: ...

    def follow_backlogs(self) -> dict[int, FollowBacklog]:
        """Each binding's alerts and digests given up on and still to deliver, by binding
        id; bindings with neither are left out (``storybot follows``)."""
        ...

    def queue_digest(
        self,
        binding_id: int,
        covered: int,
        through: int,
        writes: Sequence[OutboxWrite],
        now: datetime,
        *,
        updates: tuple[int, int] | None = None,
    ) -> bool:
        """Move the binding's watermark from ``covered`` to ``through`` (and
        ``last_digest_at`` to ``now``), and its updates' watermark (``updates``:
        covered, through) likewise, and queue ``writes``, atomically; False, writing
        nothing, if either watermark is no longer what the caller read."""
        ...


class SubscriptionStore(Protocol):
    """People's keyword subscriptions."""

    def add_subscription(
        self,
        platform: str,
        user_id: str,
        query: str,
        story_id: int | None,
        now: datetime,
        channel_id: str | None = None,
        max_total: int = 0,
        max_per_user: int = 0,
    ) -> Subscription:
        """Add a keyword subscription.

        Args:
            max_total: refuse it when this many subscriptions (everyone's) are stored
                already; 0: no cap. Exact: two adds at once never both take the last place.
            max_per_user: refuse it when the user holds this many on this platform; 0: no
                cap. Exact in the same way.

        Raises:
            AlreadySubscribed: the user has one with an equal query (``parse_query``'s
                ``==``) and the same story (or none), on this platform.
            SubscriptionsFull: ``max_total`` subscriptions are stored, or the user holds
                ``max_per_user`` (``per_user`` set); nothing was added.
            NotFound: ``story_id`` is given but no story has it.
        """
        ...

    def remove_subscription(self, platform: str, user_id: str, subscription_id: int) -> bool: ...

    def remove_subscriptions(
        self,
        ids: Sequence[int] = (),
        tell: TellUsers | None = None,
        *,
        user: tuple[str, str] | None = None,
    ) -> list[Subscription]:
        """Delete the subscriptions with these ids (anyone's: the operator's removal), or
        every one ``user`` (platform, user id) holds when it runs, in one transaction,
        with the unsent keyword DMs only they caused, and queue ``tell``'s DMs in it.
        Returns those deleted (an id not stored is skipped)."""
        ...

    def list_subscriptions(self, platform: str, user_id: str) -> list[Subscription]: ...

    def all_subscriptions(self) -> list[Subscription]: ...

    def subscriptions_version(self) -> tuple[int, int, int]:
        """How many subscriptions there are, the highest id and the sum of the ids: it
        changes with every subscribe and unsubscribe (ids are never reused), so an index
        built from :meth:`all_subscriptions` is current while it stays the same. (On
        PostgreSQL ids commit in any order: one committed after a higher id while an
        older one is removed leaves the count and the highest id as they were.)"""
        ...


class OwnerCheckStore(Protocol):
    """The runs of each platform's check of subscription owners."""

    def claim_owner_check(
        self, platform: str, now: datetime, every_s: float, retry_s: float
    ) -> bool:
        """Claim the platform's next check of subscription owners, for one process of all
        those on the database: True when the last run was claimed at least ``every_s``
        before ``now`` (or ``retry_s`` when it stopped on a problem), or never; the run is
        then this caller's, started at ``now``. Atomic: of processes claiming at once, one
        gets it."""
        ...

    def finish_owner_check(self, run: OwnerCheckRun) -> None:
        """Record how the run claimed at ``run.started_at`` went (``finished_at``, counts,
        problem)."""
        ...

    def owner_check_runs(self) -> list[OwnerCheckRun]:
        """Each platform's last check of subscription owners, by platform."""
        ...
