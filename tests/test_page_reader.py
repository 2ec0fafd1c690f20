"""``HttpPageReader``: linked article pages read from a real local HTTP server.

No real sleeps: the per-host test holds a request on the server with an event that the
test sets, and every failure the reader must survive is served at once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import pytest
from feedserver import FeedServer, Route, feed_server_fixture  # noqa: F401 -- the fixture
from loop_guard import default_threads_all_busy

from adapters.feeds.article import main_text
from adapters.feeds.errors import FetchError
from adapters.feeds.fetcher import HttpFeedFetcher, Page
from adapters.feeds.html_text import storable
from adapters.feeds.pages import HttpPageReader
from bot.model import PagesRead

LOCAL = ("127.0.0.1",)
LOGGER = "adapters.feeds.pages"

PARAGRAPHS = (
    "The regional water authority has ordered emergency repairs to the northern reservoir"
    " dam after inspectors found new cracks in its spillway on Monday morning.",
    "Engineers said the cracks did not threaten the structure yet, but the authority lowered"
    " the reservoir by two metres as a precaution and closed the footpath along the crest.",
    "Residents of the three villages downstream were told that no evacuation was planned,"
    " although the council opened a help line and published a map of the flood zones.",
)


def article_html(paragraphs: tuple[str, ...] = PARAGRAPHS) -> str:
    """A news page: navigation, an article of ``paragraphs`` and a footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head><title>Cracks found in reservoir dam | Example Gazette</title></head><body>
<nav><a href="/">Home</a> <a href="/local">Local news</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Cracks found in reservoir dam</h1>
{body}
</article>
<footer>Copyright Example Gazette. All rights reserved. Subscribe to our newsletter today.</footer>
</body></html>"""


def serve_article(server: FeedServer, path: str, html: str | None = None) -> str:
    return server.add_feed(
        path, article_html() if html is None else html, content_type="text/html; charset=utf-8"
    )


class Waits:
    """The reader's clock between tries: records each wait, sleeps none."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def read_all(urls: list[str], **options: object) -> PagesRead:
    """What a new reader with ``options`` makes of ``urls``; the reader is closed after.

    Waits between tries are recorded, not slept, unless ``sleep`` is given."""
    options.setdefault("sleep", Waits())
    reader = HttpPageReader(**options)  # type: ignore[arg-type]
    try:
        return await reader.read(urls)
    finally:
        await reader.aclose()


async def read(urls: list[str], **options: object) -> dict[str, str]:
    """The texts of the pages a new reader with ``options`` reads of ``urls``."""
    return (await read_all(urls, **options)).texts


def infos_about(caplog: pytest.LogCaptureFixture, url: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LOGGER and r.levelno == logging.INFO and url in r.getMessage()
    ]


def warnings_about(caplog: pytest.LogCaptureFixture, url: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LOGGER and r.levelno == logging.WARNING and url in r.getMessage()
    ]


async def test_article_page_gives_its_main_text_without_navigation_or_footer(
    feed_server: FeedServer,
) -> None:
    url = serve_article(feed_server, "/dam")

    pages = await read([url], allowed_hosts=LOCAL)

    assert list(pages) == [url]
    for paragraph in PARAGRAPHS:
        assert paragraph in pages[url]
    assert "Copyright" not in pages[url]
    assert "newsletter" not in pages[url]
    assert "Sport" not in pages[url]


async def test_a_page_is_read_while_the_loops_default_threads_are_all_busy(
    feed_server: FeedServer,
) -> None:
    """Extraction has threads of its own: a cycle's linked pages never queue their
    extraction in the event loop's default pool, where ``/story`` commands run
    (``bot.commands``), so a command does not wait behind a chunk's worth of them; and
    the other way round, as here."""
    url = serve_article(feed_server, "/dam")
    reader = HttpPageReader(allowed_hosts=LOCAL)
    try:
        async with default_threads_all_busy():
            # a guard, not a wait: the read finishes at once, or never in this block
            first = await asyncio.wait_for(reader.read([url]), 10)
    finally:
        await reader.aclose()
    assert list(first.texts) == [url] and PARAGRAPHS[0] in first.texts[url]
    again = await reader.read([url])  # after aclose: new threads
    await reader.aclose()
    assert list(again.texts) == [url]


