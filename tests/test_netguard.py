"""adapters.feeds.netguard: the operator's allow list, as the SSRF guard reads it."""

from __future__ import annotations

import socket

import pytest

from adapters.feeds.netguard import AddressGuard
from bot.errors import ConfigError


async def _private(host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
    return [(socket.AF_INET, "10.1.2.3")]  # every name is an intranet name here


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ("127.0.0.1:33433", "'127.0.0.1:33433' has a port; ports are not part of an allowed host"),
        ("not a host", "'not a host' is not a host name"),
        (":::", "':::' is not a host name"),
        ("https://feeds.internal/", "is a URL, not a host: write its host only, 'feeds.internal'"),
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
