"""Headline-only feeds with ``[pages] enabled``: the item is judged on its linked page.

Real components throughout (feed fetcher, page reader, engine, SQLite); the only fake is
the local HTTP server that serves the feed and the article pages.
"""

from __future__ import annotations

import html
from dataclasses import replace

import pytest
from feedserver import FeedServer, Route, feed_server  # noqa: F401  (fixture)
from storyworld import as_entry, feed_of, make_world, sample

from adapters.feeds.pages import HttpPageReader
from bot.model import CommandRequest, has_body
from bot.pipeline import page_body

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


def item_feed(world) -> int:
    (feed,) = world.app.store.list_feeds()
    return feed.id


async def test_without_a_page_reader_the_same_item_is_judged_on_its_headline_and_a_hint_logged(
    feed_server, sqlite_url, clock, caplog
):
    caplog.set_level("INFO", logger="bot.pipeline")
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
