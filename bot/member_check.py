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
(:func:`keep_checking`: at start, then every ``[permissions] check_owners_hours``), one
look-up per owner (:class:`MemberLookup`: Slack ``users.info``, Discord
``GET /guilds/{guild}/members/{user}`` for the servers the owner's subscriptions were made
in). An owner the platform says is gone loses their subscriptions as on ``user_change``
(:meth:`bot.commands.Commands.user_gone`: removed, logged, the matcher rebuilt, nobody
messaged). Only a definite answer removes anything: a rate limit that lasts, a timeout or
a 5xx leaves the owner unchecked until the next run. A look-up that cannot work at all
(a Slack token without ``users:read``) stops that platform's run and is said once in the
log, as an ERROR, until a run works again; it is never taken for "gone".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.duration import duration
from bot.ports import CommandHandler, Store
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


@dataclass
class OwnerChecks:
    """The service's checks of subscription owners on each platform (see the module doc).

    Args:
        store: Where the subscriptions are.
        commands: Removes a gone owner's subscriptions (``user_gone``).
        lookups: One per platform storybot is connected to.
        every_s: Seconds between runs; a run starts at start too (a downtime may have hidden
            a deactivation).
        sleep: How :meth:`run_forever` waits (injected by tests).
    """

    store: Store
    commands: CommandHandler
    lookups: Sequence[MemberLookup]
    every_s: float
    sleep: Sleep = asyncio.sleep
    _problems: dict[str, str] = field(default_factory=dict)
    _running: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: set[asyncio.Future[None]] = field(default_factory=set)

    async def run_once(self) -> list[CheckReport]:
        """One run over every platform; its line (or the problem, once) in the log."""
        reports = []
        async with self._running:
            for lookup in self.lookups:
                try:
                    report = await check_owners(self.store, self.commands, lookup)
                except Exception as exc:  # a database down: the next run tries again
                    log.warning(
                        "%s: checking subscription owners failed: %s; trying again in %s",
                        lookup.platform,
                        " ".join(str(exc).split()) or type(exc).__name__,
                        duration(self.every_s),
                    )
                    continue
                reports.append(report)
                self._say(report)
        return reports

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
                "subscriptions are kept (checked again every %s)",
                report.platform,
                report.problem,
                duration(self.every_s),
            )

    async def run_forever(self, first_delay_s: float = 0.0) -> None:
        """A run after ``first_delay_s`` (the adapters connect meanwhile), then one every
        ``every_s``, until cancelled."""
        if first_delay_s > 0:
            await self.sleep(first_delay_s)
        while True:
            await self.run_once()
            await self.sleep(self.every_s)

    def dm_refused(self, platform: str) -> Callable[[str], None]:
        """What a sink calls with the user id when the platform refuses a DM to them for
        good: that user is asked about now, in a task of its own."""

        def ask(user_id: str) -> None:
            task = asyncio.ensure_future(self._ask(platform, user_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        return ask

    async def _ask(self, platform: str, user_id: str) -> None:
        try:
            await self.check_user(platform, user_id)
        except Exception as exc:  # the next run asks again
            log.warning("%s: checking user %s failed: %s", platform, user_id, exc)
