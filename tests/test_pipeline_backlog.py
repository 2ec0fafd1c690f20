"""Items polled while nothing is tracked are analysed later, with the same outcome.

The reference is what the pipeline did before it deferred the analysis: ``Engine.judge``
on every new item in arrival order, then ``track`` of the story added afterwards. The
story's stored starting state and the stream statistics it weighs with (stored in their
own row by the same commit: see ``Store.load_stream``) must be the same either way.
"""

from __future__ import annotations

import pytest
from feedserver import feed_server  # noqa: F401  (fixture)
from storyworld import as_entry, feed_of, samples

from adapters.app import build_app
from adapters.demo import seed_files
from adapters.seeds import load_seed
from bot.cycle_report import CycleReport
from bot.engine import Engine
from bot.engine_records import engine_doc
from bot.pipeline import Pipeline
from bot.settings import load_settings


def _app(db_url, clock, backlog=None):
    settings = load_settings(
        env={"STORYBOT_DATABASE_URL": db_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    )
    app = build_app(settings, clock=clock)
    if backlog is not None:
        p = app.pipeline
        app.pipeline = Pipeline(
            p.store, p.engine, p.fetcher, p.clock, p.policy, rng=p.rng, backlog=backlog
        )
    return app


def _reference_state(app, story, items):
    """The story's starting state and the stream statistics, had every item been judged
    as it arrived."""
    engine = Engine(app.pipeline.engine.config)
    for item in items:
        engine.judge(engine_doc(item))
    engine.track(story)
    return engine.snapshot(story.id), engine.background_state()


def _stored_state(app, story):
    """What the last commit stored: the story's state, and the stream statistics."""
    return app.store.load_engine_state(story.id), app.store.load_stream()


@pytest.mark.parametrize("backlog", [None, 3, 0])
async def test_a_story_added_later_starts_from_the_same_statistics(
    feed_server, sqlite_url, clock, backlog
):
    app = _app(sqlite_url, clock, backlog)
    texts = samples("unrelated") + samples("copy") + samples("development")
    assert len(texts) > 6
    # Two polls, so the backlog holds items of two cycles; dates out of id order, so
    # arrival order (publication time) is not storage order.
    first, second = texts[: len(texts) // 2], texts[len(texts) // 2 :]
    days = [f"Thu, {5 - i % 3:02d} Mar 2026 10:00:00 GMT" for i in range(len(texts))]
    feed_server.add_feed(
        "/a.xml",
        feed_of(*(as_entry(t, i, published=days[i]) for i, t in enumerate(first))),
        etag=True,
    )
    feed = app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=60)
    report = await app.pipeline.poll_due()
    assert report.new_items == len(first)
    ordered = sorted(
        app.store.get_items(range(1, 1000)), key=lambda i: (i.published or i.fetched_at, i.id)
    )

    feed_server.add_feed(
        "/a.xml",
        feed_of(
            *(
                as_entry(t, i + len(first), published=days[i + len(first)])
                for i, t in enumerate(second)
            )
        ),
        etag=True,
    )
    clock.advance(hours=1)
    report = await app.pipeline.poll_feeds([app.store.get_feed(feed.url)])
    assert report.new_items == len(second)
    known = {i.id for i in ordered}
    ordered += sorted(
        (i for i in app.store.get_items(range(1, 1000)) if i.id not in known),
        key=lambda i: (i.published or i.fetched_at, i.id),
    )
    assert len(ordered) == len(texts)

    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    await app.pipeline.poll_due()  # nothing due; tracks the new story

    assert _stored_state(app, story) == _reference_state(app, story, ordered)
    await app.aclose()


def _story_and_unrelated_feed(feed_server, sqlite_url, clock):
    """An app tracking the demo story, with one due feed of unrelated items."""
    app = _app(sqlite_url, clock)
    seeds = [load_seed(str(p)) for p in seed_files()]
    app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    texts = samples("unrelated")
    feed_server.add_feed("/u.xml", feed_of(*(as_entry(t, i) for i, t in enumerate(texts))))
    app.store.add_feed(feed_server.url("/u.xml"), clock.now())
    return app, texts


async def test_nothing_is_deferred_while_a_story_is_tracked(feed_server, sqlite_url, clock):
    app, texts = _story_and_unrelated_feed(feed_server, sqlite_url, clock)

    report = await app.pipeline.poll_due()

    assert report.new_items == len(texts)
    assert app.pipeline.read_backlog() == 0
    items = app.store.get_items(range(1, 1000))
    assert len(items) == len(texts)
    assert all(len(app.store.decisions_for_item(i.id)) == 1 for i in items)
    await app.aclose()


async def test_a_restart_keeps_the_statistics_and_the_backlog(feed_server, sqlite_url, clock):
    """The same starting state as above when the service restarts between the polls and
    again before the story is added: the statistics are saved, the backlog re-read."""
    texts = samples("unrelated") + samples("copy") + samples("development")
    half = len(texts) // 2
    app = _app(sqlite_url, clock)
    feed_server.add_feed("/a.xml", feed_of(*(as_entry(t, i) for i, t in enumerate(texts[:half]))))
    feed = app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=60)
    assert (await app.pipeline.poll_due()).new_items == half
    await app.aclose()

    app = _app(sqlite_url, clock)  # restart with everything of the first poll unread
    feed_server.add_feed("/a.xml", feed_of(*(as_entry(t, i) for i, t in enumerate(texts))))
    clock.advance(hours=1)
    assert (await app.pipeline.poll_feeds([app.store.get_feed(feed.url)])).new_items == (
        len(texts) - half
    )
    app.pipeline.read_backlog(3)  # part read, part still waiting when the service stops
    await app.pipeline.poll_feeds([])  # nothing polled: nothing saved
    await app.aclose()

    app = _app(sqlite_url, clock)
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    await app.pipeline.poll_due()  # tracks the new story after restoring

    items = app.store.get_items(range(1, 1000))
    assert len(items) == len(texts)
    assert _stored_state(app, story) == _reference_state(app, story, items)
    await app.aclose()


