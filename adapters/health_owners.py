"""``storybot health``'s owners line: each platform's last check of subscription owners.

The service stores each run of ``bot.member_check`` (when, how many it checked and
removed, or why it could not); health reads it back, and warns when a check cannot work
or has not run for twice its period while something polls. A platform whose token is
not set where health runs is told, never warned of (see :func:`owner_checks`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from adapters.health_findings import OK, WARNING, Finding, shown_age
from bot.clock import utc
from bot.duration import duration
from bot.model import OwnerCheckRun
from bot.render import counted
from bot.settings import Settings

# The platforms' names as the owner checks' lines say them
_PLATFORM_NAMES = {"slack": "Slack", "discord": "Discord"}


# The variable whose token makes the service connect to (and check owners on) a platform
_TOKEN_VARIABLES = {"slack": "SLACK_BOT_TOKEN", "discord": "DISCORD_BOT_TOKEN"}


def configured_platforms(settings: Settings) -> frozenset[str]:
    """The platforms whose bot token is set in the settings health reads (the service's
    environment, as ``config/storybot.service``'s health check shares it)."""
    tokens = {"slack": settings.slack.bot_token, "discord": settings.discord.token}
    return frozenset(platform for platform, token in tokens.items() if token)


def owner_checks(
    runs: list[OwnerCheckRun],
    now: datetime,
    every_hours: float,
    service_runs: bool,
    configured: Collection[str] | None = None,
) -> Finding:
    """Each platform's last check of subscription owners, a part each.

    A warning when a run stopped on a problem (it cannot work: a restart does not fix a
    missing scope, and the service asks again every hour until it works), or when the
    last run, finished or not, is older than twice the period of the service that claimed
    it (``OwnerCheckRun.every_s``) while ``service_runs`` (something polls: the polling
    check is ok). Then nothing that runs has the platform's token and checks (a front end
    that stopped beside the workers), or its check is stuck.
    When nothing polls, the polling check has said so already: the age is told, not
    warned of. Warnings only: a supervisor restarting a worker over either would fix
    neither.

    A platform whose token is not set (``configured``) is told, never warned of: its
    token was removed, so no service checks it any more, and its row, which nothing
    deletes, would otherwise warn for good (or a run that could not work would, for a
    token no longer used).

    Args:
        every_hours: ``[permissions] check_owners_hours``; 0: the check is off.
        service_runs: Whether the service runs, as far as health can tell.
        configured: The platforms whose token is set (:func:`configured_platforms`);
            None: every one. A platform health has no token variable for counts as set.
    """
    if every_hours <= 0:
        return Finding("owners", OK, "not checked ([permissions] check_owners_hours = 0)")
    if not runs:
        return Finding(
            "owners",
            OK,
            "no check of subscription owners yet (`storybot run` with a Slack or Discord "
            "token checks them a minute after it starts)",
        )
    parts, warned = [], False
    for run in runs:
        if configured is not None and run.platform not in configured:
            variable = _TOKEN_VARIABLES.get(run.platform)
            if variable is not None:
                parts.append(
                    f"{run.platform}: not configured ({variable} is not set), not checked "
                    f"since: {_last_check(run, now)}"
                )
                continue
        part, warn = _owner_run(run, now, service_runs)
        parts.append(part)
        warned = warned or warn
    return Finding("owners", WARNING if warned else OK, "; ".join(parts))


def _owner_run(run: OwnerCheckRun, now: datetime, service_runs: bool) -> tuple[str, bool]:
    """One platform's part of the owners line, and whether it is a warning."""
    name = _PLATFORM_NAMES.get(run.platform, run.platform)
    started = utc(run.started_at) if run.started_at else None
    finished = utc(run.finished_at) if run.finished_at else None
    ended = finished is not None and (started is None or finished >= started)
    period = duration(run.every_s)
    if run.problem and finished is not None and ended:
        return (
            f"{run.platform}: cannot check whether subscription owners are still members "
            f"(last asked {shown_age(now - finished)} ago): {' '.join(run.problem.split())}; their "
            "subscriptions are kept (asked again every hour until it works)",
            True,
        )
    last = finished if ended else started
    if last is None:  # claimed never, finished never: not a row the service leaves
        return f"{run.platform}: not checked yet", False
    if ended:
        said = f"{run.platform}: {_checked(run, now - last)}"
        if run.unchecked:
            said += f", {run.unchecked} not checked (asked again at the next check)"
    else:
        said = f"{run.platform}: a check started {shown_age(now - last)} ago and has not finished"
    if now - last <= timedelta(seconds=2 * run.every_s):
        return f"{said} (every {period})", False
    if not service_runs:
        return f"{said}, more than twice its period ({period}) ago, while nothing polls", False
    return (
        f"{said}, more than twice its period ({period}) ago: is `storybot run` (or `run "
        f"--no-scheduler`) running with the {name} token?",
        True,
    )


def _last_check(run: OwnerCheckRun, now: datetime) -> str:
    """A platform's last check of subscription owners, told (its token is no longer set)."""
    started = utc(run.started_at) if run.started_at else None
    finished = utc(run.finished_at) if run.finished_at else None
    if finished is not None and (started is None or finished >= started):
        if run.problem:
            return (
                f"asked {shown_age(now - finished)} ago, it could not check: "
                f"{' '.join(run.problem.split())}"
            )
        return _checked(run, now - finished)
    if started is not None:
        return f"a check started {shown_age(now - started)} ago and did not finish"
    return "never checked"


def _checked(run: OwnerCheckRun, ago: timedelta) -> str:
    """ "checked 2 h ago, 4 of 4 subscription owners: 1 owner gone, 2 keyword
    subscriptions removed"."""
    return (
        f"checked {shown_age(ago)} ago, {run.checked} of "
        f"{counted(run.owners, 'subscription owner')}: {counted(run.gone_users, 'owner')} "
        f"gone, {counted(run.removed, 'keyword subscription')} removed"
    )
