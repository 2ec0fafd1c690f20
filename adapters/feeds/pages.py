"""``HttpPageReader``: the production ``bot.ports.PageReader``.

Some feeds give headlines only, too little to judge an item on. When page reading is on,
the service asks for the linked pages of such items, and this reader fetches each one
and extracts the article's main text (``adapters.feeds.article``: trafilatura, which
leaves navigation and footers out).

Each page is fetched with the seed fetcher (``adapters.feeds.pagefetch``), so it gets
the feed fetcher's safety rules: the SSRF guard on every redirect hop, a decompressed-size
limit, a redirect limit and a wall-clock deadline. That fetcher is synchronous (httpx), so
a page is fetched and extracted in a worker thread; extraction is CPU work and must not
hold up the event loop either. Page reading is a few requests per poll, not the poll's
thousands of feeds, so the aiohttp machinery of ``adapters.feeds.fetcher`` is not needed.

Concurrency is bounded globally and per host, like feed fetches (the host slot is taken
first, so pages queued behind one busy site do not sit on global slots meanwhile).

A page that cannot be read (HTTP error, timeout, refused address, not HTML, no article
text) is logged at WARNING and left out of the result; ``read`` never raises for a page.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable, Sequence

from adapters.feeds.article import main_text
from adapters.feeds.errors import FetchError
from adapters.feeds.fetcher import DEFAULT_USER_AGENT
from adapters.feeds.limits import HostLimits
from adapters.feeds.pagefetch import make_page_fetcher
from bot.model import has_body

log = logging.getLogger(__name__)

# The end of a sentence: punctuation, maybe a closing quote or bracket, then a space.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]?\s")


class PageUnreadable(Exception):
    """A page gave no usable text; the message says why (for the log)."""


class HttpPageReader:
    """Reads the main text of linked article pages over HTTP(S), safely and within limits."""

    def __init__(
        self,
        *,
        allowed_hosts: Iterable[str] = (),
        timeout_s: float = 15.0,
        max_bytes: int = 5 * 1024 * 1024,
        concurrency: int = 8,
        per_host_concurrency: int = 2,
        max_chars: int = 20_000,
        user_agent: str = DEFAULT_USER_AGENT,
        fetch_html: Callable[[str], tuple[str, str]] | None = None,
    ) -> None:
        """Create a reader; settings come from the ``[pages]`` config section.

        Args:
            allowed_hosts: Hosts, addresses or CIDR networks exempt from the SSRF guard.
            timeout_s: Wall-clock limit for one page, redirects and body included.
            max_bytes: Limit on a page's decompressed body.
            concurrency: Pages fetched at once, across all hosts.
            per_host_concurrency: Pages fetched at once from one host.
            max_chars: Text kept per page (cut at a paragraph or sentence end if one is
                near the limit).
            user_agent: The User-Agent header.
            fetch_html: ``fetch(url) -> (html, final_url)`` raising ``FetchError``;
                defaults to ``make_page_fetcher`` with the settings above.
        """
        self._fetch = fetch_html or make_page_fetcher(
            allowed_hosts=allowed_hosts,
            timeout_s=timeout_s,
            max_bytes=max_bytes,
            user_agent=user_agent,
        )
        self._max_chars = max_chars
        self._limits = HostLimits(concurrency, per_host_concurrency)

    async def read(self, urls: Sequence[str]) -> dict[str, str]:
        """The main text of each page it could read, by the URL asked for.

        Each distinct URL is fetched once; pages are fetched concurrently within the
        limits. Never raises for a page: an unreadable one is logged and left out.
        """
        unique = list(dict.fromkeys(urls))
        texts = await asyncio.gather(*(self._read_one(url) for url in unique))
        return {url: text for url, text in zip(unique, texts, strict=True) if text is not None}

    async def _read_one(self, url: str) -> str | None:
        try:
            async with self._limits.slot(url):
                return await asyncio.to_thread(self._fetch_text, url)
        except (FetchError, PageUnreadable) as exc:
            log.warning("could not read linked page %s: %s", url, exc)
        except Exception:  # one page's bug must not lose the others' text
            log.exception("unexpected error reading linked page %s", url)
        return None

    def _fetch_text(self, url: str) -> str:
        """Fetch and extract one page (in a worker thread); raises why it cannot."""
        html, final_url = self._fetch(url)
        if not html.strip():
            raise PageUnreadable("the page is empty")
        if not _looks_like_markup(html):
            raise PageUnreadable("not an HTML page")
        text = main_text(html, final_url, metadata=False).text  # the text is all we keep
        if not has_body(text):
            raise PageUnreadable("no article text found in the page")
        return _shorten(text, self._max_chars)


def _looks_like_markup(body: str) -> bool:
    """Whether a body is HTML or XML (``make_page_fetcher`` does not give the type).

    Markup starts with a tag, a doctype, a comment or an XML declaration; a PDF, an
    image or plain text does not.
    """
    return body.lstrip("\ufeff \t\r\n").startswith("<") and "\x00" not in body[:4096]


def _shorten(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars``: at the last paragraph or sentence end in the second
    half of the allowance, else at the last space there, else exactly."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    floor = max_chars // 2
    cut = head.rfind("\n")
    if cut < floor:
        ends = [m.end() - 1 for m in _SENTENCE_END.finditer(text, 0, max_chars + 1)]
        cut = ends[-1] if ends else -1
    if cut < floor:
        cut = head.rfind(" ")
    if cut < floor:
        cut = max_chars
    return text[:cut].rstrip()
