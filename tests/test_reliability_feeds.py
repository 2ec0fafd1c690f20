"""Issue #6, bullet 1: hostile and broken feeds are bounded, reported, and stall nothing.

What tests/test_feed_fetcher.py already proves one fetch at a time is not repeated here
(gzip bomb, slow drip against the wall-clock deadline, redirect loop, XXE, billion laughs,
HTML served as a feed, dates, SSRF targets incl. IPv6 / NAT64 / decimal forms, redirect to
metadata; tests/test_seeds.py for seed URLs; tests/test_feed_corpus.py for the evaluation
corpus). This module checks what only shows in a whole poll cycle of the real pipeline:

* one cycle with a 1 GB body (generated lazily by the server), a body dripping one byte a
  second, a gzip bomb, a redirect loop, billion laughs, XXE, an HTML page, future and
  missing dates, *and* normal feeds: the normal feeds are ingested, the cycle ends within
  the fetch deadline, each hostile feed has its reason in ``last_error`` (or is ingested
  harmlessly), the 1 GB body was not downloaded, let alone held in memory;
* a feed whose guids change on every fetch produces one notice per article, not one per
  fetch (dedup by canonical URL);
* seed URLs refuse the same SSRF targets as feeds, unless allowed.
"""

from __future__ import annotations

import asyncio
import gzip
import resource
import time
from pathlib import Path

import pytest
from faults import HostileFeedServer
from feedbuilder import entry, rss
from storyworld import make_world

from adapters.feeds import HttpFeedFetcher
from adapters.seeds import load_seed
from bot.errors import UserError
from bot.model import CommandRequest

pytest_plugins = ["store_fixtures"]  # db_url: SQLite and PostgreSQL

TIMEOUT_S = 2.0
GB = 1 << 30


@pytest.fixture
def hostile() -> HostileFeedServer:
    server = HostileFeedServer().start()
    yield server
    server.stop()


def _rss_kb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux: the peak so far


