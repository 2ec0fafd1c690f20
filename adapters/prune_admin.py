"""``storybot prune``: give back the space of old off-topic items and sent notices.

The store prunes in committed batches (:meth:`bot.ports.Store.prune`); this says what it
did, draws its progress on a terminal (:class:`_PruneProgress`) and, stopped midway,
says that what the batches committed stays done.
"""

from __future__ import annotations

import shutil
import sys
from datetime import timedelta
from typing import TextIO

from adapters.app import App
from adapters.cli_output import check_range
from bot.duration import a_span
from bot.ports import PruneReport
from bot.render import counted, shorten

# `prune --older-than` at most: 100 years (a cut-off before year 1 does not exist)
PRUNE_MAX_DAYS = 36500


def prune(
    app: App, days: float, dry_run: bool, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """``storybot prune``: give back the space of old off-topic items and sent notices.

    The summary goes to ``out`` (stdout), for scripts and cron mail. The prune goes in
    batches (``storage.retention.PRUNE_BATCH`` ids, each committed): a million items take
    half a minute, so where ``err`` (stderr) is a terminal it gets a progress line, as
    ``poll --once`` draws its own (and git its progress); elsewhere (cron, a pipe, a log
    file) nothing is added to what a prune that ends prints. Stopped midway (Ctrl-C, a
    lost connection), what the batches committed stays done, and it says so on stderr,
    terminal or not: the next prune does the rest.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    check_range("--older-than", days, 1, PRUNE_MAX_DAYS, "day")
    progress = _PruneProgress(err, draw=err.isatty())
    try:
        report = app.store.prune(
            app.clock.now() - timedelta(days=days), dry_run=dry_run, progress=progress
        )
    except BaseException:
        progress.stopped()
        raise
    progress.end()
    would = "would blank" if dry_run else "blanked"
    print(
        f"{would} the text of {counted(report.items, 'off-topic item')} fetched more than "
        f"{a_span(counted(days, 'day'))} ago; {'would delete' if dry_run else 'deleted'} "
        f"{_notices(report.outbox)} queued before then and {_updates(report.updates)} "
        "recorded before then that every follow's digests have passed",
        file=out,
    )
    freed = report.items or report.outbox or report.updates
    if freed and not dry_run and app.settings.database_url.startswith("sqlite"):
        print("SQLite reuses the freed pages; run VACUUM to shrink the file itself", file=out)
    return 0


def _notices(n: int) -> str:
    return counted(n, "delivered notice or digest", "delivered notices and digests")


def _updates(n: int) -> str:
    """Development updates: what later reports added to a development, which digests tell."""
    return counted(n, "development update")


class _PruneProgress:
    """What ``prune``'s committed batches did so far; with ``draw`` (stderr is a terminal),
    a progress line redrawn after each: "[40/100 batches] blanked 390000 items, deleted
    0 notices and digests so far", with ", 30 updates" after them once development updates
    were deleted (the batches in all are known before the first; how many items a batch
    blanks is not, so no total of items is promised)."""

    def __init__(self, err: TextIO, *, draw: bool) -> None:
        self._err = err
        self._draw = draw
        self._width = 0
        self._last: PruneReport | None = None
        self._columns = shutil.get_terminal_size().columns if draw else 0

    def __call__(self, done: int, total: int, so_far: PruneReport) -> None:
        self._last = so_far
        if not self._draw:
            return
        # in 80 columns (the summary then says it in full)
        deleted = counted(so_far.outbox, "notice or digest", "notices and digests")
        if so_far.updates:  # only then: the usual line stays within 80 columns
            deleted += f", {counted(so_far.updates, 'update')}"
        line = (
            f"[{done}/{counted(total, 'batch', 'batches')}] blanked "
            f"{counted(so_far.items, 'item')}, deleted {deleted} so far"
        )
        # fits the terminal: a line that wraps is redrawn only in its last row
        line = shorten(line, max(10, self._columns - 1))
        padded, self._width = line.ljust(self._width), len(line)  # (a Ctrl-C in print: see end)
        print(f"\r{padded}", end="", file=self._err, flush=True)

    def end(self) -> None:
        """End the progress line (the summary follows on stdout)."""
        if self._width:
            print(file=self._err, flush=True)

    def stopped(self) -> None:
        """End the line, saying that what the committed batches did stays done (on a
        terminal or not: the error that stopped it follows, in cron's mail too)."""
        self.end()
        last = self._last
        if last is not None and (last.items or last.outbox or last.updates):
            print(
                "storybot: prune stopped after blanking the text of "
                f"{counted(last.items, 'off-topic item')}, deleting "
                f"{_notices(last.outbox)} and {_updates(last.updates)}; that stays done: "
                "run it again to do the rest",
                file=self._err,
                flush=True,
            )
