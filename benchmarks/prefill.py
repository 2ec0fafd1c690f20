"""Benchmark fixtures: real news from the evaluation streams, and a store pre-filled fast.

Pre-filling uses bulk INSERTs through SQLAlchemy Core (setup only, never measured): the
store then holds N items as if the service had stored them, each with one judgement (the
real service writes one per story per item; one keeps a 1M-item store buildable in
minutes), plus stories, channel bindings, keyword subscriptions and developments. The
measured paths always go through the real ``Pipeline`` / ``Commands`` / ``SqlStore``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update

from benchmarks.common import STREAMS
from bot.model import DeliveryMode, FeedEntry, SeedDoc, Story
from bot.ports import Store
from storage.channels import query_key
from storage.counters import rebuild_story_counters
from storage.first_reports import recompute_first_reported
from storage.models import (
    DevelopmentItemRow,
    DevelopmentRow,
    DevelopmentUpdateRow,
    FeedRow,
    ItemRow,
    JudgementRow,
    StoryRow,
    SubscriptionRow,
)

BATCH = 5000
START = datetime(2026, 1, 1, tzinfo=UTC)
_WORD = re.compile(r"[a-z]{4,}")


def _date(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class NewsItem:
    """One item of a labelled stream."""

    event: str
    title: str
    summary: str
    content: str
    url: str | None
    published: datetime | None
    source: str


def load_stream(
    names: tuple[str, ...] = ("gva", "giveme5w1h", "giveme5w1h_developments"),
) -> list[NewsItem]:
    """Items of the streams, sorted by (published, file order); undated first."""
    items = []
    for name in names:
        with gzip.open(STREAMS / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                published = _date(d.get("published"))
                items.append(
                    NewsItem(
                        event=d["event"],
                        title=d.get("title") or "",
                        summary=d.get("summary") or "",
                        content=d.get("content") or "",
                        url=d.get("url"),
                        published=published,
                        source=d.get("source") or "unknown",
                    )
                )
    order = {id(x): i for i, x in enumerate(items)}
    items.sort(key=lambda x: (x.published is not None, x.published or START, order[id(x)]))
    return items


def pick_stories(
    stream: list[NewsItem], n: int, seeds_per_story: int = 4
) -> tuple[list[tuple[str, list[NewsItem]]], list[NewsItem]]:
    """``n`` events with the most items become stories (their first items are the seeds).

    Returns:
        ``([(event, seed items)], the rest of the stream in order)``.
    """
    counts = Counter(x.event for x in stream)
    events = [e for e, c in counts.most_common() if c > seeds_per_story + 2][:n]
    seeds: dict[str, list[NewsItem]] = defaultdict(list)
    rest = []
    for x in stream:
        if x.event in events and len(seeds[x.event]) < seeds_per_story:
            seeds[x.event].append(x)
        else:
            rest.append(x)
    return [(e, seeds[e]) for e in events], rest


def add_stories(
    store: Store, stories: list[tuple[str, list[NewsItem]]], now: datetime
) -> list[Story]:
    """Create the stories through the store (the real path) and bind a channel to each."""
    out = []
    for i, (event, seeds) in enumerate(stories):
        docs = [SeedDoc(s.title, s.content or s.summary, s.url, s.published) for s in seeds]
        story = store.add_story(f"story-{i}-{event}", seeds[0].title[:200], docs, now)
        store.bind(story.id, "console", f"channel-{i}", DeliveryMode.REALTIME, 24.0, now)
        out.append(story)
    return out


def entry_of(x: NewsItem, guid: str) -> FeedEntry:
    """The item as a feed would carry it, under a URL of its own.

    The streams hold the same URL more than once; a benchmark batch must not (the pipeline
    cannot yet take two entries of one fetch that resolve to the same stored item while a
    story is tracked: both are judged and the commit fails on the duplicate judgement).
    """
    url = None
    if x.url:
        url = f"{x.url}{'&' if '?' in x.url else '?'}bench={guid}"
    return FeedEntry(
        guid=guid,
        url=url,
        title=x.title,
        summary=x.summary,
        content=x.content,
        published=x.published,
    )


def vocabulary(stream: list[NewsItem], size: int = 10000, skip: int = 1000) -> list[str]:
    """Words of the stream for keyword subscriptions: ranks ``skip`` to ``skip + size``.

    The most frequent words are skipped: people subscribe to names, places and topics
    ("hokkaido", "ballistic"), not to "police" or "said", and a subscription on a word in
    every tenth item would make notices, not matching, the cost being measured.
    """
    counts: Counter[str] = Counter()
    for x in stream[:3000]:
        counts.update(set(_WORD.findall(f"{x.title} {x.content or x.summary}".lower())))
    # ties broken by the word: set order varies with the hash seed, and so would the
    # subscriptions (and the number of notices) from one run to the next
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, _ in ranked[skip : skip + size]]


def subscription_queries(words: list[str], n: int, rng: random.Random) -> Iterator[str]:
    """Plausible keyword queries: words, phrases, AND / OR / NOT."""
    for _ in range(n):
        a, b, c = rng.sample(words, 3)
        # Mostly two or more terms, as people narrow a subscription down to their topic.
        yield rng.choices(
            [
                a,
                f"{a} {b}",
                f'"{a} {b}"',
                f"{a} OR {b}",
                f"{a} AND NOT {b}",
                f"({a} OR {b}) AND {c}",
            ],
            weights=[1, 3, 2, 1, 1, 2],
        )[0]


def bulk_subscriptions(
    store: Any, queries: list[str], story_ids: list[int], rng: random.Random
) -> None:
    """Insert subscriptions, one user each; a quarter scoped to a story."""
    rows = [
        {
            "platform": "console",
            "user_id": f"user-{i}",
            "query": q,
            "query_key": query_key(q),  # as add_subscription stores it
            "story_id": rng.choice(story_ids) if story_ids and i % 4 == 0 else None,
            "channel_id": None,
            "created_at": START,
        }
        for i, q in enumerate(queries)
    ]
    _insert(store, SubscriptionRow, rows)


def _insert(store: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    with store.engine.begin() as conn:
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(model), rows[i : i + BATCH])


def feed_rows(urls: list[str], status: str = "ok", titled: bool = True) -> list[dict[str, Any]]:
    """Feed rows that are due now, for bulk inserts."""
    return [
        {
            "url": url,
            "title": f"Feed {i}" if titled else None,
            "status": status,
            "interval_s": 900,
            "next_poll_at": START,
            "last_polled_at": None,
            "last_ok_at": None,
            "error_count": 0,
            "last_error": None,
            "etag": None,
            "last_modified": None,
            "body_hash": None,
            "created_at": START,
        }
        for i, url in enumerate(urls)
    ]


def bulk_feeds(store: Any, n: int, url_prefix: str = "https://feeds.example/") -> list[int]:
    """Insert ``n`` feeds that are due now; returns their ids."""
    rows = feed_rows([f"{url_prefix}{i}" for i in range(n)])
    _insert(store, FeedRow, rows)
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM feeds ORDER BY id"))]


def bulk_items(
    store: Any,
    n: int,
    stream: list[NewsItem],
    story_ids: list[int],
    feed_ids: list[int],
    *,
    developments_per_story: int = 30,
    items_per_development: int = 20,
    on_topic_every: int = 20,
) -> None:
    """Insert ``n`` items (stream texts under distinct URLs), a judgement each, and developments.

    Item ``i`` is ``https://prefill.example/item/<i>``, judged for story ``i % len(story_ids)``;
    one in ``on_topic_every`` of each story's items is on-topic, and developments link some
    of those on-topic items.
    """
    with store.engine.connect() as conn:
        start_id = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM items")).scalar_one()
    dev_rows: list[dict[str, Any]] = []
    dev_items: list[tuple[int, int, int]] = []  # (story index, development number, item id)
    counters: dict[int, int] = defaultdict(int)
    with store.engine.begin() as conn:
        for lo in range(0, n, BATCH):
            items, judgements = [], []
            for i in range(lo, min(n, lo + BATCH)):
                x = stream[i % len(stream)]
                item_id = start_id + i + 1
                url = f"https://prefill.example/item/{i}"
                when = START + timedelta(seconds=30 * i)
                items.append(
                    {
                        "id": item_id,
                        "key": url,
                        "feed_id": feed_ids[i % len(feed_ids)] if feed_ids else None,
                        "url": url,
                        "canonical_url": url,
                        "title": x.title,
                        "summary": x.summary,
                        "content": x.content,
                        "published": x.published or when,
                        "fetched_at": when,
                        "updated_at": None,
                        "source": x.source,
                        "content_hash": hashlib.sha256(
                            f"{x.title}\n{x.content}\n{i}".encode()
                        ).hexdigest(),
                        "version": 1,
                    }
                )
                if story_ids:
                    s = i % len(story_ids)
                    on_topic = (i // len(story_ids)) % on_topic_every == 0
                    development = None
                    if on_topic and developments_per_story:
                        k = counters[s]
                        counters[s] += 1
                        number = 1 + (k // items_per_development) % developments_per_story
                        development = number
                        if k < developments_per_story * items_per_development:
                            dev_items.append((s, number, item_id))
                    judgements.append(
                        {
                            "story_id": story_ids[s],
                            "item_id": item_id,
                            "on_topic": on_topic,
                            "score": 0.4 if on_topic else 0.02,
                            "duplicate_of": None,
                            "development": development,
                            "new_development": False,
                            "reason": {
                                "score": 0.4 if on_topic else 0.02,
                                "threshold": 0.15,
                                "matched": ["prefill"],
                            },
                            "decided_at": when,
                        }
                    )
            conn.execute(insert(ItemRow), items)
            if judgements:
                conn.execute(insert(JudgementRow), judgements)
        if store.engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT MAX(id) FROM items))"
                )
            )
        # Developments (number 0, the seed story, is created by the pipeline on start).
        counted = dict(
            conn.execute(select(StoryRow.id, func.coalesce(StoryRow.development_seq, 0))).all()
        )
        for s, story_id in enumerate(story_ids):
            for number in range(1, developments_per_story + 1):
                dev_rows.append(
                    {
                        "story_id": story_id,
                        "number": number,
                        "headline": f"Development {number} of story {s}",
                        "summary": "A development that was reported by several outlets.",
                        "created_at": START + timedelta(hours=number),
                        "updated_at": START + timedelta(hours=number),
                        # commit order, as commit_decisions numbers them
                        "seq": counted.get(story_id, 0) + number,
                    }
                )
        if dev_rows:
            conn.execute(insert(DevelopmentRow), dev_rows)
            ids = {
                (r.story_id, r.number): r.id
                for r in conn.execute(text("SELECT id, story_id, number FROM developments"))
            }
            links = [
                {
                    "development_id": ids[(story_ids[s], number)],
                    "item_id": item_id,
                    "added_at": START,
                }
                for s, number, item_id in dev_items
            ]
            for i in range(0, len(links), BATCH):
                conn.execute(insert(DevelopmentItemRow), links[i : i + BATCH])
            # Each report after a development's first is a later commit's update of it,
            # every other one adding a fact (what digests and /story status tell), in
            # the stories' commit order of updates (storage.decisions)
            updates: list[dict[str, Any]] = []
            update_seq = dict.fromkeys(story_ids, 0)
            seen: set[tuple[int, int]] = set()
            for s, number, item_id in dev_items:
                if (s, number) not in seen:
                    seen.add((s, number))
                    continue
                update_seq[story_ids[s]] += 1
                updates.append(
                    {
                        "story_id": story_ids[s],
                        "development_id": ids[(story_ids[s], number)],
                        "item_id": item_id,
                        "seq": update_seq[story_ids[s]],
                        "reports": 1,
                        "fact": f"Outlet: fact {item_id}. [2]" if item_id % 2 else None,
                        "added_at": START,
                    }
                )
            for i in range(0, len(updates), BATCH):
                conn.execute(insert(DevelopmentUpdateRow), updates[i : i + BATCH])
            for story_id, last in update_seq.items():
                if last:
                    conn.execute(
                        update(StoryRow).where(StoryRow.id == story_id).values(update_seq=last)
                    )
            recompute_first_reported(conn)  # as commit_decisions keeps it
            # the stories' development counters go on from there (storage.decisions)
            conn.execute(
                update(StoryRow)
                .where(StoryRow.id.in_(story_ids))
                .values(
                    development_seq=func.coalesce(StoryRow.development_seq, 0)
                    + developments_per_story
                )
            )
        # The judgements went in behind the store's back: bring its counters up to date.
        rebuild_story_counters(conn)
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
