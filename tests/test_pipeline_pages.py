"""Headline-only feeds with ``[pages] enabled``: the item is judged on its linked page.

Real components throughout (feed fetcher, page reader, engine, SQLite); the only fake is
the local HTTP server that serves the feed and the article pages.
"""

from __future__ import annotations

import html
import io
from dataclasses import replace
from datetime import timedelta

import pytest
from feedserver import FeedServer, Route, feed_server  # noqa: F401  (fixture)
from loop_guard import store_queries_on_event_loops
from storyworld import as_entry, feed_of, make_world, sample

from adapters.feeds.pages import HttpPageReader
from adapters.operator import poll_once
from bot.errors import ConfigError
from bot.linked_pages import page_body
from bot.model import CommandRequest, has_body
from bot.settings import load_settings

# the sample turn the engine recognises as new right after the seeds (see test_pipeline)
HEARING = "ww-004"
FOOTER = "Copyright Wirewire Media Group. All rights reserved. Terms of use and privacy."


def _article_page(item: dict) -> bytes:
    """The sample report as an outlet's web page: navigation, the article, a footer."""
    paragraphs = "".join(
        f"<p>{html.escape(p)}</p>" for p in item["content"].split("\n") if p.strip()
    )
    return (
        "<!doctype html><html><head><title>"
        + html.escape(item["title"])
        + "</title></head><body><nav><a href='/'>Home</a> <a href='/world'>World</a>"
        + " <a href='/sports'>Sports</a></nav><article><h1>"
        + html.escape(item["title"])
        + "</h1>"
        + paragraphs
        + f"</article><footer>{FOOTER}</footer></body></html>"
    ).encode()


def _headline_only_feed(server: FeedServer, item: dict, page_path: str, *, page: Route) -> str:
    """A feed giving ``item`` as a headline and a link to ``page_path`` (no body)."""
    link = server.add(page_path, page)
    entry = as_entry(item, summary="", content=None, link=link)
    return server.add_feed("/headlines.xml", feed_of(entry, title="Wirewire"), etag=True)


def _page_route(item: dict) -> Route:
    return Route(body=_article_page(item), content_type="text/html; charset=utf-8")


def _reader() -> HttpPageReader:
    return HttpPageReader(allowed_hosts={"127.0.0.1"})


def _world(feed_server, sqlite_url, clock, *, path="/news/hearing.html", page=None, **kw):
    """The demo world with a headline-only feed of the hearing report linking to ``path``.

    ``page``: how ``path`` answers (default: the report as an article page); ``kw`` go to
    ``make_world`` (``pages=``, ``config=``).
    """
    hearing = sample(HEARING)
    world = make_world(sqlite_url, clock, **kw)
    feed = _headline_only_feed(feed_server, hearing, path, page=page or _page_route(hearing))
    world.app.store.add_feed(feed, clock.now())
    return world, hearing


async def test_a_headline_only_item_is_judged_on_its_linked_pages_text(
    feed_server, sqlite_url, clock
):
    world, hearing = _world(feed_server, sqlite_url, clock, pages=_reader())

    report = await world.app.pipeline.poll_due()

    assert (report.new_items, report.pages_read, report.pages_unread) == (1, 1, 0)
    assert "1 linked page read" in report.line()
    item = world.app.store.find_item_by_url(feed_server.url("/news/hearing.html"))
    assert item is not None and item.summary == "" and item.content == ""
    assert has_body(item.page_text) and FOOTER not in item.page_text
    assert not item.page_text.startswith(hearing["title"])  # the page's headline is not body
    assert item.text == item.page_text
    (decision,) = world.app.store.decisions_for_item(item.id)
    assert decision.judgement.on_topic
    assert decision.judgement.reason["headline_only"] is False  # read as an article
    assert report.new_developments == 1
    why = await world.app.commands.handle(
        CommandRequest(f"why {item.url}", "slack", "U1", "C1", is_admin=False)
    )
    words = len(item.page_text.split())
    assert (
        f"Its feed gave the headline only; it was read with its linked page ({words} words)."
        in (why.text)
    )
    await world.app.aclose()


