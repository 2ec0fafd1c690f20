"""``storybot health``: one line per check, for process supervisors, probes and cron.

The checks read the database and change nothing (no migration, no new file):

* ``database``: it answers, and storybot can write it now (a SQLite file: a running
  service's note that its writes fail, or a probe of the write lock; a PostgreSQL
  database: not a standby, sessions not read-only, and the role may write every table
  of storybot's: see :func:`writes`).
* ``schema``: it is at the revision this code migrates to (``storybot run`` and
  ``storybot db-upgrade`` bring it there; a database behind it is what an upgrade of
  storybot without a restart looks like).
* ``polling``: something polls the feeds. It fails when a feed has been due for longer
  than ``max_age`` and no feed at all was polled within ``max_age``: the service polls
  every due feed at its next tick, so a feed left waiting that long while nothing polls
  means no ``storybot run`` (or no worker serving ``poll``) is running, or it is stuck.
  It measures how long due feeds have waited, not the time since the last poll, so
  feeds polled once a day (or backing off for hours) need no longer ``max_age``.
* ``judging``: with a story tracked, no recent item stored longer than ``max_age`` ago
  that no story has judged (a warning: see :func:`judging`).
* ``outbox``, ``delivery`` and ``feeds``: dead messages; messages due for longer than
  ``max_age`` and not sent (nothing delivers for their platform), or waiting because
  their platform refuses the bot's token (the delivery worker keeps them, never dead,
  and asks again every few minutes, so they are neither dead nor overdue); feeds that failed more
  than ``max_failures`` polls in a row, or a last poll that reached no feed's server (this
  machine's network down: the feeds do not count it as their failure), and feeds an
  operator must act on however few polls they failed: gone (their server answered 410),
  moved permanently (301/308; they work) or read in part (the parser's bounds, or more
  entries than a poll reads: they work, and lose the entries past the part). These are
  *warnings*: a supervisor restarts a process whose check fails, and a restart fixes
  neither a channel that refused the bot nor a broken feed (nor the network), so they do
  not fail the check (a probe failing on them would restart a working service in a loop).
  ``strict`` makes them problems, for a cron job whose failure tells a person.
* ``owners``: each platform's last check of subscription owners (``bot.member_check``,
  stored by the service that ran it): when, how many it checked and removed. A warning
  when it cannot work (a Slack token without ``users:read``), or when it has not run for
  twice its period while something polls (the service runs, and its check does not: a
  front end without the platform's token, or none at all beside the workers); a platform
  whose token is not set where health runs is told, not warned of (its token was removed:
  nothing checks it any more, and its row stays): see :func:`owner_checks`.

The default ``max_age`` is :func:`default_max_age_s`.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from adapters.console import CONSOLE_CHANNEL, CONSOLE_USER
from adapters.log_setup import redacted
from bot.clock import utc
from bot.duration import duration
from bot.errors import ConfigError, TokenRefused
from bot.feed_text import gone_note, moved_note, part_note
from bot.model import Feed, OutboxEntry, OwnerCheckRun
from bot.polling import is_gone_error, is_local_url, is_outage_error, without_outage_note
from bot.ports import StoreBusy
from bot.render import counted, shorten, shown_text, shown_url
from bot.settings import PollingSettings, Settings
from bot.stories import CONSOLE_PLATFORM
from storage import open_store
from storage.migrate import (
    NewerSchema,
    NoStorybotSchema,
    SchemaRevision,
    schema_revision,
    shown_tables,
    unknown_reason,
)
from storage.write_state import (
    SEQUENCE_PRIVILEGE,
    TABLE_PRIVILEGES,
    PgWriteState,
    probe_pg_writes,
    probe_write_lock,
    read_write_note,
)

OK, WARNING, PROBLEM = "ok", "warning", "problem"
DEFAULT_MAX_FAILURES = 5
OVERDUE_READ = 1000  # overdue outbox messages read at most (the count says "or more")


def default_max_age_s(polling: PollingSettings) -> float:
    """The ``--max-age`` default: 3 × the longer of ``min_interval_s`` and a tick + a fetch.

    15 minutes with the default settings (3 × 300 s). It bounds how long a feed may wait
    past its due time while nothing at all is polled. A running service takes a due feed
    at its next tick (``tick_seconds``) and records the poll once the feed is fetched
    (``timeout_s`` at most) and its items judged, chunk by chunk, so a restart or a slow
    cycle stays well inside it, while a stopped poller is noticed a quarter of an hour
    after a feed fell due. A longer tick or fetch timeout gives a longer default; a very
    short interval (a test config) a shorter one.
    """
    return 3 * max(float(polling.min_interval_s), polling.tick_seconds + polling.timeout_s)


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ``status`` is ok, warning or problem."""

    check: str
    status: str
    detail: str

    def line(self) -> str:
        """``status check: detail`` on one line (a server's multi-line error joined)."""
        return f"{self.status} {self.check}: {' '.join(self.detail.split())}"


