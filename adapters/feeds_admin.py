"""``storybot feeds``: add, list and remove the polled feeds, from the command line.

A feed is admitted only if the poller would poll it (a well-formed URL on a host it does
not refuse: :func:`admit_feed_urls`, every URL before any is added) at an interval it
honours (:func:`feed_interval`); both are checked before the store is opened too
(:func:`adapters.opening_checks.check_before_opening`), so a refused ``feeds add`` leaves
no new database behind. Adding a feed already polled is how its interval is changed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO

from adapters.app import App
from adapters.cli_output import shown_time, whole_output
from adapters.declared import declarations
from bot.errors import UserError
from bot.feed_text import asked_note, gone_note, moved_note, part_note
from bot.polling import is_gone_error
from bot.ports import Conflict, HostCheck
from bot.render import counted, shown_text, shown_url
from bot.settings import MAX_POLL_INTERVAL_S, Settings
from bot.validate import admit_feed_url, normalise_feed_url, polled_feed


def feed_interval(settings: Settings, given: int | None) -> int:
    """The ``feeds add --interval``, checked: whole seconds the poller honours, or a usage error.

    The poller never polls more often than ``[polling] min_interval_s`` nor less often
    than once a day, so a value outside that range would be stored but not obeyed.
    """
    low, high = settings.polling.min_interval_s, MAX_POLL_INTERVAL_S
    if given is None:
        return settings.polling.default_interval_s
    if not low <= given <= high:
        raise UserError(
            f"--interval must be from {low} ([polling] min_interval_s) to {high} seconds, got {given}"
        )
    return given


def feeds(app: App, args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.feeds_cmd == "add":
        interval = feed_interval(app.settings, args.interval)
        if getattr(args, "admitted_urls", None) != args.url:  # not checked before opening
            asyncio.run(admit_feed_urls(args.url, app.host_check))  # all, before any is added
        with whole_output(out) as whole:
            for url in map(normalise_feed_url, args.url):
                try:
                    feed = app.store.add_feed(url, app.clock.now(), interval)
                    print(f"added feed #{feed.id}: {shown_url(url)}", file=whole)
                except Conflict:
                    given = interval if args.interval is not None else None
                    print(_already_polled(app, url, given), file=whole)
        return 0
    if args.feeds_cmd == "list":
        rows = app.store.list_feeds()
        if not rows:
            print("no feeds yet: storybot feeds add URL", file=out)
        for f in rows:
            error = (
                f"\t{counted(f.error_count, 'failure')}: {shown_text(f.last_error)}"
                if f.last_error
                else ""
            )
            # still polled through the redirect: only this line would ever say it
            moved = f"\t{moved_note(f)}" if f.moved_to else ""
            # still polled, backing off, until removed: say what to do, not only the error
            gone = f"\t{gone_note(f)}" if is_gone_error(f.last_error) else ""
            # a working feed losing the entries past what its parser read: only the log said it
            part = f"\t{part_note(f)}" if f.read_in_part else ""
            # "every 300 s" beside a next poll a day away: the feed's <ttl> or max-age
            asked = f"\t{note}" if (note := asked_note(f)) else ""
            print(
                f"#{f.id}\t{f.status.value}\t{shown_url(f.url)}\tevery {f.interval_s} s\t"
                f"last ok {shown_time(f.last_ok_at)}\tnext {shown_time(f.next_poll_at)}"
                f"{asked}{part}{gone}{moved}{error}",
                file=out,
            )
        return 0
    if args.feeds_cmd == "remove":
        return _remove(app, args.url, out)
    raise UserError(f"unknown feeds action {args.feeds_cmd}")


def _remove(app: App, urls: list[str], out: TextIO) -> int:
    """``feeds remove URL|#N ...``: stop polling those feeds, all or none.

    Every feed is found before any is removed, as ``subscriptions remove`` and ``outbox
    --retry`` take their ids: one that names no polled feed (a typo) removes nothing and
    exits 1, so that a mistyped one is never half done unnoticed. A feed named twice
    (``#4`` and its URL) is removed once; one removed meanwhile is skipped.
    """
    found = {url: polled_feed(app.store, url) for url in dict.fromkeys(urls)}
    unknown = [shown_url(url) for url, stored in found.items() if stored is None]
    if unknown:
        one = len(unknown) == 1
        print(
            f"storybot: not {'a polled feed' if one else 'polled feeds'}: {', '.join(unknown)}; "
            "nothing was removed (storybot feeds list lists them)",
            file=sys.stderr,
        )
        return 1
    with whole_output(out) as whole:
        for stored in dict.fromkeys(s for s in found.values() if s is not None):
            if app.store.remove_feed(stored):
                print(f"removed {shown_url(stored)}", file=whole)
                _say_if_declared(app, stored)
    return 0


def _already_polled(app: App, url: str, interval: int | None) -> str:
    """``feeds add`` of a feed already polled: its interval, changed if ``--interval`` was
    given and differs (adding it again is how its interval is changed). The URL is shown
    as ``feeds list`` shows it, its key hidden."""
    feed = app.store.get_feed(url)
    shown = shown_url(url)
    if feed is None:  # removed meanwhile
        return f"already polled: {shown}"
    if interval is None or interval == feed.interval_s:
        return f"already polled: {shown} (every {feed.interval_s} s; --interval SECONDS changes it)"
    app.store.set_feed_interval(url, interval)
    return (
        f"already polled: {shown}; now every {interval} s (was {feed.interval_s} s), "
        "from its next poll on"
    )


def _say_if_declared(app: App, url: str) -> None:
    """A note on stderr when the feed just removed is in the config file's ``[feeds] urls``.

    Every command adds the feeds the config file declares (``adapters.declared.apply_declared``),
    so such a feed is back with the next one: the operator is told where to remove it.
    """
    note = declarations(app.settings).feed_note(url)
    if note:
        print(f"storybot: note: {note}", file=sys.stderr)


async def admit_feed_urls(urls: list[str], host_check: HostCheck | None) -> None:
    """Refuse the command if any URL is malformed or on a host the poller would refuse."""
    for url in urls:
        await admit_feed_url(url, host_check)
