"""Corrections: what an admin said about single reports of a story, and what follows.

A tracker that is only ever told its own decisions repeats its mistakes: a neighbouring
story of the same kind (another launch, the other tram accident) that one report of it
got through keeps getting through. ``/story wrong <url>`` lets an admin say that a report
storybot took is not part of the story, or that one it left out is. Each correction is
kept by item id (one per report; a new one replaces it, and it can be withdrawn):

* **Not part of the story.** The report becomes a *held-back example*: a later item that
  would be taken is held back when it scores at least ``correction_hold_ratio`` (2.0)
  times as high against one of these examples as against the story (both weighed alike,
  with the same stream IDF; an example is one report, whose cosines run higher than the
  story's centroid's, hence more than 1). A copy of one of the story's reports is never
  held back (it is the story whatever it resembles), and the corrected report is no
  longer one of the story's reports for finding copies, so its copies in other outlets
  are judged on their own.
  Withdrawn, a correction of a report the story had taken makes it one of the story's
  reports again.
* **Part of the story.** The report counts as one more seed (see
  :meth:`bot.engine.relevance.Profile.teach`), and its copies are the story.

The corrected report's own decision stands as it was made (its alert stays posted);
corrections act on what comes after them.

Measured with ``storybot eval track --feedback``, a simulated admin who corrects every
report storybot took wrongly right after it was taken (``alerts``), or that and every
one it missed (``all``), Nt = 4: every run's detection cost is lower with them than
without (docs/engine.md, "Corrections", has the figures; the ratios were chosen on these
runs, see :class:`bot.engine.config.EngineConfig`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from bot.engine.analysis import Analysis
from bot.engine.config import EngineConfig
from bot.engine.relevance import Profile
from bot.engine.termstats import DocFreq, Vector, top_terms


class Corrections:
    """A story's corrections: labels by item id, and the held-back examples."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        # item id -> True (part of the story) / False (not part of it)
        self.labels: dict[int, bool] = {}
        # the reports said not to be part of the story, newest last, each as a profile
        # of its own (so it is weighed exactly as the story's profile is)
        self.examples: OrderedDict[int, Profile] = OrderedDict()
        # of those, the ones the story had taken: withdrawing the correction makes each
        # one of the story's reports again (for finding copies)
        self.taken: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.labels)

    def hold_back(self, item_id: int, a: Analysis, taken: bool = False) -> None:
        """Keep a report said not to be part of the story as a held-back example;
        ``taken``: the story had taken it."""
        example = Profile(self.config)
        example.build([top_terms(dict(a.unit), self.config.profile_terms)], a.entities)
        self.examples.pop(item_id, None)
        self.examples[item_id] = example
        while len(self.examples) > self.config.correction_examples:
            self.examples.popitem(last=False)
        self.labels[item_id] = False
        if taken:
            self.taken.add(item_id)

    def take(self, item_id: int) -> None:
        """Note a report said to be part of the story (the profile counts it as a seed:
        :meth:`bot.engine.relevance.Profile.teach`)."""
        self.labels[item_id] = True

    def forget(self, item_id: int) -> bool | None:
        """Drop a correction; the label it had, or None when there was none."""
        self.examples.pop(item_id, None)
        self.taken.discard(item_id)
        return self.labels.pop(item_id, None)

    def held_back_by(self, a: Analysis, score: float, df: DocFreq) -> dict[str, Any] | None:
        """The example an item that would be taken reads too much like, or None.

        Args:
            a: The item's analysis.
            score: Its score against the story (the one its decision compared).
            df: The stream statistics the story weighs with.

        Returns:
            ``{"like": item id, "score": its score against that example}`` when that
            score is at least the hold ratio times ``score``; None otherwise.
        """
        if not self.examples:
            return None
        ratio = self.config.correction_hold_ratio
        best_id, best = 0, 0.0
        for item_id, example in self.examples.items():
            s = example.cached_scorer(df).score(a.tf, a.entities).score
            if s > best:
                best_id, best = item_id, s
        if best > 0.0 and best >= ratio * score:
            return {"like": best_id, "score": round(best, 4)}
        return None

    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable copy: labels and the examples' vectors."""
        state: dict[str, Any] = {
            "labels": [[i, on] for i, on in self.labels.items()],
            "examples": [[i, p.seed, sorted(p.entities)] for i, p in self.examples.items()],
        }
        if self.taken:
            state["taken"] = sorted(self.taken)
        return state

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None, config: EngineConfig) -> Corrections:
        """Restore :meth:`to_state` output (None: a snapshot from before corrections)."""
        c = cls(config)
        if not state:
            return c
        c.labels = {int(i): bool(on) for i, on in state["labels"]}
        c.taken = {int(i) for i in state.get("taken", ())}  # none before it was kept
        for i, seed, entities in state["examples"]:
            example = Profile(config)
            example.build([_floats(seed)], entities)
            c.examples[int(i)] = example
        return c


def _floats(vec: Mapping[str, Any]) -> Vector:
    return {str(k): float(v) for k, v in vec.items()}