async def test_http_error_pages_are_left_out_and_logged_while_the_others_are_read(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    good = serve_article(feed_server, "/dam")
    missing = feed_server.add_status("/missing", 404)
    broken = feed_server.add_status("/broken", 500)
    caplog.set_level(logging.INFO, LOGGER)

    result = await read_all([missing, good, broken], allowed_hosts=LOCAL, retries=0)

    assert list(result.texts) == [good]
    assert warnings_about(caplog, missing) == [
        f"could not read linked page {missing}: HTTP 404 Not Found"  # no feed hints
    ]
    # a server error may pass: named for a later try, and no warning (the caller decides)
    assert result.later == {broken: "HTTP 500 Internal Server Error"}
    assert warnings_about(caplog, broken) == []
    assert infos_about(caplog, broken) == [
        f"linked page {broken} not read for now: HTTP 500 Internal Server Error"
    ]


async def test_a_page_over_the_size_limit_is_said_to_be_a_page_not_a_feed(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    big = feed_server.add_feed(
        "/big", "<html><body>" + "<p>words</p>" * 100_000, content_type="text/html"
    )
    caplog.set_level(logging.WARNING, LOGGER)

    assert await read([big], allowed_hosts=LOCAL, max_bytes=1024 * 1024) == {}

    assert warnings_about(caplog, big) == [
        f"could not read linked page {big}: the page is too large: more than 1.0 MiB"
        " after decompression"  # not "feed is too large", nor the feeds' setting
    ]


async def test_a_page_whose_server_stumbles_is_tried_again_after_growing_waits(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = feed_server.add(
        "/busy",
        Route(body=article_html().encode(), content_type="text/html", fail_first=2),
    )
    waits = Waits()
    caplog.set_level(logging.WARNING, LOGGER)

    pages = await read([url], allowed_hosts=LOCAL, sleep=waits, retry_delay_s=1.5)

    assert PARAGRAPHS[0] in pages[url]
    assert feed_server.hits("/busy") == 3
    assert waits.seconds == [1.5, 3.0]
    assert warnings_about(caplog, url) == []  # it was read in the end: nothing to warn of


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 408])
async def test_a_page_that_keeps_failing_is_given_up_after_its_retries(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    url = feed_server.add_status("/down", status)
    waits = Waits()
    caplog.set_level(logging.INFO, LOGGER)

    result = await read_all([url], allowed_hosts=LOCAL, sleep=waits, retries=3)

    assert result.texts == {}
    assert feed_server.hits("/down") == 4
    assert waits.seconds == [2.0, 4.0, 8.0]
    # it may still pass: worth a try minutes later, which the caller decides on
    assert list(result.later) == [url] and f"HTTP {status}" in result.later[url]
    assert warnings_about(caplog, url) == []
    assert (
        infos_about(caplog, url)[-1] == f"linked page {url} not read for now: {result.later[url]}"
    )


@pytest.mark.parametrize("status", [403, 404, 410])
async def test_a_page_refused_for_good_is_not_tried_again(
    feed_server: FeedServer, status: int
) -> None:
    url = feed_server.add_status("/gone", status)
    waits = Waits()

    assert await read_all([url], allowed_hosts=LOCAL, sleep=waits) == PagesRead()

    assert feed_server.hits("/gone") == 1 and waits.seconds == []  # nor later


async def test_a_refused_connection_is_tried_again_and_a_refused_address_is_not() -> None:
    with socket.socket() as s:  # a port nothing listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/a"
    waits = Waits()
    result = await read_all([url], allowed_hosts=LOCAL, sleep=waits)
    assert result.texts == {} and list(result.later) == [url]
    assert waits.seconds == [2.0, 4.0]

    waits = Waits()
    assert await read_all([url], sleep=waits) == PagesRead()  # not allowed: not later either
    assert waits.seconds == []


async def test_a_page_that_timed_out_is_not_tried_again(feed_server: FeedServer) -> None:
    # a site that slow would hold the batch timeout_s longer for every retry
    url = feed_server.add(
        "/slow",
        Route(body=article_html().encode(), content_type="text/html", drip_s=0.2, chunk_size=64),
    )
    waits = Waits()

    result = await read_all([url], allowed_hosts=LOCAL, sleep=waits, timeout_s=0.3)

    assert feed_server.hits("/slow") == 1 and waits.seconds == []
    # not now, but minutes later it may well arrive in time
    assert result.later == {url: "timed out: the page did not arrive within 0.3 s"}


async def test_retries_can_be_turned_off(feed_server: FeedServer) -> None:
    url = feed_server.add_status("/down", 503)
    waits = Waits()

    assert await read([url], allowed_hosts=LOCAL, sleep=waits, retries=0) == {}

    assert feed_server.hits("/down") == 1 and waits.seconds == []


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<!DOCTYPE html><html><body></body></html>",
        "<!DOCTYPE html><html><body><p>Dam repairs start on Monday.</p></body></html>",
    ],
    ids=["empty-body", "empty-page", "five-words"],
)
async def test_page_without_article_text_is_left_out_and_logged(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture, html: str
) -> None:
    url = serve_article(feed_server, "/scrap", html)
    caplog.set_level(logging.WARNING, LOGGER)

    assert await read([url], allowed_hosts=LOCAL) == {}
    assert len(warnings_about(caplog, url)) == 1