@pytest.mark.slow
async def test_hostile_feeds_in_one_cycle_are_bounded_reported_and_stall_nothing(
    hostile: HostileFeedServer, sqlite_url: str, clock, tmp_path: Path
) -> None:
    world = make_world(sqlite_url, clock, follow=False)
    await world.app.fetcher.aclose()
    fetcher = HttpFeedFetcher(
        timeout_s=TIMEOUT_S, max_body_bytes=2_000_000, allowed_hosts={"127.0.0.1"}
    )
    world.app.pipeline.fetcher = fetcher
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-PASSWORD")
    laughs = (
        '<!DOCTYPE rss [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )
    normal = {
        f"/normal{n}.xml": [
            entry(
                i,
                title=f"Normal feed {n} item {i}",
                link=f"https://normal{n}.example/{i}",
                guid=f"urn:normal:{n}:{i}",
            )
            for i in range(5)
        ]
        for n in range(3)
    }
    for path, entries in normal.items():
        hostile.add_feed(path, rss(entries))
    urls = {
        "huge": hostile.add_huge("/huge.xml", GB),
        "drip": hostile.add_drip("/drip.xml", rss([entry(1)]), every_s=1.0),
        "bomb": hostile.add_feed(
            "/bomb.xml", gzip.compress(b"<rss>" + b" " * 30_000_000), content_encoding="gzip"
        ),
        "loop": hostile.add_redirect("/loop-a", "/loop-b"),
        "laughs": hostile.add_feed(
            "/laughs.xml", rss([entry(1, title="Laughs &lol9;")], prolog=laughs)
        ),
        "xxe": hostile.add_feed(
            "/xxe.xml",
            rss(
                [entry(1, title="X &xxe; Y", summary="&xxe;")],
                prolog=f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>',
            ),
        ),
        "html": hostile.add_feed(
            "/page.html",
            b"<!DOCTYPE html><html><body><p>Hello</p></body></html>",
            content_type="text/html",
        ),
        "dates": hostile.add_feed(
            "/dates.xml",
            rss(
                [
                    entry(
                        1,
                        title="From the future",
                        link="https://dates.example/1",
                        guid="urn:d1",
                        published="Fri, 01 Jan 2100 00:00:00 GMT",
                    ),
                    entry(
                        2,
                        title="No date",
                        link="https://dates.example/2",
                        guid="urn:d2",
                        published=None,
                    ),
                    entry(
                        3,
                        title="Bad date",
                        link="https://dates.example/3",
                        guid="urn:d3",
                        published="yesterday-ish",
                    ),
                ]
            ),
        ),
    }
    hostile.add_redirect("/loop-b", "/loop-a")
    for path in normal:
        world.app.store.add_feed(hostile.url(path), clock.now())
    for url in urls.values():
        world.app.store.add_feed(url, clock.now())
    rss_before = _rss_kb()

    started = time.monotonic()
    report = await world.app.pipeline.poll_due()
    elapsed = time.monotonic() - started

    assert elapsed < TIMEOUT_S + 3, f"the cycle took {elapsed:.1f}s: a hostile feed stalled it"
    assert report.feeds == len(normal) + len(urls)
    for n in range(len(normal)):
        for i in range(5):
            assert world.app.store.find_item_by_url(f"https://normal{n}.example/{i}") is not None
    feeds = {f.url: f for f in world.app.store.list_feeds()}
    errors = {name: feeds[url].last_error or "" for name, url in urls.items()}
    assert "too large" in errors["huge"], errors["huge"]
    assert "timed out" in errors["drip"], errors["drip"]
    assert "too large" in errors["bomb"], errors["bomb"]
    assert "redirect loop" in errors["loop"], errors["loop"]
    assert "HTML" in errors["html"], errors["html"]
    for name in ("huge", "drip", "bomb", "loop", "html"):
        assert feeds[urls[name]].error_count == 1 and feeds[urls[name]].next_poll_at > clock.now()
    # The 1 GB body: the fetch stopped near the limit, and memory did not grow by anything like it.
    assert hostile.sent("/huge.xml") < 200_000_000, hostile.sent("/huge.xml")
    assert (_rss_kb() - rss_before) < 300 * 1024, "memory grew by more than 300 MB"
    # Entities: never expanded, never read from disk; the items (if any) are harmless.
    texts = " ".join(i.title + i.summary + i.content for i in _all_items(world))
    assert "TOP-SECRET" not in texts and "lollollol" not in texts
    # Dates: all three items kept (a far-future date is kept and flagged by the parser,
    # see test_feed_fetcher.py::test_far_future_dates_are_kept_and_flagged).
    for n in (1, 2, 3):
        assert world.app.store.find_item_by_url(f"https://dates.example/{n}") is not None
    await fetcher.aclose()
    world.app.store.close()


def _all_items(world) -> list:
    out = []
    for n in range(1, 10_000):
        item = world.app.store.get_item(n)
        if item is None:
            break
        out.append(item)
    return out


async def test_a_feed_whose_guids_change_every_fetch_alerts_once_per_article(
    hostile: HostileFeedServer, sqlite_url: str, clock
) -> None:
    world = make_world(sqlite_url, clock, follow=False)
    reply = await world.app.commands.handle(CommandRequest("subscribe rotating", "console", "me"))
    assert reply.ok, reply.text
    world.app.pipeline.invalidate_subscriptions()
    url = hostile.add_rotating("/rotating.xml", 4)
    world.app.store.add_feed(url, clock.now(), interval_s=300)
    for _ in range(3):
        report = await world.app.pipeline.poll_due()
        assert report.feeds == 1
        clock.advance(seconds=3600)
    assert hostile.hits("/rotating.xml") == 3
    assert world.app.store.count_items() == 4, (
        "a changed guid with the same URL is the same article"
    )
    total = sum(world.app.store.outbox_counts().values())
    assert total == 4, f"{total} notices for 4 articles"
    await world.app.aclose()


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]/seed",
        "http://[fd00::1]/seed",
        "http://[::ffff:127.0.0.1]/seed",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/seed",
        "http://10.1.2.3/seed",
        "http://[fe80::1]/seed",
        "http://0x7f000001/seed",
    ],
)
def test_seed_urls_refuse_private_targets(url: str) -> None:
    with pytest.raises(UserError) as refused:
        load_seed(url)
    assert "refused" in str(refused.value), str(refused.value)


def test_seed_urls_via_a_name_that_resolves_to_loopback_are_allowed_only_when_listed(
    hostile: HostileFeedServer,
) -> None:
    hostile.add_feed(
        "/seed.html",
        b"<html><head><title>Seed</title></head><body><p>"
        + b"Words here. " * 50
        + b"</p></body></html>",
        content_type="text/html",
    )
    url = f"http://localhost:{hostile.port}/seed.html"
    with pytest.raises(UserError):
        load_seed(url)
    assert hostile.hits("/seed.html") == 0
    assert load_seed(url, allowed_hosts={"localhost"}).text


async def test_an_article_carried_by_two_feeds_does_not_stall_the_cycle(
    hostile: HostileFeedServer, sqlite_url: str, clock
) -> None:
    world = make_world(sqlite_url, clock, follow=False)  # a story is tracked
    body = rss(
        [entry(1, title="Same wire story", guid="urn:wire:1", link="https://wire.example/1")]
    )
    for path in ("/a.xml", "/b.xml"):
        world.app.store.add_feed(hostile.add_feed(path, body), clock.now())
    hostile.add_feed(
        "/other.xml", rss([entry(2, guid="urn:other:2", link="https://other.example/2")])
    )
    world.app.store.add_feed(hostile.url("/other.xml"), clock.now())
    try:
        report = await world.app.pipeline.poll_due()
        assert report.errors == 0 and world.app.store.count_items() == 2
        assert all(f.last_polled_at is not None for f in world.app.store.list_feeds())
    finally:
        await world.app.aclose()


