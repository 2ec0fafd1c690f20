"""Contract tests for ``bot.ports.Store``: each test runs on SQLite and on PostgreSQL.

The fixtures (``store_fixtures.py``, and ``clock`` from conftest) give every test an empty
migrated database and a hand-advanced clock; nothing sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, text
from store_builders import CHANNEL, DM, T0, message, new_item, seed, write

from bot.model import (
    Citation,
    Correction,
    DeliveryMode,
    FeedStatus,
    IngestOutcome,
    Judgement,
    MessageKind,
    PageWait,
    Subscription,
    Target,
)
from bot.ports import (
    AlreadySubscribed,
    Conflict,
    DeadDiscard,
    DeadRequeue,
    DevelopmentWrite,
    FollowBacklog,
    NotFound,
    OutboxWrite,
    PollOutcome,
    SubscriptionsFull,
)
from bot.subscriptions_gone import operator_removed, story_removed
from bot.validate import FEED_URL_MAX, feed_url_problem
from storage import SqlStore, open_store
from storage.counters import rebuild_story_counters
from storage.models import DevelopmentRow

pytest_plugins = ["store_fixtures"]  # fixtures: db_url, store, clock, pg_*


def _story(store: SqlStore, name: str = "s1"):
    return store.add_story(name, f"Title {name}", [seed(1), seed(2)], T0)


def _items(store: SqlStore, *numbers: int):
    return [store.ingest_item(new_item(n))[1] for n in numbers]


def _judge(story_id: int, item_id: int, **kw) -> Judgement:
    fields = {"story_id": story_id, "item_id": item_id, "on_topic": True, "score": 0.5}
    fields.update(kw)
    return Judgement(**fields)


def _assert_utc(*values) -> None:
    for value in values:
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0), value


# --------------------------------------------------------------------------- stories


def test_add_and_get_story(store):
    story = _story(store)
    assert story.id > 0
    assert story.name == "s1" and story.title == "Title s1"
    assert story.seeds == (seed(1), seed(2))
    assert story.created_at == T0
    _assert_utc(story.created_at, story.seeds[0].published)
    assert store.get_story("s1") == story
    assert store.get_story_by_id(story.id) == story
    assert store.list_stories() == [story]
    assert store.get_story("nope") is None
    assert store.get_story_by_id(story.id + 100) is None


def test_duplicate_story_name_is_a_conflict(store):
    _story(store)
    with pytest.raises(Conflict, match="s1"):
        _story(store)
    assert len(store.list_stories()) == 1


def test_list_stories_in_creation_order(store):
    names = ["zeta", "alpha", "mid"]
    for name in names:
        _story(store, name)
    assert [s.name for s in store.list_stories()] == names


def test_remove_story_removes_what_hangs_off_it(store, clock):
    story = _story(store)
    other = _story(store, "s2")
    (item,) = _items(store, 1)
    store.commit_decisions(
        [_judge(story.id, item.id, development=1), _judge(other.id, item.id)],
        [DevelopmentWrite(story.id, 1, "H", "S", (item.id,))],
        {story.id: {"k": 1}},
        [],
        clock.now(),
    )
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    store.add_subscription("slack", "U1", "drones", story.id, clock.now())
    store.add_subscription("slack", "U1", "anything", None, clock.now())

    assert store.remove_story("s1") is True
    assert store.remove_story("s1") is False
    assert store.get_story("s1") is None
    assert store.load_engine_state(story.id) is None
    assert store.list_developments(story.id) == []
    assert store.bindings_for_story(story.id) == []
    assert [s.query for s in store.list_subscriptions("slack", "U1")] == ["anything"]
    assert [d.judgement.story_id for d in store.decisions_for_item(item.id)] == [other.id]
    assert store.get_item(item.id) == item


def test_the_stream_statistics_have_a_row_of_their_own(store, clock):
    # every story weighs with one table: a commit stores it once, in no story's state,
    # and removing stories (even every one) leaves it as the last commit stored it
    first, second = _story(store, "s1"), _story(store, "s2")
    assert store.load_stream() is None
    assert store.load_dated_stream() is None
    older, later = {"n_docs": 3, "df": {"a": 3}}, {"n_docs": 5, "df": {"a": 4, "ü": 1}}
    store.commit_decisions(
        [], [], {first.id: {"k": 1}, second.id: {"k": 2}}, [], clock.now(), stream=older
    )
    assert store.load_stream() == older
    store.commit_decisions([], [], {second.id: {"k": 3}}, [], clock.advance(60), stream=later)
    assert store.load_stream() == later
    assert store.load_engine_state(first.id) == {"k": 1}
    assert store.load_engine_state(second.id) == {"k": 3}
    store.commit_decisions([], [], {first.id: {"k": 4}}, [], clock.now())  # none given: kept
    assert store.load_stream() == later

    assert store.remove_story("s1") is True
    assert store.remove_story("s2") is True
    assert store.load_stream() == later
    # with the time of the commit that stored it (a worker reads the items stored since)
    assert store.load_dated_stream() == (later, clock.now())


def test_the_stream_statistics_are_stored_with_the_decisions_or_not_at_all(store, clock):
    story = _story(store)
    (item,) = _items(store, 1)
    store.commit_decisions([_judge(story.id, item.id)], [], {}, [], clock.now(), stream={"n": 1})
    with pytest.raises(Conflict):  # the same pair judged twice: nothing of the batch
        store.commit_decisions(
            [_judge(story.id, item.id)], [], {}, [], clock.now(), stream={"n": 2}
        )
    assert store.load_stream() == {"n": 1}


def test_two_commits_storing_the_first_stream_statistics_at_once_both_succeed(store, clock):
    """The row does not exist until a commit stores it: a second commit that reaches it
    while the first has inserted it, not yet committed, waits and replaces it (an
    update-else-insert would find no row, then fail on the key: a judging job lost)."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: there is no overlap")
    from storage.decisions import write_stream

    errors: list[BaseException] = []

    def commit() -> None:
        try:
            store.commit_decisions([], [], {}, [], clock.now(), stream={"n": 2})
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    second = threading.Thread(target=commit)
    with store._write() as session:  # the first commit, just before it commits
        write_stream(session, {"n": 1}, clock.now())
        session.flush()
        second.start()
        assert _lock_waits(store, second, "%engine_stream%") == 1
    second.join()
    assert errors == []
    assert store.load_stream() == {"n": 2}


def test_judged_item_ids_names_the_items_some_story_judged(store, clock):
    story = _story(store)
    other = _story(store, "s2")
    items = _items(store, 1, 2, 3, 4)
    store.commit_decisions(
        [
            _judge(story.id, items[0].id),
            _judge(other.id, items[0].id),
            _judge(other.id, items[2].id),
        ],
        [],
        {},
        [],
        clock.now(),
    )

    asked = [it.id for it in items] + [items[2].id, 10_000]  # repeated, and unknown
    assert store.judged_item_ids(asked) == {items[0].id, items[2].id}
    assert store.judged_item_ids([]) == set()
    # more ids than one IN list takes (500 a chunk): the judged ones sort into the third
    many = list(range(-1_200, 0)) + asked
    assert store.judged_item_ids(many) == {items[0].id, items[2].id}


