"""Items updated in place (same guid and link, new text) are judged again when it matters.

End to end as in ``test_pipeline.py``: a local feed server at the wire, the real fetcher,
engine and store (SQLite, and PostgreSQL where the store's new parts are involved), the
console adapter as the chat. See :meth:`bot.pipeline.Pipeline.rejudge_updates`.
"""

from __future__ import annotations

import pytest
from feedserver import feed_server  # noqa: F401  (fixture)
from sqlalchemy import event
from storyworld import as_entry, feed_of, make_world, sample, undated_entry

from adapters.jobs.tasks import fresh_pipeline
from bot.cycle_report import CycleReport
from bot.identity import new_item
from bot.model import IngestOutcome
from bot.why_text import why_lines

pytest_plugins = ["store_fixtures"]  # db_url: SQLite and PostgreSQL

HEARING = "ww-004"  # a turn of the demo story the engine takes as a new development
OIL = "gmb-u01"  # unrelated to it
RAIL = "ww-u01"  # unrelated too

FACT = (
    "On Friday the Pentagon agreed to hand the full text of its Anthropic agreement "
    "to the senators before the March 18 hearing."
)


async def _cycle(world):
    report = await world.app.pipeline.poll_due()
    await world.app.delivery.deliver_due(limit=1000)
    return report


def _serve(feed_server, world, *entries, add: bool = False):
    feed_server.add_feed("/a.xml", feed_of(*entries), etag=True)
    if add:
        world.app.store.add_feed(feed_server.url("/a.xml"), world.clock.now())


async def _next_cycle(world):
    world.clock.advance(hours=2)  # the feed is due again
    return await _cycle(world)


async def _hearing_polled(feed_server, world) -> dict:
    """The story's hearing served by a feed added now and polled once; returns the item."""
    item = sample(HEARING)
    _serve(feed_server, world, as_entry(item), add=True)
    await _cycle(world)
    return item


def _with_fact(item: dict, fact: str = FACT) -> dict:
    return dict(item, content=item["content"] + "\n\n" + fact)


def _notices(world) -> list:
    return [m for _, m in world.console.posted if m.kind.value == "notice"]


async def test_an_on_topic_item_updated_with_a_new_fact_edits_its_alert(feed_server, db_url, clock):
    world = make_world(db_url, clock)
    item = await _hearing_polled(feed_server, world)
    assert len(world.alerts()) == 1
    dev = world.app.store.list_developments(world.story.id)[0]
    assert FACT not in dev.summary

    _serve(feed_server, world, as_entry(_with_fact(item)))
    report = await _next_cycle(world)

    assert (report.new_items, report.updated_items, report.rejudged) == (0, 1, 1)
    assert (report.alerts_queued, report.alert_edits, report.new_developments) == (0, 1, 0)
    assert "(1 updated, 1 re-judged)" in report.line()
    assert len(world.alerts()) == 1, "an update is no new development"
    assert len(world.console.edited) == 1
    edited = world.console.edited[-1][1]
    assert edited.thread_note is not None and "Pentagon agreed" in edited.thread_note
    # the summary keeps its three most central sentences; the note says what was added
    assert edited.thread_note.startswith("Sample Wire (updated): On Friday the Pentagon")
    after = world.app.store.get_development(world.story.id, dev.number)
    assert after.updated_at > dev.updated_at, "the development row is written"
    assert (after.item_count, after.sources) == (dev.item_count, dev.sources)
    stored = world.app.store.find_item_by_url(item["url"])
    assert stored.version == 2
    (decision,) = world.app.store.decisions_for_item(stored.id)
    assert decision.item_version == 2 and decision.judgement.reason["updated"]["version"] == 2
    assert world.app.store.pending_updates() == []
    assert world.app.store.story_stats(world.story.id).items_on_topic == 1
    why = why_lines(world.app.store, stored, "console", "me")
    assert any(
        "judged on version 2, whose 1 new sentence went to the development" in w for w in why
    )
    await world.app.aclose()


