"""Build a labelled RSS evaluation stream from the real captured news feeds.

The labelled streams in ``shared/evaldata/streams`` are full-text articles; in production
storybot reads RSS: a headline plus a short summary. This script turns the world-news
feeds of the real-world feed corpus (``shared/evaldata/feeds/realworld/benchmark_data``,
captured 17-18 Feb 2026) into a stream in the evaldata format, labelled by hand in
``benchmarks/data/realworld_events.json`` (which also lists the feeds and the labelling
rules). The evaluation data is read in place and never copied into the project: the
stream is written wherever ``--out`` says, at run time.

Every entry of the listed feeds is in the stream, parsed by the poller's own code
(:func:`adapters.feeds.parse_feed`: title, summary cleaned of HTML, link, date). Entries
the labels name get their event; every other entry gets a singleton event of its own
(``rw-single-<n>``). An entry that appears twice in one feed (same link) is kept once.
A label that matches no entry is an error: the script stops and names it.

Usage::

    python -m benchmarks.realworld_stream --out /tmp/rw.jsonl
    storybot eval track --data /tmp/rw.jsonl --baseline --seeds 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapters.feeds import FeedParseError, parse_feed
from benchmarks.common import REALWORLD
from bot.model import FeedEntry

LABELS = Path(__file__).resolve().parent / "data" / "realworld_events.json"
INDEX_NAME = "DERIVED_benchmark_index.json"
MAX_ENTRIES = 500


class StreamError(Exception):
    """The stream cannot be built: missing data or a label that matches nothing."""


@dataclass(frozen=True)
class Built:
    """What :func:`build_stream` wrote."""

    items: int
    events: int
    labelled_items: int
    labelled_events: int
    feeds: int
    duplicates_dropped: int


def load_labels(path: Path = LABELS) -> dict[str, Any]:
    """The labels file as a dict (``feeds``, ``events``, ``unsure``)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _key(entry: FeedEntry) -> str:
    """The entry's identity within its feed: its link, else its guid, else its title."""
    return entry.url or entry.guid or entry.title


def read_feed(
    feed_id: str, realworld: Path, index: dict[str, dict]
) -> tuple[str, list[FeedEntry], int]:
    """Parse one captured feed as the poller does.

    Returns:
        ``(source, entries, duplicates_dropped)``: the feed's host (else its title), its
        entries in document order with repeated links dropped.
    """
    path = realworld / feed_id
    if not path.is_file():
        raise StreamError(f"feed {feed_id} listed in the labels is not in {realworld}")
    row = index.get(feed_id, {})
    base = row.get("link") or None
    try:
        title, entries, _, _ = parse_feed(path.read_bytes(), None, base, max_entries=MAX_ENTRIES)
    except FeedParseError as exc:
        raise StreamError(f"feed {feed_id} does not parse: {exc}") from exc
    source = urlsplit(base).hostname if base else None
    source = source or title or row.get("title") or feed_id
    seen: set[str] = set()
    kept = []
    for entry in entries:
        key = _key(entry)
        if key in seen:
            continue
        seen.add(key)
        kept.append(entry)
    return source, kept, len(entries) - len(kept)


def _label_map(labels: dict[str, Any]) -> dict[tuple[str, str], str]:
    """``(feed, link or guid) -> event`` for every labelled entry; duplicates are errors."""
    mapping: dict[tuple[str, str], str] = {}
    for event in labels["events"]:
        for item in event["items"]:
            key = (item["feed"], item["link"])
            if key in mapping:
                raise StreamError(
                    f"entry {key} is labelled twice ({mapping[key]} and {event['id']})"
                )
            mapping[key] = event["id"]
    return mapping


