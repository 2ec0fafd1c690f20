"""Builders for the store tests: items, seeds, messages and outbox writes.

Kept apart from ``store_fixtures`` (a pytest plugin) so test modules can import them
directly. ``T0`` is where the shared ``clock`` fixture (tests/conftest.py) starts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.model import Link, MessageKind, NewItem, OutboundMessage, SeedDoc, Target
from bot.ports import OutboxWrite

T0 = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- builders


def seed(n: int = 1) -> SeedDoc:
    return SeedDoc(
        title=f"Seed {n}",
        text=f"Seed text {n}",
        url=f"https://news.example/seed/{n}",
        published=T0 - timedelta(days=n),
    )


def new_item(n: int, *, at: datetime = T0, **changes: Any) -> NewItem:
    """Item ``n``: key ``k{n}``, URL ``https://news.example/{n}``, source ``Outlet {n}``."""
    fields: dict[str, Any] = {
        "key": f"k{n}",
        "feed_id": None,
        "url": f"https://news.example/{n}?utm=x",
        "canonical_url": f"https://news.example/{n}",
        "title": f"Title {n}",
        "summary": f"Summary {n}",
        "content": f"Content {n}",
        "published": at - timedelta(minutes=5),
        "fetched_at": at,
        "source": f"Outlet {n}",
        "content_hash": f"h{n}",
    }
    fields.update(changes)
    return NewItem(**fields)


def message(title: str = "Alert", **changes: Any) -> OutboundMessage:
    fields: dict[str, Any] = {
        "kind": MessageKind.ALERT,
        "title": title,
        "body": "Body <!channel> @everyone",
        "story_name": "story",
        "sources": ("Reuters", "AP"),
        "links": (Link("Reuters", "https://reuters.example/1"),),
        "when": T0,
        "footer": "footer",
        "thread_note": None,
    }
    fields.update(changes)
    return OutboundMessage(**fields)


CHANNEL = Target("slack", channel_id="C1")
DM = Target("discord", user_id="U1")


def write(key: str, target: Target = CHANNEL, title: str = "Alert", **kw: Any) -> OutboxWrite:
    return OutboxWrite(key=key, target=target, message=message(title), **kw)
