"""``HttpPageReader``: the production ``bot.ports.PageReader``.

Some feeds give headlines only, too little to judge an item on. When page reading is on,
the service asks for the linked pages of such items, and this reader fetches each one
and extracts the article's main text (``adapters.feeds.article``: trafilatura, which
leaves navigation and footers out).

Each page is fetched the way a feed is (``HttpFeedFetcher.get_page``: aiohttp, the SSRF
guard on every redirect hop, a decompressed-size limit, a redirect limit, a wall-clock
deadline, at most ``concurrency`` pages at once and ``per_host_concurrency`` from one
site, the host's slot taken first), with the ``[pages]`` limits; only the extraction, CPU
work, runs in a thread, one of the reader's own two (``adapters.feeds.threads``): in the
event loop's default pool, where ``/story`` commands are answered, a chunk's pages
fetched faster than they were extracted queued their extraction ahead of the commands.
The reader owns that fetcher and those threads: ``aclose`` closes them.

A page that cannot be read (HTTP error, timeout, refused address, not HTML, no article
text) is left out of the texts; ``read`` never raises for a page. A failure that may pass
quickly (a refused or dropped connection, HTTP 408, 429 or 5xx) is tried again ``retries``
times, after ``retry_delay_s`` and then twice as long each time, before it is given up:
news sites stumble for a moment more often than they go away. A page that did not arrive
within ``timeout_s`` is not tried again at once: a site that slow would hold the batch's
judgements back by ``timeout_s`` once more for each retry, for every page it has. Both
kinds are returned in ``PagesRead.later`` (logged at INFO): the pipeline may hold their
items and try again minutes later (``[pages] wait_s``) instead of judging them on the
headline alone now. Other failures (404, a refused address, no article text) are logged
at WARNING.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence

from adapters.feeds.article import main_text
from adapters.feeds.errors import FetchError, TimedOut
from adapters.feeds.fetcher import DEFAULT_USER_AGENT, HttpFeedFetcher, Page
from adapters.feeds.html_text import cut_text, storable
from adapters.feeds.netguard import Lookup
from adapters.feeds.threads import OwnThreads
from bot.duration import duration
from bot.model import PagesRead, has_body

log = logging.getLogger(__name__)

# Extraction runs in threads of the reader's own (see the module docstring); why two,
# ``adapters.feeds.threads`` says.
EXTRACT_THREADS = 2


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
        retries: int = 2,
        retry_delay_s: float = 2.0,
        get_page: Callable[[str], Awaitable[Page]] | None = None,
        lookup: Lookup | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
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
            retries: Further tries of a page whose failure may pass (0: none).
            retry_delay_s: The wait before the first of them; doubled for each next one.
            get_page: ``await get_page(url) -> Page`` raising ``FetchError``; defaults
                to an ``HttpFeedFetcher``'s with the settings above.
            lookup: Where host names are resolved (the system resolver when None).
            sleep: How to wait between tries (tests give a clock that does not sleep).
        """
        self._http = HttpFeedFetcher(
            timeout_s=timeout_s,
            max_body_bytes=max_bytes,
            concurrency=concurrency,
            per_host_concurrency=per_host_concurrency,
            user_agent=user_agent,
            allowed_hosts=allowed_hosts,
            lookup=lookup,
        )
        self._get_page = get_page or self._http.get_page
        self._max_chars = max_chars
        self._retries = retries
        self._retry_delay_s = retry_delay_s
        self._sleep = sleep
        self._extracting = OwnThreads(EXTRACT_THREADS, "storybot-page")

    async def aclose(self) -> None:
        """Close the connection pool and let the extraction threads end."""
        await self._http.aclose()
        self._extracting.shutdown()  # an extraction under way finishes on its own

    async def read(self, urls: Sequence[str]) -> PagesRead:
        """The main text of each page it could read, and the pages worth trying later.

        Each distinct URL is fetched once; pages are fetched concurrently within the
        limits. Never raises for a page: one that failed for good is logged (WARNING)
        and left out; one whose failure may pass, after its ``retries`` (a timeout: at
        once), is logged at INFO and named in ``later`` with the reason: the caller
        decides whether to wait for it (``[pages] wait_s``) and says so.
        """
        unique = list(dict.fromkeys(urls))
        outcomes = await asyncio.gather(*(self._read_one(url) for url in unique))
        result = PagesRead()
        for url, (text, later) in zip(unique, outcomes, strict=True):
            if text is not None:
                result.texts[url] = text
            elif later is not None:
                result.later[url] = later
        return result

    async def _read_one(self, url: str) -> tuple[str | None, str | None]:
        """``(text, None)``; ``(None, why)`` for a failure that may pass; else both None."""
        try:
            page = await self._fetch(url)
            return await self._extracting.run(self._text, page), None
        except FetchError as exc:
            if exc.transient or isinstance(exc, TimedOut):
                log.info("linked page %s not read for now: %s", url, exc)
                return None, str(exc)
            log.warning("could not read linked page %s: %s", url, exc)
        except PageUnreadable as exc:
            log.warning("could not read linked page %s: %s", url, exc)
        except Exception:  # one page's bug must not lose the others' text
            log.exception("unexpected error reading linked page %s", url)
        return None, None

    async def _fetch(self, url: str) -> Page:
        """Fetch a page, trying again while its failure may pass (see the module doc)."""
        delay = self._retry_delay_s
        for _ in range(self._retries):
            try:
                return await self._get_page(url)
            except FetchError as exc:
                if not exc.transient:
                    raise
                log.info("linked page %s: %s; trying again in %s", url, exc, duration(delay))
            await self._sleep(delay)  # outside the fetcher's slots: others go on meanwhile
            delay *= 2
        return await self._get_page(url)  # the last try: its failure is the answer

    def _text(self, page: Page) -> str:
        """The article text of a fetched page (in the reader's thread); raises why there is none."""
        if not page.body.strip():
            raise PageUnreadable("the page is empty")
        if not is_markup(page):
            raise PageUnreadable(f"not an HTML page ({page.content_type or 'no type'})")
        # bytes: trafilatura finds the encoding (header, <meta charset>, or by guessing)
        text = main_text(page.body, page.url, metadata=False).text  # the text is all we keep
        # cleaned here as feed text is, whatever trafilatura strips or not
        text = storable(text) or ""
        if not has_body(text):
            raise PageUnreadable("no article text found in the page")
        return cut_text(text, self._max_chars)


_MARKUP_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")


def is_markup(page: Page) -> bool:
    """Whether a page is HTML (or XML): by its declared type, else by its first bytes.

    A declared type of something else (a PDF, an image, JSON) is not; without a type, or
    with the type that says nothing (``application/octet-stream``), markup starts with a
    tag, a doctype, a comment or an XML declaration, and holds no NUL bytes.
    """
    declared = (page.content_type or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared in _MARKUP_TYPES
    head = page.body[:4096]
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and b"\x00" not in head
