"""Judging again the items a feed updated in place (a corrected headline, a longer text).

The store keeps every item updated in place with the text its judgements read until the
update is judged (``Store.pending_updates``), so an update stored by a cycle that died
before judging it is judged by the next one. A change that is not material
(:func:`bot.revision.revision`: a typo, a timestamp, markup) is settled without the
engine. A material one amends the developments of the stories that took the item (their
posted alerts edited, a thread note saying what was added), is judged again by the
stories that did not, and reaches the keyword subscribers the new version matches and
the judged one did not. The item is not a new report: development counts, sources, the
stories' profiles and the stream statistics stay as they were.

The pipeline calls :meth:`Rejudger.rejudge_updates` after each batch of new items, and a
scale-out updates job on a fresh pipeline; all of a call is committed in one
transaction, with the versions judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable, Mapping, Sequence

from bot.alert_text import revised_fact
from bot.alert_writes import AlertBatch, AlertWrites, noting
from bot.background_stats import BackgroundStats
from bot.cycle_report import CycleReport
from bot.engine import Engine, Verdict
from bot.engine.semantic import Dense
from bot.engine_records import engine_doc, engine_states
from bot.matcher import SubscriptionMatcher, reprints_seed
from bot.model import Item, ItemUpdate, Judgement, Story
from bot.notices import Notices
from bot.outbox_keys import notice_key
from bot.ports import Clock, DevelopmentWrite, OutboxWrite, Store
from bot.revision import Revision, revision

UPDATES_PER_CYCLE = 500  # items updated in place judged again at most per call


class Rejudger:
    """Judges again the items updated in place, for one pipeline (see the module)."""

    def __init__(
        self,
        store: Store,
        engine: Engine,
        clock: Clock,
        notices: Notices,
        background: BackgroundStats,
        alert_writes: AlertWrites,
    ) -> None:
        """The pipeline's collaborators, shared with its judging of new items.

        Args:
            store: Holds the updates, the decisions and the items.
            engine: The pipeline's engine.
            clock: Dates the commits.
            notices: Makes the keyword notices.
            background: The engine's backlog, read before the engine judges.
            alert_writes: Projects developments and writes their alerts.
        """
        self.store = store
        self.engine = engine
        self.clock = clock
        self.notices = notices
        self.background = background
        self.alert_writes = alert_writes

    def rejudge_updates(
        self,
        stories: Mapping[int, Story],
        matcher: SubscriptionMatcher | Callable[[], SubscriptionMatcher] | None,
        report: CycleReport,
        limit: int = UPDATES_PER_CYCLE,
        *,
        before_judging: Callable[[], None] | None = None,
    ) -> None:
        """Judge again the items updated in place since a version of them was judged.

        The store keeps every updated item with the text its judgements read until the
        update is judged (``Store.pending_updates``), so an update stored by a cycle that
        died before judging it is judged by the next one. For each (oldest first):

        * A change that is not material (:func:`bot.revision.revision`: a typo, a
          timestamp, markup) is settled and nothing else happens: no judgement is read,
          the engine is not involved.
        * Each story that took the item (its development D) takes the new sentences
          into D's summary (:meth:`Engine.amend`; a full sentence pool makes room); D's
          row is written and every posted alert of D is edited, its thread note saying
          what was added ("Outlet (updated): ..." when the summary did not pick it).
          The item is not a new report: D's item count and sources stay, the profile
          does not adapt and the term statistics do not count it again.
        * Each story that judged it off-topic judges the new version
          (:meth:`Engine.judge_again`, the item embedded once for all of them); taken
          now, it is handled as a new report (a new development's alert, or an edit of
          its development's). Either way the judgement is replaced by the new one.
        * A keyword subscriber matched by the new version and not by the one judged
          gets the notice (keyed as ever: never twice), whether or not any story
          judged the item (with no story tracked, subscriptions are all there is; a
          subscriber then counts as told when a notice of the item's text is queued).

        Stories do not judge an item none of them has judged here: it is judged as it
        stands when its turn comes (the pipeline's ``_ingest`` queues an unjudged item whose
        feed lists it). All of it is committed in one transaction, with the versions judged.

        Args:
            stories: The pipeline's tracked stories, by id: its own mapping, read after
                ``before_judging`` ran, which may track more.
            matcher: The subscription index (None: no notices), or what builds it: a job
                worker's fresh pipeline builds it only if an update is material.
            report: Counts are added to it.
            limit: Updates judged at most.
            before_judging: Called once before the first material update is judged (a
                job worker tracks the stories then: only if there is one to judge).
        """
        pending = self.store.pending_updates(limit)
        if not pending:
            return
        now = self.clock.now()
        items = {it.id: it for it in self.store.get_items([u.item_id for u in pending])}
        versions = {u.item_id: items[u.item_id].version for u in pending if u.item_id in items}
        # what is judged now: a version stored meanwhile is compared with it next time
        texts = {i: (items[i].title, items[i].text) for i in versions}
        material = [
            (u, items[u.item_id], change)
            for u in pending
            if u.item_id in items
            and (
                change := revision(u.title, u.text, items[u.item_id].title, items[u.item_id].text)
            ).material
        ]
        if material and before_judging is not None:
            before_judging()
        if callable(matcher):
            matcher = matcher() if material else None
        subscribed = matcher is not None and len(matcher) > 0
        if not material or (not stories and not subscribed):
            self.store.commit_decisions([], [], {}, [], now, versions=versions, texts=texts)
            return
        if subscribed:
            self.notices.warm()
        batch = _Batch()
        for update, item, change in material:
            self._rejudge(stories, update, item, change, matcher, batch, report, now)
        states = engine_states(self.engine, batch.touched)
        self.store.commit_decisions(
            [],
            batch.dev_writes,
            states,
            batch.outbox,
            now,
            revised=batch.revised,
            versions=versions,
            texts=texts,
            stream=self.background.stream_state(states),
        )

    def _rejudge(
        self,
        stories: Mapping[int, Story],
        update: ItemUpdate,
        item: Item,
        change: Revision,
        matcher: SubscriptionMatcher | None,
        batch: _Batch,
        report: CycleReport,
        now: datetime,
    ) -> None:
        """One materially updated item of :meth:`rejudge_updates`, added to ``batch``."""
        subscribed = matcher is not None and len(matcher) > 0
        decisions = [
            d for d in self.store.decisions_for_item(item.id) if d.judgement.story_id in stories
        ]
        if not decisions and not subscribed:
            return
        report.rejudged += 1
        if not batch.read:
            self.background.read()  # as judge_items: the engine reads in arrival order
            batch.read = True
        doc = engine_doc(item)
        analysis = self.engine.analyse(doc)
        embedded: list[Dense | None] = []  # the item's embedding, once it is needed
        was_on: set[int] = set()  # stories whose subscribers the judged version reached
        now_on: set[int] = set()
        for decision in decisions:
            j = decision.judgement
            fact: Sequence[str] = ()  # what the update added to the development
            if j.on_topic:
                if not reprints_seed(j):
                    was_on.add(j.story_id)
                    now_on.add(j.story_id)
                amended = None
                if j.development is not None:
                    amended = self.engine.amend(
                        j.story_id, j.development, doc, change.new_sentences
                    )
                went = len(amended.sentences) if amended is not None else 0
                # the same judgement, noting the version and what it added
                updated = {"version": item.version, "sentences": went}
                batch.revised.append(replace(j, reason={**j.reason, "updated": updated}))
                if amended is None:
                    continue
                verdict = Verdict(replace(j, new_development=False), amended.development)
                fact = amended.sentences
            else:
                if not embedded:
                    embedded.extend(self.engine.embed([doc]))  # one model call for all stories
                again = self.engine.judge_again(j.story_id, doc, analysis, embedded[0])
                if again is None:
                    continue
                updated = {"version": item.version, "again": True}
                verdict = replace(
                    again,
                    judgement=replace(
                        again.judgement, reason={**again.judgement.reason, "updated": updated}
                    ),
                )
                batch.revised.append(verdict.judgement)
                if verdict.judgement.on_topic and not reprints_seed(verdict.judgement):
                    now_on.add(j.story_id)
            batch.touched.add(j.story_id)
            write = verdict.development
            if write is None or not verdict.judgement.on_topic:
                continue
            before, dev = self.alert_writes.project(batch.alerts, write, item, now)
            note = None
            if write.number > 0:
                if not verdict.judgement.new_development:
                    note = revised_fact(before, dev, item, fact)
                batch.outbox.extend(
                    self.alert_writes.alerts(
                        verdict,
                        stories[verdict.judgement.story_id],
                        dev,
                        batch.alerts,
                        report,
                        now,
                        note,
                    )
                )
            batch.dev_writes.append(noting(write, note, item))
        if matcher is not None and subscribed:
            first = self.engine.first_report(doc, analysis)
            if decisions:
                # the version judged was matched then: its subscribers have heard of it
                told = {
                    (sub.platform, sub.user_id)
                    for sub_id in matcher.match(update.title, update.text, was_on)
                    if (sub := self.notices.subs.get(sub_id)) is not None
                }
            else:
                # No story judged it, so nothing says the earlier version was ever
                # matched (a cycle may have died before): the notices queued say it.
                told = {
                    (sub.platform, sub.user_id)
                    for sub_id in matcher.match(item.title, item.text, now_on)
                    if (sub := self.notices.subs.get(sub_id)) is not None
                    and self.store.get_outbox(notice_key(sub.platform, sub.user_id, first))
                }
            batch.outbox.extend(
                self.notices.for_item(
                    matcher, item, first, now_on, batch.notified, report, stories, told
                )
            )


@dataclass
class _Batch:
    """What one :meth:`Rejudger.rejudge_updates` batch gathers for its one commit."""

    revised: list[Judgement] = field(default_factory=list)
    dev_writes: list[DevelopmentWrite] = field(default_factory=list)
    outbox: list[OutboxWrite] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    alerts: AlertBatch = field(default_factory=AlertBatch)  # what its alert writes share
    notified: set[str] = field(default_factory=set)
    read: bool = False  # the backlog was read
