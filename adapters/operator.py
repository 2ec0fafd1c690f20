"""What the operator's CLI sub-commands that talk to the bot or run it do, on a built app.

``ask`` and ``chat`` answer /story commands in the terminal (:class:`NewDatabase` removes
again the SQLite file their opening created when they stored nothing), ``poll --once``
polls the due feeds once, and ``run`` is the service. Kept apart from argument parsing
(``adapters.cli_parser``) and the start-up checks (``adapters.cli``) so each action is a
small function that tests can call with a real app.

The other sub-commands have a module each beside this one: ``story`` in
``adapters.stories_admin``, ``feeds`` in ``adapters.feeds_admin``, ``outbox`` in
``adapters.outbox_admin``, ``prune`` in ``adapters.prune_admin``, ``follows`` in
``adapters.follow_admin``, ``subscriptions`` in ``adapters.subscription_admin``; what
they check before the store is opened is in ``adapters.opening_checks``, and what they
share in ``adapters.cli_output``.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from adapters.app import App, add_adapter, database_name
from adapters.chat_start import chat_adapters_from_settings
from adapters.console import ConsoleAdapter, console_request, format_reply, interactive
from adapters.service import run_service
from bot.digest import run_digests
from bot.model import FetchStatus
from bot.render import shorten, shown_text, shown_url

if TYPE_CHECKING:
    from storage.poller_lock import PollerLock

log = logging.getLogger(__name__)


async def ask(
    app: App, text: str, out: TextIO | None = None, *, new_database: NewDatabase | None = None
) -> int:
    """``storybot ask TEXT``: answer one /story command.

    Args:
        new_database: The SQLite file opening the store created (it did not exist):
            removed again if the command is refused, unless something else used it
            meanwhile or the config's stories and feeds were added to it (see
            :class:`NewDatabase`). The commands check what was typed
            against the data (a host the poller refuses, a query matching everything, an
            unknown story), so only they can tell; a refusal must not leave an empty
            database behind, as a refused ``storybot feeds add`` leaves none.

    Returns:
        0 if it succeeded, 2 if it was used wrongly (``Usage: ...``, an unknown command),
        1 for any other error it reported (an unknown story, say).
    """
    out = out or sys.stdout
    done = None  # not answered (an exception): whatever it stored stays
    try:
        reply = await app.commands.handle(console_request(text))
        print(format_reply(reply), file=out)
        done = 0 if reply.ok else 2 if reply.usage_error else 1
        return done
    finally:
        await app.aclose()
        if new_database is not None:
            new_database.close(remove=done in (1, 2))


async def chat(
    app: App, stdin: TextIO | None = None, *, new_database: NewDatabase | None = None
) -> int:
    """``storybot chat``: /story commands read from standard input until EOF or ``quit``.

    A terminal gets the ``/story`` prompt; piped input does not, so the replies are not
    run together with prompts nobody sees (``printf 'status\n' | storybot chat``).
    ``new_database`` (see :func:`ask`) is removed again when no command that may store
    something succeeded (only reads, help and refusals).
    """
    stdin = stdin or sys.stdin
    add_adapter(app, ConsoleAdapter())
    changed = True  # unless the session says otherwise (not when it failed)
    try:
        if stdin.isatty():
            changed = await interactive(app.commands)
        else:
            changed = await interactive(
                app.commands, read=lambda _prompt: _read_line(stdin), banner=False
            )
    finally:
        await app.aclose()
        if new_database is not None:
            new_database.close(remove=not changed)
    return 0


class NewDatabase:
    """A SQLite file this command's opening created, to remove again if it stored nothing.

    Made just after the store was opened (the schema made), before the config's stories
    and feeds are added: reading their seeds takes a while, in which another ``storybot``
    may store things in the new file, so a file they were added to is kept too. It keeps
    a connection of its own to the file and notes its ``PRAGMA data_version``, which
    changes whenever another connection commits. The file is removed
    only if no connection changed it since (this command's own, or another ``storybot``
    using the same new file meanwhile: a ``storybot run`` started while a ``storybot chat``
    was open, a ``storybot ask subscribe`` in another terminal) and none other has it open:
    leaving WAL mode, done first, needs the only connection to the file, and the file is
    unlinked under an exclusive lock. Otherwise it stays, as any database does.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # no busy wait: a lock held elsewhere means the file is in use, and it stays
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            path, timeout=0, isolation_level=None
        )
        self._version = _data_version(self._conn)

    def close(self, remove: bool) -> bool:
        """Stop watching; with ``remove``, remove the file and its journals if nothing
        else wrote to it or has it open. Returns whether it was removed."""
        conn, self._conn = self._conn, None
        if conn is None:
            return False
        try:
            if not (remove and self._unused(conn)):
                return False
            for suffix in ("", "-wal", "-shm", "-journal"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            return True
        except sqlite3.Error as exc:  # "database is locked": in use elsewhere, it stays
            log.debug("keeping the new database %s: %s", self.path, exc)
            return False
        finally:
            conn.close()

    def _unused(self, conn: sqlite3.Connection) -> bool:
        """Whether ``conn`` is alone with the file, which nothing changed since it was
        opened; if so ``conn`` holds it locked, out of WAL mode."""
        if _data_version(conn) != self._version:
            log.debug("keeping the new database %s: written to meanwhile", self.path)
            return False
        # raises "database is locked" while another connection has it open in WAL mode
        if str(conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower() != "delete":
            return False
        conn.execute("BEGIN EXCLUSIVE")
        return _data_version(conn) == self._version


def _data_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _read_line(stdin: TextIO) -> str:
    """The next line of piped input, without a prompt; EOFError at its end (as ``input``)."""
    line = stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


# the progress line's word for each fetch status: the summary's words ("unchanged", not "not_modified")
_PROGRESS_WORD = {
    FetchStatus.OK: "ok",
    FetchStatus.NOT_MODIFIED: "unchanged",
    FetchStatus.ERROR: "failed",
}


def _progress(out: TextIO):
    """One line on a terminal, rewritten for each feed polled.

    A failure is not kept on its own line: the summary lists each failed feed once, with
    its error, so a terminal shows it once as a pipe does.
    """
    width = 0
    # a line as wide as the terminal wraps, and "\r" then redraws only its last row
    columns = shutil.get_terminal_size().columns

    def show(done: int, total: int, feed, result) -> None:
        nonlocal width
        word = _PROGRESS_WORD.get(result.status, str(result.status))
        head = f"[{done}/{total}] {word:<9} "
        line = head + shorten(shown_url(feed.url), max(10, min(60, columns - 1 - len(head))))
        # pad over the longer line before it; no fixed width, so nothing wraps in a narrow one
        print(f"\r{line.ljust(width)}", end="", file=out, flush=True)
        width = len(line)

    return show


async def poll_once(
    app: App, *, deliver: bool = False, all_feeds: bool = False, out: TextIO | None = None
) -> int:
    """One cycle of the due feeds (every feed with ``all_feeds``), then exit.

    A terminal gets a progress line; each failed feed is listed once, in the summary (the
    pipeline does not log it as well). ``deliver`` then prints the queued alerts to the
    console, whether or not any feed was due: messages queued earlier are delivered too.

    Returns:
        0, or 1 when feeds were polled and every one of them failed.
    """
    out = out or sys.stdout
    try:
        async with app.poller_lock("storybot poll --once"):
            return await _poll_once(app, deliver=deliver, all_feeds=all_feeds, out=out)
    finally:
        await app.aclose()


async def _poll_once(app: App, *, deliver: bool, all_feeds: bool, out: TextIO) -> int:
    """``poll_once`` with the poller lock held.

    Its store calls run in threads, as the pipeline's own do (``Pipeline.poll_due``): none
    waits for the database on the event loop the fetches and deliveries run on
    (``tests/loop_guard.py`` checks it).
    """
    status = 0
    now = app.clock.now()
    store = app.store
    if all_feeds:
        feeds = await asyncio.to_thread(store.list_feeds)
    else:
        feeds = await asyncio.to_thread(store.due_feeds, now)
    # items waiting for their linked page ([pages] wait_s) are tried in a cycle too
    waits = [] if feeds or all_feeds else await asyncio.to_thread(store.due_page_waits, now, 1)
    if waits:
        report = await app.pipeline.poll_due(log_failures=False)
        print(f"no feeds are due; {report.waits_line()}", file=out)
    elif not feeds and (all_feeds or not await asyncio.to_thread(store.list_feeds)):
        # none at all (before any `feeds add`, or a cron job in the wrong directory):
        # "none due" would suggest they are polled some other time
        print(
            f"no feeds yet in the {database_name(app.settings)}: storybot feeds add URL", file=out
        )
    elif not feeds:
        print(
            "no feeds are due (storybot feeds list shows when each is next polled; "
            "poll --once --all polls them all now)",
            file=out,
        )
    else:
        tty = out.isatty()
        progress = _progress(out) if tty else None
        if all_feeds:
            report = await app.pipeline.poll_feeds(feeds, progress, log_failures=False)
        else:
            report = await app.pipeline.poll_due(progress=progress, log_failures=False)
        if tty:
            print(file=out)  # ends the progress line
        print(report.line(), file=out)
        for url, error in report.failures:
            print(f"  failed: {shown_url(url)}: {shown_text(error)}", file=out)
        waiting = report.alerts_queued + report.alert_edits
        if waiting and not deliver:
            # else "3 alerts queued" is the last word, and nothing shows where they went
            one = waiting == 1
            if report.alerts_queued and report.alert_edits:
                what = "alerts and alert edits"
            else:
                what = "alert" if report.alerts_queued else "alert edit"
                what += "" if one else "s"
            print(
                f"  the {what} {'waits' if one else 'wait'} in the outbox: `storybot run` "
                f"posts {'it' if one else 'them'}, `storybot poll --once --deliver` prints "
                f"{'it' if one else 'them'} here",
                file=out,
            )
        status = 1 if report.all_failed else 0
    if deliver:
        # digests too (digest follows, a realtime channel's overflow): what `run`'s
        # scheduler would queue by now, so cron-driven polling misses nothing
        await asyncio.to_thread(run_digests, store, app.clock, app.settings.delivery.zone)
        add_adapter(app, ConsoleAdapter(out))
        await app.delivery.deliver_due(limit=1000)
    return status


async def run(app: App, *, scheduler: bool = True, stop: asyncio.Event | None = None) -> int:
    """``storybot run``: the service, with the chat adapters whose tokens are set.

    With no tokens alerts print to this console, for the stories the console follows.
    It follows a story from when the story is added (``follow_in_console``), not from
    every start, so ``/story unfollow`` in the console stays done across restarts.
    ``stop`` ends it as SIGTERM does (default: only the signals).
    """
    if not scheduler:  # the front end polls nothing: workers do, serialised by the queue
        return await _run(app, scheduler=False, stop=stop)
    async with app.poller_lock("storybot run") as lock:  # first: refused before anything starts
        return await _run(app, scheduler=True, stop=stop, lock=lock)


async def _run(
    app: App, *, scheduler: bool, stop: asyncio.Event | None, lock: PollerLock | None = None
) -> int:
    """``run``, with the poller lock held when ``scheduler`` (checked before each cycle)."""
    for adapter in chat_adapters_from_settings(app):
        add_adapter(app, adapter)
    if not app.adapters:
        # without the scheduler this process delivers nothing: the workers print them
        where = "this console" if scheduler else "the output of the `storybot worker`s that deliver"
        print(
            f"no chat tokens set: alerts print to {where} "
            "(set SLACK_BOT_TOKEN/SLACK_APP_TOKEN or DISCORD_BOT_TOKEN for chat)",
            file=sys.stderr,
        )
        add_adapter(app, ConsoleAdapter())
    await run_service(app, scheduler=scheduler, stop=stop, poller_lock=lock)
    return 0
