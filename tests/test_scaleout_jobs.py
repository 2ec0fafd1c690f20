"""The pieces of scale-out that need no worker processes (SQLite and PostgreSQL, fast).

* A judging job starts from a fresh engine and the stored state; judging a stream in
  batches that way must decide exactly what one long-lived engine decides.
* A retried judging job skips items judged already.
* The poll steps of a job worker: a feed polled moments ago is not due, the items come
  back unjudged, the poll is recorded.
* procrastinate's schema is applied once, however many workers start at once.
* A delivering worker reads only the messages of the platforms it has a token for.
* The cron helper and the queue option.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from checkout import code_env
from feedserver import Route, feed_server  # noqa: F401  (fixture)
from sqlalchemy import event, text
from storyworld import TIMELINE, as_entry, feed_of, make_world, samples

from adapters.jobs.schema import conninfo, ensure_schema
from adapters.jobs.tasks import _judged, every, fresh_pipeline
from adapters.jobs.worker import QUEUES, parse_queues
from bot.cycle_report import CycleReport
from bot.engine import Engine
from bot.engine_records import engine_doc
from bot.errors import ConfigError, UserError
from bot.identity import new_item
from bot.model import FeedEntry, IngestOutcome, PageWait
from bot.pipeline import Pipeline

pytest_plugins = ["store_fixtures"]  # db_url: SQLite and PostgreSQL


def _stream() -> list[dict]:
    """The demo timeline's items in time order (copies, developments, updates, news)."""
    return sorted(TIMELINE["items"], key=lambda i: (i["minute"], i["guid"]))