async def test_non_html_body_is_left_out_and_logged(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(
        range(256)
    )
    url = feed_server.add_feed("/report.pdf", pdf, content_type="application/pdf")
    caplog.set_level(logging.WARNING, LOGGER)

    assert await read([url], allowed_hosts=LOCAL) == {}
    assert [m for m in warnings_about(caplog, url) if "not an HTML page" in m]


@pytest.mark.parametrize(
    ("body", "content_type", "read_it"),
    [
        (article_html().encode(), None, True),  # no type: the markup says what it is
        (b"%PDF-1.7\n" + bytes(range(256)), None, False),
        (article_html().encode("utf-16"), "text/html; charset=utf-16", True),
        (article_html().encode(), "application/json", False),  # the declared type decides
    ],
    ids=["html-untyped", "pdf-untyped", "utf16-html", "html-declared-json"],
)
async def test_a_page_is_read_when_its_type_or_else_its_first_bytes_say_html(
    feed_server: FeedServer, body: bytes, content_type: str | None, read_it: bool
) -> None:
    url = feed_server.add("/page", Route(body=body, content_type=content_type))
    assert (url in await read([url], allowed_hosts=LOCAL)) is read_it


async def test_private_address_is_refused_by_the_ssrf_guard_without_allowed_hosts(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = serve_article(feed_server, "/dam")
    caplog.set_level(logging.WARNING, LOGGER)

    assert await read([url]) == {}
    assert feed_server.hits("/dam") == 0
    assert [m for m in warnings_about(caplog, url) if "refused" in m and "loopback" in m]


async def test_a_link_to_loopback_spelt_in_fullwidth_digits_is_left_unread(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    # a feed item's link is untrusted; "１２７.０.０.１" is 127.0.0.1 to the HTTP client
    serve_article(feed_server, "/dam")
    caplog.set_level(logging.WARNING, LOGGER)
    url = f"http://１２７.０.０.１:{feed_server.port}/dam"

    assert await read([url]) == {}
    assert feed_server.hits("/dam") == 0
    assert [m for m in warnings_about(caplog, url) if "refused" in m and "loopback" in m]


async def test_redirect_to_a_private_address_is_refused(feed_server: FeedServer) -> None:
    url = feed_server.add_redirect("/r", "http://169.254.169.254/latest/meta-data/")

    assert await read([url], allowed_hosts=LOCAL) == {}


async def test_redirected_page_is_keyed_by_the_url_asked_for(feed_server: FeedServer) -> None:
    serve_article(feed_server, "/2026/03/dam")
    short = feed_server.add_redirect("/s/1", "/2026/03/dam")

    pages = await read([short], allowed_hosts=LOCAL)

    assert list(pages) == [short]
    assert PARAGRAPHS[0] in pages[short]


async def test_duplicate_urls_are_fetched_once(feed_server: FeedServer) -> None:
    url = serve_article(feed_server, "/dam")

    pages = await read([url, url, url], allowed_hosts=LOCAL)

    assert list(pages) == [url]
    assert feed_server.hits("/dam") == 1


async def test_per_host_limit_holds_back_a_second_page_from_the_same_host(
    feed_server: FeedServer,
) -> None:
    # Two pages at once in all, one per host. /first is held on the server until the
    # test releases it; /second is on the same host (127.0.0.1) and must wait for it
    # without taking the other global slot; /other, on another host name for the same
    # server (localhost), takes that slot and arrives while /first is held. Without the
    # per-host limit (or with the global slot taken first) /second would take that
    # slot and /other could not arrive until /first was released: the wait fails.
    release, other_arrived = threading.Event(), threading.Event()
    first = feed_server.add(
        "/first", Route(body=article_html().encode(), content_type="text/html", hold=release)
    )
    second = serve_article(feed_server, "/second")
    feed_server.add(
        "/other",
        Route(body=article_html().encode(), content_type="text/html", arrived=other_arrived),
    )
    other = feed_server.url("/other").replace("127.0.0.1", "localhost")
    reader = HttpPageReader(
        allowed_hosts=("127.0.0.1", "localhost"), per_host_concurrency=1, concurrency=2
    )

    task = asyncio.create_task(reader.read([first, second, other]))
    try:
        other_arrived_while_first_held = await asyncio.to_thread(other_arrived.wait, 10)
        second_hits_while_first_held = feed_server.hits("/second")
    finally:
        release.set()
    pages = (await task).texts
    await reader.aclose()

    assert other_arrived_while_first_held
    assert second_hits_while_first_held == 0
    assert feed_server.hits("/first") == feed_server.hits("/second") == 1
    assert set(pages) == {first, second, other}


HEADING = "Cracks found in reservoir dam"  # the article's <h1>, the text's first line


async def test_text_is_cut_at_max_chars_at_a_paragraph_end(feed_server: FeedServer) -> None:
    url = serve_article(feed_server, "/dam")
    limit = len(HEADING) + 1 + len(PARAGRAPHS[0]) + 1 + 40  # 40 characters into the next

    pages = await read([url], allowed_hosts=LOCAL, max_chars=limit)

    assert pages[url] == f"{HEADING}\n{PARAGRAPHS[0]}"


async def test_text_is_cut_at_max_chars_at_a_sentence_end(feed_server: FeedServer) -> None:
    url = serve_article(feed_server, "/dam", article_html((" ".join(PARAGRAPHS),)))
    limit = len(HEADING) + 1 + len(PARAGRAPHS[0]) + 1 + len(PARAGRAPHS[1]) - 20

    pages = await read([url], allowed_hosts=LOCAL, max_chars=limit)

    assert pages[url] == f"{HEADING}\n{PARAGRAPHS[0]}"


async def test_text_without_a_break_near_max_chars_is_cut_hard(feed_server: FeedServer) -> None:
    word = "reservoir" * 40  # 360 characters without a space
    url = serve_article(feed_server, "/dam", article_html((f"{word} " + "dam " * 10,)))

    pages = await read([url], allowed_hosts=LOCAL, max_chars=100)

    assert pages[url] == f"{HEADING}\n{word}"[:100]


async def test_unexpected_error_in_one_page_does_not_lose_the_others(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    good = serve_article(feed_server, "/dam")
    bad = feed_server.url("/bug")
    real = HttpFeedFetcher(allowed_hosts=LOCAL)

    async def get_page(url: str) -> Page:
        if url == bad:
            raise RuntimeError("a bug in the fetcher")
        return await real.get_page(url)

    caplog.set_level(logging.WARNING, LOGGER)

    try:
        pages = await read([bad, good], get_page=get_page)
    finally:
        await real.aclose()

    assert list(pages) == [good]
    [record] = [r for r in caplog.records if r.name == LOGGER and bad in r.getMessage()]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


async def test_fetch_errors_from_an_injected_fetcher_are_logged_as_warnings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def get_page(url: str) -> Page:
        raise FetchError("timed out: the page did not arrive within 15 s")

    caplog.set_level(logging.WARNING, LOGGER)

    assert await read(["https://example.com/a"], get_page=get_page) == {}
    assert warnings_about(caplog, "https://example.com/a") == [
        "could not read linked page https://example.com/a: timed out: the page did not"
        " arrive within 15 s"
    ]


def test_one_reader_reads_on_a_second_event_loop_after_making_tasks_wait_on_the_first(
    feed_server: FeedServer,
) -> None:
    # one page at a time: the second and third pages wait on the limit, which binds it to
    # the loop; a reader used again from another loop (another asyncio.run) must not fail
    urls = [serve_article(feed_server, f"/loop{i}") for i in range(3)]
    reader = HttpPageReader(allowed_hosts=LOCAL, concurrency=1, per_host_concurrency=1)

    async def read_and_close() -> dict[str, str]:
        try:
            return (await reader.read(urls)).texts
        finally:
            await reader.aclose()

    first = asyncio.run(read_and_close())
    second = asyncio.run(read_and_close())
    assert set(first) == set(second) == set(urls)


@pytest.mark.parametrize(
    ("errno", "tries", "waits", "later"),
    [
        (socket.EAI_AGAIN, 3, [2.0, 4.0], True),  # the resolver could not answer for now
        (socket.EAI_NONAME, 1, [], False),  # the name does not exist: waiting will not help
    ],
)
async def test_a_page_whose_host_the_resolver_cannot_look_up_for_now_is_tried_again(
    errno: int, tries: int, waits: list[float], later: bool
) -> None:
    lookups: list[str] = []

    async def failing_lookup(host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
        lookups.append(host)
        raise socket.gaierror(errno, "resolver says no")

    url = "http://news.example.com/a"
    clock = Waits()
    result = await read_all([url], lookup=failing_lookup, sleep=clock)

    assert result.texts == {} and (url in result.later) is later
    assert len(lookups) == tries and clock.seconds == waits  # bounded by ``retries``


# A page's cost is bounded (adapters.feeds.article): trafilatura's time grows faster than
# the page's size, so the tree is cut before extraction.


async def test_a_paragraph_of_many_inline_elements_is_read_from_its_first_children(
    feed_server: FeedServer,
) -> None:
    # 30,000 inline elements in one paragraph took trafilatura 27 s of CPU, unbounded
    wide = "<p>" + "<b>w</b> " * 30_000 + "</p><p>The last words of the page.</p>"
    url = serve_article(feed_server, "/wide", article_html((*PARAGRAPHS, wide)))

    pages = await read([url], allowed_hosts=LOCAL, max_chars=10**6)

    for paragraph in PARAGRAPHS:
        assert paragraph in pages[url]
    assert "last words" not in pages[url]


def test_a_page_over_the_node_bound_is_read_from_its_first_nodes() -> None:
    filler = tuple(f"Filler paragraph number {i} of the page says nothing new." for i in range(300))
    html = article_html(PARAGRAPHS + filler)

    text = main_text(html, "https://example.org/a", metadata=False, max_elements=100).text

    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "number 299" not in text
    assert text.count("Filler paragraph") < 100


def test_a_page_over_the_bound_loses_scripts_and_comments_but_not_the_text_after_them() -> None:
    marked = tuple(
        p.replace(" the ", " <!-- note --> the <script>var x = 1;</script>", 1) for p in PARAGRAPHS
    )
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2016-03-01"}</script>'
    html = article_html(marked + tuple("<!-- c -->" * 30 for _ in range(5))).replace(
        "</head>", f"{ld}</head>"
    )

    article = main_text(html, "https://example.org/a", max_elements=60)

    for paragraph in PARAGRAPHS:
        assert paragraph in article.text
    assert "var x" not in article.text
    assert article.date == "2016-03-01"  # JSON-LD kept: the page's metadata


async def test_a_page_with_control_character_references_is_read_without_them(
    feed_server: FeedServer,
) -> None:
    # libxml2 takes "&#27;" as ESC; lxml then refused trafilatura's rewrites of that text
    # and the whole page gave no text
    marked = tuple(p.replace("dam", "dam&#27;[2J&#8;", 1) for p in PARAGRAPHS)
    url = serve_article(feed_server, "/ctl", article_html(marked))

    pages = await read([url], allowed_hosts=LOCAL)

    assert "\x1b" not in pages[url] and "\x08" not in pages[url]
    assert "reservoir dam[2J after inspectors" in pages[url]


def test_page_text_is_cleaned_as_feed_text_is() -> None:
    # NUL, C1, bidirectional overrides: what storable() drops from feed text
    dirty = tuple(p.replace("dam", "d\x00a\x9bm\u202e", 1) for p in PARAGRAPHS)
    page = Page(
        body=article_html(dirty).encode(), url="https://example.org/a", content_type="text/html"
    )

    text = HttpPageReader()._text(page)

    assert PARAGRAPHS[0] in text
    assert storable(text) == text
