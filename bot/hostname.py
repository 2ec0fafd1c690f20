"""Host names compared as DNS compares them: an internationalised name in its ASCII form.

``https://例え.jp/rss`` and ``https://xn--r8jz45g.jp/rss`` name one server: the second is
the IDNA ("punycode") form of the first, the one DNS and HTTP use. Identity (canonical
URLs, the engine's copy detection, the stored form of a feed URL) takes that form, so
the two spellings are one feed and one article.

A host of digits and dots must be an IPv4 address written as four numbers from 0 to 255
(:func:`ipv4_form_problem`): the one rule for a feed's host when it is added
(``bot.validate``) and when it is fetched (``adapters.feeds.netguard``).

No imports from the rest of ``bot``: the engine uses it too.
"""

from __future__ import annotations

import socket

import idna


def ascii_host(host: str) -> str:
    """A host name in lower case, an internationalised one in its ASCII (punycode) form.

    IDNA 2008 with the UTS #46 mapping (the ``idna`` package, as httpx encodes the host
    it connects to), so full-width letters, "。" for "." and upper case map as a browser
    maps them; a name IDNA 2008 refuses (an emoji, a symbol) falls back to IDNA 2003
    (``encodings.idna``), and one neither can encode is only lower-cased. An ASCII host
    (a name, an IP address, an ``xn--`` label however written) is only lower-cased.

    Args:
        host: A URL's host, without brackets or port.

    Returns:
        The host to compare and store.
    """
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        pass
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:  # an empty label, one longer than 63 characters
        return host.lower()


def _dotted_quad(host: str) -> bool:
    """Whether ``host`` is four ASCII numbers from 0 to 255 joined by dots, none with a
    leading zero (``127.0.0.1``, not ``127.0.0.01``)."""
    parts = host.split(".")
    return len(parts) == 4 and all(
        part.isascii()
        and part.isdigit()
        and len(part) <= 3
        and (part == "0" or not part.startswith("0"))
        and int(part) <= 255
        for part in parts
    )


def ipv4_form_problem(host: str) -> str | None:
    """Say why ``host`` is an IPv4 address in a form the feed fetcher cannot fetch, or None.

    A host of digits and dots alone is an address, never a name; the HTTP client storybot
    fetches with (aiohttp) connects to one only as a dotted quad, four numbers from 0 to
    255 (``127.0.0.1``). The older spellings C's ``inet_aton`` reads, which curl and
    browsers still take (``127.1``, ``2130706433``, an octal ``0177.0.0.1``), a trailing
    dot (``127.0.0.1.``) and a part over 255 it refuses, on every poll. So a feed URL on
    such a host is refused when it is added (``bot.validate``), and a fetch refuses it
    with these words (``adapters.feeds.netguard``), redirects and seed pages too. Other
    hosts are not this rule's business: names, IPv6 addresses, and a host with a letter in
    it such as ``0x7f.1`` (resolved, like a name, to the address it spells).

    Args:
        host: A URL's host as the HTTP client reads it (:func:`ascii_host`, or yarl's
            ``URL.raw_host``): no brackets, no port.

    Returns:
        A clause for after "not a valid feed URL: " or "invalid URL ...: ", or None.
    """
    if ":" in host or not host.replace(".", "").isdigit() or _dotted_quad(host):
        return None
    try:
        meant = socket.inet_ntoa(socket.inet_aton(host.rstrip(".")))
    except (OSError, UnicodeError, ValueError):
        meant = None
    read_as = f" ({host} is {meant})" if meant else ""
    return (
        f"its host {host} is an IPv4 address in a form the poller cannot fetch: write four "
        f"numbers from 0 to 255 joined by dots, with no leading zeros and no trailing "
        f"dot{read_as}"
    )