async def test_the_background_is_saved_through_the_last_item_read(feed_server, sqlite_url, clock):
    app, texts = _story_and_unrelated_feed(feed_server, sqlite_url, clock)
    await app.pipeline.poll_due()

    state, through = app.store.load_background()
    assert through == max(i.id for i in app.store.get_items(range(1, 1000)))
    assert state == app.pipeline.engine.background_state()
    # the story was tracked by an engine that had read nothing: its seeds were counted
    # as the stream's first documents (in the one table every story weighs with)
    seeds = len(app.store.list_stories()[0].seeds)
    assert state["n_docs"] == seeds + len(texts)
    await app.aclose()


async def test_a_job_workers_pipeline_weighs_with_the_statistics_of_the_last_commit(
    feed_server, sqlite_url, clock
):
    """Scale-out judge jobs build a pipeline per job. The job that first tracks a new story
    starts it from the saved statistics and the items stored since (as the single process
    does); later jobs weigh with the statistics the last commit stored beside the story's
    state, and read no backlog at all."""
    app = _app(sqlite_url, clock)
    texts = samples("unrelated")
    feed_server.add_feed("/u.xml", feed_of(*(as_entry(t, i) for i, t in enumerate(texts))))
    app.store.add_feed(feed_server.url("/u.xml"), clock.now())
    await app.pipeline.poll_due()  # nothing tracked: all deferred, saved through id 0
    assert app.store.load_background()[1] == 0
    seeds = [load_seed(str(p)) for p in seed_files()]
    app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    first, second = app.store.get_items([1, 2])

    def job() -> Pipeline:
        return Pipeline(
            app.store, Engine(app.pipeline.engine.config), app.fetcher, clock, app.pipeline.policy
        )

    starting = job()
    starting.judge_stored([first.id])
    # every stored item counted once: the others read as backlog, the judged one judged
    assert starting.engine.background_state()["n_docs"] == len(texts)

    committed = app.store.load_stream()
    assert committed == starting.engine.background_state()
    later = job()
    later.judge_stored([second.id])
    assert later.engine.background_state()["n_docs"] == committed["n_docs"] + 1
    await app.aclose()


async def test_a_restart_keeps_a_backlog_read_out_of_id_order(feed_server, sqlite_url, clock):
    """The backlog is in publication order, not id order: what is saved must still cover
    exactly the items read, so none is lost across the restart."""
    texts = samples("unrelated") + samples("development")
    days = [f"Thu, {5 - i % 3:02d} Mar 2026 10:00:00 GMT" for i in range(len(texts))]
    app = _app(sqlite_url, clock)
    feed_server.add_feed(
        "/a.xml", feed_of(*(as_entry(t, i, published=days[i]) for i, t in enumerate(texts)))
    )
    app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    assert (await app.pipeline.poll_due()).new_items == len(texts)
    assert app.store.load_background()[1] == 0  # nothing read yet, whatever the order
    await app.aclose()

    app = _app(sqlite_url, clock)
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    await app.pipeline.poll_due()
    items = app.store.get_items(range(1, 1000))
    assert _stored_state(app, story) == _reference_state(app, story, items)
    await app.aclose()


async def test_a_commit_stores_the_stream_statistics_once_for_every_story(
    feed_server, sqlite_url, clock
):
    """Every story weighs with one table: a commit stores it once, in its own row, and in
    no story's state."""
    app, texts = _story_and_unrelated_feed(feed_server, sqlite_url, clock)
    seeds = [load_seed(str(p)) for p in seed_files()]
    other = app.store.add_story("again", seeds[1].title, seeds[1:], clock.now())
    await app.pipeline.poll_due()

    assert app.store.load_stream() == app.pipeline.engine.background_state()
    for state in (app.store.load_engine_state(sid) for sid in (1, other.id)):
        assert "stream" not in state and "df" not in state
    await app.aclose()