def _storyless_world(db_url, clock, parts: int):
    """A world whose only story was removed, with the first ``1/parts`` of the stream
    stored and folded into the saved statistics (the periodic background job): the
    world, the stream, the removed story's seeds and the saved statistics."""
    world = make_world(db_url, clock, follow=False)
    stream, seeds = _stream(), world.story.seeds
    world.app.store.remove_story("demo")
    _ingest(world, stream[: len(stream) // parts])
    fresh_pipeline(world.app).update_saved_background()
    saved, _ = world.app.store.load_background()
    return world, stream, seeds, saved


def _one_engine(world, saved, story, batches, observed=(), state=None) -> dict:
    """The stream statistics of one engine that takes back ``saved``, reads the items of
    ``observed``, tracks ``story`` (from its engine ``state``, if given) and judges each
    batch of item ids in turn (in the order stored): what the judging jobs' committed
    statistics must equal."""
    store = world.app.store
    reference = Engine(world.app.pipeline.engine.config)
    reference.restore_background(saved)
    for item in store.get_items(observed):
        reference.observe(engine_doc(item))
    reference.track(story, state)
    for ids in batches:
        for item in sorted(store.get_items(ids), key=lambda i: (i.fetched_at, i.id)):
            reference.judge(engine_doc(item))
    return reference.background_state()


def _entry(item: dict) -> FeedEntry:
    return FeedEntry(
        guid=item["guid"],
        url=item["url"],
        title=item["title"],
        summary=item.get("summary") or "",
        content=item.get("content") or "",
        published=None,
    )


def _ingest(world, items: list[dict], feed_url: str = "https://wire.example/feed.xml") -> list[int]:
    feed = world.app.store.add_feed(feed_url, world.clock.now())
    ids = []
    for item in items:
        _, stored = world.app.store.ingest_item(
            new_item(_entry(item), feed.id, item["feed"], world.clock.now())
        )
        ids.append(stored.id)
    return ids


def _update(world, item: dict, fact: str, feed_url: str = "https://wire.example/feed.xml") -> int:
    """Store a new version of ``item`` (stored by ``_ingest`` from ``feed_url``) that adds
    ``fact``, as a poll job does (it waits in ``pending_updates``); returns its id."""
    feed = world.app.store.get_feed(feed_url)
    entry = _entry(dict(item, content=(item.get("content") or "") + "\n\n" + fact))
    outcome, stored = world.app.store.ingest_item(
        new_item(entry, feed.id, item["feed"], world.clock.now())
    )
    assert outcome is IngestOutcome.UPDATED
    return stored.id


def _decisions(world, ids: list[int]) -> list[tuple]:
    out = []
    for item_id in ids:
        for d in world.app.store.decisions_for_item(item_id):
            j = d.judgement
            out.append(
                (
                    item_id,
                    j.on_topic,
                    round(j.score, 9),
                    j.duplicate_of,
                    j.development,
                    j.new_development,
                )
            )
    return out


def test_a_fresh_engine_per_batch_decides_what_one_engine_decides(tmp_path, clock):
    stream = _stream()
    one = make_world(f"sqlite:///{tmp_path / 'one.db'}", clock)
    many = make_world(f"sqlite:///{tmp_path / 'many.db'}", clock)
    # stored after the story was added: the first judging job's backlog leaves them out
    # (their own jobs judge them), as it would the items of a poll a moment later
    clock.advance(seconds=1)
    ids_one, ids_many = _ingest(one, stream), _ingest(many, stream)
    assert ids_one == ids_many

    pipeline = one.app.pipeline  # one engine, kept in memory all along
    for start in range(0, len(ids_one), 3):
        pipeline.judge_stored(ids_one[start : start + 3])
        fresh_pipeline(many.app).judge_stored(ids_many[start : start + 3])  # as a judging job

    assert _decisions(many, ids_many) == _decisions(one, ids_one)
    assert len(_decisions(one, ids_one)) == len(stream)
    for world in (one, many):
        world.app.store.close()


def test_a_story_added_while_workers_run_starts_from_the_stream_statistics(tmp_path, clock):
    """As in the single-process service, a new story starts from what the stream says is common.

    Items stored before the story exists are read by the periodic background job (in
    workers) or kept in the backlog (single process); before that job's first tick, the
    first judging job reads them from the store. Either way the new story's first
    decisions must be the same, and not those of a cold start (a job reading no backlog).
    """
    stream = _stream()
    before, after = stream[: len(stream) // 2], stream[len(stream) // 2 :]
    worlds = {
        name: make_world(f"sqlite:///{tmp_path / f'{name}.db'}", clock, follow=False)
        for name in ("one", "many", "no_tick", "cold")
    }
    decisions = {}
    for name, world in worlds.items():
        store = world.app.store
        seeds = world.story.seeds
        store.remove_story(world.story.name)
        ids = _ingest(world, before)
        if name == "one":  # the single-process service reads them with no story: backlog
            world.app.pipeline.judge_stored(ids)
        elif name == "many":  # the workers' periodic job folds them into the saved statistics
            assert fresh_pipeline(world.app).update_saved_background() == len(ids)
            assert fresh_pipeline(world.app).update_saved_background() == 0  # nothing new
        story = store.add_story("late", seeds[0].title, seeds, clock.now())
        later = _ingest(world, after, "https://wire.example/later.xml")
        judge = {"one": world.app.pipeline, "cold": _judging_job(world.app, backlog=0)}.get(
            name, fresh_pipeline(world.app)
        )
        judge.judge_stored(later)
        assert store.load_engine_state(story.id) is not None
        decisions[name] = (_decisions(world, later), store.load_stream()["n_docs"])
        store.close()
    assert decisions["many"] == decisions["one"]
    assert decisions["no_tick"] == decisions["one"]
    # a story started cold weighs with other statistics
    assert decisions["cold"][1] < decisions["one"][1]


@pytest.mark.parametrize("periodic_job", [True, False])
def test_removing_the_first_story_keeps_the_stream_statistics(tmp_path, clock, periodic_job):
    """Each commit stores the stream statistics once, in their own row (they used to be
    stored beside the lowest story's state). When that story is removed, the next judging
    job must still weigh the other stories with the statistics the stream built, as one
    long-lived engine does."""
    stream = _stream()
    third = len(stream) // 3
    worlds = {
        name: make_world(f"sqlite:///{tmp_path / f'{name}.db'}", clock) for name in ("one", "many")
    }
    ids = {}
    for name, world in worlds.items():
        seeds = world.story.seeds
        world.app.store.add_story("twin", seeds[0].title, seeds, clock.now())
        ids[name] = _ingest(world, stream)
    for name, world in worlds.items():
        judge = world.app.pipeline.judge_stored if name == "one" else None
        for start in range(0, 2 * third, 3):
            batch = ids[name][start : start + 3]
            (judge or fresh_pipeline(world.app).judge_stored)(batch)
        if name == "many" and periodic_job:
            fresh_pipeline(world.app).update_saved_background()
        world.app.store.remove_story("demo")  # the story with the lowest id
        for start in range(2 * third, len(stream), 3):
            batch = ids[name][start : start + 3]
            (judge or fresh_pipeline(world.app).judge_stored)(batch)
    one, many = (worlds[n].app.store.load_stream() for n in ("one", "many"))
    assert one == worlds["one"].app.pipeline.engine.background_state()
    assert many["n_docs"] == one["n_docs"]
    assert many == one
    for world in worlds.values():
        world.app.store.close()


def _judging_job(app, backlog: int):
    """A judging job's fresh pipeline (``fresh_pipeline``) whose backlog holds at most
    ``backlog`` items."""
    job = fresh_pipeline(app)
    return Pipeline(job.store, job.engine, job.fetcher, job.clock, job.policy, backlog=backlog)


def _removed_while_items_came(world, stream, third):
    """Judge the first third of ``stream`` for the demo story (one judging job), remove
    every story, store the second third a minute later (their judging jobs judge
    nothing), and let the periodic job fold them into the saved statistics: the last
    commit's statistics, the second third's ids, the saved statistics and the seeds."""
    store, clock, seeds = world.app.store, world.clock, world.story.seeds
    fresh_pipeline(world.app).judge_stored(_ingest(world, stream[:third]))
    committed = store.load_stream()
    store.remove_story("demo")
    clock.advance(minutes=1)
    meanwhile = _ingest(world, stream[third : 2 * third], "https://wire.example/2.xml")
    fresh_pipeline(world.app).judge_stored(meanwhile)  # no story: judges nothing
    fresh_pipeline(world.app).update_saved_background()
    saved, _ = store.load_background()
    assert saved["n_docs"] > committed["n_docs"]
    clock.advance(minutes=1)
    return committed, meanwhile, saved, seeds


def test_a_story_added_after_every_story_was_removed_reads_the_items_stored_meanwhile(
    db_url, tmp_path, clock
):
    """The last commit's stream statistics keep their row when every story is removed, but
    they miss the items stored since (no story judged them). A judging job that tracks a
    story added then takes that table and reads those items, as one process reads its
    backlog; not the saved statistics, which the periodic job builds by reading every
    item (the removed story's copies counted, its seeds not)."""
    stream = _stream()
    third = len(stream) // 3
    worlds, seeds = _one_and_many(db_url, tmp_path, clock)

    def judge(name):  # one engine all along, or a judging job's fresh one
        return worlds[name].app.pipeline if name == "one" else fresh_pipeline(worlds[name].app)

    for name, world in worlds.items():
        judge(name).judge_stored(_ingest(world, stream[:third]))
        world.app.store.remove_story("demo")
    committed = worlds["many"].app.store.load_stream()
    clock.advance(minutes=1)
    meanwhile = {}
    for name, world in worlds.items():
        meanwhile[name] = _ingest(world, stream[third : 2 * third], "https://wire.example/2.xml")
        judge(name).judge_stored(meanwhile[name])  # no story: a backlog, or nothing
    fresh_pipeline(worlds["many"].app).update_saved_background()  # the periodic job
    saved, _ = worlds["many"].app.store.load_background()
    assert saved["n_docs"] > committed["n_docs"]
    clock.advance(minutes=1)
    stories = {
        name: w.app.store.add_story("late", seeds[0].title, seeds, clock.now())
        for name, w in worlds.items()
    }
    clock.advance(minutes=1)
    later = {
        name: _ingest(w, stream[2 * third :], "https://wire.example/3.xml")
        for name, w in worlds.items()
    }
    for start in range(0, len(later["one"]), 3):
        for name in worlds:
            judge(name).judge_stored(later[name][start : start + 3])

    many = worlds["many"]
    batches = [later["many"][start : start + 3] for start in range(0, len(later["many"]), 3)]
    expected = _one_engine(many, committed, stories["many"], batches, meanwhile["many"])
    assert many.app.store.load_stream() == expected
    assert expected == worlds["one"].app.pipeline.engine.background_state()
    assert _by_position(many, later["many"]) == _by_position(worlds["one"], later["one"])
    for world in worlds.values():
        world.app.store.close()


def test_a_story_added_after_stories_were_gone_a_long_while_starts_from_the_saved_statistics(
    tmp_path, clock
):
    """More items stored since the last commit than a backlog holds (every story was
    removed long ago): a judging job cannot read them all, and takes the saved
    statistics, which the periodic job kept current, with the items stored since."""
    stream = _stream()
    third = len(stream) // 3
    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock, follow=False)
    committed, meanwhile, saved, seeds = _removed_while_items_came(world, stream, third)
    store = world.app.store
    story = store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    later = _ingest(world, stream[2 * third :], "https://wire.example/3.xml")
    _judging_job(world.app, backlog=len(meanwhile) - 1).judge_stored(later)
    assert store.load_stream() == _one_engine(world, saved, story, [later])
    store.close()


def test_a_story_added_after_every_story_was_removed_reads_a_full_backlog(tmp_path, clock):
    """As many items stored since the last commit as a backlog holds: all read."""
    stream = _stream()
    third = len(stream) // 3
    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock, follow=False)
    committed, meanwhile, saved, seeds = _removed_while_items_came(world, stream, third)
    store = world.app.store
    story = store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    later = _ingest(world, stream[2 * third :], "https://wire.example/3.xml")
    _judging_job(world.app, backlog=len(meanwhile)).judge_stored(later)
    expected = _one_engine(world, committed, story, [later], observed=meanwhile)
    assert store.load_stream() == expected
    store.close()


def test_a_first_story_counts_the_items_queued_for_other_judging_jobs_once(tmp_path, clock):
    """The judging job that first tracks a story starts from the saved statistics and reads
    the items stored since as backlog: those whose judging ran before the story existed
    (it judged nothing), not those stored after the story was added, whose own judging
    jobs are queued behind it and count them when they judge them."""
    world, stream, seeds, saved = _storyless_world(f"sqlite:///{tmp_path / 'w.db'}", clock, 4)
    store, quarter = world.app.store, len(stream) // 4
    clock.advance(minutes=1)
    unread = _ingest(world, stream[quarter : 2 * quarter], "https://wire.example/2.xml")
    fresh_pipeline(world.app).judge_stored(unread)  # no story yet: judges nothing
    clock.advance(minutes=1)
    story = store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    first = _ingest(world, stream[2 * quarter : 3 * quarter], "https://wire.example/3.xml")
    clock.advance(minutes=1)
    second = _ingest(world, stream[3 * quarter :], "https://wire.example/4.xml")
    for ids in (first, second):  # two poll jobs' judging jobs, in the order queued
        fresh_pipeline(world.app).judge_stored(ids)

    expected = _one_engine(world, saved, story, [first, second], observed=unread)
    assert store.load_stream()["n_docs"] == expected["n_docs"]
    assert store.load_stream() == expected
    store.close()


def test_a_first_story_does_not_count_the_items_of_jobs_queued_behind_its_first_job(db_url, clock):
    """A judging job queued before the story was added (the engine queue was busy) and run
    after it tracks it first: the items stored after that job was queued, before the story
    was added, are its successors' to judge (queued behind it, they count them), not its
    backlog. Read as backlog too, they were counted twice."""
    world, stream, seeds, saved = _storyless_world(db_url, clock, 3)
    store, third = world.app.store, len(stream) // 3
    clock.advance(minutes=1)
    first = _ingest(world, stream[third : 2 * third], "https://wire.example/2.xml")
    first_queued = clock.now()  # its judging job waits behind others
    clock.advance(minutes=1)
    second = _ingest(world, stream[2 * third :], "https://wire.example/3.xml")
    second_queued = clock.now()
    clock.advance(minutes=1)
    story = store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    fresh_pipeline(world.app).judge_stored(first, queued_at=first_queued)
    fresh_pipeline(world.app).judge_stored(second, queued_at=second_queued)

    expected = _one_engine(world, saved, story, [first, second])
    assert store.load_stream()["n_docs"] == expected["n_docs"]
    assert store.load_stream() == expected
    store.close()


def test_an_updates_job_that_tracks_a_first_story_does_not_count_the_items_queued_behind_it(
    db_url, clock
):
    """The updates job (items updated in place) can be the first job to track a story, as
    a judging job can: queued before the story was added, run after it, it leaves out of
    its backlog the items stored after it was queued (their judging jobs are queued behind
    it and count them). Read as backlog too, they were counted twice."""
    world, stream, seeds, saved = _storyless_world(db_url, clock, 3)
    store, third = world.app.store, len(stream) // 3
    clock.advance(minutes=1)
    updated = _update(world, stream[0], "Police said a signal technician was arrested.")
    [update] = store.pending_updates()
    assert update.item_id == updated
    updates_queued = clock.now()  # the poll job queues the updates job: it waits
    clock.advance(minutes=1)
    later = _ingest(world, stream[third:], "https://wire.example/2.xml")
    later_queued = clock.now()
    clock.advance(minutes=1)
    story = store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    fresh_pipeline(world.app).judge_updates(queued_at=updates_queued)
    assert store.load_engine_state(story.id) is not None  # it tracked the story first
    assert store.pending_updates() == []
    fresh_pipeline(world.app).judge_stored(later, queued_at=later_queued)

    expected = _one_engine(world, saved, story, [later])
    assert store.load_stream()["n_docs"] == expected["n_docs"]
    assert store.load_stream() == expected
    store.close()


def test_stories_with_states_and_no_stored_stream_do_not_count_the_items_queued_behind_twice(
    db_url, clock
):
    """A database whose stories have engine states but no stream statistics row (migration
    0018 run offline, with --sql; or states older than the statistics beside them): a
    judging job starts from the saved statistics, as the service does, and reads the items
    stored since as backlog, but only those stored by the time it was queued: the others
    are in the judging jobs queued behind it, which count them. Read as backlog too, they
    were counted twice."""
    world = make_world(db_url, clock, follow=False)
    store, stream, story = world.app.store, _stream(), world.story
    third = len(stream) // 3
    fresh_pipeline(world.app).judge_stored(_ingest(world, stream[:third]))
    fresh_pipeline(world.app).update_saved_background()
    saved, _ = store.load_background()
    state = store.load_engine_state(story.id)
    with store.engine.begin() as conn:  # as an offline upgrade leaves it
        conn.execute(text("DELETE FROM engine_stream"))
    assert store.load_stream() is None
    clock.advance(minutes=1)
    first = _ingest(world, stream[third : 2 * third], "https://wire.example/2.xml")
    first_queued = clock.now()  # its judging job waits behind others
    clock.advance(minutes=1)
    second = _ingest(world, stream[2 * third :], "https://wire.example/3.xml")
    second_queued = clock.now()
    clock.advance(minutes=1)
    fresh_pipeline(world.app).judge_stored(first, queued_at=first_queued)
    fresh_pipeline(world.app).judge_stored(second, queued_at=second_queued)

    expected = _one_engine(world, saved, story, [first, second], state=state)
    assert store.load_stream()["n_docs"] == expected["n_docs"]
    assert store.load_stream() == expected
    store.close()


def test_a_first_story_does_not_count_the_items_waiting_for_their_page_twice(db_url, clock):
    """Items held for their linked page are judged once it is read (or the wait is over),
    by the judging job the page_waits task queues then, which counts them: the judging
    job that first tracks a story, starting from the saved statistics, leaves them out of
    its backlog. Read there too, they were counted twice."""
    world, stream, seeds, saved = _storyless_world(db_url, clock, 3)
    store, third = world.app.store, len(stream) // 3
    clock.advance(minutes=1)
    held = _ingest(world, stream[third : 2 * third], "https://wire.example/2.xml")
    store.hold_for_pages(
        [PageWait(i, clock.now(), clock.now() + timedelta(minutes=5)) for i in held]
    )
    clock.advance(minutes=1)
    story = store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    polled = _ingest(world, stream[2 * third :], "https://wire.example/3.xml")
    fresh_pipeline(world.app).judge_stored(polled, queued_at=clock.now())
    clock.advance(minutes=5)  # the page_waits task gives up waiting: their judging job
    store.release_page_waits(held)
    fresh_pipeline(world.app).judge_stored(held, queued_at=clock.now())

    expected = _one_engine(world, saved, story, [polled, held])
    assert store.load_stream()["n_docs"] == expected["n_docs"]
    assert store.load_stream() == expected
    store.close()


def test_the_background_job_leaves_the_items_waiting_for_their_page_to_their_judging(db_url, clock):
    """The periodic background job folds the items stored since into the saved statistics,
    but not an item held for its linked page, nor (the saved statistics count every item
    through one id) those stored after it: the held item is judged once its wait is over,
    and a first story tracked meanwhile, starting from the saved statistics, would count
    it there and again when it is judged. Once it is released the job folds it in."""
    world, stream, seeds, saved = _storyless_world(db_url, clock, 3)
    store, third = world.app.store, len(stream) // 3
    clock.advance(minutes=1)
    before = _ingest(world, stream[third : third + 4], "https://wire.example/2.xml")
    held = _ingest(world, stream[third + 4 : third + 8], "https://wire.example/3.xml")
    store.hold_for_pages(
        [PageWait(i, clock.now(), clock.now() + timedelta(minutes=5)) for i in held]
    )
    after = _ingest(world, stream[third + 8 : 2 * third], "https://wire.example/4.xml")
    fresh_pipeline(world.app).judge_stored(before + after, queued_at=clock.now())  # no story
    clock.advance(minutes=1)
    assert fresh_pipeline(world.app).update_saved_background() == len(before)
    clock.advance(minutes=1)
    story = store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    polled = _ingest(world, stream[2 * third :], "https://wire.example/5.xml")
    fresh_pipeline(world.app).judge_stored(polled, queued_at=clock.now())
    clock.advance(minutes=5)  # the page_waits task gives up waiting: their judging job
    store.release_page_waits(held)
    fresh_pipeline(world.app).judge_stored(held, queued_at=clock.now())

    expected = _one_engine(world, saved, story, [polled, held], observed=before + after)
    assert store.load_stream()["n_docs"] == expected["n_docs"]
    assert store.load_stream() == expected
    # released, the held items and those after them are folded in: each item once
    assert fresh_pipeline(world.app).update_saved_background() == len(held + after + polled)
    everything = Engine(world.app.pipeline.engine.config)
    everything.restore_background(saved)
    for item in store.get_items(before + held + after + polled):
        everything.observe(engine_doc(item))
    assert store.load_background() == (everything.background_state(), max(polled))
    store.close()


async def test_the_background_job_leaves_the_items_queued_behind_it_to_their_judging_jobs(
    db_url, clock
):
    """The periodic background job waits its turn behind the judging jobs queued before it
    (the engine lock: one at a time, in the order queued) and folds the items stored by its
    tick only: those stored after it are judged by the jobs queued behind it. Folded in
    before their judging job ran, a first story tracked meanwhile counted them in the saved
    statistics it started from and again when they were judged."""
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.jobs.tasks import Schedule, register

    world, stream, seeds, saved = _storyless_world(db_url, clock, 3)
    store, third = world.app.store, len(stream) // 3
    jobs = procrastinate.App(connector=InMemoryConnector())
    register(jobs, world.app, Schedule())
    background, judge = jobs.tasks["storybot.background"], jobs.tasks["storybot.judge"]
    assert background.lock == judge.lock
    clock.advance(minutes=1)
    before = _ingest(world, stream[third : third + 4], "https://wire.example/2.xml")
    await judge(item_ids=before, queued_at=clock.now().isoformat())  # no story: judges nothing
    tick = int(clock.now().timestamp())  # the background job is queued: it waits its turn
    clock.advance(minutes=1)
    pending = _ingest(world, stream[third + 4 : 2 * third], "https://wire.example/3.xml")
    pending_queued = clock.now().isoformat()  # its judging job is queued behind it
    clock.advance(minutes=1)
    said = await background(timestamp=tick)
    clock.advance(minutes=1)
    story = store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    polled = _ingest(world, stream[2 * third :], "https://wire.example/4.xml")
    await judge(item_ids=pending, queued_at=pending_queued)
    await judge(item_ids=polled, queued_at=clock.now().isoformat())

    expected = _one_engine(world, saved, story, [pending, polled], observed=before)
    assert store.load_stream()["n_docs"] == expected["n_docs"]
    assert store.load_stream() == expected
    assert said == f"{len(before)} items folded into the stream statistics"
    store.close()


def test_the_background_job_folds_no_item_past_one_stored_after_its_tick(db_url, clock):
    """Ids follow the inserts, not the poll times: a poll that fetched before the tick can
    store its items after another poll's that fetched after it. The saved statistics count
    every item through one id, so the background job stops before the first item stored
    after its tick; folding the later ids stored before the tick skipped that item for
    good (its judging job, with no story yet, counts it nowhere)."""
    world, stream, _, saved = _storyless_world(db_url, clock, 3)
    store, third = world.app.store, len(stream) // 3
    feed = store.add_feed("https://wire.example/late.xml", clock.now())
    fetched_before = clock.now()
    tick = clock.now() + timedelta(seconds=30)
    clock.advance(minutes=1)
    after = _ingest(world, stream[third : third + 3], "https://wire.example/2.xml")
    before = [  # the slower poll, fetched before the tick, stores its items now
        store.ingest_item(new_item(_entry(item), feed.id, item["feed"], fetched_before))[1].id
        for item in stream[third + 3 : third + 6]
    ]
    assert min(after) < min(before)

    assert fresh_pipeline(world.app).update_saved_background(stored_by=tick) == 0
    assert fresh_pipeline(world.app).update_saved_background(stored_by=clock.now()) == 6
    everything = Engine(world.app.pipeline.engine.config)
    everything.restore_background(saved)
    for item in store.get_items(after + before):
        everything.observe(engine_doc(item))
    assert store.load_background() == (everything.background_state(), max(before))
    store.close()


def test_a_process_of_a_version_before_migration_0018_still_committing_is_named(
    tmp_path, clock, caplog
):
    """A storybot older than migration 0018 still running stores the stream statistics in
    a story's state (key "stream"), where nothing reads them now: the fresh engine weighs
    with the older ones of the row. Silent, that went unnoticed; the judging job says so."""
    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock, follow=False)
    store, stream = world.app.store, _stream()
    story = world.story
    first = _ingest(world, stream[:10])
    fresh_pipeline(world.app).judge_stored(first)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    state = dict(store.load_engine_state(story.id))
    older = {**state, "stream": store.load_stream()}  # as the code of 0017 commits
    store.commit_decisions([], [], {story.id: older}, [], clock.now())

    fresh_pipeline(world.app).judge_stored(_ingest(world, stream[10:20], "https://b.example/"))

    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "before migration 0018" in warning.getMessage()
    assert "still running" in warning.getMessage()
    store.close()


