"""Evaluation metrics: TDT detection cost, B-cubed and the adjusted Rand index.

* Tracking: ``P_miss`` and ``P_fa`` per target, macro-averaged, and the normalised
  detection cost ``C_norm = P_miss + 4.9 * P_fa`` (C_miss = 1, C_fa = 0.1,
  P_target = 0.02, as in the TDT evaluations). Beside it, what the tracked story did with
  the items it took: how many of its own event's reports opened a new development (an
  alert for news the seeds hold) and how many of other events' items did.
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
class DevelopmentCounts:
    """Where one target's taken items went among the story's developments.

    Only items taken on-topic that are not copies of an earlier report or seed count (a
    copy joins its original's development and never alerts). ``reports`` are those of the
    target's own event, the event of the seeds: each that opened a new development would
    be announced to a channel as a new turn of a story it already knows (on news whose
    events are single incidents or announcements; a labelled event may also hold a real
    later turn, such as an arrest, so this counts an upper bound of such alerts).
    ``others`` are items of other events the story took: mostly tracking false alarms (an
    alert for them is noise either way), but where a stream labels a story's later turns
    as events of their own (giveme5w1h_developments: "tram", then "tram victims"), those
    should open a development (or join one opened by their own event).
    """

    reports: int = 0
    new_on_reports: int = 0
    others: int = 0
    new_on_others: int = 0


@dataclass(frozen=True)
class TrackCounts:
    """Decisions of one target's run (``developments``: None for a system without them)."""

    on_topic: int
    missed: int
    off_topic: int
    false_alarms: int
    developments: DevelopmentCounts | None = None

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


def development_rates(runs: Sequence[TrackCounts]) -> dict[str, int | float | None] | None:
    """What the tracked stories did with the items they took, summed over targets.

    Returns:
        ``{"reports", "new_on_reports", "report_new_rate", "others", "new_on_others",
        "other_new_rate"}`` (see :class:`DevelopmentCounts`; a rate is None when nothing
        was counted), or None when the system under test has no developments (the
        baseline).
    """
    counted = [r.developments for r in runs if r.developments is not None]
    if not counted:
        return None
    reports = sum(d.reports for d in counted)
    new_on_reports = sum(d.new_on_reports for d in counted)
    others = sum(d.others for d in counted)
    new_on_others = sum(d.new_on_others for d in counted)
    return {
        "reports": reports,
        "new_on_reports": new_on_reports,
        "report_new_rate": new_on_reports / reports if reports else None,
        "others": others,
        "new_on_others": new_on_others,
        "other_new_rate": new_on_others / others if others else None,
    }


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
