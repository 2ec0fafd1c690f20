"""``storybot outbox``: what waits to be delivered, what was given up on, what went out.

The outbox is where every alert, direct message and digest waits for delivery (see
:mod:`bot.delivery`). This lists it (:func:`outbox`), sends the dead messages again once
what refused them is fixed (:func:`retry_dead`), gives up on them for good
(:func:`discard_dead`), and shows what was delivered lately (:func:`sent`), each message
on one line in the same form.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Iterable, TextIO

from adapters.app import App
from adapters.cli_output import shown_time
from adapters.log_setup import redacted
from bot.duration import the_last
from bot.errors import UserError
from bot.model import OutboxEntry
from bot.render import clip, counted, shorten


def outbox(app: App, limit: int = 20, out: TextIO | None = None) -> int:
    """``storybot outbox``: how many messages are pending, delivered and dead, then which.

    Dead messages (given up after a permanent error) are listed newest first and pending
    ones earliest due first, each with its target, attempts and last error: what an
    operator needs when a channel says it got nothing.
    """
    out = out or sys.stdout
    counts = app.store.outbox_counts()
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=out)
    for dead, heading in ((True, "dead (not retried)"), (False, "pending")):
        if not counts.get("dead" if dead else "pending"):
            continue
        entries = app.store.undelivered_outbox(dead, limit)
        shown = (
            f", {len(entries)} shown"
            if len(entries) < counts["dead" if dead else "pending"]
            else ""
        )
        print(f"\n{heading}{shown}:", file=out)
        for e in entries:
            print(f"  {_outbox_line(e, dead)}", file=out)
    return 0


def retry_dead(app: App, ids: list[int] | None, out: TextIO | None = None) -> int:
    """``storybot outbox --retry [ID ...]``: dead messages are due again, from zero attempts.

    Delivery gives up on a message the platform refuses for good (the bot not in the
    channel, no permission); once that is fixed, the operator sends them again. The
    running service (or ``poll --once --deliver``) delivers them. Ids are all or none, as
    ``--discard`` takes them: one that is not a dead message (a typo, a pending one)
    requeues nothing and exits 1, so that a mistyped id is never half done unnoticed.
    """
    out = out or sys.stdout
    result = app.store.requeue_dead(ids, app.clock.now())
    if result.not_dead:
        return _refuse_not_dead(result.not_dead, "retried")
    n = result.requeued
    if n == 0:  # every dead message, and there was none
        print("no dead messages to retry (storybot outbox lists them)", file=out)
        return 0
    print(
        f"{counted(n, 'dead message')} queued again; the running service delivers "
        f"{'it' if n == 1 else 'them'} (or: storybot poll --once --deliver)",
        file=out,
    )
    return 0


def _refuse_not_dead(not_dead: Iterable[int], done: str) -> int:
    """Say which of the ids given to ``--retry`` or ``--discard`` (``done``: what nothing
    was) are not dead messages, on stderr; the exit code, 1."""
    shown = [f"#{i}" for i in not_dead]
    print(
        f"storybot: not {'a dead message' if len(shown) == 1 else 'dead messages'}"
        f": {', '.join(shown)}; nothing was {done} (storybot outbox lists the dead ones)",
        file=sys.stderr,
    )
    return 1


def discard_dead(
    app: App, ids: list[int] | None, *, yes: bool = False, out: TextIO | None = None
) -> int:
    """``storybot outbox --discard [ID ...]``: give up for good on dead messages.

    For those ``--retry`` would only send to fail again (a deleted channel, a follow an
    operator removed): until they go, ``storybot outbox`` lists them and ``storybot health
    --strict`` fails. Ids are all or none, as ``subscriptions remove`` takes them: one
    that is not a dead message (a typo, a pending one) discards nothing and exits 1
    (:func:`_refuse_not_dead`, as ``--retry``).
    Every dead message at once only goes with ``yes`` (a ``--discard`` given without
    its ids must not wipe the record), as ``story remove`` and ``subscriptions remove
    --user`` ask for it; exit codes otherwise are ``--retry``'s.
    """
    out = out or sys.stdout
    if ids is None:
        dead = app.store.outbox_counts().get("dead", 0)
        if not dead:
            print("no dead messages to discard (storybot outbox lists them)", file=out)
            return 0
        if not yes:
            raise UserError(
                f"there {'is' if dead == 1 else 'are'} {counted(dead, 'dead message')}; run "
                "`storybot outbox --discard --yes` to delete "
                f"{'it' if dead == 1 else 'all of them'}, or give the #IDs to delete "
                "(storybot outbox lists them)"
            )
    result = app.store.discard_dead(ids)
    if result.not_dead:
        return _refuse_not_dead(result.not_dead, "discarded")
    if not result.discarded:  # every dead message, and none was left by now
        print("no dead messages to discard (storybot outbox lists them)", file=out)
        return 0
    for e in result.discarded:
        print(f"discarded {_outbox_line(e, True)}", file=out)
    n = len(result.discarded)
    print(f"{counted(n, 'dead message')} discarded; never to be sent", file=out)
    return 0


def sent(app: App, hours: float, limit: int = 20, out: TextIO | None = None) -> int:
    """``storybot outbox --sent [HOURS]``: what the bot delivered lately, newest first.

    The answer to "what did it post overnight": each alert, DM and digest delivered in
    the window, with its target and when it went out.
    """
    out = out or sys.stdout
    since = app.clock.now() - timedelta(hours=hours)
    entries = app.store.delivered_outbox(since, limit)
    window = f"in {the_last(counted(hours, 'hour'))}"
    if not entries:
        print(f"nothing delivered {window}", file=out)
        return 0
    more = " (the newest; --limit shows more)" if len(entries) == limit else ""
    print(f"delivered {window}{more}:", file=out)
    for e in entries:
        print(f"  {shown_time(e.delivered_at)}  {_outbox_what(e)}", file=out)
    return 0


def _outbox_what(e: OutboxEntry) -> str:
    # "#12 alert [pentagon] to slack channel C1: 'headline'" (a DM's notice may have no story)
    t = e.target
    where = (
        f"{t.platform} channel {t.channel_id}" if t.channel_id else f"{t.platform} user {t.user_id}"
    )
    title = shorten(" ".join(e.message.title.split()), 70)
    story = f" [{clip(e.message.story_name, 64)}]" if e.message.story_name else ""
    return f"#{e.id} {e.message.kind.value}{story} to {where}: {title!r}"


def _outbox_line(e: OutboxEntry, dead: bool) -> str:
    when = "" if dead else f", next try {shown_time(e.next_attempt_at)}"
    tries = counted(e.attempts, "attempt")
    error = f" — {redacted(e.last_error)}" if e.last_error else ""
    return f"{_outbox_what(e)} ({tries}{when}){error}"
