"""Checking that the owners of keyword subscriptions are still there to read their DMs.

A keyword subscription notifies its owner by direct message. When the owner leaves (a
Slack account deactivated, a Discord member who left the server the subscription was made
in) the subscription should go with them: Slack accepts DMs to a deactivated account and
they go nowhere (python-slack-sdk#1156), and either way the subscription counts against
``[permissions] max_subscriptions``. Slack tells of a deactivation with ``user_change``
(:mod:`adapters.slack_chat.user_events`), but an event sent while storybot was down, or to
an app made from an older manifest, is never seen again; Discord tells a bot without the
privileged members intent nothing at all.

So the service asks each platform about every owner now and then
(:meth:`OwnerChecks.run_forever`: every ``[permissions] check_owners_hours``), one
look-up per owner (:class:`MemberLookup`: Slack ``users.info``, Discord
``GET /guilds/{guild}/members/{user}`` for the servers the owner's subscriptions were made
in). An owner the platform says is gone loses their subscriptions as on ``user_change``
(:meth:`bot.commands.Commands.user_gone`: removed, logged, the matcher rebuilt, nobody
messaged). Only a definite answer removes anything: a rate limit that lasts, a timeout or
a 5xx leaves the owner unchecked until the next run. A look-up that cannot work at all
(a Slack token without ``users:read``) stops that platform's run and is said once in the
log, as an ERROR, until a run works again; it is never taken for "gone".

Each platform's last run is stored (``owner_checks``: when, its counts, the problem that
stopped it) and claimed before it starts (:meth:`bot.ports.Store.claim_owner_check`):

* ``storybot health``, another process, reads it: when the check last ran, what it
  removed, and that it cannot work.
* A start runs it (a minute later) only when the last run is a period old or more, or
  never ran: a restart does not ask the platforms again, and a deactivation missed while
  storybot was down for longer than a period is caught at once.
* Of several processes on one database (``run --no-scheduler`` started twice, or beside
  a ``run``), the one whose claim wins runs it; the others wait for the next period.
* A run stopped by a problem (a missing scope) is due again ``RETRY_S`` after it
  started, not a period later: an app reinstalled with the scope is checked within the
  hour, which is also when ``storybot health`` stops warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.clock import SystemClock, utc
from bot.duration import duration
from bot.model import OwnerCheckRun
from bot.ports import Clock, CommandHandler, Store
from bot.render import counted

log = logging.getLogger(__name__)


class Presence(StrEnum):
    MEMBER = "member"  # still there: keep their subscriptions
    GONE = "gone"  # the platform says so: remove them
    UNKNOWN = "unknown"  # no answer that can be trusted (rate limit, 5xx, timeout...)


@dataclass(frozen=True)
class Membership:
    """What a platform says of one subscription owner.

    Attributes:
        presence: Member, gone, or unknown.
        why: For ``GONE``, what the platform said, for the log ("their Slack account was
            deactivated"); for ``UNKNOWN``, why the look-up failed.
        blocking: ``UNKNOWN`` because the look-up cannot work for anyone (a missing scope,
            a refused token): the rest of the run is not tried.
    """

    presence: Presence
    why: str = ""
    blocking: bool = False


MEMBER = Membership(Presence.MEMBER)


class MemberLookup(Protocol):
    """A platform's answer to "is this subscription owner still there?"."""

    platform: str

    async def membership(self, user_id: str, channel_ids: Sequence[str]) -> Membership:
        """Ask about ``user_id``; ``channel_ids``: where their subscriptions were made
        (Discord reads the servers from them). Never raises: a failure is ``UNKNOWN``."""
        ...


@dataclass
class CheckReport:
    """One platform's run: how many owners, how many checked, who went."""

    platform: str
    owners: int = 0
    checked: int = 0
    gone_users: int = 0
    removed: int = 0  # subscriptions removed
    unchecked: int = 0  # owners whose look-up failed (tried again at the next run)
    problem: str | None = None  # why the run stopped (a blocking failure)
    failures: list[str] = field(default_factory=list)  # a few of the failures, for the log

    def line(self) -> str:
        """The run's log line."""
        text = (
            f"{self.platform}: checked {self.checked} of "
            f"{counted(self.owners, 'subscription owner')}: "
            f"{counted(self.gone_users, 'owner')} gone, "
            f"{counted(self.removed, 'keyword subscription')} removed"
        )
        if self.unchecked:
            first = f" ({self.failures[0]})" if self.failures else ""
            text += f"; {self.unchecked} not checked{first}, asked again at the next check"
        if self.problem:
            text += f"; stopped: {self.problem}"
        return text

    def run(self, started_at: datetime, finished_at: datetime, every_s: float) -> OwnerCheckRun:
        """The run as stored."""
        return OwnerCheckRun(
            self.platform,
            started_at,
            finished_at,
            every_s,
            owners=self.owners,
            checked=self.checked,
            gone_users=self.gone_users,
            removed=self.removed,
            unchecked=self.unchecked,
            problem=self.problem,
        )


async def check_owners(
    store: Store, commands: CommandHandler, lookup: MemberLookup, *, only_user: str | None = None
) -> CheckReport:
    """Ask ``lookup`` about each owner of a subscription on its platform; remove the gone.

    Args:
        only_user: Ask about this user only (a DM to them was refused).

    Returns:
        What was checked and removed.
    """
    platform = lookup.platform
    subs = await asyncio.to_thread(store.all_subscriptions)
    owners: dict[str, list[str]] = {}
    for s in subs:
        if s.platform != platform or (only_user is not None and s.user_id != only_user):
            continue
        channels = owners.setdefault(s.user_id, [])
        if s.channel_id and s.channel_id not in channels:
            channels.append(s.channel_id)
    report = CheckReport(platform, owners=len(owners))
    for user_id, channels in owners.items():
        answer = await lookup.membership(user_id, channels)
        if answer.presence is Presence.UNKNOWN:
            if answer.blocking:
                report.problem = answer.why
                report.unchecked += len(owners) - report.checked
                break
            report.unchecked += 1
            if len(report.failures) < 3:
                report.failures.append(answer.why)
            continue
        report.checked += 1
        if answer.presence is Presence.GONE:
            removed = await commands.user_gone(platform, user_id, answer.why)
            if removed:
                report.gone_users += 1
                report.removed += len(removed)
    return report


Sleep = Callable[[float], Awaitable[object]]

# A run stopped by a problem (a token without users:read) is due again this long after it
# started (or a period, if shorter): the operator who adds the scope learns within the
# hour that it works, at one look-up an hour meanwhile.
RETRY_S = 3600.0
# The shortest wait between two claims: a clock set back, or a row another process keeps
# claiming, must not make the loop spin.
MIN_WAIT_S = 60.0


def next_due(run: OwnerCheckRun, every_s: float) -> datetime | None:
    """When ``run``'s platform may be claimed again (the rule of
    :meth:`bot.ports.Store.claim_owner_check`); None: now (never ran)."""
    if run.started_at is None:
        return None
    wait = min(RETRY_S, every_s) if run.problem is not None else every_s
    return utc(run.started_at) + timedelta(seconds=wait)


@dataclass
class OwnerChecks:
    """The service's checks of subscription owners on each platform (see the module doc).

    Args:
        store: Where the subscriptions are, and each platform's last run.
        commands: Removes a gone owner's subscriptions (``user_gone``).
        lookups: One per platform storybot is connected to.
        every_s: Seconds between runs; a start runs one when the last is that old.
        sleep: How :meth:`run_forever` waits (injected by tests).
        clock: The time runs are claimed and recorded at (injected by tests).
    """

    store: Store
    commands: CommandHandler
    lookups: Sequence[MemberLookup]
    every_s: float
    sleep: Sleep = asyncio.sleep
    clock: Clock = field(default_factory=SystemClock)
    _problems: dict[str, str] = field(default_factory=dict)
    _running: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: set[asyncio.Future[None]] = field(default_factory=set)

    @property
    def retry_s(self) -> float:
        """How long after it started a run stopped by a problem is due again."""
        return min(RETRY_S, self.every_s)

    async def run_once(self) -> list[CheckReport]:
        """One run over every platform now, due or not, unclaimed and unrecorded; its
        line (or the problem, once) in the log."""
        reports = []
        async with self._running:
            for lookup in self.lookups:
                report = await self._check(lookup)
                if report is not None:
                    reports.append(report)
        return reports

    async def run_due(self) -> tuple[list[CheckReport], float]:
        """Run each platform whose run is due and this process claims, and record it.

        Returns:
            The runs made, and the seconds until the next claim is worth trying (the
            earliest platform's due time, at least ``MIN_WAIT_S``, at most a period).
        """
        reports = []
        async with self._running:
            for lookup in self.lookups:
                started = self.clock.now()
                try:
                    claimed = await asyncio.to_thread(
                        self.store.claim_owner_check,
                        lookup.platform,
                        started,
                        self.every_s,
                        self.retry_s,
                    )
                except Exception as exc:  # a database down: tried again after the retry
                    log.warning(
                        "%s: cannot claim the check of subscription owners: %s; trying again in %s",
                        lookup.platform,
                        _one_line(exc),
                        duration(self.retry_s),
                    )
                    continue
                if not claimed:  # another process's run holds this period, or ours did
                    continue
                report = await self._check(lookup)
                if report is None:
                    continue
                reports.append(report)
                run = report.run(started, self.clock.now(), self.every_s)
                try:
                    await asyncio.to_thread(self.store.finish_owner_check, run)
                except Exception as exc:
                    log.warning(
                        "%s: cannot record the check of subscription owners: %s",
                        lookup.platform,
                        _one_line(exc),
                    )
        return reports, await self._wait()

    async def _wait(self) -> float:
        """Seconds until the earliest of our platforms is due (see :meth:`run_due`)."""
        try:
            runs = await asyncio.to_thread(self.store.owner_check_runs)
        except Exception:  # a database down: claimed again after the retry
            return max(MIN_WAIT_S, self.retry_s)
        ours = {x.platform for x in self.lookups}
        now = self.clock.now()
        wait = self.every_s
        for run in runs:
            if run.platform not in ours:
                continue
            due = next_due(run, self.every_s)
            wait = min(wait, 0.0 if due is None else (due - now).total_seconds())
        # a platform with no row yet: its claim failed (the database); tried after the retry
        if ours - {run.platform for run in runs}:
            wait = min(wait, self.retry_s)
        return max(MIN_WAIT_S, wait)

    async def _check(self, lookup: MemberLookup) -> CheckReport | None:
        """One platform's run, said in the log; None if it failed (the database)."""
        try:
            report = await check_owners(self.store, self.commands, lookup)
        except Exception as exc:  # a database down: the next run tries again
            log.warning(
                "%s: checking subscription owners failed: %s; trying again in %s",
                lookup.platform,
                _one_line(exc),
                duration(self.every_s),
            )
            return None
        self._say(report)
        return report

    async def check_user(self, platform: str, user_id: str) -> CheckReport | None:
        """Ask about one user now (a DM to them was refused); None: no lookup for it."""
        lookup = next((x for x in self.lookups if x.platform == platform), None)
        if lookup is None:
            return None
        async with self._running:
            report = await check_owners(self.store, self.commands, lookup, only_user=user_id)
        if report.removed:
            log.info("%s", report.line())
        return report

    def _say(self, report: CheckReport) -> None:
        said = self._problems.get(report.platform)
        if report.problem is None:
            if said is not None:
                del self._problems[report.platform]
                log.info("%s: subscription owners can be checked again", report.platform)
            log.info("subscription owners %s", report.line())
            return
        if said != report.problem:  # once, not at every run, while nothing changes
            self._problems[report.platform] = report.problem
            log.error(
                "%s: cannot check whether subscription owners are still members: %s; their "
                "subscriptions are kept (asked again every %s until it works)",
                report.platform,
                report.problem,
                duration(self.retry_s),
            )

    async def run_forever(self, first_delay_s: float = 0.0) -> None:
        """After ``first_delay_s`` (the adapters connect meanwhile), the runs that are due
        (:meth:`run_due`), again whenever the next falls due, until cancelled."""
        if first_delay_s > 0:
            await self.sleep(first_delay_s)
        while True:
            _, wait = await self.run_due()
            await self.sleep(wait)

    def dm_refused(self, platform: str) -> Callable[[str], None]:
        """What a sink calls with the user id when the platform refuses a DM to them for
        good: that user is asked about now, in a task of its own."""

        def ask(user_id: str) -> None:
            task = asyncio.ensure_future(self._ask(platform, user_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return ask

    async def asked(self) -> None:
        """Wait until the users :meth:`dm_refused` was told of so far have been asked about."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _ask(self, platform: str, user_id: str) -> None:
        try:
            await self.check_user(platform, user_id)
        except Exception as exc:  # the next run asks again
            log.warning("%s: checking user %s failed: %s", platform, user_id, exc)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
