"""``storybot db-copy``: move an installation's database into a new, empty one.

The copy itself is :func:`storage.dbcopy.copy_database`; this is what the operator sees:
a progress line on a terminal (stderr), then what was copied, table by table, and what
to do next (stdout). A failed copy is one line saying that nothing was committed, exit 1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from textwrap import shorten
from typing import TextIO

from bot.render import counted
from bot.settings import Settings


def db_copy(
    settings: Settings,
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Copy the configured database (or ``--from``) into ``--to``; the exit code.

    Raises:
        ConfigError: A database cannot be used (exit 2).
        UserError: Another process uses one of them (exit 2).
        DatabaseUnavailable: A server cannot be reached (exit 75).
    """
    from storage.dbcopy import CopyFailed, copy_database

    out = out or sys.stdout
    err = err or sys.stderr
    source = args.from_url if args.from_url is not None else settings.database_url
    source_from = "--from" if args.from_url is not None else settings.database_source
    progress = _Progress(err, draw=err.isatty())
    try:
        report = copy_database(
            source,
            args.to,
            source_from=source_from,
            other_sessions_ok=args.yes,
            progress=progress,
        )
    except CopyFailed as exc:
        progress.end()
        print(f"storybot: error: {exc}", file=err)
        return 1
    except KeyboardInterrupt:
        progress.end()
        if progress.started:
            print(
                "storybot: db-copy stopped: nothing was committed to the target, which holds "
                "storybot's tables and no row; run it again to copy",
                file=err,
                flush=True,
            )
        raise
    except BaseException:
        progress.end()
        raise
    progress.end()
    created = "; storybot's tables were created there first" if report.created_tables else ""
    print(
        f"copied {counted(report.rows, 'row')} in {counted(len(report.tables), 'table')} "
        f"from {report.source} to {report.target} in {report.seconds:.1f} s "
        f"(schema revision {report.revision}{created})",
        file=out,
    )
    width = max(len(t.name) for t in report.tables)
    digits = max(len(f"{t.rows:,}") for t in report.tables)
    for t in report.tables:
        nxt = f"   next id {t.next_id:,}" if t.next_id is not None else ""
        print(f"  {t.name.ljust(width)}  {t.rows:>{digits},}{nxt}", file=out)
    print(
        "every table holds as many rows in the copy as in the source (counted in the "
        "copy's transaction, before it was committed)",
        file=out,
    )
    if report.not_copied:
        print(
            f"not copied: {', '.join(report.not_copied)} (tables storybot does not know)",
            file=out,
        )
    print(
        "next: point every storybot process at the new database (STORYBOT_DATABASE_URL or "
        "[database] url) and start them; keep the old database until the new one runs",
        file=out,
    )
    return 0


class _Progress:
    """Where ``draw`` (stderr is a terminal): a line redrawn after each batch,
    "[10/19 tables] items: 40,000 of 100,000 rows"."""

    def __init__(self, err: TextIO, *, draw: bool) -> None:
        self._err = err
        self._draw = draw
        self._width = 0
        self._columns = shutil.get_terminal_size().columns if draw else 0
        self.started = False

    def __call__(self, table: str, done: int, total: int, tables_done: int, tables: int) -> None:
        self.started = True
        if not self._draw:
            return
        line = f"[{tables_done + 1}/{tables} tables] {table}: {done:,} of {total:,} rows"
        line = shorten(line, max(10, self._columns - 1))
        padded, self._width = line.ljust(self._width), len(line)
        print(f"\r{padded}", end="", file=self._err, flush=True)

    def end(self) -> None:
        if self._width:
            print(file=self._err, flush=True)
            self._width = 0
