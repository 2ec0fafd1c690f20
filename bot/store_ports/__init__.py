"""The store port, in roles: ``Store`` is every role at once, and code may ask for fewer.

Everything storybot persists goes through one store (``storage.sql.SqlStore``), but no
part of the core uses all of it: the poller schedules feeds, the delivery worker drains
the outbox, a digest reads developments and moves its binding's watermarks. So the port
is split by concern into small ``typing.Protocol`` roles (interface segregation), each in
a short module with the methods of that concern:

- :mod:`~bot.store_ports.stories`: ``StoryStore``
- :mod:`~bot.store_ports.feeds`: ``FeedStore``
- :mod:`~bot.store_ports.items`: ``ItemStore``, ``PageWaitStore``
- :mod:`~bot.store_ports.judging`: ``EngineStateStore``, ``DecisionStore``
- :mod:`~bot.store_ports.retention`: ``RetentionStore``
- :mod:`~bot.store_ports.developments`: ``DevelopmentStore``
- :mod:`~bot.store_ports.corrections`: ``CorrectionStore``
- :mod:`~bot.store_ports.channels`: ``BindingStore``, ``SubscriptionStore``,
  ``OwnerCheckStore``
- :mod:`~bot.store_ports.outbox`: ``OutboxStore``

and :class:`Store` is their composition, so whatever is typed ``Store`` means what it
always did and ``SqlStore`` satisfies it (mypy checks it where one is passed as the
other). A collaborator that needs one concern may take that role instead, which says what
it touches. The store's errors are in :mod:`~bot.store_ports.errors`, the records it takes
and gives in :mod:`~bot.store_ports.records`; :mod:`bot.ports` re-exports all of it.
The storage mixins of the same names (``storage.feeds.FeedStore`` and so on) implement
these roles: ``storage.decisions.DecisionStore`` both judging roles,
``storage.channels.ChannelStore`` bindings and subscriptions.
"""

from __future__ import annotations

from typing import Protocol

from bot.store_ports.channels import BindingStore, OwnerCheckStore, SubscriptionStore
from bot.store_ports.corrections import CorrectionStore
from bot.store_ports.developments import DevelopmentStore
from bot.store_ports.feeds import FeedStore
from bot.store_ports.items import ItemStore, PageWaitStore
from bot.store_ports.judging import DecisionStore, EngineStateStore
from bot.store_ports.outbox import OutboxStore
from bot.store_ports.retention import RetentionStore
from bot.store_ports.stories import StoryStore

__all__ = [
    "BindingStore",
    "CorrectionStore",
    "DecisionStore",
    "DevelopmentStore",
    "EngineStateStore",
    "FeedStore",
    "ItemStore",
    "OutboxStore",
    "OwnerCheckStore",
    "PageWaitStore",
    "RetentionStore",
    "Store",
    "StoryStore",
    "SubscriptionStore",
]


class Store(
    StoryStore,
    FeedStore,
    ItemStore,
    PageWaitStore,
    EngineStateStore,
    RetentionStore,
    DecisionStore,
    DevelopmentStore,
    CorrectionStore,
    BindingStore,
    SubscriptionStore,
    OwnerCheckStore,
    OutboxStore,
    Protocol,
):
    """Everything storybot persists. Implemented by ``storage.sql.SqlStore``.

    All methods are synchronous and each is its own transaction; ``commit_decisions``
    writes judgements, developments, engine state and outbox rows atomically.
    """

    def close(self) -> None: ...
