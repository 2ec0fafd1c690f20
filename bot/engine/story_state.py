"""Everything the engine remembers about one tracked story, and how it decides.

The state has four parts, each bounded so the snapshot stays small however long the
story runs: the story's own document frequencies over its seeds and on-topic reports
(capped; they weigh developments, see :mod:`bot.engine.developments`), the relevance
profile (capped terms), the copy index (last ``copy_index_cap`` on-topic items) and the
development tracker (last ``max_developments`` active developments, each with a capped
centroid and sentence pool). Terms are weighed with the stream's document frequencies,
``df``: a reference to the engine's one table (see :mod:`bot.engine.engine`), shared
by every story and not part of the snapshot.

Per item the order is: score relevance against the profile; look the item up in the
copy index (a copy of an on-topic item is on-topic and joins its original's
development); place an on-topic item in a development and refresh that development's
summary; absorb very confident items into the profile. The engine counts the item in
the stream's document frequencies after every story has judged it, so its own words
never influence its own score.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.engine.ages import StoryAges, child_ages
from bot.engine.analysis import Analysis, analyse, has_body, item_time, lead_vector
from bot.engine.calibration import OffTopicBackground
from bot.engine.config import EngineConfig
from bot.engine.corrections import Corrections
from bot.engine.dedup import CopyIndex, Fingerprint
from bot.engine.developments import LEAD_TERMS, Cluster, DevelopmentTracker
from bot.engine.outlet_labels import strip_outlet_suffix
from bot.engine.relevance import Match, Profile, mean_vector
from bot.engine.semantic import Dense, SeedVectors, best_match, embedding_text
from bot.engine.sentences import split_run_ons, split_sentences
from bot.engine.summary import (
    LEAD_SENTENCES,
    candidate_sentences,
    citable,
    least_central,
    summarise,
    summary_text,
    without_furniture,
    without_opener,
)
from bot.engine.termstats import DocFreq, Vector, WithinStory, top_terms, unit, vector_sum
from bot.engine.types import Amendment, EngineDoc, Verdict
from bot.model import Citation, Judgement, Story
from bot.ports import DevelopmentWrite, Embedder

STATE_VERSION = 1


def _headline_match(whole: Match, headlines: Match) -> Match:
    # Headline text is compared with the story's headlines as well as with its whole
    # profile (see relevance) and scores the mean: a full-text profile spreads its weight
    # over body terms no headline holds, the story's headlines name it the way a headline
    # does. With headline-only seeds both are the same vectors and the mean is either.
    return Match(
        (whole.score + headlines.score) / 2,
        headlines.matched or whole.matched,
        (whole.support + headlines.support) / 2,
    )


@dataclass
class Assessment:
    """One story's reading of an item (:meth:`StoryState.assess`), not yet committed.

    ``score`` is the relevance score (the headline channel's mean for a headline-only
    item), ``decisive`` what is held to ``threshold`` (the score, with the embedding's
    reading mixed in when there is one), ``copy`` the story's own report or seed the item
    copies (``(id, resemblance, how)``), and ``on_topic`` the verdict so far.
    """

    doc: EngineDoc
    a: Analysis
    again: bool
    story_id: int
    on_topic: bool
    score: float
    decisive: float
    threshold: float
    reason: dict[str, Any]
    copy: tuple[int, float, str] | None

    @property
    def margin(self) -> float:
        """How far the item clears (or misses) the story's bar: decisive / threshold."""
        return self.decisive / self.threshold if self.threshold > 0 else 0.0