def test_remove_story_drops_its_unsent_channel_messages_and_keeps_the_sent_ones(store, clock):
    story, other = _story(store), _story(store, "s2")
    binding = store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, 24, clock.now())
    store.bind(other.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    store.enqueue(
        [
            write(f"alert:{story.id}:1:slack:C1"),  # not posted yet
            write(f"alert:{story.id}:2:slack:C1"),  # posted, then an edit waits
            write(f"alert:{story.id}:3:slack:C1"),  # posted, nothing waits
            write(f"digest:{binding.id}:start"),
            write(f"alert:{other.id}:1:slack:C1"),  # another story's
            write("notice:slack:U1:7", DM),  # a keyword DM: not the story's
        ],
        clock.now(),
    )
    for key in (f"alert:{story.id}:2:slack:C1", f"alert:{story.id}:3:slack:C1"):
        entry = store.get_outbox(key)
        store.mark_delivered(entry.id, entry.version, "m1", clock.now())
    store.enqueue([write(f"alert:{story.id}:2:slack:C1", title="Edited")], clock.now())

    assert store.remove_story("s1") is True

    kept = {k for k in (e.key for e in store.due_outbox(clock.now() + timedelta(days=1), 50))}
    assert kept == {f"alert:{other.id}:1:slack:C1", "notice:slack:U1:7"}
    assert store.get_outbox(f"alert:{story.id}:3:slack:C1") is not None, "sent: kept"
    posted = store.get_outbox(f"alert:{story.id}:2:slack:C1")
    assert (posted.message_id, posted.version, posted.delivered_version) == ("m1", 2, 2), (
        "posted: kept as the record, its edit cancelled"
    )
    assert store.get_outbox(f"alert:{story.id}:1:slack:C1") is None
    assert store.get_outbox(f"digest:{binding.id}:start") is None


# --------------------------------------------------------------------------- feeds


def test_add_feed_is_due_at_once(store, clock):
    feed = store.add_feed("https://a.example/rss", clock.now(), interval_s=600)
    assert feed.status is FeedStatus.NEW
    assert feed.next_poll_at == clock.now()
    assert feed.interval_s == 600
    assert feed.title is None and feed.error_count == 0 and feed.last_polled_at is None
    assert store.get_feed("https://a.example/rss") == feed
    assert store.get_feed_by_id(feed.id) == feed
    assert store.list_feeds() == [feed]
    assert store.due_feeds(clock.now()) == [feed]


@pytest.mark.parametrize("feed_id", [0, -1, 2**31, 10**18])
def test_a_feed_id_no_feed_can_have_names_none(store, clock, feed_id):
    """``/story feeds remove #99999999999`` answered "Sorry, something went wrong" on
    PostgreSQL: the id was beyond its 32-bit column ("integer out of range")."""
    store.add_feed("https://a.example/rss", clock.now())
    assert store.get_feed_by_id(feed_id) is None


def test_set_feed_interval_changes_the_interval_not_the_next_poll(store, clock):
    feed = store.add_feed("https://a.example/rss", clock.now(), interval_s=600)
    changed = store.set_feed_interval("https://a.example/rss", 3600)
    assert changed == replace(feed, interval_s=3600)
    assert store.get_feed("https://a.example/rss") == changed
    assert store.set_feed_interval("https://b.example/rss", 60) is None


def test_duplicate_feed_url_is_a_conflict(store, clock):
    store.add_feed("https://a.example/rss", clock.now())
    with pytest.raises(Conflict, match="a.example"):
        store.add_feed("https://a.example/rss", clock.now())


def _wide_url(n: int) -> str:
    """A feed URL whose path is ``n`` CJK characters (3 bytes each in UTF-8), in an order
    no compression shortens."""
    return "https://news.example/" + "".join(chr(0x4E00 + k * 7919 % 20_000) for k in range(n))


def test_every_feed_url_taken_is_stored_and_found(store, clock):
    # feeds.url has a unique index, and PostgreSQL refuses a B-tree entry over about
    # 2.7 kB. 2,000 CJK characters passed the rule of 2,048 characters, and `storybot
    # feeds add` then failed on PostgreSQL with a traceback ("index row size 6040 exceeds
    # btree version 4 maximum 2704 for index "uq_feeds_url""); SQLite stored it.
    wide = _wide_url(2_000)
    assert len(wide) <= FEED_URL_MAX
    problem = feed_url_problem(wide)
    assert problem is not None and f"longer than {FEED_URL_MAX} bytes in UTF-8" in problem
    taken = [n for n in range(800) if feed_url_problem(_wide_url(n)) is None]
    longest = _wide_url(taken[-1])
    assert len(longest.encode()) > FEED_URL_MAX - 3  # as long as the rule lets it be
    feed = store.add_feed(longest, clock.now())
    assert store.get_feed(longest) == feed and feed.url == longest
    with pytest.raises(Conflict):
        store.add_feed(longest, clock.now())
    assert store.remove_feed(longest) and store.list_feeds() == []


def test_remove_feed_keeps_its_items(store, clock):
    feed = store.add_feed("https://a.example/rss", clock.now())
    _, item = store.ingest_item(new_item(1, feed_id=feed.id))
    assert item.feed_id == feed.id
    assert store.remove_feed(feed.url) is True
    assert store.remove_feed(feed.url) is False
    assert store.get_feed(feed.url) is None
    assert store.get_feed_by_id(feed.id) is None
    assert store.get_item(item.id).feed_id is None


def test_due_feeds_order_boundary_and_limit(store, clock):
    now = clock.now()
    late = store.add_feed("https://late.example", now + timedelta(minutes=10))
    b = store.add_feed("https://b.example", now - timedelta(minutes=1))
    a = store.add_feed("https://a.example", now - timedelta(minutes=5))
    exact = store.add_feed("https://exact.example", now)
    assert [f.id for f in store.due_feeds(now)] == [a.id, b.id, exact.id]
    assert [f.id for f in store.due_feeds(now, limit=2)] == [a.id, b.id]
    clock.advance(minutes=10)
    assert [f.id for f in store.due_feeds(clock.now())][-1] == late.id


def test_a_feed_polled_by_a_clock_since_set_back_is_due(store, clock):
    right = clock.now()
    feed = store.add_feed("https://a.example/rss", right)
    ahead = right + timedelta(hours=1)  # recorded by a clock an hour fast
    store.record_poll(
        PollOutcome(
            feed_id=feed.id,
            status=FeedStatus.OK,
            polled_at=ahead,
            next_poll_at=ahead + timedelta(seconds=900),
            error_count=0,
            last_error=None,
            etag=None,
            last_modified=None,
            body_hash=None,
        )
    )
    assert [f.id for f in store.due_feeds(right)] == [feed.id]
    # a clock a little off is no clock set back: the feed waits for its next poll
    assert store.due_feeds(ahead - timedelta(seconds=30)) == []
    assert store.due_feeds(ahead) == []


def test_record_poll_ok_then_error(store, clock):
    feed = store.add_feed("https://a.example/rss", clock.now())
    polled = clock.advance(seconds=3)
    store.record_poll(
        PollOutcome(
            feed_id=feed.id,
            status=FeedStatus.OK,
            polled_at=polled,
            next_poll_at=polled + timedelta(seconds=900),
            error_count=0,
            last_error=None,
            etag='"abc"',
            last_modified="Wed, 04 Mar 2026 10:00:00 GMT",
            body_hash="bh1",
            title="A News",
        )
    )
    got = store.get_feed_by_id(feed.id)
    assert got.status is FeedStatus.OK
    assert (got.last_polled_at, got.last_ok_at) == (polled, polled)
    assert got.next_poll_at == polled + timedelta(seconds=900)
    assert (got.etag, got.last_modified, got.body_hash, got.title) == (
        '"abc"',
        "Wed, 04 Mar 2026 10:00:00 GMT",
        "bh1",
        "A News",
    )
    assert store.due_feeds(polled) == []

    failed = clock.advance(seconds=900)
    store.record_poll(
        PollOutcome(
            feed_id=feed.id,
            status=FeedStatus.ERROR,
            polled_at=failed,
            next_poll_at=failed + timedelta(seconds=1800),
            error_count=1,
            last_error="HTTP 500 from a.example",
            etag='"abc"',
            last_modified=None,
            body_hash="bh1",
        )
    )
    got = store.get_feed_by_id(feed.id)
    assert got.status is FeedStatus.ERROR
    assert got.last_polled_at == failed and got.last_ok_at == polled
    assert (got.error_count, got.last_error) == (1, "HTTP 500 from a.example")
    assert got.title == "A News"  # None keeps the known title
    assert got.last_modified is None


def test_a_feed_moved_permanently_is_kept_until_a_poll_clears_it(store, clock):
    # what /story feeds and status read to tell the admins a feed's URL redirects
    # permanently; each poll's outcome says it again, so one without clears it
    feed = store.add_feed("https://a.example/rss", clock.now())
    other = store.add_feed("https://b.example/rss", clock.now())
    new = "https://news.example/feeds/a.xml"

    def poll(moved_to: str | None) -> None:
        now = clock.advance(seconds=900)
        store.record_polls(
            [
                PollOutcome(feed.id, FeedStatus.OK, now, now, 0, None, None, None, None),
                PollOutcome(other.id, FeedStatus.OK, now, now, 0, None, None, None, None),
            ]
        )
        store.record_poll(
            PollOutcome(feed.id, FeedStatus.OK, now, now, 0, None, None, None, None, None, moved_to)
        )

    poll(new)
    assert store.get_feed_by_id(feed.id).moved_to == new
    assert [(f.id, f.moved_to) for f in store.moved_feeds()] == [(feed.id, new)]
    assert store.get_feed_by_id(other.id).moved_to is None
    poll(None)
    assert store.get_feed_by_id(feed.id).moved_to is None
    assert store.moved_feeds() == []


def test_a_feed_read_in_part_is_kept_until_a_poll_clears_it(store, clock):
    # what /story feeds, storybot feeds list and health read to tell the operator that
    # a feed's last read lost the entries past its parser's bounds
    feed = store.add_feed("https://a.example/rss", clock.now())
    other = store.add_feed("https://b.example/rss", clock.now())
    part = "the first 2.0 MiB of 3.4 MiB (XML the fast parser cannot read; ...)"

    def poll(read_in_part: str | None) -> None:
        now = clock.advance(seconds=900)
        outcome = PollOutcome(feed.id, FeedStatus.OK, now, now, 0, None, None, None, None)
        store.record_polls(
            [
                replace(outcome, read_in_part=read_in_part),
                PollOutcome(other.id, FeedStatus.OK, now, now, 0, None, None, None, None),
            ]
        )

    assert store.get_feed_by_id(feed.id).read_in_part is None
    assert store.feeds_read_in_part() == []
    poll(part)
    assert store.get_feed_by_id(feed.id).read_in_part == part
    assert [(f.id, f.read_in_part) for f in store.feeds_read_in_part()] == [(feed.id, part)]
    assert [(f.id, f.read_in_part) for f in store.list_feeds()] == [
        (feed.id, part),
        (other.id, None),
    ]
    poll(None)
    assert store.get_feed_by_id(feed.id).read_in_part is None
    assert store.feeds_read_in_part() == []


def test_record_poll_of_a_removed_feed_is_ignored(store, clock):
    feed = store.add_feed("https://a.example/rss", clock.now())
    store.remove_feed(feed.url)
    store.record_poll(
        PollOutcome(feed.id, FeedStatus.OK, clock.now(), clock.now(), 0, None, None, None, None)
    )
    assert store.list_feeds() == []


# --------------------------------------------------------------------------- items


def test_ingest_new_then_seen_by_key(store):
    outcome, item = store.ingest_item(new_item(1))
    assert outcome is IngestOutcome.NEW
    assert item.id > 0 and item.version == 1 and item.key == "k1"
    assert item.fetched_at == T0 and item.published == T0 - timedelta(minutes=5)
    _assert_utc(item.fetched_at, item.published)
    outcome, again = store.ingest_item(new_item(1, at=T0 + timedelta(hours=1)))
    assert outcome is IngestOutcome.SEEN
    assert again == item
    assert store.count_items() == 1


def test_ingest_dedups_by_canonical_url(store):
    _, first = store.ingest_item(new_item(1))
    outcome, same = store.ingest_item(new_item(1, key="other-guid", url="https://m.news.example/1"))
    assert outcome is IngestOutcome.SEEN
    assert same.id == first.id and same.key == "k1"
    assert store.count_items() == 1


HOME = "https://news.example/"


def test_items_a_feed_lists_under_one_shared_link_are_found_by_key_only(store, clock):
    feed = store.add_feed("https://news.example/rss", clock.now())
    listing = [
        new_item(n, feed_id=feed.id, url=f"{HOME}#{n}", canonical_url=HOME, shared_link=True)
        for n in (1, 2, 3)
    ]
    first = store.ingest_items(listing)
    assert [outcome for outcome, _ in first] == [IngestOutcome.NEW] * 3
    assert [item.title for _, item in first] == ["Title 1", "Title 2", "Title 3"]
    assert [item.version for _, item in first] == [1, 1, 1]

    # listed again, newest first, one of them edited: each is its own row still
    again = store.ingest_items([replace(listing[2], content_hash="h3b"), *listing[1::-1]])
    assert [(o, i.id) for o, i in again] == [
        (IngestOutcome.UPDATED, first[2][1].id),
        (IngestOutcome.SEEN, first[1][1].id),
        (IngestOutcome.SEEN, first[0][1].id),
    ]
    assert store.count_items() == 3


def test_a_link_two_stored_items_hold_finds_neither(store, clock):
    feed = store.add_feed("https://news.example/rss", clock.now())
    other = store.add_feed("https://other.example/rss", clock.now())
    for n in (1, 2):
        store.ingest_item(new_item(n, feed_id=feed.id, canonical_url=HOME, shared_link=True))
    # the feed, now listing one entry under that link, or another feed linking there
    for item in (
        new_item(3, feed_id=feed.id, canonical_url=HOME),
        new_item(4, feed_id=other.id, canonical_url=HOME),
    ):
        assert store.ingest_item(item)[0] is IngestOutcome.NEW
    assert store.count_items() == 4
    # in one batch alike: the second row holding a link takes it from the first
    batch = store.ingest_items(
        [
            new_item(5, feed_id=feed.id),
            new_item(6, feed_id=feed.id, canonical_url="https://news.example/5", shared_link=True),
            new_item(7, feed_id=other.id, canonical_url="https://news.example/5"),
        ]
    )
    assert [outcome for outcome, _ in batch] == [IngestOutcome.NEW] * 3


def test_a_poll_of_items_under_one_shared_link_does_not_read_the_rows_holding_it(store, clock):
    # A feed linking every entry to its home page piles up rows holding that link (10,000
    # after months): a poll whose entries are all marked shared_link finds them by key and
    # has no use for a URL lookup that reads (counts) every one of those rows.
    feed = store.add_feed("https://news.example/rss", clock.now())
    listing = [
        new_item(n, feed_id=feed.id, canonical_url=HOME, shared_link=True) for n in range(1, 31)
    ]
    store.ingest_items(listing)
    statements: list[str] = []

    def capture(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        again = store.ingest_items(
            [*listing[:3], new_item(31, feed_id=feed.id, canonical_url=HOME, shared_link=True)]
        )
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert [o for o, _ in again] == [IngestOutcome.SEEN] * 3 + [IngestOutcome.NEW]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "canonical_url IN" in s or "canonical_url =" in s], reads
    # an entry alone under the link still has it looked up: 31 rows hold it, none is it
    alone = store.ingest_item(new_item(32, feed_id=feed.id, canonical_url=HOME))
    assert alone[0] is IngestOutcome.NEW


def test_a_link_one_stored_item_holds_still_finds_it_under_another_guid(store, clock):
    feed = store.add_feed("https://news.example/rss", clock.now())
    other = store.add_feed("https://other.example/rss", clock.now())
    _, stored = store.ingest_item(new_item(1, feed_id=feed.id))
    # the same article through another feed, and in its own feed under a new guid
    assert store.ingest_item(new_item(1, key="other-guid", feed_id=other.id))[0] is (
        IngestOutcome.SEEN
    )
    outcome, updated = store.ingest_item(
        new_item(1, key="new-guid", feed_id=feed.id, content_hash="h1b")
    )
    assert (outcome, updated.id, updated.key) == (IngestOutcome.UPDATED, stored.id, "k1")
    assert store.count_items() == 1


def test_items_merged_into_one_row_before_keep_it_and_the_others_are_new(store, clock):
    # Stored by the code before shared links: three entries under one home-page link were
    # one row, under the first key, holding the last one's text (after 2 updates).
    feed = store.add_feed("https://news.example/rss", clock.now())
    listing = [new_item(n, feed_id=feed.id, canonical_url=HOME) for n in (1, 2, 3)]
    old = store.ingest_items(listing)
    assert [o for o, _ in old] == [IngestOutcome.NEW, IngestOutcome.UPDATED, IngestOutcome.UPDATED]
    merged = old[-1][1]
    assert (merged.key, merged.title, merged.version) == ("k1", "Title 3", 3)

    # the upgraded poller marks the link shared: k1's row is found by its key, not lost
    now = store.ingest_items([replace(item, shared_link=True) for item in listing])
    assert [(o, i.key) for o, i in now] == [
        (IngestOutcome.UPDATED, "k1"),  # back to its own text, once
        (IngestOutcome.NEW, "k2"),
        (IngestOutcome.NEW, "k3"),
    ]
    assert now[0][1].id == merged.id and now[0][1].title == "Title 1"
    later = store.ingest_items([replace(item, shared_link=True) for item in listing])
    assert [o for o, _ in later] == [IngestOutcome.SEEN] * 3


def test_another_feeds_entry_with_the_same_link_does_not_rewrite_the_item(store, clock):
    outlet = store.add_feed("https://outlet.example/rss", clock.now())
    roundup = store.add_feed("https://aggregator.example/rss", clock.now())
    _, first = store.ingest_item(new_item(1, key="outlet-1", feed_id=outlet.id))
    # the aggregator links its roundup to the outlet's article, under its own words
    outcome, seen = store.ingest_item(
        new_item(
            1,
            key="roundup-9",
            feed_id=roundup.id,
            title="Tech roundup: five things to know today",
            content="A phone, a bakery and an award.",
            content_hash="h-roundup",
            source="Aggregator",
        )
    )
    assert outcome is IngestOutcome.SEEN
    assert store.get_item(first.id) == first == seen
    # the outlet's own feed still updates it, under another guid too
    outcome, updated = store.ingest_item(
        new_item(
            1, key="outlet-1b", feed_id=outlet.id, title="Title 1 (updated)", content_hash="h2"
        )
    )
    assert (outcome, updated.id, updated.title) == (
        IngestOutcome.UPDATED,
        first.id,
        "Title 1 (updated)",
    )


def test_an_entry_keyed_by_its_link_in_another_feed_does_not_rewrite_the_item(store, clock):
    # entries without a guid (or with a web address as guid) share their key across feeds
    outlet = store.add_feed("https://outlet.example/rss", clock.now())
    roundup = store.add_feed("https://aggregator.example/rss", clock.now())
    _, first = store.ingest_item(new_item(1, key="url:news.example/1", feed_id=outlet.id))
    outcome, _ = store.ingest_item(
        new_item(
            1, key="url:news.example/1", feed_id=roundup.id, title="Roundup", content_hash="h9"
        )
    )
    assert outcome is IngestOutcome.SEEN and store.get_item(first.id) == first


def test_items_of_a_feed_removed_while_it_was_polled_are_not_stored(store, clock):
    # `feeds remove` (or /story feeds remove) while the feed's fetch was in flight: its
    # items' foreign key failed the whole transaction, and the poll cycle with it
    kept = store.add_feed("https://kept.example/rss", clock.now())
    gone = store.add_feed("https://gone.example/rss", clock.now())
    store.remove_feed(gone.url)
    stored = store.ingest_items([new_item(1, feed_id=gone.id), new_item(2, feed_id=gone.id)])
    assert stored == [] and store.count_items() == 0
    stored = store.ingest_items([new_item(3, feed_id=kept.id)])
    assert [(outcome, item.title) for outcome, item in stored] == [(IngestOutcome.NEW, "Title 3")]


def test_a_feed_removed_and_added_again_still_updates_its_items_and_adopts_them(store, clock):
    url = "https://outlet.example/rss"
    old = store.add_feed(url, clock.now())
    _, first = store.ingest_item(new_item(1, key=f"feed:{old.id}:guid:1", feed_id=old.id))
    store.remove_feed(url)
    new = store.add_feed(url, clock.now())
    assert store.get_item(first.id).feed_id is None
    correction = new_item(
        1, key=f"feed:{new.id}:guid:1", feed_id=new.id, title="Corrected", content_hash="h2"
    )
    outcome, updated = store.ingest_item(correction)
    assert (outcome, updated.id, updated.title) == (IngestOutcome.UPDATED, first.id, "Corrected")
    assert updated.feed_id == new.id == store.get_item(first.id).feed_id
    # and from then on another feed's entry with its link is another feed's again
    other = store.add_feed("https://aggregator.example/rss", clock.now())
    outcome, _ = store.ingest_item(
        new_item(1, key="roundup", feed_id=other.id, title="Roundup", content_hash="h3")
    )
    assert outcome is IngestOutcome.SEEN


def test_ingest_without_canonical_url_only_matches_key(store):
    store.ingest_item(new_item(1, canonical_url=None))
    outcome, _ = store.ingest_item(new_item(1, key="k1b", canonical_url=None))
    assert outcome is IngestOutcome.NEW
    assert store.count_items() == 2


def test_ingest_detects_updates(store):
    _, first = store.ingest_item(new_item(1))
    later = T0 + timedelta(hours=2)
    outcome, updated = store.ingest_item(
        new_item(1, at=later, title="Title 1 (updated)", content="More", content_hash="h1b")
    )
    assert outcome is IngestOutcome.UPDATED
    assert updated.id == first.id
    assert updated.version == 2
    assert (updated.title, updated.content, updated.content_hash) == (
        "Title 1 (updated)",
        "More",
        "h1b",
    )
    assert updated.fetched_at == T0  # first seen
    assert store.get_item(first.id) == updated
    # The same text again is SEEN at the new version; a change via canonical URL bumps again.
    assert store.ingest_item(new_item(1, content_hash="h1b"))[0] is IngestOutcome.SEEN
    outcome, third = store.ingest_item(new_item(1, key="k-other", content_hash="h1c"))
    assert (outcome, third.id, third.version) == (IngestOutcome.UPDATED, first.id, 3)


def test_ingest_converts_other_timezones_to_utc(store):
    plus_two = timezone(timedelta(hours=2))
    local = T0.astimezone(plus_two)
    _, item = store.ingest_item(new_item(1, at=local, published=local))
    got = store.get_item(item.id)
    assert got.fetched_at == T0 and got.published == T0
    _assert_utc(got.fetched_at, got.published)


def test_very_long_keys_and_urls(store):
    long_url = "https://news.example/" + "a" * 5000
    long_key = "guid:" + "é" * 3000
    item = new_item(1, key=long_key, url=long_url + "?x", canonical_url=long_url)
    outcome, stored = store.ingest_item(item)
    assert outcome is IngestOutcome.NEW
    assert stored.key.startswith("sha256:") and len(stored.key) < 100
    assert store.ingest_item(item)[0] is IngestOutcome.SEEN
    assert store.ingest_item(new_item(1, key=long_key, canonical_url=None))[0] is (
        IngestOutcome.SEEN
    )
    assert store.find_item_by_url(long_url) == stored
    assert store.find_item_by_url(long_url + "?x") == stored


def test_get_and_find_items(store):
    _, a = store.ingest_item(new_item(1))
    _, b = store.ingest_item(new_item(2, canonical_url=None))
    assert store.get_item(a.id) == a
    assert store.get_item(a.id + 1000) is None
    assert store.find_item_by_url("https://news.example/1?utm=x") == a
    assert store.find_item_by_url("https://news.example/1") == a
    assert store.find_item_by_url("https://news.example/2?utm=x") == b
    assert store.find_item_by_url("https://news.example/3") is None
    assert store.count_items() == 2


def test_find_items_by_url_gives_every_item_a_shared_link_names_newest_first(store):
    home = "https://news.example/"
    stored = [
        store.ingest_item(new_item(n, url=f"{home}#{n}", canonical_url=home, shared_link=True))[1]
        for n in (1, 2, 3)
    ]
    _, alone = store.ingest_item(new_item(4))
    assert store.find_items_by_url(home, 5) == stored[::-1]  # by canonical URL
    assert store.find_items_by_url(home, 2) == stored[:0:-1]
    assert store.find_items_by_url(f"{home}#2", 5) == [stored[1]]  # exact URL first
    assert store.find_items_by_url("https://news.example/4", 5) == [alone]
    assert store.find_items_by_url("https://news.example/5", 5) == []


# --------------------------------------------------------------------------- page texts

PAGE = "The main text of the linked page, read because the feed gave no body at all."


def test_a_saved_page_text_is_the_text_of_a_headline_only_item(store):
    _, bare = store.ingest_item(new_item(1, summary="Read more", content=""))
    body = "A feed body of its own, long enough to be read as the item's text."
    _, full = store.ingest_item(new_item(2, content=body))
    assert bare.page_text == "" and bare.text == "Read more"  # not read yet
    store.save_page_texts({bare.id: PAGE, full.id: "Its page."})

    got = store.get_item(bare.id)
    assert got == replace(bare, page_text=PAGE)
    assert got.text == PAGE  # the feed gave no body: the page's text instead
    assert store.get_items([full.id, bare.id]) == [
        replace(full, page_text="Its page."),
        got,
    ]
    assert store.get_items([full.id])[0].text == body  # a feed body comes first
    assert store.find_item_by_url("https://news.example/1?utm=x") == got
    assert store.find_item_by_url("https://news.example/1") == got
    store.save_page_texts({bare.id: "Read again."})  # a later read replaces it
    assert store.get_item(bare.id).page_text == "Read again."


def test_saving_page_texts_skips_unknown_ids_and_does_nothing_when_empty(store):
    _, item = store.ingest_item(new_item(1))
    store.save_page_texts({item.id + 1000: "Nobody's page.", item.id: PAGE})
    assert store.get_item(item.id).page_text == PAGE
    assert store.count_items() == 1

    statements: list[str] = []

    def capture(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        store.save_page_texts({})
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert statements == []
    assert store.get_item(item.id).page_text == PAGE


def test_a_repoll_of_the_same_entry_keeps_the_page_text(store):
    _, item = store.ingest_item(new_item(1))
    store.save_page_texts({item.id: PAGE})
    later = T0 + timedelta(hours=1)
    outcome, again = store.ingest_item(new_item(1, at=later))
    assert (outcome, again) == (IngestOutcome.SEEN, replace(item, page_text=PAGE))
    # A copy under another guid (found by canonical URL), and a batch, are SEEN alike.
    results = store.ingest_items([new_item(1, key="k1-mirror", at=later), new_item(1, at=later)])
    assert [(o, i.page_text) for o, i in results] == [(IngestOutcome.SEEN, PAGE)] * 2
    assert store.get_item(item.id).page_text == PAGE


def test_an_update_that_keeps_the_items_links_keeps_the_page_text(store):
    _, item = store.ingest_item(new_item(1))
    store.save_page_texts({item.id: PAGE})
    outcome, updated = store.ingest_item(new_item(1, title="Title 1 (updated)", content_hash="h1b"))
    assert (outcome, updated.version, updated.title) == (
        IngestOutcome.UPDATED,
        2,
        "Title 1 (updated)",
    )
    assert updated.page_text == PAGE
    # The entry's link moved, or a copy from another feed links elsewhere: the item keeps
    # its first links (an update only fills in a missing one), so it keeps the page too.
    for entry in (
        new_item(1, url="https://news.example/1-new-slug", content_hash="h1c"),
        new_item(1, key="k1-mirror", url="https://m.news.example/1", content_hash="h1d"),
    ):
        outcome, updated = store.ingest_item(entry)
        assert outcome is IngestOutcome.UPDATED
        assert (updated.url, updated.canonical_url) == (item.url, item.canonical_url)
        assert updated.page_text == PAGE
    assert store.get_item(item.id) == updated


def test_an_update_that_changes_the_items_links_clears_the_page_text(store):
    # Entries stored without a link (or without a canonical one) that gain it in an update.
    _, linkless = store.ingest_item(new_item(1, url=None, canonical_url=None))
    _, uncanonical = store.ingest_item(new_item(2, canonical_url=None))
    store.save_page_texts({linkless.id: PAGE, uncanonical.id: PAGE})

    outcome, updated = store.ingest_item(new_item(1, content_hash="h1b"))
    assert outcome is IngestOutcome.UPDATED
    assert updated.url == "https://news.example/1?utm=x" and updated.page_text == ""
    assert store.get_item(linkless.id) == updated
    # In a batch: each item as of its turn, and the same entry again later in it is SEEN
    # without the text too.
    results = store.ingest_items(
        [new_item(2), new_item(2, content_hash="h2b"), new_item(2, content_hash="h2b")]
    )
    assert [(o, i.canonical_url, i.page_text) for o, i in results] == [
        (IngestOutcome.SEEN, None, PAGE),
        (IngestOutcome.UPDATED, "https://news.example/2", ""),
        (IngestOutcome.SEEN, "https://news.example/2", ""),
    ]
    assert store.get_item(uncanonical.id) == results[-1][1]
    # A page read for the new link is kept from then on.
    store.save_page_texts({uncanonical.id: "The new link's page."})
    assert store.ingest_item(new_item(2, content_hash="h2c"))[1].page_text == (
        "The new link's page."
    )


def test_a_new_item_and_its_copies_in_the_same_batch_have_no_page_text(store):
    results = store.ingest_items(
        [new_item(1), new_item(1), new_item(1, key="k1-mirror", content_hash="h1b")]
    )
    assert [o for o, _ in results] == [IngestOutcome.NEW, IngestOutcome.SEEN, IngestOutcome.UPDATED]
    assert [i.page_text for _, i in results] == ["", "", ""]
    assert store.get_item(results[0][1].id).page_text == ""


# --------------------------------------------------------------------------- page waits


def test_waiting_items_come_back_when_due_soonest_first(store):
    a, b, c = _items(store, 1, 2, 3)
    store.hold_for_pages(
        [
            PageWait(a.id, T0, T0 + timedelta(minutes=3)),
            PageWait(b.id, T0, T0 + timedelta(minutes=1)),
            PageWait(c.id, T0, T0 + timedelta(minutes=10)),
        ]
    )
    assert store.count_page_waits() == 3
    assert store.due_page_waits(T0) == []
    due = store.due_page_waits(T0 + timedelta(minutes=3))
    assert due == [
        PageWait(b.id, T0, T0 + timedelta(minutes=1)),
        PageWait(a.id, T0, T0 + timedelta(minutes=3)),
    ]
    _assert_utc(due[0].since, due[0].next_try_at)
    assert store.due_page_waits(T0 + timedelta(hours=1), limit=1) == due[:1]


def test_holding_an_item_again_keeps_when_its_wait_began(store):
    (a,) = _items(store, 1)
    store.hold_for_pages([PageWait(a.id, T0, T0 + timedelta(minutes=1))])
    later = T0 + timedelta(minutes=1)
    store.hold_for_pages([PageWait(a.id, later, later + timedelta(minutes=2), tries=1)])
    assert store.due_page_waits(T0 + timedelta(hours=1)) == [
        PageWait(a.id, T0, later + timedelta(minutes=2), tries=1)
    ]
    assert store.count_page_waits() == 1


def test_released_and_deleted_items_wait_no_more_and_unknown_ids_are_skipped(store):
    a, b = _items(store, 1, 2)
    story = _story(store)
    store.hold_for_pages([PageWait(x, T0, T0) for x in (a.id, b.id, b.id + 1000)])
    assert [w.item_id for w in store.due_page_waits(T0)] == [a.id, b.id]
    store.release_page_waits([a.id, a.id + 1000])
    store.release_page_waits([])
    assert [w.item_id for w in store.due_page_waits(T0)] == [b.id]
    with store.engine.begin() as conn:  # an item deleted behind the store's back
        conn.exec_driver_sql(f"DELETE FROM items WHERE id = {b.id}")
    assert store.due_page_waits(T0) == [] and store.count_page_waits() == 0
    assert store.get_story(story.name) is not None


# --------------------------------------------------------------------------- decisions


def test_engine_state_round_trip(store, clock):
    story = _story(store)
    assert store.load_engine_state(story.id) is None
    state = {"centroid": [0.1, 0.2], "terms": {"pentagon": 3}, "n": 2, "name": "ü ✓"}
    store.commit_decisions([], [], {story.id: state}, [], clock.now())
    assert store.load_engine_state(story.id) == state
    store.commit_decisions([], [], {story.id: {"n": 3}}, [], clock.advance(60))
    assert store.load_engine_state(story.id) == {"n": 3}


def test_background_statistics_round_trip(store, clock):
    assert store.load_background() is None
    store.save_background({"n_docs": 2, "df": {"pentagon": 1, "ü": 2}}, 7, clock.now())
    assert store.load_background() == ({"n_docs": 2, "df": {"pentagon": 1, "ü": 2}}, 7)
    store.save_background({"n_docs": 3, "df": {}}, 9, clock.advance(60))
    assert store.load_background() == ({"n_docs": 3, "df": {}}, 9)


def test_saved_engine_states_are_replaced_without_being_read_back(store, clock):
    # An engine state is a few hundred kB of JSON, written at every cycle that judged
    # something: reading it back only to replace it cost a third as much as writing it.
    one, two = _story(store, "s1"), _story(store, "s2")
    store.commit_decisions([], [], {one.id: {"n": 1}, two.id: {"n": 1}}, [], clock.now())
    store.save_background({"n_docs": 1}, 1, clock.now())
    statements: list[str] = []

    def capture(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        store.commit_decisions(
            [], [], {two.id: {"n": 2}}, [], clock.advance(60), stream={"n_docs": 3}
        )
        store.save_background({"n_docs": 2}, 5, clock.now())
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "FROM engine_" in s], reads
    assert store.load_engine_state(one.id) == {"n": 1}, "another story's state is left alone"
    assert store.load_engine_state(two.id) == {"n": 2}
    assert store.load_background() == ({"n_docs": 2}, 5)
    assert store.load_stream() == {"n_docs": 3}


def test_item_ids_after_gives_the_newest_oldest_first(store):
    ids = [item.id for item in _items(store, 1, 2, 3, 4, 5)]
    assert store.item_ids_after(ids[0], 10) == ids[1:]
    assert store.item_ids_after(ids[0], 2) == ids[3:]
    assert store.item_ids_after(ids[-1], 10) == []


def test_item_ids_after_can_give_the_oldest(store):
    ids = [item.id for item in _items(store, 1, 2, 3, 4, 5)]
    assert store.item_ids_after(ids[0], 2, oldest=True) == ids[1:3]
    assert store.item_ids_after(ids[0], 10, oldest=True) == ids[1:]
    store.hold_for_pages([PageWait(ids[1], T0, T0 + timedelta(minutes=5))])
    assert store.item_ids_after(ids[0], 2, held=False, oldest=True) == ids[2:4]


def test_item_ids_after_can_leave_out_the_items_stored_after_a_time(store):
    ids = [store.ingest_item(new_item(n, at=T0 + timedelta(minutes=n)))[1].id for n in (1, 2, 3, 4)]
    assert store.item_ids_after(0, 10, stored_by=T0 + timedelta(minutes=2)) == ids[:2]
    assert store.item_ids_after(ids[0], 10, stored_by=T0 + timedelta(minutes=3)) == ids[1:3]
    assert store.item_ids_after(0, 1, stored_by=T0 + timedelta(minutes=3)) == ids[2:3]
    assert store.item_ids_after(0, 10, stored_by=T0) == []


def test_item_ids_after_can_leave_out_the_items_stored_by_a_time(store):
    ids = [store.ingest_item(new_item(n, at=T0 + timedelta(minutes=n)))[1].id for n in (1, 2, 3, 4)]
    assert store.item_ids_after(0, 10, stored_after=T0 + timedelta(minutes=2)) == ids[2:]
    assert store.item_ids_after(0, 1, stored_after=T0 + timedelta(minutes=1)) == ids[3:]
    between = {"stored_after": T0 + timedelta(minutes=1), "stored_by": T0 + timedelta(minutes=3)}
    assert store.item_ids_after(0, 10, **between) == ids[1:3]
    assert store.item_ids_after(0, 10, stored_after=T0 + timedelta(minutes=4)) == []


def test_item_ids_after_can_leave_out_the_items_held_for_their_page(store):
    ids = [store.ingest_item(new_item(n, at=T0 + timedelta(minutes=n)))[1].id for n in (1, 2, 3)]
    store.hold_for_pages([PageWait(ids[1], T0, T0 + timedelta(minutes=5))])
    assert store.item_ids_after(0, 10) == ids
    assert store.item_ids_after(0, 10, held=False) == [ids[0], ids[2]]
    assert store.item_ids_after(0, 1, held=False) == ids[2:]
    store.release_page_waits([ids[1]])
    assert store.item_ids_after(0, 10, held=False) == ids


def test_commit_decisions_and_decisions_for_item(store, clock):
    s1, s2 = _story(store), _story(store, "s2")
    a, b = _items(store, 1, 2)
    reason = {"score": 0.91, "matched": ["pentagon", "contract"], "threshold": 0.3}
    now = clock.advance(30)
    store.commit_decisions(
        [
            _judge(s1.id, a.id, score=0.91, development=0, reason=reason),
            _judge(s2.id, a.id, on_topic=False, score=0.01),
            _judge(s1.id, b.id, duplicate_of=a.id, development=0),
        ],
        [DevelopmentWrite(s1.id, 0, "Headline", "Summary", (a.id, b.id))],
        {s1.id: {"v": 1}},
        [write("alert:s1:0:C1")],
        now,
    )
    decisions = store.decisions_for_item(a.id)
    assert [d.judgement.story_id for d in decisions] == [s1.id, s2.id]
    first = decisions[0]
    assert first.item == a
    assert first.decided_at == now
    _assert_utc(first.decided_at)
    assert first.judgement == _judge(s1.id, a.id, score=0.91, development=0, reason=reason)
    assert decisions[1].judgement.on_topic is False
    (copy,) = store.decisions_for_item(b.id)
    assert copy.judgement.duplicate_of == a.id
    assert store.decisions_for_item(a.id + 1000) == []
    assert store.get_outbox("alert:s1:0:C1").version == 1


def test_commit_decisions_is_atomic(store, clock):
    story = _story(store)
    a, b = _items(store, 1, 2)
    store.commit_decisions([_judge(story.id, a.id)], [], {story.id: {"v": 1}}, [], clock.now())
    batch = {
        "judgements": [_judge(story.id, b.id), _judge(story.id, a.id)],  # a: judged already
        "developments": [DevelopmentWrite(story.id, 1, "H", "S", (b.id,))],
        "engine_states": {story.id: {"v": 2}},
        "outbox": [write("alert:s1:1:C1")],
        "now": clock.advance(60),
    }
    with pytest.raises(Conflict):
        store.commit_decisions(**batch)
    assert store.decisions_for_item(b.id) == []
    assert store.get_development(story.id, 1) is None
    assert store.load_engine_state(story.id) == {"v": 1}
    assert store.get_outbox("alert:s1:1:C1") is None
    assert store.outbox_counts() == {"pending": 0, "delivered": 0, "dead": 0}


def test_commit_decisions_rolls_back_on_a_duplicate_inside_the_batch(store, clock):
    story = _story(store)
    (a,) = _items(store, 1)
    with pytest.raises(Conflict):
        store.commit_decisions(
            [_judge(story.id, a.id), _judge(story.id, a.id)],
            [],
            {story.id: {"v": 1}},
            [write("k")],
            clock.now(),
        )
    assert store.decisions_for_item(a.id) == []
    assert store.load_engine_state(story.id) is None
    assert store.get_outbox("k") is None


# --------------------------------------------------------------------------- developments


def test_development_items_sources_and_links(store, clock):
    story = _story(store)
    a, b, c = _items(store, 1, 2, 3)
    _, d = store.ingest_item(new_item(4, source="Outlet 1", url=None, canonical_url=None))
    created = clock.now()
    store.commit_decisions(
        [], [DevelopmentWrite(story.id, 1, "H1", "S1", (b.id, a.id))], {}, [], created
    )
    dev = store.get_development(story.id, 1)
    assert (dev.headline, dev.summary, dev.item_count) == ("H1", "S1", 2)
    assert dev.created_at == dev.updated_at == created
    assert dev.sources == ("Outlet 2", "Outlet 1")  # first reporter first
    assert dev.links == (
        ("Outlet 2", "https://news.example/2?utm=x"),
        ("Outlet 1", "https://news.example/1?utm=x"),
    )

    updated = clock.advance(hours=1)
    store.commit_decisions(
        [], [DevelopmentWrite(story.id, 1, "H1b", "S1b", (a.id, c.id, d.id, c.id))], {}, [], updated
    )
    dev = store.get_development(story.id, 1)
    assert (dev.headline, dev.summary, dev.item_count) == ("H1b", "S1b", 4)
    assert (dev.created_at, dev.updated_at) == (created, updated)
    assert dev.sources == ("Outlet 2", "Outlet 1", "Outlet 3")
    assert [url for _, url in dev.links] == [
        "https://news.example/2?utm=x",
        "https://news.example/1?utm=x",
        "https://news.example/3?utm=x",
    ]
    assert store.get_development(story.id, 2) is None


def test_items_stored_under_an_earlier_outlet_label_count_as_todays_outlet(store, clock):
    # Before 5 Dec 2026 an item's label was its feed's whole title ("World – TIME"); an
    # item of the same feed stored since is labelled "TIME". The stored labels stay: the
    # development and the story's counts read them as today's rule names the outlet.
    story = _story(store)
    _, old = store.ingest_item(
        new_item(1, source="World – TIME", url="https://time.com/1/", canonical_url=None)
    )
    _, older = store.ingest_item(
        new_item(2, source="Tech – TIME", url="https://time.com/2/", canonical_url=None)
    )
    _, new = store.ingest_item(
        new_item(3, source="TIME", url="https://time.com/3/", canonical_url=None)
    )
    _, other = store.ingest_item(new_item(4, source="NYT > World News"))
    store.commit_decisions(
        [_judge(story.id, i.id, development=1) for i in (old, older, new, other)],
        [DevelopmentWrite(story.id, 1, "H1", "S1", (old.id, older.id, new.id, other.id))],
        {},
        [],
        clock.now(),
    )
    dev = store.get_development(story.id, 1)
    assert dev.sources == ("TIME", "NYT")
    assert [label for label, _ in dev.links] == ["TIME", "TIME", "TIME", "NYT"]
    assert store.story_stats(story.id).sources == 2
    assert store.get_item(old.id).source == "World – TIME"  # the stored label is kept


def test_a_development_is_dated_by_its_earliest_report_not_by_when_it_was_made(store, clock):
    story = _story(store)
    # fetched a day late (a backlog poll), published 5 minutes before that
    _, late = store.ingest_item(new_item(1, at=T0 + timedelta(days=1, hours=3)))
    _, early = store.ingest_item(new_item(2, at=T0 + timedelta(days=1)))
    # a feed that dates its report after it was fetched: the fetch time counts
    _, future = store.ingest_item(new_item(3, at=T0, published=T0 + timedelta(days=9)))
    now = clock.advance(3 * 86400)
    store.commit_decisions(
        [],
        [
            DevelopmentWrite(story.id, 1, "H1", "S", (late.id, early.id)),
            DevelopmentWrite(story.id, 2, "H2", "S", (future.id,)),
            DevelopmentWrite(story.id, 3, "H3", "S"),
        ],
        {},
        [],
        now,
    )
    one, two, three = (store.get_development(story.id, n) for n in (1, 2, 3))
    assert one.first_reported_at == T0 + timedelta(days=1, minutes=-5)
    assert one.created_at == now
    _assert_utc(one.first_reported_at)
    assert two.first_reported_at == T0
    assert three.first_reported_at is None
    assert {d.number: d.first_reported_at for d in store.list_developments(story.id)}[1] == (
        one.first_reported_at
    )


def test_the_first_report_stays_the_earliest_when_reports_are_linked_or_redated(store, clock):
    """``first_reported_at`` is stored; it must stay what the links say: the earliest item
    time (publication, else fetch; a date after the fetch counts as the fetch)."""
    story = _story(store)
    fetched = T0 + timedelta(days=10)

    def report(n: int, published, at=fetched):
        return store.ingest_item(new_item(n, at=at, published=published))[1]

    def first(number: int):
        # what the store reports is the stored column, not computed again from the links
        with store.engine.connect() as conn:
            stored = conn.scalar(
                select(DevelopmentRow.first_reported_at).where(
                    DevelopmentRow.story_id == story.id, DevelopmentRow.number == number
                )
            )
        assert store.get_development(story.id, number).first_reported_at == stored
        return stored

    def link(number: int, *items) -> None:
        write = DevelopmentWrite(story.id, number, f"H{number}", "", tuple(i.id for i in items))
        store.commit_decisions([], [write], {}, [], clock.advance(60))

    link(1, report(1, T0 + timedelta(days=5)))
    link(2, report(2, T0 + timedelta(days=4)))
    assert first(1) == T0 + timedelta(days=5)
    assert [d.number for d in store.list_developments(story.id)] == [1, 2]
    # An earlier report read later (a backlog poll) moves it earlier, and the listing too.
    earlier = report(3, T0 + timedelta(days=2))
    link(1, earlier)
    assert first(1) == T0 + timedelta(days=2)
    assert [d.number for d in store.list_developments(story.id)] == [2, 1]
    # Later reports, an undated one fetched later and one dated after its fetch do not.
    link(1, report(4, T0 + timedelta(days=8)), report(5, None), report(6, fetched + timedelta(1)))
    assert first(1) == T0 + timedelta(days=2)
    # An undated report fetched earlier than every date counts from its fetch.
    link(1, report(7, None, at=T0 + timedelta(days=1)))
    assert first(1) == T0 + timedelta(days=1)
    # Linking an item again changes nothing.
    link(2, earlier)
    assert first(2) == T0 + timedelta(days=2)
    link(2, earlier)
    assert first(2) == T0 + timedelta(days=2)
    # A feed that corrects a linked report's date moves it: later (development 2, whose
    # earliest report was item 3), or earlier (item 7, dated now, before its fetch).
    redate = {3: T0 + timedelta(days=6), 7: T0 + timedelta(hours=12)}
    for n, published in redate.items():
        store.ingest_item(new_item(n, at=fetched, published=published, content_hash="v2"))
    assert (first(1), first(2)) == (T0 + timedelta(hours=12), T0 + timedelta(days=4))
    _assert_utc(first(1))
    assert [(d.number, d.first_reported_at) for d in store.list_developments(story.id)] == [
        (2, T0 + timedelta(days=4)),
        (1, T0 + timedelta(hours=12)),
    ]


def test_development_citations_round_trip_and_are_replaced_with_the_summary(store, clock):
    story = _story(store)
    (a,) = _items(store, 1)
    cited = (
        Citation("The senators set a hearing for March 18.", "Outlet 1", "https://news.example/1"),
        Citation("The contract text was not released.", "seed", None),
    )
    store.commit_decisions(
        [], [DevelopmentWrite(story.id, 1, "H", "S", (a.id,), cited)], {}, [], clock.now()
    )
    assert store.get_development(story.id, 1).citations == cited
    store.commit_decisions(
        [], [DevelopmentWrite(story.id, 1, "H", "S2", (), cited[1:])], {}, [], clock.now()
    )
    assert store.list_developments(story.id)[0].citations == cited[1:]
    store.commit_decisions([], [DevelopmentWrite(story.id, 2, "H2", "", ())], {}, [], clock.now())
    assert store.get_development(story.id, 2).citations == ()


def test_list_developments_newest_first_by_first_report_not_by_last_activity(store, clock):
    story, other = _story(store), _story(store, "s2")
    fetched = T0 + timedelta(days=10)

    def report(n: int, published):
        return store.ingest_item(new_item(n, at=fetched, published=published))[1].id

    # Committed in another order than they were first reported (a feed read late).
    firsts = {3: T0 + timedelta(days=3), 1: T0 + timedelta(days=1), 2: T0 + timedelta(days=2)}
    for number, published in firsts.items():
        write = DevelopmentWrite(story.id, number, f"H{number}", "", (report(number, published),))
        store.commit_decisions([], [write], {}, [], clock.advance(60))
    # A date later than the fetch is a feed error: the fetch time counts (day 10).
    future = report(4, fetched + timedelta(days=30))
    store.commit_decisions(
        [], [DevelopmentWrite(story.id, 4, "H4", "", (future,))], {}, [], clock.advance(60)
    )
    # No report yet (the seed story): it counts from its creation, minutes after T0.
    store.commit_decisions([], [DevelopmentWrite(story.id, 0, "H0", "", ())], {}, [], clock.now())
    store.commit_decisions(
        [], [DevelopmentWrite(other.id, 0, "other", "", ())], {}, [], clock.now()
    )
    # A late copy of development 1 is its newest activity, not a newer first report.
    copy = report(5, T0 + timedelta(days=9))
    store.commit_decisions(
        [], [DevelopmentWrite(story.id, 1, "H1 again", "", (copy,))], {}, [], clock.advance(60)
    )

    listed = store.list_developments(story.id)
    assert [d.number for d in listed] == [4, 3, 2, 1, 0]
    assert [d.first_reported_at for d in listed[1:4]] == [firsts[3], firsts[2], firsts[1]]
    assert listed[3].item_count == 2 and listed[4].item_count == 0
    assert [d.number for d in store.list_developments(story.id, limit=2)] == [4, 3]
    assert [d.headline for d in store.list_developments(other.id)] == ["other"]


def _developments_reported_out_of_order(store, story, clock) -> tuple[datetime, dict]:
    """Developments 1-7 of ``story``, committed in another order than they were first
    reported; 5 and 6 first reported at the same moment (the number orders them, so a page
    boundary between them holds). Returns when their reports were fetched, and when each
    was first reported."""
    fetched = T0 + timedelta(days=30)
    firsts = {n: T0 + timedelta(days=n) for n in (3, 1, 7, 2, 4)} | {
        5: T0 + timedelta(days=5),
        6: T0 + timedelta(days=5),
    }
    for number, published in firsts.items():
        _, item = store.ingest_item(new_item(number, at=fetched, published=published))
        write = DevelopmentWrite(story.id, number, f"H{number}", "", (item.id,))
        store.commit_decisions([], [write], {}, [], clock.advance(60))
    return fetched, firsts


def test_developments_page_pages_the_new_developments_newest_first(store, clock):
    story, other, empty = _story(store), _story(store, "s2"), _story(store, "s3")
    fetched, firsts = _developments_reported_out_of_order(store, story, clock)
    # the seed story, reported last of all: never on a page
    _, seed_report = store.ingest_item(new_item(99, at=fetched, published=fetched))
    store.commit_decisions(
        [],
        [
            DevelopmentWrite(story.id, 0, "H0", "", (seed_report.id,)),
            DevelopmentWrite(other.id, 1, "other", "", ()),
            DevelopmentWrite(empty.id, 0, "seed only", "", ()),
        ],
        {},
        [],
        clock.advance(60),
    )

    def page(limit: int, offset: int = 0, story_id: int = story.id) -> list[int]:
        return [d.number for d in store.developments_page(story_id, limit, offset)]

    assert page(10) == [7, 6, 5, 4, 3, 2, 1]
    assert [page(3, 0), page(3, 3), page(3, 6), page(3, 9)] == [[7, 6, 5], [4, 3, 2], [1], []]
    assert page(2, 1) == [6, 5]
    assert store.list_developments(story.id, limit=1)[0].number == 0, "newest, yet not paged"
    # as list_developments gives them: counts, outlets, links, first report
    [four] = store.developments_page(story.id, 1, 3)
    assert four == [d for d in store.list_developments(story.id) if d.number == 4][0]
    assert (four.item_count, four.sources, four.first_reported_at) == (
        1,
        ("Outlet 4",),
        firsts[4],
    )
    assert page(10, story_id=other.id) == [1]
    assert page(10, story_id=empty.id) == [], "only the seed story"
    assert page(10, story_id=empty.id + 100) == []


def test_story_stats(store, clock):
    story, other = _story(store), _story(store, "s2")
    empty = store.story_stats(story.id)
    assert (empty.items_on_topic, empty.copies, empty.developments, empty.sources) == (0, 0, 0, 0)
    assert empty.last_item_at is None
    a, b = _items(store, 1, 2)
    _, c = store.ingest_item(new_item(3, source="Outlet 1", at=T0 + timedelta(hours=3)))
    _, off = store.ingest_item(new_item(4, at=T0 + timedelta(hours=5)))
    store.commit_decisions(
        [
            _judge(story.id, a.id, development=0),
            _judge(story.id, b.id, development=1, new_development=True),
            _judge(story.id, c.id, duplicate_of=a.id, development=0),
            _judge(story.id, off.id, on_topic=False),
            _judge(other.id, off.id),
        ],
        [
            DevelopmentWrite(story.id, 0, "H0", "", (a.id, c.id)),
            DevelopmentWrite(story.id, 1, "H1", "", (b.id,)),
        ],
        {},
        [],
        clock.now(),
    )
    stats = store.story_stats(story.id)
    assert stats.items_on_topic == 3
    assert stats.copies == 1
    assert stats.developments == 1  # development 1; development 0 is the seed story
    assert stats.sources == 2  # Outlet 1 twice, Outlet 2
    assert stats.last_item_at == T0 + timedelta(hours=3)
    _assert_utc(stats.last_item_at)
    assert store.story_stats(other.id).items_on_topic == 1


# --------------------------------------------------------------------------- bindings


def test_bind_creates_then_updates(store, clock):
    story = _story(store)
    first = store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    assert (first.mode, first.digest_hours, first.max_per_hour) == (DeliveryMode.REALTIME, 24, 0)
    assert first.created_at == clock.now() and first.last_digest_at is None
    assert first.target == Target("slack", channel_id="C1")
    again = store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, 6, clock.advance(60))
    assert again.id == first.id
    assert (again.mode, again.digest_hours, again.created_at) == (DeliveryMode.DIGEST, 6, T0)
    assert store.list_bindings() == [again]


def test_bindings_by_story_and_channel(store, clock):
    s1, s2 = _story(store), _story(store, "s2")
    b1 = store.bind(s1.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    b2 = store.bind(s2.id, "slack", "C1", DeliveryMode.DIGEST, 24, clock.now())
    b3 = store.bind(s1.id, "discord", "C1", DeliveryMode.REALTIME, 24, clock.now())
    assert store.bindings_for_story(s1.id) == [b1, b3]
    assert store.bindings_for_channel("slack", "C1") == [b1, b2]
    assert store.bindings_for_channel("discord", "C1") == [b3]
    assert store.bindings_for_channel("slack", "C2") == []
    assert store.list_bindings() == [b1, b2, b3]
    assert store.unbind(s1.id, "slack", "C1") is True
    assert store.unbind(s1.id, "slack", "C1") is False
    assert store.list_bindings() == [b2, b3]


def test_no_alert_or_digest_is_queued_for_a_channel_that_unfollowed_meanwhile(store, clock, caplog):
    story = _story(store)
    binding = store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    store.bind(story.id, "slack", "C2", DeliveryMode.REALTIME, 24, clock.now())
    posted = f"alert:{story.id}:1:slack:C1"
    store.enqueue([write(posted)], clock.now())
    entry = store.get_outbox(posted)
    store.mark_delivered(entry.id, entry.version, "m1", clock.now())
    # the pipeline and the digest job read the bindings; then /story unfollow commits
    assert store.unbind(story.id, "slack", "C1") is True
    (item,) = _items(store, 1)
    c2 = Target("slack", channel_id="C2")
    with caplog.at_level("INFO", logger="storage.outbox"):
        store.commit_decisions(
            [_judge(story.id, item.id, development=2)],
            [DevelopmentWrite(story.id, 2, "H", "S", (item.id,))],
            {},
            [
                write(f"alert:{story.id}:2:slack:C1"),  # new, for the unfollowed channel
                write(posted, title="Edited"),  # the next version of one it posted
                write(f"alert:{story.id}:2:slack:C2", c2),  # still followed there
                write("notice:slack:U1:7", DM),  # a keyword DM names no binding
            ],
            clock.now(),
        )
        store.enqueue([write(f"digest:{binding.id}:start", only_if_new=True)], clock.now())

    assert store.get_outbox(f"alert:{story.id}:2:slack:C1") is None
    assert store.get_outbox(f"digest:{binding.id}:start") is None
    assert store.get_outbox(posted).version == 1, "no edit queued after the unfollow"
    assert store.get_outbox(f"alert:{story.id}:2:slack:C2") is not None
    assert store.get_outbox("notice:slack:U1:7") is not None
    assert [d.number for d in store.list_developments(story.id)] == [2], "the rest is stored"
    assert f"alert:{story.id}:2:slack:C1 not queued" in caplog.text

    # a channel that follows again gets the story's alerts again
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    store.enqueue([write(f"alert:{story.id}:3:slack:C1")], clock.now())
    assert store.get_outbox(f"alert:{story.id}:3:slack:C1") is not None


def _lock_waits(store: SqlStore, thread: threading.Thread, query: str = "%") -> int:
    """How many of the database's backends wait on a lock running a statement ``LIKE
    query``: asked of PostgreSQL (not a sleep) until one does or ``thread`` has ended."""
    waiting = 0
    for _ in range(100_000):
        with store.engine.connect() as watch:
            waiting = watch.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query LIKE :query"
                ),
                {"query": query},
            )
        if waiting or not thread.is_alive():
            break
    return waiting


