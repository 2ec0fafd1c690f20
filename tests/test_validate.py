"""``bot.validate``: feed URLs and story names are checked once, when they are added."""

from __future__ import annotations

import pytest

from adapters.feeds.netguard import AddressGuard
from bot.errors import UserError
from bot.validate import admit_feed_url, feed_url_problem, normalise_feed_url, story_name_problem


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
    with pytest.raises(UserError) as refused:
        await admit_feed_url("http://127.0.0.1/rss", AddressGuard().refusal)
    assert str(refused.value) == (
        "refused: 127.0.0.1 is a loopback address; feeds, seed URLs and linked pages must be on the public "
        "internet (an operator can allow it with STORYBOT_ALLOWED_HOSTS)"
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