async def test_the_background_job_runs_on_the_engine_queue_and_saves_the_statistics(
    tmp_path, clock
):
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.jobs.tasks import ENGINE, Schedule, register

    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock)
    ids = _ingest(world, _stream()[:5])
    jobs = procrastinate.App(connector=InMemoryConnector())
    register(jobs, world.app, Schedule())
    task = jobs.tasks["storybot.background"]
    assert task.queue == ENGINE
    tick = int(clock.now().timestamp())  # the items were stored by the tick
    assert await task(timestamp=tick) == f"{len(ids)} items folded into the stream statistics"
    state, through = world.app.store.load_background()
    assert (state["n_docs"], through) == (len(ids), max(ids))
    world.app.store.close()


def test_copies_judged_by_separate_jobs_are_one_dm_per_subscriber(tmp_path, clock):
    """Each judging job has a fresh engine; the reports recent notices were about are shown
    to it first, so another outlet's copy, judged by a later job, is not sent again."""
    from bot.model import Target

    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock)
    world.app.store.add_subscription("console", "me", "rail", None, clock.now())
    rail = next(i for i in TIMELINE["items"] if "rail" in i["title"].lower())
    copies = [
        dict(rail, guid=f"{url}-{n}", url=f"{url}/{n}", title=rail["title"] + suffix)
        for n, (url, suffix) in enumerate(
            [
                ("https://wire.example", ""),
                ("https://courier.example", " - Courier"),
                ("https://ledger.example", " | Ledger"),
            ]
        )
    ]
    ids = [_ingest(world, [c], f"https://feeds{n}.example/rss")[0] for n, c in enumerate(copies)]
    for item_id in ids:  # one judging job each, as poll jobs of three feeds would defer them
        clock.advance(minutes=15)
        fresh_pipeline(world.app).judge_stored([item_id])
    me = Target("console", user_id="me")
    assert world.app.store.count_outbox_since(me, "notice:", clock.now() - timedelta(days=1)) == 1
    world.app.store.close()


def test_a_copy_judged_after_another_report_went_to_many_subscribers_is_not_sent_again(
    tmp_path, clock
):
    """The fresh engine learns the reports of recent notices, not the newest notices: a
    report sent to 200 subscribers between a wire report and its copy used to be all it
    learned (the newest 200 notices were its), and the copy was sent a second time."""
    from bot.model import Target

    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock)
    store = world.app.store
    store.add_subscription("console", "me", "rail", None, clock.now())
    for n in range(200):
        store.add_subscription("console", f"grower{n}", "orchard", None, clock.now())
    rail = next(i for i in TIMELINE["items"] if "rail" in i["title"].lower())
    wire, copy = (
        dict(rail, guid=f"{url}/{n}", url=f"{url}/{n}", title=rail["title"] + suffix)
        for n, (url, suffix) in enumerate(
            [("https://wire.example", ""), ("https://courier.example", " - Courier")]
        )
    )
    orchard = dict(
        rail,
        guid="orchard",
        url="https://farm.example/orchard",
        title="Orchard growers report record apple harvest",
        summary="Orchard growers said the apple harvest was the largest on record this autumn.",
        content=None,
    )
    for n, item in enumerate([wire, orchard, copy]):  # one judging job each
        [item_id] = _ingest(world, [item], f"https://feeds{n}.example/rss")
        fresh_pipeline(world.app).judge_stored([item_id])
        clock.advance(minutes=15)
    day = clock.now() - timedelta(days=1)
    grower = Target("console", user_id="grower0")
    assert store.count_outbox_since(grower, "notice:", day) == 1, "the orchard report was sent"
    me = Target("console", user_id="me")
    assert store.count_outbox_since(me, "notice:", day) == 1
    store.close()


def test_a_retried_judging_job_skips_items_already_judged(tmp_path, clock):
    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock)
    ids = _ingest(world, _stream()[:6])
    first = fresh_pipeline(world.app).judge_stored(ids[:4])
    again = fresh_pipeline(world.app).judge_stored(ids)  # a retry, with more items

    assert first.on_topic + again.on_topic == sum(1 for d in _decisions(world, ids) if d[1]), (
        "each item judged once"
    )
    assert len(_decisions(world, ids)) == 6
    world.app.store.close()


def test_a_judging_job_reads_its_items_in_one_query_however_many_it_is_given(tmp_path, clock):
    # A judging job gets the ids a poll stored (a feed's worth, or a retry's); reading
    # them one query each cost about 5 ms an item on SQLite before anything was judged.
    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock)
    ids = _ingest(world, _stream()[:12])
    fresh_pipeline(world.app).judge_stored(ids)
    reads: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM items" in statement:
            reads.append(statement)

    event.listen(world.app.store.engine, "before_cursor_execute", on_execute)
    counted = {}
    for n in (2, 12):  # retries: every item judged already, nothing else to do
        reads.clear()
        fresh_pipeline(world.app).judge_stored(ids[:n])
        counted[n] = len(reads)
    event.remove(world.app.store.engine, "before_cursor_execute", on_execute)

    assert counted[12] == counted[2], f"item reads grew with the job's items: {counted}"
    world.app.store.close()


async def test_poll_steps_store_items_unjudged_and_record_the_poll(feed_server, tmp_path, clock):  # noqa: F811
    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock)
    news = samples("unrelated")[:2]
    feed_server.add_feed(
        "/a.xml", feed_of(*(as_entry(n, i) for i, n in enumerate(news))), etag=True
    )
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=900)
    pipeline = world.app.pipeline
    report = CycleReport(feeds=1)

    result = await pipeline.fetch_feed(feed)
    items = pipeline.ingest_result(feed, result, report, recheck_unjudged=True)
    pipeline.record_result(feed, result)

    assert [i.title for i in items] == [n["title"] for n in news]
    assert all(not world.app.store.decisions_for_item(i.id) for i in items)
    assert world.app.store.due_feeds(clock.now()) == [], "polled moments ago: not due"
    # The same entries again: known items without a decision come back (a job died
    # before judging them); with a decision they do not.
    again = pipeline.ingest_result(feed, result, CycleReport(), recheck_unjudged=True)
    assert [i.id for i in again] == [i.id for i in items]
    fresh_pipeline(world.app).judge_stored([i.id for i in items])
    assert pipeline.ingest_result(feed, result, CycleReport(), recheck_unjudged=True) == []
    await world.app.aclose()


async def test_the_poll_job_reads_headline_only_items_pages_before_they_are_judged(
    feed_server, tmp_path, clock
):
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.feeds.pages import HttpPageReader
    from adapters.jobs.tasks import Schedule, register

    reader = HttpPageReader(allowed_hosts={"127.0.0.1"})
    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock, pages=reader)
    report = samples("development", "congress-hearing")[0]
    page = "".join(f"<p>{p}</p>" for p in report["content"].split("\n") if p.strip())
    link = feed_server.add(
        "/hearing.html",
        Route(
            body=f"<html><body><article>{page}</article></body></html>".encode(),
            content_type="text/html",
        ),
    )
    entry = as_entry(report, summary="", content=None, link=link)
    feed_server.add_feed("/a.xml", feed_of(entry), etag=True)
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    jobs = procrastinate.App(connector=InMemoryConnector())
    register(jobs, world.app, Schedule())

    said = await jobs.tasks["storybot.poll_feed"](feed_id=feed.id)

    assert said.endswith("1 new item, 1 linked page read")
    item = world.app.store.find_item_by_url(link)
    assert item is not None and item.page_text  # stored before the judging job runs
    fresh_pipeline(world.app).judge_stored([item.id])
    (decision,) = world.app.store.decisions_for_item(item.id)
    assert decision.judgement.reason["headline_only"] is False
    await world.app.aclose()