def health(
    settings: Settings,
    *,
    now: datetime,
    max_age_s: float | None = None,
    max_failures: int = DEFAULT_MAX_FAILURES,
    strict: bool = False,
    out: TextIO | None = None,
) -> int:
    """Run the checks on the settings' database and print one line per check.

    Args:
        settings: Which database, and the ``[polling]`` settings for the default age.
        now: The time the checks compare with (the system clock on the command line).
        max_age_s: Overrides :func:`default_max_age_s`.
        max_failures: Feeds that failed more than this many polls in a row are reported.
        strict: Report warnings as problems (they then fail the check).
        out: Where the lines go (standard output).

    Returns:
        0 when every check is ok (warnings allowed unless ``strict``), else 1.

    Raises:
        ConfigError: the database does not exist (a SQLite file is never created; a
            PostgreSQL server answers that it has no such database) or its URL is
            unusable: the command line's exit code 2, as for the other commands that
            only read. A database server that does not answer is a problem (exit 1).
    """
    out = out or sys.stdout
    max_age = timedelta(
        seconds=default_max_age_s(settings.polling) if max_age_s is None else max_age_s
    )
    findings = check(settings, utc(now), max_age, max_failures)
    if strict:
        findings = [
            Finding(f.check, PROBLEM, f.detail) if f.status == WARNING else f for f in findings
        ]
    for finding in findings:
        print(finding.line(), file=out)
    return 1 if any(f.status == PROBLEM for f in findings) else 0


def check(
    settings: Settings, now: datetime, max_age: timedelta, max_failures: int
) -> list[Finding]:
    """The findings of every check, in order; see the module docstring."""
    from adapters.app import database_name

    name = database_name(settings).removeprefix("database ")
    try:
        store = open_store(
            settings.database_url,
            source=settings.database_source,
            upgrade=False,
            create=False,
            writable=False,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )
    except ConfigError as exc:
        cause = exc.__cause__  # a SQLite file, refused untouched: what it holds
        if isinstance(cause, NoStorybotSchema):
            return [Finding("database", OK, f"{name} answers"), _no_schema(cause.tables)]
        if isinstance(cause, NewerSchema):  # a newer storybot's, another application's
            revision = SchemaRevision(cause.unknown, cause.head, cause.unknown)
            return [Finding("database", OK, f"{name} answers"), _schema(revision)]
        if not isinstance(cause, DBAPIError) or _no_such_database(cause):
            raise  # no such database (file or PostgreSQL), a bad URL: the operator's, exit 2
        return [Finding("database", PROBLEM, str(exc))]
    try:
        findings: list[Finding] = []
        try:
            findings.append(writes(name, store.engine, now, settings.database_source))
            revision = schema_revision(store.engine)
        except SQLAlchemyError as exc:
            if findings and findings[0].status == PROBLEM and store.engine.dialect.name != "sqlite":
                # a role without the privileges, which says what to do, cannot read either
                return [*findings, Finding("database", PROBLEM, f"cannot read it: {_reason(exc)}")]
            return [Finding("database", PROBLEM, f"{name}: {_reason(exc)}")]
        findings.append(_schema(revision))
        if not revision.at_head:
            return findings  # the other checks read tables this code expects
        try:
            feeds = store.list_feeds()
            stories = store.list_stories()
            unjudged = (
                store.unjudged_items(min(utc(st.created_at) for st in stories), now - max_age)
                if stories
                else 0
            )
            outbox = store.outbox_counts()
            overdue = store.due_outbox(now - max_age, limit=OVERDUE_READ, queued_ahead=False)
            refused = [e for e in store.undelivered_outbox(False, OVERDUE_READ) if token_refused(e)]
            # a refused message no deliverer asked about again is overdue too: said once, as
            # refused (a good token and a restart is what it needs either way)
            held = {e.id for e in refused}
            runs = store.owner_check_runs()
        except (SQLAlchemyError, StoreBusy) as exc:
            return [*findings, Finding("database", PROBLEM, f"cannot read it: {_reason(exc)}")]
        polled = polling(feeds, now, max_age)
        return [
            *findings,
            polled,
            judging(bool(stories), unjudged, max_age),
            _outbox(outbox),
            delivering([e.target.platform for e in overdue if e.id not in held], max_age, refused),
            failing(feeds, max_failures),
            owner_checks(
                runs,
                now,
                settings.check_owners_hours,
                polled.status == OK,
                configured_platforms(settings),
            ),
        ]
    finally:
        store.close()


