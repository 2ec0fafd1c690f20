"""Two sibling stories followed at once, end to end: local feed server -> fetcher ->
engine -> SQLite -> console alerts and ``/story why``.

A user followed the US-Iran nuclear talks and the Russia-Ukraine peace talks, both held in
Geneva on one day with the same envoys, each story added from two reports. The feeds then
carried those reports: each story took the other's seeds as its first new development,
and the Iran talks were announced as news of the Ukraine story (bot.engine.rivals).
"""

from __future__ import annotations

import io

from feedbuilder import E, rss
from feedserver import feed_server  # noqa: F401  (fixture)
from test_engine_rivals import IRAN_PROGRESS, IRAN_SEEDS, UKRAINE_DAY_ONE, UKRAINE_SEEDS

from adapters.app import build_app
from adapters.console import CONSOLE, CONSOLE_CHANNEL, ConsoleAdapter, console_request
from bot.model import DeliveryMode
from bot.settings import load_settings


def _entry(n: int, title: str, text: str, url: str, hour: int) -> E:
    return E(n, title, url, url, text, None, f"Tue, 17 Feb 2026 {hour:02d}:00:00 GMT")


async def test_a_sibling_storys_reports_are_not_announced_as_this_storys_news(
    feed_server, sqlite_url, clock
):
    settings = load_settings(
        None, env={"STORYBOT_DATABASE_URL": sqlite_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    )
    console = ConsoleAdapter(io.StringIO())
    app = build_app(settings, clock=clock, adapters={CONSOLE: console})
    store = app.store
    for name, seeds in (("iran-talks", IRAN_SEEDS), ("ukraine-talks", UKRAINE_SEEDS)):
        story = store.add_story(name, seeds[0].title, list(seeds), clock.now())
        store.bind(story.id, CONSOLE, CONSOLE_CHANNEL, DeliveryMode.REALTIME, 24, clock.now())
    reports = [
        *((s.title, s.text, f"{s.url}?from=feed") for s in (*IRAN_SEEDS, *UKRAINE_SEEDS)),
        *((d.title, d.text, d.url) for d in (IRAN_PROGRESS, UKRAINE_DAY_ONE)),
    ]
    entries = [_entry(n, t, x, u, 8 + n) for n, (t, x, u) in enumerate(reports)]
    feed_server.add_feed("/world.xml", rss(entries, title="World"), etag=True)
    store.add_feed(feed_server.url("/world.xml"), clock.now(), 900)

    await app.pipeline.poll_due()
    await app.delivery.deliver_due()

    # each report is taken by its own story only (a copy of a seed, or a report of it)
    taken = {}
    for title, _, url in reports:
        item = store.find_item_by_url(url)
        taken[title] = {
            store.get_story_by_id(d.judgement.story_id).name
            for d in store.decisions_for_item(item.id)
            if d.judgement.on_topic
        }
    iran = {s.title for s in IRAN_SEEDS} | {IRAN_PROGRESS.title}
    assert taken == {t: {"iran-talks" if t in iran else "ukraine-talks"} for t in taken}
    # so no story announces the other's reports as its new development (they did: the
    # Ukraine seeds were "development 1" of the Iran story)
    alerts = [m for _, m in console.posted if m.kind.value == "alert"]
    assert [(m.story_name, m.title) for m in alerts] == []

    ukraine_seed = f"{UKRAINE_SEEDS[0].url}?from=feed"
    why = await app.commands.handle(console_request(f"why {ukraine_seed}"))
    assert "• off-topic for iran-talks (score " in why.text
    assert ": left to ukraine-talks, which it reads as far more clearly)" in why.text
    assert "    ukraine-talks, also followed here, scores it " in why.text
    await app.aclose()
