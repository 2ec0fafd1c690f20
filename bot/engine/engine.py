"""The story engine: the pure decision core of storybot.

It receives items and stories as plain data and returns decisions (:class:`Verdict`)
with their reasons; it does no I/O and reads no clock, and given the same inputs in the
same order it makes the same decisions. Each tracked story has its own bounded state
(:mod:`bot.engine.story_state`) that :meth:`Engine.snapshot` exports as JSON-able data
and :meth:`Engine.track` restores, so the service can persist it after every batch.

Besides the stories, the engine keeps the *stream statistics*: the document
frequencies of every item it reads (:meth:`Engine.judge` and :meth:`Engine.observe`),
one table that every tracked story weighs with (a story holds a reference, not a copy).
An item's terms are weighed once per stream state for all stories (the table's memo,
:meth:`bot.engine.termstats.DocFreq.memo`, serves each of them), and a story's snapshot
carries no table. An item is counted once, after every story has judged it, so its own
words never weigh its own score; except a syndicated copy of a tracked story's own report
or seed (a story found it in its copy index): twenty outlets running one wire report
are not evidence that the story's names are common, and counted, its later turns would
drift off-topic. (Each story used to keep a copy of the table and leave out the copies
of its own reports; now no story counts them. A copy index over every item read, not
only the stories' reports, was measured and left out more than it should: on
giveme5w1h headline-only, C_norm 0.055 -> 0.066, all of it new false alarms.)

A story tracked later starts from what the engine has read: a tracker that has never
seen the stream cannot tell a story's names from the words every news item uses, and its
first decisions would suffer. On the gva stream this warm start was worth more than any
other single choice (detection cost at the best threshold of an early configuration:
0.17 cold vs 0.09 warm). :meth:`Engine.background_state` exports the statistics so the
service can persist them too, and :meth:`Engine.restore_background` takes them back
after a restart or in a scale-out worker (without them, every story would weigh with a
cold table).

Cold start (a story added to an engine that has read nothing, which is what every user
hits right after ``storybot story add`` on a fresh service) has two safety nets: the IDF
starts from a general-language prior (:mod:`bot.engine.prior`), and the story's seeds
are counted as the first documents of the stream, so the words every seed uses weigh
less than what sets the story apart. On the demo sample, with neither, a Pentagon budget
report and an AWS report naming Anthropic once were taken as on-topic (scores 0.12 and
0.16 against a threshold of 0.1); with both they score 0.04 and 0.06 while every real
report of the story scores 0.14 or more.

The engine also keeps a bounded, stream-wide copy index (:meth:`Engine.first_report`):
which earlier item, whatever story it belongs to, first carried a text that several
outlets print. The service sends one keyword notice per text, not one per outlet. It
does not take part in any story's decisions.

Dense sentence embeddings are an optional extra signal (:mod:`bot.engine.semantic`):
given an :class:`bot.ports.Embedder`, the engine embeds every story's seeds and every
item it judges, and mixes the item's closeness to the seeds into the on-topic test.
Without one (the default install has no model) nothing changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from bot.engine.analysis import Analysis, analyse, term_set
from bot.engine.config import EngineConfig
from bot.engine.dedup import CopyIndex, Fingerprint, FirstReports
from bot.engine.rivals import hold_back_for_others
from bot.engine.semantic import Dense, as_unit, embedding_text
from bot.engine.story_state import StoryState
from bot.engine.termstats import DocFreq
from bot.engine.types import Amendment, EngineDoc, Verdict
from bot.model import Story
from bot.ports import DevelopmentWrite, Embedder

# the key that marks stream statistics holding seeds only (see Engine.background_state)
SEEDS_ONLY = "seeds_only"


class Engine:
    """Relevance, copies, developments and summaries for every tracked story."""

    def __init__(
        self,
        config: EngineConfig | None = None,
        background: Mapping[str, Any] | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        """Create an engine.

        Args:
            config: Thresholds; the service defaults when None.
            background: Stream statistics from :meth:`background_state` of an engine
                that has already read part of the stream (optional warm start).
            embedder: A sentence-embedding model, to use dense embeddings as an extra
                relevance signal; None decides on term statistics alone.
        """
        self.config = config or EngineConfig()
        self.embedder = embedder
        self._stories: dict[int, StoryState] = {}
        # the one stream table every story weighs with (see the module docstring)
        self._stream = DocFreq(self.config.max_vocab, self.config.idf_prior_docs)
        # whether the table holds any stream item (read here or in saved statistics); until
        # then it holds at most the seeds of the stories tracked so far
        self._has_read = False
        if background is not None:
            self._take_background(background)
        stream = dataclasses.replace(self.config, copy_index_cap=self.config.stream_copy_cap)
        self._first_reports = FirstReports(CopyIndex.from_config(stream))

    def track(self, story: Story, state: Mapping[str, Any] | None = None) -> None:
        """Start tracking a story, from its seeds or from a snapshot.

        A new story weighs with the stream statistics of everything read so far. Its
        seeds are counted in them only while the engine has read no item yet (an engine
        that has read the stream holds them already, or the items they were taken
        from): every story tracked before the first item, as a fresh service does when
        it starts, counts its seeds, and all of them weigh with the seeds of each; a
        seed that copies another story's seed is not counted again.

        A snapshot written before the stream table was shared carries the story's own
        table (``"df"``). It is ignored, except by an engine that has read no item and
        been given no statistics: there it becomes the stream table, a better start
        than a cold one.

        Args:
            story: The story.
            state: A snapshot from :meth:`snapshot`; None builds the state from the seeds.

        Raises:
            ValueError: If ``state`` is not a snapshot this engine understands.
        """
        stream = self._stream
        if state is None:
            st = StoryState(story, self.config, stream)
            st.build(count_seeds=not self._has_read, counted=self._copies_a_seed)
            if self.embedder is not None:
                st.embed_seeds(self.embedder)
        else:
            old_table = state.get("df")
            if old_table is not None and not self._has_read:
                self._take_background(old_table)
            st = StoryState.from_state(story, self.config, state, self.embedder, stream)
        self._stories[story.id] = st

    def _copies_a_seed(self, fp: Fingerprint) -> bool:
        # at a cold start a story's copy index holds its seeds only
        return any(st.copies.find(fp) is not None for st in self._stories.values())

    def untrack(self, story_id: int) -> None:
        """Stop tracking a story (unknown ids are ignored)."""
        self._stories.pop(story_id, None)

    def tracked(self) -> list[int]:
        """Ids of the tracked stories, in the order they were tracked."""
        return list(self._stories)

    def analyse(self, doc: EngineDoc) -> Analysis:
        """The story-independent analysis of an item (computed once per item)."""
        return analyse(doc.title, doc.text, doc.url, self.config)

    def embed(self, docs: Sequence[EngineDoc]) -> list[Dense | None]:
        """The unit embeddings :meth:`judge` uses, for a batch of items at once.

        Models are much faster on batches than one text at a time, so callers that
        judge many items embed them first. Without an embedder, or with no story to
        judge for, there is nothing to compute and every entry is None.
        """
        if self.embedder is None or not self._stories or not docs:
            return [None] * len(docs)
        vectors = self.embedder.embed([embedding_text(d.title, d.text) for d in docs])
        return [as_unit(v) for v in vectors]

    def judge(
        self,
        doc: EngineDoc,
        analysis: Analysis | None = None,
        embedding: Dense | None = None,
        *,
        read: bool = False,
    ) -> list[Verdict]:
        """Decide on one item for every tracked story, updating their states.

        Args:
            doc: The item.
            analysis: Its analysis, if already computed by :meth:`analyse` with this
                engine's configuration (the evaluation harness shares it across
                targets); computed here otherwise.
            embedding: Its embedding from :meth:`embed`, if already computed; computed
                here otherwise when the engine has an embedder.
            read: The stream statistics count the item already (:meth:`observe` read it
                while no story was tracked, and a feed lists it again): the stories judge
                it, the statistics do not count it a second time.

        Returns:
            One verdict per tracked story, in :meth:`tracked` order.
        """
        a = analysis if analysis is not None else self.analyse(doc)
        if embedding is None and self.embedder is not None:
            embedding = self.embed([doc])[0]
        readings = [st.assess(doc, a, embedding) for st in self._stories.values()]
        # an item another followed story reads far better is that story's (bot.engine.rivals)
        hold_back_for_others(readings, self.config.other_story_ratio)
        verdicts = [st.commit(p) for st, p in zip(self._stories.values(), readings, strict=True)]
        # counted after every story has judged it (its words never weigh its own score),
        # unless it copies a story's own report or seed (see the module docstring)
        self._has_read = True
        if not read and not any(_is_copy(v) for v in verdicts):
            self._stream.add(a.tf.keys())
        return verdicts

    def judge_again(
        self,
        story_id: int,
        doc: EngineDoc,
        analysis: Analysis | None = None,
        embedding: Dense | None = None,
    ) -> Verdict | None:
        """Decide again on an item a story judged off-topic, whose text has changed since.

        Only that story judges it (the others keep their judgements) and nothing counts
        it a second time: the stream statistics, the story's own and the story's off-topic
        background hold its earlier version already. Taken now, it is a new report of
        the story (a development, the copy index, the profile).

        Args:
            story_id: The story that judged it off-topic.
            doc: The item's new version.
            analysis: Its analysis, if already computed by :meth:`analyse`.
            embedding: Its embedding from :meth:`embed`, if already computed.

        Returns:
            The verdict, or None if the story is not tracked.
        """
        st = self._stories.get(story_id)
        if st is None:
            return None
        a = analysis if analysis is not None else self.analyse(doc)
        if embedding is None and self.embedder is not None:
            embedding = self.embed([doc])[0]
        return st.judge(doc, a, embedding, again=True)

    def amend(
        self, story_id: int, number: int, doc: EngineDoc, sentences: Sequence[str]
    ) -> Amendment | None:
        """Add an on-topic report's new sentences (an update in place) to its development.

        See :meth:`bot.engine.story_state.StoryState.amend`: the summary is computed
        again; the report is not counted again anywhere. Returns the development write
        and the sentences that went in, or None (story not tracked, development
        retired, nothing added).
        """
        st = self._stories.get(story_id)
        return st.amend(number, doc, sentences) if st is not None else None

    def first_report(self, doc: EngineDoc, analysis: Analysis | None = None) -> int:
        """The recent item that first carried ``doc``'s text (``doc.id`` if it is the first).

        Syndicated copies (the same wire report in several outlets) are found with the
        stories' copy detection (:class:`bot.engine.dedup.CopyIndex`), over the last
        ``stream_copy_cap`` items given here, on- or off-topic for any story. The item is
        remembered; asked again, the answer is the same while it is remembered. Stories'
        states and decisions are not touched.

        Args:
            doc: The item.
            analysis: Its analysis from :meth:`analyse`, if already computed.

        Returns:
            The id of the first report of the item's text.
        """
        fp = analysis.fp if analysis is not None else self.analyse(doc).fp
        return self._first_reports.first_report(doc.id, fp)

    def observe(self, doc: EngineDoc, analysis: Analysis | None = None) -> None:
        """Read an item only to learn the stream's term statistics (no decision).

        Stories tracked later start from these statistics, so their first decisions
        already know which words every item uses. Counted as :meth:`judge` counts an
        item while no story is tracked (the evaluation's reader engine, the service's
        backlog before its first story): every item. With stories tracked (a backlog
        read after a restart, or by a scale-out worker), an observed item is counted
        even if a story would have found it a copy of its own report: only judging
        tells.

        Args:
            doc: The item.
            analysis: Its analysis, if already computed.
        """
        self._has_read = True
        if analysis is not None:
            self._stream.add(analysis.tf.keys())
        else:  # counting needs the terms only, not the fingerprint and vectors
            self._stream.add(term_set(doc.title, doc.text, self.config, doc.url))

    def restore_background(self, state: Mapping[str, Any]) -> bool:
        """Take saved stream statistics back, if this engine has read nothing yet.

        Args:
            state: Output of :meth:`background_state` of an earlier engine.

        Returns:
            Whether they were taken (an engine that has read items keeps its own). The
            tracked stories weigh with them from now on (the table is replaced in place,
            seeds counted at a cold start with it).
        """
        if self._has_read:
            return False
        self._take_background(state)
        return True

    def _take_background(self, state: Mapping[str, Any]) -> None:
        # in place: the tracked stories hold the table (seeds counted at a cold start
        # are replaced too: the statistics of a stream hold them, or what they came from)
        self._stream.load(state)
        self._has_read = self._stream.n_docs > 0 and not state.get(SEEDS_ONLY, False)

    def background_state(self) -> dict[str, Any]:
        """JSON-serialisable stream statistics (see the ``background`` argument).

        Statistics that hold the seeds of the stories tracked so far and no stream item
        say so (``SEEDS_ONLY``): an engine that takes them back has still read nothing,
        and counts the seeds of a story it tracks next, as this one would (see
        :meth:`track`).
        """
        state = self._stream.to_state()
        if not self._has_read and self._stream.n_docs:
            state[SEEDS_ONLY] = True
        return state

    def teach(
        self,
        story_id: int,
        doc: EngineDoc,
        on_topic: bool | None,
        analysis: Analysis | None = None,
    ) -> bool:
        """Record what an admin said about a report of a story (``/story wrong``).

        True: it is part of the story (it counts as a seed from now on); False: it is
        not (later items that read much more like it than like the story are held back);
        None withdraws an earlier correction of it. The same label again changes
        nothing. The report's own decision is not changed, and the stream statistics
        are not touched (the report was counted when it was read). See
        :mod:`bot.engine.corrections`.

        Args:
            story_id: The story.
            doc: The report.
            on_topic: What the admin said, or None to withdraw it.
            analysis: Its analysis, if computed already.

        Returns:
            Whether the story's state changed (then its snapshot is to be saved).

        Raises:
            KeyError: If the story is not tracked.
        """
        state = self._stories[story_id]
        return state.teach(doc, analysis or self.analyse(doc), on_topic)

    def corrections(self, story_id: int) -> dict[int, bool]:
        """The corrections a story's state holds: item id -> part of the story or not.

        Raises:
            KeyError: If the story is not tracked.
        """
        return dict(self._stories[story_id].corrections.labels)

    def snapshot(self, story_id: int) -> dict[str, Any]:
        """A JSON-serialisable snapshot of a story's state.

        Raises:
            KeyError: If the story is not tracked.
        """
        return self._stories[story_id].to_state()

    def seed_development(self, story_id: int) -> DevelopmentWrite:
        """Development 0: the seed story's headline and summary.

        Raises:
            KeyError: If the story is not tracked.
        """
        return self._stories[story_id].seed_development()


def _is_copy(verdict: Verdict) -> bool:
    """Whether the story found the item a copy of its own on-topic report or seed."""
    return "copy" in verdict.judgement.reason
