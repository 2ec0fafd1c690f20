"""``bot.validate``: feed URLs and story names are checked once, when they are added."""

from __future__ import annotations

from pathlib import Path

import pytest
from feedbuilder import entry, rss
from feedserver import FeedServer, feed_server_fixture  # noqa: F401 -- the feed_server fixture

from adapters.feeds import HttpFeedFetcher
from adapters.feeds.netguard import AddressGuard
from bot.clock import ManualClock
from bot.errors import ConfigError, UserError
from bot.model import FetchStatus, PollRequest
from bot.settings import load_settings
from bot.validate import (
    admit_feed_url,
    article_url_problem,
    feed_url_problem,
    normalise_feed_url,
    remove_feed,
    story_name_problem,
)
from storage import open_store


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://", "has no host name"),
        ("http:///path", "has no host name"),
        ("http://exa mple.com/rss", "contains a space"),
        ("http://example.com/rss\n", "contains a space"),
        ("https://example.com:99999/", "port must be a number from 1 to 65535"),
        ("https://example.com:0/", "port must be a number from 1 to 65535"),
        ("https://example.com:http/", "port must be a number from 1 to 65535"),
        ("ftp://example.com/rss", "must start with http:// or https://"),
        ("notaurl", "must start with http:// or https://"),
        ("https://[::1/rss", "cannot be parsed"),
        ("", "is empty"),
    ],
)
def test_broken_feed_urls_are_named_with_the_problem(url: str, problem: str) -> None:
    message = feed_url_problem(url)
    assert message is not None and problem in message
    assert "is not a valid feed URL" in message and "e.g. https://" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/feed.xml",
        "HTTP://Example.com:8080/rss?x=1",
        "http://127.0.0.1:1/a.xml",
        "http://[2001:db8::1]/rss",
    ],
)
def test_usable_feed_urls_pass(url: str) -> None:
    assert feed_url_problem(url) is None


async def test_a_host_the_poller_refuses_is_refused_with_the_polls_message() -> None:
    # it named only the environment variable: a config file's setting allows it as well
    with pytest.raises(UserError) as refused:
        await admit_feed_url("http://127.0.0.1/rss", AddressGuard().refusal)
    assert str(refused.value) == (
        "refused: 127.0.0.1 is a loopback address; feeds, seed URLs and linked pages must be on the public "
        "internet (an operator can allow it with STORYBOT_ALLOWED_HOSTS or the config file's "
        "[network] allowed_hosts)"
    )


async def test_an_allowed_private_host_is_admitted() -> None:
    await admit_feed_url("http://127.0.0.1/rss", AddressGuard({"127.0.0.1"}).refusal)
    await admit_feed_url("http://10.1.2.3/rss", AddressGuard({"10.0.0.0/8"}).refusal)


async def test_an_allowed_host_name_with_non_ascii_letters_is_admitted() -> None:
    import socket

    async def private(host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
        return [(socket.AF_INET, "10.1.2.3")]  # an intranet name

    guard = AddressGuard({"Bücher.example"}, lookup=private)
    await admit_feed_url("http://bücher.example/rss", guard.refusal)
    with pytest.raises(UserError, match="private"):  # only that name
        await admit_feed_url("http://buecher.example/rss", guard.refusal)


async def test_the_url_is_checked_before_the_host() -> None:
    async def never(url: str) -> str | None:
        raise AssertionError("a malformed URL must not reach the host check")

    with pytest.raises(UserError, match="has no host name"):
        await admit_feed_url("http:///path", never)


@pytest.mark.parametrize("name", ["pentagon", "anthropic-pentagon", "gva_2026.03", "A1", "x" * 64])
def test_slug_story_names_are_accepted(name: str) -> None:
    assert story_name_problem(name) is None


@pytest.mark.parametrize(
    "name", ["Bad Name!", "", "-leading", ".hidden", "a/b", "ünïcode", "x" * 65]
)
def test_other_story_names_are_refused_with_an_example(name: str) -> None:
    message = story_name_problem(name)
    assert message is not None and "is not a valid story name" in message
    assert "e.g. anthropic-pentagon" in message


@pytest.mark.parametrize(
    "url",
    [
        "http://" + "a" * 64 + ".example/f",
        "http://" + "a." * 130 + "example/f",
        "http://a..b/f",
        "http://[v1.x]/f",
        "http://%31%32%37.0.0.1/f",
    ],
)
def test_a_host_no_resolver_accepts_is_refused(url: str) -> None:
    assert feed_url_problem(url) is not None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("HTTPS://EXAMPLE.COM/a", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a?x=1", "http://example.com/a?x=1"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#top", "https://example.com/a"),
        ("https://user:pw@Example.com/A", "https://user:pw@example.com/A"),
        ("http://[2001:DB8::1]:8080/f", "http://[2001:db8::1]:8080/f"),
        ("https://例え.jp/rss", "https://xn--r8jz45g.jp/rss"),  # the host as DNS spells it
        ("https://XN--R8JZ45G.JP:443/rss", "https://xn--r8jz45g.jp/rss"),
        ("https://u@Bücher.example/Feed", "https://u@xn--bcher-kva.example/Feed"),
    ],
)
def test_spellings_of_one_feed_are_stored_alike(typed: str, stored: str) -> None:
    assert feed_url_problem(typed) is None
    assert normalise_feed_url(typed) == stored


