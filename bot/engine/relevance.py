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

A profile has a second, *headline* channel: the same centroids built from the seeds'
and absorbed items' headlines alone. Headline text (a headline-only item, the headline
of an item with a body) scores the mean of its cosines to the whole profile and to the
headline channel: a full-text profile spreads its weight over hundreds of body terms a
headline cannot contain, while the story's own headlines name it in a few words the way
a headline does. With full-text seeds and a headline-only stream that took the detection
cost from 0.147 to 0.085 on giveme5w1h (developments 0.199 -> 0.163, gva 0.283 -> 0.278);
when the seeds are headline-only both channels hold the same vectors and nothing changes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from bot.engine.config import EngineConfig
from bot.engine.termstats import DocFreq, Vector, norm, prior_shares, top_terms


def mean_vector(vectors: Iterable[Mapping[str, float]]) -> Vector:
    """Mean of sparse vectors (empty when there are none)."""
    total: Vector = {}
    n = 0
    for vec in vectors:
        n += 1
        for t, v in vec.items():
            total[t] = total.get(t, 0.0) + v
    return {t: v / n for t, v in total.items()} if n else {}


@dataclass(frozen=True)
class Match:
    """How an item matches a profile."""

    score: float  # cosine in boosted TF-IDF space
    matched: list[str]  # terms contributing most, strongest first
    support: float  # the score without its strongest concept (a name and its phrases)


