"""The outbox writes of the developments a batch of judgements reports: alerts and edits.

A development a story's judgement reports is projected as it will stand once the batch
commits (its outlets, links and first report, counting the reports this very batch
added: they are not in the store yet), and that projection is what the alert says. A
new development gets an alert in each realtime channel that follows its story, within
the channel's hourly cap (the rest wait for the overflow digest, :mod:`bot.digest`);
another report of a development edits the alert of each channel that got one, its
thread note saying what the report added. The alert keys are idempotent, so a batch run
again after a crash queues nothing twice.

Used by the pipeline for new items and for items judged again once updated
(:mod:`bot.rejudging`); both commit the writes with their decisions.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.alert_text import alert_message
from bot.cycle_report import CycleReport
from bot.digest import ALERT_CAP_WINDOW
from bot.engine import Verdict
from bot.engine.analysis import item_time
from bot.model import DeliveryMode, Development, Item, Story
from bot.outbox_keys import alert_key
from bot.outlet_name import stored_label
from bot.ports import DevelopmentWrite, OutboxWrite, Store
from bot.thread_notes import with_fact

log = logging.getLogger(__name__)


@dataclass
class AlertBatch:
    """What the alert writes of one batch (one commit) remember of each other.

    ``view``: the developments as this batch has left them so far, by (story id, number)
    (:meth:`AlertWrites.project`); ``alerted``: the alert keys it queued; ``capped``: its
    new alerts per channel (``Target.key``), which the hourly cap counts beside the stored
    ones; ``facts``: the thread notes of the edits it queued, by key.
    """

    view: dict[tuple[int, int], Development] = field(default_factory=dict)
    alerted: set[str] = field(default_factory=set)
    capped: Counter[str] = field(default_factory=Counter)
    facts: dict[str, str | None] = field(default_factory=dict)


class AlertWrites:
    """Projects developments and writes their alerts for one pipeline (see the module)."""

    def __init__(self, store: Store, default_max_per_hour: int = 10) -> None:
        """Alert writes for the channels ``store`` binds to each story.

        Args:
            store: Holds the developments, the bindings and the outbox.
            default_max_per_hour: The hourly alert cap of a channel that sets none
                ([delivery] ``default_max_per_hour``).
        """
        self.store = store
        self.default_max_per_hour = default_max_per_hour

    def project(
        self,
        batch: AlertBatch,
        w: DevelopmentWrite,
        item: Item,
        now: datetime,
    ) -> tuple[Development | None, Development]:
        """The development before this item and as it will stand after this commit.

        Args:
            batch: The batch's writes so far; the projection is added to its ``view``.
            w: The development write the verdict carries.
            item: The report.
            now: The commit's time.

        Returns:
            ``(before, after)``: the store's view updated by this batch so far (None for
            a new development), and that view with this item added (``w.item_ids``
            empty: an updated report already counted, only the summary changes).
        """
        key = (w.story_id, w.number)
        dev = batch.view.get(key) or self.store.get_development(w.story_id, w.number)
        sources = list(dev.sources) if dev else []
        links = list(dev.links) if dev else []
        # an item stored under an earlier naming rule (updated since) is named as today
        source = stored_label(item.source, item.url) if item.source else item.source
        if source and source not in sources:
            sources.append(source)
        if item.url and all(u != item.url for _, u in links):
            links.append((source, item.url))
        reported = item_time(item.published, item.fetched_at)
        if dev and dev.first_reported_at and dev.first_reported_at < reported:
            reported = dev.first_reported_at
        projected = Development(
            story_id=w.story_id,
            number=w.number,
            headline=w.headline,
            summary=w.summary,
            created_at=dev.created_at if dev else now,
            updated_at=now,
            item_count=(dev.item_count if dev else 0) + len(w.item_ids),
            sources=tuple(sources),
            links=tuple(links),
            citations=w.citations,
            first_reported_at=reported,
        )
        batch.view[key] = projected
        return dev, projected

    def alerts(
        self,
        verdict: Verdict,
        story: Story,
        dev: Development,
        batch: AlertBatch,
        report: CycleReport,
        now: datetime,
        fact: str | None = None,
    ) -> list[OutboxWrite]:
        """The alert writes for a development ``verdict`` reported: new alerts or edits.

        A new development gets an alert in each realtime channel (within its hourly cap);
        another report of it edits the alert of each channel that got one. That alert may
        have been queued by this very batch (the copy came in the same poll as the
        original) and is not in the store yet, so the alert keys this batch has queued
        (``batch.alerted``) count too: the same key written again in one commit is one row
        carrying the later text (``apply_outbox_writes``), so the alert names every outlet.
        For the same reason the hourly cap counts ``batch.capped``, this batch's new alerts
        per channel, beside the stored ones: one poll that finds twenty developments must
        not post twenty alerts in a channel capped at ten.

        An edit of an alert already posted carries ``fact``, the sentences this report
        added to the summary (:func:`bot.alert_text.added_fact`), as its ``thread_note``: the
        Slack sink posts it as a threaded reply, Discord shows it in the embed. A fact
        queued by an edit not yet delivered (this batch's, in ``batch.facts``, or the stored
        row's) is carried along, since the new edit replaces that row's message. An
        alert not posted yet gets no note: its first post shows the whole summary.

        Args:
            verdict: The verdict that reported a development.
            story: The verdict's story.
            dev: The development as it will stand (:meth:`project`).
            batch: The batch's writes so far; its new alert keys, alerts per channel
                and thread notes are added to it.
            report: ``alerts_queued``, ``edited_alerts`` and ``new_developments`` are
                added to.
            now: The commit's time: the hourly cap counts the alerts queued since
                ``ALERT_CAP_WINDOW`` before it.
            fact: What this report added to the development, for the edits' thread note.

        Returns:
            The outbox writes: new alerts and edits.
        """
        alerted, capped, facts = batch.alerted, batch.capped, batch.facts
        j = verdict.judgement
        writes = []
        for binding in self.store.bindings_for_story(j.story_id):
            key = alert_key(j.story_id, dev.number, binding)
            message = alert_message(story, dev)
            if j.new_development:
                if binding.mode is not DeliveryMode.REALTIME:
                    continue  # the digest job picks it up
                cap = binding.max_per_hour or self.default_max_per_hour  # 0: the default
                sent = capped[binding.target.key] + self.store.count_outbox_since(
                    binding.target, "alert:", now - ALERT_CAP_WINDOW
                )
                if sent >= cap:
                    # bot.digest sends what the cap held back within the window
                    log.info(
                        "alert cap %d/h reached for %s; deferring to the overflow digest",
                        cap,
                        binding.target.key,
                    )
                    continue
                writes.append(OutboxWrite(key, binding.target, message))
                alerted.add(key)
                capped[binding.target.key] += 1
                report.alerts_queued += 1
            elif key in alerted:
                # alerted by this batch: not posted yet, its post carries the whole summary
                writes.append(OutboxWrite(key, binding.target, message))
            elif (row := self.store.get_outbox(key)) is not None:
                # Another report of a development this channel was alerted to: edit it.
                note = None
                if row.message_id is not None:
                    report.edited_alerts.add(key)
                    undelivered = row.delivered_version < row.version
                    pending = facts.get(key, row.message.thread_note if undelivered else None)
                    note = facts[key] = with_fact(pending, fact)
                # the note's facts cite reports by marker: the links must list each one,
                # though a later report may have pushed its sentence out of the summary
                writes.append(OutboxWrite(key, binding.target, alert_message(story, dev, note)))
        if j.new_development:
            report.new_developments += 1
        return writes


def noting(write: DevelopmentWrite, fact: str | None, item: Item) -> DevelopmentWrite:
    """``write`` carrying the fact ``item`` added to its development (the edited alerts'
    thread note): the store records it as one of the development's updates, which a
    digest channel is told of (:mod:`bot.digest`), as a realtime one is by the edit.

    Args:
        write: The development write.
        fact: The fact (None: no fact; ``write`` is returned as it is).
        item: The report that added it.

    Returns:
        The write, carrying the fact.
    """
    return replace(write, fact=fact, fact_item_id=item.id) if fact else write
