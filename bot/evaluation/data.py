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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path


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


def _parse_time(value: str | None) -> datetime | None:
    if not value or value in ("None", "null"):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def load_stream(path: str | Path, *, headline_only: bool = False) -> list[StreamItem]:
    """Read a JSON Lines stream (optionally gzipped) and sort it by the protocol.

    Args:
        path: The ``.jsonl`` or ``.jsonl.gz`` file.
        headline_only: Drop summary and content, keeping titles only.

    Returns:
        Items sorted by (published, file order), undated items first.
    """
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    rows = []
    with opener(p, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    keyed = []
    for order, row in enumerate(rows):
        published = _parse_time(row.get("published"))
        keyed.append((published is not None, published or _EPOCH, order, row, published))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    items = []
    for index, (_, _, _, row, published) in enumerate(keyed):
        items.append(
            StreamItem(
                index=index,
                id=str(row["id"]),
                event=str(row["event"]),
                title=row.get("title") or "",
                summary="" if headline_only else (row.get("summary") or ""),
                content="" if headline_only else (row.get("content") or ""),
                url=row.get("url"),
                published=published,
                source=row.get("source") or "",
            )
        )
    return items


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