class Profile:
    """A story's relevance profile: seed centroid, adapted centroid and entity terms.

    Each centroid exists twice: over whole items (``seed``, ``adapted``) and over their
    headlines alone (``title_seed``, ``title_adapted``), the channel headline text is
    judged on as well.
    """

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.seed: Vector = {}
        self.adapted: Vector = {}
        self.title_seed: Vector = {}
        self.title_adapted: Vector = {}
        self.n_adapted = 0
        self.entities: set[str] = set()
        # reports an admin said are part of the story (``teach``): item id -> (unit
        # vector, headline unit vector); they count as seeds, over the seeds' own centroids
        # kept apart in ``base_seed`` / ``base_title_seed`` so a correction can be withdrawn
        self.n_seeds = 1
        self.taught: dict[int, tuple[Vector, Vector]] = {}
        self.base_seed: Vector = {}
        self.base_title_seed: Vector = {}
        # bumped whenever the profile changes, so a cached scorer knows it is out of date
        self.version = 0
        # by channel (False: whole items, True: headlines)
        self._scorers: dict[bool, Scorer] = {}
        self._inputs: dict[bool, tuple[int, Vector, list[str], list[float]]] = {}

    def build(
        self,
        units: list[Mapping[str, float]],
        entities: Iterable[str],
        title_units: list[Mapping[str, float]] | None = None,
    ) -> None:
        """Build the seed part from the seeds' unit term vectors.

        Args:
            units: Unit-length term-frequency vectors of the seed articles.
            entities: Entity-like terms of the seeds.
            title_units: Unit-length vectors of the seeds' headlines alone; the whole
                seeds' vectors when None.
        """
        mean = mean_vector(units)
        self.seed = top_terms(mean, self.config.profile_terms)
        self.title_seed = (
            top_terms(mean_vector(title_units), self.config.profile_terms)
            if title_units is not None
            else dict(self.seed)
        )
        self.entities = {e for e in entities if e in self.seed or e in self.title_seed}
        self.n_seeds = max(1, len(units))
        self.base_seed, self.base_title_seed = self.seed, self.title_seed
        self.taught = {}
        self.version += 1

    def teach(
        self,
        item_id: int,
        unit: Mapping[str, float],
        title_unit: Mapping[str, float],
        entities: Iterable[str],
    ) -> None:
        """Count a report an admin said is part of the story as one more seed.

        The seed centroids become the mean of the seeds and every taught report (the
        seeds' own centroid weighs as many reports as there are seeds), so the profile
        takes reports like it from now on; :meth:`forget_taught` undoes it. Beyond
        ``correction_examples`` taught reports the oldest becomes one of the seeds for
        good (the state stays bounded; it can no longer be withdrawn).

        Args:
            item_id: The report's item id (teaching it again replaces it).
            unit: Its unit term vector.
            title_unit: Its headline's unit term vector.
            entities: Its entity-like terms.
        """
        self.taught.pop(item_id, None)
        self.taught[item_id] = (dict(unit), dict(title_unit))
        while len(self.taught) > self.config.correction_examples:
            oldest = next(iter(self.taught))
            folded = {oldest: self.taught.pop(oldest)}
            self.base_seed = self._with_taught(self.base_seed, 0, folded)
            self.base_title_seed = self._with_taught(self.base_title_seed, 1, folded)
            self.n_seeds += 1
        self._mix_taught()
        self.entities.update(e for e in entities if e in self.seed or e in self.title_seed)

    def forget_taught(self, item_id: int) -> bool:
        """Withdraw a report taught by :meth:`teach`; False if it was not taught."""
        if self.taught.pop(item_id, None) is None:
            return False
        self._mix_taught()
        return True

    def _mix_taught(self) -> None:
        # with nothing taught the seeds' own centroids, exactly as built
        if self.taught:
            self.seed = self._with_taught(self.base_seed, 0)
            self.title_seed = self._with_taught(self.base_title_seed, 1)
        else:
            self.seed, self.title_seed = self.base_seed, self.base_title_seed
        self.version += 1

    def adapt(
        self,
        unit: Mapping[str, float],
        entities: Iterable[str],
        title_unit: Mapping[str, float] | None = None,
    ) -> None:
        """Absorb a confidently on-topic item into the adapted running means.

        Args:
            unit: The item's unit term vector.
            entities: The item's entity-like terms.
            title_unit: Its headline's unit term vector (``unit`` when None).
        """
        n = min(self.n_adapted, self.config.adapt_max_docs - 1)
        self.adapted = self._running_mean(self.adapted, unit, n)
        self.title_adapted = self._running_mean(
            self.title_adapted, unit if title_unit is None else title_unit, n
        )
        self.n_adapted += 1
        self.entities.update(e for e in entities if e in self.adapted or e in self.title_adapted)
        self.version += 1

    def _running_mean(self, mean: Vector, unit: Mapping[str, float], n: int) -> Vector:
        merged = {t: v * n / (n + 1) for t, v in mean.items()}
        for t, v in unit.items():
            merged[t] = merged.get(t, 0.0) + v / (n + 1)
        return top_terms(merged, self.config.profile_terms)

    def _with_taught(
        self,
        base: Vector,
        channel: int,
        taught: Mapping[int, tuple[Vector, Vector]] | None = None,
    ) -> Vector:
        # the seeds' centroid times their number plus each taught report's vector of the
        # channel (0: whole item, 1: headline), over their total number
        taught = self.taught if taught is None else taught
        n = self.n_seeds
        total = {t: v * n for t, v in base.items()}
        for vectors in taught.values():
            for t, v in vectors[channel].items():
                total[t] = total.get(t, 0.0) + v
        k = n + len(taught)
        return top_terms({t: v / k for t, v in total.items()}, self.config.profile_terms)

    def weighing_inputs(self, headlines: bool = False) -> tuple[Vector, list[str], list[float]]:
        """:meth:`combined`, its terms and their prior shares, kept until the profile changes.

        Args:
            headlines: The headline channel instead of the whole-item one.

        Returns:
            ``(combined vector, its terms in order, their prior_shares)``: what weighing
            the profile needs that does not depend on the stream statistics.
        """
        cached = self._inputs.get(headlines)
        if cached is None or cached[0] != self.version:
            combined = self.combined(headlines)
            terms = list(combined)
            cached = (self.version, combined, terms, prior_shares(terms))
            self._inputs[headlines] = cached
        return cached[1], cached[2], cached[3]

    def combined(self, headlines: bool = False) -> Vector:
        """Seeds plus the (weight-capped) adapted mean.

        Args:
            headlines: The headline channel instead of the whole-item one.
        """
        seed, adapted = (
            (self.title_seed, self.title_adapted) if headlines else (self.seed, self.adapted)
        )
        if not adapted:
            return seed
        w = self.config.adapt_weight * min(1.0, self.n_adapted / 5)
        out = dict(seed)
        for t, v in adapted.items():
            out[t] = out.get(t, 0.0) + w * v
        return out

    def scorer(self, df: DocFreq, headlines: bool = False) -> Scorer:
        """A scorer for the current profile and stream statistics.

        Args:
            df: Document frequencies of the stream so far.
            headlines: Score against the headline channel (for headline text).

        Returns:
            A scorer (weights the profile once for several scores of one item).
        """
        return Scorer(self, df, headlines)

    def cached_scorer(self, df: DocFreq, headlines: bool = False) -> Scorer:
        """The scorer of the last call, rebuilt only once it is out of date.

        Weighing the whole profile with the stream IDF is most of the cost of judging an
        item, and one more document barely moves the IDF, so the weighed profile is
        reused until the profile changes (it was built or adapted), ``df`` is another
        table, or the stream has grown enough since (see :meth:`Scorer.is_current`).
        Every IDF a cached scorer uses was therefore computed from the statistics of at
        most ``idf_refresh_docs`` documents ago: a bounded staleness, never a look-ahead.
        The cache is not part of the snapshot: a profile restored from one (a restart)
        weighs itself at once, so its next scores can differ, within that bound, from
        those of a process that kept running.

        Args:
            df: Document frequencies of the stream so far.
            headlines: Score against the headline channel (one cache per channel).

        Returns:
            A scorer for the profile and ``df``.
        """
        cached = self._scorers.get(headlines)
        if cached is None or not cached.is_current(self, df):
            cached = self._scorers[headlines] = Scorer(self, df, headlines)
        return cached

    def score(self, tf: Mapping[str, float], entities: frozenset[str], df: DocFreq) -> Match:
        """Cosine between an item and the profile (see :meth:`Scorer.score`)."""
        return self.scorer(df).score(tf, entities)

    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable copy."""
        state: dict[str, Any] = {
            "seed": self.seed,
            "adapted": self.adapted,
            "title_seed": self.title_seed,
            "title_adapted": self.title_adapted,
            "n_adapted": self.n_adapted,
            "entities": sorted(self.entities),
            "n_seeds": self.n_seeds,
        }
        if self.taught:
            state["taught"] = [[i, u, tu] for i, (u, tu) in self.taught.items()]
            state["base_seed"] = self.base_seed
            state["base_title_seed"] = self.base_title_seed
        return state

    @classmethod
    def from_state(cls, state: Mapping[str, Any], config: EngineConfig) -> Profile:
        """Restore from :meth:`to_state` output."""
        p = cls(config)
        p.seed = {str(k): float(v) for k, v in state["seed"].items()}
        p.adapted = {str(k): float(v) for k, v in state["adapted"].items()}
        # a snapshot from before the headline channel: headlines are judged on the whole
        # profile, as they were when it was written
        p.title_seed = {str(k): float(v) for k, v in state.get("title_seed", p.seed).items()}
        p.title_adapted = {
            str(k): float(v) for k, v in state.get("title_adapted", p.adapted).items()
        }
        p.n_adapted = int(state["n_adapted"])
        p.entities = set(state["entities"])
        # a snapshot from before corrections: the story's seed count is set by its state
        p.n_seeds = int(state.get("n_seeds", 0))
        p.base_seed = _floats(state.get("base_seed", p.seed))
        p.base_title_seed = _floats(state.get("base_title_seed", p.title_seed))
        p.taught = {int(i): (_floats(u), _floats(tu)) for i, u, tu in state.get("taught", [])}
        return p


def _floats(vec: Mapping[str, Any]) -> Vector:
    return {str(k): float(v) for k, v in vec.items()}


def _without_top_concept(ranked: list[tuple[str, float]]) -> float:
    """The dot product without the strongest matching concept.

    A concept is the top term with every term sharing a word with it ("baton",
    "rouge", "baton_rouge", "rouge_police" are one place).
    """
    if not ranked:
        return 0.0
    parts = set(ranked[0][0].split("_"))
    return sum(c for t, c in ranked[1:] if parts.isdisjoint(t.split("_")))


class Scorer:
    """A profile weighted with the current IDF, ready to score items."""

    def __init__(self, profile: Profile, df: DocFreq, headlines: bool = False) -> None:
        cfg = profile.config
        self._df = df
        self._version = profile.version
        self._n_docs = df.n_docs
        self._loads = df.loads
        # documents after which the IDF is weighed again: idf_refresh_docs, or fewer
        # while the stream is short, so log(N + P) never moves by more than about
        # idf_refresh_share between refreshes
        self._refresh_after = min(
            cfg.idf_refresh_docs, max(1, int(cfg.idf_refresh_share * (df.n_docs + df.prior_docs)))
        )
        self._entities = profile.entities
        self._boost = cfg.entity_boost
        self._power = cfg.idf_power
        self._phrase_w = cfg.phrase_weight
        combined, terms, shares = profile.weighing_inputs(headlines)
        idfs = self._idf_of(terms, shares)
        # boosted IDF by term, kept for the item's terms that the profile shares
        self._idf: dict[str, float] = dict(zip(terms, idfs, strict=True))
        ents = profile.entities
        boost = self._boost
        self._values = combined
        # A term's weight is its profile value times its boosted IDF. With a unit entity
        # boost (the default) that is v * i, computed where a score needs it (for the
        # few terms an item shares with the profile), not for all of them here: the
        # same numbers, as v * i * 1.0 == v * i.
        self._weights: dict[str, float] | None = None
        if boost == 1.0 or not ents:
            ws = list(map(operator.mul, combined.values(), idfs))
        else:
            self._weights = {
                t: v * i * (boost if t in ents else 1.0)
                for t, v, i in zip(terms, combined.values(), idfs, strict=True)
            }
            ws = list(self._weights.values())
        self.norm = math.sqrt(sum(map(operator.mul, ws, ws)))  # = norm(weights)

    @property
    def weights(self) -> Vector:
        """The weighed profile, term by term."""
        if self._weights is not None:
            return self._weights
        idf = self._idf
        return {t: v * idf[t] for t, v in self._values.items()}

    def is_current(self, profile: Profile, df: DocFreq) -> bool:
        """Whether this scorer may still score for ``profile`` against ``df``.

        True while the profile is unchanged and ``df`` is the table it was weighed with
        (not reloaded in place since: :meth:`DocFreq.load`), grown by fewer than ``min(idf_refresh_docs, idf_refresh_share * (N + P))``
        documents (at least one: with ``idf_refresh_docs`` 0 every document refreshes).
        """
        return (
            profile.version == self._version
            and df is self._df
            and df.loads == self._loads
            and df.n_docs - self._n_docs < self._refresh_after
        )

    def _idf_of(self, terms: list[str], shares: list[float] | None = None) -> list[float]:
        # The boosted IDF of each term, taken from the table's memo where the other
        # channel's scorer (or this one, for another text of the item) has weighed the
        # term at the same stream state; computed and remembered otherwise. A memo value
        # is what the computation gives, bit for bit (see DocFreq.memo).
        memo = self._df.memo((self._power, self._phrase_w))
        if not memo:
            computed = self._compute(terms, shares)
            memo.update(zip(terms, computed, strict=True))
            return computed
        values: list[Any] = [memo.get(t) for t in terms]
        if None not in values:
            return values
        todo = [i for i, v in enumerate(values) if v is None]
        todo_terms = [terms[i] for i in todo]
        fresh = self._compute(todo_terms, None if shares is None else [shares[i] for i in todo])
        for i, t, v in zip(todo, todo_terms, fresh, strict=True):
            values[i] = memo[t] = v
        return values

    def _compute(self, terms: list[str], shares: list[float] | None = None) -> list[float]:
        # max(idf, 0) ** power, times the phrase weight for a phrase term, over a list.
        # Bit for bit the arithmetic of one term at a time: (x if not x < 0.0 else 0.0)
        # is max(x, 0.0), -0.0 and all, and a plain term's x * 1.0 == x.
        power = self._power
        phrase_w = self._phrase_w
        if phrase_w == 1.0:
            return [(x if not x < 0.0 else 0.0) ** power for x in self._df.idf_many(terms, shares)]
        return [
            (x if not x < 0.0 else 0.0) ** power * (phrase_w if "_" in t else 1.0)
            for t, x in zip(terms, self._df.idf_many(terms, shares), strict=True)
        ]

    def score(self, tf: Mapping[str, float], entities: frozenset[str]) -> Match:
        """Cosine between an item and the profile in boosted TF-IDF space.

        Args:
            tf: The item's term frequencies.
            entities: The item's entity-like terms.

        Returns:
            The cosine, the terms contributing most to it, and its support.
        """
        ents = self._entities
        idf = self._idf
        missing = [t for t in tf if t not in idf]
        if missing:
            idf.update(zip(missing, self._idf_of(missing), strict=True))
        boost = self._boost
        if boost == 1.0:  # the same weights without the entity tests (x * 1.0 == x)
            dw = {t: v * idf[t] for t, v in tf.items()}
        else:
            dw = {
                t: v * idf[t] * (boost if t in entities or t in ents else 1.0)
                for t, v in tf.items()
            }
        nd = norm(dw)
        if self.norm == 0 or nd == 0:
            return Match(0.0, [], 0.0)
        pw = self._weights
        if pw is None:  # unit boost: the weight is v * i (see __init__)
            pv = self._values
            contrib = {t: v * (pv[t] * idf[t]) for t, v in dw.items() if t in pv}
        else:
            contrib = {t: v * pw[t] for t, v in dw.items() if t in pw}
        denom = self.norm * nd
        # strongest first, ties by term: sorted by term, then stably by contribution
        ranked = sorted(sorted(contrib.items()), key=itemgetter(1), reverse=True)
        return Match(
            sum(contrib.values()) / denom,
            [t for t, _ in ranked[:8]],
            _without_top_concept(ranked) / denom,
        )
