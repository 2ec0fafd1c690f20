"""A local HTTP server that plays the demo's sample feeds over simulated time.

Each feed shows the timeline items whose ``minute`` has passed on the injected clock, newest
first, as RSS 2.0 or Atom. Responses carry an ETag and honour ``If-None-Match`` with a 304,
like a well-behaved real server. The answer fields of the timeline (``kind``,
``development``, ``note``) are never served: they are only for checking the outcome.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from adapters.loopback_server import serve_on_loopback
from bot.ports import Clock

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Timeline:
    start: datetime
    feeds: list[dict[str, Any]]
    items: list[dict[str, Any]]

    @classmethod
    def load(cls, path: Path = DATA_DIR / "timeline.json") -> "Timeline":
        raw = json.loads(path.read_text(encoding="utf-8"))
        start = datetime.fromisoformat(raw["start"].replace("Z", "+00:00"))
        return cls(start=start, feeds=raw["feeds"], items=raw["items"])

    def visible(self, slug: str, now: datetime) -> list[dict[str, Any]]:
        cutoff = (now - self.start).total_seconds() / 60
        items = [i for i in self.items if i["feed"] == slug and i["minute"] <= cutoff]
        return sorted(items, key=lambda i: i["minute"], reverse=True)


def _when(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["published"].replace("Z", "+00:00")).astimezone(timezone.utc)


def render_rss(feed: dict[str, Any], items: list[dict[str, Any]], base: str) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
        f"<title>{escape(feed['title'])}</title><link>{escape(base)}</link>",
        "<description>SAMPLE DATA written for the storybot demo; not real news.</description>",
        "<ttl>15</ttl>",
    ]
    for it in items:
        parts.append(
            "<item>"
            f"<title>{escape(it['title'])}</title>"
            f"<link>{escape(it['url'])}</link>"
            f'<guid isPermaLink="false">{escape(it["guid"])}</guid>'
            f"<pubDate>{format_datetime(_when(it))}</pubDate>"
            f"<description>{escape(it.get('summary') or '')}</description>"
            f"<content:encoded>{escape(_html(it.get('content') or ''))}</content:encoded>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts)


def render_atom(feed: dict[str, Any], items: list[dict[str, Any]], base: str) -> str:
    updated = _when(items[0]).isoformat() if items else "2026-03-05T00:00:00+00:00"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(feed['title'])}</title><id>{escape(base)}</id><updated>{updated}</updated>",
        "<subtitle>SAMPLE DATA written for the storybot demo; not real news.</subtitle>",
    ]
    for it in items:
        parts.append(
            "<entry>"
            f"<title>{escape(it['title'])}</title>"
            f'<link href="{escape(it["url"], {chr(34): "&quot;"})}"/>'
            f"<id>{escape(it['guid'])}</id>"
            f"<updated>{_when(it).isoformat()}</updated>"
            f"<summary>{escape(it.get('summary') or '')}</summary>"
            f'<content type="html">{escape(_html(it.get("content") or ""))}</content>'
            "</entry>"
        )
    parts.append("</feed>")
    return "".join(parts)


def _html(text: str) -> str:
    return "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


class DemoFeedServer:
    """Serves ``/feeds/<slug>.xml`` for every feed of the timeline, on 127.0.0.1, port 0."""

    def __init__(self, timeline: Timeline, clock: Clock) -> None:
        self.timeline = timeline
        self.clock = clock
        self.requests = 0
        self.not_modified = 0
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def url(self, slug: str) -> str:
        return f"{self.base_url}/feeds/{slug}.xml"

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        slug = request.match_info["slug"]
        feed = next((f for f in self.timeline.feeds if f["slug"] == slug), None)
        if feed is None:
            return web.Response(status=404, text="no such feed")
        items = self.timeline.visible(slug, self.clock.now())
        render = render_atom if feed.get("format") == "atom" else render_rss
        body = render(feed, items, self.base_url).encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        ctype = "application/atom+xml" if feed.get("format") == "atom" else "application/rss+xml"
        return web.Response(
            body=body, headers={"ETag": etag, "Content-Type": f"{ctype}; charset=utf-8"}
        )

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feeds/{slug}.xml", self._handle)
        self._runner, port = await serve_on_loopback(app, access_log=None)
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None


def minutes_after(timeline: Timeline, minutes: float) -> datetime:
    return timeline.start + timedelta(minutes=minutes)
