"""DNS rebinding: what a connection reaches is what the SSRF guard checked.

A hostile DNS server can answer a public address to a guard's lookup and a private one
(this machine, the cloud metadata service) a moment later, when an HTTP client resolves
the name again to connect. The fetcher makes one lookup, through the guard, for the
connection itself (``adapters.feeds.resolver``): the addresses it connects to are the
ones checked, and there is no second answer to give. The DNS is faked at the wire (a
``lookup`` that answers from a script); the HTTP server is a real local one.
"""

from __future__ import annotations

import logging
import socket

import pytest
from feedbuilder import entry, rss
from feedserver import FeedServer, feed_server_fixture  # noqa: F401 -- the feed_server fixture

from adapters.feeds import HttpFeedFetcher
from adapters.feeds.errors import FetchError
from adapters.feeds.pagefetch import make_page_fetcher
from adapters.feeds.pages import HttpPageReader
from adapters.seeds import load_seed
from bot.errors import UserError
from bot.model import FetchResult, FetchStatus, PagesRead, PollRequest

PUBLIC = "93.184.216.34"
LOOPBACK = "127.0.0.1"
PAGE = b"<html><body><article><p>" + b"The council voted on the plan again today. " * 20
PAGE += b"</p></article></body></html>"


class ScriptedDns:
    """A DNS server that answers each name from a script: one answer per query, the last
    repeated. ``private("a.test")`` answers loopback."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.queries: list[str] = []

    @classmethod
    def private(cls, name: str) -> ScriptedDns:
        return cls({name: [LOOPBACK]})

    async def __call__(self, host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
        self.queries.append(host)
        script = self.answers.get(host)
        if not script:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = script[0] if len(script) == 1 else script.pop(0)
        return [(socket.AF_INET, answer)]


def _on(server: FeedServer, name: str, path: str) -> str:
    return server.url(path).replace(LOOPBACK, name)


async def _poll(url: str, dns: ScriptedDns, allowed: set[str] | None = None) -> FetchResult:
    """One fetch of ``url`` by a fetcher that asks ``dns`` (closed after)."""
    fetcher = HttpFeedFetcher(timeout_s=5.0, allowed_hosts=allowed or set(), lookup=dns)
    try:
        return await fetcher.fetch(PollRequest(feed_id=1, url=url))
    finally:
        await fetcher.aclose()


async def test_a_feed_host_that_resolves_to_loopback_is_refused_in_the_connections_lookup(
    feed_server: FeedServer,
) -> None:
    feed_server.add_feed("/feed", rss([entry(1)]))
    url = _on(feed_server, "feeds.rebind.test", "/feed")
    dns = ScriptedDns.private("feeds.rebind.test")
    result = await _poll(url, dns)
    assert result.status == FetchStatus.ERROR
    assert "refused: feeds.rebind.test resolves to 127.0.0.1" in (result.error or ""), result.error
    assert dns.queries == ["feeds.rebind.test"]  # one lookup: the connection's own
    assert feed_server.hits("/feed") == 0


async def test_the_connection_uses_the_answer_that_was_checked_and_asks_no_second_time(
    feed_server: FeedServer,
) -> None:
    # a rebinding server: its first answer is the one allowed here, its next would be
    # another address; the fetch reaches the first, in one lookup
    feed_server.add_feed("/feed", rss([entry(1)]))
    dns = ScriptedDns({"rebind.test": [LOOPBACK, PUBLIC]})
    result = await _poll(_on(feed_server, "rebind.test", "/feed"), dns, {LOOPBACK})
    assert result.status == FetchStatus.OK, result.error
    assert dns.queries == ["rebind.test"]
    assert feed_server.hits("/feed") == 1


async def test_the_connection_goes_to_the_address_the_guard_resolved(
    feed_server: FeedServer,
) -> None:
    # the name exists only in the scripted DNS: the feed arrives only if the connection
    # used the guard's answer, not a lookup of its own
    path = "/feed"
    feed_server.add_feed(path, rss([entry(1), entry(2)]))
    dns = ScriptedDns({"intranet.test": [LOOPBACK]})
    result = await _poll(_on(feed_server, "intranet.test", path), dns, {LOOPBACK})
    assert result.status == FetchStatus.OK, result.error
    assert len(result.entries) == 2
    assert feed_server.hits(path) == 1


async def test_a_name_allowed_by_the_operator_may_resolve_to_loopback(
    feed_server: FeedServer,
) -> None:
    feed_server.add_feed("/feed", rss([entry(1)]))
    dns = ScriptedDns({"feeds.intranet.test": [LOOPBACK]})
    result = await _poll(
        _on(feed_server, "feeds.intranet.test", "/feed"), dns, {"feeds.intranet.test"}
    )
    assert result.status == FetchStatus.OK, result.error


@pytest.mark.parametrize("second", ["metadata.intranet.test", LOOPBACK])
async def test_a_redirect_from_an_allowed_name_to_a_name_or_address_not_allowed_is_refused(
    feed_server: FeedServer, second: str
) -> None:
    # the first hop's name is allowed (it resolves to loopback); the redirect goes to
    # another service on this machine, by a name resolving to loopback or by its address:
    # allowed is the name, not every address it happens to resolve to
    other = FeedServer().start()
    try:
        other.add_feed("/secret", rss([entry(9)]))
        target = other.url("/secret").replace(LOOPBACK, second)
        feed_server.add_redirect("/feed", target)
        dns = ScriptedDns({"feeds.intranet.test": [LOOPBACK], "metadata.intranet.test": [LOOPBACK]})
        result = await _poll(
            _on(feed_server, "feeds.intranet.test", "/feed"), dns, {"feeds.intranet.test"}
        )
        assert result.status == FetchStatus.ERROR
        assert (result.error or "").startswith(f"refused: {second}"), result.error
        assert feed_server.hits("/feed") == 1 and other.hits("/secret") == 0
    finally:
        other.stop()


async def test_a_linked_page_whose_host_resolves_to_loopback_is_left_unread(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.add_feed("/story.html", PAGE, content_type="text/html")
    dns = ScriptedDns.private("news.rebind.test")
    reader = HttpPageReader(timeout_s=5.0, lookup=dns)
    url = _on(feed_server, "news.rebind.test", "/story.html")
    caplog.set_level(logging.WARNING, "adapters.feeds.pages")
    try:
        result = await reader.read([url])
    finally:
        await reader.aclose()
    assert result == PagesRead()  # not read, and not worth a later try
    assert feed_server.hits("/story.html") == 0
    [warning] = [r.getMessage() for r in caplog.records if url in r.getMessage()]
    assert "refused: news.rebind.test resolves to 127.0.0.1" in warning, warning


def test_a_seed_url_whose_host_resolves_to_loopback_is_refused(feed_server: FeedServer) -> None:
    feed_server.add_feed("/seed.html", PAGE, content_type="text/html")
    fetch = make_page_fetcher(lookup=ScriptedDns.private("seed.rebind.test"))
    with pytest.raises(FetchError, match="refused: seed.rebind.test resolves to 127.0.0.1"):
        fetch(_on(feed_server, "seed.rebind.test", "/seed.html"))
    assert feed_server.hits("/seed.html") == 0
    with pytest.raises(UserError, match="could not fetch seed .*refused"):
        load_seed(
            _on(feed_server, "seed.rebind.test", "/seed.html"),
            fetch_html=make_page_fetcher(lookup=ScriptedDns.private("seed.rebind.test")),
        )


def test_a_seed_url_is_fetched_through_the_guarded_path(feed_server: FeedServer) -> None:
    feed_server.add_feed("/seed.html", PAGE, content_type="text/html; charset=utf-8")
    fetch = make_page_fetcher(
        allowed_hosts={LOOPBACK}, lookup=ScriptedDns({"seeds.test": [LOOPBACK]})
    )
    page = fetch(_on(feed_server, "seeds.test", "/seed.html"))
    assert "council voted" in page.text
    assert page.url.startswith("http://seeds.test:")
    assert page.content_type == "text/html; charset=utf-8"


async def test_a_name_that_does_not_resolve_says_so() -> None:
    result = await _poll("http://gone.test/feed", ScriptedDns({}))
    assert result.status == FetchStatus.ERROR
    assert result.error == "DNS lookup failed for gone.test: no such host"


async def test_a_seed_url_can_be_fetched_by_a_caller_running_an_event_loop(
    feed_server: FeedServer,
) -> None:
    # a synchronous fetch called from async code (build_app's [[stories]] seeds, say)
    # blocks that loop as any synchronous fetch would, but works
    feed_server.add_feed("/seed.html", PAGE, content_type="text/html")
    fetch = make_page_fetcher(allowed_hosts={LOOPBACK})
    assert "council voted" in fetch(feed_server.url("/seed.html")).text
