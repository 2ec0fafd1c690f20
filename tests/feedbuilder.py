"""Builders for feed documents in tests: ``rss(entries)``, ``atom(entries)``, ``json_feed``.

    rss([entry(1), entry(2, title="Other")], title="Example News")

Values are XML-escaped unless passed through ``raw=`` (for crafted, hostile documents).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class E:
    """One entry to render."""

    n: int
    title: str
    link: str | None
    guid: str | None
    summary: str
    content: str | None
    published: str | None  # RFC 822 for RSS; converted for Atom/JSON by the caller


def entry(
    n: int,
    *,
    title: str | None = None,
    link: str | None = "default",
    guid: str | None = "default",
    summary: str | None = None,
    content: str | None = None,
    published: str | None = "Tue, 17 Feb 2026 10:00:00 GMT",
) -> E:
    """An entry numbered ``n`` with predictable defaults (title "Entry n", link /n, guid id-n)."""
    return E(
        n=n,
        title=f"Entry {n}" if title is None else title,
        link=f"https://news.example.com/articles/{n}" if link == "default" else link,
        guid=f"id-{n}" if guid == "default" else guid,
        summary=f"Summary of entry {n}." if summary is None else summary,
        content=content,
        published=published,
    )


def _tag(name: str, value: str | None) -> str:
    return "" if value is None else f"<{name}>{escape(value)}</{name}>"


def rss(
    entries: list[E],
    *,
    title: str = "Example News",
    ttl: int | None = None,
    prolog: str = "",
    raw_items: str = "",
) -> bytes:
    """An RSS 2.0 document."""
    items = "".join(
        "<item>"
        + _tag("title", e.title)
        + _tag("link", e.link)
        + _tag("guid", e.guid)
        + _tag("description", e.summary)
        + (f"<content:encoded><![CDATA[{e.content}]]></content:encoded>" if e.content else "")
        + _tag("pubDate", e.published)
        + "</item>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        + prolog
        + '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        + _tag("title", title)
        + "<link>https://news.example.com/</link>"
        + (f"<ttl>{ttl}</ttl>" if ttl is not None else "")
        + items
        + raw_items
        + "</channel></rss>"
    ).encode("utf-8")


def atom(entries: list[E], *, title: str = "Example Atom") -> bytes:
    """An Atom 1.0 document (``published`` must then be RFC 3339, or None)."""
    body = "".join(
        "<entry>"
        + _tag("title", e.title)
        + (f'<link href="{escape(e.link)}"/>' if e.link else "")
        + _tag("id", e.guid)
        + (f'<summary type="html">{escape(e.summary)}</summary>')
        + (f'<content type="html">{escape(e.content)}</content>' if e.content else "")
        + _tag("updated", e.published)
        + "</entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        + _tag("title", title)
        + "<id>urn:example</id>"
        + body
        + "</feed>"
    ).encode("utf-8")


def json_feed(entries: list[E], *, title: str = "Example JSON") -> bytes:
    """A JSON Feed 1.1 document (``published`` must then be RFC 3339, or None)."""
    items = [
        {
            k: v
            for k, v in {
                "id": e.guid,
                "url": e.link,
                "title": e.title,
                "summary": e.summary,
                "content_html": e.content,
                "date_published": e.published,
            }.items()
            if v is not None
        }
        for e in entries
    ]
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    ).encode()
