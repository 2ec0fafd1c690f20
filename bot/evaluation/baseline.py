"""The reference tracker: TF-IDF seed centroid, cosine >= 0.15, no adaptation.

It is the yardstick quoted in ``shared/evaldata/README.md`` and is printed beside the
engine's figures by ``storybot eval track --baseline``. Terms are lowercased words
without stop words (no stemming, no entities); the IDF is fitted on the whole stream
file (as an off-the-shelf vectoriser would be), which gives the baseline look-ahead the
engine does not have; the centroid is the mean of the seeds' unit TF-IDF vectors.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from bot.engine.stopwords import STOPWORDS
from bot.engine.termstats import Vector, cosine
from bot.evaluation.data import StreamItem, Target
from bot.evaluation.tracking import Decide, Decision

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _terms(item: StreamItem) -> Counter[str]:
    words = _WORD.findall(f"{item.title}\n{item.text}".lower())
    return Counter(w for w in words if w not in STOPWORDS and len(w) > 1)


def baseline_decider(items: list[StreamItem], threshold: float = 0.15) -> Decide:
    """The baseline tracker over a whole stream.

    Args:
        items: Every item of the stream (fits the IDF).
        threshold: Cosine at or above which an item is on-topic.

    Returns:
        A function yielding a :class:`Decision` per item of a target's stream (the
        baseline has no developments).
    """
    counts = {it.index: _terms(it) for it in items}
    df: Counter[str] = Counter()
    for c in counts.values():
        df.update(c.keys())
    n = len(items)
    idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}

    def vec(item: StreamItem) -> Vector:
        # a seed may carry more text than the stream's copy of it (--headline-only-stream);
        # its words unseen in the stream weigh like a word seen once
        c = counts[item.index] if item.text == items[item.index].text else _terms(item)
        v = {t: k * idf.get(t, math.log((1 + n) / 2) + 1) for t, k in c.items()}
        s = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / s for t, x in v.items()}

    vectors: dict[tuple[int, bool], Vector] = {}

    def get(item: StreamItem) -> Vector:
        key = (item.index, bool(item.text))
        if key not in vectors:
            vectors[key] = vec(item)
        return vectors[key]

    def decide(target: Target) -> Iterable[Decision]:
        centroid: Vector = {}
        for s in target.seeds:
            for t, x in get(s).items():
                centroid[t] = centroid.get(t, 0.0) + x / len(target.seeds)
        for item in target.stream:
            score = cosine(get(item), centroid)
            yield Decision(item, score >= threshold, score)

    return decide