class StoryState:
    """One story's engine state and decision procedure."""

    def __init__(self, story: Story, config: EngineConfig, df: DocFreq | None = None) -> None:
        """A story's empty state.

        Args:
            story: The story.
            config: The engine configuration.
            df: The stream's document frequencies the story weighs with (the engine's
                shared table; the state only reads it); a table of its own when None.
        """
        self.story = story
        self.config = config
        self.df = df if df is not None else DocFreq(config.max_vocab, config.idf_prior_docs)
        # seeds and on-topic reports only: what the story's own reports share
        self.story_df = DocFreq(config.max_vocab, 0.0)
        self.profile = Profile(config)
        self.copies = CopyIndex.from_config(config)
        self.copy_dev: OrderedDict[int, int] = OrderedDict()
        self.devs = DevelopmentTracker(config, within_story=True)
        self.n_judged = 0
        self.background = OffTopicBackground(
            config.background_sigmas, config.background_min_items, config.background_window
        )
        self.seed_vectors: SeedVectors | None = None  # only with an embedder
        self.corrections = Corrections(config)  # what admins said (/story wrong)
        # the children's ages the story's seeds' and reports' headlines name
        # (EngineConfig.age_zone)
        self.ages = StoryAges()
        # no seed has a body: headline-only items are compared with headlines alone
        self.seeds_are_headlines = not any(has_body(s.text) for s in story.seeds)
        # an item with a body is on-topic from this score: lower for a story whose
        # profile is one article, whose cosines run lower than a centroid's
        # (EngineConfig.one_seed_scale)
        self.one_seed = (
            len(story.seeds) == 1 and not self.seeds_are_headlines and config.one_seed_scale < 1
        )
        self.body_threshold = config.on_topic_threshold * (
            config.one_seed_scale if self.one_seed else 1.0
        )

    def embed_seeds(self, embedder: Embedder) -> None:
        """Compute the seeds' embeddings (the story title when it has no seeds)."""
        texts = [embedding_text(s.title, s.text) for s in self.story.seeds]
        if not texts:
            texts = [embedding_text(self.story.title, "")]
        self.seed_vectors = SeedVectors(embedder.name, embedder.embed(texts))

    # ------------------------------------------------------------------ building

    def build(
        self, count_seeds: bool = False, counted: Callable[[Fingerprint], bool] | None = None
    ) -> None:
        """Build a fresh state from the story's seed articles.

        Args:
            count_seeds: Count the seeds in the stream's document frequencies (the
                shared table: the other stories weigh with them too). Only right for an
                engine that has read nothing yet: an engine that has read the stream
                holds the seeds already (or the items they were taken from), and
                counting them again makes the story's own words look common.
            counted: Tells a seed counted already, as another story's seed (it copies
                one): not counted again, as a copy of a report is not.
        """
        seeds = [analyse(s.title, s.text, s.url, self.config) for s in self.story.seeds]
        if not seeds:
            seeds = [analyse(self.story.title, "", None, self.config)]
        if count_seeds:
            # With no stream read, the seeds are all the evidence there is of which words
            # every report of this story uses: without them "Pentagon" and "defense" weigh
            # like "Anthropic", and a Pentagon budget report sharing them looks on-topic.
            for a in seeds:
                if counted is None or not counted(a.fp):
                    self.df.add(a.tf.keys())
        for a in seeds:
            self.story_df.add(a.tf.keys())
        self.ages = StoryAges(set().union(*(a.ages for a in seeds)))
        ents = set().union(*(a.entities for a in seeds))
        self.profile.build([a.unit for a in seeds], ents, [unit(a.title_tf) for a in seeds])
        times = self._seed_times()
        when = max(times) if times else self.story.created_at
        c = self.devs.open(
            mean_vector(a.unit for a in seeds),
            when,
            self.story.title,
            self._dev_weights(),
            lead=self._seed_leads(),
            head=self._seed_headlines(),
        )
        for s in self.story.seeds:
            self._add_sentences(c, candidate_sentences(s.title, s.text), "seed", s.url)
        for i, a in enumerate(seeds):
            # seeds are indexed under negative ids: a copy of a seed is the seed story
            self.copies.add(-(i + 1), a.fp)
            self._remember_copy_dev(-(i + 1), 0)

    def _seed_headlines(self) -> Vector:
        """The sum of the seeds' headline vectors (the story's title when it has no
        seeds): development 0's headlines."""
        titles = [s.title for s in self.story.seeds] or [self.story.title]
        return vector_sum([lead_vector(t, "") for t in titles])

    def _seed_leads(self) -> Vector:
        """The sum of the seeds' lead vectors (the story's title when it has no seeds):
        development 0's lead."""
        leads = [lead_vector(s.title, s.text) for s in self.story.seeds]
        return vector_sum(leads or [lead_vector(self.story.title, "")])

    def _seed_times(self) -> list[datetime]:
        return [s.published for s in self.story.seeds if s.published is not None]

    @property
    def began(self) -> datetime:
        """When the story began: its earliest dated seed, else when it was added."""
        return self.story.began

    def _background_to(self, doc: EngineDoc) -> Cluster | None:
        """The seed story (development 0) if ``doc`` was published well before the story
        began (``background_before_days``), else None. Undated items are never background."""
        if doc.published is None:
            return None
        try:
            cutoff = self.began - timedelta(days=self.config.background_before_days)
        except OverflowError:
            # a seed dated in the first days of year 1 (a zero date, 0001-01-01, in a
            # text seed's date line): nothing is published before a date that early
            return None
        if doc.published >= cutoff:
            return None
        return self.devs.clusters.get(0)  # None once it has retired: judged as any item

    def _dev_weights(self) -> WithinStory:
        return WithinStory(self.df, self.story_df)

    def _add_sentences(
        self, c: Cluster, sentences: list[str], source: str, url: str | None
    ) -> None:
        room = self.config.summary_pool - len(c.sentences)
        if room > 0:
            c.sentences.extend(Citation(s, source, url) for s in sentences[:room])

    def _remember_copy_dev(self, item_id: int, number: int) -> None:
        self.copy_dev[item_id] = number
        while len(self.copy_dev) > self.config.copy_index_cap + len(self.story.seeds):
            self.copy_dev.popitem(last=False)

    # ------------------------------------------------------------------ deciding

    def judge(
        self, doc: EngineDoc, a: Analysis, embedding: Dense | None = None, *, again: bool = False
    ) -> Verdict:
        """Decide on one item and update the state.

        Args:
            doc: The item.
            a: Its analysis (see :func:`bot.engine.analysis.analyse`).
            embedding: The item's unit embedding (:func:`bot.engine.semantic.as_unit`),
                when the engine has an embedder; mixed into the on-topic test.
            again: The item was judged before (off-topic) and has changed since: its
                earlier version is counted in the off-topic background already, so it is
                not counted again. Taken now, it is a new report of the story in every
                other way.

        The stream's document frequencies are not touched: the engine counts the item
        once, after every story has judged it, unless a story found it a copy of its own
        report or seed (``reason["copy"]``; see :mod:`bot.engine.engine`).

        Returns:
            The verdict.
        """
        return self.commit(self.assess(doc, a, embedding, again=again))

    def assess(
        self, doc: EngineDoc, a: Analysis, embedding: Dense | None = None, *, again: bool = False
    ) -> Assessment:
        """The story's reading of an item, before anything is decided for good.

        Nothing of the state changes (:meth:`commit` makes the decision and updates the
        state), so the engine can weigh every story's reading of the item before any of
        them takes it (see :mod:`bot.engine.rivals`). Arguments as :meth:`judge`'s.
        """
        cfg = self.config
        scorer = self.profile.cached_scorer(self.df)
        m = scorer.score(a.tf, a.entities)
        reason: dict[str, Any] = {}
        if a.headline_only:
            h = self.profile.cached_scorer(self.df, headlines=True).score(a.tf, a.entities)
            reason["profile_score"] = round(m.score, 4)
            reason["headlines_score"] = round(h.score, 4)
            m = _headline_match(m, h)
        score = m.score
        reason.update(matched_terms=m.matched, headline_only=a.headline_only)
        embedded = embedding is not None and self.seed_vectors is not None
        # a headline is a few words: its cosine to a full profile runs lower
        # headlines judged against headline seeds clear a higher bar (chance matches on
        # generic words), unless an embedding reads them too: it tells those apart already
        headline_bar = (
            cfg.headline_seed_threshold
            if self.seeds_are_headlines and not embedded
            else cfg.headline_threshold
        )
        threshold = headline_bar if a.headline_only else self.body_threshold
        # one shared name is not a story: part of the score must come from other terms
        # (a headline has too few words to ask that of it)
        supported = a.headline_only or m.support >= cfg.min_support * threshold
        decisive = score
        if embedded:
            assert embedding is not None and self.seed_vectors is not None  # for mypy
            sim, seed = best_match(embedding, self.seed_vectors.units)
            # a headline's few words are weaker evidence than a body's: the model's
            # reading of it counts for more
            weight = cfg.embed_headline_weight if a.headline_only else cfg.embed_weight
            decisive = score + weight * (sim - cfg.embed_center)
            reason["embedding"] = {
                "similarity": round(sim, 4),
                "seed": seed,
                "combined": round(decisive, 4),
            }
        on_topic = decisive >= threshold and supported
        reason["support"] = round(m.support, 4)
        if not a.headline_only:
            # a relevant headline over a junk body (paywall page, scraped video list) is
            # still the story: the headline has its own channel
            t = _headline_match(
                scorer.score(a.title_tf, a.entities),
                self.profile.cached_scorer(self.df, headlines=True).score(a.title_tf, a.entities),
            )
            reason["headline_score"] = round(t.score, 4)
            reason["headline_threshold"] = cfg.title_channel_threshold
            if not on_topic and t.score >= cfg.title_channel_threshold:
                on_topic = True
                reason["by_headline"] = True
            elif (
                not on_topic
                and supported
                and cfg.headline_rescue > 0
                and t.score >= cfg.headline_rescue
                and decisive >= cfg.rescue_zone * threshold
            ):
                # a text that nearly passes under a headline that names the story: a
                # report in other words than the seeds' (see EngineConfig.rescue_zone)
                on_topic = True
                reason["rescued"] = {
                    "text_from": round(cfg.rescue_zone * threshold, 4),
                    "headline_from": cfg.headline_rescue,
                }
            elif (
                on_topic
                and a.title_tf
                and decisive < cfg.corroboration_zone * threshold
                and t.score < cfg.headline_corroboration
            ):
                # a body that only just passes under a headline about something else is
                # a neighbouring story of the same kind (another launch, another flight)
                on_topic = False
                reason["uncorroborated"] = True
        copy = self.copies.find(a.fp)
        if (
            on_topic
            and copy is None
            and cfg.age_zone > 0
            and a.headline_only
            and a.ages
            and self.ages.all
            and a.ages.isdisjoint(self.ages.all)
            and decisive < cfg.age_zone * threshold
        ):
            # a headline, all there is of the item, about another child: a report of
            # the same kind of news (see bot.engine.ages); one that scores far above the
            # bar keeps its place (an age the news corrected). An item with a body is
            # judged on it: it names the town and the people
            on_topic = False
            reason["other_ages"] = {"item": sorted(a.ages), "story": sorted(self.ages.all)}
        bar = self.background.bar(a.headline_only)
        if (
            on_topic
            and bar is not None
            and score < bar
            and copy is None
            and not reason.get("by_headline")
        ):
            # it clears the fixed threshold but its words do not stand out from this
            # story's off-topic noise (see bot.engine.calibration); a copy is the story
            # whatever it scores, and a headline that alone names the story is not held
            # to its body's score
            on_topic = False
            reason["below_background"] = {
                "bar": round(bar, 4),
                **self.background.describe(a.headline_only),
            }
        if on_topic and copy is None and self.corrections:
            # it reads more like a report an admin said is not the story than like the
            # story (see bot.engine.corrections)
            held = self.corrections.held_back_by(a, score, self.df)
            if held is not None:
                on_topic = False
                reason["held_back"] = held
        reason["score"] = round(score, 4)
        reason["threshold"] = round(threshold, 4)
        if self.one_seed and not a.headline_only:
            reason["one_seed"] = True
        return Assessment(
            doc, a, again, self.story.id, on_topic, score, decisive, threshold, reason, copy
        )

    def commit(self, p: Assessment) -> Verdict:
        """Decide on an item as :meth:`assess` read it (and the engine may have amended
        that reading: ``p.on_topic``) and update the state.

        Returns:
            The verdict.
        """
        cfg = self.config
        doc, a, reason, copy = p.doc, p.a, p.reason, p.copy
        on_topic, score, again = p.on_topic, p.score, p.again
        if not again:
            self.n_judged += 1
        duplicate_of: int | None = None
        development: DevelopmentWrite | None = None
        dev_number: int | None = None
        new_dev = False
        when = item_time(doc.published, doc.seen_at)
        c: Cluster | None = None
        if copy is not None:
            orig, resemblance, how = copy
            reason["copy"] = {"of": orig, "resemblance": round(resemblance, 3), "by": how}
            if orig < 0:
                reason["copy"]["of_seed"] = -orig - 1
            else:
                duplicate_of = orig
            on_topic = True
            # a copy joins its original's development (unless that one has retired)
            number = self.copy_dev.get(orig)
            c = self.devs.clusters.get(number) if number is not None else None
        if on_topic and c is None and (seed_story := self._background_to(doc)) is not None:
            # published well before the story began: background to it, not news
            c = seed_story
            self.devs.join(c, a.unit, when, self._dev_weights())
            reason["development"] = {"closest": 0, "before_story": self.began.isoformat()}
            self._add_sentences(c, candidate_sentences(doc.title, doc.text), doc.source, doc.url)
        if on_topic and c is None:
            headline = strip_outlet_suffix(doc.title) or doc.title
            c, new_dev, dev_reason = self.devs.assign(
                a.unit,
                a.tf,
                when,
                headline,
                self._dev_weights(),
                lead=lead_vector(doc.title, doc.text),
                lead_df=self.df,
                head=lead_vector(doc.title, ""),
                headline_only=a.headline_only,
            )
            reason["development"] = dev_reason
            self._add_sentences(c, candidate_sentences(doc.title, doc.text), doc.source, doc.url)
        if c is not None:
            dev_number = c.number
            cited = self._summary(c)
            development = DevelopmentWrite(
                self.story.id, c.number, c.headline, summary_text(cited), (doc.id,), cited
            )
        if on_topic and score >= cfg.adapt_threshold and copy is None:
            self.profile.adapt(a.unit, a.entities, unit(a.title_tf))
            reason["adapted"] = True
        if on_topic:
            if copy is None:
                self.story_df.add(a.tf.keys())
            if doc.id not in self.copies:  # not counted yet (an update is judged again)
                self.ages.add(a.ages)
            self.copies.add(doc.id, a.fp)
            if dev_number is not None:
                self._remember_copy_dev(doc.id, dev_number)
        if not on_topic and not again and "other_story" not in reason:
            # after judging: no self-influence; an item left to another story that reads
            # it far better is that story's report, not this story's unrelated noise
            # (counted, the sibling's reports raised this story's bar over its own)
            self.background.add(score, a.headline_only)
        judgement = Judgement(
            story_id=self.story.id,
            item_id=doc.id,
            on_topic=on_topic,
            score=round(score, 6),
            duplicate_of=duplicate_of,
            development=dev_number if on_topic else None,
            new_development=new_dev,
            reason=reason,
        )
        return Verdict(judgement, development)

    def teach(self, doc: EngineDoc, a: Analysis, on_topic: bool | None) -> bool:
        """Record what an admin said about one report; None withdraws it.

        A report said not to be part of the story is held back from then on as an
        example (:class:`Corrections`) and is no longer one of the story's reports for
        finding copies (withdrawn, a report the story had taken is again); one said to be
        part of it counts as a seed of the profile and its copies are the story. Its own
        decision stands as it was made.

        Args:
            doc: The report.
            a: Its analysis.
            on_topic: True (part of the story), False (not part of it), None (withdraw).

        Returns:
            Whether anything changed (the same label again changes nothing).
        """
        earlier = self.corrections.labels.get(doc.id)
        if on_topic is not None and earlier is on_topic:
            return False
        # its ages are the story's while it is one of the story's reports (taken or taught)
        held = doc.id in self.copies
        # taken by the story's own judgement (not by an earlier "part of the story")
        self._teach(doc, a, on_topic, earlier, held and earlier is not True)
        if held and doc.id not in self.copies:
            self.ages.remove(a.ages)
        elif doc.id in self.copies and not held:
            self.ages.add(a.ages)
        return on_topic is not None or earlier is not None

    def _teach(
        self,
        doc: EngineDoc,
        a: Analysis,
        on_topic: bool | None,
        earlier: bool | None,
        taken: bool,
    ) -> None:
        """:meth:`teach`'s changes to the corrections, the profile and the copy index;
        ``taken``: the story took the report by its own judgement (it is in the copy
        index, not by an earlier correction)."""
        if earlier is not None:
            was_taken = doc.id in self.corrections.taken
            self.corrections.forget(doc.id)
            if earlier:
                self.profile.forget_taught(doc.id)
                self.copies.discard(doc.id)
            elif was_taken and on_topic is None:
                # "not the story" withdrawn from a report the story took: its report again
                self.copies.add(doc.id, a.fp)
        if on_topic is None:
            return
        if on_topic:
            self.corrections.take(doc.id)
            self.profile.teach(doc.id, a.unit, unit(a.title_tf or a.tf), a.entities)
            self.copies.add(doc.id, a.fp)
        else:
            self.corrections.hold_back(doc.id, a, taken=taken)
            self.copies.discard(doc.id)

    def amend(self, number: int, doc: EngineDoc, sentences: Sequence[str]) -> Amendment | None:
        """Add what an updated report now says to the development it is in.

        The report was judged on-topic before and sits in development ``number``; its
        outlet has since added ``sentences`` (see :mod:`bot.revision`). The first few of
        them fit for a summary (as many as a report brings, ``LEAD_SENTENCES``) join the
        development's sentence pool, cited to the report, and the summary is computed
        again. Nothing else changes: the report was counted already (document
        frequencies, profile, copy index, centroid), so it is not again. A
        headline-only report's new headline is its new sentence.

        The pool stays within ``summary_pool``: when it is full, the report's own
        sentences that its new version no longer holds make room first, then the least
        central sentences of other reports (:func:`bot.engine.summary.least_central`)
        that the summary does not cite, then its own. So an update of a report in a busy development
        still gets in; a development's news is what its reports say now.

        Args:
            number: The development the report is in.
            doc: The report's new version.
            sentences: The sentences its earlier version did not hold.

        Returns:
            The amendment (the development write and the sentences that went in), or
            None when the development has retired or no sentence was added.
        """
        c = self.devs.clusters.get(number)
        if c is None:
            return None
        known = {cit.sentence for cit in c.sentences}
        # as candidate_sentences gives them: run-on ones apart
        body = split_run_ons(split_sentences(doc.text))
        fresh = citable(split_run_ons(sentences), body)
        if not fresh:  # a headline-only report speaks through its headline
            fresh = [s for s in candidate_sentences(doc.title, doc.text) if s == doc.title.strip()]
        fresh = list(dict.fromkeys(s for s in fresh if s not in known))[:LEAD_SENTENCES]
        if not fresh:
            return None
        short = len(fresh) - (self.config.summary_pool - len(c.sentences))
        if short > 0 and doc.url:
            # as the pool holds them: without the page furniture around them
            now_says = {*without_furniture(body), doc.title.strip()}
            stale = {
                i
                for i, cit in enumerate(c.sentences)
                if cit.url == doc.url and cit.sentence not in now_says
            }
            stale = set(sorted(stale)[:short])
            c.sentences = [cit for i, cit in enumerate(c.sentences) if i not in stale]
            short -= len(stale)
        if short > 0:
            # Other reports' sentences go first, then the report's own it still holds;
            # never one the summary cites now.
            cited = {cit.sentence for cit in self._summary(c)}

            def is_cited(cit: Citation) -> bool:
                # a sentence may be quoted without its "And," (summary.without_opener)
                return cit.sentence in cited or without_opener(cit.sentence) in cited

            def own(cit: Citation) -> bool:
                return doc.url is not None and cit.url == doc.url

            gone = least_central(
                c.sentences,
                c.centroid,
                self.df,
                short,
                lambda cit: is_cited(cit) or own(cit),
            )
            if len(gone) < short:
                gone |= least_central(
                    c.sentences,
                    c.centroid,
                    self.df,
                    short - len(gone),
                    lambda cit: is_cited(cit) or not own(cit),
                )
            c.sentences = [cit for i, cit in enumerate(c.sentences) if i not in gone]
        self._add_sentences(c, fresh, doc.source, doc.url)
        added = tuple(cit.sentence for cit in c.sentences if cit.sentence not in known)
        if not added:
            return None  # no room for any of them
        cited_now = self._summary(c)
        write = DevelopmentWrite(
            self.story.id, c.number, c.headline, summary_text(cited_now), (), cited_now
        )
        return Amendment(write, added)

    def _summary(self, c: Cluster) -> tuple[Citation, ...]:
        known = [d.centroid for n, d in self.devs.clusters.items() if n < c.number]
        return tuple(
            summarise(
                c.sentences,
                c.centroid,
                known,
                self.df,
                k=self.config.summary_sentences,
                redundancy=self.config.summary_redundancy,
                story=self.profile.combined(),
            )
        )

    def seed_development(self) -> DevelopmentWrite:
        """Development 0 (the seed story) with a summary of the seeds."""
        c = self.devs.clusters.get(0)
        cited = self._summary(c) if c is not None else ()
        return DevelopmentWrite(self.story.id, 0, self.story.title, summary_text(cited), (), cited)

    # ------------------------------------------------------------------ persistence

    def to_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot (without the stream table: the engine's, shared)."""
        state = {
            "version": STATE_VERSION,
            "story_id": self.story.id,
            "n_judged": self.n_judged,
            "story_df": self.story_df.to_state(),
            "profile": self.profile.to_state(),
            "copies": self.copies.to_state(),
            "copy_dev": [[k, v] for k, v in self.copy_dev.items()],
            "developments": self.devs.to_state(),
            "background": self.background.to_state(),
            "ages": self.ages.to_state(),
        }
        if self.corrections:
            state["corrections"] = self.corrections.to_state()
        if self.seed_vectors is not None:
            state["seed_embeddings"] = self.seed_vectors.to_state()
        return state

    @classmethod
    def from_state(
        cls,
        story: Story,
        config: EngineConfig,
        state: Mapping[str, Any],
        embedder: Embedder | None = None,
        df: DocFreq | None = None,
    ) -> StoryState:
        """Restore a state written by :meth:`to_state`.

        With an embedder, the seed embeddings come from the snapshot if it holds some
        made by the same model, and are computed from the seeds otherwise. The story
        weighs with ``df`` (the engine's stream table); a snapshot from before the table
        was shared carries a table of its own (``"df"``), which is not read here (see
        :meth:`bot.engine.Engine.track`).

        Raises:
            ValueError: If the snapshot has an unknown version.
        """
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported engine state version {state.get('version')!r}")
        st = cls(story, config, df)
        st.n_judged = int(state["n_judged"])
        if "story_df" in state:
            st.story_df = DocFreq.from_state(state["story_df"], config.max_vocab, 0.0)
        else:  # a snapshot from before within-story weights: start from the seeds
            for s in story.seeds:
                st.story_df.add(analyse(s.title, s.text, s.url, config).tf.keys())
        st.profile = Profile.from_state(state["profile"], config)
        if not st.profile.n_seeds:  # a snapshot from before corrections
            st.profile.n_seeds = max(1, len(story.seeds))
        st.corrections = Corrections.from_state(state.get("corrections"), config)
        st.copies.load_state(state["copies"])
        # a snapshot from before ages: the seeds' (its reports' headlines are gone)
        seed_ages = set().union(*(child_ages(s.title) for s in story.seeds))
        st.ages = StoryAges.from_state(state.get("ages", ()), seed_ages)
        st.copy_dev = OrderedDict((int(k), int(v)) for k, v in state["copy_dev"])
        st.devs = DevelopmentTracker.from_state(state["developments"], config, within_story=True)
        for c in st.devs.clusters.values():
            if not c.lead:
                # a snapshot from before leads: the seed story's is its seeds', as built;
                # a later development's starts from its headline, its first report's (the
                # texts of its reports are not in the state), so that development 0 does not
                # win every comparison of leads by being the only one with a lead
                c.lead = (
                    top_terms(st._seed_leads(), LEAD_TERMS)
                    if c.number == 0
                    else lead_vector(c.headline, "")
                )
            if not c.headlines:
                # a snapshot from before headlines were kept: the same, from the headlines
                c.headlines = (
                    top_terms(st._seed_headlines(), LEAD_TERMS)
                    if c.number == 0
                    else lead_vector(c.headline, "")
                )
        # a snapshot from before the background starts it empty
        st.background = OffTopicBackground.from_state(
            state.get("background"),
            config.background_sigmas,
            config.background_min_items,
            config.background_window,
        )
        if embedder is not None:
            stored = state.get("seed_embeddings")
            if stored is not None and stored.get("model") == embedder.name:
                st.seed_vectors = SeedVectors.from_state(stored)
            else:
                st.embed_seeds(embedder)
        return st