def test_an_unfollow_waits_for_an_alert_being_queued_and_takes_it_back(store, clock):
    """The overlap the sequential test cannot show: the writer has read the binding and
    inserted its alert, not yet committed, when the unfollow starts."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: there is no overlap")
    from storage.outbox import apply_outbox_writes

    story = _story(store)
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    key = f"alert:{story.id}:1:slack:C1"
    unfollowed: list[bool] = []
    unfollow = threading.Thread(
        target=lambda: unfollowed.append(store.unbind(story.id, "slack", "C1"))
    )
    with store._write() as session:  # the pipeline's commit_decisions, say
        apply_outbox_writes(session, [write(key)], clock.now())
        unfollow.start()
        # the unfollow must wait for this transaction (the binding is locked)
        waiting = _lock_waits(store, unfollow, "%FROM bindings%FOR UPDATE%")
        assert waiting == 1, "the unfollow did not wait for the alert being queued"
    unfollow.join()
    assert unfollowed == [True]
    assert store.get_outbox(key) is None, "queued before the unfollow: taken back by it"


def test_follow_backlogs_count_each_follows_given_up_and_pending_alerts_and_digests(store, clock):
    """What ``storybot follows`` shows: per binding, its story's alerts to its channel and
    its digests, dead or still to deliver; a story's count takes nothing of another's
    whose id begins with the same digits (1 and 11, on a new SQLite database)."""
    stories = [_story(store, f"s{n}") for n in range(1, 12)]
    first, eleventh = stories[0], stories[10]
    b1 = store.bind(first.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    b11 = store.bind(eleventh.id, "slack", "C1", DeliveryMode.DIGEST, 24, clock.now())
    quiet = store.bind(first.id, "slack", "C2", DeliveryMode.REALTIME, 24, clock.now())
    c2 = Target("slack", channel_id="C2")
    store.enqueue(
        [
            write(f"alert:{first.id}:1:slack:C1"),  # given up
            write(f"alert:{first.id}:2:slack:C1"),  # pending
            write(f"alert:{first.id}:3:slack:C1"),  # delivered: neither
            write(f"digest:{b1.id}:overflow"),  # its overflow digest, pending
            write(f"alert:{eleventh.id}:1:slack:C1"),  # the other story's, given up
            write(f"digest:{b11.id}:1"),
            write(f"alert:{first.id}:1:discord:C1", Target("discord", channel_id="C1")),
        ],
        clock.now(),
    )
    delivered = store.get_outbox(f"alert:{first.id}:3:slack:C1")
    store.mark_delivered(delivered.id, delivered.version, "m3", clock.now())
    store.enqueue([write(f"alert:{first.id}:9:slack:C2", c2)], clock.now())
    sent = store.get_outbox(f"alert:{first.id}:9:slack:C2")
    store.mark_delivered(sent.id, sent.version, "m9", clock.now())
    for key in (f"alert:{first.id}:1:slack:C1", f"alert:{eleventh.id}:1:slack:C1"):
        entry = store.get_outbox(key)
        store.mark_attempt_failed(entry.id, "permanent: channel_not_found", clock.now(), dead=True)

    backlogs = store.follow_backlogs()
    assert backlogs == {
        b1.id: FollowBacklog(dead=1, pending=2),
        b11.id: FollowBacklog(dead=1, pending=1),
    }
    assert quiet.id not in backlogs  # all it had was delivered

    assert store.unbind(first.id, "slack", "C1")
    assert store.follow_backlogs() == {b11.id: FollowBacklog(dead=1, pending=1)}


def test_no_alert_is_queued_for_a_story_removed_meanwhile(store, clock):
    story = _story(store)
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    assert store.remove_story("s1") is True
    store.enqueue([write(f"alert:{story.id}:1:slack:C1")], clock.now())
    assert store.get_outbox(f"alert:{story.id}:1:slack:C1") is None


def test_unbind_drops_the_channels_unsent_messages_of_the_story_and_keeps_the_rest(store, clock):
    story, other = _story(store), _story(store, "s2")
    binding = store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    elsewhere = store.bind(story.id, "slack", "C2", DeliveryMode.DIGEST, 24, clock.now())
    store.bind(other.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    store.bind(story.id, "discord", "C1", DeliveryMode.REALTIME, 24, clock.now())
    c2 = Target("slack", channel_id="C2")
    store.enqueue(
        [
            write(f"alert:{story.id}:1:slack:C1"),  # failing (a 503): not posted yet
            write(f"alert:{story.id}:2:slack:C1"),  # posted, then an edit waits
            write(f"alert:{story.id}:3:slack:C1"),  # posted, nothing waits
            write(f"digest:{binding.id}:start"),  # an overflow digest of this binding
            write(f"alert:{story.id}:1:slack:C2", c2),  # another channel's
            write(f"digest:{elsewhere.id}:start", c2),
            write(f"alert:{other.id}:1:slack:C1"),  # another story's, in this channel
            write(f"alert:{story.id}:1:discord:C1", Target("discord", channel_id="C1")),
            write("notice:slack:U1:7", DM),
            write(f"alert:{story.id}:4:slack:C1"),  # given up on: the error record
            write(f"alert:{story.id}:5:slack:C1"),  # posted; its edit was given up on
        ],
        clock.now(),
    )
    for n in (2, 3, 5):
        entry = store.get_outbox(f"alert:{story.id}:{n}:slack:C1")
        store.mark_delivered(entry.id, entry.version, f"m{n}", clock.now())
    store.enqueue(
        [write(f"alert:{story.id}:{n}:slack:C1", title="Edited") for n in (2, 5)], clock.now()
    )
    for n in (4, 5):
        entry = store.get_outbox(f"alert:{story.id}:{n}:slack:C1")
        store.mark_attempt_failed(entry.id, "permanent: not_in_channel", clock.now(), dead=True)
    hour_ago = clock.now() - timedelta(hours=1)
    assert store.count_outbox_since(CHANNEL, f"alert:{story.id}:", hour_ago) == 5

    assert store.unbind(story.id, "slack", "C1") is True

    due = {e.key for e in store.due_outbox(clock.now() + timedelta(days=1), 50)}
    assert due == {
        f"alert:{story.id}:1:slack:C2",
        f"digest:{elsewhere.id}:start",
        f"alert:{other.id}:1:slack:C1",
        f"alert:{story.id}:1:discord:C1",
        "notice:slack:U1:7",
    }
    assert store.get_outbox(f"alert:{story.id}:3:slack:C1") is not None, "sent: kept"
    # never posted: gone
    assert store.get_outbox(f"alert:{story.id}:1:slack:C1") is None
    assert store.get_outbox(f"digest:{binding.id}:start") is None
    # posted, an edit waiting: the edit is cancelled, the record of the message stays
    edited = store.get_outbox(f"alert:{story.id}:2:slack:C1")
    assert (edited.message_id, edited.version, edited.delivered_version) == ("m2", 2, 2)
    # dead rows stay as they were: what `storybot outbox` shows went wrong
    dead = {e.key: e for e in store.undelivered_outbox(dead=True)}
    assert set(dead) == {f"alert:{story.id}:4:slack:C1", f"alert:{story.id}:5:slack:C1"}
    assert dead[f"alert:{story.id}:4:slack:C1"].last_error == "permanent: not_in_channel"
    # the hourly cap still counts what was posted and queued here
    assert store.count_outbox_since(CHANNEL, f"alert:{story.id}:", hour_ago) == 4

    assert store.unbind(story.id, "slack", "C1") is False

    # followed again: a later report of development 2 is edited into the posted message
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    store.enqueue([write(f"alert:{story.id}:2:slack:C1", title="Later")], clock.now())
    [again] = [
        e
        for e in store.due_outbox(clock.now() + timedelta(days=1), 50)
        if e.key == f"alert:{story.id}:2:slack:C1"
    ]
    assert (again.message_id, again.message.title, again.version) == ("m2", "Later", 3)


def test_developments_page_oldest_first_is_a_timeline(store, clock):
    story = _story(store)
    _developments_reported_out_of_order(store, story, clock)
    store.commit_decisions([], [DevelopmentWrite(story.id, 0, "H0", "", ())], {}, [], clock.now())

    def page(limit: int, offset: int = 0) -> list[int]:
        devs = store.developments_page(story.id, limit, offset, oldest_first=True)
        return [d.number for d in devs]

    assert page(10) == [1, 2, 3, 4, 5, 6, 7], "the seed story is not paged"
    assert [page(3, 0), page(3, 3), page(3, 6)] == [[1, 2, 3], [4, 5, 6], [7]]
    newest = store.developments_page(story.id, 10)
    assert store.developments_page(story.id, 10, oldest_first=True) == newest[::-1]


def test_development_reports_list_each_report_with_the_copy_it_is_of(store, clock):
    story, other = _story(store), _story(store, "s2")
    a, b, c = _items(store, 1, 2, 3)
    _, d = store.ingest_item(
        new_item(4, source="World – TIME", url=None, canonical_url="https://time.com/4")
    )
    _, e = store.ingest_item(new_item(5))  # linked without a judgement
    store.commit_decisions(
        [
            _judge(story.id, a.id, development=1),
            _judge(story.id, b.id, development=1, duplicate_of=a.id),
            _judge(story.id, c.id, development=2),
            _judge(story.id, d.id, development=2, duplicate_of=c.id),
            _judge(other.id, c.id, development=1),  # another story's judgement of c
        ],
        [
            DevelopmentWrite(story.id, 2, "H2", "", (c.id, d.id)),
            DevelopmentWrite(story.id, 1, "H1", "", (b.id, a.id, e.id)),
            DevelopmentWrite(other.id, 1, "other", "", (c.id,)),
        ],
        {},
        [],
        clock.now(),
    )

    reports = store.development_reports(story.id, [1, 2])
    assert [(r.development, r.item_id, r.copy_of) for r in reports] == [
        (2, c.id, None),
        (2, d.id, c.id),
        (1, b.id, a.id),  # discovery order: as the development's links list them
        (1, a.id, None),
        (1, e.id, None),
    ]
    four = reports[1]
    assert (four.title, four.source, four.link) == ("Title 4", "TIME", "https://time.com/4")
    assert (four.published, four.fetched_at) == (T0 - timedelta(minutes=5), T0)
    _assert_utc(four.published, four.fetched_at)
    dev = store.get_development(story.id, 1)
    assert [r.link for r in reports if r.development == 1] == [url for _, url in dev.links]
    assert [r.item_id for r in store.development_reports(story.id, [2])] == [c.id, d.id]
    assert store.development_reports(story.id, [3]) == []
    assert store.development_reports(story.id, []) == []
    assert [(r.item_id, r.copy_of) for r in store.development_reports(other.id, [1])] == [
        (c.id, None)
    ]


def test_count_judged_counts_a_storys_judgements_on_topic_or_not(store, clock):
    story, other = _story(store), _story(store, "s2")
    a, b, c = _items(store, 1, 2, 3)
    assert store.count_judged(story.id) == 0
    store.commit_decisions(
        [
            _judge(story.id, a.id),
            _judge(story.id, b.id, on_topic=False),
            _judge(story.id, c.id, on_topic=False),
            _judge(other.id, a.id),
        ],
        [],
        {},
        [],
        clock.now(),
    )
    assert (store.count_judged(story.id), store.count_judged(other.id)) == (3, 1)


def test_developments_are_numbered_in_commit_order_whatever_their_stamps(store, clock):
    """``developments_after`` goes by commit order: a development committed later with an
    earlier stamp (judging began before) still comes after; an extended one keeps its place."""
    story, other = _story(store), _story(store, "s2")
    late, early = clock.advance(hours=2), T0
    store.commit_decisions([], [DevelopmentWrite(story.id, 1, "one", "", ())], {}, [], late)
    store.commit_decisions(
        [],
        [
            DevelopmentWrite(other.id, 1, "other", "", ()),
            DevelopmentWrite(story.id, 3, "three", "", ()),
            DevelopmentWrite(story.id, 2, "two", "", ()),
            DevelopmentWrite(story.id, 3, "three again", "", ()),  # one development
        ],
        {},
        [],
        early,
    )
    store.commit_decisions([], [DevelopmentWrite(story.id, 1, "one+", "", ())], {}, [], late)
    devs, through = store.developments_after(story.id, 0)
    assert [d.number for d in devs] == [1, 3, 2] and through == 3
    devs, through = store.developments_after(story.id, 1)
    assert [d.number for d in devs] == [3, 2] and through == 3
    assert store.developments_after(story.id, 3) == ([], 3)
    assert [d.number for d in store.developments_after(other.id, 0)[0]] == [1]


def test_a_development_whose_commit_began_first_is_numbered_first(store, clock):
    """The overlap the sequential test cannot show: a batch has created a development and
    not committed when another batch creates one in the same story. The second waits for
    the first (the story's counter is locked), so a digest reading in between sees neither
    and can never move its watermark past a development still to be committed."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: there is no overlap")
    from storage.decisions import _write_development, allocate_seqs

    story = _story(store)
    first, second = (DevelopmentWrite(story.id, n, f"H{n}", "", ()) for n in (1, 2))
    later = threading.Thread(
        target=lambda: store.commit_decisions([], [second], {}, [], clock.now())
    )
    with store._write() as session:  # the first batch's commit_decisions
        seqs, _ = allocate_seqs(session, [first])
        _write_development(session, first, clock.now(), seqs[story.id, 1])
        later.start()
        assert _lock_waits(store, later, "%UPDATE stories%") == 1, "the second did not wait"
        assert store.developments_after(story.id, 0) == ([], 0)
    later.join()
    devs, through = store.developments_after(story.id, 0)
    assert [d.number for d in devs] == [1, 2] and through == 2


