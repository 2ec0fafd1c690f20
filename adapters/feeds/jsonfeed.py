"""JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1) to ``FeedEntry``.

feedparser 6.0.x has no JSON Feed support, so this small reader covers it. Anything that
is JSON but not a JSON Feed is reported as "not a feed".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from adapters.feeds.errors import FeedParseError
from adapters.feeds.html_text import html_to_text, normalise_lines, storable
from bot.model import FeedEntry


def parse_json_datetime(value: Any) -> datetime | None:
    """Parse an RFC 3339 date; naive dates are taken as UTC; invalid ones (and ones that
    fall outside years 1-9999 in UTC) give None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, or 9999 west of it: no year in UTC
        return None


def _text(value: Any) -> str:
    # storable before any other clean-up: a JSON string may spell any code point
    return (storable(value) or "").strip() if isinstance(value, str) else ""


def _author(item: dict[str, Any], feed: dict[str, Any]) -> str | None:
    for source in (item, feed):
        authors = source.get("authors")
        if isinstance(authors, list) and authors and isinstance(authors[0], dict):
            name = _text(authors[0].get("name"))
            if name:
                return name
        author = source.get("author")
        if isinstance(author, dict) and _text(author.get("name")):
            return _text(author.get("name"))
    return None


def _entry(item: dict[str, Any], feed: dict[str, Any]) -> FeedEntry:
    content_html = _text(item.get("content_html"))
    content = (
        html_to_text(content_html)
        if content_html
        else normalise_lines(_text(item.get("content_text")))
    )
    url = _text(item.get("url")) or _text(item.get("external_url")) or None
    guid = item.get("id")
    return FeedEntry(
        guid=(storable(str(guid)) or "").strip() or None if guid is not None else None,
        url=url,
        title=html_to_text(_text(item.get("title"))),
        summary=html_to_text(_text(item.get("summary"))),
        content=content,
        published=parse_json_datetime(item.get("date_published"))
        or parse_json_datetime(item.get("date_modified")),
        author=_author(item, feed),
    )


def looks_like_json(body: bytes, content_type: str | None) -> bool:
    """True if the body should be read as JSON rather than XML.

    The body decides when it can (servers mislabel feeds); the Content-Type otherwise.
    """
    first = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"["):
        return True
    if first == b"<":
        return False
    return bool(content_type and "json" in content_type.lower())


def parse_json_feed(
    body: bytes, max_entries: int | None = None
) -> tuple[str | None, list[FeedEntry], int, int]:
    """Parse a JSON Feed document.

    Args:
        body: The raw bytes (UTF-8, optionally with a BOM).
        max_entries: Convert at most this many items (document order); None: all. The
            rest cost nothing more: 10 MiB of tiny items took 3.5-5 s of CPU to convert
            (each item's HTML read), a parse thread held that long, for 500 kept.

    Returns:
        ``(feed title, entries, number of items skipped as malformed, number of items
        that are objects)``: the last is the entries the feed has, of which at most
        ``max_entries`` are returned.

    Raises:
        FeedParseError: The body is not JSON or not a JSON Feed.
    """
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedParseError(f"not a feed: invalid JSON ({exc})") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise FeedParseError("not a feed: invalid JSON (nested too deeply)") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedParseError("not a feed: JSON document without a JSON Feed 'version'")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedParseError("not a feed: JSON Feed without an 'items' list")
    objects = [item for item in items if isinstance(item, dict)]
    entries = [_entry(item, doc) for item in objects[:max_entries]]
    title = html_to_text(_text(doc.get("title"))) or None
    return title, entries, len(items) - len(objects), len(objects)
