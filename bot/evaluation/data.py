"""Reading labelled news streams and building TDT tracking targets.

The stream format and the protocol are described in ``shared/evaldata/README.md``:
items are sorted by (published, file order) with undated items first; a *target* is an
event with more than ``nt`` items, its first ``nt`` items are the seed story and its
stream is every later item published within ``window_days`` of the last seed (every
later item where dates are missing). Targets with no on-topic item in the stream are
skipped.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any


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


def _parse_time(value: object) -> tuple[datetime | None, bool]:
    """A ``published`` value as a UTC time, and whether it was readable.

    ISO 8601 (the format's own), RFC 2822 (what RSS feeds carry) and Unix time (a JSON
    number or a string of digits; in seconds, or in milliseconds as JavaScript writes it,
    which a value above ``_MS_FROM`` must be) are read; null, an empty string, "None" and
    "null" mean undated.
    """
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
            return datetime.fromtimestamp(seconds, UTC), True
        except (OverflowError, OSError, ValueError):
            return None, False
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            try:
                parsed = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                parsed = None
    if parsed is None:
        return None, False
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed, True


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSON Lines file with their line numbers; clear errors."""
    opener = gzip.open if path.suffix == ".gz" else open
    # utf-8-sig: a byte-order mark some editors write is not part of the first object
    with opener(path, "rt", encoding="utf-8-sig") as fh:
        try:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise StreamError(
                        f"{path}:{lineno}: not a JSON object ({exc.msg}); "
                        "a stream has one JSON object per line"
                    ) from None
                if not isinstance(row, dict):
                    raise StreamError(
                        f"{path}:{lineno}: a line must be one JSON object, "
                        f"not a JSON {type(row).__name__}"
                    )
                missing = [k for k in ("id", "event") if row.get(k) in (None, "")]
                if missing:
                    raise StreamError(f"{path}:{lineno}: no {' or '.join(missing)}")
                yield lineno, row
        except UnicodeDecodeError as exc:
            raise StreamError(f"{path}: not UTF-8 text ({exc.reason})") from None


def load_stream(
    path: str | Path, *, headline_only: bool = False, warn: Callable[[str], None] | None = None
) -> list[StreamItem]:
    """Read a JSON Lines stream (optionally gzipped) and sort it by the protocol.

    Args:
        path: The ``.jsonl`` or ``.jsonl.gz`` file.
        headline_only: Drop summary and content, keeping titles only.
        warn: Told about what is read but questionable: dates that cannot be read (such
            an item is undated, so it sorts first) and ids used more than once.

    Returns:
        Items sorted by (published, file order), undated items first.

    Raises:
        StreamError: A line is not a JSON object or has no ``id`` or ``event``.
    """
    p = Path(path)
    keyed = []
    bad_dates: list[str] = []
    for order, (lineno, row) in enumerate(_rows(p)):
        published, readable = _parse_time(row.get("published"))
        if not readable:
            bad_dates.append(f"line {lineno}: {row.get('published')!r}")
        keyed.append((published is not None, published or _EPOCH, order, row, published))
    if warn and bad_dates:
        warn(
            f"{p}: {len(bad_dates)} item(s) with a published date that is not ISO 8601, "
            f"RFC 2822 or Unix time (first: {bad_dates[0]}); they are taken as undated"
        )
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    items = []
    for index, (_, _, _, row, published) in enumerate(keyed):
        items.append(
            StreamItem(
                index=index,
                id=str(row["id"]),
                event=str(row["event"]),
                title=_text(row.get("title")),
                summary="" if headline_only else _text(row.get("summary")),
                content="" if headline_only else _text(row.get("content")),
                url=row.get("url") if isinstance(row.get("url"), str) else None,
                published=published,
                source=_text(row.get("source")),
            )
        )
    if warn:
        repeated = sorted(i for i, n in Counter(it.id for it in items).items() if n > 1)
        if repeated:
            warn(
                f"{p}: {len(repeated)} id(s) used by more than one item (first: "
                f"{repeated[0]!r}); --decisions lines cannot tell those items apart"
            )
    return items


def _text(value: object) -> str:
    # a text field; null is empty, and a number (a headline "2024") is its digits
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


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
        stream = tuple(_window(items[last.index + 1 :], last.published, window))
        target = Target(event, seeds, stream)
        if target.on_topic:
            targets.append(target)
    targets.sort(key=lambda t: t.seeds[0].index)
    return targets


def with_full_seeds(targets: list[Target], full: list[StreamItem]) -> list[Target]:
    """The targets with their seeds' summaries and bodies back.

    For a stream loaded ``headline_only``: the story is added from full articles and
    followed on a feed that sends headlines only, as the service may see it.

    Args:
        targets: Targets of a headline-only stream.
        full: The same stream loaded with summaries and bodies (same order).

    Returns:
        The targets with full-text seeds and unchanged streams.
    """
    return [replace(t, seeds=tuple(full[s.index] for s in t.seeds)) for t in targets]


def _window(
    later: Iterable[StreamItem], last: datetime | None, window: timedelta
) -> Iterable[StreamItem]:
    for it in later:
        if last is None or it.published is None or it.published - last <= window:
            yield it
