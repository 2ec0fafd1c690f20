"""Reading labelled news streams and building TDT tracking targets.

The stream format and the protocol are described in ``shared/evaldata/README.md``:
items are sorted by (published, file order) with undated items first; a *target* is an
event with more than ``nt`` items, its first ``nt`` items are the seed story and its
stream is every later item published within ``window_days`` of the last seed (every
later item where dates are missing). Targets with no on-topic item in the stream are
skipped.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import gzip
import io
import json
import lzma
import math
import random
import re
import sys
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any, TypeVar, cast
from urllib.parse import urlsplit

from bot.engine.dedup import canonical_url
from bot.htmltext import LOOKS_LIKE_HTML, html_text


@dataclass(frozen=True)
class StreamItem:
    """One labelled news item of an evaluation stream."""

    index: int  # position after sorting
    id: str
    event: str
    title: str
    summary: str
    content: str
    url: str | None
    published: datetime | None
    source: str

    @property
    def text(self) -> str:
        """The body the service would see: content, else summary."""
        return self.content or self.summary


@dataclass(frozen=True)
class Target:
    """One tracking target: its seed items and the stream it is judged on."""

    event: str
    seeds: tuple[StreamItem, ...]
    stream: tuple[StreamItem, ...]

    @property
    def on_topic(self) -> int:
        return sum(1 for it in self.stream if it.event == self.event)


class StreamError(ValueError):
    """A stream file that does not follow the format; the message names file and line."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Unix times this large are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973
_MS_FROM = 1e11
_UNIX_DIGITS = re.compile(r"-?\d{9,}(?:\.\d+)?")
# the first and last years a datetime holds: what programs write for "no date"
# (0001-01-01 is Go's and .NET's zero time, 9999-12-31 a common "open end")
_PLACEHOLDER_YEARS = (1, 9999)
# dates written with the month's English name ("January 5, 2017", "5 Jan 2017 14:30") or
# year first with slashes ("2017/01/05"): unambiguous, unlike "03/02/2017", which is not read
_WRITTEN_DATES = tuple(
    f"{day}{clock}"
    for day in ("%B %d, %Y", "%B %d %Y", "%d %B %Y", "%d %B, %Y", "%Y/%m/%d")
    for clock in ("", " %H:%M", " %H:%M:%S", " %I:%M %p", ", %H:%M", ", %I:%M %p")
)
_MONTH_ABBREVIATION = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?")
_MONTHS = {
    "Jan": "January",
    "Feb": "February",
    "Mar": "March",
    "Apr": "April",
    "Jun": "June",
    "Jul": "July",
    "Aug": "August",
    "Sep": "September",
    "Sept": "September",
    "Oct": "October",
    "Nov": "November",
    "Dec": "December",
}


def _written_date(value: str) -> datetime | None:
    """A date written with its month's name, or year first with slashes; None otherwise."""
    text = " ".join(value.replace(" at ", " ").split())
    text = _MONTH_ABBREVIATION.sub(lambda m: _MONTHS[m.group(1)], text.title())
    text = text.replace(" Am", " AM").replace(" Pm", " PM")
    for pattern in _WRITTEN_DATES:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _parse_time(value: object) -> tuple[datetime | None, bool]:
    """A ``published`` value as a UTC time, and whether it was readable.

    ISO 8601 (the format's own; a date alone is its midnight), RFC 2822 (what RSS feeds
    carry), a date written with its month's English name ("January 5, 2017", "5 Jan 2017
    14:30", "Sept. 5, 2017 at 2:30 pm") or year first with slashes ("2017/01/05"), and Unix time (a JSON number or a string of digits; in seconds, or in
    milliseconds as JavaScript writes it, which a value above ``_MS_FROM`` must be) are
    read, as is MongoDB's export of a date (``{"$date": ...}``). A time without a zone is
    UTC; one with an offset is converted to UTC. Null, an empty string, "None" and "null"
    mean undated; a date in the year 1 or 9999 is a placeholder for "no date", so it is
    undated too but reported, like any other value that cannot be read.
    """
    if isinstance(value, dict) and len(value) == 1:
        # mongoexport: {"$date": "2020-01-01T00:00:00Z"} or {"$date": {"$numberLong": "..."}}
        ((key, inner),) = value.items()
        if key in ("$date", "$numberLong"):
            return _parse_time(inner)
    if value is None or value in ("", "None", "null"):
        return None, True
    parsed: datetime | None = None
    if isinstance(value, bool):
        return None, False
    if isinstance(value, str) and _UNIX_DIGITS.fullmatch(value.strip()):
        value = float(value)
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MS_FROM else value
        try:
            parsed = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None, False
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            try:
                parsed = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                parsed = _written_date(value)
    if parsed is None or parsed.year in _PLACEHOLDER_YEARS:
        return None, False
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), True
    return parsed.astimezone(UTC), True