def _item_id(feed_id: str, key: str) -> str:
    return f"rw-{feed_id[:8]}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def build_rows(
    labels: dict[str, Any], realworld: Path = REALWORLD, *, drop_unsure: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """The stream's rows (evaldata format) and how many duplicate entries were dropped.

    Args:
        labels: The labels file (see :func:`load_labels`).
        realworld: The directory of captured feeds.
        drop_unsure: Leave out the entries listed as ``unsure`` (by default they are in
            the stream as singletons, like every unlabelled entry).

    Raises:
        StreamError: The data is missing, a feed does not parse, or a label matches no
            entry of its feed.
    """
    index_path = realworld.parent / INDEX_NAME
    if not realworld.is_dir() or not index_path.is_file():
        raise StreamError(
            f"the real-world feed corpus is not at {realworld} (expected ../shared/evaldata "
            "beside the repository, or STORYBOT_EVALDATA)"
        )
    index = {row["file"]: row for row in json.loads(index_path.read_text(encoding="utf-8"))}
    wanted = _label_map(labels)
    unsure = {(u["feed"], u["link"]) for u in labels.get("unsure", ())}
    found: set[tuple[str, str]] = set()
    found_unsure: set[tuple[str, str]] = set()
    rows: list[dict[str, Any]] = []
    dropped = 0
    singles = 0
    for feed_id in labels["feeds"]:
        source, entries, dups = read_feed(feed_id, realworld, index)
        dropped += dups
        for entry in entries:
            keys = [(feed_id, k) for k in (entry.url, entry.guid) if k]
            event = next((wanted[k] for k in keys if k in wanted), None)
            found.update(k for k in keys if k in wanted)
            found_unsure.update(k for k in keys if k in unsure)
            if event is None:
                if drop_unsure and any(k in unsure for k in keys):
                    continue
                singles += 1
                event = f"rw-single-{singles}"
            rows.append(
                {
                    "id": _item_id(feed_id, _key(entry)),
                    "event": event,
                    "title": entry.title,
                    "summary": entry.summary or None,
                    "content": None,
                    "url": entry.url,
                    "published": entry.published.isoformat() if entry.published else None,
                    "source": source,
                }
            )
    missing = sorted(set(wanted) - found)
    if missing:
        lines = "\n".join(f"  {wanted[k]}: feed {k[0]} entry {k[1]}" for k in missing)
        raise StreamError(f"{len(missing)} labelled entries match no entry of their feed:\n{lines}")
    stray = sorted(unsure - found_unsure)
    if stray:
        lines = "\n".join(f"  feed {k[0]} entry {k[1]}" for k in stray)
        raise StreamError(
            f"{len(stray)} unsure entries match no entry of an included feed:\n{lines}"
        )
    both = sorted(unsure & set(wanted))
    if both:
        raise StreamError(f"entries both labelled and unsure: {both}")
    return rows, dropped


def build_stream(
    out: Path,
    labels: dict[str, Any] | None = None,
    realworld: Path = REALWORLD,
    *,
    drop_unsure: bool = False,
) -> Built:
    """Write the labelled stream to ``out`` (JSON Lines) and say what it holds."""
    labels = labels if labels is not None else load_labels()
    rows, dropped = build_rows(labels, realworld, drop_unsure=drop_unsure)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    events = Counter(r["event"] for r in rows)
    labelled = {e["id"] for e in labels["events"]}
    return Built(
        items=len(rows),
        events=len(events),
        labelled_items=sum(n for e, n in events.items() if e in labelled),
        labelled_events=len(labelled),
        feeds=len(labels["feeds"]),
        duplicates_dropped=dropped,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="the stream to write (.jsonl)")
    ap.add_argument("--labels", type=Path, default=LABELS, help="the labels file")
    ap.add_argument(
        "--drop-unsure",
        action="store_true",
        help="leave out the entries the labels list as unsure (default: singletons)",
    )
    args = ap.parse_args(argv)
    try:
        labels = load_labels(args.labels)
    except (OSError, ValueError) as exc:
        print(
            f"realworld_stream: cannot read the labels file {args.labels}: {exc}", file=sys.stderr
        )
        return 2
    try:
        built = build_stream(args.out, labels, drop_unsure=args.drop_unsure)
    except StreamError as exc:
        print(f"realworld_stream: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {built.items} items, {built.events} events ({built.labelled_events} labelled "
        f"events with {built.labelled_items} items) from {built.feeds} feeds to {args.out}; "
        f"{built.duplicates_dropped} repeated entries dropped"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
