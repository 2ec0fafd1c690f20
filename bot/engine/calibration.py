"""A story's off-topic score background: the bar an item must clear above the noise.

Why: the relevance thresholds are absolute cosines, chosen once for every story. But how
high an unrelated item scores depends on the story: a story about one shooting among
thousands of shooting reports, or about talks in Geneva in a week of talks in Geneva,
sees unrelated items scoring far higher than a story about a rare subject, and the
fixed bar lets the top of that noise through as false alarms. Topic detection and
tracking systems normalised each topic's scores against its off-topic distribution for
this reason (Allan et al., *Topic Detection and Tracking Pilot Study*, 1998).

How: every story keeps the running mean and variance (Welford's online algorithm, three
numbers; beyond ``background_window`` items older scores fade, see :class:`RunningScores`)
of the scores of the items it has judged off-topic, separately for items with a body and
for headline-only items (a headline's few words score on another scale). Once
``background_min_items`` off-topic items of a kind have been read, an item of that kind
must also score at least ``mean + background_sigmas * std`` of them. It only raises the
bar: a story whose unrelated items score near zero keeps its fixed threshold. Only the
past is used (no look-ahead), and an item's own score is added after it is judged.

The score is the term profile's (the score a decision records), also when dense
embeddings add their signal: the question is whether an item's *words* stand out from
the noise. Measured with the embeddings extra (at 6 standard deviations), a bar on the
combined score cost reports where a sentence model finds every report of the kind close
(gva headlines followed from full-text seeds: C_norm 0.2278 without a bar, 0.3183 with one
on the combined score, 0.2292 on the term score).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class RunningScores:
    """Mean and variance of a stream of scores, forgetting beyond a window.

    Up to ``window`` scores this is Welford's algorithm (the exact population mean and
    variance); after that each new score weighs ``1 / window`` and older ones fade
    exponentially, so a story followed for months has a bar set by its recent news mix
    (a new feed of close neighbours raises it within about ``window`` items), not by
    its first week's. The update ``var = (1 - a) * (var + a * delta**2)`` with
    ``a = 1 / n`` is Welford's exactly, and with a fixed ``a`` the usual exponentially
    weighted variance.
    """

    window: int
    n: int = 0
    mean: float = 0.0
    var: float = 0.0

    def add(self, x: float) -> None:
        """Count one score."""
        self.n += 1
        a = 1.0 / min(self.n, self.window)
        delta = x - self.mean
        self.mean += a * delta
        self.var = (1.0 - a) * (self.var + a * delta * delta)

    @property
    def std(self) -> float:
        """Population standard deviation (0 with fewer than two scores)."""
        return math.sqrt(self.var) if self.n > 1 else 0.0

    def to_state(self) -> dict[str, float]:
        """``{"n", "mean", "var"}``, JSON-serialisable."""
        return {"n": self.n, "mean": self.mean, "var": self.var}

    @classmethod
    def from_state(cls, state: Mapping[str, float], window: int) -> RunningScores:
        """Restore from :meth:`to_state` output."""
        return cls(window, int(state["n"]), float(state["mean"]), float(state["var"]))


class OffTopicBackground:
    """The scores of a story's off-topic items, by kind (with a body / headline only)."""

    def __init__(self, sigmas: float, min_items: int, window: int) -> None:
        """Create an empty background.

        Args:
            sigmas: How many standard deviations above the mean the bar lies; 0 turns the
                bar off (scores are still counted).
            min_items: Off-topic items of a kind needed before the bar applies to it.
            window: Off-topic items of a kind after which older ones fade (see
                :class:`RunningScores`).
        """
        self.sigmas = sigmas
        self.min_items = min_items
        self.body = RunningScores(window)
        self.headline = RunningScores(window)

    def _kind(self, headline_only: bool) -> RunningScores:
        return self.headline if headline_only else self.body

    def bar(self, headline_only: bool) -> float | None:
        """The least score an item of this kind needs, or None while there is no bar."""
        s = self._kind(headline_only)
        if self.sigmas <= 0 or s.n < self.min_items:
            return None
        return s.mean + self.sigmas * s.std

    def describe(self, headline_only: bool) -> dict[str, float]:
        """The bar's parts, for a decision's reason."""
        s = self._kind(headline_only)
        return {"mean": round(s.mean, 4), "std": round(s.std, 4), "items": s.n}

    def add(self, score: float, headline_only: bool) -> None:
        """Count the score of an item judged off-topic."""
        self._kind(headline_only).add(score)

    def to_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot."""
        return {"body": self.body.to_state(), "headline": self.headline.to_state()}

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any] | None, sigmas: float, min_items: int, window: int
    ) -> OffTopicBackground:
        """Restore from :meth:`to_state` output (None: an empty background)."""
        bg = cls(sigmas, min_items, window)
        if state:
            bg.body = RunningScores.from_state(state["body"], window)
            bg.headline = RunningScores.from_state(state["headline"], window)
        return bg