async def test_an_item_whose_page_is_down_waits_and_the_page_waits_task_queues_its_judging(
    feed_server, tmp_path, clock
):
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.feeds.pages import HttpPageReader
    from adapters.jobs.tasks import Schedule, register

    reader = HttpPageReader(allowed_hosts={"127.0.0.1"}, retries=0)
    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock, pages=reader)
    report = samples("development", "congress-hearing")[0]
    page = "".join(f"<p>{p}</p>" for p in report["content"].split("\n") if p.strip())
    body = f"<html><body><article>{page}</article></body></html>".encode()
    link = feed_server.add(
        "/hearing.html", Route(body=body, content_type="text/html", fail_first=1)
    )
    feed_server.add_feed("/a.xml", feed_of(as_entry(report, summary="", content=None, link=link)))
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    connector = InMemoryConnector()
    jobs = procrastinate.App(connector=connector)
    register(jobs, world.app, Schedule())

    def judging_jobs() -> list[list[int]]:
        return [
            job["args"]["item_ids"]
            for job in connector.jobs.values()
            if job["task_name"] == "storybot.judge"
        ]

    said = await jobs.tasks["storybot.poll_feed"](feed_id=feed.id)

    item = world.app.store.find_item_by_url(link)
    assert said.endswith("1 new item") and judging_jobs() == []  # held for its page
    assert world.app.store.count_page_waits() == 1
    tick = int(clock.now().timestamp())
    assert await jobs.tasks["storybot.page_waits"](timestamp=tick) == (
        "0 waiting items to judge (0 with the page read), 0 items waiting on"
    )  # not due yet

    clock.advance(60)
    said = await jobs.tasks["storybot.page_waits"](timestamp=tick + 60)

    assert said == "1 waiting item to judge (1 with the page read), 0 items waiting on"
    assert judging_jobs() == [[item.id]]
    assert world.app.store.count_page_waits() == 0
    fresh_pipeline(world.app).judge_stored([item.id])
    (decision,) = world.app.store.decisions_for_item(item.id)
    assert decision.judgement.reason["headline_only"] is False
    await world.app.aclose()


async def test_a_judging_job_says_when_it_was_queued_and_one_that_does_not_still_runs(
    feed_server, tmp_path, clock
):
    """The poll job queues its judging job with the time it queued it (a first story's
    backlog leaves out the items stored after it: see Pipeline.judge_stored); a job an
    older version queued, without it, still judges."""
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.jobs.tasks import Schedule, register

    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock)
    reports = samples("development", "congress-hearing")[:2]
    feed_server.add_feed("/a.xml", feed_of(*(as_entry(r) for r in reports)))
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    connector = InMemoryConnector()
    jobs = procrastinate.App(connector=connector)
    register(jobs, world.app, Schedule())

    await jobs.tasks["storybot.poll_feed"](feed_id=feed.id)

    [args] = [j["args"] for j in connector.jobs.values() if j["task_name"] == "storybot.judge"]
    assert args["queued_at"] == clock.now().isoformat()
    first, *rest = args["item_ids"]
    assert await jobs.tasks["storybot.judge"](**args | {"item_ids": [first]})
    assert await jobs.tasks["storybot.judge"](item_ids=rest)  # queued by an older version
    for item_id in args["item_ids"]:
        assert world.app.store.decisions_for_item(item_id)
    await world.app.aclose()


async def test_an_updates_job_says_when_it_was_queued_and_one_that_does_not_still_runs(
    feed_server, tmp_path, clock
):
    """As a judging job, the updates job a poll job queues carries the time it was queued
    (it too may be the first to track a story: see Pipeline.judge_updates); one an older
    version queued, without it, still judges."""
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.jobs.tasks import Schedule, register

    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock)
    [report] = samples("development", "congress-hearing")[:1]
    feed_server.add_feed("/a.xml", feed_of(as_entry(report)))
    feed = world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    connector = InMemoryConnector()
    jobs = procrastinate.App(connector=connector)
    register(jobs, world.app, Schedule())

    def queued(task: str) -> list[dict]:
        return [
            job["args"]
            for job in connector.jobs.values()
            if job["task_name"] == task and job["status"] == "todo"
        ]

    async def poll_with(*facts: str) -> None:
        content = "\n\n".join([report["content"], *facts])
        feed_server.add_feed("/a.xml", feed_of(as_entry(dict(report, content=content))))
        clock.advance(hours=2)  # the feed is due again
        await jobs.tasks["storybot.poll_feed"](feed_id=feed.id)

    await jobs.tasks["storybot.poll_feed"](feed_id=feed.id)
    [args] = queued("storybot.judge")
    await jobs.tasks["storybot.judge"](**args)
    await poll_with("Police said a signal technician was arrested.")

    [args] = queued("storybot.judge_updates")
    assert args == {"queued_at": clock.now().isoformat()}
    assert await jobs.tasks["storybot.judge_updates"](**args) == "1 updated item judged again"
    await poll_with("Police said a signal technician was arrested.", "The rail line reopened.")
    # queued by an older version: no arguments
    assert await jobs.tasks["storybot.judge_updates"]() == "1 updated item judged again"
    assert world.app.store.pending_updates() == []
    await world.app.aclose()


@pytest.fixture
def pg_dsn(pg_url: str) -> str:
    """A libpq connection string for an empty schema of this test's own.

    The job tables, the store's tables and procrastinate's functions and types all go in
    the schema (``search_path``, store_fixtures.pg_url), so each test starts with none.
    Was a database of its own, created and dropped per test: a DROP DATABASE waits for a
    checkpoint of the whole server, seconds under load; a DROP SCHEMA does not. What is
    database-wide is left shared, which tests one after the other do not meet: advisory
    locks (the schema lock, taken per transaction) and LISTEN channels (all closed with
    the test's worker).
    """
    return conninfo(pg_url)


@pytest.mark.postgres
def test_the_job_schema_is_applied_once_when_workers_start_together(pg_dsn):
    with ThreadPoolExecutor(4) as pool:
        created = list(pool.map(lambda _: ensure_schema(pg_dsn), range(4)))
    assert sorted(created) == [False, False, False, True]
    assert ensure_schema(pg_dsn) is False


def test_workers_need_postgresql():
    with pytest.raises(ConfigError, match="PostgreSQL"):
        conninfo("sqlite:///storybot.db")
    assert conninfo("postgres://u:pw@db.example/sb") == (
        "postgresql://u:pw@db.example/sb?connect_timeout=10&keepalives=1&keepalives_count=3"
        "&keepalives_idle=15&keepalives_interval=5&tcp_user_timeout=30000"
    )
    # the URL's own values win
    assert "?connect_timeout=3&keepalives=1&" in conninfo("postgresql://u@db/sb?connect_timeout=3")


@pytest.mark.parametrize(
    ("seconds", "cron"),
    [
        (0.2, "* * * * * */1"),
        (1, "* * * * * */1"),
        (2, "* * * * * */2"),
        (30, "* * * * * */30"),
        (60, "*/1 * * * *"),
        (900, "*/15 * * * *"),
        (7200, "0 */2 * * *"),
    ],
)
def test_every_gives_a_cron_with_seconds(seconds, cron):
    assert every(seconds) == cron


def test_a_judging_jobs_result_counts_in_the_right_number():
    # "1 items: 1 on-topic, 1 copies, 1 new developments, 1 alerts queued" before
    report = CycleReport(on_topic=1, copies=1, new_developments=1, alerts_queued=1)
    assert _judged(report, 1) == "1 item: 1 on-topic, 1 copy, 1 new development, 1 alert queued"
    report = CycleReport(on_topic=2, copies=2, new_developments=0, alerts_queued=2)
    assert _judged(report, 3) == (
        "3 items: 2 on-topic, 2 copies, 0 new developments, 2 alerts queued"
    )


def test_queues_option():
    assert parse_queues(None) == QUEUES
    assert parse_queues("deliver, poll,poll") == ("deliver", "poll")
    with pytest.raises(UserError, match="unknown queue"):
        parse_queues("poll,email")


def test_storybot_worker_refuses_sqlite_with_a_clear_message(tmp_path, monkeypatch, capsys):
    from adapters.cli import main

    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'sb.db'}")
    assert main(["worker", "--queues", "poll"]) == 2
    assert "storybot worker needs PostgreSQL" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["default", "config", "env"])
def test_storybot_worker_on_sqlite_names_where_the_database_url_came_from(
    tmp_path, monkeypatch, capsys, where
):
    # README: errors about the database name where its URL came from; an operator who
    # never set STORYBOT_DATABASE_URL must not be told it holds sqlite:///storybot.db
    from adapters.cli import main

    monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    argv = ["worker"]
    if where == "config":
        (tmp_path / "c.toml").write_text('[database]\nurl = "sqlite:///mine.db"\n')
        argv = ["--config", "c.toml", "worker"]
    elif where == "env":
        monkeypatch.setenv("STORYBOT_DATABASE_URL", "sqlite:///env.db")
    assert main(argv) == 2
    err = capsys.readouterr().err
    expected = {
        "default": 'the default database URL ("sqlite:///storybot.db") is sqlite',
        "config": 'c.toml: [database] url ("sqlite:///mine.db") is sqlite',
        "env": 'STORYBOT_DATABASE_URL ("sqlite:///env.db") is sqlite',
    }[where]
    assert "storybot worker needs PostgreSQL" in err and expected in err, err
    assert list(tmp_path.iterdir()) == ([tmp_path / "c.toml"] if where == "config" else [])


class HeartbeatPauses:
    """A stopping worker's pauses between its heartbeats (``run_worker``'s ``sleep``):
    each lasts until the test ends it, so the test counts beats without waiting for
    ``heartbeat_s`` to pass."""

    def __init__(self) -> None:
        self._pauses: asyncio.Queue[asyncio.Event] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        go = asyncio.Event()
        self._pauses.put_nowait(go)
        await go.wait()

    async def next(self) -> asyncio.Event:
        """The next pause once it has begun (a heartbeat was written just before it)."""
        return await asyncio.wait_for(self._pauses.get(), 20)