async def test_a_trivial_update_is_stored_and_nothing_else(feed_server, sqlite_url, clock):
    world = make_world(sqlite_url, clock)
    item = await _hearing_polled(feed_server, world)
    before = world.app.store.list_developments(world.story.id)[0]

    # case and spacing of the headline, a misspelling, a timestamp line
    trivial = dict(
        item,
        title=item["title"].upper() + "  ",
        content=item["content"].replace("senators", "senatros")
        + "\n\nUpdated 10:42 a.m. EDT, March 5, 2026",
    )
    _serve(feed_server, world, as_entry(trivial))
    report = await _next_cycle(world)

    assert (report.updated_items, report.rejudged, report.alert_edits) == (1, 0, 0)
    assert "(1 updated)" in report.line()
    assert list(world.console.edited) == []
    assert world.app.store.find_item_by_url(item["url"]).version == 2
    after = world.app.store.get_development(world.story.id, before.number)
    assert after.summary == before.summary
    assert world.app.store.pending_updates() == []  # settled, not judged again later
    stored = world.app.store.find_item_by_url(item["url"])
    why = why_lines(world.app.store, stored, "console", "me")
    assert any(
        w.strip().startswith("judged on version 1; it has changed since (version 2)") for w in why
    )
    await world.app.aclose()


async def test_an_off_topic_item_that_becomes_the_story_is_alerted(feed_server, db_url, clock):
    world = make_world(db_url, clock)
    oil, hearing = sample(OIL), sample(HEARING)
    _serve(feed_server, world, as_entry(oil), add=True)
    await _cycle(world)
    assert world.alerts() == []
    stored = world.app.store.find_item_by_url(oil["url"])
    (decision,) = world.app.store.decisions_for_item(stored.id)
    assert not decision.judgement.on_topic

    # the same guid and link, rewritten into a report of the story
    rewritten = dict(oil, title=hearing["title"], content=hearing["content"], summary="")
    _serve(feed_server, world, as_entry(rewritten))
    report = await _next_cycle(world)

    assert (report.rejudged, report.new_developments, report.alerts_queued) == (1, 1, 1)
    assert len(world.alerts()) == 1
    (decision,) = world.app.store.decisions_for_item(stored.id)
    assert decision.judgement.on_topic and decision.judgement.development is not None
    assert decision.item_version == 2 and decision.judgement.reason["updated"]["again"]
    stats = world.app.store.story_stats(world.story.id)
    assert stats.items_on_topic == 1
    dev = world.app.store.get_development(world.story.id, decision.judgement.development)
    assert dev.item_count == 1
    await world.app.aclose()


async def _a_subscriber_told_of_an_update_only(world, feed_server, clock) -> tuple[dict, str]:
    """ "me" matches only a fact the rail item's update adds, "you" the item as first read:
    each is told once. Returns the item and the fact."""
    world.app.store.add_subscription("console", "me", "sabotage", None, clock.now())
    world.app.store.add_subscription("console", "you", "rail", None, clock.now())
    world.app.pipeline.invalidate_subscriptions()
    rail = sample(RAIL)
    _serve(feed_server, world, as_entry(rail), add=True)
    await _cycle(world)
    assert [n.title for n in _notices(world)] == [rail["title"]]  # "you" only

    fact = "Police said a signal technician was arrested on suspicion of sabotage."
    _serve(feed_server, world, as_entry(_with_fact(rail, fact)))
    report = await _next_cycle(world)
    assert (report.rejudged, report.notices_queued) == (1, 1)
    assert world.out.getvalue().count("(DM to me)") == 1
    assert world.out.getvalue().count("(DM to you)") == 1, "told of this item already"
    return rail, fact


async def test_a_subscriber_matched_only_by_the_new_version_is_told_once(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock, follow=False)
    rail, fact = await _a_subscriber_told_of_an_update_only(world, feed_server, clock)

    # a trivial update, then a material one the subscriber's query matched before too
    typo = _with_fact(rail, fact.replace("technician", "techncian"))
    _serve(feed_server, world, as_entry(typo))
    assert (await _next_cycle(world)).notices_queued == 0
    more = _with_fact(typo, "The operator said services would resume on Monday morning.")
    _serve(feed_server, world, as_entry(more))
    report = await _next_cycle(world)
    assert report.rejudged == 1 and report.notices_queued == 0
    assert world.out.getvalue().count("(DM to me)") == 1
    await world.app.aclose()


async def test_an_update_stored_by_a_cycle_that_crashed_is_judged_by_the_next(
    feed_server, db_url, clock
):
    world = make_world(db_url, clock)
    item = await _hearing_polled(feed_server, world)
    feed = world.app.store.get_feed(feed_server.url("/a.xml"))

    # A cycle stored version 2 and died before judging it (its poll not recorded).
    updated = _with_fact(item)
    clock.advance(hours=2)
    outcome, stored = world.app.store.ingest_item(
        new_item(undated_entry(updated), feed.id, "Sample Wire", clock.now())
    )
    assert outcome is IngestOutcome.UPDATED and stored.version == 2
    assert [u.item_id for u in world.app.store.pending_updates()] == [stored.id]

    # The restarted service's next cycle: the feed now lists version 2 again (SEEN).
    await world.app.aclose()
    world = make_world(db_url, clock, follow=False)
    _serve(feed_server, world, as_entry(updated))
    report = await _cycle(world)

    assert report.rejudged == 1 and report.alert_edits == 1
    assert "Pentagon agreed" in (world.console.edited[-1][1].thread_note or "")
    assert world.app.store.pending_updates() == []
    (decision,) = world.app.store.decisions_for_item(stored.id)
    assert decision.item_version == 2
    await world.app.aclose()


