"""What one poll cycle did: the counts behind its progress line.

A :class:`CycleReport` is filled in by the pipeline's steps (storing, reading linked
pages, judging, queueing alerts) as a cycle runs, printed as the cycle's progress line
by ``storybot poll`` and the scheduler, and summed over the jobs of a scale-out cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.render import counted


@dataclass
class CycleReport:
    """What one poll cycle did; printed as the progress line and returned to callers."""

    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    errors: int = 0
    new_items: int = 0
    updated_items: int = 0
    rejudged: int = 0  # updated items whose change was material: judged again
    on_topic: int = 0  # new items on-topic for at least one story
    copies: int = 0  # of those, items some story took as a copy of an earlier report
    new_developments: int = 0
    alerts_queued: int = 0
    # keys of the alerts already posted that this cycle queued an edit of: one alert
    # edited by two batches of one cycle is one edit
    edited_alerts: set[str] = field(default_factory=set)
    notices_queued: int = 0
    pages_read: int = 0  # linked pages read for items whose feed gave no body
    pages_unread: int = 0  # such pages that could not be read (judged on the headline)
    pages_waiting: int = 0  # such pages that may come back: their items wait ([pages] wait_s)
    waits_judged: int = 0  # items that waited for their linked page, judged this cycle
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, error)

    @property
    def alert_edits(self) -> int:
        """How many alerts already posted this cycle queued an edit of."""
        return len(self.edited_alerts)

    @property
    def all_failed(self) -> bool:
        """Feeds were polled and none of them answered (ok or unchanged).

        ``storybot poll --once`` exits 1 then: a script or cron job should notice a cycle
        that got nothing, e.g. the network is down. Some failures among good feeds are
        normal (each feed backs off on its own) and do not count.
        """
        return self.feeds > 0 and self.ok + self.not_modified == 0

    def waits_line(self) -> str:
        """What a cycle with no feed due did: the items that waited for their linked page."""
        return (
            f"{counted(self.waits_judged, 'item')} that waited for a linked page judged "
            f"({self.pages_read} read, {self.pages_unread} given up), "
            f"{self.pages_waiting} still waiting; {self.on_topic} on-topic, "
            f"{counted(self.new_developments, 'new development')}, "
            f"{counted(self.alerts_queued, 'alert')} queued{self._edits()}"
        )

    def line(self) -> str:
        """The progress line, nouns in the right number ("1 copy", "2 copies")."""
        pages = ""
        if self.pages_read or self.pages_unread or self.pages_waiting:
            pages = f"; {counted(self.pages_read, 'linked page')} read"
            notes = [f"{self.pages_unread} unreadable"] if self.pages_unread else []
            if self.pages_waiting:
                notes.append(f"{self.pages_waiting} to try again later")
            if notes:
                pages += f" ({', '.join(notes)})"
        return (
            f"polled {counted(self.feeds, 'feed')} ({self.ok} ok, {self.not_modified} unchanged, "
            f"{self.errors} failed); {counted(self.new_items, 'new item')}{self._updates()}, "
            f"{self.on_topic} on-topic, {counted(self.copies, 'copy', 'copies')}, "
            f"{counted(self.new_developments, 'new development')}, "
            f"{counted(self.alerts_queued, 'alert')} queued{self._edits()}{pages}"
        )

    def _updates(self) -> str:
        """ " (3 updated, 1 re-judged)": said only when items were updated in place."""
        if not self.updated_items and not self.rejudged:
            return ""
        again = f", {self.rejudged} re-judged" if self.rejudged else ""
        return f" ({self.updated_items} updated{again})"

    def _edits(self) -> str:
        """ ", 2 alert edits": said only when there are some (most cycles have none)."""
        return f", {counted(self.alert_edits, 'alert edit')}" if self.alert_edits else ""
