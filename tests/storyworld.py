"""A small, real world for pipeline tests: the demo story, its sample texts and a wired app.

Texts come from the bundled demo data (``adapters/demo/data``): the seed articles, and the
sample items with their written-in answers (copy / development / unrelated).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from feedbuilder import E, rss

from adapters.app import App, build_app
from adapters.console import CONSOLE, CONSOLE_CHANNEL, ConsoleAdapter
from adapters.demo import seed_files
from adapters.demo.feedserver import DATA_DIR
from adapters.seeds import load_seed
from bot.clock import ManualClock
from bot.model import DeliveryMode, FeedEntry, Story
from bot.settings import load_settings

TIMELINE = json.loads((DATA_DIR / "timeline.json").read_text(encoding="utf-8"))


def sample(guid: str) -> dict:
    """One sample item of the demo timeline by guid."""
    return next(i for i in TIMELINE["items"] if i["guid"] == guid)


def samples(kind: str, development: str | None = None) -> list[dict]:
    return [
        i
        for i in TIMELINE["items"]
        if i["kind"] == kind and (development is None or i["development"] == development)
    ]


def as_entry(item: dict, n: int = 0, **changes) -> E:
    """An RSS entry for a sample item (changes override fields: title, link, guid...)."""
    fields = dict(
        n=n,
        title=item["title"],
        link=item["url"],
        guid=item["guid"],
        summary=item.get("summary") or "",
        content=item.get("content"),
        published="Thu, 05 Mar 2026 10:00:00 GMT",
    )
    fields.update(changes)
    return E(**fields)


def undated_entry(item: dict) -> FeedEntry:
    """A sample item as the parser gives it, without a date (as stored before a crash)."""
    return FeedEntry(
        guid=item["guid"],
        url=item["url"],
        title=item["title"],
        summary=item["summary"],
        content=item["content"],
        published=None,
    )


def feed_of(*items: E, title: str = "Sample Wire") -> bytes:
    return rss(list(items), title=title)


@dataclass
class World:
    app: App
    console: ConsoleAdapter
    out: io.StringIO
    story: Story
    clock: ManualClock

    def alerts(self):
        return [m for _, m in self.console.posted if m.kind.value == "alert"]


def make_world(
    db_url: str,
    clock: ManualClock,
    *,
    follow: bool = True,
    env: dict | None = None,
    embedder=None,
    pages=None,
    config=None,
) -> World:
    """An app on ``db_url`` with the demo story, the console bound to it (realtime).

    ``pages``: a page reader for headline-only items (``build_app(pages=...)``);
    ``config``: a config file to load besides the defaults.
    """
    settings = load_settings(
        config,
        env={"STORYBOT_DATABASE_URL": db_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1", **(env or {})},
    )
    out = io.StringIO()
    console = ConsoleAdapter(out)
    app = build_app(
        settings, clock=clock, adapters={CONSOLE: console}, embedder=embedder, pages=pages
    )
    story = app.store.get_story("demo")
    if story is None:
        seeds = [load_seed(str(p)) for p in seed_files()]
        story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    if follow:
        app.store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.REALTIME, 24, clock.now())
    return World(app, console, out, story, clock)


def seeds_dir() -> Path:
    return DATA_DIR / "seeds"
