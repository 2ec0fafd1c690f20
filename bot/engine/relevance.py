"""Relevance: is an item about the story?

A story is represented by a *profile*: the centroid of its seed articles' term vectors,
optionally refined by confidently on-topic items (adaptive tracking, as in TDT
tracking systems). An item's score is the cosine between its TF-IDF vector and the
profile's, where

* the IDF comes from the stream seen so far (:mod:`bot.engine.termstats`), so words
  that every item of the feed uses (for a shootings feed: "police", "shot") fade, while
  the story's names and places keep their weight;
* entity-like terms (names, places, numbers, multi-word capitalised phrases) are
  weighted up by ``entity_boost``: two stories *of the same kind* differ mostly in who,
  where and how many, and a profile made of generic vocabulary accepts every sibling
  story (the hard negatives of a tracking task);
* adaptation is guarded against drift: only items scoring at least ``adapt_threshold``
  (well above the decision threshold) are absorbed, they are kept as a separate running
  mean, and that mean never weighs more than ``adapt_weight`` times the seeds, so the
  seeds always anchor the profile.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from bot.engine.config import EngineConfig
from bot.engine.termstats import DocFreq, Vector, norm, top_terms


def mean_vector(vectors: Iterable[Mapping[str, float]]) -> Vector:
    """Mean of sparse vectors (empty when there are none)."""
    total: Vector = {}
    n = 0
    for vec in vectors:
        n += 1
        for t, v in vec.items():
            total[t] = total.get(t, 0.0) + v
    return {t: v / n for t, v in total.items()} if n else {}


class Profile:
    """A story's relevance profile: seed centroid, adapted centroid and entity terms."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.seed: Vector = {}
        self.adapted: Vector = {}
        self.n_adapted = 0
        self.entities: set[str] = set()
        self.exemplars: list[Vector] = []  # individual seeds (nearest-seed channel)

    def build(self, units: list[Mapping[str, float]], entities: Iterable[str]) -> None:
        """Build the seed part from the seeds' unit term vectors.

        Args:
            units: Unit-length term-frequency vectors of the seed articles.
            entities: Entity-like terms of the seeds.
        """
        mean = mean_vector(units)
        q = self.config.seed_consistency
        if q and len(units) > 1:
            # a term most seeds use is the story; a term one seed uses may be its page chrome
            share = {t: sum(1 for u in units if t in u) / len(units) for t in mean}
            mean = {t: v * share[t] ** q for t, v in mean.items()}
        self.seed = top_terms(mean, self.config.profile_terms)
        self.entities = {e for e in entities if e in self.seed}
        if self.config.seed_max_weight > 0 and len(units) > 1:
            cap = max(1, self.config.profile_terms // len(units))
            self.exemplars = [top_terms(dict(u), cap) for u in units]

    def adapt(self, unit: Mapping[str, float], entities: Iterable[str]) -> None:
        """Absorb a confidently on-topic item into the adapted running mean.

        Args:
            unit: The item's unit term vector.
            entities: The item's entity-like terms.
        """
        n = min(self.n_adapted, self.config.adapt_max_docs - 1)
        merged = {t: v * n / (n + 1) for t, v in self.adapted.items()}
        for t, v in unit.items():
            merged[t] = merged.get(t, 0.0) + v / (n + 1)
        self.adapted = top_terms(merged, self.config.profile_terms)
        self.n_adapted += 1
        self.entities.update(e for e in entities if e in self.adapted)

    def combined(self) -> Vector:
        """Seeds plus the (weight-capped) adapted mean."""
        if not self.adapted:
            return self.seed
        w = self.config.adapt_weight * min(1.0, self.n_adapted / 5)
        out = dict(self.seed)
        for t, v in self.adapted.items():
            out[t] = out.get(t, 0.0) + w * v
        return out

    def score(
        self, tf: Mapping[str, float], entities: frozenset[str], df: DocFreq
    ) -> tuple[float, list[str]]:
        """Cosine between an item and the profile in boosted TF-IDF space.

        Args:
            tf: The item's term frequencies.
            entities: The item's entity-like terms.
            df: Document frequencies of the stream so far.

        Returns:
            ``(score, matched)``: the cosine and the terms contributing most to it.
        """
        cfg = self.config
        boost = cfg.entity_boost
        prof = self.combined()
        idf_cache: dict[str, float] = {}
        power, phrase_w = cfg.idf_power, cfg.phrase_weight

        def w(t: str, v: float, is_entity: bool) -> float:
            idf = idf_cache.get(t)
            if idf is None:
                idf = max(df.idf(t), 0.0) ** power
                if "_" in t:
                    idf *= phrase_w
                idf_cache[t] = idf
            return v * idf * (boost if is_entity else 1.0)

        pw = {t: w(t, v, t in self.entities) for t, v in prof.items()}
        dw = {t: w(t, v, t in entities or t in self.entities) for t, v in tf.items()}
        np_, nd = norm(pw), norm(dw)
        if np_ == 0 or nd == 0:
            return 0.0, []
        contrib = {t: v * pw[t] for t, v in dw.items() if t in pw}
        score = sum(contrib.values()) / (np_ * nd)
        for ex in self.exemplars:
            # a follow-up may resemble one seed closely and the blend of all seeds less
            ew = {t: w(t, v, t in self.entities) for t, v in ex.items()}
            ne = norm(ew)
            if ne:
                s = sum(v * ew[t] for t, v in dw.items() if t in ew) / (ne * nd)
                score = max(score, cfg.seed_max_weight * s)
        matched = [t for t, _ in sorted(contrib.items(), key=lambda kv: (-kv[1], kv[0]))[:8]]
        return score, matched

    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable copy."""
        return {
            "seed": self.seed,
            "adapted": self.adapted,
            "n_adapted": self.n_adapted,
            "entities": sorted(self.entities),
            "exemplars": self.exemplars,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], config: EngineConfig) -> "Profile":
        """Restore from :meth:`to_state` output."""
        p = cls(config)
        p.seed = {str(k): float(v) for k, v in state["seed"].items()}
        p.adapted = {str(k): float(v) for k, v in state["adapted"].items()}
        p.n_adapted = int(state["n_adapted"])
        p.entities = set(state["entities"])
        p.exemplars = [{str(k): float(v) for k, v in ex.items()} for ex in state["exemplars"]]
        return p