# Hosts of digits and dots that are no dotted quad: ``socket.inet_aton`` (and so a resolver,
# curl or a browser) reads each as an address, but the HTTP client the poller fetches with
# (aiohttp) refuses to connect to them ("not a canonical IPv4 address"). Before, ``feeds
# add`` stored them and every poll failed.
NOT_DOTTED_QUADS = [
    "127.1",  # a short form
    "127.0.1",
    "127.0.0.1.",  # a trailing dot
    "2130706433",  # one decimal number
    "017700000001",  # one octal number
    "0177.0.0.1",  # an octal part
    "127.0.0.01",  # a leading zero
    "1.2.3.256",  # a part over 255
    "8.8.8.8.",  # public, but with a trailing dot
    "１２７.１",  # full-width digits: the client folds them into 127.1
]


def _problem(message: str) -> str:
    """The problem of a ``feed_url_problem`` message: what follows the URL, before "(e.g."."""
    return message.split("is not a valid feed URL: ", 1)[1].rsplit(" (e.g. ", 1)[0]


@pytest.mark.parametrize("host", NOT_DOTTED_QUADS)
async def test_an_ipv4_address_the_poller_cannot_fetch_is_refused_when_added(host: str) -> None:
    url = f"http://{host}:18765/wirewire.xml"
    message = feed_url_problem(url)
    assert message is not None
    assert "four numbers from 0 to 255 joined by dots" in _problem(message), message
    assert "four numbers from 0 to 255" in (article_url_problem(url) or "")
    # ...even when the address it spells is allowed: the client refuses the spelling
    with pytest.raises(UserError, match="four numbers from 0 to 255"):
        await admit_feed_url(url, AddressGuard({"127.0.0.1", "0.0.0.0/0"}).refusal)


def test_the_refusal_says_what_address_was_meant() -> None:
    message = feed_url_problem("http://2130706433:18765/wirewire.xml") or ""
    assert "2130706433" in message and "127.0.0.1" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/feed.xml",
        "https://example.com./feed.xml",  # a trailing dot is fine on a name
        "http://93.184.215.14/rss",
        "http://8.8.8.8:8080/rss",
        "http://0.0.0.0/rss",  # (the address guard refuses it, not this rule)
        "http://[2001:db8::1]/rss",
        "http://[::ffff:127.0.0.1]/rss",
        "http://0x7f.1/rss",  # not digits only: resolved by name, and fetched
        "http://3com.example/rss",
        "http://1.2.3.4.example/rss",
    ],
)
def test_hosts_the_poller_fetches_are_still_accepted(url: str) -> None:
    assert feed_url_problem(url) is None
    assert article_url_problem(url) is None


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "0x7f.1",
        "0x7f000001",
        "127.1",
        "127.0.0.1.",
        "2130706433",
        "017700000001",
        "0177.0.0.1",
        "127.0.0.01",
    ],
)
async def test_a_feed_is_added_exactly_when_a_poll_can_fetch_it(
    feed_server: FeedServer, host: str
) -> None:
    # one rule at both ends: what is added is fetched; what is refused is refused by a
    # poll too, with the same words, and the server is never asked
    feed_server.add_feed("/wirewire.xml", rss([entry(1)]))
    url = f"http://{host}:{feed_server.port}/wirewire.xml"
    fetcher = HttpFeedFetcher(timeout_s=5.0, allowed_hosts={"127.0.0.1"})
    try:
        result = await fetcher.fetch(PollRequest(feed_id=1, url=url))
    finally:
        await fetcher.aclose()
    message = feed_url_problem(url)
    if message is None:
        assert result.status == FetchStatus.OK, result.error
        return
    assert result.status == FetchStatus.ERROR
    assert _problem(message) in result.error, (message, result.error)
    assert feed_server.hits("/wirewire.xml") == 0


def test_a_config_file_feed_on_such_a_host_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "storybot.toml"
    config.write_text("[feeds]\nurls = ['http://127.1:18765/wirewire.xml']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="four numbers from 0 to 255"):
        load_settings(config, env={})


def test_a_feed_stored_on_such_a_host_before_can_still_be_removed_as_typed(
    sqlite_url: str, clock: ManualClock
) -> None:
    # added before the rule: stored as normalised then; typed now with its default port
    store = open_store(sqlite_url)
    try:
        store.add_feed("http://127.1/wirewire.xml", clock.now())
        assert remove_feed(store, "HTTP://127.1:80/wirewire.xml") == "http://127.1/wirewire.xml"
        assert store.list_feeds() == []
    finally:
        store.close()
