"""Grouping a story's on-topic items into developments (incremental clustering).

A *development* is one turn of the story (an arrest, a verdict, a new casualty count).
Development 0 is the seed story itself. Each on-topic item either joins the most
similar existing development or, when none is close enough, opens a new one. This is
single-pass (leader-follower) clustering, the classic online approach of TDT
first-story detection, because the decision must be made the moment an item arrives
and can never be revised (an alert has already been posted).

* Similarity is the cosine between the item's TF-IDF vector and the development's
  centroid (the mean of its items' unit vectors, capped to ``dev_terms`` terms). When a
  whole stream is clustered the weights are the stream IDF, as in relevance. Inside a
  story they are the stream IDF times the IDF *within the story*
  (:class:`bot.engine.termstats.WithinStory`): every report of the story shares its
  names ("Anthropic", "Pentagon"), relevance picked them for that, so those words say
  nothing about *which turn* a report is about. With stream weights alone, every report
  of a story was 0.3-0.6 similar to the seeds and joined development 0; within-story
  weights leave what sets a turn apart (a lawsuit, a hearing date), and scores run lower,
  hence a separate ``story_dev_join_threshold``.
* Leads (inside a story): within-story weights cannot tell the story's names from the
  seed event's details while the story holds only its seeds, so another outlet's report
  of the seed event kept little but its own details and opened a development (about
  every second such report on the labelled streams). A news report puts what it is about
  first and retells the background below, so an item that reaches no development by its
  whole text joins the one whose reports' *leads* (headline and first sentence, summed
  per development) are closest to its own lead, when that cosine in stream weights,
  faded with the development's silence as below, reaches ``story_dev_lead_threshold``;
  a new turn leads with the turn however much of the story it retells.
* Time decay: a development's pull halves every ``dev_half_life_days`` of silence, so a
  report about the same people weeks later (the trial after the shooting) tends to open
  a new development instead of being folded into the old one. When a whole stream is
  clustered into events the decay stops at ``dev_decay_floor``: the trial *is* the same
  event, and a strong match still rejoins it.
* Cost per item is bounded: only the ``max_developments`` most recently active
  developments are kept (older ones retire). Clustering a whole stream takes its
  candidates from an inverted index over each development's heaviest terms; a story
  compares each on-topic item with all of its developments.
* Shared words (whole-stream clustering only): a term counts, on both sides of the
  cosine, less the more of the other active developments have it among their heavy
  terms (``dev_shared_discount``). A word that most of the stream's
  developments share ("accidental shooting" in a gun-violence stream) says nothing about
  which of them an item belongs to; without this a development of generic headlines
  kept absorbing every generic headline through such words, since the centroid cosine
  normalises away how loosely its members hang together.
* Revival (whole-stream clustering only): a retired development goes to a bounded
  archive (:class:`bot.engine.archive.RetiredIndex`), and an item that joins no active
  development revives an archived one when they share enough *marks* (full names and
  place names the item's outlet does not print habitually) and the similarity still
  reaches the join threshold. Inside a story retired developments stay retired.

Known limit: a piece that only retells the seed story from a new angle ("what to know",
"investors watch") and a report of a real new turn that retells the background at
length are equally far from the seeds in bag-of-words terms, so either may open a
development; on the demo sample data no threshold of the whole text separates them, and
leads separate only what leads with the story (about a third of the labelled streams'
reports of the seed event still open a development).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.engine.archive import RetiredIndex, add_marks
from bot.engine.config import EngineConfig
from bot.engine.termstats import Idf, Vector, dot, norm, top_terms, vector_sum
from bot.model import Citation

_INDEX_TERMS = 12  # heaviest terms per development / item used for candidate lookup
# whole-stream clustering probes wider: an item whose body is half outlet chrome may hold
# the words it shares with its event below its 12 heaviest terms (still a bounded lookup)
_STREAM_INDEX_TERMS = 24
# terms kept in a development's lead vector (a few headlines' and first sentences' words)
LEAD_TERMS = 60


@dataclass
class Cluster:
    """One development's running state."""

    number: int
    centroid: Vector  # sum of member unit vectors (capped)
    count: int
    first: datetime
    last: datetime
    headline: str
    sentences: list[Citation] = field(default_factory=list)  # summary candidates, cited
    index_terms: list[str] = field(default_factory=list)
    # whole-stream clustering: full names and place names of its items (term -> items)
    marks: dict[str, int] = field(default_factory=dict)
    # inside a story: the sum of its reports' lead vectors (headline and first sentence)
    lead: Vector = field(default_factory=dict)
    # inside a story: the sum of its reports' headline vectors, what a headline-only
    # item's lead (its headline alone) is compared with beside ``lead``
    headlines: Vector = field(default_factory=dict)

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "number": self.number,
            "centroid": self.centroid,
            "count": self.count,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "headline": self.headline,
            "sentences": [[c.sentence, c.source, c.url] for c in self.sentences],
        }
        if self.marks:
            state["marks"] = dict(self.marks)
        if self.lead:
            state["lead"] = dict(self.lead)
        if self.headlines:
            state["headlines"] = dict(self.headlines)
        return state

    @classmethod
    def from_state(cls, s: Mapping[str, Any]) -> Cluster:
        return cls(
            number=int(s["number"]),
            centroid={str(k): float(v) for k, v in s["centroid"].items()},
            count=int(s["count"]),
            first=datetime.fromisoformat(s["first"]),
            last=datetime.fromisoformat(s["last"]),
            headline=str(s["headline"]),
            sentences=[_citation(x) for x in s["sentences"]],
            marks={str(k): int(v) for k, v in s.get("marks", {}).items()},
            lead={str(k): float(v) for k, v in s.get("lead", {}).items()},
            headlines={str(k): float(v) for k, v in s.get("headlines", {}).items()},
        )