async def test_no_page_hint_for_a_feed_whose_other_new_items_have_a_body(
    feed_server, sqlite_url, clock, caplog
):
    caplog.set_level("INFO", logger="bot.linked_pages")
    hearing = sample(HEARING)
    full = sample("ww-002")
    link = feed_server.add("/news/hearing.html", _page_route(hearing))
    feed = feed_server.add_feed(
        "/mixed.xml",
        feed_of(
            as_entry(full, 0),  # a report with its text
            as_entry(hearing, 1, summary="", content=None, link=link),  # a bare headline
            title="Wirewire",
        ),
    )
    world = make_world(sqlite_url, clock)
    world.app.store.add_feed(feed, clock.now())

    report = await world.app.pipeline.poll_due()

    assert report.new_items == 2
    assert not [r for r in caplog.records if "[pages] enabled = true" in r.getMessage()]
    await world.app.aclose()


def item_feed(world) -> int:
    (feed,) = world.app.store.list_feeds()
    return feed.id


async def test_without_a_page_reader_the_same_item_is_judged_on_its_headline_and_a_hint_logged(
    feed_server, sqlite_url, clock, caplog
):
    caplog.set_level("INFO", logger="bot.linked_pages")
    # [pages] enabled = false, the default
    world, _ = _world(feed_server, sqlite_url, clock)

    report = await world.app.pipeline.poll_due()

    assert (report.new_items, report.pages_read, report.pages_unread) == (1, 0, 0)
    assert "linked page" not in report.line()
    assert feed_server.hits("/news/hearing.html") == 0
    hints = [r.getMessage() for r in caplog.records if "[pages] enabled = true" in r.getMessage()]
    assert hints == [
        f"Wirewire (feed {item_feed(world)}) gives headlines without a body; they are judged "
        "on the headline alone. [pages] enabled = true judges such items on their linked "
        "page's text (README: headline-only feeds)"
    ]
    item = world.app.store.find_item_by_url(feed_server.url("/news/hearing.html"))
    assert item is not None and item.page_text == ""
    (decision,) = world.app.store.decisions_for_item(item.id)
    assert decision.judgement.reason["headline_only"] is True
    why = await world.app.commands.handle(
        CommandRequest(f"why {item.url}", "slack", "U1", "C1", is_admin=False)
    )
    assert "linked page" not in why.text
    await world.app.aclose()


async def test_a_page_that_cannot_be_read_leaves_the_item_judged_on_its_headline(
    feed_server, sqlite_url, clock
):
    world, _ = _world(
        feed_server,
        sqlite_url,
        clock,
        pages=_reader(),
        path="/news/gone.html",
        page=Route(status=404, body=b"not found"),
    )

    report = await world.app.pipeline.poll_due()

    assert (report.ok, report.new_items, report.pages_read, report.pages_unread) == (1, 1, 0, 1)
    assert "0 linked pages read (1 unreadable)" in report.line()
    item = world.app.store.find_item_by_url(feed_server.url("/news/gone.html"))
    assert item is not None and item.page_text == ""
    (decision,) = world.app.store.decisions_for_item(item.id)  # judged all the same
    assert decision.judgement.reason["headline_only"] is True
    await world.app.aclose()


async def test_a_page_is_read_once_and_not_again_when_the_feed_is_polled_again(
    feed_server, sqlite_url, clock
):
    world, hearing = _world(feed_server, sqlite_url, clock, pages=_reader())
    await world.app.pipeline.poll_due()

    # the feed changes (a new etag, the same entry with a new headline): polled again
    link = feed_server.url("/news/hearing.html")
    title = hearing["title"] + " (updated)"
    edited = as_entry(hearing, summary="", content=None, link=link, title=title)
    feed_server.add_feed("/headlines.xml", feed_of(edited, title="Wirewire"), etag="v2")
    clock.advance(3600)
    report = await world.app.pipeline.poll_feeds(world.app.store.list_feeds())

    assert report.updated_items == 1
    assert feed_server.hits("/news/hearing.html") == 1
    item = world.app.store.find_item_by_url(feed_server.url("/news/hearing.html"))
    assert item is not None and item.title.endswith("(updated)") and has_body(item.page_text)
    await world.app.aclose()