# what a compressed stream starts with
_GZIP = b"\x1f\x8b"
_BZIP2 = b"BZh"
_XZ = b"\xfd7zXZ\x00"
_ZSTD = b"\x28\xb5\x2f\xfd"
# what a JSON Lines file in UTF-16 without a byte-order mark starts with: its "{"
_UTF16_BRACE = {b"{\x00": "utf-16-le", b"\x00{": "utf-16-be"}
# a byte the text encoding could not read, kept by the "surrogateescape" error handler
_UNDECODED = re.compile("[\udc80-\udcff]")


def _open(path: Path, stack: contextlib.ExitStack) -> tuple[IO[str], str]:
    """The stream's text and its encoding, whatever the file name says.

    Compression is told by the file's first bytes, not by its suffix: gzip (the format's
    own), bzip2 and xz are read, so a gzipped file named ``.jsonl`` and a plain one named
    ``.jsonl.gz`` both work. The text is UTF-8 (a byte-order mark is skipped), or UTF-16
    when it starts with a UTF-16 byte-order mark (what Windows PowerShell writes) or, without
    one, with a "{" in UTF-16 (which no UTF-8 JSON line starts with: a NUL byte).
    Undecodable bytes are kept as lone surrogates so the caller can name their line.
    """
    try:
        raw = stack.enter_context(open(path, "rb"))
        head = raw.peek(8)[:8]
    except OSError as exc:
        raise StreamError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    binary: io.BufferedIOBase = raw
    if head.startswith(_GZIP):
        binary = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
    elif head.startswith(_BZIP2):
        binary = stack.enter_context(bz2.BZ2File(raw))
    elif head.startswith(_XZ):
        binary = stack.enter_context(lzma.LZMAFile(raw))
    elif head.startswith(_ZSTD):
        raise StreamError(
            f"{path}: compressed with zstd, which is not read; decompress it or gzip it"
        )
    if binary is not raw:
        head = binary.peek(2)[:2]  # type: ignore[attr-defined]  # all three have peek
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    elif head[:2] in _UTF16_BRACE:  # a JSON line's "{" in UTF-16 without the mark
        encoding = _UTF16_BRACE[head[:2]]
    else:
        encoding = "utf-8-sig"
    text = io.TextIOWrapper(cast(IO[bytes], binary), encoding=encoding, errors="surrogateescape")
    return text, encoding.removesuffix("-sig").upper()


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSON Lines file with their line numbers; clear errors.

    Raw control characters (a tab) inside a JSON string are accepted as the characters
    they are. ``id`` and ``event`` are checked here (see :func:`_label`); a missing one
    is None, for :func:`load_stream` to name.
    """
    lineno = 0
    with contextlib.ExitStack() as stack:
        try:
            fh, encoding = _open(path, stack)
            for lineno, line in enumerate(fh, 1):
                bad = _UNDECODED.search(line)
                if bad:
                    raise StreamError(
                        f"{path}:{lineno}: not {encoding} text (byte "
                        f"0x{ord(bad.group()) - 0xDC00:02x}); a stream is UTF-8"
                    )
                if not line.strip():
                    continue
                row = _json_line(path, lineno, line)
                if not isinstance(row, dict):
                    raise StreamError(
                        f"{path}:{lineno}: a line must be one JSON object, "
                        f"not a JSON {type(row).__name__}"
                    )
                labels = {k: _label(row.get(k)) for k in ("id", "event")}
                for key, label in labels.items():
                    if isinstance(label, _Unreadable):
                        raise StreamError(
                            f"{path}:{lineno}: {key} is {label}; an id or event is a "
                            "string or a number"
                        )
                    row[key] = label
                yield lineno, row
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            # gzip.BadGzipFile is an OSError; a file cut short ends in EOFError
            where = f"after line {lineno}" if lineno else "at its start"
            raise StreamError(
                f"{path}: the file cannot be read {where} ({exc}); is it damaged or incomplete?"
            ) from None
        except UnicodeDecodeError as exc:  # what surrogateescape cannot keep (UTF-16)
            where = f" after line {lineno}" if lineno else ""
            raise StreamError(
                f"{path}: not {exc.encoding.upper()} text{where} ({exc.reason})"
            ) from None


def _json_line(path: Path, lineno: int, line: str) -> object:
    """One line's JSON value; what the JSON reader refuses is a :class:`StreamError`.

    Besides malformed JSON, Python's reader refuses valid JSON it cannot hold: an integer
    of more than 4,300 digits (``ValueError``) and arrays or objects nested about a
    thousand deep (``RecursionError``). Neither is a news item; both name their line.
    """
    try:
        return json.loads(line, strict=False)
    except json.JSONDecodeError as exc:
        raise StreamError(
            f"{path}:{lineno}: not a JSON object ({exc.msg}); a stream has one JSON object per line"
        ) from None
    except RecursionError:
        why = "arrays or objects nested too deeply"
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        why = f"a number of more than {sys.get_int_max_str_digits()} digits"
    raise StreamError(f"{path}:{lineno}: a JSON line that cannot be read ({why})")


class _Unreadable(str):
    """What a field held that cannot be read as the field (its description)."""


def _kind(value: object) -> _Unreadable:
    if isinstance(value, float):
        return _Unreadable(f"the number {value}")
    return _Unreadable(f"a JSON {type(value).__name__}")


def _label(value: object) -> str | _Unreadable | None:
    """An ``id`` or ``event`` as a string; None when missing.

    A string is itself (one of spaces only is missing); a number is its digits, and a
    whole float is the integer it holds (``12.0`` is ``"12"``, as pandas writes an
    integer column with gaps), so ``1``, ``1.0`` and ``"1"`` are one label. NaN, true or
    false, a list and an object are not labels.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value
    number = _number(value)
    return _kind(value) if number is None else number