def _citation(value: Any) -> Citation:
    # snapshots from before citations kept bare sentences: their source is unknown
    if isinstance(value, str):
        return Citation(value, "")
    sentence, source, url = value
    return Citation(str(sentence), str(source), None if url is None else str(url))


def _silent_days(c: Cluster, when: datetime) -> float:
    """Days from a development's last report to ``when`` (0 for an earlier item)."""
    return max((when - c.last).total_seconds(), 0.0) / 86400.0


def _weighted(vec: Mapping[str, float], df: Idf, power: float = 1.0) -> Vector:
    return {t: v * max(df.idf(t), 0.0) ** power for t, v in vec.items()}


def _cosine(
    dw: Mapping[str, float],
    nd: float,
    c: Cluster,
    df: Idf,
    power: float,
    spread: Callable[[str], float] | None = None,
) -> float:
    """Cosine of a weighted item vector (norm ``nd``) and a development's centroid.

    ``spread``, when given, is a per-term factor also applied to the centroid (the item's
    weights already include it).
    """
    cw = _weighted(c.centroid, df, power)
    if spread is not None:
        cw = {t: v * spread(t) for t, v in cw.items()}
    nc = norm(cw)
    if nc == 0:
        return 0.0
    return sum(v * cw[t] for t, v in dw.items() if t in cw) / (nd * nc)


def _lead_cosine(dw: Mapping[str, float], nd: float, vec: Mapping[str, float], df: Idf) -> float:
    """Cosine of a weighted lead (norm ``nd``) and a development's lead or headline sum."""
    lw = _weighted(vec, df)
    nl = norm(lw)
    return dot(dw, lw) / (nd * nl) if nl else 0.0