def writes(name: str, engine: Engine, now: datetime, source: str = "") -> Finding:
    """The database line: it answers, and whether storybot can write it now.

    A SQLite file (see :mod:`storage.write_state`): a running ``storybot run``'s note that
    its jobs cannot write it (a full disk, a lock), since when and why; else a probe of its
    write lock, which waits as long as storybot's writes do (10 s) and writes nothing.
    Either is a problem from the first failed write, where the polling line waits for
    feeds left due for ``--max-age``.

    A PostgreSQL database: one read-only statement asking whether the server is a
    standby, its sessions are read-only, or the role lacks a privilege storybot's writes
    need on its tables (:func:`pg_writes`); ``source`` is where its URL came from (named
    in what to do about a standby).
    """
    state = probe_pg_writes(engine)
    if state is not None:
        return pg_writes(name, state, source)
    note = read_write_note(engine)
    if note is not None:
        since = utc(note.since)
        return Finding(
            "database",
            PROBLEM,
            f"{name} answers, but {note.what} (pid {note.pid}) cannot write it: its "
            f"{note.job} job has failed since {since:%Y-%m-%d %H:%M} UTC "
            f"({_age(max(now - since, timedelta(0)))} ago): {redacted(note.error)}"
            f"{_room_hint(note.error)}",
        )
    locked = probe_write_lock(engine)
    if locked is not None:
        return Finding(
            "database",
            PROBLEM,
            f"{name} answers, but cannot be written now: {locked} (a long storybot prune, "
            "a backup or another program?); storybot's writes fail until it lets go",
        )
    return Finding("database", OK, f"{name} answers")


def pg_writes(name: str, state: PgWriteState, source: str) -> Finding:
    """The database line of a PostgreSQL database (:func:`storage.write_state.probe_pg_writes`).

    A problem, saying what to do, when storybot's writes fail there whatever it does: a
    standby (point the URL at the primary), sessions read-only by
    ``default_transaction_read_only`` (the statement that ends it, from where it is set),
    or privileges the role lacks on storybot's tables or on the sequences of their ids
    (the GRANTs, for the role owning the tables to run). Else ok, naming the role.
    """
    problems = []
    if state.standby:
        problems.append(
            "it is a standby server (pg_is_in_recovery()), read-only: storybot's writes "
            f"fail there; point {source or 'the database URL'} at the primary"
        )
    elif state.read_only and state.read_only_source == "default":  # not by that setting
        problems.append(
            "its transactions are read-only (transaction_read_only = on): storybot's "
            "writes fail there"
        )
    elif state.read_only:
        problems.append(
            "its sessions are read-only: default_transaction_read_only = on, "
            f"{_read_only_end(state)}; storybot's writes fail until it is off"
        )
    if state.missing:
        problems.append(_missing_privileges(state))
    if problems:
        return Finding("database", PROBLEM, f"{name} answers, but {'; and '.join(problems)}")
    if not state.tables:  # not storybot's database (yet): the schema line tells
        return Finding("database", OK, f"{name} answers")
    return Finding(
        "database", OK, f"{name} answers, and storybot can write it (as role {state.role})"
    )


def _read_only_end(state: PgWriteState) -> str:
    """Where ``default_transaction_read_only = on`` comes from, and what turns it off."""
    setting = "default_transaction_read_only"
    role, database = state.role, state.database
    source = state.read_only_source
    if source == "client":
        return (
            "set by the connection's options (options=-c... in the URL, or PGOPTIONS in "
            "the environment): remove it"
        )
    if source == "user":
        return f"set for role {role}: ALTER ROLE {role} RESET {setting}"
    if source == "database":
        return f"set for database {database}: ALTER DATABASE {database} RESET {setting}"
    if source == "database user":
        return (
            f"set for role {role} in database {database}: ALTER ROLE {role} IN DATABASE "
            f"{database} RESET {setting}"
        )
    return f"set in the server's {source}: ALTER ROLE {role} SET {setting} = off"