async def test_text_a_database_cannot_store_is_cleaned_and_the_cycle_goes_on(
    hostile: HostileFeedServer, db_url: str, clock
) -> None:
    # JSON escapes may spell a NUL (PostgreSQL text refuses it) or half of a surrogate
    # pair (no UTF-8 exists for it: SQLite and PostgreSQL both refuse it); each made the
    # whole cycle fail on every poll, the feeds beside it never recorded.
    world = make_world(db_url, clock, follow=False)
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J\\u0000 News", "items": ['
        b'{"id": "j1", "url": "https://j.example/1", "title": "Nul\\u0000 title",'
        b' "content_text": "a \\u0000 b"},'
        b'{"id": "j2\\ud800", "url": "https://j.example/2", "title": "Lone \\ud800 half",'
        b' "content_html": "<p>x \\udfff y</p>"}]}'
    )
    world.app.store.add_feed(hostile.add_feed("/j.json", body), clock.now())
    world.app.store.add_feed(
        hostile.add_feed("/ok.xml", rss([entry(1, link="https://ok.example/1")])), clock.now()
    )
    try:
        report = await world.app.pipeline.poll_due()
        assert (report.ok, report.errors, report.new_items) == (2, 0, 3)
        assert all(f.last_polled_at is not None for f in world.app.store.list_feeds())
        nul = world.app.store.find_item_by_url("https://j.example/1")
        half = world.app.store.find_item_by_url("https://j.example/2")
        assert (nul.title, nul.content) == ("Nul title", "a b")
        assert half.title == "Lone \ufffd half" and half.content == "x \ufffd y"
    finally:
        await world.app.aclose()


async def test_terminal_control_codes_in_a_feed_never_reach_the_store(
    hostile: HostileFeedServer, db_url: str, clock
) -> None:
    # JSON escapes may spell the terminal's control codes: ESC and its one-character
    # form CSI (U+009B), which xterm obeys in UTF-8 too. Whatever is stored is printed
    # to the operator's terminal (console alerts, feeds list, why), so a feed could
    # clear the screen, retitle the window or move the cursor over earlier lines.
    world = make_world(db_url, clock, follow=False)
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J\\u009b2J News",'
        b' "items": [{"id": "j1", "url": "https://j.example/1",'
        b' "title": "Red\\u009b31m \\u001b]0;pwned\\u0007 title",'
        b' "content_text": "a \\u009d0;x\\u009c b"}]}'
    )
    world.app.store.add_feed(hostile.add_feed("/j.json", body), clock.now())
    try:
        report = await world.app.pipeline.poll_due()
        assert (report.ok, report.errors, report.new_items) == (1, 0, 1)
        item = world.app.store.find_item_by_url("https://j.example/1")
        assert (item.title, item.content) == ("Red31m ]0;pwned title", "a 0;x b")
        [feed] = world.app.store.list_feeds()
        assert feed.title == "J2J News"
    finally:
        await world.app.aclose()


async def test_bidirectional_overrides_in_a_feed_never_reach_the_store(
    hostile: HostileFeedServer, db_url: str, clock
) -> None:
    # U+202E turns the rest of a line around where it is shown: "Log in at
    # \u202egro.knab" reads "Log in at bank.org" in chat and in the terminal.
    world = make_world(db_url, clock, follow=False)
    body = (
        b'<rss version="2.0"><channel><title>R \xe2\x80\xaeswen</title><item>'
        b"<title>Log in at \xe2\x80\xaegro.knab\xe2\x80\xac now</title>"
        b"<link>https://r.example/1</link>"
        b"<description>&#x2067;\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d&#x2069; \xe2\x80\x8fok</description>"
        b"</item></channel></rss>"
    )
    world.app.store.add_feed(hostile.add_feed("/r.xml", body), clock.now())
    try:
        report = await world.app.pipeline.poll_due()
        assert (report.ok, report.errors, report.new_items) == (1, 0, 1)
        item = world.app.store.find_item_by_url("https://r.example/1")
        assert item.title == "Log in at gro.knab now"
        # the Hebrew word and the right-to-left mark it needs are kept
        assert item.summary == "\u05e9\u05dc\u05d5\u05dd \u200fok"
        [feed] = world.app.store.list_feeds()
        assert feed.title == "R swen"
    finally:
        await world.app.aclose()


