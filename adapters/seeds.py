"""Load a seed article (the text that defines a story) from a file or a URL.

- Text files: the first line is the title when it is short (<= 200 characters) and more
  lines follow; a leading ``date 2026-03-05 ...`` or ``date: 2026-03-05`` token sets the
  published date (the rest of that line is text); one that starts so but gives no date
  that can be read (``date 2026-02-30``, ``date 2026-3-5``) is an error naming the line.
  Without a title line, the title is the text's first sentence, shortened.
- HTML files and http(s) URLs: the main text and the title come from trafilatura. URLs
  go through the same SSRF guard as feeds (``adapters.feeds.pagefetch``). A URL that
  answers ``text/plain`` is read as a text file is (a ``.txt`` seed served by a web server
  gives the seed its file gives), unless its text is HTML, as a file's may be.
- ``file://`` URLs name a local file (``file:///path/to/seed.txt``, or
  ``file://localhost/...``): read as that path is, since whoever can give a seed URL to
  ``load_seed`` can give the path itself (chat users cannot: :class:`UrlSeedLoader`
  takes web addresses only). Any other scheme (``ftp://``) is refused saying what a seed
  is, not looked for as a file called "ftp:/...".

Every problem a user can cause (missing, empty, unreadable file; unreachable URL; page
without text, or no page at all: an image, a PDF) is a ``bot.errors.UserError`` whose
message says what to fix; a feed given as a seed is ``bot.errors.NotAnArticle``. A PDF,
file or URL, is told by its header or declared type (:func:`_refuse_pdf`), since one often
has no NUL byte for the binary check to find.

:class:`UrlSeedLoader` is the ``bot.ports.SeedLoader`` of ``/story stories add``: the same
loading, for web addresses only (a chat user must never have the server read its files).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from adapters.feeds.article import main_text
from adapters.feeds.errors import FetchError, TimedOut
from adapters.feeds.html_text import html_to_text, normalise_lines
from adapters.feeds.pagefetch import (
    SNIFF_BYTES,
    UTF16_BOMS,
    NotAPage,
    PageText,
    decode_unlabelled_text,
    make_page_fetcher,
)
from bot.errors import NotAnArticle, UserError
from bot.model import SeedDoc

# A page fetcher: ``PageText`` (the default one's: the declared type tells text from HTML),
# or the page's HTML, alone or as ``(html, final_url)``.
FetchHtml = Callable[[str], "PageText | str | tuple[str, str]"]

MAX_TITLE_CHARS = 200
_FALLBACK_TITLE_CHARS = 120
_MAX_FILE_BYTES = 5 * 1024 * 1024
_DATE_LINE = re.compile(
    r"^\s*date\s*:?\s+(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:Z|[+-]00:?00)?)?[.,;]?(?:\s+|$)(.*)$",
    re.IGNORECASE | re.DOTALL,
)
# A line that means to be a date line but may not be one: "date" then a number shaped like
# a date ("2026-3-5", "2026/03/05", "5.3.2026"), not prose ("Date night", "date 3.5 million").
_DATE_ATTEMPT = re.compile(
    r"^\s*(date\s*:?\s+(?:\d{4}[-/.]\d|\d{1,2}[-/.]\d{1,2}[-/.]\d)\S*)", re.IGNORECASE
)
_DATE_FORMAT = 'write "date YYYY-MM-DD", e.g. "date 2026-03-05"'
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
# "scheme://": a URL, not a path (two letters at least: "C://" would be a Windows drive)
_URL_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]+)://", re.IGNORECASE)
_WHAT_A_SEED_IS = (
    "a seed is a file path (or file:// URL) on this machine, or an http:// or https:// web address"
)


class SeedUnavailable(UserError):
    """A seed URL could not be fetched for a reason that may pass: a refused or dropped
    connection, HTTP 408, 429 or 5xx, a timeout (the site down or swamped for now), or a
    host name the resolver could not look up for now (the network not up yet at boot).

    A ``UserError`` like any unreadable seed; kept apart so that a story the config file
    declares can be tried again later (``storybot run`` exits 75, which supervisors
    restart) rather than refused as a configuration error.
    """


# A sentence ends after a lower-case word ("talks. The"), not after "U.S." or "Mr.".
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\"'”’]{2}[.!?])\s+(?=[A-Z0-9\"“‘])")


def _fallback_title(text: str) -> str:
    first = text.strip().split("\n", 1)[0]
    sentence = _SENTENCE_END.split(first, 1)[0]
    if len(sentence) <= _FALLBACK_TITLE_CHARS:
        return sentence
    cut = sentence[:_FALLBACK_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def _date(day: str, clock: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(f"{day}T{clock or '00:00'}").replace(tzinfo=UTC)
    except ValueError:
        return None


def _line_number(text: str, line: str) -> int:
    """The number (from 1) of the line of ``text`` that normalises to ``line``."""
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")), 1):
        if normalise_lines(raw) == line:
            return number
    return 1  # not reached: ``line`` is one of the text's lines, normalised


def parse_text_seed(text: str) -> SeedDoc:
    """Build a seed from plain text (see the module docstring for the format).

    Raises:
        UserError: The text is empty, or one of its first lines starts as a date line
            does ("date 2026-02-30", "date 2026-3-5") but gives no date that can be read:
            taken as text, it left the story undated with nothing saying why.
    """
    lines = (
        normalise_lines(text.replace("\r", "\n").lstrip("\ufeff")).split("\n")
        if text.strip()
        else []
    )
    published = None
    for i, line in enumerate(lines[:3]):  # the date token sits at the top, if anywhere
        match = _DATE_LINE.match(line)
        if match and (when := _date(match.group(1), match.group(2))):
            published = when
            lines[i] = match.group(3).strip()
            break
        if attempt := _DATE_ATTEMPT.match(line):
            raise UserError(
                f'line {_line_number(text, line)}: "{attempt.group(1)}" is not a date '
                f"({_DATE_FORMAT})"
            )
    while lines and not lines[0]:
        lines.pop(0)
    if not lines:
        raise UserError("the seed is empty: it has no text besides a date")
    title = ""
    if len(lines) > 1 and len(lines[0]) <= MAX_TITLE_CHARS:
        title, lines = lines[0], lines[1:]
    body = normalise_lines("\n".join(lines))
    if not body:
        body = title
    return SeedDoc(title=title or _fallback_title(body), text=body, published=published)


def parse_html_seed(html: str, url: str | None = None) -> SeedDoc:
    """Build a seed from an HTML page: main text and metadata via trafilatura.

    Raises:
        UserError: No readable text was found.
    """
    article = main_text(html, url)
    text, title = article.text, article.title
    if not text:
        text = html_to_text(html)  # trafilatura declines very short pages; take what is there
    if not text:
        raise UserError(f"no article text found in {url or 'the HTML'}")
    published = _date(article.date[:10], None) if article.date else None
    return SeedDoc(title=title or _fallback_title(text), text=text, url=url, published=published)


def _read_file(path: Path) -> str:
    """The text of a seed file, read no further than the limit.

    Reading a file whole before checking its size took as much memory as the file: a
    mistaken ``--seed disk.img`` of 3 GB held 3 GB for 8 s before being refused, and
    ``/dev/zero`` (whose size is 0 to ``stat``) was read until memory ran out.
    """
    try:
        if path.is_dir():
            raise UserError(f"seed path is a directory, not a file: {path}")
        with path.open("rb") as file:
            data = file.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"seed file not found: {path}") from None
    except PermissionError:
        raise UserError(f"cannot read seed file {path}: permission denied") from None
    except OSError as exc:
        raise UserError(f"cannot read seed file {path}: {exc.strerror or exc}") from None
    if len(data) > _MAX_FILE_BYTES:
        raise UserError(
            f"seed file {path} is too large: more than {_MAX_FILE_BYTES // 1024 // 1024} MiB, "
            "the most a seed may be (give the article's text)"
        )
    if not data.strip():
        raise UserError(f"seed file is empty: {path}")
    _refuse_pdf(f"seed file {path}", data[:SNIFF_BYTES])
    if b"\x00" in data[:8192] and not data.startswith(UTF16_BOMS):  # UTF-16 text has NULs
        raise UserError(f"seed file {path} is not a text or HTML file (it contains binary data)")
    return decode_unlabelled_text(data)


# A PDF begins with its header ("%PDF-1.7"), after blanks or a UTF-8 byte-order mark at most
_PDF_HEADER = b"%PDF-"
_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})


def _refuse_pdf(seed: str, head: bytes, media_type: str = "", *, url: bool = False) -> None:
    """A UserError if the seed is a PDF: declared one (a URL's ``application/pdf``), or
    beginning with a PDF's header (``head``: its first bytes), whatever its name or type.

    storybot reads text and HTML, not PDF. A PDF's first kilobytes often hold no NUL byte
    (its text sits in compressed streams further on), so one passed as a text file and its
    syntax (``obj``, ``/Type /Catalog``) became the story's terms; by URL it was "not an
    article's web page", which did not say what to give instead.

    Args:
        seed: How the message names the seed: ``seed file PATH``, or the URL.
        head: The seed's first bytes (a URL's text encoded as UTF-8).
        media_type: A URL's declared type, without parameters, lower case.
        url: Whether the seed is a URL: the address of the article's page is the fix.
    """
    if media_type not in _PDF_TYPES and not head.lstrip(b"\xef\xbb\xbf \t\r\n\f").startswith(
        _PDF_HEADER
    ):
        return
    fix = (
        "give the address of the web page that shows the article, or paste its text into a "
        ".txt file for `storybot story add`"
        if url
        else "paste the article's text into a .txt file and give that"
    )
    raise UserError(f"{seed} is a PDF: storybot reads text or HTML seeds; {fix}")


def seed_file(path_or_url: str) -> Path | None:
    """The local file a seed names (a path, or a ``file://`` URL's path), or None for an
    http(s) URL: what ``load_seed`` reads, and so what tells two seeds are one file.

    Raises:
        UserError: A URL of another scheme, or a ``file://`` URL of another machine.
    """
    source = path_or_url.strip()
    found = _URL_SCHEME.match(source)
    scheme = found.group(1).lower() if found else None
    if scheme in ("http", "https"):
        return None
    return _local_path(source, scheme)


def _local_path(source: str, scheme: str | None) -> Path:
    """The file a seed names: a path as given, or a ``file://`` URL's path on this machine.

    ``scheme`` is the URL's, in lower case; None for a path.

    Raises:
        UserError: A URL of another scheme, or a ``file://`` URL of another machine.
    """
    if scheme is None:
        return Path(source).expanduser()
    if scheme != "file":
        raise UserError(
            f"{source} is neither a local file path nor an http(s) URL: {_WHAT_A_SEED_IS}"
        )
    parts = urlsplit(source)
    host = parts.netloc.rsplit("@", 1)[-1]
    if host.lower() not in ("", "localhost"):
        raise UserError(
            f"{source} names a file on another machine ({host}): a file:// seed must be on "
            "this one (file:///path/to/seed.txt), or give its http(s) URL"
        )
    if not parts.path.strip("/"):
        raise UserError(f"{source} names no file: {_WHAT_A_SEED_IS}")
    return Path(url2pathname(parts.path))  # "%20" is a space, as in the path it names


# a feed document's root element, after an optional XML declaration and comments
_FEED_ROOT = re.compile(r"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)


def _refuse_feed(text: str, source: str) -> None:
    """A UserError if ``text`` is an RSS/Atom feed: a seed is one article, a feed is many.

    Read as an article, a feed became one seed of every headline run together (its title
    glued to the first item's link) and a profile of the whole feed's vocabulary.
    """
    head = text.lstrip("\ufeff \t\r\n")[:2048]
    if head.startswith(("<?xml", "<rss", "<feed", "<rdf:RDF", "<!--")) and _FEED_ROOT.search(head):
        raise NotAnArticle(
            source,
            f"{source} is a feed (RSS/Atom), not an article: poll it with "
            f"`storybot feeds add {source}`, and give one article (its page or a text file) "
            "as each --seed",
        )


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1024].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "<" == head[:1])


def load_seed(
    path_or_url: str, fetch_html: FetchHtml | None = None, *, allowed_hosts: Iterable[str] = ()
) -> SeedDoc:
    """Load a seed article from a text file, an HTML file or an http(s) URL.

    Args:
        path_or_url: A file path (or a ``file://`` URL of one), or a URL starting with
            ``http://`` or ``https://``.
        fetch_html: ``fetch(url)`` returning the page: a ``PageText`` (whose declared type
            tells plain text from HTML), or its HTML (alone or as ``(html, final_url)``);
            defaults to a guarded fetcher that refuses private addresses
            (``adapters.feeds.pagefetch.make_page_fetcher``). Blocking: from async code
            call ``aload_seed``.
        allowed_hosts: For the default fetcher: hosts, addresses or networks exempt
            from the SSRF guard (``STORYBOT_ALLOWED_HOSTS``).

    Returns:
        The seed document.

    Raises:
        UserError: The file or page is missing, empty, unreadable or has no text; the
            seed is a URL of another scheme than http, https or file.
    """
    source = path_or_url.strip()
    if not source:
        raise UserError("give a seed: a file path or an http(s) URL")
    path = seed_file(source)
    if path is None:
        return _load_url(source, fetch_html or make_page_fetcher(allowed_hosts=allowed_hosts))
    text = _read_file(path)
    _refuse_feed(text, source)
    try:
        if path.suffix.lower() in _HTML_SUFFIXES or _looks_like_html(text):
            return parse_html_seed(text)
        return parse_text_seed(text)
    except UserError as exc:  # "the seed is empty": which of `story add`'s seeds is it?
        raise UserError(f"seed file {path}: {exc}") from None


def _load_url(source: str, fetch: FetchHtml) -> SeedDoc:
    """The seed at an http(s) URL: HTML through trafilatura; plain text as a text file."""
    try:
        fetched = fetch(source)
    except NotAPage as exc:
        declared = (exc.content_type or "").split(";")[0].strip()
        _refuse_pdf(source, exc.head, declared.lower(), url=True)
        what = declared or "no type given, and no HTML in it"
        raise UserError(
            f"{source} is not an article's web page ({what}): give the address of "
            "the page that shows the article"
        ) from None
    except FetchError as exc:
        failed = SeedUnavailable if exc.transient or isinstance(exc, TimedOut) else UserError
        raise failed(f"could not fetch seed {source}: {exc}") from None
    if isinstance(fetched, PageText):
        text, final_url, plain = fetched.text, fetched.url, fetched.media_type == "text/plain"
    elif isinstance(fetched, tuple):
        (text, final_url), plain = fetched, False
    else:
        text, final_url, plain = fetched, source, False
    if not text or not text.strip():
        raise UserError(f"the page at {source} is empty")
    # a PDF its server calls text (or HTML): no page either
    _refuse_pdf(source, text[:SNIFF_BYTES].encode("utf-8", "replace"), url=True)
    _refuse_feed(text, source)
    if plain and not _looks_like_html(text):  # what the server calls text, a file's way
        try:
            return replace(parse_text_seed(text), url=final_url)
        except UserError as exc:  # "the seed is empty" names no page: say which
            raise UserError(f"{source}: {exc}") from None
    return parse_html_seed(text, url=final_url)


async def aload_seed(
    path_or_url: str, fetch_html: FetchHtml | None = None, *, allowed_hosts: Iterable[str] = ()
) -> SeedDoc:
    """``load_seed`` in a worker thread, for async callers (file and network I/O block)."""
    return await asyncio.to_thread(load_seed, path_or_url, fetch_html, allowed_hosts=allowed_hosts)


# seed pages fetched at once by one ``stories add`` (each in a thread of its own)
SEED_FETCH_CONCURRENCY = 4
_WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)


class UrlSeedLoader:
    """Seed articles read from web pages, as ``storybot story add --seed URL`` reads them.

    The ``bot.ports.SeedLoader`` of ``/story stories add``: each URL goes through
    :func:`load_seed` (the SSRF guard, its size and time limits, trafilatura's main text,
    a feed refused as ``NotAnArticle``), a few at a time. Only http(s) URLs: a path would
    make the server read one of its own files for whoever typed it.

    Args:
        allowed_hosts: Hosts, addresses or networks exempt from the SSRF guard
            (``STORYBOT_ALLOWED_HOSTS``).
        fetch_html: The page fetcher (default: the guarded one of :func:`load_seed`).
        concurrency: Pages fetched at once.
    """

    def __init__(
        self,
        allowed_hosts: Iterable[str] = (),
        *,
        fetch_html: FetchHtml | None = None,
        concurrency: int = SEED_FETCH_CONCURRENCY,
    ) -> None:
        self._allowed_hosts = tuple(allowed_hosts)
        self._fetch_html = fetch_html
        self._slots = max(1, concurrency)

    async def load(self, urls: Sequence[str]) -> list[SeedDoc]:
        """One seed per URL, in order; all of them or an error.

        Raises:
            UserError: A URL is no web address or could not be read as an article (the
                first such in the order given); the message names it and says why.
        """
        for url in urls:
            if not _WEB_ADDRESS.match(url):
                raise UserError(f"{url} is not a web address (http:// or https://)")
        slots = asyncio.Semaphore(self._slots)

        async def one(url: str) -> SeedDoc:
            async with slots:
                return await aload_seed(url, self._fetch_html, allowed_hosts=self._allowed_hosts)

        results = await asyncio.gather(*(one(u) for u in urls), return_exceptions=True)
        seeds: list[SeedDoc] = []
        for url, result in zip(urls, results, strict=True):
            if isinstance(result, NotAnArticle):
                raise result
            if isinstance(result, UserError):
                # every message of load_seed names the page, but a redirect's by where it led
                said = str(result)
                raise UserError(said if url in said else f"{url}: {said}") from None
            if isinstance(result, BaseException):
                raise result
            seeds.append(result)
        return seeds