def test_a_new_binding_covers_the_developments_already_there(store, clock):
    story = _story(store)
    store.commit_decisions([], [DevelopmentWrite(story.id, 1, "one", "", ())], {}, [], T0)
    binding = store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, 24, clock.now())
    assert store.developments_after(story.id, binding.digested_seq) == ([], 1)
    store.commit_decisions([], [DevelopmentWrite(story.id, 2, "two", "", ())], {}, [], T0)
    again = store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    assert again.digested_seq == binding.digested_seq, "a mode change keeps the watermark"


def test_queue_digest_moves_the_watermark_and_queues_once(store, clock):
    story = _story(store)
    binding = store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, 24, clock.now())
    sent = clock.advance(hours=24)
    digest = write(f"digest:{binding.id}:1", title="Digest")
    assert store.queue_digest(binding.id, 0, 4, [digest], sent) is True
    [moved] = store.bindings_for_story(story.id)
    assert (moved.digested_seq, moved.last_digest_at) == (4, sent)
    assert store.get_outbox(digest.key) is not None
    other = write(f"digest:{binding.id}:2", title="Again")
    assert store.queue_digest(binding.id, 0, 5, [other], sent) is False, "read a stale watermark"
    assert store.get_outbox(other.key) is None
    assert store.bindings_for_story(story.id)[0].digested_seq == 4
    assert store.queue_digest(12345, 0, 1, [], sent) is False