@pytest.mark.postgres
async def test_a_stopping_worker_keeps_its_heartbeat_until_its_running_job_is_done(
    pg_dsn,
    feed_server,  # noqa: F811
    clock,
):
    """On SIGTERM procrastinate stops the heartbeat at once, then waits for the running
    jobs; other workers' ``retry_stalled`` would then take the worker for dead and run
    its job a second time while it still runs. The worker beats on until it is done:
    a heartbeat, a pause of ``heartbeat_s`` (here ended by the test), and again."""
    import signal

    import procrastinate

    from adapters.jobs.worker import WorkerOptions, run_worker

    news = samples("unrelated")[:1]
    path, arrived, release = feed_server.add_held("/held.xml", feed_of(as_entry(news[0], 0)))
    dsn = pg_dsn
    world = make_world(dsn, clock)
    feed = world.app.store.add_feed(path, clock.now())
    ensure_schema(dsn)
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))
    pauses = HeartbeatPauses()
    async with jobs.open_async():
        await jobs.configure_task(
            "storybot.poll_feed", queue="poll", lock=f"feed:{feed.id}"
        ).defer_async(feed_id=feed.id)
        options = WorkerOptions(queues=("poll",), heartbeat_s=0.2, stalled_after_s=1.0)
        worker = asyncio.create_task(run_worker(world.app, options, sleep=pauses.sleep))
        try:
            assert await asyncio.to_thread(arrived.wait, 20), "the poll job never fetched"
            os.kill(os.getpid(), signal.SIGTERM)  # run_worker's handler: stop the worker

            async def last_heartbeat() -> object:
                async with jobs.connector.pool.connection() as conn:  # type: ignore[attr-defined]
                    row = await (
                        await conn.execute("SELECT max(last_heartbeat) FROM procrastinate_workers")
                    ).fetchone()
                return row[0] if row else None

            beats = []
            for _ in range(3):  # stopped, the worker beats, pauses, and beats again
                go = await pauses.next()
                assert not worker.done()
                beats.append(await last_heartbeat())
                go.set()
            assert None not in beats and beats == sorted(set(beats)), beats
            assert await pauses.next(), "still beating while its job runs"
        finally:
            release.set()
        assert await asyncio.wait_for(worker, 30) == 0
        assert feed_server.hits("/held.xml") == 1
        assert world.app.store.due_feeds(clock.now()) == [], "the held poll was recorded"


@contextlib.asynccontextmanager
async def _worker_until_it_logs(world, options, caplog, words: str):
    """Run a worker until a line of its log holds ``words``, hand over to the test, then
    stop it with SIGTERM, as an operator does, and expect exit 0."""
    import logging
    import signal

    from adapters.jobs.worker import run_worker

    with caplog.at_level(logging.INFO, logger="adapters.jobs.worker"):
        worker = asyncio.create_task(run_worker(world.app, options))
        deadline = asyncio.get_running_loop().time() + 20
        while not any(words in r.getMessage() for r in caplog.records):
            assert asyncio.get_running_loop().time() < deadline, f"no line with {words!r}"
            await asyncio.sleep(0.01)
        yield
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(worker, 30) == 0


@pytest.mark.postgres
async def test_a_workers_start_line_names_its_database_without_the_password(pg_dsn, clock, caplog):
    """With workers on several machines the operator needs to see which database each
    works on: its start line names it as ``storybot run``'s does, password hidden."""
    from sqlalchemy.engine import make_url

    from adapters.app import database_name
    from adapters.jobs.worker import WorkerOptions

    url = make_url(pg_dsn).set(password="s3cret-pw").render_as_string(hide_password=False)
    world = make_world(url, clock)  # the test server trusts: any password is taken
    options = WorkerOptions(queues=("poll",), concurrency=2, name="w1", check_every_s=5)
    async with _worker_until_it_logs(world, options, caplog, "is running on"):
        pass
    [start] = [r.getMessage() for r in caplog.records if "is running on" in r.getMessage()]
    named = database_name(world.app.settings)
    assert "postgres:***@" in named and "s3cret" not in named, named
    assert start == (
        f"storybot worker w1 is running on {named}: queues poll, concurrency 2, "
        "new jobs by notification or every 5 s"
    ), start


@pytest.mark.postgres
async def test_a_delivering_workers_first_line_is_its_start_line(pg_dsn, clock, caplog):
    """README: "Each worker's first log line names it, its queues, its concurrency and the
    database it works on". A worker serving ``deliver`` logged what it delivers to first
    ("delivering to: console ..."), so the line that says which worker it is came second."""
    from adapters.jobs.worker import WorkerOptions

    world = make_world(pg_dsn, clock)
    options = WorkerOptions(queues=("deliver",), concurrency=2, name="w1", check_every_s=5)
    async with _worker_until_it_logs(world, options, caplog, "delivering to"):
        pass
    ours = [r.getMessage() for r in caplog.records if r.name == "adapters.jobs.worker"]
    assert ours[0].startswith("storybot worker w1 is running on "), ours[:2]
    assert ours[1].startswith("delivering to: console"), ours[:2]


@pytest.mark.postgres
async def test_a_worker_quiets_procrastinates_log_only_while_it_runs(pg_dsn, clock, caplog):
    """procrastinate logs a line per job, held at WARNING while a worker runs. The level
    stayed WARNING for the rest of the process: in one test session the tests after a
    worker's no longer saw procrastinate's INFO lines, and their results changed."""
    import logging

    from adapters.jobs.worker import WorkerOptions

    procrastinate_log = logging.getLogger("procrastinate")
    before = procrastinate_log.level
    procrastinate_log.setLevel(logging.INFO)  # a level set by whatever runs the worker
    try:
        world = make_world(pg_dsn, clock)
        options = WorkerOptions(queues=("poll",), name="w1")
        async with _worker_until_it_logs(world, options, caplog, "is running on"):
            assert procrastinate_log.level == logging.WARNING, "no line per job meanwhile"
        assert procrastinate_log.level == logging.INFO
    finally:
        procrastinate_log.setLevel(before)


@pytest.mark.postgres
async def test_a_worker_stopped_while_it_starts_stops(pg_dsn, clock, caplog):
    """SIGTERM while the worker applies the job schema (before procrastinate's ``run``,
    which clears any stop asked before it): the stop was forgotten and the worker ran on
    until killed."""
    import logging
    import signal

    from adapters.jobs.worker import WorkerOptions, run_worker

    class StopWhenTheSchemaIsCreated(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            os.kill(os.getpid(), signal.SIGTERM)  # from ensure_schema's thread: mid-start

    world = make_world(pg_dsn, clock)
    schema_log = logging.getLogger("adapters.jobs.schema")
    hook = StopWhenTheSchemaIsCreated(logging.INFO)
    schema_log.addHandler(hook)
    try:
        caplog.set_level(logging.INFO, logger="adapters.jobs.schema")
        assert await asyncio.wait_for(run_worker(world.app, WorkerOptions()), 30) == 0
    finally:
        schema_log.removeHandler(hook)


@pytest.mark.postgres
async def test_a_worker_stops_though_a_side_task_lost_its_cancellation(pg_dsn, clock):
    """Python 3.11's ``asyncio.wait_for`` (psycopg_pool's, waiting for a connection)
    swallows a cancellation that lands as its wait ends. The worker's lost-jobs sweep,
    cancelled once as the worker stopped, then slept on, and the stop waited for it for
    ever (live: after a dropped connection, never restarted, deaf to SIGTERM). Here the
    sweep's query swallows every cancellation, as that race does."""
    import signal

    import procrastinate
    from procrastinate import sql

    from adapters.jobs.tasks import Schedule, register
    from adapters.jobs.worker import WorkerOptions, _run_until_stopped

    swallowing = asyncio.Event()

    class SwallowingConnector(procrastinate.PsycopgConnector):
        async def execute_query_all_async(self, query, **arguments):  # type: ignore[no-untyped-def]
            if query == sql.queries["list_jobs"] and arguments.get("worker_id") is not None:
                swallowing.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.Event().wait()  # a wait whose cancellation is lost
                return []
            return await super().execute_query_all_async(query, **arguments)

    world = make_world(pg_dsn, clock)
    options = WorkerOptions(queues=("poll",), heartbeat_s=0.05, stalled_after_s=5.0)
    jobs = procrastinate.App(connector=SwallowingConnector(conninfo=pg_dsn))
    register(jobs, world.app, Schedule())
    worker = asyncio.create_task(_run_until_stopped(jobs, options, pg_dsn))
    await asyncio.wait_for(swallowing.wait(), 20)
    os.kill(os.getpid(), signal.SIGTERM)
    signals = await asyncio.wait_for(worker, 20)
    assert signals.hurried_by is None
    await world.app.aclose()


@pytest.mark.postgres
async def test_a_worker_cancelled_as_its_job_pool_opens_ends(pg_dsn, clock, caplog):
    """A worker (``run_worker``'s task) cancelled just as its job queue's connection pool
    gets its first connection: psycopg_pool waits for it with Python 3.11's
    ``asyncio.wait_for``, which returns the connection instead of raising when the
    cancellation lands as the wait ends. The worker then ran on, for ever: the outage
    tests, which stop their workers by cancelling them, waited for it until CI killed the
    run (80 minutes). Here the cancellation lands at that moment (the pool's "adding new
    connection" line, as the pool is opened)."""
    import logging

    from adapters.jobs.worker import WorkerOptions, run_worker

    loop = asyncio.get_running_loop()
    worker: list[asyncio.Task] = []

    class CancelAsThePoolFills(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # the pool adds the connection and ends psycopg_pool's wait in this same step;
            # the cancellation reaches the worker's task before that wait has returned
            if worker and record.getMessage().startswith("adding new connection"):
                loop.call_soon(worker.pop().cancel)

    world = make_world(pg_dsn, clock)
    ensure_schema(pg_dsn)
    pool_log = logging.getLogger("psycopg.pool")
    hook = CancelAsThePoolFills(logging.INFO)
    pool_log.addHandler(hook)
    try:
        caplog.set_level(logging.INFO, logger="psycopg.pool")
        options = WorkerOptions(queues=("poll",), heartbeat_s=0.3, stalled_after_s=2.0)
        task = asyncio.create_task(run_worker(world.app, options))
        worker.append(task)
        done, _ = await asyncio.wait({task}, timeout=20)
        assert not worker, "the pool never added a connection"
        if not done:
            task.cancel()  # again, for the test's end
            await asyncio.wait({task}, timeout=20)
        assert done, "the worker ran on after its cancellation"
        assert task.cancelled(), "it ends as a cancelled task does"
    finally:
        pool_log.removeHandler(hook)


@pytest.mark.postgres
async def test_a_worker_whose_cancellation_is_lost_while_it_registers_stops(pg_dsn, clock):
    """The same race later: procrastinate's ``run`` registers the worker through the pool
    (psycopg_pool's ``wait_for`` again, when it waits for a connection) before it
    listens for a cancellation; one lost there left the worker running. Here the
    registering query swallows the cancellation, as that race does; the worker stops as
    when the cancellation reaches it, and its task ends cancelled."""
    import procrastinate
    from procrastinate import sql

    from adapters.jobs.tasks import Schedule, register
    from adapters.jobs.worker import WorkerOptions, _run_until_stopped

    registering = asyncio.Event()

    class SwallowingConnector(procrastinate.PsycopgConnector):
        async def execute_query_one_async(self, query, **arguments):  # type: ignore[no-untyped-def]
            if query == sql.queries["register_worker"] and not registering.is_set():
                registering.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.Event().wait()  # a wait whose cancellation is lost
            return await super().execute_query_one_async(query, **arguments)

    world = make_world(pg_dsn, clock)
    options = WorkerOptions(queues=("poll",), heartbeat_s=0.05, stalled_after_s=5.0)
    jobs = procrastinate.App(connector=SwallowingConnector(conninfo=pg_dsn))
    register(jobs, world.app, Schedule())
    worker = asyncio.create_task(_run_until_stopped(jobs, options, pg_dsn))
    try:
        await asyncio.wait_for(registering.wait(), 20)
        worker.cancel()
        done, _ = await asyncio.wait({worker}, timeout=20)
        assert done, "the worker ran on after its cancellation"
        assert worker.cancelled()
    finally:
        while not worker.done():  # the test's end
            worker.cancel()
            await asyncio.wait({worker}, timeout=1)
        await world.app.aclose()


@pytest.mark.postgres
async def test_the_stop_line_names_the_jobs_cancelled_when_the_grace_ran_out(
    pg_dsn,
    feed_server,  # noqa: F811
    clock,
    caplog,
):
    """``--stop-grace`` runs out with a poll in flight: procrastinate cancels it and says
    so at INFO only (held back), so the stop line said "stopped" as after a clean drain.
    It names the job, that the grace ran out, and that it runs again later."""
    import logging
    import signal

    import procrastinate

    from adapters.jobs.worker import WorkerOptions, run_worker

    news = samples("unrelated")[:1]
    path, arrived, release = feed_server.add_held("/held.xml", feed_of(as_entry(news[0], 0)))
    world = make_world(pg_dsn, clock)
    feed = world.app.store.add_feed(path, clock.now())
    ensure_schema(pg_dsn)
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_dsn))
    options = WorkerOptions(queues=("poll",), heartbeat_s=0.2, stop_grace_s=0.2, name="w1")
    async with jobs.open_async():
        job = await jobs.configure_task(
            "storybot.poll_feed", queue="poll", lock=f"feed:{feed.id}"
        ).defer_async(feed_id=feed.id)
        with caplog.at_level(logging.INFO, logger="adapters.jobs.worker"):
            worker = asyncio.create_task(run_worker(world.app, options))
            try:
                assert await asyncio.to_thread(arrived.wait, 20), "the poll job never fetched"
                os.kill(os.getpid(), signal.SIGTERM)
                assert await asyncio.wait_for(worker, 30) == 0
            finally:
                release.set()
        assert (await jobs.job_manager.get_job_status_async(job)).value == "aborted"
    last = caplog.records[-1]
    assert last.levelno == logging.WARNING, last.getMessage()
    assert last.getMessage() == (
        f"storybot worker w1 stopped; cancelled when the 0.2 s grace ran out: "
        f"storybot.poll_feed[{job}] (it runs again later)"
    ), last.getMessage()
    assert world.app.store.due_feeds(clock.now()) != [], "still due: the next tick polls it"