async def test_a_judging_job_judges_the_updates_a_poll_job_stored(feed_server, db_url, clock):
    world = make_world(db_url, clock)
    item = await _hearing_polled(feed_server, world)
    feed = world.app.store.get_feed(feed_server.url("/a.xml"))
    report = world.app.pipeline.ingest_result(
        feed, await world.app.pipeline.fetch_feed(feed), CycleReport()
    )
    assert report == []  # unchanged: nothing to judge
    _serve(feed_server, world, as_entry(_with_fact(item)))
    clock.advance(hours=2)
    polled = CycleReport()
    items = world.app.pipeline.ingest_result(
        feed, await world.app.pipeline.fetch_feed(feed), polled, recheck_unjudged=True
    )
    assert (items, polled.updated_items) == ([], 1)

    judged = fresh_pipeline(world.app).judge_stored([])  # what the scale-out job runs
    assert (judged.rejudged, judged.alert_edits) == (1, 1)
    assert fresh_pipeline(world.app).judge_stored([]).rejudged == 0, "judged once"
    await world.app.delivery.deliver_due(limit=1000)
    assert len(world.alerts()) == 1 and len(world.console.edited) == 1
    await world.app.aclose()


def _pool(world, number: int) -> list[str]:
    state = world.app.pipeline.engine.snapshot(world.story.id)["developments"]
    (dev,) = [d for d in state["clusters"] if d["number"] == number]
    return [s for s, _, _ in dev["sentences"]]


async def test_an_update_of_a_report_in_a_development_whose_pool_is_full_gets_in(
    feed_server, sqlite_url, clock, tmp_path
):
    config = tmp_path / "storybot.toml"
    config.write_text("[engine]\nsummary_pool = 5\n")
    world = make_world(sqlite_url, clock, config=str(config))
    item, other = sample(HEARING), sample("cl-005")
    _serve(feed_server, world, as_entry(item), as_entry(other, 1), add=True)
    await _cycle(world)
    assert len(world.alerts()) == 1
    (dev,) = [d for d in world.app.store.list_developments(world.story.id) if d.number > 0]
    assert len(_pool(world, dev.number)) == 5, "the development's sentence pool is full"

    _serve(feed_server, world, as_entry(_with_fact(item)), as_entry(other, 1))
    report = await _next_cycle(world)

    assert (report.rejudged, report.alert_edits) == (1, 1)
    assert FACT in _pool(world, dev.number) and len(_pool(world, dev.number)) == 5
    note = world.console.edited[-1][1].thread_note
    assert note is not None and note.startswith("Sample Wire (updated): On Friday the Pentagon")
    stored = world.app.store.find_item_by_url(item["url"])
    why = why_lines(world.app.store, stored, "console", "me")
    assert any("whose 1 new sentence went to the development" in w for w in why)
    await world.app.aclose()


async def test_why_says_an_update_added_no_sentence_when_none_was_fit_to_cite(
    feed_server, sqlite_url, clock
):
    world = make_world(sqlite_url, clock)
    item = await _hearing_polled(feed_server, world)

    # new words, so material, but too short for a summary: nothing goes in
    _serve(feed_server, world, as_entry(_with_fact(item, "UPDATE: Hearing postponed.")))
    report = await _next_cycle(world)

    assert (report.rejudged, report.alert_edits) == (1, 0)
    stored = world.app.store.find_item_by_url(item["url"])
    (decision,) = world.app.store.decisions_for_item(stored.id)
    assert decision.judgement.reason["updated"] == {"version": 2, "sentences": 0}
    why = why_lines(world.app.store, stored, "console", "me")
    assert any("judged on version 2, which added no sentence to the development" in w for w in why)
    assert not any("went to the development" in w for w in why)
    await world.app.aclose()