def test_bind_unknown_story_is_not_found(store, clock):
    with pytest.raises(NotFound):
        store.bind(999, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())


# --------------------------------------------------------------------------- subscriptions


def test_subscriptions(store, clock):
    story = _story(store)
    a = store.add_subscription("slack", "U1", "drone AND pentagon", story.id, clock.now(), "C1")
    b = store.add_subscription("slack", "U1", "anthropic", None, clock.advance(1))
    c = store.add_subscription("slack", "U2", "openai", None, clock.now())
    d = store.add_subscription("discord", "U1", "x", None, clock.now())
    assert (a.query, a.story_id, a.channel_id, a.created_at) == (
        "drone AND pentagon",
        story.id,
        "C1",
        T0,
    )
    assert store.list_subscriptions("slack", "U1") == [a, b]
    assert store.all_subscriptions() == [a, b, c, d]
    assert store.remove_subscription("slack", "U2", a.id) is False  # not theirs
    assert store.remove_subscription("slack", "U1", a.id) is True
    assert store.remove_subscription("slack", "U1", a.id) is False
    assert store.list_subscriptions("slack", "U1") == [b]


def test_the_subscriptions_version_changes_with_every_subscribe_and_unsubscribe(store, clock):
    # what a process's subscription index compares to know it is current
    assert store.subscriptions_version() == (0, 0, 0)
    a = store.add_subscription("slack", "U1", "anthropic", None, clock.now())
    b = store.add_subscription("slack", "U1", "openai", None, clock.now())
    after_two = store.subscriptions_version()
    assert after_two == (2, b.id, a.id + b.id)
    assert store.subscriptions_version() == after_two  # reading changes nothing
    store.remove_subscription("slack", "U1", b.id)
    c = store.add_subscription("slack", "U1", "pentagon", None, clock.now())
    # one removed and one added: the count is back, the highest id is not (never reused)
    assert store.subscriptions_version() == (2, c.id, a.id + c.id) != after_two
    store.remove_subscription("slack", "U1", a.id)
    assert store.subscriptions_version() == (1, c.id, c.id)


def test_the_subscriptions_version_changes_when_a_late_commit_replaces_a_removed_one(store, clock):
    """On PostgreSQL ids are handed out at insert and committed in any order: a
    subscription committed after a higher id, while an older one is removed, leaves the
    count and the highest id as they were. The version must change all the same."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: ids commit in order")
    from sqlalchemy.orm import Session

    from storage.models import SubscriptionRow

    old = store.add_subscription("slack", "U1", "anthropic", None, clock.now())
    with Session(store.engine) as late:  # another process's subscribe, slow to commit
        late.add(
            SubscriptionRow(
                platform="slack", user_id="U2", query="pentagon", created_at=clock.now()
            )
        )
        late.flush()  # its id is taken now
        store.add_subscription("slack", "U1", "openai", None, clock.now())
        indexed = store.subscriptions_version()  # an index is built here: without "pentagon"
        store.remove_subscription("slack", "U1", old.id)
        late.commit()
    assert {s.query for s in store.all_subscriptions()} == {"openai", "pentagon"}
    assert store.subscriptions_version() != indexed


def test_an_unsubscribe_takes_back_the_unsent_dms_no_remaining_subscription_caused(store, clock):
    rail = store.add_subscription("slack", "U1", "rail", None, clock.now())
    wage = store.add_subscription("slack", "U1", "wage", None, clock.now())
    theirs = store.add_subscription("slack", "U2", "rail", None, clock.now())
    me = Target("slack", user_id="U1")
    store.enqueue(
        [
            write("notice:slack:U1:1", me, subscription_ids=(rail.id,)),  # waiting: taken back
            write("notice:slack:U1:2", me, subscription_ids=(rail.id, wage.id)),  # wage: sent
            write("notice:slack:U1:3", me, subscription_ids=(rail.id,)),  # delivered
            write("notice:slack:U1:4", me, subscription_ids=(rail.id,)),  # given up on
            write("notice:slack:U1:5", me),  # queued before the ids were recorded
            write("notice:slack:U1:6", me, subscription_ids=(wage.id,)),
            write(
                "notice:slack:U2:1", Target("slack", user_id="U2"), subscription_ids=(theirs.id,)
            ),
        ],
        clock.now(),
    )
    sent = store.get_outbox("notice:slack:U1:3")
    store.mark_delivered(sent.id, sent.version, "m3", clock.now())
    dead = store.get_outbox("notice:slack:U1:4")
    store.mark_attempt_failed(dead.id, "permanent: cannot_dm_bot", clock.now(), dead=True)

    assert store.remove_subscription("slack", "U1", rail.id) is True

    due = {e.key for e in store.due_outbox(clock.now() + timedelta(days=1), 50)}
    assert due == {
        "notice:slack:U1:2",
        "notice:slack:U1:5",
        "notice:slack:U1:6",
        "notice:slack:U2:1",
    }
    assert store.get_outbox("notice:slack:U1:1") is None
    assert store.get_outbox("notice:slack:U1:3").message_id == "m3", "sent: the record stays"
    assert store.get_outbox("notice:slack:U1:4").dead, "the error record stays"

    assert store.remove_subscription("slack", "U1", wage.id) is True

    due = {e.key for e in store.due_outbox(clock.now() + timedelta(days=1), 50)}
    assert due == {"notice:slack:U1:5", "notice:slack:U2:1"}


def test_a_notice_none_of_whose_subscriptions_is_left_is_not_queued(store, clock):
    """A pipeline whose subscription index predates an unsubscribe queues no DM for it."""
    gone = store.add_subscription("slack", "U1", "rail", None, clock.now())
    kept = store.add_subscription("slack", "U1", "wage", None, clock.now())
    store.remove_subscription("slack", "U1", gone.id)
    me = Target("slack", user_id="U1")
    store.enqueue(
        [
            write("notice:slack:U1:1", me, subscription_ids=(gone.id,)),
            write("notice:slack:U1:2", me, subscription_ids=(gone.id, kept.id)),
            write("notice:slack:U1:3", me),
        ],
        clock.now(),
    )
    due = {e.key for e in store.due_outbox(clock.now() + timedelta(days=1), 50)}
    assert due == {"notice:slack:U1:2", "notice:slack:U1:3"}


def test_a_storys_removal_takes_back_the_unsent_dms_only_its_subscriptions_caused(store, clock):
    story = _story(store)
    scoped = store.add_subscription("slack", "U1", "rail", story.id, clock.now())
    unscoped = store.add_subscription("slack", "U1", "wage", None, clock.now())
    me = Target("slack", user_id="U1")
    store.enqueue(
        [
            write("notice:slack:U1:1", me, subscription_ids=(scoped.id,)),
            write("notice:slack:U1:2", me, subscription_ids=(scoped.id, unscoped.id)),
        ],
        clock.now(),
    )

    assert store.remove_story("s1") is True

    due = {e.key for e in store.due_outbox(clock.now() + timedelta(days=1), 50)}
    assert due == {"notice:slack:U1:2"}


def test_an_unsubscribe_waits_for_a_dm_being_queued_and_takes_it_back(store, clock):
    """The overlap the sequential tests cannot show: the pipeline has read the
    subscription and inserted its notice, not yet committed, when the unsubscribe starts."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: there is no overlap")
    from storage.outbox import apply_outbox_writes

    sub = store.add_subscription("slack", "U1", "rail", None, clock.now())
    key = "notice:slack:U1:1"
    removed: list[bool] = []
    unsubscribe = threading.Thread(
        target=lambda: removed.append(store.remove_subscription("slack", "U1", sub.id))
    )
    with store._write() as session:  # the pipeline's commit_decisions, say
        notice = write(key, Target("slack", user_id="U1"), subscription_ids=(sub.id,))
        apply_outbox_writes(session, [notice], clock.now())
        unsubscribe.start()
        waiting = _lock_waits(store, unsubscribe, "DELETE FROM subscriptions%")
        assert waiting == 1, "the unsubscribe did not wait for the DM being queued"
    unsubscribe.join()
    assert removed == [True]
    assert store.get_outbox(key) is None, "queued before the unsubscribe: taken back by it"


def test_subscription_to_unknown_story_is_not_found(store, clock):
    with pytest.raises(NotFound):
        store.add_subscription("slack", "U1", "q", 999, clock.now())


def test_the_same_subscription_again_is_refused_naming_the_first(store, clock):
    story = _story(store)
    first = store.add_subscription("slack", "U1", "bakery AND bread", None, clock.now())
    scoped = store.add_subscription("slack", "U1", "bakery bread", story.id, clock.now())
    # the same query as /story subscribe compares them (parsed), in the same scope
    for query, story_id, existing in [
        ("Bakeries  bread", None, first),
        ("bread bakery", None, first),  # the order of an AND's words is no difference
        ("bakery AND bread", story.id, scoped),
    ]:
        with pytest.raises(AlreadySubscribed) as refused:
            store.add_subscription("slack", "U1", query, story_id, clock.now(), "C2")
        assert refused.value.existing == existing
    assert isinstance(refused.value, Conflict)
    # another user, platform, scope or query is another subscription
    store.add_subscription("slack", "U2", "bakery bread", None, clock.now())
    store.add_subscription("discord", "U1", "bakery bread", None, clock.now())
    store.add_subscription("slack", "U1", "bread OR bakery", None, clock.now())
    store.add_subscription("slack", "U1", "bakery OR bread", story.id, clock.now())
    # a query that does not parse is the same as nothing (the matcher ignores it)
    store.add_subscription("slack", "U1", "(bakery", None, clock.now())
    store.add_subscription("slack", "U1", "(bakery", None, clock.now())
    assert len(store.list_subscriptions("slack", "U1")) == 6
    # once removed, it can be added again
    store.remove_subscription("slack", "U1", first.id)
    again = store.add_subscription("slack", "U1", "bakery bread", None, clock.now())
    assert again.id > first.id


