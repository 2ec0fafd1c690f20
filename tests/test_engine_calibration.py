"""The off-topic background bar (bot/engine/calibration.py): hand-made cases and one real stream."""

from __future__ import annotations

import json
import statistics

import pytest
from shared_data import EVALDATA
from test_engine_core import ON_TOPIC, doc, story, warm_engine

from bot.engine import Engine, EngineConfig
from bot.engine.calibration import OffTopicBackground, RunningScores
from bot.evaluation.data import build_targets, load_stream
from bot.evaluation.tracking import engine_decider, run_tracking

STREAMS = EVALDATA / "streams"

# Unrelated items that share the story's world (the Pentagon, AI companies): what a
# story about the Anthropic-Pentagon talks reads most of the day.
NEIGHBOURS = [
    (
        "Army orders new helicopters",
        "The Army ordered forty new helicopters from a Texas manufacturer in a contract worth "
        "two billion dollars, the Pentagon announced.",
    ),
    (
        "OpenAI releases new model",
        "OpenAI released a new language model on Wednesday that it says writes better code, "
        "the company said in a blog post.",
    ),
    (
        "Air Force tests hypersonic missile",
        "The Air Force tested a hypersonic missile over the Pacific on Thursday, defense "
        "officials said, the third test this year.",
    ),
    (
        "Navy christens new destroyer",
        "The Navy christened a new destroyer at a shipyard in Maine on Saturday; Hegseth spoke "
        "at the ceremony.",
    ),
    (
        "Google shows new chatbot",
        "Google showed a new chatbot to developers in California, promising better answers and "
        "lower prices for companies.",
    ),
    (
        "Marines train in Norway",
        "Thousands of Marines trained in the Arctic cold of northern Norway this week alongside "
        "NATO allies, the Pentagon said.",
    ),
]

# Another company's military AI deal: over the fixed threshold, but the same kind of
# news as the story's neighbours, not the story.
RIVAL_DEAL = doc(
    50,
    "OpenAI signs Pentagon contract for military chatbot",
    "OpenAI signed a contract with the Pentagon to let the military use its models on "
    "classified networks, defense officials said. The deal is worth two hundred million dollars.",
)


def engine_after_neighbours(config: EngineConfig) -> Engine:
    e = warm_engine(config)
    for i, (title, text) in enumerate(NEIGHBOURS):
        (v,) = e.judge(doc(100 + i, title, text))
        assert not v.judgement.on_topic, title
    return e


def test_running_scores_match_the_textbook_mean_and_deviation() -> None:
    scores = [0.02, 0.11, 0.05, 0.0, 0.31, 0.07, 0.07]
    r = RunningScores(window=len(scores))  # up to the window: exactly Welford's
    for s in scores:
        r.add(s)
    assert r.n == len(scores)
    assert r.mean == pytest.approx(statistics.fmean(scores))
    assert r.std == pytest.approx(statistics.pstdev(scores))


def test_beyond_its_window_the_background_follows_a_noisier_news_mix() -> None:
    quiet, noisy = [0.01, 0.03] * 2000, [0.10, 0.14] * 600
    forgetting, keeping = RunningScores(window=200), RunningScores(window=10**9)
    for s in quiet + noisy:
        forgetting.add(s)
        keeping.add(s)
    # the whole history is mostly quiet; the last 1200 items are not
    assert keeping.mean == pytest.approx(statistics.fmean(quiet + noisy))
    assert keeping.mean < 0.05
    assert forgetting.mean == pytest.approx(0.12, abs=0.005)
    assert forgetting.std == pytest.approx(0.02, abs=0.003)


def test_the_bar_waits_for_enough_off_topic_items_and_keeps_kinds_apart() -> None:
    bg = OffTopicBackground(sigmas=2.0, min_items=3, window=100)
    for s in (0.1, 0.2):
        bg.add(s, headline_only=False)
    assert bg.bar(headline_only=False) is None
    bg.add(0.3, headline_only=False)
    assert bg.bar(headline_only=False) == pytest.approx(
        0.2 + 2 * statistics.pstdev([0.1, 0.2, 0.3])
    )
    # headline-only items score on another scale: they have their own background
    assert bg.bar(headline_only=True) is None
    assert (
        OffTopicBackground.from_state(bg.to_state(), 0.0, 3, 100).bar(headline_only=False) is None
    )