async def test_an_item_judged_again_by_several_stories_is_embedded_once(
    feed_server, sqlite_url, clock
):
    from fakes.embedder import ConceptEmbedder
    from storyworld import load_seed, seed_files

    from bot.engine.semantic import embedding_text

    fake = ConceptEmbedder((("anthropic", "claude", "ai"), ("pentagon", "military", "defense")))
    world = make_world(sqlite_url, clock, embedder=fake)
    seeds = [load_seed(str(p)) for p in seed_files()]
    world.app.store.add_story("again", seeds[0].title, seeds, clock.now())
    oil, hearing = sample(OIL), sample(HEARING)
    _serve(feed_server, world, as_entry(oil), add=True)
    await _cycle(world)
    stored = world.app.store.find_item_by_url(oil["url"])
    assert [d.judgement.on_topic for d in world.app.store.decisions_for_item(stored.id)] == [
        False,
        False,
    ]

    rewritten = dict(oil, title=hearing["title"], content=hearing["content"], summary="")
    _serve(feed_server, world, as_entry(rewritten))
    fake.calls.clear()
    report = await _next_cycle(world)

    assert report.rejudged == 1
    again = [d.judgement for d in world.app.store.decisions_for_item(stored.id)]
    assert [j.reason["updated"]["again"] for j in again] == [True, True]
    assert all("embedding" in j.reason for j in again), "both stories used the embedding"
    text = embedding_text(rewritten["title"], world.app.store.get_item(stored.id).text)
    assert sum(c.count(text) for c in fake.calls) == 1, "one model call for both stories"
    await world.app.aclose()


async def test_with_no_story_a_subscriber_matched_only_by_the_new_version_is_told_once(
    feed_server, sqlite_url, clock
):
    """As the scale-out jobs do (tests/test_jobs_updates.py): the update path tells the
    subscribers only the new version matches, with no story to judge it."""
    world = make_world(sqlite_url, clock, follow=False)
    assert world.app.store.remove_story("demo")
    await _a_subscriber_told_of_an_update_only(world, feed_server, clock)
    assert world.app.store.pending_updates() == []
    await world.app.aclose()


def _subscription_reads(world) -> list[str]:
    """Collects the SELECTs on the subscriptions table the store sends (at the driver)."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM subscriptions" in statement:
            seen.append(statement)

    event.listen(world.app.store.engine, "before_cursor_execute", on_execute)
    return seen


async def _stored_update(world, feed_server, item: dict) -> None:
    """``item`` served as given and stored by a poll job's ingest (not judged)."""
    feed = world.app.store.get_feed(feed_server.url("/a.xml"))
    _serve(feed_server, world, as_entry(item))
    world.clock.advance(hours=2)
    polled = CycleReport()
    got = world.app.pipeline.ingest_result(
        feed, await world.app.pipeline.fetch_feed(feed), polled, recheck_unjudged=True
    )
    assert (got, polled.updated_items) == ([], 1)


@pytest.mark.parametrize(
    "job",
    [lambda p: p.judge_updates(), lambda p: p.judge_stored([])],
    ids=["updates job", "judging job with nothing new"],
)
async def test_a_job_settles_a_trivial_update_without_reading_the_subscriptions(
    feed_server, sqlite_url, clock, job
):
    # A job worker's pipeline is fresh for each job: building its subscription index
    # costs about a second with 10,000 subscriptions, for nothing when no update matters.
    world = make_world(sqlite_url, clock)
    world.app.store.add_subscription("console", "me", "pentagon", None, clock.now())
    item = await _hearing_polled(feed_server, world)
    reads = _subscription_reads(world)

    await _stored_update(world, feed_server, dict(item, content=item["content"] + " Updated 10:42"))
    assert job(fresh_pipeline(world.app)).rejudged == 0
    assert reads == [] and world.app.store.pending_updates() == []

    await _stored_update(world, feed_server, _with_fact(item))
    assert job(fresh_pipeline(world.app)).rejudged == 1
    assert reads, "a material update is matched against the subscriptions"
    assert world.app.store.pending_updates() == []
    await world.app.aclose()


async def test_an_update_of_an_item_stored_under_an_earlier_outlet_label_names_the_outlet_once(
    feed_server, sqlite_url, clock
):
    # an item stored before outlets were named by their name keeps its feed's whole title
    # in the database ("Sample Wire | All stories"); updated since, it was added to its
    # alert's outlets under that label beside today's name: "Sample Wire and Sample Wire |
    # All stories"
    from sqlalchemy import text

    world = make_world(sqlite_url, clock)
    item = await _hearing_polled(feed_server, world)
    with world.app.store.engine.begin() as connection:
        connection.execute(text("UPDATE items SET source = 'Sample Wire | All stories'"))

    _serve(feed_server, world, as_entry(_with_fact(item)))
    await _next_cycle(world)

    edited = world.console.edited[-1][1]
    assert edited.sources == ("Sample Wire",), edited.sources
    await world.app.aclose()
