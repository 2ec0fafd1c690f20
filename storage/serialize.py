"""JSON forms of the dataclasses the store keeps in JSON columns.

``OutboundMessage`` lives in the outbox as a JSON document and seeds live in the stories
table the same way. The forms are plain dicts of JSON types: datetimes as ISO 8601 strings
with their UTC offset, tuples as lists, ``Link`` as ``{"label", "url"}``, enums by value.
``message_from_json(message_to_json(m)) == m`` for every message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.model import Citation, Link, MessageKind, OutboundMessage, SeedDoc
from storage.types import as_utc


def dt_to_json(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    return None if value is None else as_utc(value).isoformat()


def dt_from_json(value: str | None) -> datetime | None:
    """Parse what :func:`dt_to_json` wrote; always aware UTC."""
    return None if value is None else as_utc(datetime.fromisoformat(value))


def citations_to_json(cited: Sequence[Citation]) -> list[list[str | None]]:
    """Citations as JSON: ``[[sentence, source, url], ...]`` (developments and messages)."""
    return [[c.sentence, c.source, c.url] for c in cited]


def citations_from_json(doc: Sequence[Sequence[str | None]] | None) -> tuple[Citation, ...]:
    """Citations from :func:`citations_to_json` output; None (written before) gives none."""
    return tuple(Citation(str(s), str(src or ""), u) for s, src, u in doc or ())


def message_to_json(message: OutboundMessage) -> dict[str, Any]:
    """Turn a message into a JSON-ready dict."""
    return {
        "kind": message.kind.value,
        "title": message.title,
        "body": message.body,
        "story_name": message.story_name,
        "sources": list(message.sources),
        "links": [{"label": link.label, "url": link.url} for link in message.links],
        "when": dt_to_json(message.when),
        "footer": message.footer,
        "thread_note": message.thread_note,
        "citations": citations_to_json(message.citations),
        # only a digest's span has one: every other message's document is as before
        **({"when_from": dt_to_json(message.when_from)} if message.when_from else {}),
    }


def message_from_json(data: Mapping[str, Any]) -> OutboundMessage:
    """Rebuild a message from :func:`message_to_json` output.

    Raises:
        ValueError: the document has an unknown ``kind``.
        KeyError: a required field is missing.
    """
    return OutboundMessage(
        kind=MessageKind(data["kind"]),
        title=data["title"],
        body=data["body"],
        story_name=data.get("story_name"),
        sources=tuple(data.get("sources") or ()),
        links=tuple(Link(link["label"], link["url"]) for link in data.get("links") or ()),
        when=dt_from_json(data.get("when")),
        when_from=dt_from_json(data.get("when_from")),
        footer=data.get("footer"),
        thread_note=data.get("thread_note"),
        citations=citations_from_json(data.get("citations")),
    )


def seed_to_json(seed: SeedDoc) -> dict[str, Any]:
    """Turn a seed document into a JSON-ready dict."""
    return {
        "title": seed.title,
        "text": seed.text,
        "url": seed.url,
        "published": dt_to_json(seed.published),
    }


def seed_from_json(data: Mapping[str, Any]) -> SeedDoc:
    """Rebuild a seed document from :func:`seed_to_json` output."""
    return SeedDoc(
        title=data["title"],
        text=data["text"],
        url=data.get("url"),
        published=dt_from_json(data.get("published")),
    )
