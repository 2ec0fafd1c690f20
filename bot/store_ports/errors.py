"""The store's errors: what a :class:`bot.store_ports.Store` call raises for users to read.

Each carries a message fit for users (``StoreError``'s subclasses), so the core can tell a
chat user or the CLI what happened without knowing the database. They live apart from the
store's roles because the core catches them in places that never hold a store (command
replies, the health check) and the storage package raises them.
"""

from __future__ import annotations

from bot.model import Subscription


class StoreError(Exception):
    """Base class for store errors that carry a message fit for users."""


class Conflict(StoreError):
    """The thing already exists (a story name, a feed URL)."""


class AlreadySubscribed(Conflict):
    """The user already has a subscription that means the same query for the same scope.

    Raised by ``add_subscription`` when another request stored it first (two workers, or
    a retried command); ``existing`` is that subscription.
    """

    def __init__(self, existing: Subscription) -> None:
        super().__init__(f"already subscribed (#{existing.id})")
        self.existing = existing


class SubscriptionsFull(StoreError):
    """The installation holds as many subscriptions as it takes (``[permissions]
    max_subscriptions``), or the person as many as one may have: raised by
    ``add_subscription``, which stored nothing.

    Attributes:
        limit: the cap the call was given.
        per_user: the person's cap (``max_per_user``), not the installation's.
    """

    def __init__(self, limit: int, *, per_user: bool = False) -> None:
        whose = "the person holds" if per_user else "stored, the most this installation takes"
        super().__init__(f"{limit} subscriptions {whose}")
        self.limit = limit
        self.per_user = per_user


class NotFound(StoreError):
    """The thing does not exist."""


class StoreBusy(StoreError):
    """The database stayed locked by another writer past its busy timeout (a SQLite file
    another process holds the write lock of: a long ``storybot prune``, a backup, another
    program): nothing was done, and the same call may well pass in a moment."""