def _missing_privileges(state: PgWriteState) -> str:
    """ "role bot may not write storybot's tables: no INSERT, UPDATE or DELETE on items,
    …; no USAGE on the id sequences of …; storybot's writes fail until it may: GRANT …"."""
    lacking: dict[str, list[str]] = {}
    sequences = []
    for table, privilege in state.missing:
        if privilege == SEQUENCE_PRIVILEGE:
            sequences.append(table)
        else:
            lacking.setdefault(table, []).append(privilege)
    groups: dict[tuple[str, ...], list[str]] = {}
    for table, privileges in lacking.items():
        key = tuple(p for p in TABLE_PRIVILEGES if p in privileges)
        groups.setdefault(key, []).append(table)
    parts = [
        f"no {_either(list(privileges))} on {_some(sorted(tables))}"
        for privileges, tables in sorted(groups.items(), key=lambda kv: min(kv[1]))
    ]
    if sequences:
        parts.append(f"no {SEQUENCE_PRIVILEGE} on the id sequences of {_some(sorted(sequences))}")
    grants = []
    for schema in state.schemas:
        if lacking:
            grants.append(
                f"GRANT {', '.join(TABLE_PRIVILEGES)} ON ALL TABLES IN SCHEMA {schema} "
                f"TO {state.role}"
            )
        if sequences:
            grants.append(
                f"GRANT {SEQUENCE_PRIVILEGE} ON ALL SEQUENCES IN SCHEMA {schema} TO {state.role}"
            )
    if len(state.owners) == 1:
        owner = state.owners[0]
        who = f"(as {owner}), or run storybot as {owner}, the role that owns them"
    else:
        who = f"(each as the owner of its tables: {', '.join(state.owners)}; or as a superuser)"
    return (
        f"role {state.role} may not write storybot's tables: {'; '.join(parts)}; storybot's "
        f"writes fail until it may: {'; '.join(grants)} {who}"
    )


