"""``storybot health``'s lines on the running service: polling, judging, outbox, delivery.

Each tells whether a part of ``storybot run`` (or the workers serving its queues) is at
work, from what it left in the database: feeds left due, items left unjudged, messages
given up on, left due or held by a refused token. Only a stopped poller is a problem (a
restart fixes it); the rest are warnings, since a supervisor restarting a working
service over them would fix nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from adapters.console import CONSOLE_CHANNEL, CONSOLE_USER
from adapters.health_findings import (
    OK,
    PROBLEM,
    WARNING,
    Finding,
    it_or_them,
    shown_age,
    shown_limit,
)
from adapters.log_setup import redacted
from bot.clock import utc
from bot.errors import TokenRefused
from bot.model import Feed, OutboxEntry
from bot.render import counted, shorten
from bot.stories import CONSOLE_PLATFORM

OVERDUE_READ = 1000  # overdue outbox messages read at most (the count says "or more")


def polling(feeds: list[Feed], now: datetime, max_age: timedelta) -> Finding:
    """Whether something polls: no feed left due for ``max_age`` while nothing polled."""
    if not feeds:
        return Finding("polling", OK, "no feeds to poll (storybot feeds add URL)")
    polled = [utc(f.last_polled_at) for f in feeds if f.last_polled_at is not None]
    last = max(polled) if polled else None
    since = f"last poll {shown_age(now - last)} ago" if last else "no feed polled yet"
    due = [f for f in feeds if utc(f.next_poll_at) <= now]
    waiting = [f for f in due if now - utc(f.next_poll_at) > max_age]
    if waiting and (last is None or now - last > max_age):
        oldest = min(utc(f.next_poll_at) for f in waiting)
        return Finding(
            "polling",
            PROBLEM,
            f"{since}, and {counted(len(waiting), 'feed')} due for more than "
            f"{shown_limit(max_age)} (waiting since {oldest:%Y-%m-%d %H:%M} UTC): is "
            "`storybot run` (or a worker serving the poll queue) running?",
        )
    return Finding("polling", OK, f"{since}; {len(due)} of {counted(len(feeds), 'feed')} due now")


def judging(tracked: bool, unjudged: int, max_age: timedelta) -> Finding:
    """Whether something judges: no recent item left unjudged for ``max_age``.

    With a story tracked, every item stored after it was added is judged in the cycle
    that stores it (in scale-out, by a judging job soon after; an item waiting for its
    linked page is not counted), so ``unjudged`` such items stored longer ago than
    ``max_age`` mean nothing judges: no worker serves the ``engine`` queue, or its
    judging jobs fail. Polling and delivery may look fine meanwhile, while no alert can
    come. A warning, not a problem: a story added while a poll cycle was storing items
    misses those few for good, and a supervisor must not restart a working service over
    them in a loop.
    """
    if not tracked:
        return Finding("judging", OK, "no story is tracked")
    if not unjudged:
        return Finding(
            "judging",
            OK,
            f"no recent item has waited more than {shown_limit(max_age)} to be judged",
        )
    return Finding(
        "judging",
        WARNING,
        f"{counted(unjudged, 'recent item')} stored more than {shown_limit(max_age)} ago "
        "and judged by no story: is a worker serving the engine queue running? "
        "(failed judging jobs: procrastinate shell, list_jobs status=failed)",
    )


def outbox_finding(counts: dict[str, int]) -> Finding:
    """The outbox line from ``storybot outbox``'s counts: dead messages are a warning,
    with the commands that list, retry and discard them; else how many are pending."""
    dead, pending = counts.get("dead", 0), counts.get("pending", 0)
    if dead:
        return Finding(
            "outbox",
            WARNING,
            f"{counted(dead, 'dead message')}, given up on (storybot outbox lists "
            f"{it_or_them(dead)}; storybot outbox --retry sends {it_or_them(dead)} again; "
            f"storybot outbox --discard deletes {it_or_them(dead)} if "
            f"{'it' if dead == 1 else 'they'} can never be delivered)",
        )
    return Finding("outbox", OK, f"no dead messages; {pending} pending")


# How the delivery worker words a refused token as a message's error ("TokenRefused: ...")
_TOKEN_REFUSED = f"{TokenRefused.__name__}: "


# Slack's code for a token without a scope the method needs, in such an error
_MISSING_SCOPE = ": missing_scope"


def token_refused(entry: OutboxEntry) -> bool:
    """Whether ``entry`` waits because its platform refused the bot's token when last asked."""
    return (entry.last_error or "").startswith(_TOKEN_REFUSED)