async def test_no_page_is_read_while_nothing_would_judge_the_item(feed_server, sqlite_url, clock):
    world, _ = _world(feed_server, sqlite_url, clock, pages=_reader())
    world.app.store.remove_story("demo")
    world.app.pipeline.refresh_stories()

    report = await world.app.pipeline.poll_due()

    assert report.new_items == 1 and report.pages_read == 0
    assert feed_server.hits("/news/hearing.html") == 0
    await world.app.aclose()


async def test_pages_enabled_in_the_config_file_turns_page_reading_on_with_its_limits(
    feed_server, sqlite_url, clock, tmp_path
):
    config = tmp_path / "storybot.toml"
    config.write_text("[pages]\nenabled = true\nmax_chars = 400\n")
    world, _ = _world(feed_server, sqlite_url, clock, config=config)  # the app's own reader

    report = await world.app.pipeline.poll_due()

    assert report.pages_read == 1
    item = world.app.store.find_item_by_url(feed_server.url("/news/hearing.html"))
    assert item is not None and has_body(item.page_text) and len(item.page_text) <= 400
    await world.app.aclose()


async def test_a_page_that_fails_for_a_moment_is_read_on_its_retry_from_the_config_file(
    feed_server, sqlite_url, clock, tmp_path
):
    config = tmp_path / "storybot.toml"
    config.write_text("[pages]\nenabled = true\nretries = 1\nretry_delay_s = 0\n")
    stumbling = replace(_page_route(sample(HEARING)), fail_first=1)  # 503, then the page
    world, _ = _world(feed_server, sqlite_url, clock, config=config, page=stumbling)

    report = await world.app.pipeline.poll_due()

    assert (report.pages_read, report.pages_unread) == (1, 0)
    assert feed_server.hits("/news/hearing.html") == 2
    item = world.app.store.find_item_by_url(feed_server.url("/news/hearing.html"))
    assert item is not None and has_body(item.page_text)
    await world.app.aclose()


@pytest.mark.parametrize(
    ("text", "title", "body"),
    [
        ("Man shot on Main St\nPolice said a man was shot.", "Man shot on Main St", None),
        ("Man shot on Main St\nPolice said a man was shot.", "Man shot on Main St - WRAL", None),
        ("MAN SHOT ON MAIN ST.\nPolice said a man was shot.", "Man shot on Main St", None),
        ("Police said a man was shot.\nMore.", "Man shot on Main St", "keep"),
        ("Man shot\nPolice said a man was shot.", "Man shot on Main St in Raleigh", "keep"),
        ("Man shot on Main St", "Man shot on Main St", "keep"),  # nothing after it
    ],
)
def test_a_pages_opening_headline_is_not_part_of_its_body(text, title, body):
    expected = text if body == "keep" else "Police said a man was shot."
    assert page_body(text, title) == expected


# --------------------------------------------------------------------------- page waits
# A page whose failure may pass (5xx, 429, a dropped connection, a timeout) holds its
# item back for up to [pages] wait_s (600 s by default), tried again 1, 3, 7 and 10
# minutes after the first failure, at the poll cycles then due; nothing sleeps.


def _reader_now() -> HttpPageReader:
    """A page reader that gives up at once (no retries inside the read)."""
    return HttpPageReader(allowed_hosts={"127.0.0.1"}, retries=0)


def _hearing_item(world, feed_server, path="/news/hearing.html"):
    return world.app.store.find_item_by_url(feed_server.url(path))


