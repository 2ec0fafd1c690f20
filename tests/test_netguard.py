"""adapters.feeds.netguard: the operator's allow list, as the SSRF guard reads it; the
threads its name lookups run in, let go when their owner closes."""

from __future__ import annotations

import socket
import threading

import pytest
from feedbuilder import entry, rss
from feedserver import feed_server  # noqa: F401  (fixture)

from adapters.feeds import HttpFeedFetcher
from adapters.feeds.netguard import AddressGuard
from bot.errors import ConfigError
from bot.model import FetchStatus, PollRequest


async def _private(host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
    return [(socket.AF_INET, "10.1.2.3")]  # every name is an intranet name here


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("127.0.0.1:33433", '"127.0.0.1:33433" has a port; ports are not part of an allowed host'),
        ("not a host", '"not a host" is not a host name'),
        (":::", '":::" is not a host name'),
        ("https://feeds.internal/", 'is a URL, not a host: write its host only, "feeds.internal"'),
    ],
)
def test_the_guard_refuses_an_allow_list_entry_that_would_allow_nothing(
    entry: str, fragment: str
) -> None:
    # before, such an entry became a host name no URL has: silently no exemption at all
    with pytest.raises(ConfigError) as refused:
        AddressGuard(["127.0.0.1", entry])
    assert str(refused.value).startswith("allowed hosts: ")
    assert fragment in str(refused.value)


async def test_empty_entries_are_skipped_and_the_others_still_allow() -> None:
    guard = AddressGuard(["", " ", "127.0.0.1", "[::1]", "10.0.0.0/8"], lookup=_private)
    for url in ("http://127.0.0.1:33433/rss", "http://[::1]:8080/rss", "http://feeds.test/rss"):
        assert await guard.refusal(url) is None
    assert "private-network" in (await AddressGuard(lookup=_private).refusal("http://x.test/"))


async def test_an_allowed_idn_name_allows_its_punycode_spelling_and_only_that_name() -> None:
    guard = AddressGuard(["例え.jp"], lookup=_private)
    assert await guard.refusal("http://xn--r8jz45g.jp/rss") is None
    assert await guard.refusal("http://例え.jp/rss") is None
    assert "private-network" in (await guard.refusal("http://other.jp/rss") or "")


def _lookup_threads() -> set[threading.Thread]:
    """The threads alive now that run the system resolver's lookups."""
    return {t for t in threading.enumerate() if t.name.startswith("storybot-dns")}


def _still_alive(started: set[threading.Thread]) -> list[str]:
    """Which of ``started`` are still alive once each had 10 s to end (none should need it)."""
    for thread in started:
        thread.join(timeout=10)
    return sorted(t.name for t in started if t.is_alive())


async def test_a_closed_fetcher_leaves_no_name_lookup_thread_behind(
    feed_server,  # noqa: F811
) -> None:
    """Names resolve in threads of their own (not the loop's default pool), the fetcher's
    own: started as lookups need them, let go when it closes, as its parse threads are."""
    feed_server.add_feed("/a.xml", rss([entry(1)]))
    url = feed_server.url("/a.xml").replace("127.0.0.1", "localhost")  # resolved
    before = _lookup_threads()
    fetcher = HttpFeedFetcher(timeout_s=5.0, allowed_hosts={"localhost"})
    try:
        result = await fetcher.fetch(PollRequest(feed_id=1, url=url))
        started = _lookup_threads() - before
    finally:
        await fetcher.aclose()
    assert result.status is FetchStatus.OK, result.error
    assert started, "the lookup ran in no thread of the fetcher's own"
    assert _still_alive(started) == []


async def test_a_closed_app_leaves_no_name_lookup_thread_behind(sqlite_url, clock) -> None:
    """The app's check of a feed being added resolves its host as a poll would; closing
    the app lets those lookups' threads go, as its fetcher's."""
    from storyworld import make_world

    world = make_world(sqlite_url, clock)
    before = _lookup_threads()
    try:
        assert world.app.host_check is not None
        # localhost is resolved (allowed or not: 127.0.0.1 is, ::1 is not)
        await world.app.host_check("http://localhost/feed")
        started = _lookup_threads() - before
    finally:
        await world.app.aclose()
    assert started, "the lookup ran in no thread of the app's own"
    assert _still_alive(started) == []


async def test_a_guard_used_as_a_context_lets_its_lookup_threads_go() -> None:
    """The commands that check feed URLs before the store opens (`feeds add`, declared
    feeds) use a guard of their own in a ``with`` block: leaving it closes the guard."""
    before = _lookup_threads()
    with AddressGuard([]) as guard:
        await guard.refusal("http://localhost/feed")  # resolved: loopback, refused
        started = _lookup_threads() - before
    assert started, "the lookup ran in no thread of the guard's own"
    assert _still_alive(started) == []