def delivering(
    overdue: list[str], max_age: timedelta, refused: list[OutboxEntry] | None = None
) -> Finding:
    """Messages due for longer than ``max_age`` and not sent, by the platform they are for.

    The delivery worker sends what is due at every tick (a message that failed waits for
    its back-off, and is not due meanwhile), so a message left due that long means no
    process delivers for its platform: no ``storybot run`` or worker serving ``deliver``,
    or none with that platform's token (a channel that followed a story on Discord
    before the Discord token was removed). A warning: a restart fixes the first, not the
    second.

    ``refused``: messages waiting because their platform refused the bot's token when last
    asked. The worker never gives them up and asks again every few minutes, so they are
    neither dead nor overdue: without them a token revoked for a weekend left every line
    ok while nothing was delivered. Also a warning: a restart does not fix a token.
    """
    found = []
    if refused:
        messages, platforms = _by_platform([e.target.platform for e in refused])
        error = shorten(" ".join(redacted(refused[0].last_error or "").split()), 120)
        if all(_MISSING_SCOPE in (e.last_error or "") for e in refused):
            # the token is good but the app lacks a scope (Slack): reinstalling the app
            # with it keeps the token, and the worker asks again on its own
            found.append(
                f"{messages} waiting because the bot's token lacks a scope "
                f"({platforms}: {error}); add it to the app and reinstall the app "
                "(no restart: they are sent at the next try, within 5 minutes)"
            )
        else:
            found.append(
                f"{messages} waiting because the platform refuses "
                f"the bot's token ({platforms}: {error}); set a good token and restart"
            )
    console = [p for p in overdue if p == CONSOLE_PLATFORM]
    overdue = [p for p in overdue if p != CONSOLE_PLATFORM]
    if overdue:
        messages, platforms = _by_platform(overdue)
        found.append(
            f"{messages} due for more than {shown_limit(max_age)} "
            f"and not sent ({platforms}): is a deliverer with that platform's token running?"
        )
    if console:
        found.append(console_overdue(len(console), max_age))
    if not found:
        return Finding("delivery", OK, f"nothing waiting for more than {shown_limit(max_age)}")
    waiting = len(refused or ()) + len(overdue) + len(console)
    return Finding(
        "delivery", WARNING, "; ".join(found) + f" (storybot outbox lists {it_or_them(waiting)})"
    )


def console_overdue(n: int, max_age: timedelta) -> str:
    """What ``delivering`` says of console messages left due: no token is missing.

    The console follows a story added while no chat token was set (``story add``,
    ``storybot ask``), and its subscriptions are the ones ``storybot ask`` made; only a
    ``storybot run`` (or worker) without chat tokens prints their messages. Once a token
    is set they wait for good, which is no outage: what ends them is said, as commands.
    """
    more = " or more" if n >= OVERDUE_READ else ""
    return (
        f"{counted(n, 'message')}{more} for the console due for more than "
        f"{shown_limit(max_age)} and not sent: only storybot run without chat tokens prints "
        "them (the console's follows and subscriptions were made while no chat token was "
        f"set; storybot follows remove {CONSOLE_PLATFORM}:{CONSOLE_CHANNEL} and storybot "
        f"subscriptions remove --user {CONSOLE_PLATFORM}:{CONSOLE_USER} --yes --quiet end "
        "them and take back what they queued)"
    )


def _by_platform(platforms: list[str]) -> tuple[str, str]:
    """How many messages ("3 messages", "1,000 messages or more" when the read was full)
    and their count by platform ("2 for discord, 1 for slack")."""
    more = " or more" if len(platforms) >= OVERDUE_READ else ""
    counts = Counter(platforms)
    listed = ", ".join(f"{n} for {p}" for p, n in sorted(counts.items()))
    return f"{counted(len(platforms), 'message')}{more}", listed