async def test_an_item_whose_page_is_down_waits_and_is_judged_on_the_page_when_it_is_back(
    feed_server, sqlite_url, clock
):
    down_once = replace(_page_route(sample(HEARING)), fail_first=1)  # 503, then the page
    world, _ = _world(feed_server, sqlite_url, clock, pages=_reader_now(), page=down_once)
    pipeline, store = world.app.pipeline, world.app.store

    report = await pipeline.poll_due()

    assert (report.new_items, report.pages_read, report.pages_unread) == (1, 0, 0)
    assert report.pages_waiting == 1
    assert "0 linked pages read (1 to try again later)" in report.line()
    item = _hearing_item(world, feed_server)
    assert store.decisions_for_item(item.id) == []  # not judged on its headline meanwhile
    assert store.count_page_waits() == 1

    clock.advance(59)
    report = await pipeline.poll_due()  # no feed due, and the item's next try is not either
    assert feed_server.hits("/news/hearing.html") == 1
    assert store.decisions_for_item(item.id) == []

    clock.advance(1)
    report = await pipeline.poll_due()

    assert feed_server.hits("/news/hearing.html") == 2
    assert (report.feeds, report.pages_read, report.pages_waiting) == (0, 1, 0)
    item = _hearing_item(world, feed_server)
    assert has_body(item.page_text)
    (decision,) = store.decisions_for_item(item.id)
    assert decision.judgement.on_topic and decision.judgement.reason["headline_only"] is False
    assert report.new_developments == 1 and report.alerts_queued == 1
    assert store.count_page_waits() == 0
    await world.app.aclose()


async def test_an_item_whose_page_stays_down_is_judged_on_its_headline_when_its_wait_is_over(
    feed_server, sqlite_url, clock, caplog
):
    caplog.set_level("WARNING", logger="bot.linked_pages")
    world, _ = _world(
        feed_server, sqlite_url, clock, pages=_reader_now(), page=Route(status=503, body=b"busy")
    )
    pipeline, store = world.app.pipeline, world.app.store
    await pipeline.poll_due()
    item = _hearing_item(world, feed_server)

    start, tried_at = clock.now(), []
    for second in range(0, 601, 30):  # a poll tick every 30 s for ten minutes
        clock.set(start + timedelta(seconds=second))
        hits = feed_server.hits("/news/hearing.html")
        report = await pipeline.poll_due()
        if feed_server.hits("/news/hearing.html") > hits:
            tried_at.append(second)
        if second < 600:
            assert store.decisions_for_item(item.id) == [], second

    assert tried_at == [60, 180, 420, 600]  # 1, 3, 7 minutes, then the end of the wait
    assert report.pages_unread == 1 and report.pages_waiting == 0
    (decision,) = store.decisions_for_item(item.id)  # judged all the same, on the headline
    assert decision.judgement.reason["headline_only"] is True
    assert store.count_page_waits() == 0
    gave_up = [r.getMessage() for r in caplog.records if "gave up waiting" in r.getMessage()]
    assert gave_up == [
        f"gave up waiting for linked page {item.url} after 10 min (HTTP 503 Service "
        "Unavailable); its item is judged on its headline"
    ]
    await world.app.aclose()


async def test_with_wait_s_0_an_item_whose_page_is_down_is_judged_on_its_headline_at_once(
    feed_server, sqlite_url, clock, tmp_path, caplog
):
    caplog.set_level("WARNING", logger="bot.linked_pages")
    config = tmp_path / "storybot.toml"
    config.write_text("[pages]\nenabled = true\nretries = 0\nwait_s = 0\n")
    world, _ = _world(
        feed_server, sqlite_url, clock, config=config, page=Route(status=503, body=b"busy")
    )

    report = await world.app.pipeline.poll_due()

    assert (report.pages_read, report.pages_unread, report.pages_waiting) == (0, 1, 0)
    item = _hearing_item(world, feed_server)
    (decision,) = world.app.store.decisions_for_item(item.id)
    assert decision.judgement.reason["headline_only"] is True
    assert world.app.store.count_page_waits() == 0
    assert [r.getMessage() for r in caplog.records] == [
        f"could not read linked page {item.url} (HTTP 503 Service Unavailable); its item "
        "is judged on its headline"
    ]
    await world.app.aclose()


async def test_a_waiting_item_survives_a_restart_and_is_judged_after_it(
    feed_server, sqlite_url, clock
):
    down_once = replace(_page_route(sample(HEARING)), fail_first=1)
    world, _ = _world(feed_server, sqlite_url, clock, pages=_reader_now(), page=down_once)
    await world.app.pipeline.poll_due()
    await world.app.aclose()  # the service stops while the item waits

    clock.advance(120)
    again = make_world(sqlite_url, clock, pages=_reader_now())
    report = await again.app.pipeline.poll_due()

    assert report.pages_read == 1 and feed_server.hits("/news/hearing.html") == 2
    item = _hearing_item(again, feed_server)
    (decision,) = again.app.store.decisions_for_item(item.id)
    assert decision.judgement.on_topic and has_body(item.page_text)
    await again.app.aclose()