@pytest.mark.postgres
async def test_a_worker_procrastinate_stops_itself_keeps_its_heartbeat_while_its_job_runs(
    pg_dsn,
    feed_server,  # noqa: F811
    clock,
):
    """procrastinate stops a worker itself when a side task fails (live: its periodic
    deferrer's or heartbeat's connection cut; here the deferrer's function gone from this
    test's schema), then waits up to the grace for the running jobs, without heartbeat:
    the other workers took it for dead and ran its job a second time meanwhile (a
    delivery: two senders at once). It beats on as after a signal."""
    import signal

    import procrastinate
    import psycopg

    from adapters.jobs.worker import WorkerOptions, run_worker

    news = samples("unrelated")[:1]
    path, arrived, release = feed_server.add_held("/held.xml", feed_of(as_entry(news[0], 0)))
    world = make_world(pg_dsn, clock)
    feed = world.app.store.add_feed(path, clock.now())
    ensure_schema(pg_dsn)
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_dsn))
    pauses = HeartbeatPauses()

    async def deferrer_fails(fails: bool) -> None:
        names = ("procrastinate_defer_periodic_job_v2", "defer_periodic_gone")
        old, new = names if fails else names[::-1]
        async with await psycopg.AsyncConnection.connect(pg_dsn, autocommit=True) as conn:
            await conn.execute(f"ALTER FUNCTION {old} RENAME TO {new}")

    async with jobs.open_async():
        await jobs.configure_task(
            "storybot.poll_feed", queue="poll", lock=f"feed:{feed.id}"
        ).defer_async(feed_id=feed.id)
        options = WorkerOptions(queues=("poll",), heartbeat_s=0.2, stalled_after_s=1.0)
        worker = asyncio.create_task(run_worker(world.app, options, sleep=pauses.sleep))
        try:
            assert await asyncio.to_thread(arrived.wait, 20), "the poll job never fetched"
            await deferrer_fails(True)  # the deferrer defers every second: it fails next
            for _ in range(2):  # stopped by procrastinate, the worker beats and pauses
                go = await pauses.next()
                assert not worker.done()
                go.set()
        finally:
            release.set()
            await deferrer_fails(False)
        os.kill(os.getpid(), signal.SIGTERM)
        while not worker.done():  # the restarted worker's stop may pause between beats too
            with contextlib.suppress(TimeoutError):
                (await asyncio.wait_for(pauses.next(), 0.5)).set()
        assert await worker == 0
        assert feed_server.hits("/held.xml") == 1


@pytest.mark.postgres
async def test_a_dead_workers_job_superseded_by_a_queued_one_is_aborted_not_failed(pg_dsn):
    """After a kill -9, the dead worker's deliver job cannot go back to the queue: the next
    periodic tick holds its queueing lock. It is closed, but not as a failure to look into."""
    import procrastinate

    from adapters.jobs.tasks import retry_stalled_jobs

    ensure_schema(pg_dsn)
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_dsn))
    async with jobs.open_async():
        manager = jobs.job_manager
        deliver = jobs.configure_task("storybot.deliver", queue="deliver", queueing_lock="deliver")
        dead_job = await deliver.defer_async(timestamp=1)
        dead = await manager.register_worker()
        assert (await manager.fetch_job(["deliver"], dead)).id == dead_job  # then kill -9
        queued = await deliver.defer_async(timestamp=2)  # the next tick, holding the lock
        stuck = await jobs.configure_task("storybot.poll_feed", queue="poll").defer_async(feed_id=1)
        assert (await manager.fetch_job(["poll"], dead)).id == stuck
        async with jobs.connector.pool.connection() as conn:  # type: ignore[attr-defined]
            await conn.execute(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'"
            )

        assert await retry_stalled_jobs(jobs, 60) == "1 stalled job retried, 1 superseded"

        status = {job.id: job.status for job in await manager.list_jobs_async()}
        assert status == {dead_job: "aborted", queued: "todo", stuck: "todo"}


async def test_a_delivering_worker_without_chat_tokens_prints_the_consoles_alerts(
    tmp_path, clock, capsys
):
    """``story add`` with no chat token has the console follow the story, and
    ``storybot run`` prints its alerts; in scale-out the delivering worker must, or they
    wait in the outbox forever (``storybot run --no-scheduler`` delivers nothing)."""
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.app import build_app
    from adapters.console_follow import follow_in_console
    from adapters.jobs.tasks import Schedule, register
    from adapters.jobs.worker import add_delivery_sinks, describe_sinks
    from bot.settings import load_settings

    world = make_world(f"sqlite:///{tmp_path / 'w.db'}", clock, follow=False)
    world.app.store.close()
    settings = load_settings(env={"STORYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"})
    app = build_app(settings, clock=clock)  # as `storybot worker` builds it: no adapters
    assert follow_in_console(app, world.story)
    world = type(world)(app, world.console, world.out, world.story, clock)
    ids = _ingest(world, _stream())
    report = fresh_pipeline(app).judge_stored(ids)
    assert report.alerts_queued >= 1
    jobs = procrastinate.App(connector=InMemoryConnector())
    register(jobs, app, Schedule())

    add_delivery_sinks(app)
    said = await jobs.tasks["storybot.deliver"](timestamp=0)

    assert describe_sinks(app.delivery.sinks).startswith("console")
    assert said.startswith(f"posted {report.alerts_queued},")
    assert app.store.outbox_counts()["pending"] == 0
    assert "Anthropic" in capsys.readouterr().out
    await app.aclose()


def test_a_worker_with_a_chat_token_does_not_print_to_the_console():
    from adapters.jobs.sinks import delivery_sinks
    from bot.settings import load_settings

    settings = load_settings(env={"SLACK_BOT_TOKEN": "xoxb-test"})
    assert list(delivery_sinks(settings, commands=None)) == ["slack"]  # type: ignore[arg-type]


async def test_a_delivering_worker_is_not_held_up_by_messages_it_has_no_token_for(db_url, clock):
    """A deliver job reads one batch of due rows. Rows for a platform this worker has no
    sink for (the console's, from stories added before a chat token was set; another
    platform's, whose token only other workers have) are left for others; were they read
    first, a backlog of them filled every batch and this worker's own never went out."""
    import procrastinate
    from fakes.slack_server import FakeSlack
    from procrastinate.testing import InMemoryConnector
    from store_builders import write

    from adapters.app import build_app
    from adapters.jobs.tasks import Schedule, register
    from adapters.jobs.worker import add_delivery_sinks
    from bot.model import Target
    from bot.settings import load_settings

    slack = FakeSlack()
    await slack.start()
    settings = load_settings(
        env={
            "STORYBOT_DATABASE_URL": db_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "STORYBOT_SLACK_API_URL": slack.base_url,
        }
    )
    app = build_app(settings, clock=clock)  # as `storybot worker` builds it
    try:
        schedule = Schedule()
        waiting = schedule.deliver_batch + 5  # more than one batch, queued first
        console = Target("console", user_id="operator")
        app.store.enqueue(
            [write(f"notice:{i}", target=console) for i in range(waiting)], clock.now()
        )
        app.store.enqueue([write("alert:C1", target=Target("slack", channel_id="C1"))], clock.now())
        jobs = procrastinate.App(connector=InMemoryConnector())
        register(jobs, app, schedule)
        add_delivery_sinks(app)  # Slack only: the token is set

        said = await jobs.tasks["storybot.deliver"](timestamp=0)

        assert said.startswith("posted 1,"), said
        assert len(slack.calls_to("chat.postMessage")) == 1
        assert app.store.outbox_counts()["pending"] == waiting  # for a console deliverer
    finally:
        await app.aclose()
        await slack.stop()


@pytest.mark.postgres
async def test_the_procrastinate_shell_lists_the_jobs_and_names_the_variable_it_reads(
    pg_dsn, tmp_path
):
    """README, Monitoring: ``PROCRASTINATE_APP=adapters.jobs.monitor.app procrastinate
    shell``. procrastinate's CLI takes no ``--config``, so the app reads the database from
    STORYBOT_DATABASE_URL only; without it (the URL in the config file, or a shell that
    never set it) the command said "storybot worker needs PostgreSQL" in a traceback."""
    import asyncio
    import subprocess
    import sys

    import procrastinate

    ensure_schema(pg_dsn)
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_dsn))
    async with jobs.open_async():
        queued = await jobs.configure_task("storybot.deliver", queue="deliver").defer_async(
            timestamp=1
        )
    env = code_env(
        {k: v for k, v in os.environ.items() if not k.startswith("STORYBOT_")},
        PROCRASTINATE_APP="adapters.jobs.monitor.app",
    )

    def shell(**more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "procrastinate", "shell"],
            input="list_jobs\n",
            capture_output=True,
            text=True,
            env={**env, **more},
            cwd=tmp_path,
            timeout=60,
        )

    unset = await asyncio.to_thread(shell)
    assert unset.returncode == 2, unset.stderr
    assert "Traceback" not in unset.stderr
    [line] = unset.stderr.splitlines()
    assert line.startswith("storybot: error: the job monitor needs PostgreSQL"), line
    assert "STORYBOT_DATABASE_URL" in line and "storybot worker" not in line, line

    listed = await asyncio.to_thread(shell, STORYBOT_DATABASE_URL=pg_dsn)
    assert listed.returncode == 0, listed.stderr
    assert f"#{queued} storybot.deliver on deliver" in listed.stdout, listed.stdout


