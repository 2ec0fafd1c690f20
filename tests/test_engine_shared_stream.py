"""The engine's one stream table: every story weighs with it, and what it counts."""

from __future__ import annotations

import json
from dataclasses import replace

from test_engine_core import BACKGROUND, ON_TOPIC, SEEDS, doc, story, warm_engine

from bot.engine import Engine
from bot.model import SeedDoc, Story

OTHER = Story(2, "storm", "Storm brings snow to the Midwest", (), SEEDS[0].published)

# ON_TOPIC as another outlet runs it: the same wire text under its own headline and link
SYNDICATED = replace(
    ON_TOPIC,
    id=2,
    title=ON_TOPIC.title + " - Reuters",
    url="https://other.example.org/world/anthropic-deal",
)


def _seed(title: str, text: str) -> SeedDoc:
    return SeedDoc(title, text, None, SEEDS[0].published)


def _stream_df(e: Engine) -> dict:
    return e.background_state()


def test_every_story_weighs_with_the_engines_one_table() -> None:
    e = warm_engine()
    e.track(OTHER)
    first, second = (e._stories[sid] for sid in e.tracked())
    assert first.df is second.df
    e.judge(ON_TOPIC)
    # counted once, and both stories see it
    assert first.df.n_docs == second.df.n_docs == _stream_df(e)["n_docs"]


def test_a_storys_snapshot_carries_no_stream_table() -> None:
    e = warm_engine()
    e.judge(ON_TOPIC)
    assert "df" not in e.snapshot(1)
    assert "story_df" in e.snapshot(1), "the story's own statistics stay with the story"


def test_a_syndicated_copy_of_a_storys_report_is_not_counted_for_any_story() -> None:
    e = warm_engine()
    e.track(OTHER)
    e.judge(ON_TOPIC)
    before = _stream_df(e)
    verdicts = e.judge(SYNDICATED)
    assert "copy" in verdicts[0].judgement.reason
    after = _stream_df(e)
    assert after["n_docs"] == before["n_docs"]
    assert after["df"]["anthropic"] == before["df"]["anthropic"]


def test_a_copy_of_a_seed_is_not_counted() -> None:
    e = warm_engine()
    before = _stream_df(e)
    seed = SEEDS[1]
    (v,) = e.judge(doc(3, seed.title, seed.text, "https://elsewhere.example/talks"))
    assert v.judgement.reason["copy"]["of_seed"] == 1
    assert _stream_df(e) == before


def test_a_copy_of_an_item_no_story_took_is_counted() -> None:
    # the exclusion is about a story's own reports; an unrelated wire report run twice
    # is two documents, as it always was (a stream-wide copy index measured worse)
    e = warm_engine()
    title, text = BACKGROUND[1]
    n = _stream_df(e)["n_docs"]
    e.judge(doc(3, title, text, "https://a.example/storm"))
    e.judge(doc(4, title + " - AP", text, "https://b.example/storm"))
    assert _stream_df(e)["n_docs"] == n + 2


def test_the_evaluation_counts_the_stream_as_the_service_does() -> None:
    # storybot eval: a reader observes the stream up to the story's last seed and hands
    # its statistics to the story's engine; the service judges (or defers and observes)
    # the same items with no story tracked, then tracks the story
    before = [doc(100 + i, t, x, days=-1) for i, (t, x) in enumerate(BACKGROUND)]
    after = [ON_TOPIC, SYNDICATED] + [
        doc(200 + i, t, x, days=2) for i, (t, x) in enumerate(BACKGROUND)
    ]
    service = Engine()
    for d in before[:3]:
        assert service.judge(d) == []
    for d in before[3:]:
        service.observe(d)
    service.track(story())
    reader = Engine()
    for d in before:
        reader.observe(d, reader.analyse(d))
    evaluation = Engine(background=reader.background_state())
    evaluation.track(story())
    for d in after:
        assert service.judge(d) == evaluation.judge(d)
    assert service.background_state() == evaluation.background_state()


def _old_snapshot(e: Engine) -> dict:
    """A snapshot as written before the table was shared: with a table of its own."""
    state = json.loads(json.dumps(e.snapshot(1)))
    state["df"] = {"n_docs": 3, "df": {"anthropic": 3, "pentagon": 2}}
    return state


def test_an_old_snapshots_table_is_ignored_by_an_engine_with_statistics() -> None:
    e = warm_engine()
    e.judge(ON_TOPIC)
    stream = e.background_state()
    restored = Engine(background=stream)
    restored.track(story(), _old_snapshot(e))
    assert restored.background_state() == stream
    later = doc(40, "Anthropic deal with Pentagon criticised", ON_TOPIC.text[:200], days=4)
    assert restored.judge(later) == e.judge(later)


def test_an_old_snapshots_table_starts_an_engine_that_has_read_nothing() -> None:
    e = warm_engine()
    old = _old_snapshot(e)
    restored = Engine()
    restored.track(story(), old)
    assert restored.background_state() == old["df"]
    (v,) = restored.judge(ON_TOPIC)
    assert v.judgement.on_topic


def test_at_a_cold_start_every_storys_seeds_are_counted_once() -> None:
    e = Engine()
    e.track(story())
    storm = Story(2, "storm", BACKGROUND[1][0], (_seed(*BACKGROUND[1]),), SEEDS[0].published)
    e.track(storm)
    assert _stream_df(e)["n_docs"] == len(SEEDS) + 1, "both stories' seeds: nothing read yet"
    e.track(Story(3, "twin", SEEDS[0].title, SEEDS, SEEDS[0].published))
    assert _stream_df(e)["n_docs"] == len(SEEDS) + 1, "copies of seeds counted already"
    e.judge(doc(5, *BACKGROUND[0]))
    e.track(Story(4, "late", BACKGROUND[2][0], (_seed(*BACKGROUND[2]),), SEEDS[0].published))
    assert _stream_df(e)["n_docs"] == len(SEEDS) + 2, "once the stream is read, seeds are not"


def test_an_engine_restored_from_seeds_alone_counts_the_seeds_of_the_next_story() -> None:
    # A restart (or a scale-out job's fresh engine) before any item was read takes back a
    # table that holds the tracked stories' seeds only: the engine has still read nothing,
    # so a story tracked next counts its seeds, as it would have without the restart.
    running = Engine()
    running.track(story())
    restored = Engine(background=json.loads(json.dumps(running.background_state())))
    restored.track(story(), json.loads(json.dumps(running.snapshot(1))))
    storm = Story(2, "storm", BACKGROUND[1][0], (_seed(*BACKGROUND[1]),), SEEDS[0].published)
    running.track(storm)
    restored.track(storm)
    assert restored.background_state() == running.background_state()
    assert _stream_df(running)["n_docs"] == len(SEEDS) + 1
    (a,), (b,) = running.judge(ON_TOPIC)[:1], restored.judge(ON_TOPIC)[:1]
    assert a == b
    assert restored.background_state() == running.background_state()
