"""Host names compared as DNS compares them: an internationalised name in its ASCII form.

``https://例え.jp/rss`` and ``https://xn--r8jz45g.jp/rss`` name one server: the second is
the IDNA ("punycode") form of the first, the one DNS and HTTP use. Identity (canonical
URLs, the engine's copy detection, the stored form of a feed URL) takes that form, so
the two spellings are one feed and one article.

No imports from the rest of ``bot``: the engine uses it too.
"""

from __future__ import annotations

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