@pytest.mark.postgres
async def test_a_live_workers_job_whose_end_was_not_recorded_goes_back_to_the_queue(pg_dsn):
    """A dropped connection as procrastinate records a job's end leaves the job "doing"
    under a worker that still beats: retry_stalled never takes it, and its lock
    (``deliver``) kept every later delivery job from starting. The worker's own sweep
    puts back what it no longer runs, once seen on two sweeps (a job fetched a moment
    ago is not running yet), and leaves the jobs it runs alone."""
    import procrastinate

    from adapters.jobs.tasks import RETRIED, SUPERSEDED, LostJobs

    ensure_schema(pg_dsn)
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_dsn))
    async with jobs.open_async():
        manager = jobs.job_manager
        deliver = jobs.configure_task(
            "storybot.deliver", queue="deliver", lock="deliver", queueing_lock="deliver"
        )
        me = await manager.register_worker()
        lost_deliver = await deliver.defer_async(timestamp=1)
        assert (await manager.fetch_job(["deliver"], me)).id == lost_deliver
        next_tick = await deliver.defer_async(timestamp=2)  # held back by the lock
        poll = jobs.configure_task("storybot.poll_feed", queue="poll")
        lost_poll = await poll.defer_async(feed_id=1)
        assert (await manager.fetch_job(["poll"], me)).id == lost_poll
        running = await poll.defer_async(feed_id=2)
        assert (await manager.fetch_job(["poll"], me)).id == running
        assert await manager.fetch_job(["deliver"], me) is None, "the lock holds it back"

        sweeps = LostJobs()
        assert await sweeps.sweep(jobs, me, lambda: {running}) == []  # seen once: wait
        assert sorted(await sweeps.sweep(jobs, me, lambda: {running})) == [RETRIED, SUPERSEDED]

        status = {job.id: job.status for job in await manager.list_jobs_async()}
        assert status == {
            lost_deliver: "aborted",  # the next tick does its work
            next_tick: "todo",
            lost_poll: "todo",
            running: "doing",
        }
        assert (await manager.fetch_job(["deliver"], me)).id == next_tick, "delivery goes on"


@pytest.mark.postgres
async def test_a_running_worker_puts_back_a_job_of_its_own_it_no_longer_runs(pg_dsn, clock):
    """The sweep runs in ``storybot worker``, every heartbeat."""
    import procrastinate

    from adapters.jobs.worker import WorkerOptions, run_worker

    world = make_world(pg_dsn, clock)
    ensure_schema(pg_dsn)
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_dsn))
    options = WorkerOptions(queues=("poll",), heartbeat_s=0.2, stalled_after_s=60.0)
    async with jobs.open_async():
        manager = jobs.job_manager
        worker = asyncio.create_task(run_worker(world.app, options))
        try:

            async def worker_ids() -> list[int]:
                async with jobs.connector.pool.connection() as conn:  # type: ignore[attr-defined]
                    rows = await (
                        await conn.execute("SELECT id FROM procrastinate_workers")
                    ).fetchall()
                return [row[0] for row in rows]

            loop = asyncio.get_running_loop()
            deadline = loop.time() + 20
            while not (ids := await worker_ids()):
                assert loop.time() < deadline, "the worker never registered"
                await asyncio.sleep(0.05)
            # a job on a queue it does not serve, marked as the worker's: as if it had run
            # it and then could not record its end
            judge = jobs.configure_task("storybot.judge", queue="elsewhere")
            lost = await judge.defer_async(item_ids=[1])
            assert (await manager.fetch_job(["elsewhere"], ids[0])).id == lost
            deadline = loop.time() + 20
            while (await manager.get_job_status_async(lost)).value == "doing":
                assert loop.time() < deadline, "the lost job stayed 'doing'"
                await asyncio.sleep(0.05)
            assert (await manager.get_job_status_async(lost)).value == "todo"
        finally:
            os.kill(os.getpid(), __import__("signal").SIGTERM)
            assert await asyncio.wait_for(worker, 30) == 0


UNRECORDED_GOES_BACK = {
    # a running worker's lost-jobs sweep puts it back on its second sighting; an outage
    # may stop the worker first
    False: "it goes back to the queue within two heartbeats, or, if this worker stops "
    "first, when it restarts, or, stopped for good, at the stall sweep of another worker "
    "(or of the next one started) after the sweep's grace (--stalled-after)",
    # a stopping worker's sweep ends with it: its restart puts the job back, else a stall
    # sweep does (before, this said "within two heartbeats" too)
    True: "it goes back to the queue when this worker restarts, or, if it stops for good, "
    "at the stall sweep of another worker (or of the next one started) after the sweep's "
    "grace (--stalled-after)",
}


@pytest.mark.postgres
@pytest.mark.parametrize("stopping", [False, True], ids=["running", "stopping"])
async def test_a_job_whose_end_cannot_be_recorded_is_one_warning_line(pg_dsn, caplog, stopping):
    """procrastinate cannot record a job's end (live, a connection cut as it did; here,
    for a test that does not depend on timing, its function gone from this test's
    schema). Before, asyncio logged "Task exception was never retrieved" with two
    tracebacks, and nothing said what became of the job. The line says when the job goes
    back to the queue, which depends on whether the worker was stopping then (a signal,
    or procrastinate stopping it after a dropped connection)."""
    import logging

    import procrastinate
    import psycopg

    from adapters.jobs.worker import _Worker

    ensure_schema(pg_dsn)
    jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_dsn))
    workers: list[_Worker] = []

    @jobs.task(name="unrecordable", queue="q")
    async def unrecordable() -> None:
        async with await psycopg.AsyncConnection.connect(pg_dsn, autocommit=True) as other:
            await other.execute(
                "ALTER FUNCTION procrastinate_finish_job_v1(bigint, procrastinate_job_status,"
                " boolean) RENAME TO finish_job_gone"
            )
        if stopping:
            workers[0].stop()  # finishes this job, then returns

    async with jobs.open_async():
        job = await unrecordable.defer_async()
        worker = _Worker(
            jobs, queues=["q"], wait=False, listen_notify=False, install_signal_handlers=False
        )
        workers.append(worker)
        with caplog.at_level(logging.WARNING, logger="adapters.jobs.worker"):
            await asyncio.wait_for(worker.run(), 30)
        said = [r.getMessage() for r in caplog.records if r.name == "adapters.jobs.worker"]
        assert len(said) == 1 and said[0].startswith(
            f"job {job} (unrecordable) ended but its end could not be recorded ("
        ), said
        assert said[0].endswith(f"); left 'doing', {UNRECORDED_GOES_BACK[stopping]}"), said
        assert "\n" not in said[0]
        assert (await jobs.job_manager.get_job_status_async(job)).value == "doing"


def _by_position(world, ids: list[int]) -> list[tuple]:
    """``_decisions`` with each item id (and the one it duplicates) as its place in ``ids``:
    the ids of two databases differ (PostgreSQL's sequences are not reset between tests)."""
    at = {item_id: n for n, item_id in enumerate(ids)}
    return [
        (at[item_id], on_topic, score, at.get(dup, dup), dev, new)
        for item_id, on_topic, score, dup, dev, new in _decisions(world, ids)
    ]


def _observed(world, saved_through: int) -> dict:
    """What the saved statistics through an item id must be: every item up to it read
    once by an engine that started from nothing (the periodic job's own reading)."""
    store = world.app.store
    everything = Engine(world.app.pipeline.engine.config)
    for item in store.get_items(store.item_ids_after(0, 10_000)):
        if item.id <= saved_through:
            everything.observe(engine_doc(item))
    return everything.background_state()


async def test_background_jobs_of_two_workers_leave_the_stream_statistics_to_judging(
    db_url, tmp_path, clock
):
    """Operator QA: a worker started on an empty database saves statistics of no item
    (``engine_background``: n_docs 0, through id 0). On a live database, can that row, or
    one a second worker saves later from an older state, replace the statistics the
    stories weigh with? No: judging jobs weigh with the last commit's table
    (``engine_stream``), which the background job never writes; the background job reads
    the saved row and writes it back in one job under the ``engine`` lock, so it only
    moves forward, and counts each item through its id once. Two workers' jobs, the
    second worker started after items arrived, decide exactly what one process decides,
    on the statistics it builds."""
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.jobs.tasks import Schedule, register

    def worker(world):
        jobs = procrastinate.App(connector=InMemoryConnector())
        register(jobs, world.app, Schedule())
        return jobs.tasks["storybot.judge"], jobs.tasks["storybot.background"]

    stream = _stream()
    one = make_world(f"sqlite:///{tmp_path / 'one.db'}", clock)  # the single process
    many = make_world(db_url, clock)
    judge_a, background_a = worker(many)
    assert await background_a(timestamp=int(clock.now().timestamp())) == (
        "0 items folded into the stream statistics"
    )
    assert many.app.store.load_background() == ({"n_docs": 0, "df": {}}, 0)  # the QA's row
    clock.advance(minutes=1)
    ids_one, ids_many = _ingest(one, stream), _ingest(many, stream)
    judge_b = background_b = None
    saved_through = 0
    for n, start in enumerate(range(0, len(stream), 3)):
        if n == len(stream) // 6:  # a second worker, started on the live database
            second = make_world(db_url, clock, follow=False)
            judge_b, background_b = worker(second)
        judge, background = (judge_b, background_b) if judge_b else (judge_a, background_a)
        one.app.pipeline.judge_stored(ids_one[start : start + 3])
        await judge(item_ids=ids_many[start : start + 3], queued_at=clock.now().isoformat())
        clock.advance(seconds=20)
        await background(timestamp=int(clock.now().timestamp()))
        state, through = many.app.store.load_background()
        assert through >= saved_through  # never an older save over a newer one
        assert state == _observed(many, through)  # each item through it counted once
        saved_through = through
        assert many.app.store.load_stream() == one.app.pipeline.engine.background_state()
    assert saved_through == max(ids_many)
    assert _by_position(many, ids_many) == _by_position(one, ids_one)
    assert many.app.store.load_stream() == one.app.store.load_stream()
    for world in (one, many, second):
        world.app.store.close()


def test_a_story_added_after_every_story_was_removed_is_judged_as_one_process_judges(
    db_url, tmp_path, clock
):
    """No story has a state, but the judging of the removed story committed its table:
    the judging job takes that table, as one process keeps the table its judging built.
    (It took the saved statistics the periodic job builds by reading every item, the
    removed story's copies counted and its seeds not, and committed them as the
    stream's: on the demo timeline each of the 19 later items scored otherwise, and 3
    reports of the story, one a new development, were missed.)"""
    stream = _stream()
    half = len(stream) // 2
    worlds = {"one": make_world(f"sqlite:///{tmp_path / 'one.db'}", clock)}
    worlds["many"] = make_world(db_url, clock)
    fresh_pipeline(worlds["many"].app).update_saved_background()  # the worker's first tick
    later = {}
    clock.advance(minutes=1)
    for name, world in worlds.items():
        store, seeds = world.app.store, world.story.seeds
        ids = _ingest(world, stream[:half])
        for start in range(0, len(ids), 3):
            if name == "one":
                world.app.pipeline.judge_stored(ids[start : start + 3])
            else:
                fresh_pipeline(world.app).judge_stored(ids[start : start + 3])
                fresh_pipeline(world.app).update_saved_background()
        store.remove_story("demo")
        story = store.add_story("late", seeds[0].title, seeds, clock.now() + timedelta(minutes=1))
        assert story.name == "late"
    clock.advance(minutes=2)
    for name, world in worlds.items():
        later[name] = _ingest(world, stream[half:], "https://wire.example/2.xml")
        for start in range(0, len(later[name]), 3):
            judge = world.app.pipeline if name == "one" else fresh_pipeline(world.app)
            judge.judge_stored(later[name][start : start + 3])
    try:
        assert _by_position(worlds["many"], later["many"]) == _by_position(
            worlds["one"], later["one"]
        )
    finally:
        for world in worlds.values():
            world.app.store.close()


