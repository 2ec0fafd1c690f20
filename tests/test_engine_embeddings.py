"""Dense embeddings as an extra relevance signal, through the ``Embedder`` port.

The model is played by :class:`fakes.embedder.ConceptEmbedder` (deterministic, no
PyTorch); the real model's tests are in ``test_embed_model.py`` (marker ``embed``).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fakes.embedder import ConceptEmbedder
from test_engine_core import BACKGROUND, ON_TOPIC, SEEDS, T0, doc, story

from bot.engine import Engine, EngineConfig
from bot.engine.semantic import SeedVectors, as_unit, best_match, embedding_text
from bot.model import SeedDoc, Story

# what the story's seeds are about, in interchangeable words
STORY_CONCEPTS = (
    ("anthropic", "claude", "ai", "lab", "amodei"),
    ("pentagon", "military", "defense", "hegseth"),
    ("surveillance", "weapons"),
)
# concepts the seeds use and the paraphrase does not
OTHER_CONCEPTS = (("amodei", "hegseth", "huawei"), ("tokyo", "japan"))

PARAPHRASE = doc(
    2,
    "Claude maker and US military settle dispute",
    "The AI lab behind the Claude chatbot settled its dispute with the US military over how "
    "its models may be used in weapons and surveillance, officials said.",
)
NAME_ONLY = doc(
    4,
    "Anthropic opens office in Tokyo",
    "Anthropic said on Monday it would open an office in Tokyo to serve customers in Japan, "
    "its first in Asia, hiring engineers and sales staff.",
)


def engine(config: EngineConfig | None = None, embedder: ConceptEmbedder | None = None) -> Engine:
    e = Engine(config, embedder=embedder)
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, days=-1))
    e.track(story())
    return e


def judge(e: Engine, item):
    (v,) = e.judge(item)
    return v.judgement


# --------------------------------------------------------------------------- mixing


def test_close_meaning_lifts_an_item_just_below_the_threshold() -> None:
    # lexical score 0.235 (support 0.058): below a threshold of 0.27 on words alone
    cfg = EngineConfig(on_topic_threshold=0.27, title_channel_threshold=1.0, headline_rescue=0.0)
    plain = judge(engine(cfg), PARAPHRASE)
    assert not plain.on_topic and "embedding" not in plain.reason
    j = judge(engine(cfg, ConceptEmbedder(STORY_CONCEPTS)), PARAPHRASE)
    emb = j.reason["embedding"]
    assert emb["similarity"] > 0.75
    assert emb["combined"] == pytest.approx(
        plain.score + 0.2 * (emb["similarity"] - 0.55), abs=1e-3
    )
    assert j.on_topic
    assert j.score == plain.score  # the recorded score stays the lexical one
    json.dumps(j.reason)


def test_a_headline_only_item_gives_the_model_twice_the_weight() -> None:
    cfg = EngineConfig(title_channel_threshold=1.0, headline_rescue=0.0)
    headline = doc(5, PARAPHRASE.title)  # no body: judged as a headline
    plain = judge(engine(cfg), headline)
    j = judge(engine(cfg, ConceptEmbedder(STORY_CONCEPTS)), headline)
    assert j.reason["headline_only"]
    emb = j.reason["embedding"]
    assert emb["combined"] == pytest.approx(
        plain.score + cfg.embed_headline_weight * (emb["similarity"] - cfg.embed_center), abs=1e-3
    )
    assert cfg.embed_headline_weight == 2 * cfg.embed_weight


def test_distant_meaning_pushes_an_item_below_the_threshold() -> None:
    cfg = EngineConfig(on_topic_threshold=0.2, title_channel_threshold=1.0, headline_rescue=0.0)
    assert judge(engine(cfg), PARAPHRASE).on_topic
    j = judge(engine(cfg, ConceptEmbedder(OTHER_CONCEPTS)), PARAPHRASE)
    assert j.reason["embedding"]["similarity"] < 0.1
    assert not j.on_topic


def test_embedding_alone_never_makes_a_one_name_item_on_topic() -> None:
    # all of its score comes from one name: the support rule still refuses it
    cfg = EngineConfig(
        title_channel_threshold=1.0, headline_rescue=0.0
    )  # the headline channel aside
    j = judge(engine(cfg, ConceptEmbedder((("anthropic",),))), NAME_ONLY)
    assert j.reason["embedding"]["similarity"] > 0.99
    assert j.reason["embedding"]["combined"] > j.reason["threshold"]
    assert not j.on_topic


def test_zero_weight_decides_exactly_as_without_embedder() -> None:
    items = [ON_TOPIC, PARAPHRASE, NAME_ONLY] + [
        doc(10 + i, t, x) for i, (t, x) in enumerate(BACKGROUND)
    ]
    cfg = EngineConfig(embed_weight=0.0)
    plain, mixed = engine(cfg), engine(cfg, ConceptEmbedder(STORY_CONCEPTS))
    for item in items:
        a, b = judge(plain, item), judge(mixed, item)
        assert (a.on_topic, a.score, a.development) == (b.on_topic, b.score, b.development)
    assert plain.snapshot(1) == {
        k: v for k, v in mixed.snapshot(1).items() if k != "seed_embeddings"
    }


def test_without_embedder_nothing_changes_in_state_or_reasons() -> None:
    e = engine()
    assert "embedding" not in judge(e, ON_TOPIC).reason
    assert "seed_embeddings" not in e.snapshot(1)
    assert e.embed([ON_TOPIC]) == [None]


def test_copies_and_headline_channel_are_not_vetoed_by_the_embedding() -> None:
    far = ConceptEmbedder(OTHER_CONCEPTS)
    e = engine(None, far)
    judge(e, ON_TOPIC)
    copy = replace(ON_TOPIC, id=3, title="Deal reached - Reuters", url="https://x.example/c")
    j = judge(e, copy)
    assert j.on_topic and j.reason["copy"]["of"] == ON_TOPIC.id


# --------------------------------------------------------------------------- batching


def test_engine_embeds_a_batch_in_one_call_and_judge_reuses_it() -> None:
    fake = ConceptEmbedder(STORY_CONCEPTS)
    e = engine(None, fake)
    assert fake.texts_embedded == 2  # the two seeds, at track time
    vectors = e.embed([ON_TOPIC, PARAPHRASE])
    assert len(fake.calls) == 2 and fake.calls[-1] == [
        embedding_text(ON_TOPIC.title, ON_TOPIC.text),
        embedding_text(PARAPHRASE.title, PARAPHRASE.text),
    ]
    for item, vec in zip([ON_TOPIC, PARAPHRASE], vectors, strict=True):
        e.judge(item, embedding=vec)
    assert len(fake.calls) == 2  # judge used the given vectors
    judge(e, NAME_ONLY)  # none given: embedded on its own
    assert len(fake.calls) == 3


def test_no_model_call_without_stories() -> None:
    fake = ConceptEmbedder(STORY_CONCEPTS)
    e = Engine(embedder=fake)
    assert e.embed([ON_TOPIC]) == [None]
    e.judge(ON_TOPIC)
    assert fake.calls == []


# --------------------------------------------------------------------------- persistence


def test_snapshot_restores_seed_vectors_without_a_model_call() -> None:
    fake = ConceptEmbedder(STORY_CONCEPTS)
    a = engine(None, fake)
    judge(a, ON_TOPIC)
    state = json.loads(json.dumps(a.snapshot(1)))
    assert state["seed_embeddings"]["model"] == "fake-concepts"
    calls = len(fake.calls)
    b = Engine(background=a.background_state(), embedder=fake)  # saved beside the snapshot
    b.track(story(), state)
    assert len(fake.calls) == calls  # seeds not embedded again
    for item in (PARAPHRASE, NAME_ONLY):
        ja, jb = judge(a, item), judge(b, item)
        assert ja.reason == jb.reason and ja.on_topic == jb.on_topic
    assert a.snapshot(1) == b.snapshot(1)


def test_snapshot_of_another_model_or_none_is_recomputed() -> None:
    plain_state = engine().snapshot(1)
    other = ConceptEmbedder(OTHER_CONCEPTS, name="other-model")
    other_state = engine(None, other).snapshot(1)
    for state in (plain_state, other_state):
        fake = ConceptEmbedder(STORY_CONCEPTS)
        e = Engine(embedder=fake)
        e.track(story(), state)
        assert fake.texts_embedded == 2
        assert e.snapshot(1)["seed_embeddings"]["model"] == "fake-concepts"
    # and an engine without embedder restores an embedding snapshot, deciding on words
    e = Engine()
    e.track(story(), other_state)
    assert "embedding" not in judge(e, PARAPHRASE).reason


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Headline", "", "Headline"),
        ("  Two   words ", "body\n\ntext", "Two words body text"),
        ("t", " ".join(["w"] * 500), " ".join(["t"] + ["w"] * 299)),
    ],
)
def test_embedding_text(title: str, text: str, expected: str) -> None:
    assert embedding_text(title, text) == expected


def test_seed_vectors_round_trip_bit_for_bit() -> None:
    raw = [[0.1, -0.2, 0.3], [1e-8, 2.5, -7.0]]
    sv = SeedVectors("m", raw)
    back = SeedVectors.from_state(json.loads(json.dumps(sv.to_state())))
    assert back.model == "m" and back.units == sv.units
    assert sv.units[0] == as_unit(raw[0])
    assert best_match(as_unit([0.1, -0.2, 0.3]), sv.units) == (pytest.approx(1.0), 0)
    assert best_match((1.0,), []) == (0.0, -1)


def test_with_an_embedding_headlines_keep_the_headline_threshold_under_headline_seeds() -> None:
    # the higher bar for headlines against headline seeds is for chance matches on words;
    # the model's reading already tells those apart
    config = EngineConfig(headline_threshold=0.08, headline_seed_threshold=0.95)
    seeds = tuple(SeedDoc(s.title, "", s.url, s.published) for s in SEEDS)
    e = Engine(config, embedder=ConceptEmbedder(STORY_CONCEPTS))
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, days=-1))
    e.track(Story(1, "anthropic-pentagon", seeds[0].title, seeds, T0))
    j = judge(e, doc(7, "Pentagon and Anthropic resume Claude talks"))
    assert j.reason["threshold"] == 0.08 and "embedding" in j.reason