def _number(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


# where feed parsers put the text of a text construct ({"type": "text/html", "value": ...})
_TEXT_KEYS = ("value", "text")
_HTML_TYPES = ("text/html", "html", "application/xhtml+xml", "xhtml")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# lists and text constructs inside each other deeper than this are no text (a list of
# constructs whose value is a list of paragraphs is 3); the limit keeps a line of
# hundreds of nested lists, which the JSON reader takes, from exhausting the stack
_TEXT_DEPTH = 8


def _text(value: object, sep: str = "\n", depth: int = 0) -> str | _Unreadable:
    """A text field as a string.

    Null is empty; a number is its digits (a headline "2024"); a list (paragraphs, as
    some scrapers write a body) is its parts joined by ``sep``; an object is the text
    under its ``value`` or ``text`` key (a feed parser's text construct, such as
    ``content: [{"type": "text/html", "value": "..."}]``; when its ``type`` says HTML,
    the markup is turned into text, see :func:`_plain`). Anything else (true/false,
    NaN, an object without such a key, a list holding one) cannot be read. A lone
    surrogate (``"\\ud800"`` in the JSON) becomes U+FFFD: it is no text and no encoder
    takes it. Lists and objects nested more than ``_TEXT_DEPTH`` deep cannot be read.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list | dict) and depth >= _TEXT_DEPTH:
        return _Unreadable(f"a JSON {type(value).__name__} nested more than {depth} deep")
    if isinstance(value, list):
        parts = [_text(v, sep, depth + 1) for v in value]
        for part in parts:
            if isinstance(part, _Unreadable):
                return part
        return sep.join(p for p in parts if p)
    if isinstance(value, dict):
        for key in _TEXT_KEYS:
            if key in value:
                text = _text(value[key], sep, depth + 1)
                if value.get("type") in _HTML_TYPES and not isinstance(text, _Unreadable):
                    return _plain(text)  # the construct says it is HTML
                return text
        return _Unreadable("a JSON object without a value or text key")
    number = _number(value)
    return _kind(value) if number is None else number


def _url(value: object) -> str | _Unreadable | None:
    """A ``url`` as a string, or None.

    A string is the URL (surrounding spaces dropped; empty, "None" or "null" is none, as
    a relative URL is kept as it is); an object is its ``href`` (a feed parser's link).
    Anything else, or a string that is no URL at all (``http://[::1``), cannot be read.
    """
    if isinstance(value, dict) and "href" in value:
        value = value["href"]
    if value is None:
        return None
    if not isinstance(value, str):
        return _kind(value)
    url = _LONE_SURROGATE.sub("\ufffd", value.strip())
    if url in ("", "None", "null"):
        return None
    try:
        urlsplit(url)
    except ValueError:
        return _Unreadable(f"{url[:60]!r}")
    return url


def _plain(text: str) -> str:
    """Text with its HTML markup, if any, turned into text as the feed poller does."""
    return html_text(text) if LOOKS_LIKE_HTML.search(text) else text


def load_stream(
    path: str | Path,
    *,
    headline_only: bool = False,
    summary_only: bool = False,
    warn: Callable[[str], None] | None = None,
) -> list[StreamItem]:
    """Read a JSON Lines stream (optionally compressed) and sort it by the protocol.

    How each field is read (the format is ``shared/evaldata/README.md``; any file in it
    works, and so do the variations real exports have):

    * ``id`` and ``event``: a string or a number (see :func:`_label`); of another type,
      the line is refused. An item without an ``event`` (missing, null or blank) is
      unlabelled: an event of its own, so it is off-topic for every target and a
      singleton when clustering, as TDT counts unjudged stories; an item without an
      ``id`` is named by its line (``line-12``). Both are warned about. A file in which
      no item has an ``event`` is refused: nothing in it can be measured.
    * ``title``, ``summary``, ``content``, ``source``: see :func:`_text`; a list of
      paragraphs is joined with newlines (the words of a title or source with spaces).
      Markup in them (an RSS description is HTML; scraped bodies and headlines keep
      stray tags and entities) is turned into text as the service's poller does with a
      feed's fields (see :func:`_plain`); text without markup is left as it is. On the
      shared streams that changes no decision (gva: 231 of 17,512 scores move slightly).
    * ``url``: see :func:`_url`; ``published``: see :func:`_parse_time`.
    * Unknown fields are ignored.

    A field that cannot be read is taken as missing, and ``warn`` is told once per field
    (how many items, and the first line).

    Args:
        path: The ``.jsonl`` or ``.jsonl.gz`` file (see :func:`_open` for what else is read).
        headline_only: Drop summary and content, keeping titles only.
        summary_only: Drop content, keeping titles and summaries: what a feed that sends
            a summary (an RSS description) gives the service. Not with ``headline_only``.
        warn: Told about what is read but questionable: dates that cannot be read (such
            an item is undated, so it sorts first), fields that cannot be read (taken
            as missing) and ids used more than once.

    Returns:
        Items sorted by (published, file order), undated items first.

    Raises:
        StreamError: The file cannot be read, a line is not a JSON object or has an
            ``id`` or ``event`` that is no label (the message names the file and line), or
            no item has an ``event``.
    """
    if headline_only and summary_only:
        raise ValueError("headline_only and summary_only exclude each other")
    p = Path(path)
    keyed = []
    bad_dates: list[str] = []
    unreadable: dict[str, list[str]] = defaultdict(list)
    unlabelled: list[tuple[dict[str, Any], int]] = []
    unnamed: list[int] = []

    def field(lineno: int, key: str, value: str | _Unreadable) -> str:
        if isinstance(value, _Unreadable):
            unreadable[key].append(f"line {lineno}: {value}")
            return ""
        return value

    for order, (lineno, row) in enumerate(_rows(p)):
        published, readable = _parse_time(row.get("published"))
        if not readable:
            bad_dates.append(f"line {lineno}: {_short(row.get('published'))}")
        url = _url(row.get("url"))
        if row["id"] is None:
            unnamed.append(lineno)
        fields: dict[str, Any] = {
            "id": f"line-{lineno}" if row["id"] is None else row["id"],
            "event": row["event"],
            "title": _plain(field(lineno, "title", _text(row.get("title"), " "))),
            "summary": "",
            "content": "",
            "url": None if url is None else field(lineno, "url", url) or None,
            "published": published,
            "source": field(lineno, "source", _text(row.get("source"), " ")),
        }
        if not headline_only:
            fields["summary"] = _plain(field(lineno, "summary", _text(row.get("summary"))))
            if not summary_only:
                fields["content"] = _plain(field(lineno, "content", _text(row.get("content"))))
        keyed.append((published is not None, published or _EPOCH, order, fields))
        if row["event"] is None:
            unlabelled.append((fields, lineno))
    _name_unlabelled(p, unlabelled, {k[3]["event"] for k in keyed} - {None})
    if warn and bad_dates:
        warn(
            f"{p}: {len(bad_dates)} item(s) with a published date that is not ISO 8601, "
            f"RFC 2822, a written date ('January 5, 2017', '2017/01/05') or Unix time, or is "
            f"a placeholder in the year 1 or 9999 (first: "
            f"{bad_dates[0]}); they are taken as undated"
        )
    if warn and unlabelled:
        warn(
            f"{p}: {len(unlabelled)} item(s) without an event label (first: line "
            f"{unlabelled[0][1]}); each is read as an unlabelled event of its own, "
            "off-topic for every target"
        )
    if warn and unnamed:
        warn(
            f"{p}: {len(unnamed)} item(s) without an id (first: line {unnamed[0]}); "
            f"each is named by its line (line-{unnamed[0]})"
        )
    if warn:
        for key, lines in unreadable.items():
            what = "a URL" if key == "url" else "text"
            warn(
                f"{p}: {len(lines)} item(s) with a {key} that is not {what} (first: "
                f"{lines[0]}); it is taken as missing"
            )
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    items = [StreamItem(index=index, **k[3]) for index, k in enumerate(keyed)]
    if warn:
        repeated = sorted(i for i, n in Counter(it.id for it in items).items() if n > 1)
        if repeated:
            warn(
                f"{p}: {len(repeated)} id(s) used by more than one item (first: "
                f"{repeated[0]!r}); --decisions lines cannot tell those items apart"
            )
        _warn_shared_links(p, items, warn)
    return items


def _name_unlabelled(
    path: Path, unlabelled: list[tuple[dict[str, Any], int]], labels: set[str]
) -> None:
    """Give each item without an event an event of its own, named apart from the real ones.

    Args:
        path: The stream file, for the error.
        unlabelled: The fields of each item without an event, with its line.
        labels: The events of the labelled items.

    Raises:
        StreamError: No item of the file has an event.
    """
    if unlabelled and not labels:
        raise StreamError(
            f"{path}: no item has an event label; the evaluation needs a labelled stream "
            '(an "event" on each line, see shared/evaldata/README.md)'
        )
    for fields, lineno in unlabelled:
        name = f"unlabelled-{lineno}"
        while name in labels:  # a real event of that name: keep ours apart
            name = "~" + name
        fields["event"] = name


# a link that items of this many events carry is no article's link (a site's front page,
# the feed's own address); a real report covers one event, a round-up a few
_SHARED_LINK_EVENTS = 5


def _warn_shared_links(path: Path, items: list[StreamItem], warn: Callable[[str], None]) -> None:
    """Warn of links that items of many events share.

    The engine takes items with the same link (after :func:`canonical_url`) as one report,
    so such items are judged copies of each other; the stream is read as it is.
    """
    events: dict[str, set[str]] = defaultdict(set)
    for it in items:
        key = canonical_url(it.url)
        if key is not None:
            events[key].add(it.event)
    shared = [(len(e), key) for key, e in events.items() if len(e) >= _SHARED_LINK_EVENTS]
    if shared:
        n, first = max(shared)
        warn(
            f"{path}: {len(shared)} url(s) shared by items of {_SHARED_LINK_EVENTS} or more "
            f"events (most: {first!r}, {n} events); the engine takes items with one link "
            "as one report, so they are judged copies of each other"
        )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_T = TypeVar("_T")


def seeded_sample(items: list[_T], limit: int, seed: str) -> list[_T]:
    """At most ``limit`` of ``items``, kept in their order: all of a short list, else a
    sample drawn by ``seed`` alone (so one event's draw does not move when another
    event changes). The evaluators use it to bound the work an event of thousands of
    reports costs, where every report is compared with every other."""
    if len(items) <= limit:
        return items
    chosen = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in chosen]


def build_targets(items: list[StreamItem], nt: int = 4, window_days: float = 30) -> list[Target]:
    """Build the TDT tracking targets of a sorted stream.

    Args:
        items: The stream, sorted by :func:`load_stream`.
        nt: Number of seed items per target; events need more than ``nt`` items.
        window_days: Only later items published within this many days of the last
            seed belong to the target's stream (undated items always do).

    Returns:
        Targets in order of their first seed, skipping those without on-topic items.
    """
    by_event: dict[str, list[StreamItem]] = defaultdict(list)
    for it in items:
        by_event[it.event].append(it)
    targets = []
    window = timedelta(days=window_days)
    for event, members in by_event.items():
        if len(members) <= nt:
            continue
        seeds = tuple(members[:nt])
        last = seeds[-1]
        stream = tuple(_window(items, last.index + 1, last.published, window))
        target = Target(event, seeds, stream)
        if target.on_topic:
            targets.append(target)
    targets.sort(key=lambda t: t.seeds[0].index)
    return targets


def with_full_seeds(targets: list[Target], full: list[StreamItem]) -> list[Target]:
    """The targets with their seeds' summaries and bodies back.

    For a stream loaded ``headline_only`` (or ``summary_only``): the story is added from
    full articles and followed on a feed that sends headlines only (or summaries), as the
    service may see it.

    Args:
        targets: Targets of a headline-only (or summary-only) stream.
        full: The same stream loaded with summaries and bodies (same order).

    Returns:
        The targets with full-text seeds and unchanged streams.
    """
    return [replace(t, seeds=tuple(full[s.index] for s in t.seeds)) for t in targets]


def _window(
    items: list[StreamItem], start: int, last: datetime | None, window: timedelta
) -> Iterator[StreamItem]:
    """The items from ``start`` on within ``window`` of ``last`` (undated ones all).

    ``items`` is sorted (undated first, then by date): after a dated last seed every
    later item is dated, so the first one past the window ends the stream. Read to the
    end of the list instead, a long stream's targets took time in their number times its
    length (10x gva: 700 targets, 63,350 items).
    """
    for k in range(start, len(items)):
        it = items[k]
        if last is None or it.published is None or it.published - last <= window:
            yield it
        else:
            break