def _one_and_many(db_url, tmp_path, clock, *, storyless: bool = False) -> tuple[dict, tuple]:
    """A one-process world (``"one"``, a SQLite file) and a workers' world (``"many"``,
    on ``db_url``) on the same clock, and the demo story's seeds; ``storyless``: with the
    demo story removed from both (the tests add their own)."""
    worlds = {
        "one": make_world(f"sqlite:///{tmp_path / 'one.db'}", clock, follow=False),
        "many": make_world(db_url, clock, follow=False),
    }
    seeds = worlds["one"].story.seeds
    if storyless:
        for world in worlds.values():
            world.app.store.remove_story("demo")
    return worlds, seeds


def _worker_tasks(world) -> dict:
    """The tasks of one worker process on ``world``'s app (procrastinate's in-memory
    connector, as ``tasks["connector"]``): what a ``storybot worker`` runs, called as it
    calls them."""
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from adapters.jobs.tasks import Schedule, register

    connector = InMemoryConnector()
    jobs = procrastinate.App(connector=connector)
    register(jobs, world.app, Schedule())
    return {**jobs.tasks, "connector": connector}


async def test_a_first_story_tracked_before_the_first_background_tick_reads_the_items_stored(
    db_url, tmp_path, clock
):
    """Workers started on a new database have saved no background statistics until the
    periodic job's first tick (a minute). A first story whose first judging job runs
    before it still starts from the items stored so far, as one process reads the
    backlog it kept (it started cold: no saved row, no backlog)."""
    stream = _stream()
    half = len(stream) // 2
    worlds, seeds = _one_and_many(db_url, tmp_path, clock, storyless=True)
    judge = _worker_tasks(worlds["many"])["storybot.judge"]
    clock.advance(minutes=1)
    before = {name: _ingest(w, stream[:half]) for name, w in worlds.items()}
    worlds["one"].app.pipeline.judge_stored(before["one"])  # no story: its backlog
    await judge(item_ids=before["many"], queued_at=clock.now().isoformat())  # judges nothing
    assert worlds["many"].app.store.load_background() is None  # no tick yet
    clock.advance(minutes=1)
    for world in worlds.values():
        world.app.store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    later = {
        name: _ingest(w, stream[half:], "https://wire.example/2.xml") for name, w in worlds.items()
    }
    for start in range(0, len(later["one"]), 3):
        worlds["one"].app.pipeline.judge_stored(later["one"][start : start + 3])
        await judge(item_ids=later["many"][start : start + 3], queued_at=clock.now().isoformat())

    try:
        one, many = worlds["one"], worlds["many"]
        assert many.app.store.load_stream() == one.app.pipeline.engine.background_state()
        assert _by_position(many, later["many"]) == _by_position(one, later["one"])
    finally:
        for world in worlds.values():
            world.app.store.close()


def test_the_background_job_catches_up_on_more_items_than_it_reads_a_tick(db_url, clock):
    """The engine queue stalled (its workers down) while poll jobs stored more items than
    the background job reads a tick: it reads the oldest of them first and the rest on
    the next ticks, so the saved statistics count every item once. (It read the newest
    and moved past the older ones for good: a story added later never counted them.)"""
    world, stream, _, _ = _storyless_world(db_url, clock, 4)
    store, quarter = world.app.store, len(stream) // 4
    clock.advance(minutes=1)
    stalled = _ingest(world, stream[quarter:], "https://wire.example/2.xml")
    clock.advance(minutes=1)
    per_tick = len(stalled) // 3
    reads = []
    while len(reads) < 10 and (not reads or reads[-1]):
        reads.append(_judging_job(world.app, per_tick).update_saved_background(clock.now()))
        clock.advance(minutes=1)
    state, through = store.load_background()
    assert through == max(stalled)
    assert state == _observed(world, through)  # every item through it, each once
    assert sum(reads) == len(stalled) and max(reads) == per_tick
    store.close()


async def test_a_story_added_while_a_poll_job_stores_its_items_has_them_judged_once(
    feed_server,  # noqa: F811
    db_url,
    tmp_path,
    clock,
):
    """The poll job asks whether any story exists before it stores a feed's items (it
    decides then whether to look again at items stored earlier without a decision, and
    whether to read linked pages). A story added between that question and the store
    leaves nothing out: the job queues its new items' judging whatever the answer, and
    that job, run after the story was added, judges them for it, counting each once.
    Judged as one process judges the same items after the story was added."""
    stream = _stream()
    half = len(stream) // 2
    feed_server.add_feed("/a.xml", feed_of(*(as_entry(i, n) for n, i in enumerate(stream[half:]))))
    worlds, seeds = _one_and_many(db_url, tmp_path, clock, storyless=True)
    tasks = _worker_tasks(worlds["many"])
    await tasks["storybot.background"](timestamp=int(clock.now().timestamp()))  # first tick
    clock.advance(minutes=1)
    before = {name: _ingest(w, stream[:half]) for name, w in worlds.items()}
    worlds["one"].app.pipeline.judge_stored(before["one"])  # no story: its backlog
    await tasks["storybot.judge"](item_ids=before["many"], queued_at=clock.now().isoformat())
    clock.advance(minutes=1)
    feeds = {
        n: w.app.store.add_feed(feed_server.url("/a.xml"), clock.now()) for n, w in worlds.items()
    }

    many = worlds["many"]
    asked: list[str] = []
    stored_then: list[int] = []  # the items stored when the story was added

    def add_the_story_once_asked(conn, cursor, statement, parameters, context, executemany):
        # just after the poll job's question (no story yet), before it stores anything
        if (
            not asked
            and statement.lstrip().upper().startswith("SELECT")
            and ("FROM stories" in statement)
        ):
            asked.append(statement)
            stored_then.append(many.app.store.count_items())
            many.app.store.add_story("late", seeds[0].title, seeds, clock.now())

    event.listen(many.app.store.engine, "after_cursor_execute", add_the_story_once_asked)
    try:
        said = await tasks["storybot.poll_feed"](feed_id=feeds["many"].id)
    finally:
        event.remove(many.app.store.engine, "after_cursor_execute", add_the_story_once_asked)
    assert stored_then == [len(before["many"])] and many.app.store.get_story("late")
    polled = len(stream) - half
    assert said.endswith(f"{polled} new items")
    [job] = [
        j
        for j in tasks["connector"].jobs.values()
        if j["task_name"] == "storybot.judge" and j["status"] == "todo"
    ]
    stored = job["args"]["item_ids"]
    assert len(stored) == polled
    await tasks["storybot.judge"](**job["args"])

    one = worlds["one"]  # one process: the same feed's items, judged with the story there
    result = await one.app.pipeline.fetch_feed(feeds["one"])
    items = one.app.pipeline.ingest_result(feeds["one"], result, CycleReport())
    one.app.store.add_story("late", seeds[0].title, seeds, clock.now())
    one.app.pipeline.judge_stored([i.id for i in items])

    try:
        assert len(_decisions(many, stored)) == polled  # every one judged
        assert many.app.store.load_stream() == one.app.pipeline.engine.background_state()
        assert _by_position(many, stored) == _by_position(one, [i.id for i in items])
    finally:
        for world in worlds.values():
            await world.app.aclose()


@pytest.mark.parametrize("folded", [True, False], ids=["folded", "not-folded"])
@pytest.mark.parametrize("tracked_before", [False, True], ids=["first", "tracked-before"])
async def test_items_stored_before_the_first_story_and_listed_again_are_counted_once(
    feed_server,  # noqa: F811
    db_url,
    tmp_path,
    clock,
    tracked_before,
    folded,
):
    """Items a poll job stored while no story existed are folded into the saved statistics
    by the periodic job (``folded``; else a first story's backlog reads them), which a
    first story starts from. A later poll of their feed, changed, lists them again with
    no decision: the poll job queues them for judging with its new items, and the story
    judges them, but the statistics must not count them a second time (they were, by the
    judging job that tracked the first story or, ``tracked_before``, by a later one that
    weighs with the last commit's table). Judged and counted as one process judges and
    counts the same polls."""
    stream = _stream()
    half, extra = len(stream) // 2, len(stream) * 3 // 4
    worlds, seeds = _one_and_many(db_url, tmp_path, clock, storyless=True)
    tasks = _worker_tasks(worlds["many"])
    await tasks["storybot.background"](timestamp=int(clock.now().timestamp()))  # first tick

    def listing(items):
        return feed_of(*(as_entry(i, n) for n, i in enumerate(items)))

    async def poll(path):
        """Poll ``path`` in both worlds: one process's cycle, and the poll job and the
        judging job it queues; the ids of the items each poll listed."""
        feeds = {n: w.app.store.get_feed(feed_server.url(path)) for n, w in worlds.items()}
        await worlds["one"].app.pipeline.poll_feeds([feeds["one"]])
        said = await tasks["storybot.poll_feed"](feed_id=feeds["many"].id)
        assert "new item" in said
        for job in list(tasks["connector"].jobs.values()):
            if job["task_name"] == "storybot.judge" and job["status"] == "todo":
                job["status"] = "succeeded"
                await tasks["storybot.judge"](**job["args"])

    feed_server.add_feed("/a.xml", listing(stream[:half]), etag=True)
    feed_server.add_feed("/b.xml", listing(stream[half:extra]), etag=True)
    for world in worlds.values():
        world.app.store.add_feed(feed_server.url("/a.xml"), clock.now(), interval_s=60)
    await poll("/a.xml")  # no story: nothing judged
    clock.advance(minutes=1)
    if folded:
        await tasks["storybot.background"](timestamp=int(clock.now().timestamp()))
        saved = worlds["many"].app.store.load_background()
        assert saved[1] == max(worlds["many"].app.store.item_ids_after(0, 10_000))
    clock.advance(minutes=1)
    for world in worlds.values():
        world.app.store.add_story("late", seeds[0].title, seeds, clock.now())
    clock.advance(minutes=1)
    if tracked_before:  # another feed's items track the story first
        for world in worlds.values():
            world.app.store.add_feed(feed_server.url("/b.xml"), clock.now(), interval_s=60)
        await poll("/b.xml")
        assert worlds["many"].app.store.load_stream() == worlds["one"].app.store.load_stream()
    feed_server.add_feed("/a.xml", listing(stream[:half] + stream[extra:]), etag=True)
    clock.advance(hours=1)
    await poll("/a.xml")

    try:
        one, many = worlds["one"], worlds["many"]
        ids = {n: w.app.store.item_ids_after(0, 10_000) for n, w in worlds.items()}
        assert (
            len(ids["many"])
            == len(ids["one"])
            == (extra if tracked_before else half) + (len(stream) - extra)
        )
        # the story judged every item, those listed again too
        assert all(len(many.app.store.decisions_for_item(i)) == 1 for i in ids["many"])
        counted = {n: w.app.store.load_stream()["n_docs"] for n, w in worlds.items()}
        assert counted["many"] == counted["one"]
        assert _by_position(many, sorted(ids["many"])) == _by_position(one, sorted(ids["one"]))
        assert one.app.store.load_stream() == one.app.pipeline.engine.background_state()
        assert many.app.store.load_stream() == one.app.store.load_stream()
    finally:
        for world in worlds.values():
            await world.app.aclose()