def test_concurrent_subscribes_to_one_query_store_it_once(db_url, clock):
    """Two workers (or a retried command) that both found no such subscription."""
    stores = [open_store(db_url) for _ in range(2)]
    barrier = threading.Barrier(8)
    added: list[int] = []
    refused: list[int] = []

    def subscribe(store: SqlStore, n: int) -> None:
        query = "Pentagon  AND dod" if n % 2 else "pentagon dod"  # one query, two spellings
        barrier.wait()
        try:
            added.append(store.add_subscription("slack", "U1", query, None, T0).id)
        except AlreadySubscribed as exc:
            refused.append(exc.existing.id)

    threads = [threading.Thread(target=subscribe, args=(stores[i % 2], i)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(added) == 1 and refused == added * 7
        assert [s.id for s in stores[0].list_subscriptions("slack", "U1")] == added
    finally:
        for store in stores:
            store.close()


def test_a_capped_subscribe_is_refused_once_the_installation_holds_max_total(store, clock):
    """[permissions] max_subscriptions: everyone's subscriptions counted together."""
    kept = [store.add_subscription("slack", f"U{n}", "rail", None, clock.now()) for n in range(2)]
    third = store.add_subscription("discord", "U9", "wage", None, clock.now(), max_total=3)
    with pytest.raises(SubscriptionsFull) as refused:
        store.add_subscription("slack", "U1", "strike", None, clock.now(), max_total=3)
    assert refused.value.limit == 3
    with pytest.raises(SubscriptionsFull):  # anyone, on any platform
        store.add_subscription("slack", "U7", "strike", None, clock.now(), max_total=3)
    assert store.all_subscriptions() == [*kept, third], "nothing stored when refused"
    # 0 is no cap; an unsubscribe makes room again
    store.add_subscription("slack", "U1", "strike", None, clock.now(), max_total=0)
    assert store.remove_subscription("slack", "U1", kept[1].id)
    assert store.remove_subscription("discord", "U9", third.id)
    store.add_subscription("slack", "U7", "strike", None, clock.now(), max_total=3)
    assert len(store.all_subscriptions()) == 3


def _eight_subscribes_at_once(
    db_url: str, subscribe: Callable[[SqlStore, int], Subscription]
) -> tuple[list[int], list[SubscriptionsFull], SqlStore]:
    """Run ``subscribe(store, n)`` for n = 0..7 in eight threads released together, over
    two stores on ``db_url`` (one already holding U0's and U1's "rail"): the ids stored,
    the refusals, and a store to check with (the caller closes it)."""
    stores = [open_store(db_url) for _ in range(2)]
    stores[0].add_subscription("slack", "U0", "rail", None, T0)
    stores[0].add_subscription("slack", "U1", "rail", None, T0)
    barrier = threading.Barrier(8)
    added: list[int] = []
    refused: list[SubscriptionsFull] = []

    def attempt(store: SqlStore, n: int) -> None:
        barrier.wait()
        try:
            added.append(subscribe(store, n).id)
        except SubscriptionsFull as exc:
            refused.append(exc)

    threads = [threading.Thread(target=attempt, args=(stores[i % 2], i)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    stores[0].close()
    return added, refused, stores[1]


def test_concurrent_capped_subscribes_take_exactly_the_places_left(db_url, clock):
    """Many people subscribing at once near the cap: none gets past it."""
    added, refused, store = _eight_subscribes_at_once(
        db_url,
        lambda store, n: store.add_subscription(
            "slack", f"U{n + 2}", "wage", None, T0, max_total=6
        ),
    )
    try:
        assert (len(added), len(refused)) == (4, 4)
        assert not any(exc.per_user for exc in refused)
        assert len(store.all_subscriptions()) == 6
    finally:
        store.close()


def test_a_subscribe_past_the_persons_cap_is_refused_and_stores_nothing(store, clock):
    """``max_per_user``: one person's subscriptions on one platform, not anyone else's."""
    mine = [store.add_subscription("slack", "U1", q, None, clock.now()) for q in ("rail", "wage")]
    theirs = store.add_subscription("slack", "U2", "rail", None, clock.now(), max_per_user=2)
    with pytest.raises(SubscriptionsFull) as refused:
        store.add_subscription("slack", "U1", "strike", None, clock.now(), max_per_user=2)
    assert (refused.value.limit, refused.value.per_user) == (2, True)
    # the same user id on another platform is another person
    elsewhere = store.add_subscription("discord", "U1", "strike", None, clock.now(), max_per_user=2)
    assert store.all_subscriptions() == [*mine, theirs, elsewhere], "nothing stored when refused"
    assert store.remove_subscription("slack", "U1", mine[0].id)
    store.add_subscription("slack", "U1", "strike", None, clock.now(), max_per_user=2)


def test_one_persons_concurrent_subscribes_stop_at_their_cap(db_url, clock):
    """One person's subscribes arriving at once (two workers, a retried command): the
    count before the insert is exact, as for the installation's cap."""
    added, refused, store = _eight_subscribes_at_once(
        db_url,
        lambda store, n: store.add_subscription(
            "slack", "U1", f"wage{n}", None, T0, max_per_user=5
        ),
    )
    try:
        assert (len(added), len(refused)) == (4, 4)
        assert all(exc.per_user for exc in refused)
        assert len(store.list_subscriptions("slack", "U1")) == 5
    finally:
        store.close()


def test_a_capped_subscribe_waits_for_one_counting_the_last_place(db_url, clock):
    """The overlap the thread test may not hit: one subscribe has counted one place left
    and not yet committed when another starts. On PostgreSQL (READ COMMITTED) the second
    would count the same and both would be stored: it must wait, then be refused."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite runs one write transaction at a time: there is no overlap")
    ours, theirs = open_store(db_url), open_store(db_url)
    ours.add_subscription("slack", "U0", "rail", None, T0)
    outcome: list[object] = []

    def their_subscribe() -> None:
        try:
            outcome.append(theirs.add_subscription("slack", "U2", "wage", None, T0, max_total=2))
        except SubscriptionsFull as exc:
            outcome.append(exc)

    other = threading.Thread(target=their_subscribe)
    waits: list[int] = []

    def after_counting(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if not waits and "count(*)" in statement and "subscriptions" in statement:
            other.start()
            waits.append(_lock_waits(theirs, other, "%pg_advisory_xact_lock%"))

    event.listen(ours.engine, "after_cursor_execute", after_counting)
    try:
        mine = ours.add_subscription("slack", "U1", "strike", None, T0, max_total=2)
        other.join(timeout=30)
        assert waits == [1], "the second subscribe did not wait for the first"
        assert len(outcome) == 1 and isinstance(outcome[0], SubscriptionsFull), outcome
        assert [s.query for s in theirs.all_subscriptions()] == ["rail", mine.query]
    finally:
        event.remove(ours.engine, "after_cursor_execute", after_counting)
        ours.close()
        theirs.close()


# --------------------------------------------------------------------------- outbox


def test_outbox_insert_replace_and_only_if_new(store, clock):
    store.enqueue([write("alert:1", title="v1")], clock.now())
    entry = store.get_outbox("alert:1")
    assert (entry.version, entry.delivered_version, entry.attempts) == (1, 0, 0)
    assert entry.message == message("v1")
    assert entry.target == CHANNEL
    assert entry.created_at == entry.next_attempt_at == T0
    assert entry.message_id is None and entry.dead is False

    store.enqueue([write("alert:1", title="v2")], clock.advance(60))
    entry = store.get_outbox("alert:1")
    assert (entry.version, entry.message.title, entry.created_at) == (2, "v2", T0)

    store.enqueue([write("alert:1", title="v3", only_if_new=True)], clock.now())
    assert store.get_outbox("alert:1").message.title == "v2"
    store.enqueue([write("notice:1", target=DM, only_if_new=True)], clock.now())
    dm = store.get_outbox("notice:1")
    assert dm.version == 1 and dm.target == DM
    assert store.get_outbox("missing") is None


def test_outbox_same_key_twice_in_one_batch(store, clock):
    store.enqueue([write("k", title="a"), write("k", title="b")], clock.now())
    entry = store.get_outbox("k")
    assert (entry.version, entry.message.title) == (2, "b")


def test_outbox_versioning_through_commit_decisions(store, clock):
    story = _story(store)
    a, b = _items(store, 1, 2)
    store.commit_decisions(
        [_judge(story.id, a.id)], [], {}, [write("alert:s1:1:C1", title="first")], clock.now()
    )
    entry = store.get_outbox("alert:s1:1:C1")
    store.mark_delivered(entry.id, 1, "ts-1", clock.advance(1))
    store.commit_decisions(
        [_judge(story.id, b.id)],
        [],
        {},
        [write("alert:s1:1:C1", title="second")],
        clock.advance(60),
    )
    entry = store.get_outbox("alert:s1:1:C1")
    assert (entry.version, entry.delivered_version, entry.message_id) == (2, 1, "ts-1")
    assert entry.message.title == "second"
    assert [e.key for e in store.due_outbox(clock.now())] == ["alert:s1:1:C1"]


def test_messages_queued_by_a_clock_since_set_back_are_due_and_waits_are_kept(store, clock):
    # A clock a day fast, then corrected: the alerts it queued waited a day to be sent.
    right = clock.now()
    ahead = right + timedelta(days=1)
    store.enqueue([write("fresh"), write("limited"), write("failed"), write("edited")], ahead)
    limited, failed, edited = (store.get_outbox(k) for k in ("limited", "failed", "edited"))
    store.mark_attempt_failed(limited.id, "429", ahead + timedelta(minutes=5), count=False)
    store.mark_attempt_failed(failed.id, "HTTP 500", ahead + timedelta(seconds=4))
    store.mark_delivered(edited.id, 1, "ts-1", ahead)
    store.enqueue([write("edited", title="second")], ahead)  # its edit, queued ahead too

    assert {e.key for e in store.due_outbox(right)} == {"fresh", "edited"}
    # a clock a little off is no clock set back
    assert store.due_outbox(ahead - timedelta(seconds=30)) == []


def test_due_outbox(store, clock):
    store.enqueue([write("a"), write("b", target=DM), write("later")], clock.now())
    later = store.get_outbox("later")
    store.mark_attempt_failed(later.id, "429", clock.now() + timedelta(minutes=5), count=False)
    due = store.due_outbox(clock.now())
    assert [e.key for e in due] == ["a", "b"]
    assert [e.key for e in store.due_outbox(clock.now(), limit=1)] == ["a"]
    assert [e.key for e in store.due_outbox(clock.advance(minutes=5))] == ["a", "b", "later"]


def test_mark_delivered_is_monotonic(store, clock):
    store.enqueue([write("k")], clock.now())
    entry = store.get_outbox("k")
    store.enqueue([write("k", title="v2"), write("k", title="v3")], clock.now())
    store.mark_delivered(entry.id, 3, "m1", clock.advance(1))
    assert store.get_outbox("k").delivered_version == 3
    store.mark_delivered(entry.id, 1, "m1", clock.advance(1))  # a late, older delivery
    got = store.get_outbox("k")
    assert (got.delivered_version, got.version, got.message_id) == (3, 3, "m1")
    assert store.due_outbox(clock.now()) == []
    assert store.outbox_counts() == {"pending": 0, "delivered": 1, "dead": 0}


def test_an_edit_an_unfollow_cancelled_while_it_was_sent_leaves_the_next_report_due(store, clock):
    story = _story(store)
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    key = f"alert:{story.id}:1:slack:C1"
    store.enqueue([write(key)], clock.now())
    posted = store.get_outbox(key)
    store.mark_delivered(posted.id, posted.version, "m1", clock.now())
    store.enqueue([write(key, title="v2")], clock.now())
    sending = store.get_outbox(key)  # the worker reads it and sends the edit...
    assert store.unbind(story.id, "slack", "C1") is True  # ...as the channel unfollows
    store.mark_delivered(sending.id, sending.version, "m1", clock.advance(1))
    got = store.get_outbox(key)
    assert (got.version, got.delivered_version) == (2, 2)

    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    store.enqueue([write(key, title="v3")], clock.now())

    [due] = store.due_outbox(clock.now())
    assert (due.key, due.message.title, due.message_id) == (key, "v3", "m1")


def test_an_edit_sent_across_an_unfollow_and_a_new_follow_leaves_the_next_report_due(store, clock):
    """The edit being sent is cancelled by an unfollow, and the channel follows again
    and a later report is queued before the worker records the old edit: that record
    must not pass for the later report's delivery (before, both had version 2, and
    the later report was never edited into the alert)."""
    story = _story(store)
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    key = f"alert:{story.id}:1:slack:C1"
    store.enqueue([write(key)], clock.now())
    posted = store.get_outbox(key)
    store.mark_delivered(posted.id, posted.version, "m1", clock.now())
    store.enqueue([write(key, title="v2")], clock.now())
    sending = store.get_outbox(key)  # the worker reads it and sends the edit...
    assert store.unbind(story.id, "slack", "C1") is True  # ...as the channel unfollows,
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())  # follows
    store.enqueue([write(key, title="v3")], clock.now())  # and a later report comes
    store.mark_delivered(sending.id, sending.version, "m1", clock.advance(1))  # v2 sent

    [due] = store.due_outbox(clock.now())
    assert (due.key, due.message.title, due.message_id) == (key, "v3", "m1")


def test_mark_attempt_failed_backs_off_then_dead(store, clock):
    store.enqueue([write("k"), write("other")], clock.now())
    entry = store.get_outbox("k")
    retry_at = clock.now() + timedelta(seconds=30)
    store.mark_attempt_failed(entry.id, "HTTP 503", retry_at)
    got = store.get_outbox("k")
    assert (got.attempts, got.last_error, got.next_attempt_at, got.dead) == (
        1,
        "HTTP 503",
        retry_at,
        False,
    )
    assert [e.key for e in store.due_outbox(clock.now())] == ["other"]
    clock.advance(30)
    assert [e.key for e in store.due_outbox(clock.now())] == ["other", "k"]  # earliest first
    # A new version while backing off keeps the back-off.
    store.mark_attempt_failed(entry.id, "rate limited", clock.now() + timedelta(seconds=60))
    store.enqueue([write("k", title="v2")], clock.now())
    assert [e.key for e in store.due_outbox(clock.now())] == ["other"]

    store.mark_attempt_failed(entry.id, "channel_not_found", clock.now(), dead=True)
    got = store.get_outbox("k")
    assert got.dead is True and got.attempts == 3 and got.last_error == "channel_not_found"
    assert [e.key for e in store.due_outbox(clock.advance(hours=1))] == ["other"]
    assert store.outbox_counts() == {"pending": 1, "delivered": 0, "dead": 1}


def test_delivery_clears_failures(store, clock):
    store.enqueue([write("k")], clock.now())
    entry = store.get_outbox("k")
    store.mark_attempt_failed(entry.id, "HTTP 503", clock.now())
    store.mark_delivered(entry.id, 1, "m1", clock.advance(1))
    got = store.get_outbox("k")
    assert (got.attempts, got.last_error, got.delivered_version) == (0, None, 1)


def test_count_outbox_since(store, clock):
    other_channel = Target("slack", channel_id="C2")
    store.enqueue([write("alert:1"), write("alert:2"), write("digest:1")], clock.now())
    store.enqueue(
        [write("alert:3", target=other_channel), write("alert:4", target=DM)], clock.now()
    )
    later = clock.advance(minutes=30)
    store.enqueue([write("alert:5")], later)
    assert store.count_outbox_since(CHANNEL, "alert:", T0) == 3
    assert store.count_outbox_since(CHANNEL, "alert:", later) == 1
    assert store.count_outbox_since(CHANNEL, "", T0) == 4
    assert store.count_outbox_since(other_channel, "alert:", T0) == 1
    assert store.count_outbox_since(DM, "alert:", T0) == 1
    assert store.count_outbox_since(Target("discord", user_id="U2"), "alert:", T0) == 0
    assert store.count_outbox_since(CHANNEL, "al%", T0) == 0  # no LIKE wildcards


def test_outbox_counts(store, clock):
    assert store.outbox_counts() == {"pending": 0, "delivered": 0, "dead": 0}
    store.enqueue([write("a"), write("b"), write("c")], clock.now())
    a, b = store.get_outbox("a"), store.get_outbox("b")
    store.mark_delivered(a.id, 1, "m", clock.now())
    store.mark_attempt_failed(b.id, "gone", clock.now(), dead=True)
    assert store.outbox_counts() == {"pending": 1, "delivered": 1, "dead": 1}


def test_recent_notice_items_are_the_reports_recent_notices_name(store, clock):
    old = clock.now()
    store.enqueue([write("notice:slack:U1:7"), write("alert:1:0:slack:C1")], old)
    now = clock.advance(3600)
    store.enqueue(
        [write("notice:slack:U1:42"), write("notice:discord:9:42"), write("notice:slack:U2:12")],
        now,
    )
    assert store.recent_notice_items(now, 10) == [12, 42]
    assert store.recent_notice_items(old, 10) == [7, 12, 42]
    assert store.recent_notice_items(old, 1) == [12]  # the newest notice only


def test_recent_notice_items_count_items_not_the_notices_of_a_report_sent_to_many(store, clock):
    """A report a popular keyword sent to many users is one item: the limit still reaches
    the reports before it (before, the newest notices were all of one report)."""
    old = clock.now()
    store.enqueue([write("notice:slack:U1:7")], old)
    now = clock.advance(600)
    store.enqueue([write(f"notice:slack:U{n}:42") for n in range(2, 6)], now)
    store.enqueue([write("notice:slack:U1:10042")], clock.advance(600))
    assert store.recent_notice_items(old, 2) == [42, 10042]
    assert store.recent_notice_items(old, 3) == [7, 42, 10042]
    assert store.recent_notice_items(now, 3) == [42, 10042]


def test_undelivered_outbox_lists_dead_newest_first_and_pending_earliest_due_first(store, clock):
    store.enqueue([write("a"), write("b"), write("c"), write("d")], clock.now())
    a, b, c, d = (store.get_outbox(k) for k in "abcd")
    store.mark_delivered(a.id, 1, "m", clock.now())
    store.mark_attempt_failed(b.id, "channel_not_found", clock.now(), dead=True)
    store.mark_attempt_failed(c.id, "not_in_channel", clock.now(), dead=True)
    store.mark_attempt_failed(d.id, "HTTP 503", clock.now() + timedelta(minutes=5))
    dead = store.undelivered_outbox(True)
    assert [(e.key, e.last_error) for e in dead] == [
        ("c", "not_in_channel"),
        ("b", "channel_not_found"),
    ]
    assert all(e.dead for e in dead)
    assert [e.key for e in store.undelivered_outbox(True, limit=1)] == ["c"]
    (pending,) = store.undelivered_outbox(False)
    assert (pending.key, pending.attempts, pending.last_error) == ("d", 1, "HTTP 503")


def test_delivery_failure_is_the_last_give_up_for_the_target_until_a_later_delivery(store, clock):
    channel, other = Target("slack", channel_id="C1"), Target("slack", channel_id="C2")
    dm = Target("slack", user_id="C1")
    store.enqueue(
        [write("a", channel), write("b", channel), write("o", other), write("u", dm)], clock.now()
    )
    a, b, o = (store.get_outbox(k) for k in "abo")
    assert store.delivery_failure(channel) is None
    store.mark_attempt_failed(a.id, "permanent: not_in_channel", clock.now(), dead=True)
    store.mark_attempt_failed(o.id, "permanent: is_archived", clock.now(), dead=True)
    failed = store.delivery_failure(channel)
    assert failed is not None and (failed.key, failed.last_error) == (
        "a",
        "permanent: not_in_channel",
    )
    assert store.delivery_failure(dm) is None  # a user id equal to the channel id is not it
    assert store.delivery_failure(Target("discord", channel_id="C1")) is None
    clock.advance(minutes=5)
    store.mark_attempt_failed(b.id, "retry", clock.now() + timedelta(minutes=1))  # not given up
    assert store.delivery_failure(channel).key == "a"
    store.mark_delivered(b.id, 1, "m", clock.now())  # it can post there again
    assert store.delivery_failure(channel) is None
    assert store.delivery_failure(other).key == "o"


def test_delivered_outbox_lists_deliveries_since_newest_first(store, clock):
    store.enqueue([write("a"), write("b"), write("c"), write("d")], clock.now())
    a, b, c, d = (store.get_outbox(k) for k in "abcd")
    store.mark_delivered(a.id, 1, "m1", clock.now() - timedelta(hours=30))
    store.mark_delivered(b.id, 1, "m2", clock.now() - timedelta(hours=2))
    store.mark_delivered(c.id, 1, "m3", clock.now() - timedelta(hours=1))
    store.mark_attempt_failed(d.id, "channel_not_found", clock.now(), dead=True)
    since = clock.now() - timedelta(hours=24)
    got = store.delivered_outbox(since)
    assert [e.key for e in got] == ["c", "b"]
    assert got[0].delivered_at is not None and got[0].delivered_at > got[1].delivered_at
    assert [e.key for e in store.delivered_outbox(since, limit=1)] == ["c"]


def test_requeue_dead_makes_given_up_messages_due_again(store, clock):
    store.enqueue([write("a"), write("b"), write("c")], clock.now())
    a, b, c = (store.get_outbox(k) for k in "abc")
    for e in (a, b):
        store.mark_attempt_failed(e.id, "not_in_channel", clock.now(), dead=True)
    store.mark_attempt_failed(c.id, "HTTP 503", clock.now() + timedelta(hours=1))
    later = clock.now() + timedelta(minutes=5)
    assert store.requeue_dead([a.id], later) == DeadRequeue(requeued=1)
    again = store.get_outbox("a")
    assert (again.dead, again.attempts, again.next_attempt_at) == (False, 0, later)
    assert store.get_outbox("b").dead
    assert store.get_outbox("c").attempts == 1
    assert store.requeue_dead(None, later) == DeadRequeue(requeued=1)  # every dead one: b
    assert not store.get_outbox("b").dead
    assert {e.key for e in store.due_outbox(later)} == {"a", "b"}
    assert store.requeue_dead(None, later) == DeadRequeue()  # none left


def test_requeue_dead_of_ids_is_all_or_none(store, clock):
    """One id that is not a dead message (pending, delivered, unknown) requeues nothing,
    as ``discard_dead`` of it discards nothing."""
    store.enqueue([write("a"), write("b"), write("c")], clock.now())
    a, b, c = (store.get_outbox(k) for k in "abc")
    store.mark_attempt_failed(a.id, "not_in_channel", clock.now(), dead=True)
    store.mark_delivered(c.id, 1, "m3", clock.now())
    for ids in ([a.id, b.id], [c.id, a.id], [a.id, 999_999], [b.id, b.id]):
        assert store.requeue_dead(ids, clock.now()) == DeadRequeue(
            not_dead=tuple(i for i in dict.fromkeys(ids) if i != a.id)
        ), ids
    assert store.get_outbox("a").dead and store.get_outbox("a").attempts == 1
    assert store.outbox_counts() == {"pending": 1, "delivered": 1, "dead": 1}


def test_discard_dead_deletes_given_up_messages_and_nothing_else(store, clock):
    store.enqueue([write("a"), write("b"), write("c"), write("d")], clock.now())
    a, b, c, d = (store.get_outbox(k) for k in "abcd")
    for e in (a, b):
        store.mark_attempt_failed(e.id, "channel_not_found", clock.now(), dead=True)
    store.mark_attempt_failed(c.id, "HTTP 503", clock.now() + timedelta(hours=1))  # pending
    store.mark_delivered(d.id, 1, "m4", clock.now())
    got = store.discard_dead([b.id])
    assert ([e.key for e in got.discarded], got.not_dead) == (["b"], ())
    assert got.discarded[0].last_error == "channel_not_found"
    assert store.get_outbox("b") is None
    assert [e.key for e in store.discard_dead(None).discarded] == ["a"]
    assert store.outbox_counts() == {"pending": 1, "delivered": 1, "dead": 0}
    assert store.discard_dead(None) == DeadDiscard()  # none left


def test_discard_dead_of_ids_is_all_or_none(store, clock):
    """One id that is not a dead message (pending, delivered, unknown) discards nothing."""
    store.enqueue([write("a"), write("b"), write("c")], clock.now())
    a, b, c = (store.get_outbox(k) for k in "abc")
    store.mark_attempt_failed(a.id, "channel_not_found", clock.now(), dead=True)
    store.mark_delivered(c.id, 1, "m3", clock.now())
    for ids in ([a.id, b.id], [c.id, a.id], [a.id, 999_999], [b.id, b.id]):
        got = store.discard_dead(ids)
        assert got.discarded == () and got.not_dead == tuple(
            i for i in dict.fromkeys(ids) if i != a.id
        ), ids
    assert store.get_outbox("a").dead and store.get_outbox("b") and store.get_outbox("c")
    assert store.outbox_counts() == {"pending": 1, "delivered": 1, "dead": 1}


def test_discard_dead_leaves_a_message_retry_requeued_meanwhile(store, clock):
    """``outbox`` listed it dead, then ``--retry`` made it due (the worker may be posting it
    now): a ``--discard`` of it is refused, and one of all dead messages leaves it."""
    store.enqueue([write("a")], clock.now())
    a = store.get_outbox("a")
    store.mark_attempt_failed(a.id, "not_in_channel", clock.now(), dead=True)
    assert store.requeue_dead(None, clock.now()) == DeadRequeue(requeued=1)
    assert store.discard_dead([a.id]) == DeadDiscard(not_dead=(a.id,))
    assert store.discard_dead(None) == DeadDiscard()
    assert store.get_outbox("a").delivered_version < store.get_outbox("a").version


def test_discard_dead_keeps_a_posted_alert_with_its_edit_cancelled(store, clock):
    """An alert posted, whose edit was given up on: the row records the message a later
    report edits (as an unfollow keeps it); the edit goes, and it is no longer dead."""
    store.enqueue([write("a", title="first")], clock.now())
    a = store.get_outbox("a")
    store.mark_delivered(a.id, 1, "m1", clock.now())
    store.enqueue([write("a", title="second")], clock.now())
    store.mark_attempt_failed(a.id, "message_not_found", clock.now(), dead=True)
    got = store.discard_dead([a.id])
    assert [(e.id, e.version, e.message.title) for e in got.discarded] == [(a.id, 2, "second")]
    kept = store.get_outbox("a")
    assert (kept.message_id, kept.dead, kept.version, kept.delivered_version) == ("m1", False, 1, 1)
    assert (kept.attempts, kept.last_error) == (0, None)
    assert store.outbox_counts() == {"pending": 0, "delivered": 1, "dead": 0}
    store.enqueue([write("a", title="third")], clock.now())  # a later report edits it
    assert [e.key for e in store.due_outbox(clock.now())] == ["a"]


# --------------------------------------------------------------------------- restart


def test_reopening_keeps_everything(db_url, clock):
    first = open_store(db_url)
    try:
        story = _story(first)
        feed = first.add_feed("https://a.example/rss", clock.now())
        _, item = first.ingest_item(new_item(1))
        first.commit_decisions(
            [_judge(story.id, item.id, development=1)],
            [DevelopmentWrite(story.id, 1, "H", "S", (item.id,))],
            {story.id: {"v": 1}},
            [write("alert:1")],
            clock.now(),
        )
        binding = first.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    finally:
        first.close()

    second = open_store(db_url)
    try:
        assert second.get_story("s1") == story
        assert second.get_feed_by_id(feed.id) == feed
        assert second.due_feeds(clock.now()) == [feed]
        assert second.get_item(item.id) == item
        assert second.ingest_item(new_item(1))[0] is IngestOutcome.SEEN
        assert second.load_engine_state(story.id) == {"v": 1}
        assert second.get_development(story.id, 1).item_count == 1
        assert second.list_bindings() == [binding]
        assert [e.key for e in second.due_outbox(clock.now())] == ["alert:1"]
        # Ids keep counting from where they were.
        _, item2 = second.ingest_item(new_item(2))
        assert item2.id > item.id
    finally:
        second.close()


def test_unknown_outbox_ids_are_ignored(store, clock):
    store.mark_delivered(12345, 1, "m", clock.now())
    store.mark_attempt_failed(12345, "x", clock.now())
    assert store.outbox_counts() == {"pending": 0, "delivered": 0, "dead": 0}


def test_outbox_write_is_the_port_dataclass(store, clock):
    # Writes built directly from bot.ports work as well as the helper's.
    store.enqueue([OutboxWrite("x", DM, message("hi"))], clock.now())
    assert store.get_outbox("x").message == message("hi")


def test_concurrent_ingest_of_one_item_stores_it_once(db_url):
    stores = [open_store(db_url) for _ in range(2)]
    barrier = threading.Barrier(8)
    outcomes: list[IngestOutcome] = []

    def ingest(store: SqlStore) -> None:
        barrier.wait()
        outcomes.append(store.ingest_item(new_item(1))[0])

    threads = [threading.Thread(target=ingest, args=(stores[i % 2],)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == [IngestOutcome.NEW] + [IngestOutcome.SEEN] * 7
        assert stores[0].count_items() == 1
    finally:
        for store in stores:
            store.close()


def test_post_started_is_kept_until_delivery_and_then_cleared(store, clock):
    store.enqueue([write("k")], clock.now())
    entry = store.get_outbox("k")
    assert entry.post_started_at is None
    store.mark_post_started(entry.id, T0)
    store.mark_post_started(entry.id, clock.advance(60))  # the first start is the one kept
    assert store.get_outbox("k").post_started_at == T0
    store.mark_delivered(entry.id, 1, "m-1", clock.advance(1))
    entry = store.get_outbox("k")
    assert entry.post_started_at is None and entry.message_id == "m-1"


def test_post_started_says_whether_the_row_still_waits_for_its_first_post(store, clock):
    """What the delivery worker asks before posting a row from the batch it read: one
    taken back, given up on or posted since must not be posted from that copy."""
    store.enqueue([write("waiting"), write("posted"), write("dead")], clock.now())
    assert store.mark_post_started(store.get_outbox("waiting").id, T0) is True
    assert store.mark_post_started(store.get_outbox("waiting").id, T0) is True  # a retry
    posted = store.get_outbox("posted")
    store.mark_delivered(posted.id, 1, "m-1", clock.now())
    assert store.mark_post_started(posted.id, T0) is False
    dead = store.get_outbox("dead")
    store.mark_attempt_failed(dead.id, "permanent: x", clock.now(), dead=True)
    assert store.mark_post_started(dead.id, T0) is False
    assert store.get_outbox("dead").post_started_at is None
    assert store.mark_post_started(9999, T0) is False  # taken back: the row is gone


def test_a_forgotten_message_is_posted_again_as_a_first_post(store, clock):
    store.enqueue([write("k")], clock.now())
    entry = store.get_outbox("k")
    store.mark_post_started(entry.id, T0)
    store.mark_delivered(entry.id, 1, "m-1", clock.advance(1))
    store.forget_message(entry.id, clock.advance(60))  # someone deleted m-1
    entry = store.get_outbox("k")
    assert entry.message_id is None and entry.post_started_at == clock.now()


def test_feed_status_counts_and_failing_feeds(store, clock):
    from bot.model import FeedStatus

    assert store.feed_status_counts() == {FeedStatus.NEW: 0, FeedStatus.OK: 0, FeedStatus.ERROR: 0}
    a = store.add_feed("https://a.example/feed", clock.now())
    b = store.add_feed("https://b.example/feed", clock.now())
    store.add_feed("https://c.example/feed", clock.now())
    for feed, errors in ((a, 1), (b, 3)):
        store.record_poll(
            PollOutcome(
                feed.id,
                FeedStatus.ERROR,
                clock.now(),
                clock.now(),
                errors,
                "HTTP 500",
                None,
                None,
                None,
            )
        )
    assert store.feed_status_counts() == {FeedStatus.NEW: 1, FeedStatus.OK: 0, FeedStatus.ERROR: 2}
    assert [f.url for f in store.failing_feeds(5)] == [
        "https://b.example/feed",
        "https://a.example/feed",
    ]
    assert len(store.failing_feeds(1)) == 1


# --------------------------------------------------------------------------- batches


def _ranked(known_ids, results):
    """Results with ids replaced by their rank (PostgreSQL ids keep counting between
    tests): ``known_ids`` first, then new ids in order of appearance."""
    order = list(known_ids)
    for _, item in results:
        if item.id not in order:
            order.append(item.id)
    return [(outcome, replace(item, id=order.index(item.id))) for outcome, item in results]


def test_ingest_items_matches_one_call_per_item(store, tmp_path):
    """A batch gives exactly the outcomes and items of separate ``ingest_item`` calls,
    duplicates, updates and canonical-URL matches inside the batch included."""
    long_key = "guid:" + "é" * 3000
    stored_first = [
        new_item(1),
        new_item(2, canonical_url=None),
        new_item(9, key="k9a", canonical_url="https://news.example/9"),
        new_item(9, key="k9b", canonical_url="https://news.example/9b"),
        new_item(10, canonical_url=None),
    ]
    batch = [
        new_item(1),  # stored: SEEN
        new_item(1, key="k1-mirror"),  # stored, found by canonical URL: SEEN
        new_item(2, content_hash="h2b"),  # stored, text changed: UPDATED (gains its URL)
        new_item(2, key="k2-mirror", content_hash="h2b"),  # by that URL now: SEEN
        new_item(3),  # NEW
        new_item(3),  # the same again: SEEN
        new_item(3, key="k3-mirror", content_hash="h3b"),  # the new row, by URL: UPDATED
        new_item(4, canonical_url=None),  # NEW, no URL
        new_item(4, key="k4b", canonical_url=None),  # only keys can match: NEW
        new_item(4, content_hash="h4b"),  # k4: UPDATED, gains its URL
        new_item(5, canonical_url="https://news.example/4"),  # k4's row by URL: UPDATED
        new_item(6, key=long_key),  # NEW under a digest key
        new_item(6, key=long_key, canonical_url=None),  # SEEN by the digest
        new_item(7, key="k9b", canonical_url="https://news.example/9"),  # key first: UPDATED
        new_item(8, canonical_url="https://news.example/9"),  # the oldest with the URL: k9a
        new_item(10, key="k10-new"),  # NEW with URL /10
        new_item(10, content_hash="h10b"),  # stored k10: UPDATED, gains URL /10 too
        new_item(10, key="k10-3", content_hash="h10c"),  # two rows hold /10: no one's, NEW
    ]
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    try:
        known = [reference.ingest_item(item)[1].id for item in stored_first]
        expected = _ranked(known, [reference.ingest_item(item) for item in batch])
    finally:
        reference.close()

    known = [store.ingest_item(item)[1].id for item in stored_first]
    got = _ranked(known, store.ingest_items(batch))

    O = IngestOutcome  # noqa: E741 (one letter keeps the expected table readable)
    assert [outcome for outcome, _ in got] == [
        O.SEEN, O.SEEN, O.UPDATED, O.SEEN, O.NEW, O.SEEN, O.UPDATED, O.NEW, O.NEW,
        O.UPDATED, O.UPDATED, O.NEW, O.SEEN, O.UPDATED, O.UPDATED, O.NEW, O.UPDATED,
        O.NEW,
    ]  # fmt: skip
    assert got == expected
    assert [item.id for _, item in got[-3:]] == [9, 4, 10]  # k10-new and k10-3 are new
    assert got[-2][1].version == 2
    assert store.count_items() == len(stored_first) + 6


def test_ingest_items_returns_each_item_as_of_its_turn(store):
    results = store.ingest_items(
        [new_item(1), new_item(1, content_hash="h1b", title="T2"), new_item(1, content_hash="h1c")]
    )
    assert [(o, i.version, i.content_hash) for o, i in results] == [
        (IngestOutcome.NEW, 1, "h1"),
        (IngestOutcome.UPDATED, 2, "h1b"),
        (IngestOutcome.UPDATED, 3, "h1c"),
    ]
    assert len({i.id for _, i in results}) == 1 and results[0][1].id > 0
    assert results[1][1].title == "T2"
    assert store.get_item(results[0][1].id) == results[2][1]
    assert store.ingest_items([]) == []
    # New rows get ids in batch order.
    fresh = store.ingest_items([new_item(5), new_item(3), new_item(4)])
    assert [i.key for _, i in sorted(fresh, key=lambda r: r[1].id)] == ["k5", "k3", "k4"]


def test_ingest_items_is_one_transaction(store):
    store.ingest_item(new_item(1))
    results = store.ingest_items([new_item(2), new_item(1, content_hash="h1b")])
    assert [o for o, _ in results] == [IngestOutcome.NEW, IngestOutcome.UPDATED]
    assert store.count_items() == 2


def _poll(feed_id, status, at, **kw):
    fields = {
        "feed_id": feed_id,
        "status": status,
        "polled_at": at,
        "next_poll_at": at + timedelta(seconds=900),
        "error_count": 0,
        "last_error": None,
        "etag": None,
        "last_modified": None,
        "body_hash": None,
    }
    fields.update(kw)
    return PollOutcome(**fields)


def test_record_polls_writes_each_outcome_in_order(store, clock):
    a = store.add_feed("https://a.example/rss", clock.now())
    b = store.add_feed("https://b.example/rss", clock.now())
    gone = store.add_feed("https://gone.example/rss", clock.now())
    store.remove_feed(gone.url)
    t1 = clock.advance(seconds=5)
    store.record_poll(_poll(b.id, FeedStatus.OK, t1, title="B News", etag='"e0"'))
    t2 = clock.advance(seconds=5)
    store.record_polls(
        [
            _poll(a.id, FeedStatus.OK, t2, etag='"e1"', title="A News", body_hash="h"),
            _poll(gone.id, FeedStatus.OK, t2),  # removed meanwhile: ignored
            _poll(b.id, FeedStatus.ERROR, t2, error_count=2, last_error="HTTP 503"),
        ]
    )
    got_a, got_b = store.get_feed_by_id(a.id), store.get_feed_by_id(b.id)
    assert (got_a.status, got_a.last_ok_at, got_a.last_polled_at) == (FeedStatus.OK, t2, t2)
    assert (got_a.etag, got_a.body_hash, got_a.title) == ('"e1"', "h", "A News")
    assert got_a.next_poll_at == t2 + timedelta(seconds=900)
    assert (got_b.status, got_b.error_count, got_b.last_error) == (FeedStatus.ERROR, 2, "HTTP 503")
    assert (got_b.last_ok_at, got_b.last_polled_at) == (t1, t2)  # the last good poll is kept
    assert got_b.title == "B News" and got_b.etag is None
    assert [f.url for f in store.list_feeds()] == [a.url, b.url]
    _assert_utc(got_a.last_ok_at, got_b.last_ok_at, got_b.next_poll_at)

    # The same feed twice: the later outcome wins, a None title keeps the last one given.
    t3 = clock.advance(seconds=5)
    store.record_polls(
        [
            _poll(a.id, FeedStatus.ERROR, t3, error_count=1, title="A renamed"),
            _poll(a.id, FeedStatus.OK, t3 + timedelta(seconds=1)),
        ]
    )
    got_a = store.get_feed_by_id(a.id)
    assert (got_a.status, got_a.error_count, got_a.title) == (FeedStatus.OK, 0, "A renamed")
    assert got_a.last_ok_at == t3 + timedelta(seconds=1)
    store.record_polls([])


# --------------------------------------------------------------------------- story counters


def test_story_stats_add_up_across_batches(store, clock):
    story = _story(store)
    late = store.ingest_item(new_item(1, at=T0 + timedelta(hours=5)))[1]
    early = store.ingest_item(new_item(2, at=T0 + timedelta(hours=1)))[1]
    copy = store.ingest_item(new_item(3, source="Outlet 1", at=T0 + timedelta(hours=2)))[1]
    off = store.ingest_item(new_item(4, source="Only off-topic", at=T0 + timedelta(hours=9)))[1]
    store.commit_decisions([_judge(story.id, late.id)], [], {}, [], clock.now())
    store.commit_decisions(
        [
            _judge(story.id, early.id),
            _judge(story.id, copy.id, duplicate_of=late.id),
            _judge(story.id, off.id, on_topic=False),
        ],
        [],
        {},
        [],
        clock.advance(60),
    )
    stats = store.story_stats(story.id)
    assert (stats.items_on_topic, stats.copies, stats.sources) == (3, 1, 2)
    assert stats.last_item_at == T0 + timedelta(hours=5)  # an older item does not move it back

    # A batch that fails changes no counter.
    newer = store.ingest_item(new_item(5, at=T0 + timedelta(hours=20)))[1]
    with pytest.raises(Conflict):
        store.commit_decisions(
            [_judge(story.id, newer.id), _judge(story.id, late.id)], [], {}, [], clock.now()
        )
    assert store.story_stats(story.id) == stats

    # Removing the story removes its counters: a new story of the same name starts at 0.
    store.remove_story(story.name)
    again = _story(store)
    empty = store.story_stats(again.id)
    assert (empty.items_on_topic, empty.copies, empty.sources, empty.last_item_at) == (
        0,
        0,
        0,
        None,
    )
    store.commit_decisions([_judge(again.id, newer.id)], [], {}, [], clock.now())
    stats = store.story_stats(again.id)
    assert (stats.items_on_topic, stats.sources, stats.last_item_at) == (
        1,
        1,
        T0 + timedelta(hours=20),
    )


def test_an_outlet_label_too_long_for_an_index_is_counted(store, clock):
    # An item's outlet is its link's host when the feed's title names none, and a feed
    # entry's link may hold a host of thousands of characters. story_sources' primary key
    # holds the label: on PostgreSQL (B-tree entries up to about 2.7 kB) the commit of the
    # cycle's decisions failed ("index row size 5016 exceeds btree version 4 maximum
    # 2704"), every cycle, and no story judged anything again.
    story = _story(store)
    noise = "".join(f"{n * 7919 % 100_003:05d}" for n in range(1, 1001))  # not compressible
    hosts = [f"{noise}.example", f"{noise}.example.org", "outlet.example"]
    items = [
        store.ingest_item(new_item(n, source=host))[1] for n, host in enumerate(hosts, start=1)
    ]
    assert [item.source for item in items] == hosts  # the item keeps its label whole
    store.commit_decisions([_judge(story.id, item.id) for item in items], [], {}, [], clock.now())
    # a second judgement of the same outlet adds no outlet
    again = store.ingest_item(new_item(4, source=hosts[0]))[1]
    store.commit_decisions([_judge(story.id, again.id)], [], {}, [], clock.now())
    stats = store.story_stats(story.id)
    assert (stats.items_on_topic, stats.sources) == (4, 3)
    # recomputed from the judgements (bulk-loaded data), the same
    with store.engine.begin() as conn:
        rebuild_story_counters(conn)
    assert store.story_stats(story.id) == stats


# --------------------------------------------------------------------------- outbox batches


def test_outbox_batch_mixes_new_and_stored_keys(store, clock):
    store.enqueue([write("old", title="o1"), write("kept", title="k1")], clock.now())
    later = clock.advance(60)
    store.enqueue(
        [
            write("new", title="n1"),
            write("old", title="o2"),
            write("kept", title="k2", only_if_new=True),  # stored: no-op
            write("fresh", title="f1", only_if_new=True),  # new: inserted
            write("fresh", title="f2", only_if_new=True),  # now stored: no-op
            write("old", title="o3"),  # twice in one batch: bumped twice
            write("new", title="n2"),
        ],
        later,
    )
    got = {key: store.get_outbox(key) for key in ("old", "kept", "new", "fresh")}
    assert (got["old"].version, got["old"].message.title, got["old"].created_at) == (3, "o3", T0)
    assert (got["kept"].version, got["kept"].message.title) == (1, "k1")
    assert (got["new"].version, got["new"].message.title, got["new"].created_at) == (2, "n2", later)
    assert (got["fresh"].version, got["fresh"].message.title) == (1, "f1")
    assert got["new"].next_attempt_at == later and got["old"].next_attempt_at == T0
    # New rows are inserted in the order of their first write.
    assert [e.key for e in store.due_outbox(later)] == ["old", "kept", "new", "fresh"]
    assert got["new"].id < got["fresh"].id


def test_a_rescheduled_attempt_that_does_not_count(store, clock):
    store.enqueue([write("k")], clock.now())
    entry = store.get_outbox("k")
    store.mark_attempt_failed(entry.id, "rate limited", clock.advance(30), count=False)
    entry = store.get_outbox("k")
    assert (entry.attempts, entry.last_error, entry.next_attempt_at) == (
        0,
        "rate limited",
        clock.now(),
    )
    store.mark_attempt_failed(entry.id, "HTTP 503", clock.advance(30))
    assert store.get_outbox("k").attempts == 1


# --------------------------------------------------------------------------- retention


def test_prune_blanks_only_old_unneeded_items_and_sent_notices(store, clock):
    story = _story(store)
    old, on_topic, in_dev, recent, unread = (
        store.ingest_item(new_item(n, at=T0 + timedelta(days=days)))[1]
        for n, days in ((1, 0), (2, 0), (3, 0), (4, 60), (5, 0))
    )
    store.commit_decisions(
        [
            _judge(story.id, old.id, on_topic=False, score=0.01),
            _judge(story.id, on_topic.id),
            _judge(story.id, in_dev.id, on_topic=False, score=0.01),
            _judge(story.id, recent.id, on_topic=False, score=0.01),
        ],
        [DevelopmentWrite(story.id, 1, "H", "S", (in_dev.id,))],
        {},
        [],
        T0,
    )
    # the engine's statistics count items through `recent`; `unread` (id 5) waits for them
    store.save_background({"n_docs": 4, "df": {}}, recent.id, T0)
    store.save_page_texts({item.id: f"Page {item.id}" for item in (old, on_topic, recent)})
    sent, pending, alert = "notice:1:1", "notice:1:2", f"alert:{story.id}:1:slack:C1"
    told = "gone:story-9:slack:U1"  # a removal notice, delivered
    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, T0)
    store.enqueue([write(sent, DM), write(pending, DM), write(alert, CHANNEL), write(told, DM)], T0)
    for key in (sent, alert, told):
        entry = store.get_outbox(key)
        store.mark_delivered(entry.id, entry.version, "m1", T0)
    cutoff = T0 + timedelta(days=30)

    counted = store.prune(cutoff, dry_run=True)
    assert (counted.items, counted.outbox, counted.dry_run) == (1, 2, True)
    assert store.get_item(old.id).summary == old.summary != ""  # a dry run changes nothing

    done = store.prune(cutoff)
    assert (done.items, done.outbox) == (1, 2)
    assert store.get_outbox(told) is None
    blanked = store.get_item(old.id)
    assert (blanked.summary, blanked.content, blanked.page_text) == ("", "", "")
    assert blanked.title == old.title
    for kept in (on_topic, in_dev, recent, unread):
        assert store.get_item(kept.id).summary == kept.summary != ""
    assert [store.get_item(kept.id).page_text for kept in (on_topic, recent)] == [
        f"Page {on_topic.id}",
        f"Page {recent.id}",
    ]
    assert store.get_outbox(sent) is None
    assert store.get_outbox(pending) is not None and store.get_outbox(alert) is not None
    assert len(store.decisions_for_item(old.id)) == 1  # /story why still explains it
    # the feed still lists it: the same identity and hash, so it is SEEN, not news
    outcome, again = store.ingest_item(new_item(1))
    assert outcome is IngestOutcome.SEEN and again.id == old.id
    assert store.prune(cutoff).items == 0


def test_prune_keeps_the_text_of_old_off_topic_items_an_admin_corrected(store, clock):
    # `/story wrong`: an item said to be part of the story (judged off-topic) counts as a
    # seed, one said not to be (judged off-topic again after an update, say) is a
    # held-back example; the engine is taught each from the item's stored text whenever
    # its state lacks the correction (bot.teaching), and `/story why` quotes its words.
    # Blanked, a correction given before a prune taught the engine a headline alone.
    story, other = _story(store), _story(store, "s2")
    said_part, said_not, plain = _items(store, 1, 2, 3)
    store.commit_decisions(
        [_judge(story.id, item.id, on_topic=False, score=0.01) for item in (said_part, said_not)]
        + [_judge(other.id, plain.id, on_topic=False, score=0.01)],
        [],
        {},
        [],
        T0,
    )
    store.save_background({"n_docs": 3, "df": {}}, plain.id, T0)
    store.save_page_texts({item.id: f"Page {item.id}" for item in (said_part, said_not, plain)})
    for item, on_topic in ((said_part, True), (said_not, False)):
        store.set_correction(Correction(story.id, item.id, on_topic, "slack", "UADMIN", T0))
    cutoff = T0 + timedelta(days=30)

    counted = store.prune(cutoff, dry_run=True)
    done = store.prune(cutoff)
    assert counted.items == done.items == 1
    assert store.get_item(plain.id).summary == ""
    for kept in (said_part, said_not):
        got = store.get_item(kept.id)
        assert (got.summary, got.content, got.page_text) == (
            kept.summary,
            kept.content,
            f"Page {kept.id}",
        )
        assert kept.summary != ""
    # withdrawn, the correction no longer holds the text: the next prune blanks it
    store.remove_correction(story.id, said_not.id)
    assert store.prune(cutoff).items == 1
    assert store.get_item(said_not.id).summary == ""
    assert store.get_item(said_part.id).summary == said_part.summary


def test_prune_keeps_the_text_of_an_old_item_whose_update_is_not_judged_yet(store, clock):
    # An old off-topic item the feed edits: the new text is stored at once and judged
    # after (item_updates, pending_updates; a scale-out judging job runs later, a cycle
    # that failed leaves it to the next). A prune between the two blanked the new text,
    # so the update was judged on its headline alone and what it added was never seen.
    story = _story(store)
    edited, plain = _items(store, 1, 2)
    store.commit_decisions(
        [_judge(story.id, item.id, on_topic=False, score=0.01) for item in (edited, plain)],
        [],
        {},
        [],
        T0,
    )
    store.save_background({"n_docs": 2, "df": {}}, plain.id, T0)
    later = T0 + timedelta(days=100)
    outcome, updated = store.ingest_item(
        new_item(1, at=later, summary="Summary 1, now with news", content_hash="h1b")
    )
    assert outcome is IngestOutcome.UPDATED
    assert [u.item_id for u in store.pending_updates()] == [edited.id]
    cutoff = T0 + timedelta(days=30)  # both were fetched before it

    counted = store.prune(cutoff, dry_run=True)
    done = store.prune(cutoff)
    assert counted.items == done.items == 1
    assert store.get_item(plain.id).summary == ""
    got = store.get_item(edited.id)
    assert (got.summary, got.content) == ("Summary 1, now with news", updated.content)
    # judged (on topic or not), the update no longer holds the text back
    store.commit_decisions(
        [],
        [],
        {},
        [],
        later,
        revised=[_judge(story.id, edited.id, on_topic=False, score=0.02)],
        versions={edited.id: updated.version},
    )
    assert store.pending_updates() == []
    assert store.prune(cutoff).items == 1 and store.get_item(edited.id).summary == ""


def _extend(store: SqlStore, story, number: int, n: int, at) -> int:
    """Item ``n`` reports development ``number`` at ``at``, adding a fact once it exists
    (a development update); returns the story's update seq after it."""
    item = store.ingest_item(new_item(n, at=at))[1]
    write = DevelopmentWrite(
        story.id, number, "H", "S", (item.id,), fact=f"Outlet {n}: more. [2]", fact_item_id=item.id
    )
    store.commit_decisions([], [write], {}, [], at)
    return store.development_updates_after(story.id, 0)[1]


def _updates(store: SqlStore, story) -> list[int]:
    return [u.seq for u in store.development_updates_after(story.id, 0)[0]]


def _pass(store: SqlStore, binding, through: int, at) -> None:
    """``binding``'s digests told (or passed) the story's updates through ``through``."""
    [b] = [b for b in store.bindings_for_story(binding.story_id) if b.id == binding.id]
    assert store.queue_digest(
        b.id, b.digested_seq, b.digested_seq, [], at, updates=(b.updated_seq, through)
    )


def test_prune_deletes_old_development_updates_every_follow_has_passed(store, clock):
    """Digests read a story's updates after each follow's watermark only: one every
    follow is past is read by none again. A story nobody follows has passed them all
    (a new follow starts at its latest update). What is newer than the cut-off stays."""
    followed, alone = _story(store), _story(store, "s2")
    ahead = store.bind(followed.id, "slack", "C1", DeliveryMode.DIGEST, 6, T0)
    behind = store.bind(followed.id, "slack", "C2", DeliveryMode.REALTIME, 6, T0)
    _extend(store, followed, 1, 1, T0)  # the development, new: no update
    first = _extend(store, followed, 1, 2, T0)
    second = _extend(store, followed, 1, 3, T0)
    late = _extend(store, followed, 1, 4, T0 + timedelta(days=40))
    _pass(store, ahead, late, T0 + timedelta(days=40))
    _pass(store, behind, first, T0)  # the other follow read only the first
    _extend(store, alone, 1, 5, T0)
    _extend(store, alone, 1, 6, T0)
    assert _updates(store, alone) == [1]
    cutoff = T0 + timedelta(days=30)

    counted = store.prune(cutoff, dry_run=True)
    assert (counted.updates, counted.dry_run) == (2, True)
    assert _updates(store, followed) == [first, second, late], "a dry run changes nothing"

    done = store.prune(cutoff)
    assert done.updates == 2
    assert _updates(store, followed) == [second, late], "one follow has yet to read the second"
    assert _updates(store, alone) == []
    _pass(store, behind, late, T0 + timedelta(days=40))
    assert store.prune(cutoff).updates == 1
    assert _updates(store, followed) == [late], "passed by all, but newer than the cut-off"
    assert store.prune(T0 + timedelta(days=41)).updates == 1
    # a digest still reads what is left after its watermark: nothing was lost
    assert store.development_updates_after(followed.id, late)[0] == []


def test_development_updates_are_read_by_development_for_an_export(store, clock):
    """An export reads a page of developments' updates at a time: those of the numbers
    asked for, in the story's commit order, each with its fact, report link and time."""
    story, other = _story(store), _story(store, "s2")
    _extend(store, story, 1, 1, T0)
    _extend(store, story, 2, 2, T0)
    _extend(store, story, 2, 3, T0 + timedelta(hours=2))
    _extend(store, story, 1, 4, T0 + timedelta(hours=1))
    _extend(store, other, 1, 5, T0)
    _extend(store, other, 1, 6, T0)

    updates = store.development_updates(story.id, [1, 2])
    assert [(u.number, u.fact, u.seq) for u in updates] == [
        (2, "Outlet 3: more. [2]", 1),
        (1, "Outlet 4: more. [2]", 2),
    ]
    assert updates[0].url == "https://news.example/3?utm=x"
    assert updates[0].reported_at == T0 + timedelta(hours=2, minutes=-5)  # published
    assert [u.number for u in store.development_updates(story.id, [1])] == [1]
    assert store.development_updates(story.id, [3]) == []
    assert store.development_updates(story.id, []) == []
    assert [u.fact for u in store.development_updates(other.id, [1])] == ["Outlet 6: more. [2]"]


# --------------------------------------------------------------------------- updates in place


def test_the_latest_development_updates_are_read_newest_first_for_status(store, clock):
    """/story status reads a story's last few updates, however many it has: newest commit
    first, each with its development's number, fact, report link and time."""
    story, other = _story(store), _story(store, "s2")
    _extend(store, story, 1, 1, T0)  # new: no update
    _extend(store, story, 2, 2, T0)
    for n in (3, 4, 5):
        _extend(store, story, 1 if n % 2 else 2, n, T0 + timedelta(hours=n))
    _extend(store, other, 1, 6, T0)
    _extend(store, other, 1, 7, T0)

    latest = store.latest_development_updates(story.id, 2)
    assert [(u.number, u.fact, u.seq) for u in latest] == [
        (1, "Outlet 5: more. [2]", 3),
        (2, "Outlet 4: more. [2]", 2),
    ]
    assert latest[0].url == "https://news.example/5?utm=x"
    assert latest[0].reported_at == T0 + timedelta(hours=5, minutes=-5)  # published
    assert [u.seq for u in store.latest_development_updates(story.id, 10)] == [3, 2, 1]
    assert [u.seq for u in store.latest_development_updates(other.id, 10)] == [1]


def test_developments_are_read_by_number_in_one_go(store, clock):
    story = _story(store)
    for number in (1, 2, 3):
        _extend(store, story, number, number, T0)
    _extend(store, story, 3, 4, T0)
    devs = store.developments_numbered(story.id, [3, 1, 9])
    assert [(d.number, d.item_count) for d in devs] == [(1, 1), (3, 2)]
    assert list(devs[1].sources) == ["Outlet 3", "Outlet 4"]
    assert store.developments_numbered(story.id, []) == []


def test_an_update_waits_with_the_judged_text_until_its_version_is_judged(store):
    story = _story(store)
    (item,) = _items(store, 1)
    store.commit_decisions(
        [_judge(story.id, item.id, on_topic=False)], [], {}, [], T0, versions={item.id: 1}
    )
    assert store.decisions_for_item(item.id)[0].item_version == 1
    assert store.pending_updates() == []

    later = T0 + timedelta(hours=1)
    store.ingest_item(new_item(1, at=later, content="Version 2", content_hash="h2"))
    store.ingest_item(new_item(1, at=later, content="Version 3", content_hash="h3"))
    (update,) = store.pending_updates()
    # the latest version; the text its judgement read, from before the first update
    assert (update.item_id, update.version, update.title, update.text) == (
        item.id,
        3,
        "Title 1",
        "Content 1",
    )
    _assert_utc(update.stored_at)

    # judged at version 2 (version 3 came in meanwhile): still pending, compared with
    # version 2 now, the one judged
    store.commit_decisions(
        [], [], {}, [], later, versions={item.id: 2}, texts={item.id: ("Title 1", "Version 2")}
    )
    (update,) = store.pending_updates()
    assert (update.version, update.title, update.text) == (3, "Title 1", "Version 2")
    # version 3 judged: taken on-topic now, the judgement replaced and counted
    store.commit_decisions(
        [],
        [],
        {},
        [],
        later,
        revised=[_judge(story.id, item.id, development=1, reason={"updated": {"version": 3}})],
        versions={item.id: 3},
    )
    assert store.pending_updates() == []
    (decision,) = store.decisions_for_item(item.id)
    assert decision.judgement.on_topic and decision.judgement.development == 1
    assert (decision.item_version, decision.decided_at) == (3, later)
    assert store.story_stats(story.id).items_on_topic == 1
    # revised again (still on-topic): counted once
    store.commit_decisions([], [], {}, [], later, revised=[_judge(story.id, item.id)])
    assert store.story_stats(story.id).items_on_topic == 1


def test_only_an_update_of_a_stored_item_is_pending(store):
    (item,) = _items(store, 1)
    store.ingest_item(new_item(1))  # SEEN
    store.ingest_item(new_item(2))  # NEW
    assert store.pending_updates() == []
    store.ingest_item(new_item(1, content_hash="h2", content="Two"))
    assert [u.item_id for u in store.pending_updates()] == [item.id]
    assert store.pending_updates(limit=0) == []


def test_two_overlapping_unsubscribes_take_back_the_dm_both_subscriptions_caused(store, clock):
    """The user removes the two subscriptions that matched a waiting DM at the same time
    (two requests, a story's removal and an unsubscribe): each, deciding while the other
    has not committed, must not keep the DM because of the other's subscription."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: there is no overlap")
    from sqlalchemy import delete

    from storage.models import SubscriptionRow
    from storage.outbox import take_back_notices

    rail = store.add_subscription("slack", "U1", "rail", None, clock.now())
    wage = store.add_subscription("slack", "U1", "wage", None, clock.now())
    key = "notice:slack:U1:1"
    store.enqueue(
        [write(key, Target("slack", user_id="U1"), subscription_ids=(rail.id, wage.id))],
        clock.now(),
    )
    removed: list[bool] = []
    second = threading.Thread(
        target=lambda: removed.append(store.remove_subscription("slack", "U1", wage.id))
    )
    with store._write() as session:  # the first unsubscribe, not committed yet
        session.execute(delete(SubscriptionRow).where(SubscriptionRow.id == rail.id))
        assert take_back_notices(session, [(rail.id, "slack", "U1")]) == 0, "wage: still due"
        second.start()
        _lock_waits(store, second)
    second.join()
    assert removed == [True]
    assert store.list_subscriptions("slack", "U1") == []
    assert store.get_outbox(key) is None, "both its subscriptions are gone: taken back"


# ------------------------------------------- users told of subscriptions removed for them


def _gone_rows(store):
    """The outbox rows keyed ``gone:``, by (platform, user), with their message."""
    rows = store.undelivered_outbox(dead=False, limit=100)
    return {(e.target.platform, e.target.user_id): e for e in rows if e.key.startswith("gone:")}


def test_remove_story_tells_each_subscriber_once_in_its_transaction(store, clock):
    story = _story(store, "anthropic-pentagon")
    other = _story(store, "s2")
    a = store.add_subscription("slack", "U1", "pentagon deal", story.id, clock.now())
    b = store.add_subscription("slack", "U1", "hearing", story.id, clock.now())
    c = store.add_subscription("discord", "42", "claude", story.id, clock.now())
    store.add_subscription("slack", "U3", "pentagon", None, clock.now())  # all stories
    store.add_subscription("slack", "U4", "pentagon", other.id, clock.now())  # another story

    assert store.remove_story(story.name, story_removed(story.name, clock.now())) is True
    rows = _gone_rows(store)
    assert sorted(rows) == [("discord", "42"), ("slack", "U1")], "one per user, none for others"
    slack = rows[("slack", "U1")]
    assert slack.key == f"gone:story-{story.id}:slack:U1"
    assert slack.target == Target("slack", user_id="U1")
    assert slack.message.kind is MessageKind.INFO
    assert slack.message.title == "2 keyword subscriptions of yours removed"
    assert slack.message.body.startswith(
        f"The story anthropic-pentagon was removed by an admin, and with it your "
        f"subscriptions #{a.id} pentagon AND deal, #{b.id} hearing. "
        "/story subscribe <keywords> without --story makes one"
    ), slack.message.body
    discord = rows[("discord", "42")].message.body
    assert f"your subscription #{c.id} claude." in discord
    assert "/story subscribe query:<keywords> without story: makes one" in discord
    # the store reads them back as it wrote them (the message kind survives the JSON)
    assert store.get_outbox(slack.key) == slack


def test_remove_story_without_tell_or_subscribers_queues_nothing(store, clock):
    story = _story(store)
    store.add_subscription("slack", "U1", "drones", story.id, clock.now())
    assert store.remove_story(story.name) is True  # told nothing: nothing queued
    empty = _story(store, "s2")
    assert store.remove_story(empty.name, story_removed(empty.name, clock.now())) is True
    assert _gone_rows(store) == {}


def test_remove_subscriptions_tells_each_user_once_naming_the_first_few(store, clock):
    mine = [store.add_subscription("slack", "U1", f"w{i}", None, clock.now()) for i in range(5)]
    theirs = store.add_subscription("discord", "42", "drones", None, clock.now())
    kept = store.add_subscription("slack", "U2", "rail", None, clock.now())
    ids = [s.id for s in mine] + [theirs.id, 10_000]  # an id no subscription has: skipped

    removed = store.remove_subscriptions(ids, operator_removed(clock.now()))
    assert [s.id for s in removed] == sorted(s.id for s in [*mine, theirs])
    assert store.all_subscriptions() == [kept]
    rows = _gone_rows(store)
    assert sorted(rows) == [("discord", "42"), ("slack", "U1")]
    shown = ", ".join(f"#{s.id} w{i}" for i, s in enumerate(mine[:3]))
    assert rows[("slack", "U1")].message.body == (
        f"An operator of this storybot removed your subscriptions {shown} and 2 more."
    )
    assert rows[("discord", "42")].message.body == (
        f"An operator of this storybot removed your subscription #{theirs.id} drones."
    )
    assert rows[("slack", "U1")].key.startswith("gone:op-")
    # done again: nothing left to remove, nothing more told
    assert store.remove_subscriptions(ids, operator_removed(clock.now())) == []
    assert len(_gone_rows(store)) == 2


def test_remove_subscriptions_of_a_user_takes_every_one_they_hold_as_it_runs(store, clock):
    """``subscriptions remove --user``: all of one user's on one platform, read in the
    removing transaction (one added after the operator listed them goes too)."""
    listed = store.add_subscription("slack", "U1", "rail", None, clock.now())
    later = store.add_subscription("slack", "U1", "wage", None, clock.now())
    elsewhere = store.add_subscription("discord", "U1", "rail", None, clock.now())
    other = store.add_subscription("slack", "U2", "rail", None, clock.now())

    removed = store.remove_subscriptions(tell=operator_removed(clock.now()), user=("slack", "U1"))
    assert [s.id for s in removed] == [listed.id, later.id]
    assert store.all_subscriptions() == [elsewhere, other]
    assert sorted(_gone_rows(store)) == [("slack", "U1")]  # one DM, naming both
    assert store.remove_subscriptions(user=("slack", "U1")) == []


def test_remove_subscriptions_quietly_and_takes_back_their_unsent_notices(store, clock):
    sub = store.add_subscription("slack", "U1", "rail", None, clock.now())
    store.enqueue(
        [
            OutboxWrite(
                "notice:slack:U1:7",
                Target("slack", user_id="U1"),
                message(),
                subscription_ids=(sub.id,),
            )
        ],
        clock.now(),
    )
    assert [s.id for s in store.remove_subscriptions([sub.id])] == [sub.id]
    assert store.get_outbox("notice:slack:U1:7") is None
    assert _gone_rows(store) == {}
