"""Evaluation metrics: TDT detection cost, B-cubed and the adjusted Rand index.

* Tracking: ``P_miss`` and ``P_fa`` per target, macro-averaged, and the normalised
  detection cost ``C_norm = P_miss + 4.9 * P_fa`` (C_miss = 1, C_fa = 0.1,
  P_target = 0.02, as in the TDT evaluations).
* Clustering: B-cubed precision/recall/F1 (per item: how much of its predicted cluster
  shares its gold event, and how much of its gold event shares its predicted cluster),
  which, unlike purity, penalises both merging and splitting and handles the many
  singleton events of a news stream; and the adjusted Rand index (pair counting,
  corrected for chance).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from math import comb

C_FA_WEIGHT = 4.9  # C_fa * (1 - P_target) / (C_miss * P_target)


@dataclass(frozen=True)
class TrackCounts:
    """Decisions of one target's run."""

    on_topic: int
    missed: int
    off_topic: int
    false_alarms: int

    @property
    def p_miss(self) -> float:
        return self.missed / self.on_topic if self.on_topic else 0.0

    @property
    def p_fa(self) -> float:
        return self.false_alarms / self.off_topic if self.off_topic else 0.0


def detection_cost(runs: Sequence[TrackCounts]) -> dict[str, float | None]:
    """Macro-averaged miss and false-alarm rates and the normalised detection cost.

    Args:
        runs: One entry per target.

    Returns:
        ``{"p_miss", "p_fa", "c_norm"}``; all None for no targets (nothing was measured,
        and a 0 would read as a perfect score).
    """
    if not runs:
        return {"p_miss": None, "p_fa": None, "c_norm": None}
    p_miss = sum(r.p_miss for r in runs) / len(runs)
    p_fa = sum(r.p_fa for r in runs) / len(runs)
    return {"p_miss": p_miss, "p_fa": p_fa, "c_norm": p_miss + C_FA_WEIGHT * p_fa}


def bcubed(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> dict[str, float]:
    """B-cubed precision, recall and F1 of a clustering.

    Args:
        gold: Gold cluster label per item.
        pred: Predicted cluster label per item.

    Returns:
        ``{"precision", "recall", "f1"}``.
    """
    n = len(gold)
    if n == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    pair = Counter(zip(gold, pred, strict=True))
    g_size = Counter(gold)
    p_size = Counter(pred)
    precision = sum(c * c / p_size[p] for (g, p), c in pair.items()) / n
    recall = sum(c * c / g_size[g] for (g, p), c in pair.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def adjusted_rand(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    """Adjusted Rand index (Hubert and Arabie) of a clustering against gold labels.

    Args:
        gold: Gold cluster label per item.
        pred: Predicted cluster label per item.

    Returns:
        1 for identical partitions, about 0 for chance agreement.
    """
    n = len(gold)
    if n < 2:
        return 1.0
    index = sum(comb(c, 2) for c in Counter(zip(gold, pred, strict=True)).values())
    a = sum(comb(c, 2) for c in Counter(gold).values())
    b = sum(comb(c, 2) for c in Counter(pred).values())
    expected = a * b / comb(n, 2)
    maximum = (a + b) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)