def test_an_item_within_the_storys_own_noise_is_off_topic() -> None:
    cfg = EngineConfig(background_min_items=4)
    (v,) = engine_after_neighbours(cfg).judge(RIVAL_DEAL)
    r = v.judgement.reason
    assert r["score"] >= r["threshold"]  # the fixed threshold alone would take it
    assert not v.judgement.on_topic and v.development is None
    bg = r["below_background"]
    assert bg["items"] == len(NEIGHBOURS) and r["score"] < bg["bar"]
    assert bg["bar"] == pytest.approx(bg["mean"] + cfg.background_sigmas * bg["std"], abs=1e-3)
    # the same stream without the bar takes it
    (v,) = engine_after_neighbours(EngineConfig(background_min_items=4, background_sigmas=0)).judge(
        RIVAL_DEAL
    )
    assert v.judgement.on_topic


def test_a_report_of_the_story_clears_the_bar() -> None:
    (v,) = engine_after_neighbours(EngineConfig(background_min_items=4)).judge(ON_TOPIC)
    assert v.judgement.on_topic and "below_background" not in v.judgement.reason


def test_no_bar_before_the_story_has_read_enough() -> None:
    (v,) = engine_after_neighbours(EngineConfig(background_min_items=50)).judge(RIVAL_DEAL)
    assert v.judgement.on_topic and "below_background" not in v.judgement.reason


def test_the_background_survives_a_snapshot_and_an_old_snapshot_starts_empty() -> None:
    cfg = EngineConfig(background_min_items=4)
    e = engine_after_neighbours(cfg)
    state = json.loads(json.dumps(e.snapshot(1)))
    stream = json.loads(json.dumps(e.background_state()))  # saved beside the snapshot
    restored = Engine(cfg, background=stream)
    restored.track(story(), state)
    assert restored.judge(RIVAL_DEAL) == e.judge(RIVAL_DEAL)

    del state["background"]  # written before the bar existed
    old = Engine(cfg, background=stream)
    old.track(story(), state)
    (v,) = old.judge(RIVAL_DEAL)
    assert v.judgement.on_topic


def test_with_embeddings_the_background_holds_the_term_scores() -> None:
    # the model's part of a decision is left out of the bar (see calibration's docstring)
    from fakes.embedder import ConceptEmbedder
    from test_engine_embeddings import STORY_CONCEPTS, engine

    e = engine(EngineConfig(background_min_items=4), ConceptEmbedder(STORY_CONCEPTS))
    scores, combined = [], []
    for i, (title, text) in enumerate(NEIGHBOURS):
        (v,) = e.judge(doc(100 + i, title, text))
        assert not v.judgement.on_topic
        scores.append(v.judgement.reason["score"])
        combined.append(v.judgement.reason["embedding"]["combined"])
    assert scores != pytest.approx(combined, abs=1e-3)  # the model did move them
    body = e.snapshot(1)["background"]["body"]
    assert body["n"] == len(NEIGHBOURS)
    assert body["mean"] == pytest.approx(statistics.fmean(scores), abs=1e-4)


@pytest.mark.skipif(not STREAMS.exists(), reason="shared/evaldata not available")
def test_on_real_sibling_events_the_bar_turns_away_false_alarms_and_keeps_the_reports() -> None:
    # giveme5w1h_developments holds development-level siblings ("tram" / "tram victims"):
    # unrelated items that score high for a story, the bar's case
    items = load_stream(STREAMS / "giveme5w1h_developments.jsonl.gz")
    targets = build_targets(items, 4, 30)
    with_bar = run_tracking(targets, engine_decider(items, targets, EngineConfig()))
    without = run_tracking(
        targets, engine_decider(items, targets, EngineConfig(background_sigmas=0))
    )
    assert with_bar["targets"] == without["targets"] == 12
    assert with_bar["p_miss"] <= without["p_miss"]
    assert with_bar["p_fa"] < 0.8 * without["p_fa"]


def test_a_copy_of_a_report_is_exempt_from_the_bar() -> None:
    # a bar above any score: only copies can pass it
    cfg = EngineConfig(background_min_items=4, background_sigmas=100.0)
    e = warm_engine(cfg)
    (first,) = e.judge(ON_TOPIC)  # before the bar exists
    assert first.judgement.on_topic
    for i, (title, text) in enumerate(NEIGHBOURS):
        e.judge(doc(100 + i, title, text))
    (copy,) = e.judge(doc(60, "Pentagon and Anthropic agree on Claude - Wire", ON_TOPIC.text))
    assert copy.judgement.on_topic and copy.judgement.duplicate_of == ON_TOPIC.id
    assert "below_background" not in copy.judgement.reason
    (fresh,) = e.judge(
        doc(
            61,
            "Anthropic deal with Pentagon criticised",
            "Critics said the Anthropic "
            "agreement with the Pentagon over Claude leaves autonomous weapons unchecked.",
        )
    )
    assert not fresh.judgement.on_topic and "below_background" in fresh.judgement.reason