def _either(words: list[str]) -> str:
    """ "INSERT, UPDATE or DELETE" (one word: itself)."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _some(names: list[str], shown: int = 3) -> str:
    """The first ``shown`` names, and how many more: "a, b, c and 16 more"."""
    if len(names) <= shown:
        return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


def _room_hint(error: str) -> str:
    """What to do about a full disk: the service goes on by itself once it can write."""
    lowered = error.lower()
    if "full" in lowered or "no space" in lowered or "disk i/o" in lowered:
        return "; free some space: it goes on by itself"
    return ""


# PostgreSQL's SQLSTATE for a database it does not have (invalid_catalog_name)
_INVALID_CATALOG_NAME = "3D000"
# ... and its English text, for when no SQLSTATE comes with the error (see below)
_NO_SUCH_DATABASE = re.compile(r'FATAL:\s+database ".*" does not exist')


def _no_such_database(exc: DBAPIError) -> bool:
    """Whether the server answered that the database does not exist.

    That is the URL naming a database that was never created (or was dropped): a setting
    to fix, as a SQLite file that does not exist is, not a failure a restart could mend.
    A server that does not answer stays a problem (exit 1).

    The error's SQLSTATE (``3D000``) says so in any language, when the driver has it
    (psycopg's ``Error.sqlstate``). psycopg 3 (3.3 checked) sets none on a failed
    *connection*, though, which is where this error comes: libpq reports a connection
    failure as text only. Then the server's message is matched, and that match is
    English only: a server whose ``lc_messages`` is another language words it otherwise,
    and its missing database is reported as a problem (exit 1) instead.
    """
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate:
        return bool(sqlstate == _INVALID_CATALOG_NAME)
    return _NO_SUCH_DATABASE.search(str(exc.orig)) is not None


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return " ".join(str(orig or exc).split())


def _schema(revision: SchemaRevision) -> Finding:
    current = ", ".join(revision.current)
    head = ", ".join(revision.head)
    if revision.at_head:
        return Finding("schema", OK, f"at the latest revision ({head})")
    if not revision.current:
        return _no_schema(revision.tables)
    if revision.unknown:
        return Finding(
            "schema",
            PROBLEM,
            f"at revision {current}, {unknown_reason(revision.unknown, revision.head)}",
        )
    return Finding(
        "schema",
        PROBLEM,
        f"at revision {current}, behind {head}: run `storybot db-upgrade` "
        "(or restart the service, which upgrades it on start)",
    )


def _no_schema(tables: tuple[str, ...]) -> Finding:
    """A database without a storybot revision: another application's (its ``tables``),
    or an empty one."""
    if tables:  # every command that opens it refuses it (storage.migrate)
        return Finding(
            "schema",
            PROBLEM,
            f"no storybot tables: not a storybot database (it holds other tables: "
            f"{shown_tables(tables)})",
        )
    return Finding(
        "schema",
        PROBLEM,
        "no storybot tables: an empty database, never started (`storybot db-upgrade` creates them)",
    )


def polling(feeds: list[Feed], now: datetime, max_age: timedelta) -> Finding:
    """Whether something polls: no feed left due for ``max_age`` while nothing polled."""
    if not feeds:
        return Finding("polling", OK, "no feeds to poll (storybot feeds add URL)")
    polled = [utc(f.last_polled_at) for f in feeds if f.last_polled_at is not None]
    last = max(polled) if polled else None
    since = f"last poll {_age(now - last)} ago" if last else "no feed polled yet"
    due = [f for f in feeds if utc(f.next_poll_at) <= now]
    waiting = [f for f in due if now - utc(f.next_poll_at) > max_age]
    if waiting and (last is None or now - last > max_age):
        oldest = min(utc(f.next_poll_at) for f in waiting)
        return Finding(
            "polling",
            PROBLEM,
            f"{since}, and {counted(len(waiting), 'feed')} due for more than "
            f"{_limit(max_age)} (waiting since {oldest:%Y-%m-%d %H:%M} UTC): is "
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
            "judging", OK, f"no recent item has waited more than {_limit(max_age)} to be judged"
        )
    return Finding(
        "judging",
        WARNING,
        f"{counted(unjudged, 'recent item')} stored more than {_limit(max_age)} ago "
        "and judged by no story: is a worker serving the engine queue running? "
        "(failed judging jobs: procrastinate shell, list_jobs status=failed)",
    )


def _outbox(counts: dict[str, int]) -> Finding:
    dead, pending = counts.get("dead", 0), counts.get("pending", 0)
    if dead:
        return Finding(
            "outbox",
            WARNING,
            f"{counted(dead, 'dead message')}, given up on (storybot outbox lists {_it(dead)}; "
            f"storybot outbox --retry sends {_it(dead)} again; storybot outbox --discard deletes "
            f"{_it(dead)} if {'it' if dead == 1 else 'they'} can never be delivered)",
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
            f"{messages} due for more than {_limit(max_age)} "
            f"and not sent ({platforms}): is a deliverer with that platform's token running?"
        )
    if console:
        found.append(console_overdue(len(console), max_age))
    if not found:
        return Finding("delivery", OK, f"nothing waiting for more than {_limit(max_age)}")
    waiting = len(refused or ()) + len(overdue) + len(console)
    return Finding(
        "delivery", WARNING, "; ".join(found) + f" (storybot outbox lists {_it(waiting)})"
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
        f"{_limit(max_age)} and not sent: only storybot run without chat tokens prints "
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


def failing(feeds: list[Feed], max_failures: int) -> Finding:
    """Feeds that failed more than ``max_failures`` polls in a row, the worst named; then
    the feeds that need an operator however few polls they failed: gone, moved and read
    in part.

    First, though, whether the last poll reached no server at all: this machine's
    network down (``bot.polling.NetworkWatch``), which is no failure of the feeds and
    does not count towards theirs, but stops polling all the same.

    A feed whose server answered 410 Gone at its last poll (``bot.polling.is_gone_error``)
    is said from its first such answer, with the command that removes it: a 410 is not
    a failure that passes, and the feed is polled, backing off, until it is removed. A
    feed that moved permanently (``Feed.moved_to``) works, through the redirect, so no
    failure would ever say it: it is said with the commands that switch it. A feed whose
    last read read only part of it (``Feed.read_in_part``) works too, and loses the
    entries past that part: it is said with the part. Each in ``storybot feeds list``'s
    words (:func:`bot.feed_text.gone_note`, ``moved_note``, ``part_note``), the first few
    of each kind named (``FEEDS_NAMED``).
    """
    gone = [f for f in feeds if is_gone_error(f.last_error)]
    moved = [f for f in feeds if f.moved_to]
    part = [f for f in feeds if f.read_in_part]
    down = network_down(feeds)
    found = [down.detail] if down is not None else []
    bad = sorted(
        (f for f in feeds if f.error_count > max_failures and not is_gone_error(f.last_error)),
        key=lambda f: -f.error_count,
    )
    polls = f"more than {counted(max_failures, 'consecutive poll')}"
    if bad and down is None:
        worst = bad[0]
        error = shorten(" ".join(shown_text(worst.last_error or "").split()), 80)
        which = ", the worst" if len(bad) > 1 else ":"
        found.append(
            f"{counted(len(bad), 'feed')} failing for {polls}{which} {shown_url(worst.url)} "
            f"({counted(worst.error_count, 'failure')}: {error}); "
            f"storybot feeds list shows {_it(len(bad))}"
        )
    found += _named(gone, gone_note, "gone")
    found += _named(moved, moved_note, "moved permanently")
    found += _named(part, part_note, "read in part")
    if not found:
        return Finding("feeds", OK, f"none failing for {polls}")
    return Finding("feeds", WARNING, "; ".join(found))


FEEDS_NAMED = 3  # gone, moved or part-read feeds named in the feeds line, of each kind


def _named(feeds: list[Feed], note: Callable[[Feed], str], kind: str) -> list[str]:
    """``feeds`` each named with its ``note``, the first ``FEEDS_NAMED`` of them; the
    others counted ("and 2 more gone (storybot feeds list shows them)")."""
    said = [f"{shown_url(f.url)} {note(f)}" for f in feeds[:FEEDS_NAMED]]
    more = len(feeds) - FEEDS_NAMED
    if more > 0:
        said.append(f"and {more} more {kind} (storybot feeds list shows {_it(more)})")
    return said


def network_down(feeds: list[Feed]) -> Finding | None:
    """A warning if the last poll of the internet's feeds reached no server.

    The feeds polled together share a poll time: the outage excused some of them if any
    bears its note (their others failed otherwise, a timeout, or were not yet evidence).
    Feeds on this side of the network (``bot.polling.is_local_url``) say nothing of it.
    """
    polled = [f for f in feeds if f.last_polled_at is not None and not is_local_url(f.url)]
    if not polled:
        return None
    at = max(utc(f.last_polled_at) for f in polled)  # type: ignore[arg-type]
    excused = [
        f
        for f in polled
        if utc(f.last_polled_at) == at and is_outage_error(f.last_error)  # type: ignore[arg-type]
    ]
    if not excused:
        return None
    last = excused[0]
    alike = sum(1 for f in polled if is_outage_error(f.last_error))
    error = shown_text(without_outage_note(last.last_error))
    return Finding(
        "feeds",
        WARNING,
        f"the last poll reached no feed's server ({counted(alike, 'feed')} failed alike, "
        f"the last {shown_url(last.url)}: {shorten(' '.join(error.split()), 80)}): is this machine's "
        "network down? The feeds are polled at their interval meanwhile",
    )


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
            f"(last asked {_age(now - finished)} ago): {' '.join(run.problem.split())}; their "
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
        said = f"{run.platform}: a check started {_age(now - last)} ago and has not finished"
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
                f"asked {_age(now - finished)} ago, it could not check: "
                f"{' '.join(run.problem.split())}"
            )
        return _checked(run, now - finished)
    if started is not None:
        return f"a check started {_age(now - started)} ago and did not finish"
    return "never checked"


def _checked(run: OwnerCheckRun, ago: timedelta) -> str:
    """ "checked 2 h ago, 4 of 4 subscription owners: 1 owner gone, 2 keyword
    subscriptions removed"."""
    return (
        f"checked {_age(ago)} ago, {run.checked} of "
        f"{counted(run.owners, 'subscription owner')}: {counted(run.gone_users, 'owner')} "
        f"gone, {counted(run.removed, 'keyword subscription')} removed"
    )


def _it(n: int) -> str:
    """The pronoun for ``n`` things: "it" for one, else "them"."""
    return "it" if n == 1 else "them"


def _limit(span: timedelta) -> str:
    """A threshold (``--max-age``) as given: never rounded, or a line held to 2.5 min would
    say "nothing waiting for more than 2 min" while something waits 2 min 20 s. In the
    words of :func:`bot.duration.duration` where they are exact (whole minutes, under two
    days), else in the flag's own minutes ("2.5 min", "3000 min")."""
    seconds = span.total_seconds()
    if seconds % 60 == 0 and seconds < 48 * 3600:
        return duration(span)
    return f"{seconds / 60:g} min"


def _age(span: timedelta) -> str:
    """How long ago, or how long overdue, rounded down (see :func:`bot.duration.duration`).

    A probe's line must not make a threshold look crossed before it is: a poll 14 min 50 s
    ago is "14 min ago" beside a 15-min ``--max-age``, never "15 min ago".
    """
    return duration(span, round_down=True)