def _counted_once(app, items) -> dict:
    """The stream statistics of one pass over ``items``: each counted once."""
    once = Engine(app.pipeline.engine.config)
    for item in items:
        once.observe(engine_doc(item))
    return once.background_state()


def _timeline_entries(texts, start=0):
    return [as_entry(t, start + i) for i, t in enumerate(texts)]


def _judged_in_order(app, story, items):
    """The stream table of an engine that tracked the story, then judged every item as it
    arrived, with no restart."""
    engine = Engine(app.pipeline.engine.config)
    engine.track(story)
    for item in sorted(items, key=lambda i: (i.published or i.fetched_at, i.id)):
        engine.judge(engine_doc(item))
    return engine.background_state()


@pytest.mark.parametrize("died", ["after its commit", "before judging"])
async def test_a_restart_mid_cycle_leaves_the_stories_the_table_they_would_have_had(
    feed_server, sqlite_url, clock, died
):
    """Every story weighs with the engine's one stream table. A service stopped in the
    middle of a cycle (after a chunk's decisions were committed, or after its items were
    stored and before they were judged) saved no statistics at the end of that cycle; after
    the restart the stories must weigh with what they would have had without it: no item
    counted twice, no copy of a story's report counted (judging leaves those out)."""
    texts = samples("copy") + samples("development") + samples("unrelated")
    half = len(texts) // 2
    app = _app(sqlite_url, clock)
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    feed_server.add_feed("/a.xml", feed_of(*_timeline_entries(texts[:half])), etag=True)
    feed = app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=60)
    await app.pipeline.poll_due()
    saved = app.store.load_background()

    feed_server.add_feed("/a.xml", feed_of(*_timeline_entries(texts)), etag=True)
    clock.advance(hours=1)
    feed = app.store.get_feed(feed.url)
    if died == "after its commit":
        await app.pipeline.poll_feeds([feed])
        judged = app.store.get_items(range(1, 1000))
        assert app.pipeline.engine.background_state() == _judged_in_order(app, story, judged)
        app.store.save_background(*saved, clock.now())  # the cycle's last step never ran
    else:
        result = await app.pipeline.fetch_feed(feed)
        app.pipeline.ingest_result(feed, result, CycleReport())  # stored, never judged
    await app.aclose()

    app = _app(sqlite_url, clock)  # the restart; the next poll brings one more item
    later = dict(
        texts[-1], title="Later: " + texts[-1]["title"], guid="l1", url="https://l.example/1"
    )
    feed_server.add_feed("/a.xml", feed_of(*_timeline_entries([*texts, later])), etag=True)
    clock.advance(hours=1)
    await app.pipeline.poll_feeds([app.store.get_feed(feed.url)])
    items = app.store.get_items(range(1, 1000))
    assert len(items) == len(texts) + 1
    assert all(app.store.decisions_for_item(i.id) for i in items)
    stored = app.store.load_stream()
    assert stored == app.pipeline.engine.background_state()
    assert stored == _judged_in_order(app, story, items)
    await app.aclose()


async def test_a_story_added_after_a_restart_before_any_item_counts_its_seeds(sqlite_url, clock):
    """A service that has read no item yet counts each new story's seeds in the stream
    table (the cold-start safety net); a restart in between must not change that."""
    seeds = [load_seed(str(p)) for p in seed_files()]
    app = _app(sqlite_url, clock)
    first = app.store.add_story("demo", seeds[0].title, seeds[:2], clock.now())
    await app.pipeline.poll_due()  # tracks it; no feed, nothing read
    await app.aclose()

    app = _app(sqlite_url, clock)
    second = app.store.add_story("later", seeds[2].title, seeds[2:], clock.now())
    await app.pipeline.poll_due()
    reference = Engine(app.pipeline.engine.config)
    reference.track(first)
    reference.track(second)
    assert app.store.load_stream() == reference.background_state()
    await app.aclose()


async def test_a_restart_that_takes_the_last_commits_table_never_saves_an_earlier_through(
    feed_server, sqlite_url, clock
):
    """The saved background says through which item id it counts (prune and a later
    fallback read the items after it). A restarted service takes the table the last
    commit stored instead and has judged nothing yet: saving then must not claim that the
    statistics count no item at all (id 0), or a fallback would read every item again."""
    texts = samples("copy") + samples("development") + samples("unrelated")
    app = _app(sqlite_url, clock)
    seeds = [load_seed(str(p)) for p in seed_files()]
    app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    feed_server.add_feed("/a.xml", feed_of(*_timeline_entries(texts)), etag=True)
    app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=60)
    await app.pipeline.poll_due()
    _, through = app.store.load_background()
    assert through > 0
    await app.aclose()

    app = _app(sqlite_url, clock)  # the restart: stories tracked from their states
    app.pipeline.refresh_stories()
    app.pipeline.restore_background()
    app.pipeline.save_background()  # a cycle that stored items and judged none yet
    assert app.store.load_background()[1] >= through
    await app.aclose()


