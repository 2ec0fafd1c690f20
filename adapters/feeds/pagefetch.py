"""Fetch one web page synchronously, with the feed fetcher's safety rules.

Used for seed articles given as URLs. The page is fetched by the feed fetcher itself
(:meth:`adapters.feeds.fetcher.HttpFeedFetcher.get_page`, on an event loop of the
calling thread's own): the same SSRF guard on every redirect hop and on the addresses
connected to, a decompressed-size limit, a redirect limit and a wall-clock deadline. One
HTTP path for feeds, linked pages and seeds means one set of rules to get right.

A body that is no page of text (an image, a PDF, JSON) is refused (:class:`NotAPage`):
decoded as text it would make a seed of noise. Feeds pass, so that the caller can say
what to do with one (``adapters.seeds`` refuses them as seeds in its own words).

The page comes back with its declared type (:class:`PageText`), so that the caller can
tell plain text from HTML: ``adapters.seeds`` reads a ``text/plain`` seed as it reads a
text file. Plain text that declares no charset is decoded as a seed file is
(:func:`decode_unlabelled_text`), so a file and its URL give one seed.
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from typing import NamedTuple

from adapters.feeds.errors import FetchError
from adapters.feeds.fetcher import DEFAULT_USER_AGENT, HttpFeedFetcher, Page
from adapters.feeds.netguard import Lookup
from adapters.feeds.pages import is_markup

# the first bytes of a body that is not a page, kept to tell what it is (NotAPage.head)
SNIFF_BYTES = 1024

# Besides markup (HTML, XML): plain text, and the feed types, which the caller refuses
# with its own message ("a feed, not an article").
_TEXT_TYPES = ("text/plain", "application/rss+xml", "application/atom+xml", "application/rdf+xml")


class PageText(NamedTuple):
    """A fetched page as text: ``text``, ``url`` (after redirects), ``content_type``."""

    text: str
    url: str
    content_type: str | None  # as the server declared it (None if it did not)

    @property
    def media_type(self) -> str:
        """The declared type without its parameters, lower case ("" if none): ``text/plain``."""
        return _media_type(self.content_type)


class NotAPage(FetchError):
    """The URL answered with something other than a page of text (``content_type``), whose
    first bytes are ``head`` (what a body sent without a telling type is, such as a PDF)."""

    def __init__(self, content_type: str | None, head: bytes = b"") -> None:
        self.content_type = content_type
        self.head = head
        super().__init__(f"not a web page ({content_type or 'no type, and not markup'})")


def _is_text_page(page: Page) -> bool:
    """Whether a fetched page is HTML, XML or plain text, by its type or else its first bytes."""
    return _media_type(page.content_type) in _TEXT_TYPES or is_markup(page)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def make_page_fetcher(
    *,
    allowed_hosts: Iterable[str] = (),
    timeout_s: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    max_redirects: int = 5,
    user_agent: str = DEFAULT_USER_AGENT,
    lookup: Lookup | None = None,
) -> Callable[[str], PageText]:
    """Return ``fetch(url) -> PageText(text, final_url, content_type)``, raising ``FetchError``
    on any failure.

    ``NotAPage`` (a ``FetchError``) when the body is not HTML, XML or plain text.

    ``fetch`` blocks (async callers use ``adapters.seeds.aload_seed``, which calls it in a
    worker thread; called from a thread running an event loop it blocks that loop, as
    any synchronous fetch would); one fetcher serves one thread at a time.

    Args:
        allowed_hosts: Hosts, addresses or networks exempt from the SSRF guard.
        timeout_s: Wall-clock limit for the whole fetch.
        max_bytes: Limit on the decompressed body.
        max_redirects: Redirects followed.
        user_agent: The User-Agent header.
        lookup: Where host names are resolved (the system resolver when None).
    """
    # One fetcher (its TLS settings cost about 25 ms of CPU to build); each fetch runs on
    # a loop of its own and closes the connection pool it made, so no cookie or
    # connection outlives a page.
    http = HttpFeedFetcher(
        timeout_s=timeout_s,
        max_body_bytes=max_bytes,
        concurrency=1,
        per_host_concurrency=1,
        user_agent=user_agent,
        allowed_hosts=allowed_hosts,
        max_redirects=max_redirects,
        lookup=lookup,
    )

    async def get(url: str) -> PageText:
        try:
            page = await http.get_page(url)
        finally:
            await http.aclose()
        if not _is_text_page(page):
            raise NotAPage(page.content_type, page.body[:SNIFF_BYTES])
        return PageText(_decode(page), page.url, page.content_type)

    def fetch(url: str) -> PageText:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: no loop in this thread
            return asyncio.run(get(url))
        # called from a thread running a loop (a caller that should have used aload_seed):
        # blocks it, as a synchronous fetch does, on a loop of a thread of its own
        with ThreadPoolExecutor(1) as worker:
            return worker.submit(asyncio.run, get(url)).result()

    return fetch


# the byte-order marks of UTF-16 (little- and big-endian)
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_unlabelled_text(data: bytes) -> str:
    """Text of no declared encoding, as a seed file is read: UTF-16 when it starts with
    its byte-order mark (an editor's "Unicode"), else UTF-8 (a byte-order mark dropped),
    else Windows-1252 (older Windows editors; better than refusing)."""
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16", "replace")  # the mark says the byte order; dropped
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _decode(page: Page) -> str:
    """The page's body as text: in its declared charset, else (plain text) as a seed file
    is read, else UTF-8. A UTF-8 byte-order mark is dropped, as a file's is."""
    charset = _charset(page.content_type)
    if charset is None and _media_type(page.content_type) == "text/plain":
        return decode_unlabelled_text(page.body)
    if charset is None or codecs.lookup(charset).name == "utf-8":
        charset = "utf-8-sig"
    return page.body.decode(charset, "replace")


# Python text codecs that are no character set: they transform text (domain names,
# string escapes), and a server declaring one would garble the page or, with idna (no
# "replace" errors), fail the seed with an internal error.
_NOT_CHARSETS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape"})


def _charset(content_type: str | None) -> str | None:
    """The charset a Content-Type header declares, if Python knows it as one; else None."""
    if content_type:
        msg = Message()
        msg["content-type"] = content_type
        declared = msg.get_content_charset()
        if declared:
            try:
                "".encode(declared)
            except LookupError:
                return None
            return None if codecs.lookup(declared).name in _NOT_CHARSETS else declared
    return None
