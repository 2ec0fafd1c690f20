"""The cached relevance scorer: reused while current, refreshed when out of date."""

from __future__ import annotations

import dataclasses

from test_engine_core import BACKGROUND, ON_TOPIC, SEEDS, doc, warm_engine

from bot.engine import EngineConfig
from bot.engine.analysis import analyse
from bot.engine.relevance import Profile
from bot.engine.termstats import DocFreq

CFG = EngineConfig()


def _profile_and_df(config: EngineConfig = CFG, stream_docs: int = 2000) -> tuple[Profile, DocFreq]:
    seeds = [analyse(s.title, s.text, s.url, config) for s in SEEDS]
    profile = Profile(config)
    profile.build([a.unit for a in seeds], set().union(*(a.entities for a in seeds)))
    df = DocFreq(config.max_vocab, config.idf_prior_docs)
    for k in range(stream_docs):  # a long stream: refreshes are K documents apart
        title, text = BACKGROUND[k % len(BACKGROUND)]
        df.add(analyse(title, text, None, config).tf)
    return profile, df


def test_cached_scorer_scores_like_a_fresh_one_while_nothing_changed() -> None:
    profile, df = _profile_and_df()
    a = analyse(ON_TOPIC.title, ON_TOPIC.text, ON_TOPIC.url, CFG)
    cached = profile.cached_scorer(df)
    assert profile.cached_scorer(df) is cached
    assert cached.score(a.tf, a.entities) == profile.scorer(df).score(a.tf, a.entities)
    assert cached.score(a.title_tf, a.entities) == profile.scorer(df).score(a.title_tf, a.entities)


def test_cached_scorer_is_refreshed_after_adaptation() -> None:
    profile, df = _profile_and_df()
    a = analyse(ON_TOPIC.title, ON_TOPIC.text, ON_TOPIC.url, CFG)
    before = profile.cached_scorer(df)
    profile.adapt(a.unit, a.entities)
    after = profile.cached_scorer(df)
    assert after is not before
    assert after.score(a.tf, a.entities) == profile.scorer(df).score(a.tf, a.entities)
    assert after.score(a.tf, a.entities).score > before.score(a.tf, a.entities).score


def test_cached_scorer_is_refreshed_after_idf_refresh_docs() -> None:
    cfg = dataclasses.replace(CFG, idf_refresh_docs=4)
    profile, df = _profile_and_df(cfg)
    a = analyse(ON_TOPIC.title, ON_TOPIC.text, ON_TOPIC.url, cfg)
    first = profile.cached_scorer(df)
    for _ in range(3):
        df.add(a.tf)
        assert profile.cached_scorer(df) is first  # at most 3 documents stale
    df.add(a.tf)
    fresh = profile.cached_scorer(df)
    assert fresh is not first
    assert fresh.score(a.tf, a.entities) == profile.scorer(df).score(a.tf, a.entities)
    # another table (a restored or re-tracked story) is never scored with the old weights
    other = DocFreq.from_state(df.to_state(), cfg.max_vocab, cfg.idf_prior_docs)
    assert profile.cached_scorer(other) is not fresh


def test_short_stream_refreshes_for_every_document() -> None:
    """While N + P < 1 / idf_refresh_share, log(N + P) moves fast: no reuse."""
    profile, df = _profile_and_df(stream_docs=10)
    a = analyse(ON_TOPIC.title, ON_TOPIC.text, ON_TOPIC.url, CFG)
    first = profile.cached_scorer(df)
    df.add(a.tf)
    assert profile.cached_scorer(df) is not first


def test_refresh_every_document_decides_exactly_as_a_fresh_scorer() -> None:
    """idf_refresh_docs = 0 is the uncached engine: every item weighs the profile anew."""
    exact = EngineConfig(idf_refresh_docs=0)
    e = warm_engine(exact)
    items = [ON_TOPIC] + [doc(20 + i, t, x, days=3) for i, (t, x) in enumerate(BACKGROUND)]
    for d in items:
        st = e._stories[1]
        a = e.analyse(d)
        expected = st.profile.scorer(st.df).score(a.tf, a.entities).score
        (v,) = e.judge(d, a)
        assert v.judgement.score == round(expected, 6)


def _reference_score(
    profile: Profile, df: DocFreq, tf: dict[str, float], ents: frozenset[str]
) -> float:
    """The cosine of the module docstring, written out term by term."""
    cfg = profile.config

    def w(t: str) -> float:
        return max(df.idf(t), 0.0) ** cfg.idf_power * (cfg.phrase_weight if "_" in t else 1.0)

    def b(t: str, item: bool) -> float:
        hit = t in profile.entities or (item and t in ents)
        return cfg.entity_boost if hit else 1.0

    pw = {t: v * w(t) * b(t, False) for t, v in profile.combined().items()}
    dw = {t: v * w(t) * b(t, True) for t, v in tf.items()}
    dot = sum(v * pw[t] for t, v in dw.items() if t in pw)
    return dot / (sum(v * v for v in pw.values()) ** 0.5 * sum(v * v for v in dw.values()) ** 0.5)


def test_scorer_matches_the_written_out_cosine_with_and_without_boosts() -> None:
    for cfg in (CFG, dataclasses.replace(CFG, entity_boost=2.0, phrase_weight=0.5)):
        profile, df = _profile_and_df(cfg, stream_docs=30)
        a = analyse(ON_TOPIC.title, ON_TOPIC.text, ON_TOPIC.url, cfg)
        scorer = profile.scorer(df)
        got = scorer.score(a.tf, a.entities).score
        assert abs(got - _reference_score(profile, df, a.tf, a.entities)) < 1e-12
        assert abs(scorer.norm - sum(v * v for v in scorer.weights.values()) ** 0.5) < 1e-12


def test_cached_scorer_is_refreshed_when_the_table_is_reloaded_in_place() -> None:
    # The engine's stories hold the one stream table; restoring saved statistics replaces
    # its counts in place (DocFreq.load). A scorer weighed with the old counts must not
    # be reused, even when the reloaded table counts as many documents.
    profile, df = _profile_and_df()
    before = profile.cached_scorer(df)
    other = DocFreq(df.max_terms, df.prior_docs)
    for _ in range(df.n_docs):
        other.add(["unrelated"])
    df.load(other.to_state())
    after = profile.cached_scorer(df)
    assert after is not before
    assert after.norm != before.norm