async def test_an_item_stored_with_bidirectional_controls_is_not_updated_by_dropping_them(
    hostile: HostileFeedServer, db_url: str, clock
) -> None:
    # Stored before feed text dropped them, an Arabic headline's embedding (U+202B ...
    # U+202C) made every such item of every feed "updated" at its next poll: a new
    # version, judged again, for no change of its text.
    from bot.identity import feed_items
    from bot.model import FeedEntry

    world = make_world(db_url, clock, follow=False)
    title, summary = "\u202bخبر عاجل\u202c: Reuters", "\u2067שלום\u2069 ok"
    body = (
        f'<rss version="2.0"><channel><title>R</title><item><guid>g1</guid>'
        f"<title>{title}</title><link>https://r.example/1</link>"
        f"<description>{summary}</description></item></channel></rss>"
    ).encode()
    feed = world.app.store.add_feed(hostile.add_feed("/r.xml", body), clock.now())
    as_stored_before = FeedEntry("g1", "https://r.example/1", title, summary, "", None)
    world.app.store.ingest_items(feed_items([as_stored_before], feed.id, "R", clock.now()))
    try:
        report = await world.app.pipeline.poll_due()
        assert (report.ok, report.new_items, report.updated_items) == (1, 0, 0)
        item = world.app.store.find_item_by_url("https://r.example/1")
        assert item.version == 1
        # the text as feed text is now stored, so the next change compares with it
        assert (item.title, item.summary) == ("خبر عاجل: Reuters", "שלום ok")
    finally:
        await world.app.aclose()


async def test_an_item_stored_with_entities_left_in_it_is_not_updated_by_decoding_them(
    hostile: HostileFeedServer, db_url: str, clock
) -> None:
    # Stored before feed text decoded the entities a feed escaped twice ("&nbsp;" as
    # text), every item of such a feed would be "updated" at its next poll: a new
    # version, judged again, an alert edited, for no change of its words.
    from bot.identity import feed_items
    from bot.model import FeedEntry

    world = make_world(db_url, clock, follow=False)
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>g1</id>'
        b'<title>Merck &amp;amp; Co. wins</title><link href="https://a.example/1"/>'
        b'<summary type="text">He (R).&amp;nbsp;&amp;nbsp;Thirteen it&amp;#8217;s.</summary>'
        b"</entry></feed>"
    )
    feed = world.app.store.add_feed(hostile.add_feed("/a.xml", body), clock.now())
    as_stored_before = FeedEntry(
        "g1",
        "https://a.example/1",
        "Merck &amp; Co. wins",
        "He (R).&nbsp;&nbsp;Thirteen it&#8217;s.",
        "",
        None,
    )
    world.app.store.ingest_items(feed_items([as_stored_before], feed.id, "A", clock.now()))
    try:
        report = await world.app.pipeline.poll_due()
        assert (report.ok, report.new_items, report.updated_items) == (1, 0, 0)
        item = world.app.store.find_item_by_url("https://a.example/1")
        assert item.version == 1
        assert (item.title, item.summary) == ("Merck & Co. wins", "He (R). Thirteen it\u2019s.")
    finally:
        await world.app.aclose()


_RSS = (
    b'<rss version="2.0"><channel><title>E</title><item><title>One</title>'
    b"<link>https://e.example/1</link></item></channel></rss>"
)


@pytest.mark.parametrize(
    ("head", "body"),
    [
        # a validator with a byte that is no UTF-8 (stored on the feed's row)
        (b'ETag: "v\xff1"\r\nContent-Type: application/rss+xml', _RSS),
        # the error quotes the Content-Type of an HTML page (stored as the feed's error)
        (b"Content-Type: text/html; charset=\xff", b"<html><body>Home</body></html>"),
    ],
)
async def test_header_bytes_a_database_cannot_store_do_not_stop_the_cycle(
    hostile: HostileFeedServer, db_url: str, clock, head: bytes, body: bytes
) -> None:
    # aiohttp decodes such bytes into lone surrogates, which no database stores: the
    # feed's row failed the transaction recording every feed of the cycle, every poll.
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        length = str(len(body)).encode()
        writer.write(b"HTTP/1.1 200 OK\r\n" + head + b"\r\nContent-Length: " + length)
        writer.write(b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    raw = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = raw.sockets[0].getsockname()[1]
    world = make_world(db_url, clock, follow=False)
    world.app.store.add_feed(f"http://127.0.0.1:{port}/feed", clock.now())
    world.app.store.add_feed(
        hostile.add_feed("/ok.xml", rss([entry(1, link="https://ok.example/1")])), clock.now()
    )
    try:
        await world.app.pipeline.poll_due()
        assert all(f.last_polled_at is not None for f in world.app.store.list_feeds())
        assert world.app.store.find_item_by_url("https://ok.example/1") is not None
    finally:
        await world.app.aclose()
        raw.close()
        await raw.wait_closed()