async def test_waiting_items_are_judged_on_their_headline_once_page_reading_is_turned_off(
    feed_server, sqlite_url, clock
):
    world, _ = _world(
        feed_server, sqlite_url, clock, pages=_reader_now(), page=Route(status=503, body=b"")
    )
    await world.app.pipeline.poll_due()
    await world.app.aclose()

    clock.advance(60)
    again = make_world(sqlite_url, clock)  # [pages] enabled = false now
    await again.app.pipeline.poll_due()

    assert feed_server.hits("/news/hearing.html") == 1  # not read again
    item = _hearing_item(again, feed_server)
    (decision,) = again.app.store.decisions_for_item(item.id)
    assert decision.judgement.reason["headline_only"] is True
    assert again.app.store.count_page_waits() == 0
    await again.app.aclose()


async def test_a_waiting_item_judged_meanwhile_stops_waiting_without_a_second_judgement(
    feed_server, sqlite_url, clock
):
    down_once = replace(_page_route(sample(HEARING)), fail_first=1)
    world, hearing = _world(feed_server, sqlite_url, clock, pages=_reader_now(), page=down_once)
    pipeline, store = world.app.pipeline, world.app.store
    await pipeline.poll_due()
    item = _hearing_item(world, feed_server)
    # The feed changes before the item's next try: the re-poll finds the item unjudged,
    # reads its page (back now) and judges it.
    link = feed_server.url("/news/hearing.html")
    edited = as_entry(hearing, summary="", content=None, link=link, title=hearing["title"] + "!")
    feed_server.add_feed("/headlines.xml", feed_of(edited, title="Wirewire"), etag="v2")
    clock.advance(30)
    await pipeline.poll_feeds(store.list_feeds())
    assert len(store.decisions_for_item(item.id)) == 1
    hits = feed_server.hits("/news/hearing.html")

    clock.advance(60)
    report = await pipeline.poll_due()  # its wait was due: found judged, it stops waiting

    assert feed_server.hits("/news/hearing.html") == hits
    assert report.on_topic == 0 and len(store.decisions_for_item(item.id)) == 1
    assert store.count_page_waits() == 0
    await world.app.aclose()


def test_wait_s_must_not_be_negative(tmp_path):
    config = tmp_path / "storybot.toml"
    config.write_text("[pages]\nwait_s = -1\n")
    with pytest.raises(ConfigError, match=r"\[pages\] wait_s"):
        load_settings(config, env={})


async def test_poll_once_tries_waiting_pages_when_no_feed_is_due(feed_server, sqlite_url, clock):
    down_once = replace(_page_route(sample(HEARING)), fail_first=1)
    world, _ = _world(feed_server, sqlite_url, clock, pages=_reader_now(), page=down_once)
    out = io.StringIO()
    # and each of the three ran none of its store calls on the event loop
    with store_queries_on_event_loops(world.app.store.engine) as on_loop:
        assert await poll_once(world.app, out=out) == 0  # closes the app, as the CLI does
    assert "0 linked pages read (1 to try again later)" in out.getvalue()

    clock.advance(30)
    out = io.StringIO()
    world = make_world(sqlite_url, clock, pages=_reader_now())
    with store_queries_on_event_loops(world.app.store.engine) as more:
        assert await poll_once(world.app, out=out) == 0
    on_loop += more
    assert out.getvalue().startswith("no feeds are due (storybot feeds list")  # nor any wait

    clock.advance(30)
    out = io.StringIO()
    again = make_world(sqlite_url, clock, pages=_reader_now())
    with store_queries_on_event_loops(again.app.store.engine) as more:
        assert await poll_once(again.app, out=out) == 0
    on_loop += more
    assert on_loop == [], on_loop

    assert out.getvalue() == (
        "no feeds are due; 1 item that waited for a linked page judged (1 read, 0 given up), "
        "0 still waiting; 1 on-topic, 1 new development, 1 alert queued\n"
    )
    assert feed_server.hits("/news/hearing.html") == 2