class DevelopmentTracker:
    """Online clustering of a story's on-topic items into numbered developments."""

    def __init__(self, config: EngineConfig, within_story: bool = False) -> None:
        """Create an empty tracker.

        Args:
            config: Thresholds and caps.
            within_story: The tracker of one story, whose callers pass within-story
                weights (:class:`bot.engine.termstats.WithinStory`): joins at
                ``story_dev_join_threshold``, and compares each item with every active
                development instead of the candidates of the heavy-term index (a story
                has few developments and places only its on-topic items, so it can
                afford it; and its weights change with every report, which leaves index
                terms chosen earlier stale). Clustering a whole stream keeps the index.
        """
        self.config = config
        self.within_story = within_story
        self.join_threshold = (
            config.story_dev_join_threshold if within_story else config.dev_join_threshold
        )
        self.clusters: dict[int, Cluster] = {}  # active developments by number
        self.next_number = 0
        self._index: dict[str, set[int]] = {}
        # retired developments that may be revived (whole-stream clustering only)
        self.archive = RetiredIndex(
            0 if within_story else config.dev_archive_size, config.dev_archive_days
        )

    def open(
        self,
        unit: Mapping[str, float],
        when: datetime,
        headline: str,
        df: Idf,
        marks: Iterable[str] = (),
        lead: Mapping[str, float] | None = None,
        head: Mapping[str, float] | None = None,
    ) -> Cluster:
        """Open a new development from one item.

        Args:
            unit: The item's unit term vector.
            when: The item's time.
            headline: Headline of the development.
            df: Stream document frequencies (for index terms).
            marks: The item's marks (see :meth:`assign`).
            lead: Inside a story, the lead vector of the item (see :meth:`assign`), or
                the sum of the seeds' for development 0.
            head: Inside a story, the item's headline vector (the seeds' sum for
                development 0).

        Returns:
            The new development.
        """
        c = Cluster(
            self.next_number, top_terms(dict(unit), self.config.dev_terms), 1, when, when, headline
        )
        if not self.within_story:
            c.marks = add_marks({}, marks)
        elif lead:
            c.lead = top_terms(dict(lead), LEAD_TERMS)
        if self.within_story and head:
            c.headlines = top_terms(dict(head), LEAD_TERMS)

        self.next_number += 1
        self.clusters[c.number] = c
        self._reindex(c, df)
        self._retire()
        return c

    def best(
        self, unit: Mapping[str, float], tf: Mapping[str, float], when: datetime, df: Idf
    ) -> tuple[Cluster | None, float, float]:
        """Find the development an item is closest to.

        Args:
            unit: The item's unit term vector.
            tf: The item's term frequencies (for candidate lookup).
            when: The item's time.
            df: Stream document frequencies.

        Returns:
            ``(cluster, decayed_similarity, raw_similarity)``; cluster is None when no
            development shares a heavy term with the item (within a story: any term).
        """
        power = self.config.dev_idf_power
        dw = _weighted(unit, df, power)
        nd = norm(dw)
        if nd == 0:
            return None, 0.0, 0.0
        cands: set[int] = set()
        if self.within_story:
            cands.update(self.clusters)
        else:
            probe = sorted(dw.items(), key=lambda kv: (-kv[1], kv[0]))[:_STREAM_INDEX_TERMS]
            for t, _ in probe:
                cands.update(self._index.get(t, ()))
        return self._closest([self.clusters[n] for n in sorted(cands)], dw, nd, when, df)

    def _closest(
        self, cands: Iterable[Cluster], dw: Mapping[str, float], nd: float, when: datetime, df: Idf
    ) -> tuple[Cluster | None, float, float]:
        """The candidate with the highest decayed similarity to a weighted item vector."""
        best: tuple[Cluster | None, float, float] = (None, 0.0, 0.0)
        spread = self._spread()
        if spread is not None:
            dw = {t: v * spread(t) for t, v in dw.items()}
            nd = norm(dw)
            if nd == 0:
                return best
        for c in cands:
            raw = _cosine(dw, nd, c, df, self.config.dev_idf_power, spread)
            decayed = raw * self._pull(_silent_days(c, when))
            if decayed > best[1]:
                best = (c, decayed, raw)
        return best

    def _spread(self) -> Callable[[str], float] | None:
        """Whole-stream clustering: the per-term factor for words many developments share.

        A term weighs ``1 - dev_shared_discount * k / max_developments``, where ``k`` is
        how many active developments beyond the first have it among their heavy (index)
        terms: 1 for a word of one development only, near 0 (at full discount) for a word
        all of a full tracker's developments have. The share is of the tracker's capacity,
        not of the developments open so far: early in a stream, two of three developments
        sharing a word is no evidence that it is generic (dividing by the developments
        open so far split giveme5w1h events, headline-only F1 0.8447 -> 0.8382).
        None inside a story (its within-story weights already discount the story's common
        words) and when the discount is off.
        """
        discount = self.config.dev_shared_discount
        if self.within_story or discount <= 0 or len(self.clusters) < 2:
            return None
        index = self._index
        step = discount / self.config.max_developments

        def spread(t: str) -> float:
            return 1.0 - step * max(len(index.get(t, ())) - 1, 0)

        return spread

    def revivable(
        self, unit: Mapping[str, float], marks: Iterable[str], when: datetime, df: Idf
    ) -> tuple[Cluster | None, float, float]:
        """The retired development an item would revive, if any.

        Args:
            unit: The item's unit term vector.
            marks: The item's marks.
            when: The item's time.
            df: Stream document frequencies.

        Returns:
            ``(cluster, decayed_similarity, raw_similarity)`` of the closest archived
            development that shares at least ``dev_revive_marks`` marks with the item
            and whose decayed similarity reaches the join threshold; cluster is None
            when there is none.
        """
        marks = list(marks)
        if not len(self.archive) or not marks:
            return None, 0.0, 0.0
        dw = _weighted(unit, df, self.config.dev_idf_power)
        nd = norm(dw)
        if nd == 0:
            return None, 0.0, 0.0
        cands = self.archive.candidates(marks, when, self.config.dev_revive_marks)
        c, sim, raw = self._closest(cands, dw, nd, when, df)
        if c is None or sim < self.join_threshold:
            return None, 0.0, 0.0
        return c, sim, raw

    def _pull(self, gap_days: float) -> float:
        """Share of a development's pull left after ``gap_days`` of silence.

        Inside a story the pull halves every ``dev_half_life_days`` without end, so a
        late report about the same people opens a new turn. A whole stream is clustered
        into *events*, and a late follow-up (the trial, the victim named) is still the
        same event: the decay stops at ``dev_decay_floor``, so only a strong match (at
        least ``dev_join_threshold / dev_decay_floor``) rejoins a long-quiet event.
        """
        pull = math.pow(0.5, gap_days / self.config.dev_half_life_days)
        if self.within_story:
            return pull
        return max(pull, self.config.dev_decay_floor)

    def assign(
        self,
        unit: Mapping[str, float],
        tf: Mapping[str, float],
        when: datetime,
        headline: str,
        df: Idf,
        marks: Iterable[str] = (),
        lead: Mapping[str, float] | None = None,
        lead_df: Idf | None = None,
        head: Mapping[str, float] | None = None,
        headline_only: bool = False,
    ) -> tuple[Cluster, bool, dict[str, Any]]:
        """Put an item into its development: the closest one, a revived one, or a new one.

        Args:
            unit: The item's unit term vector.
            tf: The item's term frequencies.
            when: The item's time.
            headline: Headline for a new development.
            df: Stream document frequencies.
            marks: Whole-stream clustering: the item's full names and place names that
                its outlet does not print habitually
                (:meth:`bot.engine.outlets.OutletMemory.marks`); they let it revive a
                retired development. Ignored inside a story.
            lead: Inside a story, the item's lead: the unit vector of its headline and
                first sentence, what a news report puts first because it is what the report
                is about. An item that joins no development by its whole text joins the one
                whose reports' leads are closest to its own, if that cosine, faded with the
                development's silence, reaches ``story_dev_lead_threshold``: another
                outlet's report of an event retells it in its lead, while a new turn of the
                story leads with the turn and retells the story below (see
                :meth:`_by_lead`).
            lead_df: The weights leads are compared with (the stream's: the within-story
                weights discount the very words two leads of one event share).
            head: Inside a story, the unit vector of the item's headline, added to the
                development's headlines.
            headline_only: The item has no body, so its lead is its headline alone (see
                :meth:`_by_lead`).

        Returns:
            ``(cluster, is_new, reason)``; ``reason["revived"]`` is true when a retired
            development was revived; ``reason["lead"]`` (the development, the leads'
            cosine and the threshold) is set when the item joined by its lead, the rest
            of ``reason`` still telling the closest development by the whole text.
        """
        marks = list(marks)
        c, sim, raw = self.best(unit, tf, when, df)
        reason: dict[str, Any] = {
            "closest": c.number if c else None,
            "similarity": round(sim, 4),
            "similarity_undecayed": round(raw, 4),
            "join_threshold": self.join_threshold,
        }
        if c is not None and sim >= self.join_threshold:
            if self.within_story and lead and lead_df is not None:
                # how far its lead is from the development's, before it joins: a report
                # joining by its whole text whose lead the development's leads would not
                # take leads with something the development has not said (an alert's
                # "new:" fact, bot.alert_text.added_fact)
                reason["lead_similarity"] = round(
                    self._lead_similarity(c, lead, lead_df, headline_only), 4
                )
                reason["lead_threshold"] = self._lead_bar(headline_only)
            self.join(c, unit, when, df, marks, lead, head)
            return c, False, reason
        by_lead, lead_sim = self._by_lead(lead, lead_df, when, headline_only)
        if by_lead is not None:
            self.join(by_lead, unit, when, df, marks, lead, head)
            reason["lead"] = {
                "development": by_lead.number,
                "similarity": round(lead_sim, 4),
                "threshold": self._lead_bar(headline_only),
            }
            if headline_only:
                reason["lead"]["headline_only"] = True
            return by_lead, False, reason
        old, old_sim, old_raw = self.revivable(unit, marks, when, df)
        if old is not None:
            self.archive.pop(old.number)
            self.clusters[old.number] = old
            self.join(old, unit, when, df, marks)
            self._retire()
            reason.update(
                closest=old.number,
                similarity=round(old_sim, 4),
                similarity_undecayed=round(old_raw, 4),
                revived=True,
            )
            return old, False, reason
        return self.open(unit, when, headline, df, marks, lead, head), True, reason

    def _by_lead(
        self,
        lead: Mapping[str, float] | None,
        lead_df: Idf | None,
        when: datetime,
        headline_only: bool = False,
    ) -> tuple[Cluster | None, float]:
        """The development whose leads are closest to an item's lead, if close enough.

        The cosine fades with the development's silence as the whole text's similarity
        does (:meth:`_pull`): weeks later, a report that opens like the seeds (the trial
        after the shooting) is a new turn, not the seed story again.

        A headline-only item's lead is its headline alone: it is held to
        ``story_dev_headline_lead_threshold`` instead, and compared with each
        development's headlines as well as its leads (the closer of the two counts). A
        few words against leads that carry first sentences score lower than a lead of
        the same event would (full-text seeds followed on the labelled streams' headlines:
        reports of the seed event a median 0.22-0.34 against the seed story, other events'
        items 0.09-0.19; docs/engine.md).

        Returns ``(cluster, faded cosine)``; cluster is None when the rule is off
        (its threshold 0), outside a story, without a lead, or when no development's
        lead reaches the threshold.
        """
        bar = self._lead_bar(headline_only)
        if bar <= 0 or not self.within_story or not lead or lead_df is None:
            return None, 0.0
        dw = _weighted(lead, lead_df)
        nd = norm(dw)
        best: tuple[Cluster | None, float] = (None, 0.0)
        if nd == 0:
            return best
        for n in sorted(self.clusters):
            c = self.clusters[n]
            # a headline alone is compared with the development's headlines as well:
            # next to leads that carry first sentences it is a short text in a long one
            theirs = (c.lead, c.headlines) if headline_only else (c.lead,)
            sim = max(_lead_cosine(dw, nd, v, lead_df) for v in theirs)
            sim *= self._pull(_silent_days(c, when))
            if sim > best[1]:
                best = (c, sim)
        return best if best[1] >= bar else (None, 0.0)

    def _lead_similarity(
        self, c: Cluster, lead: Mapping[str, float], lead_df: Idf, headline_only: bool
    ) -> float:
        """The cosine of an item's lead and ``c``'s leads as :meth:`_by_lead` reads it,
        unfaded: what the development has said so far, however long ago."""
        dw = _weighted(lead, lead_df)
        nd = norm(dw)
        if nd == 0:
            return 0.0
        theirs = (c.lead, c.headlines) if headline_only else (c.lead,)
        return max(_lead_cosine(dw, nd, v, lead_df) for v in theirs)

    def _lead_bar(self, headline_only: bool) -> float:
        """The lead cosine an item needs to join a development (see :meth:`_by_lead`)."""
        if headline_only:
            return self.config.story_dev_headline_lead_threshold
        return self.config.story_dev_lead_threshold

    def join(
        self,
        c: Cluster,
        unit: Mapping[str, float],
        when: datetime,
        df: Idf,
        marks: Iterable[str] = (),
        lead: Mapping[str, float] | None = None,
        head: Mapping[str, float] | None = None,
    ) -> None:
        """Add an item to a development.

        Args:
            c: The development.
            unit: The item's unit term vector.
            when: The item's time.
            df: Stream document frequencies (for index terms).
            marks: The item's marks (see :meth:`assign`).
            lead: The item's lead vector (see :meth:`assign`), added to the
                development's.
            head: The item's headline vector, added to the development's headlines.
        """
        c.centroid = top_terms(vector_sum((c.centroid, unit)), self.config.dev_terms)
        c.count += 1
        c.last = max(c.last, when)
        if not self.within_story:
            c.marks = add_marks(c.marks, marks)
        elif lead:
            c.lead = top_terms(vector_sum((c.lead, lead)), LEAD_TERMS)
        if self.within_story and head:
            c.headlines = top_terms(vector_sum((c.headlines, head)), LEAD_TERMS)

        self._reindex(c, df)

    def _reindex(self, c: Cluster, df: Idf) -> None:
        for t in c.index_terms:
            ids = self._index.get(t)
            if ids is not None:
                ids.discard(c.number)
                if not ids:
                    del self._index[t]
        weighted = _weighted(c.centroid, df)
        k = _INDEX_TERMS if self.within_story else _STREAM_INDEX_TERMS
        c.index_terms = [
            t for t, _ in sorted(weighted.items(), key=lambda kv: (-kv[1], kv[0]))[: 2 * k]
        ]
        for t in c.index_terms:
            self._index.setdefault(t, set()).add(c.number)

    def _retire(self) -> None:
        while len(self.clusters) > self.config.max_developments:
            # the development quiet for longest retires; development 0 (the seed story)
            # only when nothing else is left to retire
            candidates = [c for c in self.clusters.values() if c.number != 0] or list(
                self.clusters.values()
            )
            old = min(candidates, key=lambda c: (c.last, c.number))
            for t in old.index_terms:
                ids = self._index.get(t)
                if ids is not None:
                    ids.discard(old.number)
                    if not ids:
                        del self._index[t]
            del self.clusters[old.number]
            self.archive.add(old)

    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable copy."""
        state: dict[str, Any] = {
            "next_number": self.next_number,
            "clusters": [c.to_state() for c in self.clusters.values()],
            "index_terms": {str(c.number): c.index_terms for c in self.clusters.values()},
        }
        if len(self.archive):
            state["retired"] = [c.to_state() for c in self.archive]
        return state

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], config: EngineConfig, within_story: bool = False
    ) -> DevelopmentTracker:
        """Restore from :meth:`to_state` output."""
        tr = cls(config, within_story)
        tr.next_number = int(state["next_number"])
        terms = state.get("index_terms", {})
        for s in state["clusters"]:
            c = Cluster.from_state(s)
            c.index_terms = list(terms.get(str(c.number), []))
            tr.clusters[c.number] = c
            for t in c.index_terms:
                tr._index.setdefault(t, set()).add(c.number)
        for s in state.get("retired", []):
            tr.archive.add(Cluster.from_state(s))
        return tr