async def test_an_item_read_with_the_backlog_and_listed_again_is_not_counted_twice(
    feed_server, sqlite_url, clock
):
    """Items stored while no story is tracked are read into the stream statistics when the
    first story is tracked. A feed lists them again at its next poll that changes it: they
    have no decision, so the story judges them then, but the statistics must count every
    item once (they were counted twice: 22 documents for 15 items)."""
    app = _app(sqlite_url, clock)
    texts = samples("unrelated")  # none a copy of the story's reports: every item counts
    half = len(texts) // 2
    feed_server.add_feed(
        "/a.xml", feed_of(*(as_entry(t, i) for i, t in enumerate(texts[:half]))), etag=True
    )
    feed = app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=60)
    assert (await app.pipeline.poll_due()).new_items == half  # deferred: no story
    clock.advance(minutes=5)
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())

    # the feed lists the first items again beside new ones
    feed_server.add_feed(
        "/a.xml", feed_of(*(as_entry(t, i) for i, t in enumerate(texts))), etag=True
    )
    clock.advance(hours=1)
    report = await app.pipeline.poll_feeds([app.store.get_feed(feed.url)])
    assert report.new_items == len(texts) - half

    items = app.store.get_items(range(1, 1000))
    assert len(items) == len(texts)
    # the story judged every item, the ones listed again too
    assert all(len(app.store.decisions_for_item(i.id)) == 1 for i in items)
    expected = _counted_once(app, items)
    assert expected["n_docs"] == len(texts)
    stream = app.pipeline.engine.background_state()
    assert stream["n_docs"] == len(texts)
    word = max(expected["df"], key=expected["df"].get)  # the term most items use
    assert stream["df"][word] == expected["df"][word]
    assert app.store.load_stream() == expected
    assert app.store.load_engine_state(story.id) is not None
    await app.aclose()


@pytest.mark.parametrize("subscribed_first", [True, False], ids=["subscribed", "backlog"])
async def test_items_listed_again_for_the_subscriptions_alone_are_counted_once(
    feed_server, sqlite_url, clock, subscribed_first
):
    """With keyword subscriptions and no story, a poll that changes a feed judges again,
    for the subscriptions, the items it lists again (none has a decision: only stories
    record one), so that an item stored by a cycle that died is not missed. The stream
    statistics must still count each item once: it was judged for the subscriptions
    already, or read from the backlog (``subscribed_first`` False: stored before the
    first subscription). It was counted again at every such poll (30 documents for 15
    items after three polls), and a first story started from those statistics (31 for
    16 once it judged one more)."""
    app = _app(sqlite_url, clock)
    texts = samples("unrelated")
    third = len(texts) // 3

    def listing(n):
        return feed_of(*(as_entry(t, i) for i, t in enumerate(texts[:n])))

    def subscribe():
        app.store.add_subscription("slack", "U1", "pentagon", None, clock.now())
        app.pipeline.invalidate_subscriptions()

    if subscribed_first:
        subscribe()
    feed_server.add_feed("/a.xml", listing(third), etag=True)
    feed = app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=60)
    assert (await app.pipeline.poll_due()).new_items == third
    if not subscribed_first:
        subscribe()
    for n in (2 * third, len(texts)):  # each poll lists the earlier items again
        feed_server.add_feed("/a.xml", listing(n), etag=True)
        clock.advance(hours=1)
        report = await app.pipeline.poll_feeds([app.store.get_feed(feed.url)])
        assert report.new_items == third
    clock.advance(minutes=5)
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = app.store.add_story("demo", seeds[0].title, seeds, clock.now())
    texts.append(samples("development")[0])  # one more, so that the feed changes
    feed_server.add_feed("/a.xml", listing(len(texts)), etag=True)
    clock.advance(hours=1)
    assert (await app.pipeline.poll_feeds([app.store.get_feed(feed.url)])).new_items == 1

    items = app.store.get_items(range(1, 1000))
    assert len(items) == len(texts)
    assert all(len(app.store.decisions_for_item(i.id)) == 1 for i in items)
    expected = _counted_once(app, items)
    assert app.pipeline.engine.background_state()["n_docs"] == len(texts)
    assert app.pipeline.engine.background_state() == expected
    assert app.store.load_stream() == expected
    assert app.store.load_engine_state(story.id) is not None
    await app.aclose()
