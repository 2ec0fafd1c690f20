"""``SqlStore``: the SQL implementation of :class:`bot.ports.Store`.

The methods live in small single-purpose mixins (stories, feeds, items, page waits,
decisions, corrections, developments, channels, outbox, owner checks, retention); this
class only puts them together.
Build one with :func:`storage.open_store`, which also migrates the schema.
"""

from __future__ import annotations

from storage.channels import ChannelStore
from storage.corrections import CorrectionStore
from storage.decisions import DecisionStore
from storage.developments import DevelopmentStore
from storage.feeds import FeedStore
from storage.items import ItemStore
from storage.outbox import OutboxStore
from storage.owner_checks import OwnerCheckStore
from storage.page_waits import PageWaitStore
from storage.retention import RetentionStore
from storage.stories import StoryStore


class SqlStore(
    StoryStore,
    FeedStore,
    ItemStore,
    PageWaitStore,
    DecisionStore,
    CorrectionStore,
    DevelopmentStore,
    ChannelStore,
    OutboxStore,
    OwnerCheckStore,
    RetentionStore,
):
    """Everything storybot persists, in SQLite or PostgreSQL (see ``bot.ports.Store``).

    Args:
        engine: an engine from :func:`storage.engine.make_engine` (schema already migrated).
    """
